//! AOF propagation in-process: commands run through `commands::execute` on an `Engine` whose
//! propagation is on and logged to memory, with the clock fixed, and the log must be exactly
//! the RESP Redis 7.0 writes (absolute times computed from the fixed clock). The differential
//! corpus (tests/tests/aof_propagation.rs) covers the forms; this file pins exact times, the
//! random choices (SPOP) and the paths outside a command (blocked clients, active expiry).

use std::sync::Arc;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use zedis::commands;
use zedis::config::Config;
use zedis::resp::Frame;
use zedis::server::mailbox::Mailbox;
use zedis::server::state::{Client, Engine};

/// The fixed clock: 2001-09-09T01:46:40Z.
const NOW_MS: u64 = 1_000_000_000_000;

struct Server {
    eng: Engine,
    client: Client,
    clock: Instant,
}

fn client(id: u64) -> Client {
    Client::new(
        id,
        format!("127.0.0.1:{id}"),
        String::new(),
        0,
        false,
        Arc::new(Mailbox::new()),
        NOW_MS,
    )
}

impl Server {
    fn new() -> Server {
        let mut eng = Engine::new(Config::default(), NOW_MS);
        eng.store.now_ms = NOW_MS;
        // No save points: FLUSHALL would write a snapshot into the working directory.
        eng.config.save.clear();
        eng.prop.enabled = true;
        eng.aof.log_to_memory();
        Server {
            eng,
            client: client(1),
            clock: Instant::now(),
        }
    }

    fn run_as(&mut self, c: &mut Client, args: &[&str]) -> Frame {
        let args: Vec<Bytes> = args
            .iter()
            .map(|a| Bytes::copy_from_slice(a.as_bytes()))
            .collect();
        let mut out = BytesMut::new();
        commands::execute(&mut self.eng, c, &args, &mut out, &mut self.clock);
        if !self.eng.store.signals.ready.is_empty() {
            zedis::server::blocking::handle_ready(&mut self.eng);
        }
        match Frame::parse(&out) {
            Ok(Some((f, _))) => f,
            _ => Frame::Null,
        }
    }

    fn run(&mut self, args: &[&str]) -> Frame {
        let mut c = std::mem::replace(&mut self.client, client(0));
        let f = self.run_as(&mut c, args);
        self.client = c;
        f
    }

    /// What was logged since the last call.
    fn log(&mut self) -> Vec<u8> {
        self.eng.aof.take_log()
    }
}

/// The RESP of `cmds`, each a space-separated command.
fn resp(cmds: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for c in cmds {
        let args: Vec<&str> = c.split(' ').collect();
        out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
        for a in args {
            out.extend_from_slice(format!("${}\r\n{a}\r\n", a.len()).as_bytes());
        }
    }
    out
}

fn assert_log(s: &mut Server, want: &[&str]) {
    let got = s.log();
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(&resp(want))
    );
}

#[test]
fn relative_expiries_become_absolute_times() {
    let mut s = Server::new();
    s.run(&["SET", "k", "v", "EX", "10"]);
    s.run(&["SET", "k", "v", "PX", "1500", "GET"]);
    s.run(&["SETEX", "k", "7", "v"]);
    s.run(&["PSETEX", "k", "7", "v"]);
    s.run(&["SET", "k", "v", "EXAT", "2000000000"]);
    assert_log(
        &mut s,
        &[
            "SELECT 0",
            "SET k v PXAT 1000000010000",
            "SET k v PXAT 1000000001500",
            "SET k v PXAT 1000000007000",
            "SET k v PXAT 1000000000007",
            "SET k v PXAT 2000000000000",
        ],
    );
    s.run(&["EXPIRE", "k", "100", "GT"]);
    s.run(&["PEXPIRE", "k", "5", "xx"]);
    s.run(&["EXPIREAT", "k", "1000000009"]);
    s.run(&["PEXPIREAT", "k", "1000000009999"]);
    s.run(&["GETEX", "k", "EX", "3"]);
    s.run(&["GETEX", "k", "PERSIST"]);
    s.run(&["EXPIRE", "k", "-5"]);
    assert_log(
        &mut s,
        &[
            // GT against 2000000000000 refuses: nothing logged for the first EXPIRE.
            "PEXPIREAT k 1000000000005 xx",
            "PEXPIREAT k 1000000009000",
            "PEXPIREAT k 1000000009999",
            "PEXPIREAT k 1000000003000",
            "PERSIST k",
            "DEL k",
        ],
    );
}

