//! End-to-end tests of the cross-client machinery the differential corpus cannot reach with one
//! connection per case: blocking pops woken by other clients, pub/sub fan-out and the pubsub
//! output-buffer limit, WATCH races between clients, and keyspace notifications delivered to
//! another client.
//!
//! Every test starts its own server. Nothing asserts on timing: blocking timeouts are short
//! (≤ 0.2 s) and waits are polls with a generous deadline.
//!
//! `ZEDIS_E2E_SERVER=redis` runs the same expectations against redis-server, which is how the
//! expected behaviour here was checked.

use std::time::{Duration, Instant};

use zedis_tests::{encode_request, escape, Kind, RawConn, ReadError, Server};

const LIMIT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(10);

fn target() -> Kind {
    match std::env::var("ZEDIS_E2E_SERVER").as_deref() {
        Ok("redis") | Ok("redis-server") => Kind::Redis,
        _ => Kind::Zedis,
    }
}

fn server() -> Server {
    server_with(&[])
}

fn server_with(extra: &[&str]) -> Server {
    Server::start(target(), extra).unwrap_or_else(|e| panic!("{e:#}"))
}

fn eventually<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = probe() {
            return v;
        }
        assert!(start.elapsed() < LIMIT, "timed out waiting for {what}");
        std::thread::sleep(POLL);
    }
}

fn req(conn: &mut RawConn, args: &[&str]) -> Vec<u8> {
    conn.request(args)
        .unwrap_or_else(|e| panic!("{} failed: {e}", args.join(" ")))
}

#[track_caller]
fn expect(conn: &mut RawConn, args: &[&str], want: &str) {
    let got = req(conn, args);
    assert_eq!(
        escape(&got),
        escape(want.as_bytes()),
        "reply to {} differs",
        args.join(" ")
    );
}

#[track_caller]
fn expect_reply(conn: &mut RawConn, want: &str) {
    let got = conn
        .read_reply()
        .unwrap_or_else(|e| panic!("no reply (wanted {}): {e}", escape(want.as_bytes())));
    assert_eq!(escape(&got), escape(want.as_bytes()));
}

/// RESP2 encoding of an array of bulk strings.
fn bulks(items: &[&str]) -> String {
    let mut s = format!("*{}\r\n", items.len());
    for i in items {
        s.push_str(&format!("${}\r\n{i}\r\n", i.len()));
    }
    s
}

fn info_field(conn: &mut RawConn, section: &str, field: &str) -> String {
    let reply = req(conn, &["INFO", section]);
    let text = String::from_utf8_lossy(&reply).into_owned();
    let prefix = format!("{field}:");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix).map(|v| v.trim().to_string()))
        .unwrap_or_else(|| panic!("INFO {section} has no {field}"))
}

/// Waits until INFO reports exactly `n` blocked clients.
fn wait_blocked(admin: &mut RawConn, n: usize) {
    eventually(&format!("blocked_clients:{n}"), || {
        (info_field(admin, "clients", "blocked_clients") == n.to_string()).then_some(())
    });
}

fn client_id(conn: &mut RawConn) -> String {
    let r = req(conn, &["CLIENT", "ID"]);
    String::from_utf8_lossy(&r[1..r.len() - 2]).into_owned()
}

// ---------------------------------------------------------------------------------------------
// Blocking pops
// ---------------------------------------------------------------------------------------------

#[test]
fn blocked_waiters_are_served_oldest_first() {
    blocked_waiters_are_served_oldest_first_on(&server());
}

fn blocked_waiters_are_served_oldest_first_on(srv: &Server) {
    let mut admin = srv.connect();
    let mut waiters: Vec<RawConn> = (0..3).map(|_| srv.connect()).collect();
    for (i, w) in waiters.iter_mut().enumerate() {
        w.send(&["BLPOP", "l", "0"]).unwrap();
        wait_blocked(&mut admin, i + 1);
    }
    // One element: only the oldest waiter gets it.
    expect(&mut admin, &["RPUSH", "l", "a"], ":1\r\n");
    expect_reply(&mut waiters[0], &bulks(&["l", "a"]));
    wait_blocked(&mut admin, 2);
    // Two elements: the remaining waiters in arrival order, one element each.
    expect(&mut admin, &["RPUSH", "l", "b", "c"], ":2\r\n");
    expect_reply(&mut waiters[1], &bulks(&["l", "b"]));
    expect_reply(&mut waiters[2], &bulks(&["l", "c"]));
    wait_blocked(&mut admin, 0);
    expect(&mut admin, &["EXISTS", "l"], ":0\r\n");
}

#[test]
fn blocking_pop_on_several_keys_and_blmove() {
    let srv = server();
    let mut admin = srv.connect();
    let mut w = srv.connect();
    w.send(&["BRPOP", "k1", "k2", "0"]).unwrap();
    wait_blocked(&mut admin, 1);
    expect(&mut admin, &["LPUSH", "k2", "x"], ":1\r\n");
    expect_reply(&mut w, &bulks(&["k2", "x"]));

    w.send(&["BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"])
        .unwrap();
    wait_blocked(&mut admin, 1);
    expect(&mut admin, &["RPUSH", "dst", "old"], ":1\r\n");
    expect(&mut admin, &["RPUSH", "src", "v1", "v2"], ":2\r\n");
    expect_reply(&mut w, "$2\r\nv1\r\n");
    expect(
        &mut admin,
        &["LRANGE", "dst", "0", "-1"],
        &bulks(&["old", "v1"]),
    );
    expect(&mut admin, &["LRANGE", "src", "0", "-1"], &bulks(&["v2"]));

    w.send(&["BRPOPLPUSH", "s2", "d2", "0"]).unwrap();
    wait_blocked(&mut admin, 1);
    expect(&mut admin, &["RPUSH", "s2", "p"], ":1\r\n");
    expect_reply(&mut w, "$1\r\np\r\n");
    expect(&mut admin, &["LRANGE", "d2", "0", "-1"], &bulks(&["p"]));

    w.send(&["BLMPOP", "0", "2", "m1", "m2", "LEFT", "COUNT", "5"])
        .unwrap();
    wait_blocked(&mut admin, 1);
    expect(&mut admin, &["RPUSH", "m2", "a", "b"], ":2\r\n");
    expect_reply(&mut w, "*2\r\n$2\r\nm2\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n");
}

