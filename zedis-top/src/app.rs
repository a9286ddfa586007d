//! The dashboard's state and key handling: one [`ServerView`] per watched server (last
//! snapshot, rates, chart history, connection status) plus what the user chose (tab, focused
//! or zoomed panel, client-table sort and filter, pause, interval, popups).
//!
//! It owns no terminal and no sockets: pollers' [`Event`]s come in through [`App::on_event`],
//! keys through [`App::on_key`], and what must happen outside (quit, change the interval, kill
//! a client) goes out as an [`Effect`]. `ui` draws it.

use crate::cli::MIN_INTERVAL;
use crate::collect::{ClientRow, Rates, Snapshot};
use crate::poll::Event;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::VecDeque;
use std::time::Duration;

/// Samples kept for the charts: ten minutes at the default interval.
pub const HISTORY: usize = 600;

/// The panels, numbered as the `1`–`6` keys select them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanelId {
    Memory,
    Throughput,
    Keys,
    Clients,
    Slowlog,
    Commands,
}

impl PanelId {
    pub const ALL: [PanelId; 6] = [
        PanelId::Memory,
        PanelId::Throughput,
        PanelId::Keys,
        PanelId::Clients,
        PanelId::Slowlog,
        PanelId::Commands,
    ];

    pub fn title(self) -> &'static str {
        match self {
            PanelId::Memory => "Memory",
            PanelId::Throughput => "Throughput",
            PanelId::Keys => "Keys & eviction",
            PanelId::Clients => "Clients",
            PanelId::Slowlog => "Slowlog & latency",
            PanelId::Commands => "Command stats",
        }
    }

    pub fn number(self) -> usize {
        PanelId::ALL.iter().position(|p| *p == self).unwrap_or(0) + 1
    }
}

/// Columns of the clients table, in display order; `s` cycles the sort through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientColumn {
    Id,
    Addr,
    Name,
    Age,
    Idle,
    Db,
    Flags,
    Cmd,
    Qbuf,
    Omem,
    TotMem,
}

impl ClientColumn {
    pub const ALL: [ClientColumn; 11] = [
        ClientColumn::Id,
        ClientColumn::Addr,
        ClientColumn::Name,
        ClientColumn::Age,
        ClientColumn::Idle,
        ClientColumn::Db,
        ClientColumn::Flags,
        ClientColumn::Cmd,
        ClientColumn::Qbuf,
        ClientColumn::Omem,
        ClientColumn::TotMem,
    ];

    pub fn title(self) -> &'static str {
        match self {
            ClientColumn::Id => "id",
            ClientColumn::Addr => "addr",
            ClientColumn::Name => "name",
            ClientColumn::Age => "age",
            ClientColumn::Idle => "idle",
            ClientColumn::Db => "db",
            ClientColumn::Flags => "flags",
            ClientColumn::Cmd => "cmd",
            ClientColumn::Qbuf => "qbuf",
            ClientColumn::Omem => "omem",
            ClientColumn::TotMem => "tot-mem",
        }
    }

    fn next(self) -> Self {
        let i = ClientColumn::ALL
            .iter()
            .position(|c| *c == self)
            .unwrap_or(0);
        ClientColumn::ALL[(i + 1) % ClientColumn::ALL.len()]
    }

    fn compare(self, a: &ClientRow, b: &ClientRow) -> std::cmp::Ordering {
        match self {
            ClientColumn::Id => a.id.cmp(&b.id),
            ClientColumn::Addr => a.addr.cmp(&b.addr),
            ClientColumn::Name => a.name.cmp(&b.name),
            ClientColumn::Age => a.age.cmp(&b.age),
            ClientColumn::Idle => a.idle.cmp(&b.idle),
            ClientColumn::Db => a.db.cmp(&b.db),
            ClientColumn::Flags => a.flags.cmp(&b.flags),
            ClientColumn::Cmd => a.cmd.cmp(&b.cmd),
            ClientColumn::Qbuf => a.qbuf.cmp(&b.qbuf),
            ClientColumn::Omem => a.omem.cmp(&b.omem),
            ClientColumn::TotMem => a.tot_mem.cmp(&b.tot_mem),
        }
    }
}

