//! End-to-end tests of the non-interactive modes and of the command-line contract (exit
//! codes, connection errors, flags), each against a server the test starts.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};

use zedis_tests::{free_port, RawConn, Server, TempDir};

fn cli() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_zedis-cli"));
    c.env_remove("REDISCLI_AUTH")
        .env_remove("ZEDISCLI_AUTH")
        .env_remove("FAKETTY");
    c
}

fn run(port: u16, args: &[&str]) -> Output {
    cli()
        .arg("-p")
        .arg(port.to_string())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run zedis-cli")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn fill(port: u16) {
    let mut c = RawConn::connect(port).expect("connect");
    for cmd in [
        vec!["RPUSH", "list:1", "a", "b", "c"],
        vec!["HSET", "hash:1", "f", "v", "g", "w"],
        vec!["SET", "str:1", "hello"],
        vec!["SET", "str:2", "hi"],
        vec!["SADD", "set:1", "x"],
        vec!["ZADD", "zset:1", "1", "m"],
    ] {
        c.request(&cmd).expect("fill");
    }
}

/// Starts a long-running mode, reads `lines` lines of its stdout, then kills it.
fn first_lines(mut child: Child, lines: usize) -> Vec<String> {
    let out = child.stdout.take().expect("piped stdout");
    let mut reader = BufReader::new(out);
    let mut got = Vec::new();
    for _ in 0..lines {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        got.push(line);
    }
    let _ = child.kill();
    let _ = child.wait();
    got
}

fn spawn(port: u16, args: &[&str]) -> Child {
    cli()
        .arg("-p")
        .arg(port.to_string())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn zedis-cli")
}

