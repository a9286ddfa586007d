//! zedis-top against real servers: the dashboard in a pseudo-terminal (tmux) watching a zedis
//! under load shows the live numbers and kills a client on `k` + `y`; `--once --json` reports
//! zedis and redis-server alike; an unreachable server is an error in the report.
//!
//! Needs the zedis binary (`cargo build -p zedis`, same profile) and redis-server; the
//! terminal test needs tmux and says so when it is missing.

use serde_json::Value;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use zedis::client::{ConnectOptions, Connection, Endpoint};
use zedis_tests::server::{free_port, Kind, Server};

const TOP: &str = env!("CARGO_BIN_EXE_zedis-top");

fn options(port: u16, name: Option<&str>) -> ConnectOptions {
    ConnectOptions {
        endpoint: Endpoint::Tcp {
            host: "127.0.0.1".into(),
            port,
        },
        client_name: name.map(str::to_string),
        timeout: Some(Duration::from_secs(5)),
        ..ConnectOptions::default()
    }
}

/// A client that SETs and GETs until dropped.
struct Load {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Load {
    fn start(port: u16) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut c = Connection::open(&options(port, Some("e2e-load"))).expect("load client");
            let mut i = 0u64;
            while !flag.load(Ordering::Relaxed) {
                let k = format!("load:{}", i % 5000);
                c.call(&["SET", &k, "value", "EX", "600"]).expect("SET");
                c.call(&["GET", &k]).expect("GET");
                i += 1;
            }
        });
        Load {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A detached tmux session, killed on drop.
struct Tmux {
    name: String,
}

impl Tmux {
    fn available() -> bool {
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success())
    }

    fn start(name: String, command: &str) -> Self {
        let ok = Command::new("tmux")
            .args(["new-session", "-d", "-x", "160", "-y", "50", "-s", &name])
            .arg(command)
            .status()
            .expect("run tmux");
        assert!(ok.success(), "tmux new-session failed");
        Tmux { name }
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let ok = Command::new("tmux")
            .args(["send-keys", "-t", &self.name])
            .args(keys)
            .status()
            .expect("tmux send-keys");
        assert!(ok.success());
    }

    fn alive(&self) -> bool {
        Command::new("tmux")
            .args(["has-session", "-t", &self.name])
            .output()
            .is_ok_and(|o| o.status.success())
    }

    /// Waits until `check` accepts the screen; panics with the last screen otherwise.
    fn wait_for(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let s = self.screen();
            if check(&s) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .output();
    }
}

/// The number after `label` on the screen, if it is one.
fn number_after(screen: &str, label: &str) -> Option<f64> {
    let at = screen.find(label)? + label.len();
    let tok = screen[at..].split_whitespace().next()?;
    let (digits, mult) = match tok.chars().last()? {
        'k' => (&tok[..tok.len() - 1], 1e3),
        'M' => (&tok[..tok.len() - 1], 1e6),
        _ => (tok, 1.0),
    };
    digits.parse::<f64>().ok().map(|v| v * mult)
}

