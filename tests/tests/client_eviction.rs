//! Client eviction (`maxmemory-clients`, CLIENT NO-EVICT) end to end, each scenario run against
//! redis-server 7.0 and zedis (both of its modes where it matters) with the same expectations:
//! which client is disconnected, which survive, INFO's `evicted_clients`, the `Evicting client:`
//! log line.
//!
//! The scenarios are the deterministic ones. A client that pipelines GETs of a 100 KB value
//! without reading: Redis evicts it between two commands of the pipeline, before anything is
//! written, so nothing depends on the socket. A subscriber that never reads while another client
//! publishes: the kernel absorbs some megabytes first, so the publisher simply publishes until
//! PUBLISH reports no receiver (bounded). No timing is asserted; INFO is polled with a deadline.

use std::time::{Duration, Instant};
use zedis_tests::{encode_request, Kind, RawConn, Server};

/// The big value the pipelines read.
const BIG: usize = 100_000;
/// GETs in a pipeline: 3 MB of replies, three times the 1 MB limit.
const PIPELINED: usize = 30;

fn info_field(con: &mut RawConn, field: &str) -> String {
    let reply = con
        .request(&["INFO", "everything"])
        .unwrap_or_else(|e| panic!("INFO: {e}"));
    let text = String::from_utf8_lossy(&reply).into_owned();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("INFO has no {field}"))
        .trim()
        .to_string()
}

fn evicted_clients(con: &mut RawConn) -> u64 {
    info_field(con, "evicted_clients")
        .parse()
        .expect("evicted_clients is a number")
}