#[test]
fn bzpopmin_and_bzmpop_are_woken_by_zadd() {
    let srv = server();
    let mut admin = srv.connect();
    let mut w = srv.connect();
    w.send(&["BZPOPMIN", "z", "0"]).unwrap();
    wait_blocked(&mut admin, 1);
    expect(&mut admin, &["ZADD", "z", "2", "b", "1", "a"], ":2\r\n");
    expect_reply(&mut w, "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n");
    expect(&mut admin, &["ZCARD", "z"], ":1\r\n");

    w.send(&["BZMPOP", "0", "1", "y", "MAX", "COUNT", "2"])
        .unwrap();
    wait_blocked(&mut admin, 1);
    expect(&mut admin, &["ZADD", "y", "1", "p", "5", "q"], ":2\r\n");
    expect_reply(
        &mut w,
        "*2\r\n$1\r\ny\r\n*2\r\n*2\r\n$1\r\nq\r\n$1\r\n5\r\n*2\r\n$1\r\np\r\n$1\r\n1\r\n",
    );
}

#[test]
fn blocking_timeouts_answer_null() {
    let srv = server();
    let mut c = srv.connect();
    expect(&mut c, &["BLPOP", "l", "0.05"], "*-1\r\n");
    expect(
        &mut c,
        &["BLMOVE", "a", "b", "LEFT", "LEFT", "0.05"],
        "*-1\r\n",
    );
    expect(&mut c, &["BZPOPMAX", "z", "0.05"], "*-1\r\n");
    expect(&mut c, &["BLMPOP", "0.05", "1", "l", "LEFT"], "*-1\r\n");
    let hello = req(&mut c, &["HELLO", "3"]);
    assert_eq!(hello.first(), Some(&b'%'), "{}", escape(&hello));
    expect(&mut c, &["BLPOP", "l", "0.05"], "_\r\n");
    expect(&mut c, &["BRPOPLPUSH", "a", "b", "0.05"], "_\r\n");
}

#[test]
fn a_waiter_that_disconnects_is_forgotten_and_no_push_is_lost() {
    a_waiter_that_disconnects_is_forgotten_and_no_push_is_lost_on(&server());
}

fn a_waiter_that_disconnects_is_forgotten_and_no_push_is_lost_on(srv: &Server) {
    let mut admin = srv.connect();
    let mut gone = srv.connect();
    gone.send(&["BLPOP", "l", "0"]).unwrap();
    let mut stays = srv.connect();
    stays.send(&["BLPOP", "other", "0"]).unwrap();
    wait_blocked(&mut admin, 2);
    drop(gone);
    wait_blocked(&mut admin, 1);
    // Nobody waits on l any more: the element stays in the list.
    expect(&mut admin, &["RPUSH", "l", "x"], ":1\r\n");
    expect(&mut admin, &["LRANGE", "l", "0", "-1"], &bulks(&["x"]));
    expect(&mut admin, &["RPUSH", "other", "y"], ":1\r\n");
    expect_reply(&mut stays, &bulks(&["other", "y"]));
    wait_blocked(&mut admin, 0);
}

