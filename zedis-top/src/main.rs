//! The `zedis-top` binary: parse the command line, then either print one report (`--once`)
//! or run the dashboard: one poller thread per server, the UI on the main thread.

use anyhow::Context;
use clap::Parser;
use crossterm::event::{self, Event as TermEvent, KeyEventKind};
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use zedis::client::{ConnectOptions, Connection};
use zedis_top::app::{App, Effect};
use zedis_top::cli::Args;
use zedis_top::poll::{self, Event, Request, Shared};
use zedis_top::report::{Report, ServerReport};

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let targets = args.targets()?;
    if args.once {
        let report = once(&targets, args.interval);
        let failed = report.servers.iter().any(|s| s.error.is_some());
        if args.json {
            println!("{}", report.to_json());
        } else {
            print!("{}", report.to_text());
        }
        std::process::exit(i32::from(failed));
    }
    let color = args.color(std::env::var_os("NO_COLOR").as_deref());
    dashboard(targets, args.interval, color)
}

/// Two polls per server, one interval apart, so the report has rates.
fn once(targets: &[ConnectOptions], interval: Duration) -> Report {
    let origin = Instant::now();
    let mut conns: Vec<Result<(Connection, zedis_top::collect::Snapshot), String>> = targets
        .iter()
        .map(|t| {
            let mut c = poll::open(t, interval)
                .map_err(|e| format!("cannot connect to {}: {e}", t.endpoint))?;
            let s = poll::poll_once(&mut c, origin).map_err(|e| e.to_string())?;
            Ok((c, s))
        })
        .collect();
    std::thread::sleep(interval);
    let servers = targets
        .iter()
        .zip(conns.iter_mut())
        .map(|(t, c)| {
            let server = t.endpoint.to_string();
            match c {
                Err(e) => ServerReport {
                    server,
                    error: Some(e.clone()),
                    snapshot: None,
                    rates: None,
                },
                Ok((conn, first)) => match poll::poll_once(conn, origin) {
                    Ok(second) => ServerReport {
                        server,
                        error: None,
                        rates: zedis_top::collect::Rates::between(first, &second),
                        snapshot: Some(second),
                    },
                    Err(e) => ServerReport {
                        server,
                        error: Some(e.to_string()),
                        snapshot: None,
                        rates: None,
                    },
                },
            }
        })
        .collect();
    Report {
        version: zedis::VERSION,
        interval_ms: interval.as_millis() as u64,
        servers,
    }
}

fn dashboard(targets: Vec<ConnectOptions>, interval: Duration, color: bool) -> anyhow::Result<()> {
    let shared = Shared::new(interval);
    let (ev_tx, ev_rx) = mpsc::channel::<Event>();
    let origin = Instant::now();
    let mut requests = Vec::new();
    let mut threads = Vec::new();
    for (i, t) in targets.iter().enumerate() {
        let (req_tx, req_rx) = mpsc::channel();
        requests.push(req_tx);
        let (t, shared, ev_tx) = (t.clone(), shared.clone(), ev_tx.clone());
        threads.push(
            std::thread::Builder::new()
                .name(format!("poll-{i}"))
                .spawn(move || poll::run_poller(i, t, shared, req_rx, ev_tx, origin))
                .context("cannot start a poller thread")?,
        );
    }
    drop(ev_tx);
    let names = targets.iter().map(|t| t.endpoint.to_string()).collect();
    let mut app = App::new(names, interval, color);

    let mut terminal = ratatui::init();
    let result = (|| -> anyhow::Result<()> {
        // Draw only when something changed: a key, a resize or a poller's news.
        let mut dirty = true;
        loop {
            if dirty {
                terminal
                    .draw(|f| zedis_top::ui::render(f, &app))
                    .context("cannot draw")?;
                dirty = false;
            }
            // Wait for a key briefly, then drain pollers' news.
            if event::poll(Duration::from_millis(50)).context("cannot read the terminal")? {
                let ev = event::read().context("cannot read the terminal")?;
                dirty = true;
                if let TermEvent::Key(k) = ev {
                    if k.kind == KeyEventKind::Press {
                        match app.on_key(k) {
                            Some(Effect::Quit) => return Ok(()),
                            Some(Effect::SetInterval(d)) => {
                                shared
                                    .interval_ms
                                    .store(d.as_millis() as u64, Ordering::Relaxed);
                                for r in &requests {
                                    let _ = r.send(Request::PollNow);
                                }
                            }
                            Some(Effect::Kill { server, id }) => {
                                if let Some(r) = requests.get(server) {
                                    let _ = r.send(Request::KillClient(id));
                                }
                            }
                            None => {}
                        }
                    }
                }
            }
            while let Ok(ev) = ev_rx.try_recv() {
                dirty = true;
                app.on_event(ev);
            }
        }
    })();
    ratatui::restore();
    shared.stop.store(true, Ordering::Relaxed);
    // Pollers notice `stop` within 100 ms, or at their next I/O timeout; do not wait on a
    // hung server to exit.
    drop(threads);
    result
}