/// Polls until `evicted_clients` reaches `n` (or the deadline passes) and returns the last value.
fn wait_evicted(con: &mut RawConn, n: u64) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let v = evicted_clients(con);
        if v >= n || Instant::now() > deadline {
            return v;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn ok(con: &mut RawConn, args: &[&[u8]]) {
    let reply = con
        .request(args)
        .unwrap_or_else(|e| panic!("{:?}: {e}", String::from_utf8_lossy(args[0])));
    assert_eq!(reply, b"+OK\r\n", "{:?}", String::from_utf8_lossy(args[0]));
}

fn pong(con: &mut RawConn) -> bool {
    matches!(con.request(&["PING"]), Ok(r) if r == b"+PONG\r\n")
}

fn start(kind: Kind, args: &[&str]) -> Server {
    Server::start(kind, args).unwrap_or_else(|e| panic!("{e:#}"))
}

/// Every configuration a scenario runs under: redis-server, zedis inline, zedis threaded.
fn servers(args: &[&str]) -> Vec<(String, Server)> {
    let mut threaded = args.to_vec();
    threaded.extend(["--io-threads", "2"]);
    vec![
        ("redis-server".into(), start(Kind::Redis, args)),
        ("zedis".into(), start(Kind::Zedis, args)),
        ("zedis io-threads 2".into(), start(Kind::Zedis, &threaded)),
    ]
}

fn set_big(con: &mut RawConn) {
    ok(con, &[b"SET", b"big", &vec![b'v'; BIG]]);
}

fn get_pipeline() -> Vec<u8> {
    encode_request(&["GET", "big"]).repeat(PIPELINED)
}

/// The client pipelining big replies is evicted; the observer survives; one eviction, logged.
fn pipeliner_is_evicted(args: &[&str]) {
    for (name, server) in servers(args) {
        let mut observer = server.connect();
        set_big(&mut observer);
        let mut pipeliner = server.connect();
        pipeliner
            .send_raw(&get_pipeline())
            .unwrap_or_else(|e| panic!("{name}: send: {e}"));
        assert_eq!(wait_evicted(&mut observer, 1), 1, "{name}");
        let drained = pipeliner
            .read_until_closed()
            .unwrap_or_else(|e| panic!("{name}: the pipelining client is still connected: {e}"));
        assert!(
            drained.len() < PIPELINED * BIG,
            "{name}: every reply arrived ({} bytes)",
            drained.len()
        );
        assert!(pong(&mut observer), "{name}: the observer did not survive");
        assert_eq!(evicted_clients(&mut observer), 1, "{name}");
        let log = server.log_text();
        assert!(
            log.contains("Evicting client: id="),
            "{name}: no eviction logged:\n{log}"
        );
    }
}

#[test]
fn a_client_pipelining_big_replies_is_evicted() {
    pipeliner_is_evicted(&["--maxmemory-clients", "1mb"]);
}

#[test]
fn percent_of_maxmemory_is_the_limit() {
    // 5% of 20 MB = 1 MB.
    pipeliner_is_evicted(&["--maxmemory", "20mb", "--maxmemory-clients", "5%"]);
}

/// Reads every reply of the pipeline: all must be the big value.
fn read_all_replies(name: &str, con: &mut RawConn) {
    let want = format!("${BIG}\r\n").into_bytes();
    for i in 0..PIPELINED {
        let r = con
            .read_reply()
            .unwrap_or_else(|e| panic!("{name}: reply {i}: {e}"));
        assert!(
            r.starts_with(&want) && r.len() == want.len() + BIG + 2,
            "{name}: reply {i}"
        );
    }
}

#[test]
fn a_no_evict_client_survives() {
    for (name, server) in servers(&["--maxmemory-clients", "1mb"]) {
        let mut observer = server.connect();
        set_big(&mut observer);
        // The observer is exempt too: with the pipeline over the limit, it would be the one
        // evictable client left.
        ok(&mut observer, &[b"CLIENT", b"NO-EVICT", b"on"]);
        let mut pipeliner = server.connect();
        ok(&mut pipeliner, &[b"CLIENT", b"NO-EVICT", b"on"]);
        pipeliner
            .send_raw(&get_pipeline())
            .unwrap_or_else(|e| panic!("{name}: send: {e}"));
        read_all_replies(&name, &mut pipeliner);
        assert!(pong(&mut pipeliner), "{name}");
        assert!(pong(&mut observer), "{name}");
        assert_eq!(evicted_clients(&mut observer), 0, "{name}");
        let list = observer.request(&["CLIENT", "LIST"]).expect("CLIENT LIST");
        let list = String::from_utf8_lossy(&list);
        assert_eq!(list.matches("flags=e").count(), 2, "{name}: {list}");
    }
}

#[test]
fn zero_disables_client_eviction() {
    for (name, server) in servers(&["--maxmemory-clients", "0"]) {
        let mut observer = server.connect();
        set_big(&mut observer);
        let mut pipeliner = server.connect();
        pipeliner
            .send_raw(&get_pipeline())
            .unwrap_or_else(|e| panic!("{name}: send: {e}"));
        read_all_replies(&name, &mut pipeliner);
        assert!(pong(&mut pipeliner), "{name}");
        assert_eq!(evicted_clients(&mut observer), 0, "{name}");
    }
}

#[test]
fn config_set_turns_client_eviction_on() {
    for (name, server) in servers(&[]) {
        let mut observer = server.connect();
        set_big(&mut observer);
        ok(
            &mut observer,
            &[b"CONFIG", b"SET", b"maxmemory-clients", b"1mb"],
        );
        let mut pipeliner = server.connect();
        pipeliner
            .send_raw(&get_pipeline())
            .unwrap_or_else(|e| panic!("{name}: send: {e}"));
        assert_eq!(wait_evicted(&mut observer, 1), 1, "{name}");
        assert!(
            pipeliner.read_until_closed().is_ok(),
            "{name}: still connected"
        );
        // CONFIG RESETSTAT clears the counter.
        ok(&mut observer, &[b"CONFIG", b"RESETSTAT"]);
        assert_eq!(evicted_clients(&mut observer), 0, "{name}");
    }
}

#[test]
fn a_subscriber_that_never_reads_is_evicted() {
    // The pub/sub output-buffer limit is off, so only client eviction can stop it.
    let args = [
        "--maxmemory-clients",
        "1mb",
        "--client-output-buffer-limit",
        "pubsub 0 0 0",
    ];
    let message = vec![b'm'; BIG];
    for (name, server) in servers(&args) {
        let mut subscriber = server.connect();
        let reply = subscriber
            .request(&["SUBSCRIBE", "news"])
            .expect("SUBSCRIBE");
        assert!(reply.starts_with(b"*3\r\n"), "{name}");
        let mut bystander = server.connect();
        let mut publisher = server.connect();
        // At most 100 MB: far more than loopback socket buffers absorb.
        let mut receivers_left = true;
        for _ in 0..1000 {
            let r = publisher
                .request(&[b"PUBLISH".as_slice(), b"news", &message])
                .unwrap_or_else(|e| panic!("{name}: PUBLISH: {e}"));
            if r == b":0\r\n" {
                receivers_left = false;
                break;
            }
            assert_eq!(r, b":1\r\n", "{name}");
        }
        assert!(!receivers_left, "{name}: the subscriber was never evicted");
        assert_eq!(evicted_clients(&mut publisher), 1, "{name}");
        assert!(
            pong(&mut bystander),
            "{name}: the bystander did not survive"
        );
        let drained = subscriber
            .read_until_quiet(Duration::from_secs(2))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(drained.closed, "{name}: the subscriber is still connected");
        let channels = info_field(&mut publisher, "pubsub_channels");
        assert_eq!(
            channels, "0",
            "{name}: the subscription outlived the client"
        );
    }
}

#[test]
fn a_client_with_a_huge_unfinished_request_is_evicted() {
    for (name, server) in servers(&["--maxmemory-clients", "1mb"]) {
        eprintln!("-- on {name}");
        let mut observer = server.connect();
        let mut sender = server.connect();
        // A 3 MB argument of which 2 MB arrive: the query buffer alone is over the limit.
        let mut request = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n".to_vec();
        request.resize(request.len() + 2_000_000, b'x');
        // The server may close the connection before it has read everything.
        let _ = sender.send_raw(&request);
        assert_eq!(wait_evicted(&mut observer, 1), 1, "{name}");
        assert!(
            sender.read_until_closed().is_ok(),
            "{name}: still connected"
        );
        assert!(pong(&mut observer), "{name}");
        let exists = observer.request(&["EXISTS", "k"]).expect("EXISTS");
        assert_eq!(exists, b":0\r\n", "{name}");
    }
}