#[test]
fn client_unblock_timeout_and_error() {
    let srv = server();
    let mut admin = srv.connect();
    let mut w = srv.connect();
    let id = client_id(&mut w);
    expect(&mut admin, &["CLIENT", "UNBLOCK", &id], ":0\r\n");
    w.send(&["BLPOP", "l", "0"]).unwrap();
    wait_blocked(&mut admin, 1);
    expect(&mut admin, &["CLIENT", "UNBLOCK", &id, "TIMEOUT"], ":1\r\n");
    expect_reply(&mut w, "*-1\r\n");
    expect(&mut admin, &["CLIENT", "UNBLOCK", &id], ":0\r\n");

    w.send(&["BZPOPMIN", "z", "0"]).unwrap();
    wait_blocked(&mut admin, 1);
    expect(&mut admin, &["CLIENT", "UNBLOCK", &id, "ERROR"], ":1\r\n");
    expect_reply(&mut w, "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
    wait_blocked(&mut admin, 0);
    // The connection is usable afterwards and nothing was popped later on its behalf.
    expect(&mut w, &["PING"], "+PONG\r\n");
    expect(&mut admin, &["RPUSH", "l", "a"], ":1\r\n");
    expect(&mut admin, &["LLEN", "l"], ":1\r\n");
}

#[test]
fn a_push_inside_exec_serves_waiters_after_the_transaction() {
    let srv = server();
    let mut admin = srv.connect();
    let mut w = srv.connect();
    w.send(&["BLPOP", "l", "0"]).unwrap();
    wait_blocked(&mut admin, 1);
    expect(&mut admin, &["MULTI"], "+OK\r\n");
    expect(&mut admin, &["RPUSH", "l", "a", "b"], "+QUEUED\r\n");
    expect(&mut admin, &["LPOP", "l"], "+QUEUED\r\n");
    expect(&mut admin, &["EXEC"], "*2\r\n:2\r\n$1\r\na\r\n");
    // The waiter sees the list as EXEC left it.
    expect_reply(&mut w, &bulks(&["l", "b"]));
    expect(&mut admin, &["EXISTS", "l"], ":0\r\n");

    // A transaction that pushes and empties the list again serves nobody.
    w.send(&["BLPOP", "l", "0"]).unwrap();
    wait_blocked(&mut admin, 1);
    expect(&mut admin, &["MULTI"], "+OK\r\n");
    expect(&mut admin, &["RPUSH", "l", "a"], "+QUEUED\r\n");
    expect(&mut admin, &["DEL", "l"], "+QUEUED\r\n");
    expect(&mut admin, &["EXEC"], "*2\r\n:1\r\n:1\r\n");
    wait_blocked(&mut admin, 1);
    expect(&mut admin, &["RPUSH", "l", "z"], ":1\r\n");
    expect_reply(&mut w, &bulks(&["l", "z"]));
}

#[test]
fn pipelined_commands_behind_a_blocked_one_wait_for_it() {
    pipelined_commands_behind_a_blocked_one_wait_for_it_on(&server());
}

fn pipelined_commands_behind_a_blocked_one_wait_for_it_on(srv: &Server) {
    let mut admin = srv.connect();
    let mut w = srv.connect();
    let mut pipeline = encode_request(&["BLPOP", "l", "0"]);
    pipeline.extend(encode_request(&["SET", "after", "1"]));
    pipeline.extend(encode_request(&["INCR", "after"]));
    w.send_raw(&pipeline).unwrap();
    wait_blocked(&mut admin, 1);
    expect(&mut admin, &["EXISTS", "after"], ":0\r\n");
    expect(&mut admin, &["RPUSH", "l", "v"], ":1\r\n");
    expect_reply(&mut w, &bulks(&["l", "v"]));
    expect_reply(&mut w, "+OK\r\n");
    expect_reply(&mut w, ":2\r\n");
    expect(&mut admin, &["GET", "after"], "$1\r\n2\r\n");
}

#[test]
fn client_info_inside_exec_shows_the_transaction() {
    let srv = server();
    let mut c = srv.connect();
    expect(&mut c, &["MULTI"], "+OK\r\n");
    expect(&mut c, &["CLIENT", "INFO"], "+QUEUED\r\n");
    let r = req(&mut c, &["EXEC"]);
    let text = String::from_utf8_lossy(&r).into_owned();
    for field in [" flags=x ", " multi=1 ", " cmd=exec "] {
        assert!(text.contains(field), "{field:?} missing in {text}");
    }
    let r = req(&mut c, &["CLIENT", "INFO"]);
    let text = String::from_utf8_lossy(&r).into_owned();
    for field in [" flags=N ", " multi=-1 ", " cmd=client|info "] {
        assert!(text.contains(field), "{field:?} missing in {text}");
    }
}

// ---------------------------------------------------------------------------------------------
// Pub/Sub
// ---------------------------------------------------------------------------------------------

fn message(channel: &str, payload: &str) -> String {
    bulks(&["message", channel, payload])
}

fn pmessage(pattern: &str, channel: &str, payload: &str) -> String {
    bulks(&["pmessage", pattern, channel, payload])
}

#[test]
fn many_subscribers_and_patterns_get_every_message_in_order() {
    let srv = server();
    let mut publisher = srv.connect();
    let mut subs: Vec<RawConn> = (0..20).map(|_| srv.connect()).collect();
    for s in &mut subs {
        expect(
            s,
            &["SUBSCRIBE", "news"],
            "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n",
        );
    }
    // NUMPAT counts distinct patterns: each pattern subscriber uses its own (all match "news"
    // and "nest"), and a sixth client repeats one of them.
    let patterns = ["ne*", "n*", "*s*", "ne??", "[n]e*"];
    let mut psubs: Vec<RawConn> = (0..5).map(|_| srv.connect()).collect();
    for (p, pat) in psubs.iter_mut().zip(patterns) {
        let want = format!(
            "*3\r\n$10\r\npsubscribe\r\n${}\r\n{pat}\r\n:1\r\n",
            pat.len()
        );
        expect(p, &["PSUBSCRIBE", pat], &want);
    }
    let mut extra = srv.connect();
    expect(
        &mut extra,
        &["PSUBSCRIBE", "ne*"],
        "*3\r\n$10\r\npsubscribe\r\n$3\r\nne*\r\n:1\r\n",
    );
    expect(&mut publisher, &["PUBSUB", "NUMPAT"], ":5\r\n");
    drop(extra);
    eventually("the extra pattern subscriber to leave", || {
        (info_field(&mut publisher, "clients", "connected_clients") == "26").then_some(())
    });
    expect(
        &mut publisher,
        &["PUBSUB", "NUMSUB", "news", "none"],
        "*4\r\n$4\r\nnews\r\n:20\r\n$4\r\nnone\r\n:0\r\n",
    );
    expect(&mut publisher, &["PUBSUB", "CHANNELS"], &bulks(&["news"]));
    for i in 0..10 {
        let payload = format!("m{i}");
        expect(&mut publisher, &["PUBLISH", "news", &payload], ":25\r\n");
    }
    expect(&mut publisher, &["PUBLISH", "nest", "p"], ":5\r\n");
    for s in &mut subs {
        for i in 0..10 {
            expect_reply(s, &message("news", &format!("m{i}")));
        }
    }
    for (p, pat) in psubs.iter_mut().zip(patterns) {
        for i in 0..10 {
            expect_reply(p, &pmessage(pat, "news", &format!("m{i}")));
        }
        expect_reply(p, &pmessage(pat, "nest", "p"));
    }
    // Subscribers leaving are reflected in the counts.
    for s in subs.iter_mut().take(5) {
        expect(
            s,
            &["UNSUBSCRIBE", "news"],
            "*3\r\n$11\r\nunsubscribe\r\n$4\r\nnews\r\n:0\r\n",
        );
    }
    drop(subs.drain(5..10));
    drop(psubs.drain(0..2));
    eventually("NUMSUB 10 and NUMPAT 3", || {
        let n = req(&mut publisher, &["PUBSUB", "NUMSUB", "news"]);
        let p = req(&mut publisher, &["PUBSUB", "NUMPAT"]);
        (n == b"*2\r\n$4\r\nnews\r\n:10\r\n" && p == b":3\r\n").then_some(())
    });
    expect(&mut publisher, &["PUBLISH", "news", "last"], ":13\r\n");
    for s in subs.iter_mut().skip(5) {
        expect_reply(s, &message("news", "last"));
    }
}

#[test]
fn shard_channels_are_counted_apart() {
    let srv = server();
    let mut publisher = srv.connect();
    let mut a = srv.connect();
    let mut b = srv.connect();
    expect(
        &mut a,
        &["SSUBSCRIBE", "s"],
        "*3\r\n$10\r\nssubscribe\r\n$1\r\ns\r\n:1\r\n",
    );
    expect(
        &mut b,
        &["SUBSCRIBE", "s"],
        "*3\r\n$9\r\nsubscribe\r\n$1\r\ns\r\n:1\r\n",
    );
    expect(
        &mut publisher,
        &["PUBSUB", "SHARDNUMSUB", "s"],
        "*2\r\n$1\r\ns\r\n:1\r\n",
    );
    expect(
        &mut publisher,
        &["PUBSUB", "NUMSUB", "s"],
        "*2\r\n$1\r\ns\r\n:1\r\n",
    );
    expect(&mut publisher, &["SPUBLISH", "s", "x"], ":1\r\n");
    expect(&mut publisher, &["PUBLISH", "s", "y"], ":1\r\n");
    expect_reply(&mut a, &bulks(&["smessage", "s", "x"]));
    expect_reply(&mut b, &message("s", "y"));
}

#[test]
fn a_subscriber_that_never_reads_is_disconnected_at_the_pubsub_limit() {
    a_subscriber_that_never_reads_is_disconnected_at_the_pubsub_limit_on(&server());
}

fn a_subscriber_that_never_reads_is_disconnected_at_the_pubsub_limit_on(srv: &Server) {
    let mut admin = srv.connect();
    expect(
        &mut admin,
        &[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "pubsub 32kb 0 0",
        ],
        "+OK\r\n",
    );
    let mut lazy = srv.connect();
    expect(
        &mut lazy,
        &["SUBSCRIBE", "flood"],
        "*3\r\n$9\r\nsubscribe\r\n$5\r\nflood\r\n:1\r\n",
    );
    let mut reader = srv.connect();
    expect(
        &mut reader,
        &["SUBSCRIBE", "other"],
        "*3\r\n$9\r\nsubscribe\r\n$5\r\nother\r\n:1\r\n",
    );
    // Publish pipelined batches until the lazy subscriber is dropped: its messages pile up in
    // the server faster than the kernel takes them once the socket buffers are full.
    let payload = "x".repeat(4000);
    let mut batch = Vec::new();
    for _ in 0..64 {
        batch.extend(encode_request(&["PUBLISH", "flood", &payload]));
    }
    let mut publisher = srv.connect();
    eventually("the lazy subscriber to be disconnected", || {
        publisher.send_raw(&batch).unwrap();
        for _ in 0..64 {
            let r = publisher.read_reply().expect("PUBLISH reply");
            assert!(r == b":1\r\n" || r == b":0\r\n", "{}", escape(&r));
        }
        let n = req(&mut admin, &["PUBSUB", "NUMSUB", "flood"]);
        (n == b"*2\r\n$5\r\nflood\r\n:0\r\n").then_some(())
    });
    // The server is healthy and other subscribers still get their messages.
    expect(&mut admin, &["PING"], "+PONG\r\n");
    expect(&mut admin, &["PUBLISH", "other", "still"], ":1\r\n");
    expect_reply(&mut reader, &message("other", "still"));
    let cleared = lazy.read_until_closed();
    assert!(
        cleared.is_ok() || matches!(cleared, Err(ReadError::Closed { .. })),
        "the lazy subscriber's connection stays open"
    );
    expect(
        &mut admin,
        &[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "pubsub 32mb 8mb 60",
        ],
        "+OK\r\n",
    );
}

/// The normal class of `client-output-buffer-limit`: a reply that would take a client's pending
/// output past the hard limit closes that client instead (nothing of the reply arrives), other
/// clients carry on; under the limit nothing happens. Checked on redis-server too.
#[test]
fn a_normal_client_past_its_output_limit_is_disconnected() {
    for kind in [Kind::Redis, Kind::Zedis] {
        let srv = Server::start(kind, &[]).unwrap_or_else(|e| panic!("{e:#}"));
        let mut admin = srv.connect();
        expect(
            &mut admin,
            &[
                "CONFIG",
                "SET",
                "client-output-buffer-limit",
                "normal 1mb 0 0",
            ],
            "+OK\r\n",
        );
        let big = "v".repeat(2 << 20);
        let small = "s".repeat(100 << 10);
        expect(&mut admin, &["SET", "big", &big], "+OK\r\n");
        expect(&mut admin, &["SET", "small", &small], "+OK\r\n");
        let mut c = srv.connect();
        let got = c.request(&["GET", "small"]).expect("GET small");
        assert_eq!(got.len(), (100 << 10) + 11, "{kind:?}");
        let r = c.request(&["GET", "big"]);
        assert!(
            matches!(r, Err(ReadError::Closed { ref partial }) if partial.is_empty()),
            "{kind:?}: a 2 MB reply under a 1 MB hard limit must close the client, got {:?}",
            r.map(|b| b.len())
        );
        expect(&mut admin, &["PING"], "+PONG\r\n");
        let listed = req(&mut admin, &["CLIENT", "LIST"]);
        assert_eq!(
            String::from_utf8_lossy(&listed).matches("id=").count(),
            1,
            "{kind:?}: the closed client is still listed"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// WATCH races
// ---------------------------------------------------------------------------------------------

#[test]
fn watch_is_broken_by_another_clients_write_only() {
    let srv = server();
    let mut a = srv.connect();
    let mut b = srv.connect();
    expect(&mut a, &["WATCH", "k"], "+OK\r\n");
    expect(&mut b, &["SET", "k", "theirs"], "+OK\r\n");
    expect(&mut a, &["MULTI"], "+OK\r\n");
    expect(&mut a, &["SET", "k", "mine"], "+QUEUED\r\n");
    expect(&mut a, &["EXEC"], "*-1\r\n");
    expect(&mut a, &["GET", "k"], "$6\r\ntheirs\r\n");

    expect(&mut a, &["WATCH", "k"], "+OK\r\n");
    expect(&mut b, &["SET", "unrelated", "1"], "+OK\r\n");
    expect(&mut b, &["GET", "k"], "$6\r\ntheirs\r\n");
    expect(&mut a, &["MULTI"], "+OK\r\n");
    expect(&mut a, &["SET", "k", "mine"], "+QUEUED\r\n");
    expect(&mut a, &["EXEC"], "*1\r\n+OK\r\n");
    expect(&mut b, &["GET", "k"], "$4\r\nmine\r\n");

    // A write in another database does not touch the watched key.
    expect(&mut a, &["WATCH", "k"], "+OK\r\n");
    expect(&mut b, &["SELECT", "3"], "+OK\r\n");
    expect(&mut b, &["SET", "k", "elsewhere"], "+OK\r\n");
    expect(&mut a, &["MULTI"], "+OK\r\n");
    expect(&mut a, &["PING"], "+QUEUED\r\n");
    expect(&mut a, &["EXEC"], "*1\r\n+PONG\r\n");
    // Another client's FLUSHALL does.
    expect(&mut a, &["WATCH", "k"], "+OK\r\n");
    expect(&mut b, &["FLUSHALL"], "+OK\r\n");
    expect(&mut a, &["MULTI"], "+OK\r\n");
    expect(&mut a, &["PING"], "+QUEUED\r\n");
    expect(&mut a, &["EXEC"], "*-1\r\n");
}

#[test]
fn watch_is_broken_by_expiry() {
    let srv = server();
    let mut a = srv.connect();
    let mut b = srv.connect();
    // Nobody touches the key: it only passes its TTL.
    expect(&mut a, &["SET", "k", "v", "PX", "100"], "+OK\r\n");
    expect(&mut a, &["WATCH", "k"], "+OK\r\n");
    std::thread::sleep(Duration::from_millis(150));
    expect(&mut a, &["MULTI"], "+OK\r\n");
    expect(&mut a, &["PING"], "+QUEUED\r\n");
    expect(&mut a, &["EXEC"], "*-1\r\n");
    // Another client's access deletes it first.
    expect(&mut a, &["SET", "k", "v", "PX", "50"], "+OK\r\n");
    expect(&mut a, &["WATCH", "k"], "+OK\r\n");
    eventually("k to expire", || {
        (req(&mut b, &["EXISTS", "k"]) == b":0\r\n").then_some(())
    });
    expect(&mut a, &["MULTI"], "+OK\r\n");
    expect(&mut a, &["PING"], "+QUEUED\r\n");
    expect(&mut a, &["EXEC"], "*-1\r\n");
}

// ---------------------------------------------------------------------------------------------
// Keyspace notifications
// ---------------------------------------------------------------------------------------------

#[test]
fn keyspace_events_reach_another_client() {
    let srv = server();
    let mut admin = srv.connect();
    expect(
        &mut admin,
        &["CONFIG", "SET", "notify-keyspace-events", "KEA"],
        "+OK\r\n",
    );
    let mut sub = srv.connect();
    expect(
        &mut sub,
        &["PSUBSCRIBE", "__keyevent@0__:*"],
        "*3\r\n$10\r\npsubscribe\r\n$16\r\n__keyevent@0__:*\r\n:1\r\n",
    );
    let ev = |event: &str, key: &str| {
        pmessage("__keyevent@0__:*", &format!("__keyevent@0__:{event}"), key)
    };
    expect(&mut admin, &["SET", "k", "v"], "+OK\r\n");
    expect(&mut admin, &["DEL", "k"], ":1\r\n");
    expect(&mut admin, &["LPUSH", "l", "a"], ":1\r\n");
    expect(&mut admin, &["ZADD", "z", "1", "m"], ":1\r\n");
    expect(&mut admin, &["SELECT", "1"], "+OK\r\n");
    expect(&mut admin, &["SET", "ignored", "v"], "+OK\r\n");
    expect(&mut admin, &["SELECT", "0"], "+OK\r\n");
    expect(&mut admin, &["SET", "e", "v", "PX", "20"], "+OK\r\n");
    expect_reply(&mut sub, &ev("set", "k"));
    expect_reply(&mut sub, &ev("del", "k"));
    expect_reply(&mut sub, &ev("lpush", "l"));
    expect_reply(&mut sub, &ev("zadd", "z"));
    expect_reply(&mut sub, &ev("set", "e"));
    expect_reply(&mut sub, &ev("expire", "e"));
    // The active expiry cycle removes e without anyone touching it.
    expect_reply(&mut sub, &ev("expired", "e"));
    expect(
        &mut admin,
        &["CONFIG", "SET", "notify-keyspace-events", ""],
        "+OK\r\n",
    );
    expect(&mut admin, &["SET", "k", "v"], "+OK\r\n");
    expect(
        &mut admin,
        &["PUBLISH", "__keyevent@0__:probe", "x"],
        ":1\r\n",
    );
    expect_reply(&mut sub, &ev("probe", "x"));
}

// ---------------------------------------------------------------------------------------------
// Blocking pops: the less common ways a key becomes ready
// ---------------------------------------------------------------------------------------------

#[test]
fn blmove_into_a_key_of_another_type_fails_the_waiter_and_keeps_the_element() {
    let srv = server();
    let mut admin = srv.connect();
    let mut w = srv.connect();
    expect(&mut admin, &["SET", "dst", "string"], "+OK\r\n");
    w.send(&["BLMOVE", "src", "dst", "LEFT", "LEFT", "0"])
        .unwrap();
    wait_blocked(&mut admin, 1);
    expect(&mut admin, &["RPUSH", "src", "a"], ":1\r\n");
    expect_reply(
        &mut w,
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    wait_blocked(&mut admin, 0);
    expect(&mut admin, &["LRANGE", "src", "0", "-1"], &bulks(&["a"]));
}

#[test]
fn a_waiter_ignores_a_key_of_another_type() {
    let srv = server();
    let mut admin = srv.connect();
    let mut w = srv.connect();
    w.send(&["BLPOP", "k", "0"]).unwrap();
    let mut zw = srv.connect();
    zw.send(&["BZPOPMIN", "k", "0"]).unwrap();
    wait_blocked(&mut admin, 2);
    // A sorted set under the key serves the BZPOPMIN waiter only.
    expect(&mut admin, &["ZADD", "k", "1", "m"], ":1\r\n");
    expect_reply(&mut zw, "*3\r\n$1\r\nk\r\n$1\r\nm\r\n$1\r\n1\r\n");
    wait_blocked(&mut admin, 1);
    expect(&mut admin, &["SET", "k", "v"], "+OK\r\n");
    expect(&mut admin, &["DEL", "k"], ":1\r\n");
    expect(&mut admin, &["RPUSH", "k", "x"], ":1\r\n");
    expect_reply(&mut w, &bulks(&["k", "x"]));
}

#[test]
fn rename_swapdb_and_lmove_wake_waiters() {
    let srv = server();
    let mut admin = srv.connect();
    let mut w = srv.connect();
    w.send(&["BLPOP", "l", "0"]).unwrap();
    wait_blocked(&mut admin, 1);
    expect(&mut admin, &["RPUSH", "tmp", "r"], ":1\r\n");
    expect(&mut admin, &["RENAME", "tmp", "l"], "+OK\r\n");
    expect_reply(&mut w, &bulks(&["l", "r"]));

    w.send(&["BLPOP", "l", "0"]).unwrap();
    wait_blocked(&mut admin, 1);
    expect(&mut admin, &["SELECT", "1"], "+OK\r\n");
    expect(&mut admin, &["RPUSH", "l", "s"], ":1\r\n");
    expect(&mut admin, &["SWAPDB", "0", "1"], "+OK\r\n");
    expect_reply(&mut w, &bulks(&["l", "s"]));
    expect(&mut admin, &["SELECT", "0"], "+OK\r\n");

    w.send(&["BLPOP", "l", "0"]).unwrap();
    wait_blocked(&mut admin, 1);
    expect(&mut admin, &["RPUSH", "src", "m"], ":1\r\n");
    expect(
        &mut admin,
        &["LMOVE", "src", "l", "LEFT", "LEFT"],
        "$1\r\nm\r\n",
    );
    expect_reply(&mut w, &bulks(&["l", "m"]));

    w.send(&["BLPOP", "l", "0"]).unwrap();
    wait_blocked(&mut admin, 1);
    expect(&mut admin, &["RPUSH", "c", "k"], ":1\r\n");
    expect(&mut admin, &["COPY", "c", "l"], ":1\r\n");
    expect_reply(&mut w, &bulks(&["l", "k"]));
    wait_blocked(&mut admin, 0);
}

#[test]
fn a_blmove_waiter_feeds_a_waiter_on_its_destination() {
    let srv = server();
    let mut admin = srv.connect();
    let mut mover = srv.connect();
    mover
        .send(&["BLMOVE", "a", "b", "RIGHT", "LEFT", "0"])
        .unwrap();
    wait_blocked(&mut admin, 1);
    let mut popper = srv.connect();
    popper.send(&["BLPOP", "b", "0"]).unwrap();
    wait_blocked(&mut admin, 2);
    expect(&mut admin, &["RPUSH", "a", "x"], ":1\r\n");
    expect_reply(&mut mover, "$1\r\nx\r\n");
    expect_reply(&mut popper, &bulks(&["b", "x"]));
    expect(&mut admin, &["EXISTS", "a", "b"], ":0\r\n");
}

#[test]
fn served_pops_emit_events_and_break_watches() {
    let srv = server();
    let mut admin = srv.connect();
    expect(
        &mut admin,
        &["CONFIG", "SET", "notify-keyspace-events", "KEA"],
        "+OK\r\n",
    );
    let mut sub = srv.connect();
    expect(
        &mut sub,
        &["PSUBSCRIBE", "__keyevent@0__:*"],
        "*3\r\n$10\r\npsubscribe\r\n$16\r\n__keyevent@0__:*\r\n:1\r\n",
    );
    let mut watcher = srv.connect();
    let mut w = srv.connect();
    expect(&mut admin, &["RPUSH", "l", "seed"], ":1\r\n");
    expect(&mut admin, &["LPOP", "l"], "$4\r\nseed\r\n");
    w.send(&["BLPOP", "l", "0"]).unwrap();
    wait_blocked(&mut admin, 1);
    expect(&mut watcher, &["WATCH", "l"], "+OK\r\n");
    expect(&mut admin, &["RPUSH", "l", "x"], ":1\r\n");
    expect_reply(&mut w, &bulks(&["l", "x"]));
    expect(&mut watcher, &["MULTI"], "+OK\r\n");
    expect(&mut watcher, &["PING"], "+QUEUED\r\n");
    expect(&mut watcher, &["EXEC"], "*-1\r\n");
    let ev = |event: &str, key: &str| {
        pmessage("__keyevent@0__:*", &format!("__keyevent@0__:{event}"), key)
    };
    for (e, k) in [
        ("rpush", "l"),
        ("lpop", "l"),
        ("del", "l"),
        ("rpush", "l"),
        ("lpop", "l"),
        ("del", "l"),
    ] {
        expect_reply(&mut sub, &ev(e, k));
    }
    w.send(&["BZPOPMAX", "z", "0"]).unwrap();
    wait_blocked(&mut admin, 1);
    expect(&mut admin, &["ZADD", "z", "1", "a", "2", "b"], ":2\r\n");
    expect_reply(&mut w, "*3\r\n$1\r\nz\r\n$1\r\nb\r\n$1\r\n2\r\n");
    expect_reply(&mut sub, &ev("zadd", "z"));
    expect_reply(&mut sub, &ev("zpopmax", "z"));
    expect(
        &mut admin,
        &["CONFIG", "SET", "notify-keyspace-events", ""],
        "+OK\r\n",
    );
}

#[test]
fn killed_and_listed_blocked_clients() {
    killed_and_listed_blocked_clients_on(&server());
}

fn killed_and_listed_blocked_clients_on(srv: &Server) {
    let mut admin = srv.connect();
    let mut w = srv.connect();
    let id = client_id(&mut w);
    w.send(&["BLPOP", "l", "0"]).unwrap();
    wait_blocked(&mut admin, 1);
    let list = req(&mut admin, &["CLIENT", "LIST", "ID", &id]);
    let text = String::from_utf8_lossy(&list).into_owned();
    for field in [" flags=b ", " cmd=blpop "] {
        assert!(text.contains(field), "{field:?} missing in {text}");
    }
    expect(&mut admin, &["CLIENT", "KILL", "ID", &id], ":1\r\n");
    wait_blocked(&mut admin, 0);
    expect(&mut admin, &["RPUSH", "l", "x"], ":1\r\n");
    expect(&mut admin, &["LLEN", "l"], ":1\r\n");
}

#[test]
fn a_short_timeout_with_several_waiters() {
    let srv = server();
    let mut admin = srv.connect();
    let mut quick = srv.connect();
    let mut slow = srv.connect();
    quick.send(&["BLPOP", "l", "0.1"]).unwrap();
    slow.send(&["BLPOP", "l", "0"]).unwrap();
    expect_reply(&mut quick, "*-1\r\n");
    wait_blocked(&mut admin, 1);
    expect(&mut admin, &["RPUSH", "l", "x"], ":1\r\n");
    expect_reply(&mut slow, &bulks(&["l", "x"]));
}

#[test]
fn idle_timeout_spares_blocked_clients_and_subscribers() {
    let srv = server();
    let mut admin = srv.connect();
    let _idle = srv.connect();
    let mut sub = srv.connect();
    expect(
        &mut sub,
        &["SUBSCRIBE", "ch"],
        "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n",
    );
    let mut w = srv.connect();
    w.send(&["BLPOP", "l", "0"]).unwrap();
    wait_blocked(&mut admin, 1);
    // A client whose write is held by CLIENT PAUSE counts as blocked too.
    expect(
        &mut admin,
        &["CLIENT", "PAUSE", "60000", "WRITE"],
        "+OK\r\n",
    );
    let mut held = srv.connect();
    held.send(&["SET", "k", "v"]).unwrap();
    expect(&mut admin, &["CONFIG", "SET", "timeout", "1"], "+OK\r\n");
    // Only the plain idle client goes (admin keeps interacting by polling).
    eventually("the idle client to be closed", || {
        (info_field(&mut admin, "clients", "connected_clients") == "4").then_some(())
    });
    expect(&mut admin, &["CONFIG", "SET", "timeout", "0"], "+OK\r\n");
    expect(&mut admin, &["CLIENT", "UNPAUSE"], "+OK\r\n");
    expect_reply(&mut held, "+OK\r\n");
    expect(&mut admin, &["PUBLISH", "ch", "hi"], ":1\r\n");
    expect_reply(&mut sub, &message("ch", "hi"));
    expect(&mut admin, &["RPUSH", "l", "x"], ":1\r\n");
    expect_reply(&mut w, &bulks(&["l", "x"]));
}

/// Every blocking command answers a served wait exactly as it answers when the data is already
/// there, in RESP2 and RESP3.
#[test]
fn served_replies_match_immediate_replies() {
    served_replies_match_immediate_replies_on(&server());
}

fn served_replies_match_immediate_replies_on(srv: &Server) {
    let mut admin = srv.connect();
    let cases: &[(&[&str], &[&str])] = &[
        (&["BLPOP", "k", "0"], &["RPUSH", "k", "a", "b"]),
        (&["BRPOP", "k", "0"], &["RPUSH", "k", "a", "b"]),
        (
            &["BLMOVE", "k", "d", "RIGHT", "LEFT", "0"],
            &["RPUSH", "k", "a", "b"],
        ),
        (
            &["BLMOVE", "k", "k", "LEFT", "RIGHT", "0"],
            &["RPUSH", "k", "a", "b"],
        ),
        (&["BRPOPLPUSH", "k", "d", "0"], &["RPUSH", "k", "a", "b"]),
        (
            &["BLMPOP", "0", "1", "k", "LEFT", "COUNT", "5"],
            &["RPUSH", "k", "a", "b"],
        ),
        (
            &["BLMPOP", "0", "1", "k", "RIGHT"],
            &["RPUSH", "k", "a", "b"],
        ),
        (
            &["BZPOPMIN", "k", "0"],
            &["ZADD", "k", "1.5", "a", "2", "b"],
        ),
        (
            &["BZPOPMAX", "k", "0"],
            &["ZADD", "k", "1.5", "a", "2", "b"],
        ),
        (
            &["BZMPOP", "0", "1", "k", "MIN", "COUNT", "5"],
            &["ZADD", "k", "1.5", "a", "2", "b"],
        ),
        (
            &["BZMPOP", "0", "1", "k", "MAX"],
            &["ZADD", "k", "1.5", "a", "2", "b"],
        ),
    ];
    // The keyspace events of both paths must match too.
    expect(
        &mut admin,
        &["CONFIG", "SET", "notify-keyspace-events", "KEA"],
        "+OK\r\n",
    );
    let mut sub = srv.connect();
    req(&mut sub, &["PSUBSCRIBE", "__key*__:*"]);
    for proto in ["2", "3"] {
        let mut w = srv.connect();
        let hello = req(&mut w, &["HELLO", proto]);
        assert!(matches!(hello.first(), Some(b'*') | Some(b'%')));
        for (cmd, feed) in cases {
            req(&mut admin, &["DEL", "k", "d"]);
            events_until_mark(&mut sub, &mut admin);
            req(&mut admin, feed);
            let immediate = req(&mut w, cmd);
            let after_immediate = key_state(&mut admin);
            let immediate_events = events_until_mark(&mut sub, &mut admin);
            assert!(immediate_events.len() >= 4, "{immediate_events:?}");
            req(&mut admin, &["DEL", "k", "d"]);
            events_until_mark(&mut sub, &mut admin);
            w.send(cmd).unwrap();
            wait_blocked(&mut admin, 1);
            req(&mut admin, feed);
            let served = w.read_reply().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
            let served_events = events_until_mark(&mut sub, &mut admin);
            assert_eq!(
                served_events,
                immediate_events,
                "RESP{proto} {}: events differ",
                cmd.join(" ")
            );
            assert_eq!(
                escape(&served),
                escape(&immediate),
                "RESP{proto} {} served differs from immediate",
                cmd.join(" ")
            );
            assert_eq!(
                key_state(&mut admin),
                after_immediate,
                "RESP{proto} {}: the key is left differently",
                cmd.join(" ")
            );
            wait_blocked(&mut admin, 0);
        }
    }
}

/// What `k` and `d` hold, as text (lists and sorted sets only).
fn key_state(admin: &mut RawConn) -> String {
    let mut state = String::new();
    for key in ["k", "d"] {
        let t = req(admin, &["TYPE", key]);
        let content = match &t[..] {
            b"+list\r\n" => req(admin, &["LRANGE", key, "0", "-1"]),
            b"+zset\r\n" => req(admin, &["ZRANGE", key, "0", "-1", "WITHSCORES"]),
            _ => Vec::new(),
        };
        state.push_str(&escape(&t));
        state.push_str(&escape(&content));
    }
    state
}

/// Publishes a marker on the keyevent space and returns the events `sub` got before it, as text.
fn events_until_mark(sub: &mut RawConn, admin: &mut RawConn) -> Vec<String> {
    req(admin, &["PUBLISH", "__keyevent@0__:mark", "-"]);
    let mut got = Vec::new();
    loop {
        let frame = sub.read_reply().unwrap_or_else(|e| panic!("no event: {e}"));
        let text = escape(&frame);
        if text.contains("__keyevent@0__:mark") {
            return got;
        }
        got.push(text);
    }
}

#[test]
fn keys_made_ready_by_one_transaction_are_served_in_push_order() {
    let srv = server();
    let mut admin = srv.connect();
    let mut w = srv.connect();
    w.send(&["BLPOP", "a", "b", "0"]).unwrap();
    let mut w2 = srv.connect();
    w2.send(&["BLPOP", "a", "0"]).unwrap();
    wait_blocked(&mut admin, 2);
    expect(&mut admin, &["MULTI"], "+OK\r\n");
    expect(&mut admin, &["RPUSH", "b", "1"], "+QUEUED\r\n");
    expect(&mut admin, &["RPUSH", "a", "2"], "+QUEUED\r\n");
    expect(&mut admin, &["EXEC"], "*2\r\n:1\r\n:1\r\n");
    // b became ready first: the first waiter takes it, and a goes to the second waiter.
    expect_reply(&mut w, &bulks(&["b", "1"]));
    expect_reply(&mut w2, &bulks(&["a", "2"]));
}

/// The same scenarios with I/O threads (zedis then decodes and writes on other threads than the
/// store thread, which is where wake-ups and disconnects of blocked clients race).
#[test]
fn blocking_and_pubsub_scenarios_with_io_threads() {
    let srv = server_with(&["--io-threads", "2"]);
    blocked_waiters_are_served_oldest_first_on(&srv);
    expect(&mut srv.connect(), &["FLUSHALL"], "+OK\r\n");
    pipelined_commands_behind_a_blocked_one_wait_for_it_on(&srv);
    expect(&mut srv.connect(), &["FLUSHALL"], "+OK\r\n");
    killed_and_listed_blocked_clients_on(&srv);
    expect(&mut srv.connect(), &["FLUSHALL"], "+OK\r\n");
    a_subscriber_that_never_reads_is_disconnected_at_the_pubsub_limit_on(&srv);
    expect(&mut srv.connect(), &["FLUSHALL"], "+OK\r\n");
    a_waiter_that_disconnects_is_forgotten_and_no_push_is_lost_on(&srv);
    expect(&mut srv.connect(), &["FLUSHALL"], "+OK\r\n");
    served_replies_match_immediate_replies_on(&srv);
    expect(&mut srv.connect(), &["FLUSHALL"], "+OK\r\n");
}

#[test]
fn pipelined_blocking_pops_take_one_element_each() {
    let srv = server();
    let mut admin = srv.connect();
    let mut w = srv.connect();
    let mut pipeline = encode_request(&["BLPOP", "l", "0"]);
    pipeline.extend(encode_request(&["BLPOP", "l", "0"]));
    pipeline.extend(encode_request(&["BLPOP", "l", "0.05"]));
    pipeline.extend(encode_request(&["PING"]));
    w.send_raw(&pipeline).unwrap();
    wait_blocked(&mut admin, 1);
    expect(&mut admin, &["RPUSH", "l", "a", "b"], ":2\r\n");
    expect_reply(&mut w, &bulks(&["l", "a"]));
    expect_reply(&mut w, &bulks(&["l", "b"]));
    expect_reply(&mut w, "*-1\r\n");
    expect_reply(&mut w, "+PONG\r\n");
}

#[test]
fn waiters_wait_in_their_own_database_and_survive_flushall() {
    let srv = server();
    let mut admin = srv.connect();
    let mut w = srv.connect();
    expect(&mut w, &["SELECT", "1"], "+OK\r\n");
    w.send(&["BLPOP", "l", "0"]).unwrap();
    wait_blocked(&mut admin, 1);
    expect(&mut admin, &["RPUSH", "l", "db0"], ":1\r\n");
    expect(&mut admin, &["FLUSHALL"], "+OK\r\n");
    wait_blocked(&mut admin, 1);
    expect(&mut admin, &["SELECT", "1"], "+OK\r\n");
    expect(&mut admin, &["RPUSH", "l", "db1"], ":1\r\n");
    expect_reply(&mut w, &bulks(&["l", "db1"]));
}

#[test]
fn publish_inside_exec_reaches_subscribers_at_exec() {
    let srv = server();
    let mut admin = srv.connect();
    let mut sub = srv.connect();
    expect(
        &mut sub,
        &["SUBSCRIBE", "ch"],
        "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n",
    );
    expect(&mut admin, &["MULTI"], "+OK\r\n");
    expect(&mut admin, &["PUBLISH", "ch", "one"], "+QUEUED\r\n");
    expect(&mut admin, &["PUBLISH", "ch", "two"], "+QUEUED\r\n");
    expect(&mut admin, &["EXEC"], "*2\r\n:1\r\n:1\r\n");
    expect_reply(&mut sub, &message("ch", "one"));
    expect_reply(&mut sub, &message("ch", "two"));
}

#[test]
fn resp3_subscriber_gets_pushes_between_its_replies() {
    let srv = server();
    let mut admin = srv.connect();
    let mut sub = srv.connect();
    let hello = req(&mut sub, &["HELLO", "3"]);
    assert_eq!(hello.first(), Some(&b'%'));
    expect(
        &mut sub,
        &["SUBSCRIBE", "ch"],
        ">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n",
    );
    expect(&mut admin, &["PUBLISH", "ch", "m"], ":1\r\n");
    // Any command still works in RESP3; the push arrives first.
    expect(
        &mut sub,
        &["SET", "k", "v"],
        ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nm\r\n",
    );
    expect_reply(&mut sub, "+OK\r\n");
}

#[test]
fn client_unblock_timeout_replies_in_both_protocols() {
    let srv = server();
    let mut admin = srv.connect();
    let cases: &[(&str, &[&str], &str)] = &[
        ("2", &["BLMOVE", "a", "b", "LEFT", "LEFT", "0"], "*-1\r\n"),
        ("2", &["BLMPOP", "0", "1", "a", "LEFT"], "*-1\r\n"),
        ("2", &["BZMPOP", "0", "1", "a", "MIN"], "*-1\r\n"),
        ("3", &["BLMOVE", "a", "b", "LEFT", "LEFT", "0"], "_\r\n"),
        ("3", &["BLPOP", "a", "0"], "_\r\n"),
        ("3", &["BZPOPMIN", "a", "0"], "_\r\n"),
        ("3", &["BZMPOP", "0", "1", "a", "MIN"], "_\r\n"),
    ];
    for (proto, cmd, want) in cases {
        let mut w = srv.connect();
        req(&mut w, &["HELLO", proto]);
        let id = client_id(&mut w);
        w.send(cmd).unwrap();
        wait_blocked(&mut admin, 1);
        expect(&mut admin, &["CLIENT", "UNBLOCK", &id, "TIMEOUT"], ":1\r\n");
        expect_reply(&mut w, want);
        wait_blocked(&mut admin, 0);
    }
}

#[test]
fn a_key_named_twice_serves_its_waiter_once() {
    let srv = server();
    let mut admin = srv.connect();
    let mut w = srv.connect();
    w.send(&["BLPOP", "l", "l", "0"]).unwrap();
    let mut w2 = srv.connect();
    w2.send(&["BZPOPMIN", "z", "z", "z", "0"]).unwrap();
    wait_blocked(&mut admin, 2);
    expect(&mut admin, &["RPUSH", "l", "a", "b"], ":2\r\n");
    expect_reply(&mut w, &bulks(&["l", "a"]));
    expect(&mut admin, &["LRANGE", "l", "0", "-1"], &bulks(&["b"]));
    expect(&mut admin, &["ZADD", "z", "1", "m", "2", "n"], ":2\r\n");
    expect_reply(&mut w2, "*3\r\n$1\r\nz\r\n$1\r\nm\r\n$1\r\n1\r\n");
    expect(&mut admin, &["ZCARD", "z"], ":1\r\n");
    wait_blocked(&mut admin, 0);
    expect(&mut w, &["PING"], "+PONG\r\n");
}
