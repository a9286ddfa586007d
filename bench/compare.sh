#!/usr/bin/env bash
# Builds zedis in release mode and runs the side-by-side benchmark against redis-server.
# Arguments are passed to compare.py (see `bench/compare.py --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p zedis --bin zedis
exec python3 bench/compare.py "$@"
