//! The AOF scenarios of `zedis_tests::aof` against redis-server 7.0.15, the specification: they
//! must pass here before their zedis twins in `aof.rs` mean anything.

use zedis_tests::aof;
use zedis_tests::Kind::Redis;

#[test]
fn aof_crash_always_redis() {
    aof::crash_always(Redis);
}

#[test]
fn aof_crash_everysec_redis() {
    aof::crash_everysec(Redis);
}

#[test]
fn aof_torn_tail_redis() {
    aof::torn_tail(Redis);
}

#[test]
fn aof_corrupt_middle_redis() {
    aof::corrupt_middle(Redis);
}

#[test]
fn aof_redis_fixtures_redis() {
    aof::redis_fixtures(Redis);
}

#[test]
fn aof_rewrite_under_load_redis() {
    aof::rewrite_under_load(Redis);
}

#[test]
fn aof_round_trip_redis() {
    aof::round_trip(Redis);
}

#[test]
fn aof_info_fields_redis() {
    aof::info_fields(Redis);
}