#[test]
fn restore_logs_an_absolute_ttl() {
    let mut s = Server::new();
    s.run(&["SET", "src", "v"]);
    // The payload is binary: RESTORE is sent with raw arguments.
    let Frame::Bulk(p) = s.run(&["DUMP", "src"]) else {
        panic!("DUMP gives a bulk string");
    };
    s.log();
    let mut c = std::mem::replace(&mut s.client, client(0));
    let args = vec![
        Bytes::from_static(b"RESTORE"),
        Bytes::from_static(b"k"),
        Bytes::from_static(b"2500"),
        p.clone(),
    ];
    let mut out = BytesMut::new();
    commands::execute(&mut s.eng, &mut c, &args, &mut out, &mut s.clock);
    assert_eq!(&out[..], b"+OK\r\n");
    s.client = c;
    let mut want = resp(&["RESTORE k 1000000002500"]);
    // Patch the array length and append the payload and ABSTTL by hand (the payload is binary).
    want[1] = b'5';
    want.extend_from_slice(format!("${}\r\n", p.len()).as_bytes());
    want.extend_from_slice(&p);
    want.extend_from_slice(b"\r\n$6\r\nABSTTL\r\n");
    assert_eq!(s.log(), want);
}

#[test]
fn spop_with_a_count_logs_the_members_it_took() {
    let mut s = Server::new();
    s.run(&["SADD", "s", "a", "b", "c", "d", "e", "f", "g", "h"]);
    s.log();
    let Frame::Array(popped) = s.run(&["SPOP", "s", "3"]) else {
        panic!("SPOP with a count answers an array");
    };
    let members: Vec<String> = popped
        .iter()
        .map(|f| match f {
            Frame::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
            other => panic!("bulk expected, got {other:?}"),
        })
        .collect();
    assert_eq!(members.len(), 3);
    let srems: Vec<String> = members.iter().map(|m| format!("SREM s {m}")).collect();
    let mut want = vec!["MULTI"];
    want.extend(srems.iter().map(String::as_str));
    want.push("EXEC");
    assert_log(&mut s, &want);
    // Single pops are one SREM each; the last member's pop logs SREM too (not DEL).
    let Frame::Bulk(m) = s.run(&["SPOP", "s"]) else {
        panic!("SPOP answers a bulk string");
    };
    let m = String::from_utf8_lossy(&m).into_owned();
    assert_log(&mut s, &[&format!("SREM s {m}")]);
    s.run(&["SPOP", "s", "100"]);
    assert_log(&mut s, &["DEL s"]);
}

#[test]
fn blocked_clients_served_later_log_the_non_blocking_form() {
    let mut s = Server::new();
    let mut waiters = Vec::new();
    for (id, cmd) in [
        (10, vec!["BLMOVE", "src", "dst", "RIGHT", "LEFT", "0"]),
        (11, vec!["BRPOPLPUSH", "src", "dst", "0"]),
        (12, vec!["BLMPOP", "0", "1", "src", "LEFT", "COUNT", "5"]),
    ] {
        let mut c = client(id);
        s.run_as(&mut c, &cmd);
        assert!(c.blocked.is_some(), "{cmd:?} blocks");
        waiters.push(c);
    }
    for c in waiters {
        s.eng.clients.insert(c.id, Box::new(c));
    }
    s.run(&["RPUSH", "src", "a", "b", "c", "d"]);
    assert_log(
        &mut s,
        &[
            "SELECT 0",
            "RPUSH src a b c d",
            "LMOVE src dst right left",
            "RPOPLPUSH src dst",
            "LPOP src 2",
        ],
    );
    let mut z = client(20);
    s.run_as(&mut z, &["BZMPOP", "0", "1", "z", "MAX", "COUNT", "10"]);
    s.eng.clients.insert(z.id, Box::new(z));
    s.run(&["ZADD", "z", "1", "a", "2", "b"]);
    assert_log(&mut s, &["ZADD z 1 a 2 b", "ZPOPMAX z 2"]);
}