/// A server's connection state as the user sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Connecting,
    Up,
    /// The last poll failed; the poller keeps retrying.
    Down(String),
}

/// Chart series, newest last, at most [`HISTORY`] samples each.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    pub used_memory: VecDeque<u64>,
    pub ops: VecDeque<u64>,
    pub net_in: VecDeque<u64>,
    pub net_out: VecDeque<u64>,
    pub expired: VecDeque<u64>,
    pub evicted: VecDeque<u64>,
}

fn push(q: &mut VecDeque<u64>, v: u64) {
    if q.len() >= HISTORY {
        q.pop_front();
    }
    q.push_back(v);
}

impl History {
    fn record(&mut self, s: &Snapshot, r: Option<&Rates>) {
        if let Some(m) = s.info.ok().and_then(|i| i.used_memory) {
            push(&mut self.used_memory, m);
        }
        if let Some(r) = r {
            let v = |x: Option<f64>| x.unwrap_or(0.0).round() as u64;
            push(&mut self.ops, v(r.ops_per_sec));
            push(&mut self.net_in, v(r.net_in_per_sec));
            push(&mut self.net_out, v(r.net_out_per_sec));
            push(&mut self.expired, v(r.expired_per_sec));
            push(&mut self.evicted, v(r.evicted_per_sec));
        }
    }
}

/// Everything known about one watched server.
#[derive(Debug, Clone)]
pub struct ServerView {
    pub name: String,
    pub status: Status,
    pub last: Option<Snapshot>,
    pub rates: Option<Rates>,
    pub history: History,
}

impl ServerView {
    pub fn new(name: impl Into<String>) -> Self {
        ServerView {
            name: name.into(),
            status: Status::Connecting,
            last: None,
            rates: None,
            history: History::default(),
        }
    }

    /// Takes a new snapshot: rates against the previous one, chart samples.
    pub fn apply(&mut self, s: Snapshot) {
        self.rates = self.last.as_ref().and_then(|p| Rates::between(p, &s));
        self.history.record(&s, self.rates.as_ref());
        self.last = Some(s);
        self.status = Status::Up;
    }

    /// Evictions within the charted window: the eviction panel turns prominent.
    pub fn evicting(&self) -> bool {
        self.history.evicted.iter().rev().take(60).any(|v| *v > 0)
            || self
                .rates
                .as_ref()
                .and_then(|r| r.evicted_per_sec)
                .is_some_and(|v| v > 0.0)
    }
}

/// What the main loop must do after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Quit,
    SetInterval(Duration),
    Kill { server: usize, id: u64 },
}

/// A client chosen for killing, awaiting `y`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KillPrompt {
    pub server: usize,
    pub id: u64,
    pub addr: String,
}

/// The whole dashboard state.
#[derive(Debug, Clone)]
pub struct App {
    pub servers: Vec<ServerView>,
    pub tab: usize,
    pub focus: PanelId,
    pub zoom: Option<PanelId>,
    pub help: bool,
    pub paused: bool,
    pub interval: Duration,
    pub color: bool,
    pub sort: ClientColumn,
    pub descending: bool,
    pub filter: String,
    pub filter_editing: bool,
    /// Selected row of the focused table (clients, slowlog, command stats).
    pub selected: usize,
    pub kill: Option<KillPrompt>,
    /// A one-line notice (kill results, errors) shown in the footer.
    pub message: Option<String>,
}

impl App {
    pub fn new(names: Vec<String>, interval: Duration, color: bool) -> Self {
        App {
            servers: names.into_iter().map(ServerView::new).collect(),
            tab: 0,
            focus: PanelId::Memory,
            zoom: None,
            help: false,
            paused: false,
            interval,
            color,
            sort: ClientColumn::Id,
            descending: false,
            filter: String::new(),
            filter_editing: false,
            selected: 0,
            kill: None,
            message: None,
        }
    }