#[test]
fn scan_lists_matching_keys() {
    let server = Server::zedis(&[]);
    fill(server.port());
    let o = run(
        server.port(),
        &["--scan", "--pattern", "str:*", "--count", "1"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let mut keys: Vec<&str> = text.lines().collect();
    keys.sort();
    assert_eq!(keys, ["str:1", "str:2"]);
    let all = run(server.port(), &["--scan"]);
    assert_eq!(stdout(&all).lines().count(), 6);
}

#[test]
fn bigkeys_and_memkeys_report_per_type() {
    let server = Server::zedis(&[]);
    fill(server.port());
    let o = run(server.port(), &["--bigkeys"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("Biggest   list found '\"list:1\"' has 3 items"),
        "{text}"
    );
    assert!(
        text.contains("Biggest string found '\"str:1\"' has 5 bytes"),
        "{text}"
    );
    assert!(text.contains("Sampled 6 keys in the keyspace!"), "{text}");
    assert!(
        text.contains("2 strings with 7 bytes (33.33% of keys, avg size 3.50)"),
        "{text}"
    );
    let o = run(server.port(), &["--memkeys", "--pattern", "list:*"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("Sampled 1 keys in the keyspace!"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn pipe_mass_insertion_counts_replies_and_errors() {
    let server = Server::zedis(&[]);
    let mut input = Vec::new();
    for i in 0..1000 {
        input.extend(zedis_tests::encode_request(&[
            "SET".to_string(),
            format!("k{i}"),
            format!("v{i}"),
        ]));
    }
    input.extend(zedis_tests::encode_request(&["LPUSH", "k1", "x"]));
    let mut child = cli()
        .arg("-p")
        .arg(server.port().to_string())
        .arg("--pipe")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&input)
        .expect("write");
    let o = child.wait_with_output().expect("wait");
    assert_eq!(
        stdout(&o),
        "All data transferred. Waiting for the last reply...\n\
         Last reply received from server.\n\
         errors: 1, replies: 1001\n"
    );
    assert!(stderr(&o).contains("WRONGTYPE"), "{}", stderr(&o));
    assert_eq!(o.status.code(), Some(1));
    let mut c = RawConn::connect(server.port()).expect("connect");
    assert_eq!(c.request(&["DBSIZE"]).expect("dbsize"), b":1000\r\n");
}

#[test]
fn latency_stat_and_dist_print_samples() {
    let server = Server::zedis(&[]);
    let o = run(server.port(), &["--latency", "--raw", "-i", "0.2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let fields: Vec<&str> = text.trim_end().split(' ').collect();
    assert_eq!(fields.len(), 4, "{text}");
    assert!(fields.iter().all(|f| f.parse::<f64>().is_ok()), "{text}");

    let lines = first_lines(
        spawn(server.port(), &["--latency-history", "--csv", "-i", "0.1"]),
        2,
    );
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0].trim_end().split(',').count(), 4, "{lines:?}");

    let lines = first_lines(spawn(server.port(), &["--stat", "-i", "0.1"]), 4);
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(lines[0].starts_with("------- data ------"), "{lines:?}");
    assert!(
        lines[1].starts_with("keys       mem      clients"),
        "{lines:?}"
    );
    assert!(lines[3].contains("(+"), "{lines:?}");

    let lines = first_lines(spawn(server.port(), &["--latency-dist", "-i", "0.2"]), 1);
    assert!(lines[0].contains("samples:"), "{lines:?}");
}

#[test]
fn rdb_and_eval_without_server_support_fail_clearly() {
    let server = Server::zedis(&[]);
    let dir = TempDir::new("zedis-cli-rdb").expect("temp dir");
    let file = dir.path().join("dump.rdb");
    let o = run(
        server.port(),
        &["--rdb", file.to_str().expect("utf-8 path")],
    );
    if o.status.success() {
        let bytes = std::fs::read(&file).expect("rdb written");
        assert!(bytes.starts_with(b"REDIS"), "not an RDB file");
    } else {
        assert!(
            stderr(&o).contains("does not support SYNC"),
            "{}",
            stderr(&o)
        );
    }
    let script = dir.path().join("s.lua");
    std::fs::write(&script, "return {KEYS[1], ARGV[1]}").expect("write script");
    let o = run(
        server.port(),
        &[
            "--eval",
            script.to_str().expect("utf-8 path"),
            "k",
            ",",
            "a",
        ],
    );
    if !o.status.success() {
        assert!(stderr(&o).contains("no scripting"), "{}", stderr(&o));
    } else {
        assert_eq!(stdout(&o), "k\na\n");
    }
}

#[test]
fn rdb_and_eval_against_redis_server() {
    let server = Server::redis(&[]);
    fill(server.port());
    let dir = TempDir::new("zedis-cli-rdb").expect("temp dir");
    let file = dir.path().join("dump.rdb");
    let o = run(
        server.port(),
        &["--rdb", file.to_str().expect("utf-8 path")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&file).expect("rdb written");
    assert!(bytes.starts_with(b"REDIS0010"), "not an RDB 10 file");
    let script = dir.path().join("s.lua");
    std::fs::write(&script, "return {KEYS[1], ARGV[1]}").expect("write script");
    let o = run(
        server.port(),
        &[
            "--eval",
            script.to_str().expect("utf-8 path"),
            "k",
            ",",
            "a",
        ],
    );
    assert_eq!(stdout(&o), "k\na\n");
}

#[test]
fn exit_codes_and_connection_errors() {
    let port = free_port();
    let o = run(port, &["PING"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(&format!(
            "Could not connect to Redis at 127.0.0.1:{port}: Connection refused"
        )),
        "{}",
        stderr(&o)
    );
    let server = Server::zedis(&[]);
    // Set after start-up: the harness waits for a PONG.
    let mut admin = RawConn::connect(server.port()).expect("connect");
    assert_eq!(
        admin
            .request(&["CONFIG", "SET", "requirepass", "pw"])
            .expect("config set"),
        b"+OK\r\n"
    );
    let o = run(server.port(), &["-a", "wrong", "PING"]);
    assert!(stderr(&o).contains("AUTH failed:"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("Warning: Using a password"),
        "{}",
        stderr(&o)
    );
    let o = cli()
        .env("ZEDISCLI_AUTH", "pw")
        .args(["-p", &server.port().to_string(), "-e", "INCR", "n"])
        .output()
        .expect("run");
    assert_eq!(stdout(&o), "1\n");
    assert!(o.status.success());
    let o = cli()
        .env("REDISCLI_AUTH", "pw")
        .args(["-p", &server.port().to_string(), "-e", "LPUSH", "n", "x"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).starts_with("WRONGTYPE"), "{}", stderr(&o));
    let uri = format!("redis://:pw@127.0.0.1:{}/2", server.port());
    let o = cli()
        .args(["--no-auth-warning", "-u", &uri, "-r", "3", "INCR", "m"])
        .output()
        .expect("run");
    assert_eq!(stdout(&o), "1\n2\n3\n");
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
}

#[test]
fn completions_and_version() {
    for (shell, needle) in [
        ("bash", "complete"),
        ("zsh", "#compdef"),
        ("fish", "complete -c zedis-cli"),
    ] {
        let o = cli().args(["--completions", shell]).output().expect("run");
        assert!(o.status.success());
        assert!(stdout(&o).contains(needle), "{shell}: {}", stdout(&o));
        assert!(stdout(&o).contains("latency-history"), "{shell}");
    }
    let o = cli().arg("--version").output().expect("run");
    assert!(stdout(&o).starts_with("zedis-cli "), "{}", stdout(&o));
    let o = cli().arg("--help").output().expect("run");
    assert!(stdout(&o).contains("--quoted-json"), "{}", stdout(&o));
    let o = cli().arg("--no-such-flag").output().expect("run");
    assert_eq!(
        o.status.code(),
        Some(1),
        "as redis-cli: exit 1 on a bad flag"
    );
}

#[test]
fn hostile_server_replies_give_errors_not_panics() {
    use std::io::Read;
    use std::net::TcpListener;
    for garbage in [
        &b"$99999999999999\r\n"[..],
        b"*-7\r\nxx",
        b"?what\r\n",
        b"*3\r\n:1\r\n",
        b"$5\r\nab",
        b"%2\r\n+a\r\n",
    ] {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let reply = garbage.to_vec();
        let fake = std::thread::spawn(move || {
            if let Ok((mut sock, _)) = listener.accept() {
                let mut buf = [0u8; 256];
                let _ = sock.read(&mut buf);
                let _ = sock.write_all(&reply);
                // Closing ends truncated replies.
            }
        });
        let o = run(port, &["PING"]);
        let _ = fake.join();
        assert_eq!(
            o.status.code(),
            Some(1),
            "garbage {garbage:?}: {}",
            stderr(&o)
        );
        assert!(
            stderr(&o).starts_with("Error: "),
            "garbage {garbage:?}: {}",
            stderr(&o)
        );
        assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    }
}

#[test]
fn askpass_and_unix_socket() {
    let dir = TempDir::new("zedis-cli-sock").expect("temp dir");
    let sock = dir.path().join("redis.sock");
    let server = Server::redis(&["--unixsocket", sock.to_str().expect("utf-8 path")]);
    let mut admin = RawConn::connect(server.port()).expect("connect");
    admin
        .request(&["CONFIG", "SET", "requirepass", "s3cret"])
        .expect("config set");
    let mut child = cli()
        .args([
            "-s",
            sock.to_str().expect("utf-8 path"),
            "--askpass",
            "PING",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"s3cret\n")
        .expect("write");
    let o = child.wait_with_output().expect("wait");
    assert_eq!(
        stdout(&o),
        "Please input password: PONG\n",
        "{}",
        stderr(&o)
    );
}

#[test]
fn quoted_input_matches_redis_cli() {
    let server = Server::zedis(&[]);
    let args = ["--quoted-input", "ECHO", "\"a b\\x41\\n\""];
    let ours = run(server.port(), &args);
    let theirs = Command::new("redis-cli")
        .arg("-p")
        .arg(server.port().to_string())
        .args(args)
        .output()
        .expect("run redis-cli");
    assert_eq!(stdout(&ours), "a bA\n\n");
    assert_eq!(ours.stdout, theirs.stdout);
    let bad = run(server.port(), &["--quoted-input", "ECHO", "\"unbalanced"]);
    assert_eq!(stdout(&bad), "Invalid quoted string\n");
    assert_eq!(bad.status.code(), Some(1));
}

#[test]
fn monitor_and_subscribe_stream_until_killed() {
    let server = Server::zedis(&[]);
    for (args, trigger, expect) in [
        (&["MONITOR"][..], vec!["SET", "watched", "1"], "\"watched\""),
        (
            &["SUBSCRIBE", "chan"][..],
            vec!["PUBLISH", "chan", "hello"],
            "hello",
        ),
    ] {
        let mut child = spawn(server.port(), args);
        // A watchdog, so that a stream that never shows the message fails instead of hanging.
        let pid = child.id().to_string();
        let (done, wait) = std::sync::mpsc::channel::<()>();
        let watchdog = std::thread::spawn(move || {
            if wait
                .recv_timeout(std::time::Duration::from_secs(30))
                .is_err()
            {
                let _ = Command::new("kill").arg(&pid).status();
            }
        });
        let out = child.stdout.take().expect("piped stdout");
        let mut reader = BufReader::new(out);
        // The first reply (OK, or the subscribe confirmation) says the stream is set up.
        let mut first = String::new();
        reader.read_line(&mut first).expect("first line");
        let mut c = RawConn::connect(server.port()).expect("connect");
        c.request(&trigger).expect("trigger");
        let mut seen = String::new();
        for _ in 0..10 {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            seen.push_str(&line);
            if line.contains(expect) {
                break;
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        let _ = done.send(());
        let _ = watchdog.join();
        assert!(
            seen.contains(expect),
            "{args:?}: first {first:?}, then {seen:?}"
        );
    }
}