#[test]
fn keys_the_server_expires_log_del_on_their_own() {
    let mut s = Server::new();
    s.run(&["SET", "k", "v", "PX", "10"]);
    s.run(&["SET", "other", "v"]);
    s.log();
    s.eng.store.now_ms += 100;
    s.eng.store.active_expire_cycle(
        20,
        10,
        Instant::now() + std::time::Duration::from_millis(100),
    );
    zedis::commands::propagate::log_server_deletes(&mut s.eng);
    assert_log(&mut s, &["DEL k"]);
}

#[test]
fn nothing_is_logged_or_kept_when_propagation_is_off() {
    let mut s = Server::new();
    s.eng.prop.enabled = false;
    s.run(&["SET", "k", "v", "EX", "10"]);
    s.run(&["SADD", "s", "a", "b", "c"]);
    s.run(&["SPOP", "s", "2"]);
    s.run(&["FLUSHALL"]);
    assert!(s.log().is_empty());
}

#[test]
fn a_transaction_with_one_write_is_not_wrapped() {
    let mut s = Server::new();
    s.run(&["MULTI"]);
    s.run(&["GET", "a"]);
    s.run(&["INCRBYFLOAT", "a", "1.5"]);
    s.run(&["EXEC"]);
    assert_log(&mut s, &["SELECT 0", "SET a 1.5 KEEPTTL"]);
    s.run(&["MULTI"]);
    s.run(&["SELECT", "2"]);
    s.run(&["HINCRBYFLOAT", "h", "f", "2.5"]);
    s.run(&["SELECT", "0"]);
    s.run(&["SPOP", "missing"]);
    s.run(&["GETDEL", "a"]);
    s.run(&["EXEC"]);
    // MULTI goes in the first command's database, so its SELECT comes first (as Redis).
    assert_log(
        &mut s,
        &[
            "SELECT 2",
            "MULTI",
            "HSET h f 2.5",
            "SELECT 0",
            "DEL a",
            "EXEC",
        ],
    );
}

#[test]
fn keys_reaped_by_scan_or_randomkey_are_not_wrapped() {
    for cmd in [&["SCAN", "0"][..], &["RANDOMKEY"][..]] {
        let mut s = Server::new();
        s.run(&["SET", "a", "1", "PX", "10"]);
        s.run(&["SET", "b", "1", "PX", "10"]);
        s.log();
        s.eng.store.now_ms += 100;
        s.run(cmd);
        let log = String::from_utf8_lossy(&s.log()).into_owned();
        let (ab, ba) = (resp(&["DEL a", "DEL b"]), resp(&["DEL b", "DEL a"]));
        assert!(
            log.as_bytes() == ab || log.as_bytes() == ba,
            "{cmd:?} logged {log:?}"
        );
    }
    // Inside a transaction they are wrapped with the rest, as Redis.
    let mut s = Server::new();
    s.run(&["SET", "a", "1", "PX", "10"]);
    s.log();
    s.eng.store.now_ms += 100;
    s.run(&["MULTI"]);
    s.run(&["SCAN", "0"]);
    s.run(&["SET", "c", "1"]);
    s.run(&["EXEC"]);
    assert_log(&mut s, &["MULTI", "DEL a", "SET c 1", "EXEC"]);
}

#[test]
fn a_client_served_in_another_database_logs_its_select() {
    let mut s = Server::new();
    s.run(&["SET", "a", "1"]);
    let mut w = client(30);
    s.run_as(&mut w, &["SELECT", "3"]);
    s.run_as(&mut w, &["BRPOP", "l", "0"]);
    assert!(w.blocked.is_some());
    s.eng.clients.insert(w.id, Box::new(w));
    s.run(&["SELECT", "3"]);
    s.run(&["MULTI"]);
    s.run(&["LPUSH", "l", "x"]);
    s.run(&["SELECT", "0"]);
    s.run(&["SET", "b", "2"]);
    s.run(&["EXEC"]);
    // The served pop is logged after the transaction that fed it, on its own.
    assert_log(
        &mut s,
        &[
            "SELECT 0",
            "SET a 1",
            "SELECT 3",
            "MULTI",
            "LPUSH l x",
            "SELECT 0",
            "SET b 2",
            "EXEC",
            "SELECT 3",
            "RPOP l",
        ],
    );
}