    pub fn current(&self) -> Option<&ServerView> {
        self.servers.get(self.tab)
    }

    /// A poller's news. While paused, snapshots are dropped so the screen holds still;
    /// connection changes still show.
    pub fn on_event(&mut self, ev: Event) {
        match ev {
            Event::Snapshot { server, snapshot } => {
                if self.paused {
                    return;
                }
                if let Some(v) = self.servers.get_mut(server) {
                    v.apply(*snapshot);
                }
                // Rows may have gone; keep the selection on one that exists.
                self.selected = self.selected.min(self.rows_in_focus().saturating_sub(1));
            }
            Event::Disconnected { server, why } => {
                if let Some(v) = self.servers.get_mut(server) {
                    v.status = Status::Down(why);
                }
            }
            Event::Killed { result, .. } => {
                self.message = Some(match result {
                    Ok(m) => m,
                    Err(e) => format!("kill failed: {e}"),
                });
            }
        }
    }

    /// The clients of the current server after the filter, in the chosen order.
    pub fn visible_clients(&self) -> Vec<&ClientRow> {
        let Some(rows) = self
            .current()
            .and_then(|v| v.last.as_ref())
            .and_then(|s| s.clients.ok())
        else {
            return Vec::new();
        };
        let needle = self.filter.to_lowercase();
        let mut out: Vec<&ClientRow> = rows
            .iter()
            .filter(|r| {
                needle.is_empty()
                    || [
                        r.id.to_string(),
                        r.addr.clone(),
                        r.name.clone(),
                        r.flags.clone(),
                        r.cmd.clone(),
                    ]
                    .iter()
                    .any(|f| f.to_lowercase().contains(&needle))
            })
            .collect();
        out.sort_by(|a, b| {
            let o = self.sort.compare(a, b).then(a.id.cmp(&b.id));
            if self.descending {
                o.reverse()
            } else {
                o
            }
        });
        out
    }

    fn rows_in_focus(&self) -> usize {
        let snap = self.current().and_then(|v| v.last.as_ref());
        match self.focus {
            PanelId::Clients => self.visible_clients().len(),
            PanelId::Slowlog => snap.and_then(|s| s.slowlog.ok()).map(Vec::len).unwrap_or(0),
            PanelId::Commands => snap
                .and_then(|s| s.info.ok())
                .map(|i| i.commandstats.len())
                .unwrap_or(0),
            _ => 0,
        }
    }

    fn set_focus(&mut self, p: PanelId) {
        if self.focus != p {
            self.focus = p;
            self.selected = 0;
        }
    }

