#!/usr/bin/env bash
# The AOF crash test at length: kill -9 under write load many times (200 cycles per fsync policy
# by default; CI runs 20), restart, check every acknowledged write. Against zedis, and against
# redis-server for comparison with `--redis`.
#   bench/aof_crash.sh [CYCLES] [--redis]
# A failing run prints its seed; repeat it with ZEDIS_AOF_SEED=<seed>.
set -euo pipefail
cd "$(dirname "$0")/.."
cycles="${1:-200}"
target=aof
[ "${2:-}" = "--redis" ] && target=aof_redis
cargo build --release -p zedis --bin zedis
ZEDIS_BIN="$PWD/target/release/zedis" ZEDIS_AOF_CRASH_CYCLES="$cycles" \
  cargo test --release -p zedis-tests --test "$target" -- --nocapture crash
