//! Rendering as a pure function of state: `TestBackend` buffer snapshots (insta) of the
//! normal, narrow, disconnected and evicting screens built from replies recorded from
//! redis-server and zedis, a check that `--no-color` draws no colour, and a sweep of terminal
//! sizes down to 1x1 in every mode that must never panic.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ratatui::Terminal;
use std::path::PathBuf;
use std::time::Duration;
use zedis::resp::Frame;
use zedis_top::app::App;
use zedis_top::collect::{Replies, Snapshot};
use zedis_top::poll::Event;

fn load(server: &str, what: &str) -> Frame {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(format!("{server}-{what}.resp"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match Frame::parse(&bytes) {
        Ok(Some((f, _))) => f,
        other => panic!("{}: {other:?}", path.display()),
    }
}

fn recorded(server: &str) -> Snapshot {
    let r = Replies {
        info: load(server, "info"),
        client_list: load(server, "client-list"),
        slowlog: load(server, "slowlog"),
        config: load(server, "config"),
        latency: load(server, "latency"),
        memory_stats: load(server, "memory-stats"),
    };
    Snapshot::from_replies(&r, 0, 0)
}

/// An app that has seen `steps` polls of `server`, one second apart, with traffic: 1000
/// commands, 40 hits, 10 misses and 3 expiries a second, memory growing, and `evict_per_step`
/// evictions a second under a 2 MB maxmemory when that is non-zero.
fn app_after(server: &str, steps: u64, evict_per_step: u64) -> App {
    let mut app = App::new(
        vec![format!(
            "127.0.0.1:{}",
            if server == "redis" { 7391 } else { 7392 }
        )],
        Duration::from_secs(1),
        true,
    );
    let base = recorded(server);
    for k in 0..steps {
        let mut s = base.clone();
        s.at_ms = k * 1000;
        if let zedis_top::collect::Section::Ok(i) = &mut s.info {
            let add = |v: &mut Option<u64>, per: u64| *v = v.map(|x| x + per * k);
            add(&mut i.total_commands_processed, 1000);
            add(&mut i.keyspace_hits, 40);
            add(&mut i.keyspace_misses, 10);
            add(&mut i.expired_keys, 3);
            add(&mut i.total_net_input_bytes, 30_000);
            add(&mut i.total_net_output_bytes, 12_000);
            add(&mut i.used_memory, 20_000);
            for c in &mut i.commandstats {
                if c.name == "get" {
                    c.calls += 600 * k;
                    c.usec += 900 * k;
                }
                if c.name == "set" {
                    c.calls += 400 * k;
                    c.usec += 1200 * k;
                }
            }
            if evict_per_step > 0 {
                i.maxmemory = Some(2 * 1024 * 1024);
                i.maxmemory_policy = Some("allkeys-lru".into());
                add(&mut i.evicted_keys, evict_per_step);
            }
        }
        app.on_event(Event::Snapshot {
            server: 0,
            snapshot: Box::new(s),
        });
    }
    app
}

fn draw(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    t.draw(|f| zedis_top::ui::render(f, app)).expect("draw");
    t
}

/// The screen as text, one line per row, trailing spaces kept off.
fn screen(app: &App, w: u16, h: u16) -> String {
    let t = draw(app, w, h);
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..h {
        let mut line = String::new();
        for x in 0..w {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[test]
fn normal_redis() {
    insta::assert_snapshot!("normal_redis", screen(&app_after("redis", 6, 0), 160, 45));
}

#[test]
fn normal_zedis_medium_width() {
    insta::assert_snapshot!(
        "normal_zedis_100",
        screen(&app_after("zedis", 6, 0), 100, 40)
    );
}

#[test]
fn narrow() {
    insta::assert_snapshot!("narrow", screen(&app_after("redis", 6, 0), 60, 30));
}

#[test]
fn disconnected() {
    let mut app = app_after("redis", 3, 0);
    app.on_event(Event::Disconnected {
        server: 0,
        why: "lost 127.0.0.1:7391: server closed the connection".into(),
    });
    let text = screen(&app, 120, 30);
    assert!(text.contains("disconnected, retrying"), "{text}");
    insta::assert_snapshot!("disconnected", text);
    let never = App::new(vec!["127.0.0.1:1".into()], Duration::from_secs(1), true);
    let mut never = never;
    never.on_event(Event::Disconnected {
        server: 0,
        why: "cannot connect to 127.0.0.1:1: Connection refused".into(),
    });
    insta::assert_snapshot!("never_connected", screen(&never, 120, 30));
}

#[test]
fn two_servers_one_tab_each() {
    let mut app = app_after("redis", 3, 0);
    app.servers
        .push(zedis_top::app::ServerView::new("127.0.0.1:7392"));
    app.on_event(Event::Disconnected {
        server: 1,
        why: "cannot connect to 127.0.0.1:7392: Connection refused".into(),
    });
    let text = screen(&app, 120, 12);
    assert!(
        text.starts_with(" ● 127.0.0.1:7391   ✗ 127.0.0.1:7392"),
        "{text}"
    );
    insta::assert_snapshot!("two_servers_first", text);
    app.on_key(KeyEvent::new(KeyCode::Right, KeyModifiers::NONE));
    insta::assert_snapshot!("two_servers_second", screen(&app, 120, 12));
}

#[test]
fn evicting() {
    let app = app_after("redis", 6, 25);
    let text = screen(&app, 160, 45);
    assert!(text.contains("EVICTING 25/s"), "{text}");
    insta::assert_snapshot!("evicting", text);
    // The alarm is red; without evictions the same panel is not.
    let t = draw(&app, 160, 45);
    assert!(t
        .backend()
        .buffer()
        .content()
        .iter()
        .any(|c| c.fg == Color::Red));
}

#[test]
fn popups_and_zoom() {
    let mut app = app_after("redis", 3, 0);
    let key = |c| KeyEvent::new(c, KeyModifiers::NONE);
    app.on_key(key(KeyCode::Char('?')));
    insta::assert_snapshot!("help", screen(&app, 100, 30));
    app.on_key(key(KeyCode::Esc));
    app.on_key(key(KeyCode::Char('4')));
    app.on_key(key(KeyCode::Char('k')));
    let text = screen(&app, 100, 30);
    assert!(text.contains("Kill client 3 (127.0.0.1:48226)?"), "{text}");
    insta::assert_snapshot!("zoom_clients_kill_prompt", text);
    app.on_key(key(KeyCode::Char('n')));
    app.on_key(key(KeyCode::Char('6')));
    let text = screen(&app, 160, 20);
    assert!(text.contains("command by time"), "{text}");
    insta::assert_snapshot!("zoom_commands_wide", text);
}

#[test]
fn refused_commands_leave_their_panels_saying_why() {
    let mut s = recorded("zedis");
    fn refused<T>(what: &str) -> zedis_top::collect::Section<T> {
        zedis_top::collect::Section::unavailable(format!(
            "NOPERM this user has no permissions to run the '{what}' command"
        ))
    }
    s.clients = refused("client|list");
    s.slowlog = refused("slowlog|get");
    s.latency = refused("latency|latest");
    let mut app = App::new(vec!["127.0.0.1:7392".into()], Duration::from_secs(1), true);
    app.on_event(Event::Snapshot {
        server: 0,
        snapshot: Box::new(s),
    });
    let text = screen(&app, 160, 45);
    assert!(
        text.contains("MEMORY STATS unavailable: ERR unknown command"),
        "{text}"
    );
    assert!(
        text.contains("unavailable: NOPERM this user has no permissions to run the 'client|list'"),
        "{text}"
    );
    assert!(text.contains("slowlog unavailable: NOPERM"), "{text}");
    insta::assert_snapshot!("refused_commands", text);
}

#[test]
fn no_color_draws_no_colour() {
    let mut app = app_after("redis", 6, 25);
    app.color = false;
    let t = draw(&app, 160, 45);
    for c in t.backend().buffer().content() {
        assert_eq!(c.fg, Color::Reset, "coloured cell {c:?}");
        assert_eq!(c.bg, Color::Reset, "coloured cell {c:?}");
    }
}

#[test]
fn every_size_down_to_1x1_in_every_mode() {
    let key = |c| KeyEvent::new(c, KeyModifiers::NONE);
    let mut modes: Vec<App> = vec![
        App::new(vec!["a:1".into()], Duration::from_secs(1), true),
        app_after("redis", 4, 0),
        app_after("zedis", 4, 7),
    ];
    let mut two = app_after("redis", 2, 0);
    two.servers.push(zedis_top::app::ServerView::new("b:2"));
    modes.push(two);
    for keys in [
        vec![KeyCode::Char('?')],
        vec![KeyCode::Char('4'), KeyCode::Char('k')],
        vec![KeyCode::Char('/'), KeyCode::Char('x')],
        vec![KeyCode::Char('1')],
        vec![KeyCode::Char('2')],
        vec![KeyCode::Char('3')],
        vec![KeyCode::Char('5')],
        vec![KeyCode::Char('6')],
        vec![KeyCode::Char('p')],
    ] {
        let mut a = app_after("redis", 3, 2);
        for k in keys {
            a.on_key(key(k));
        }
        modes.push(a);
    }
    let sizes = [
        1u16, 2, 3, 5, 7, 8, 9, 12, 20, 29, 30, 31, 50, 69, 70, 109, 110, 161,
    ];
    for app in &modes {
        for &w in &sizes {
            for &h in &sizes {
                draw(app, w, h);
            }
        }
    }
}