    /// Handles one key press.
    pub fn on_key(&mut self, key: KeyEvent) -> Option<Effect> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && matches!(key.code, KeyCode::Char('c') | KeyCode::Char('C')) {
            return Some(Effect::Quit);
        }
        if let Some(k) = self.kill.take() {
            // Only an explicit yes kills; any other key cancels.
            if matches!(key.code, KeyCode::Char('y') | KeyCode::Char('Y')) {
                self.message = Some(format!("killing client {} ({})", k.id, k.addr));
                return Some(Effect::Kill {
                    server: k.server,
                    id: k.id,
                });
            }
            self.message = Some("kill cancelled".to_string());
            return None;
        }
        if self.filter_editing {
            match key.code {
                KeyCode::Enter => self.filter_editing = false,
                KeyCode::Esc => {
                    self.filter.clear();
                    self.filter_editing = false;
                }
                KeyCode::Backspace => {
                    self.filter.pop();
                }
                KeyCode::Char(c) if !ctrl && self.filter.chars().count() < 64 => {
                    self.filter.push(c);
                }
                _ => {}
            }
            self.selected = 0;
            return None;
        }
        if self.help {
            // Any key closes the help; `q` still quits.
            self.help = false;
            return (key.code == KeyCode::Char('q')).then_some(Effect::Quit);
        }
        match key.code {
            KeyCode::Char('q') => return Some(Effect::Quit),
            KeyCode::Char('?') => self.help = true,
            KeyCode::Esc => {
                self.zoom = None;
                self.message = None;
            }
            KeyCode::Tab => {
                let i = self.focus.number() % PanelId::ALL.len();
                self.set_focus(PanelId::ALL[i]);
                if self.zoom.is_some() {
                    self.zoom = Some(self.focus);
                }
            }
            KeyCode::BackTab => {
                let i = (self.focus.number() + PanelId::ALL.len() - 2) % PanelId::ALL.len();
                self.set_focus(PanelId::ALL[i]);
                if self.zoom.is_some() {
                    self.zoom = Some(self.focus);
                }
            }
            KeyCode::Char(c @ '1'..='6') => {
                let p = PanelId::ALL[(c as usize) - ('1' as usize)];
                self.zoom = if self.zoom == Some(p) { None } else { Some(p) };
                self.set_focus(p);
            }
            KeyCode::Left | KeyCode::Char('h') | KeyCode::Char('[') => self.switch_tab(false),
            KeyCode::Right | KeyCode::Char('l') | KeyCode::Char(']') => self.switch_tab(true),
            KeyCode::Down | KeyCode::Char('j') => {
                let n = self.rows_in_focus();
                if self.selected + 1 < n {
                    self.selected += 1;
                }
            }
            KeyCode::Up | KeyCode::Char('k') if self.focus != PanelId::Clients => {
                self.selected = self.selected.saturating_sub(1);
            }
            KeyCode::Up => self.selected = self.selected.saturating_sub(1),
            KeyCode::Char('k') => self.prompt_kill(),
            KeyCode::Char('s') => {
                self.sort = self.sort.next();
                self.set_focus(PanelId::Clients);
            }
            KeyCode::Char('S') => {
                self.descending = !self.descending;
                self.set_focus(PanelId::Clients);
            }
            KeyCode::Char('/') => {
                self.set_focus(PanelId::Clients);
                self.filter_editing = true;
            }
            KeyCode::Char('p') | KeyCode::Char(' ') => self.paused = !self.paused,
            KeyCode::Char('+') | KeyCode::Char('=') => {
                let d = (self.interval * 2).min(Duration::from_secs(60));
                self.interval = d;
                return Some(Effect::SetInterval(d));
            }
            KeyCode::Char('-') | KeyCode::Char('_') => {
                let d = (self.interval / 2).max(MIN_INTERVAL);
                self.interval = d;
                return Some(Effect::SetInterval(d));
            }
            KeyCode::Char('r') => {
                for v in &mut self.servers {
                    v.history = History::default();
                }
                self.message = Some("charts reset".to_string());
            }
            _ => {}
        }
        None
    }

    fn switch_tab(&mut self, forward: bool) {
        let n = self.servers.len();
        if n > 0 {
            self.tab = if forward {
                (self.tab + 1) % n
            } else {
                (self.tab + n - 1) % n
            };
            self.selected = 0;
        }
    }

    fn prompt_kill(&mut self) {
        // `k` moves up everywhere but in the clients table, where it kills: the issue asks
        // for both; in the table, the arrows still move.
        let Some(row) = self.visible_clients().get(self.selected).copied().cloned() else {
            self.message = Some("no client selected".to_string());
            return;
        };
        self.kill = Some(KillPrompt {
            server: self.tab,
            id: row.id,
            addr: row.addr,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::{Section, Snapshot};

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    fn snapshot_with_clients(rows: Vec<ClientRow>) -> Snapshot {
        Snapshot {
            at_ms: 0,
            unix_ms: 0,
            info: Section::Ok(Default::default()),
            clients: Section::Ok(rows),
            slowlog: Section::unavailable("x"),
            config: Section::unavailable("x"),
            latency: Section::unavailable("x"),
            memory_stats: Section::unavailable("x"),
        }
    }

    fn row(id: u64, name: &str, idle: u64) -> ClientRow {
        ClientRow {
            id,
            name: name.into(),
            addr: format!("127.0.0.1:{}", 1000 + id),
            idle: Some(idle),
            ..Default::default()
        }
    }

    fn app() -> App {
        let mut a = App::new(vec!["a".into(), "b".into()], Duration::from_secs(1), true);
        a.on_event(Event::Snapshot {
            server: 0,
            snapshot: Box::new(snapshot_with_clients(vec![
                row(3, "web", 5),
                row(1, "zedis-top", 0),
                row(2, "worker", 9),
            ])),
        });
        a
    }

    #[test]
    fn sort_filter_and_kill_confirmation() {
        let mut a = app();
        let ids = |a: &App| a.visible_clients().iter().map(|r| r.id).collect::<Vec<_>>();
        assert_eq!(ids(&a), [1, 2, 3]);
        for _ in 0..4 {
            a.on_key(key(KeyCode::Char('s'))); // id → addr → name → age → idle
        }
        assert_eq!(a.sort, ClientColumn::Idle);
        assert_eq!(ids(&a), [1, 3, 2]);
        a.on_key(key(KeyCode::Char('S')));
        assert_eq!(ids(&a), [2, 3, 1]);
        a.on_key(key(KeyCode::Char('/')));
        for c in "WOR".chars() {
            a.on_key(key(KeyCode::Char(c)));
        }
        a.on_key(key(KeyCode::Enter));
        assert_eq!(ids(&a), [2]);
        // `k` in the clients table asks first; `n` cancels, `y` kills.
        assert_eq!(a.on_key(key(KeyCode::Char('k'))), None);
        assert!(a.kill.is_some());
        assert_eq!(a.on_key(key(KeyCode::Char('n'))), None);
        assert!(a.kill.is_none());
        a.on_key(key(KeyCode::Char('k')));
        assert_eq!(
            a.on_key(key(KeyCode::Char('y'))),
            Some(Effect::Kill { server: 0, id: 2 })
        );
        // Esc in the filter clears it.
        a.on_key(key(KeyCode::Char('/')));
        a.on_key(key(KeyCode::Esc));
        assert_eq!(ids(&a).len(), 3);
    }

    #[test]
    fn navigation_pause_interval_and_quit() {
        let mut a = app();
        a.on_key(key(KeyCode::Char('4')));
        assert_eq!(a.zoom, Some(PanelId::Clients));
        a.on_key(key(KeyCode::Down));
        a.on_key(key(KeyCode::Char('j')));
        a.on_key(key(KeyCode::Char('j')));
        assert_eq!(a.selected, 2);
        a.on_key(key(KeyCode::Char('4')));
        assert_eq!(a.zoom, None);
        a.on_key(key(KeyCode::Tab));
        assert_eq!(a.focus, PanelId::Slowlog);
        a.on_key(key(KeyCode::BackTab));
        a.on_key(key(KeyCode::BackTab));
        assert_eq!(a.focus, PanelId::Keys);
        a.on_key(key(KeyCode::Right));
        assert_eq!(a.tab, 1);
        a.on_key(key(KeyCode::Right));
        assert_eq!(a.tab, 0);
        a.on_key(key(KeyCode::Char('p')));
        assert!(a.paused);
        a.on_event(Event::Snapshot {
            server: 0,
            snapshot: Box::new(snapshot_with_clients(vec![])),
        });
        assert_eq!(
            a.visible_clients().len(),
            3,
            "paused: the screen holds still"
        );
        for _ in 0..10 {
            a.on_key(key(KeyCode::Char('-')));
        }
        assert_eq!(a.interval, MIN_INTERVAL);
        assert_eq!(
            a.on_key(key(KeyCode::Char('+'))),
            Some(Effect::SetInterval(Duration::from_millis(200)))
        );
        a.on_key(key(KeyCode::Char('?')));
        assert!(a.help);
        a.on_key(key(KeyCode::Char('x')));
        assert!(!a.help);
        assert_eq!(a.on_key(key(KeyCode::Char('q'))), Some(Effect::Quit));
        assert_eq!(
            a.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Effect::Quit)
        );
        a.on_event(Event::Disconnected {
            server: 1,
            why: "gone".into(),
        });
        assert_eq!(a.servers[1].status, Status::Down("gone".into()));
    }
}
