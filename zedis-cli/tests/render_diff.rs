//! Differential rendering: the same commands, with the same flags, run through `redis-cli`
//! and `zedis-cli` against the same server must print byte-identical output and exit with the
//! same code. Against redis-server (which has DEBUG PROTOCOL for every RESP3 type) and
//! against zedis.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use zedis_tests::Server;

/// Output modes: tty (forced with FAKETTY), raw, csv, json, quoted-json, RESP2 and RESP3.
const FLAG_SETS: &[&[&str]] = &[
    &[],
    &["--raw"],
    &["--no-raw"],
    &["--csv"],
    &["--json"],
    &["--quoted-json"],
    &["-3"],
    &["-3", "--raw"],
    &["-3", "--csv"],
    &["-3", "--json"],
    &["-3", "--quoted-json"],
    &["-2", "--json"],
    &["--raw", "-d", "|", "-D", "@@"],
];

/// Commands that read only, so every run sees the same data.
const CORPUS: &[&str] = &[
    "PING",
    "ECHO \"a b\\n\\x01\\xff\"",
    "GET str",
    "GET nokey",
    "GET bin",
    "STRLEN str",
    "LRANGE list 0 -1",
    "LRANGE nokey 0 -1",
    "HGETALL hash",
    "SMEMBERS set",
    "ZRANGE zset 0 -1 WITHSCORES",
    "ZSCORE zset a",
    "ZRANGE zset 0 -1",
    "MGET str nokey list",
    "HGET hash nofield",
    "CONFIG GET maxmemory-policy",
    "TYPE list",
    "EXISTS str hash",
    "OBJECT ENCODING list",
    "NOSUCHCOMMAND x",
    "LPUSH str x",
    "GET",
    "SCAN 0 COUNT 1000 MATCH nomatch*",
    "MULTI",
    "COMMAND COUNT",
    "INFO keyspace",
    "COMMAND INFO get",
    "CONFIG GET *max-*-entries*",
];

/// RESP3 reply types only redis-server produces on demand.
const DEBUG_CORPUS: &[&str] = &[
    "DEBUG PROTOCOL string",
    "DEBUG PROTOCOL integer",
    "DEBUG PROTOCOL double",
    "DEBUG PROTOCOL null",
    "DEBUG PROTOCOL array",
    "DEBUG PROTOCOL set",
    "DEBUG PROTOCOL map",
    "DEBUG PROTOCOL true",
    "DEBUG PROTOCOL false",
    "DEBUG PROTOCOL verbatim",
    "DEBUG PROTOCOL push",
];

fn setup(port: u16) {
    let script = [
        vec!["SET", "str", "hello world"],
        vec!["SET", "bin", "a\"b\\c\n\t\u{7}\u{1}é"],
        vec!["RPUSH", "list", "a", "b c", "", "12"],
        vec!["HSET", "hash", "f1", "v1", "f2", "line\nbreak"],
        vec!["SADD", "set", "x"],
        vec!["ZADD", "zset", "1.5", "a", "2", "b", "-inf", "c"],
    ];
    let mut conn = zedis_tests::RawConn::connect(port).expect("connect");
    for cmd in script {
        conn.request(&cmd).expect("setup command");
    }
    // Enough elements that indexes take two digits, nested in the replies of LRANGE.
    let mut big = vec!["RPUSH".to_string(), "biglist".to_string()];
    big.extend((0..12).map(|i| format!("e{i}")));
    conn.request(&big).expect("setup biglist");
}

fn run(program: &str, port: u16, flags: &[&str], line: &str, stdin: Option<&str>) -> Output {
    let args = zedis::util::splitargs::split_args_owned(line.as_bytes()).expect("corpus line");
    let mut cmd = Command::new(program);
    cmd.env("FAKETTY", "1")
        .env_remove("REDISCLI_AUTH")
        .env_remove("ZEDISCLI_AUTH")
        .arg("-p")
        .arg(port.to_string())
        .args(flags);
    for a in &args {
        cmd.arg(String::from_utf8_lossy(a).into_owned());
    }
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("run {program}: {e}"));
    if let Some(mut pipe) = child.stdin.take() {
        if let Some(text) = stdin {
            pipe.write_all(text.as_bytes()).expect("write stdin");
        }
    }
    child.wait_with_output().expect("wait")
}

fn compare(port: u16, flags: &[&str], line: &str, stdin: Option<&str>, failures: &mut Vec<String>) {
    let want = run("redis-cli", port, flags, line, stdin);
    let got = run(env!("CARGO_BIN_EXE_zedis-cli"), port, flags, line, stdin);
    if want.stdout != got.stdout || want.status.code() != got.status.code() {
        failures.push(format!(
            "flags {flags:?} command {line:?} stdin {stdin:?}\n  redis-cli ({:?}): {:?}\n  zedis-cli ({:?}): {:?}",
            want.status.code(),
            String::from_utf8_lossy(&want.stdout),
            got.status.code(),
            String::from_utf8_lossy(&got.stdout),
        ));
    }
}

fn check_server(server: &Server, extra: &[&str]) {
    setup(server.port());
    let mut failures = Vec::new();
    for flags in FLAG_SETS {
        for line in CORPUS.iter().chain(extra) {
            compare(server.port(), flags, line, None, &mut failures);
        }
        compare(
            server.port(),
            flags,
            "LRANGE biglist 0 -1",
            None,
            &mut failures,
        );
    }
    // Exit codes and error output with -e.
    for line in ["NOSUCHCOMMAND", "GET str", "LPUSH str x"] {
        compare(server.port(), &["-e"], line, None, &mut failures);
    }
    // -x / -X take an argument from stdin.
    compare(
        server.port(),
        &["-x"],
        "ECHO",
        Some("from stdin\n"),
        &mut failures,
    );
    compare(
        server.port(),
        &["-X", "T"],
        "ECHO T",
        Some("tagged"),
        &mut failures,
    );
    // No command and stdin not a terminal: one command per line.
    let script = "GET str\nLRANGE list 0 -1\n\"unbalanced\nHGETALL hash\n  \n2 PING\nNOSUCH\nSELECT 2\nDBSIZE\n\
                  help get\nhelp @hyperloglog\nhelp config\nhelp nosuch\n";
    for flags in [&[][..], &["--raw"], &["-3"], &["--csv"]] {
        compare(server.port(), flags, "", Some(script), &mut failures);
    }
    // RESP3 pushes in the middle of a session: client-side caching invalidations, shown with
    // redis-cli's `-> invalidate:` line at a terminal and as plain replies otherwise.
    let tracking =
        "CLIENT TRACKING on\nGET tracked\nSET tracked 1\nGET tracked\nPING\nDEL tracked\n";
    for flags in [
        &["-3"][..],
        &["-3", "--raw"],
        &["-3", "--show-pushes", "no"],
    ] {
        compare(server.port(), flags, "", Some(tracking), &mut failures);
    }
    assert!(
        failures.is_empty(),
        "{} differences against {}:\n{}",
        failures.len(),
        server.kind().name(),
        failures.join("\n")
    );
}

#[test]
fn identical_to_redis_cli_against_redis_server() {
    let server = Server::redis(&["--enable-debug-command", "yes"]);
    check_server(&server, DEBUG_CORPUS);
}

#[test]
fn identical_to_redis_cli_against_zedis() {
    let server = Server::zedis(&[]);
    check_server(&server, &[]);
}
