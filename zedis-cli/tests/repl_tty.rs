//! The interactive prompt, driven in a real pseudo-terminal through tmux: the prompt, a
//! grey argument hint, tab completion, history (with a secret kept out of the file), the
//! prompt's database and MULTI markers, and the subscribe reading mode left with Ctrl-C.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use zedis_tests::{RawConn, Server, TempDir};

/// One tmux server per test (its own socket), killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.arg("-L").arg(&self.socket);
        c
    }

    fn start(socket: &str, shell_command: &str) -> Option<Tmux> {
        let t = Tmux {
            socket: socket.to_string(),
        };
        let ok = t
            .cmd()
            .args(["new-session", "-d", "-s", "t", "-x", "200", "-y", "50"])
            .arg(shell_command)
            .status()
            .ok()?
            .success();
        ok.then_some(t)
    }

    fn keys(&self, keys: &[&str]) {
        let st = self
            .cmd()
            .args(["send-keys", "-t", "t"])
            .args(keys)
            .status()
            .expect("tmux send-keys");
        assert!(st.success());
    }

    fn screen(&self) -> String {
        let out = self
            .cmd()
            .args(["capture-pane", "-p", "-t", "t"])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the screen shows `text` (or fails with the screen after a generous limit).
    fn wait_for(&self, text: &str) -> String {
        self.wait_until(text, |s| s.contains(text))
    }

    /// Waits until `ok` holds for the screen; `what` names it in the failure.
    fn wait_until(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "screen never showed {what:?}:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for an idle prompt (the last line ends with `>`): rustyline may drop keys typed
    /// ahead while it queries the cursor position, so every command waits for its prompt.
    fn ready(&self) {
        self.wait_until("a prompt", |s| {
            s.lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .is_some_and(|l| l.trim_end().ends_with('>'))
        });
    }

    /// Types a whole command at an idle prompt and presses Enter once the line shows it.
    fn run(&self, line: &str) {
        self.type_text(line);
        self.keys(&["Enter"]);
    }

    /// Types `line` at an idle prompt and waits until the prompt line shows it. Under load
    /// rustyline can miss keys typed while it reads the terminal's cursor report; then the
    /// line is cleared and typed again.
    fn type_text(&self, line: &str) {
        for _ in 0..5 {
            self.ready();
            let st = self
                .cmd()
                .args(["send-keys", "-t", "t", "-l", line])
                .status()
                .expect("tmux send-keys");
            assert!(st.success());
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline {
                let s = self.screen();
                let last = s.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("");
                if last.contains(&format!("> {line}")) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            self.keys(&["C-u"]);
        }
        panic!("could not type {line:?}:\n{}", self.screen());
    }

    /// Clears the screen with the REPL's `clear` and waits for the bare prompt.
    fn clear(&self, prompt: &str) {
        self.run("clear");
        self.wait_until("a cleared screen", |s| s.trim() == prompt.trim());
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self
            .cmd()
            .arg("kill-server")
            .stderr(std::process::Stdio::null())
            .status();
    }
}

fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn shell_quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}

#[test]
fn prompt_hints_completion_history_and_subscribe() {
    if !tmux_available() {
        eprintln!("tmux not installed; skipping the terminal test");
        return;
    }
    let server = Server::zedis(&[]);
    let port = server.port();
    let home = TempDir::new("zedis-cli-home").expect("temp dir");
    let hist = home.path().join("history");
    let command = format!(
        "env HOME={} ZEDISCLI_HISTFILE={} NO_COLOR=1 PAGER='sed s/^/PAGED:/' {} -p {port}",
        shell_quote(home.path()),
        shell_quote(&hist),
        shell_quote(Path::new(env!("CARGO_BIN_EXE_zedis-cli")))
    );
    let socket = format!("zedis-cli-test-{}", std::process::id());
    let Some(tmux) = Tmux::start(&socket, &command) else {
        eprintln!("tmux could not start a session; skipping");
        return;
    };
    let prompt = format!("127.0.0.1:{port}> ");
    // capture-pane drops trailing blanks, so the bare prompt is matched without its space.
    tmux.wait_for(prompt.trim_end());

    // A hint after the command name, shrinking once an argument is typed.
    tmux.type_text("set");
    tmux.wait_for(&format!("{prompt}set key value"));
    tmux.keys(&[" k1 "]);
    tmux.wait_for(&format!("{prompt}set k1 value"));
    tmux.keys(&["v1", "Enter"]);
    tmux.wait_for("OK");

    // `:set nohints` turns them off, `:set hints` back on.
    tmux.run(":set nohints");
    tmux.type_text("getrange");
    let screen = tmux.wait_for(&format!("{prompt}getrange"));
    assert!(!screen.contains("getrange key start end"), "{screen}");
    tmux.keys(&["C-u"]);
    tmux.run(":set hints");
    tmux.type_text("getrange");
    tmux.wait_for(&format!("{prompt}getrange key start end"));
    tmux.keys(&["C-u"]);

    // Completion of a command name and of a key seen in this session.
    tmux.type_text("strl");
    tmux.keys(&["Tab"]);
    tmux.wait_for(&format!("{prompt}strlen"));
    tmux.keys(&[" k", "Tab"]);
    tmux.wait_for(&format!("{prompt}strlen k1"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("(integer) 2");

    // A secret stays out of the history file.
    tmux.run("auth s3cret-pw");
    tmux.wait_for("(error)");

    // The prompt follows SELECT and MULTI.
    tmux.run("select 3");
    tmux.wait_for(&format!("127.0.0.1:{port}[3]>"));
    tmux.run("multi");
    tmux.wait_for(&format!("127.0.0.1:{port}[3](TX)>"));
    tmux.run("discard");

    // Subscribe mode prints messages as they come, until Ctrl-C.
    tmux.run("subscribe news");
    tmux.wait_for("Reading messages... (press Ctrl-C to quit)");
    tmux.wait_for("3) (integer) 1");
    let mut publisher = RawConn::connect(port).expect("connect publisher");
    publisher
        .request(&["PUBLISH", "news", "extra-extra"])
        .expect("publish");
    tmux.wait_for("\"extra-extra\"");
    // Ctrl-C returns to the prompt, still subscribed; UNSUBSCRIBE ends that.
    tmux.keys(&["C-c"]);
    tmux.wait_for(&format!("127.0.0.1:{port}[3](subscribed mode)>"));
    tmux.run("unsubscribe");
    tmux.wait_for("3) (integer) 0");
    tmux.run("ping");
    tmux.wait_for("PONG");

    // Ctrl-C abandons a blocked command and keeps the prompt (on a new connection).
    tmux.run("blpop nothing 0");
    // Ctrl-C only once the server has the client blocked (the terminal is then in cooked
    // mode, where Ctrl-C is a signal rather than a key).
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let info = publisher.request(&["INFO", "clients"]).expect("info");
        if String::from_utf8_lossy(&info).contains("blocked_clients:1") {
            break;
        }
        assert!(Instant::now() < deadline, "BLPOP never blocked");
        std::thread::sleep(Duration::from_millis(20));
    }
    tmux.keys(&["C-c"]);
    tmux.run("echo still-here");
    tmux.wait_for("\"still-here\"");

    // A dangerous command asks first; "n" declines.
    tmux.run("set keep me");
    // A clean screen, so that what follows cannot match older output.
    let db3 = format!("127.0.0.1:{port}[3]> ");
    tmux.clear(&db3);
    tmux.run("flushdb");
    tmux.wait_for("Do you really want to run 'flushdb'? (y/N)");
    tmux.keys(&["n", "Enter"]);
    tmux.run("dbsize");
    tmux.wait_for("(integer) 1");

    // `N command` repeats; `help <command>` shows the synopsis.
    tmux.run("3 incr counter");
    tmux.wait_for("(integer) 3");
    tmux.run("help getrange");
    tmux.wait_for("GETRANGE key start end");

    // A reply taller than the 50-row terminal goes through $PAGER.
    let mut filler = vec!["RPUSH".to_string(), "tall".to_string()];
    filler.extend((0..80).map(|i| format!("item{i}")));
    publisher.request(&["SELECT", "3"]).expect("select");
    publisher.request(&filler).expect("rpush");
    tmux.clear(&db3);
    tmux.run("lrange tall 0 -1");
    tmux.wait_for("PAGED:80) \"item79\"");

    // `connect` to a dead port leaves "not connected>"; connecting back restores the prompt.
    tmux.clear(&db3);
    tmux.run("connect 127.0.0.1 1");
    tmux.wait_for("Could not connect to Redis at 127.0.0.1:1");
    tmux.wait_for("not connected>");
    tmux.run(&format!("connect 127.0.0.1 {port}"));
    tmux.run("echo back");
    tmux.wait_for("\"back\"");

    tmux.run("quit");
    let deadline = Instant::now() + Duration::from_secs(10);
    let history = loop {
        let h = std::fs::read_to_string(&hist).unwrap_or_default();
        if h.contains("quit") || Instant::now() > deadline {
            break h;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(history.contains("set k1 v1"), "history: {history}");
    assert!(history.contains("select 3"), "history: {history}");
    assert!(
        !history.contains("s3cret"),
        "a secret was written: {history}"
    );
}