#[test]
fn dashboard_shows_live_numbers_of_a_loaded_zedis_and_kills_a_client() {
    if !Tmux::available() {
        eprintln!("tmux not installed; skipping the terminal test");
        return;
    }
    let server = Server::zedis(&[]);
    let port = server.port();
    let _load = Load::start(port);
    let mut victim = Connection::open(&options(port, Some("e2e-victim"))).expect("victim");
    victim.call(&["PING"]).expect("PING");

    let tmux = Tmux::start(
        format!("zedis-top-e2e-{}-{port}", std::process::id()),
        &format!("{TOP} -p {port} -i 0.2"),
    );
    let screen = tmux.wait_for("live ops/s and keys", |s| {
        number_after(s, "ops/s ").is_some_and(|v| v > 0.0)
            && number_after(s, "db0   keys").is_some_and(|v| v > 0.0)
            && number_after(s, "expires").is_some_and(|v| v > 0.0)
    });
    assert!(screen.contains(&format!("port {port}")), "{screen}");
    assert!(screen.contains("zedis "), "{screen}");
    assert!(screen.contains("e2e-load"), "clients table: {screen}");
    assert!(screen.contains("hit ratio 100.0%"), "{screen}");

    // Filter the clients table down to the victim and kill it after confirming.
    tmux.keys(&["4", "/"]);
    tmux.keys(&["-l", "e2e-victim"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("the filtered table", |s| {
        s.contains("filter \"e2e-victim\"") && !s.contains("e2e-load")
    });
    tmux.keys(&["k"]);
    tmux.wait_for("the kill prompt", |s| s.contains("Kill client"));
    tmux.keys(&["y"]);
    tmux.wait_for("the kill result", |s| s.contains("killed client"));
    assert!(
        victim.call(&["PING"]).is_err(),
        "the victim is still connected"
    );

    tmux.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while tmux.alive() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!tmux.alive(), "q did not quit");
}

/// A redis-server child on a fixed port, so it can be stopped and started again there.
struct Child(std::process::Child);

impl Child {
    fn redis(port: u16, dir: &std::path::Path) -> Self {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start redis-server");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Connection::open(&options(port, None)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Child(child)
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn dashboard_shows_a_lost_server_and_reconnects_on_its_own() {
    if !Tmux::available() {
        eprintln!("tmux not installed; skipping the terminal test");
        return;
    }
    let dir = zedis_tests::tempdir::TempDir::new("zedis-top-reconnect").expect("temp dir");
    let dir = dir.path();
    let port = free_port();
    let first = Child::redis(port, dir);
    let tmux = Tmux::start(
        format!("zedis-top-e2e-re-{}-{port}", std::process::id()),
        &format!("{TOP} -p {port} -i 0.2"),
    );
    tmux.wait_for("the first poll", |s| s.contains(&format!("port {port}")));
    drop(first);
    tmux.wait_for("the disconnected state", |s| {
        s.contains("disconnected, retrying")
    });
    let _second = Child::redis(port, dir);
    tmux.wait_for("the reconnection", |s| {
        !s.contains("disconnected, retrying") && s.contains("AOF off")
    });
}

fn once_json(port: u16) -> (bool, Value) {
    let out = Command::new(TOP)
        .args(["-p", &port.to_string(), "--once", "--json", "-i", "0.3"])
        .output()
        .expect("run zedis-top");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.success(), v)
}

#[test]
fn once_json_reports_zedis_and_redis_server_alike() {
    for kind in [Kind::Zedis, Kind::Redis] {
        let server = Server::start(kind, &[]).expect("server");
        let port = server.port();
        let _load = Load::start(port);
        let (ok, v) = once_json(port);
        assert!(ok, "{}: {v}", kind.name());
        let s = &v["servers"][0];
        assert_eq!(s["server"], format!("127.0.0.1:{port}"));
        let snap = &s["snapshot"];
        let info = &snap["info"];
        assert_eq!(info["tcp_port"], port, "{}: {info}", kind.name());
        assert_eq!(info["redis_version"], "7.0.15");
        assert!(info["used_memory"].as_u64().is_some_and(|m| m > 0));
        assert!(info["keyspace"][0]["keys"].as_u64().is_some_and(|k| k > 0));
        assert!(info["commandstats"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["name"] == "set")));
        let clients = snap["clients"].as_array().expect("clients");
        assert!(clients.iter().any(|c| c["name"] == "zedis-top"));
        assert!(clients.iter().any(|c| c["name"] == "e2e-load"));
        assert!(snap["slowlog"].is_array(), "{}", snap["slowlog"]);
        assert!(snap["latency"].is_array(), "{}", snap["latency"]);
        assert_eq!(snap["config"]["maxmemory-policy"], "noeviction");
        // MEMORY STATS: numbers from redis-server; zedis may lack it, which must say why.
        let ms = &snap["memory_stats"];
        match kind {
            Kind::Redis => assert!(ms["keys.count"].is_number(), "{ms}"),
            Kind::Zedis => assert!(
                ms["unavailable"].is_string() || ms["keys.count"].is_number(),
                "{ms}"
            ),
        }
        let rates = &s["rates"];
        assert!(
            rates["ops_per_sec"].as_f64().is_some_and(|r| r > 0.0),
            "{}: {rates}",
            kind.name()
        );
        assert!(rates["hit_ratio"].as_f64().is_some_and(|r| r > 0.0));
    }
}

#[test]
fn once_reports_an_unreachable_server_as_an_error() {
    let port = free_port();
    let (ok, v) = once_json(port);
    assert!(!ok, "exit status must say it failed: {v}");
    let e = v["servers"][0]["error"].as_str().expect("error text");
    assert!(e.contains(&format!("127.0.0.1:{port}")), "{e}");
}

#[test]
fn once_text_and_bad_arguments() {
    let server = Server::zedis(&[]);
    let out = Command::new(TOP)
        .args(["-p", &server.port().to_string(), "--once", "-i", "0.1"])
        .output()
        .expect("run zedis-top");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("used_memory"), "{text}");
    let out = Command::new(TOP)
        .args(["-i", "0.01"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 0.1 seconds"));
}
