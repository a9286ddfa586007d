//! The AOF scenarios of `zedis_tests::aof` against zedis: crash under load with each fsync
//! policy, torn tails, corruption in the middle, Redis 7 appendonlydirs, rewrite under load,
//! round trips of every type with expiries, INFO fields. `aof_redis.rs` runs the same scenarios
//! against redis-server.

use zedis_tests::aof;
use zedis_tests::Kind::Zedis;

#[test]
fn aof_crash_always() {
    aof::crash_always(Zedis);
}

#[test]
fn aof_crash_everysec() {
    aof::crash_everysec(Zedis);
}

#[test]
fn aof_torn_tail() {
    aof::torn_tail(Zedis);
}

#[test]
fn aof_corrupt_middle() {
    aof::corrupt_middle(Zedis);
}

#[test]
fn aof_redis_fixtures() {
    aof::redis_fixtures(Zedis);
}

#[test]
fn aof_rewrite_under_load() {
    aof::rewrite_under_load(Zedis);
}

#[test]
fn aof_round_trip() {
    aof::round_trip(Zedis);
}

#[test]
fn aof_info_fields() {
    aof::info_fields(Zedis);
}
