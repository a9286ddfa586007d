//! Drawing: [`render`] turns an [`App`] into a ratatui frame and nothing else — no I/O, no
//! clock, no state changes — so every screen is a pure function of the state and is tested
//! with `TestBackend` snapshots.
//!
//! Layout degrades with the terminal: three columns when wide, one panel per row when narrow,
//! panels that do not fit are left out (the footer says how many), and below a minimum size
//! only a one-line notice is drawn. Numbers a server does not report show as "n/a".

use crate::app::{App, ClientColumn, PanelId, ServerView, Status};
use crate::collect::{Info, Section, Snapshot};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Block, Borders, Cell, Chart, Clear, Dataset, Gauge, GraphType, Paragraph, Row, Sparkline,
    Table, TableState, Wrap,
};
use ratatui::Frame;

/// Below this the dashboard shows only a notice.
const MIN_WIDTH: u16 = 30;
const MIN_HEIGHT: u16 = 8;

/// Styles, with colour or (for `--no-color` / `NO_COLOR`) with modifiers only.
#[derive(Debug, Clone, Copy)]
struct Theme {
    color: bool,
}

impl Theme {
    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    }
    fn title(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    fn dim(self) -> Style {
        self.fg(Color::DarkGray)
    }
    fn good(self) -> Style {
        self.fg(Color::Green)
    }
    fn warn(self) -> Style {
        self.fg(Color::Yellow)
    }
    fn bad(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    fn focus(self) -> Style {
        self.fg(Color::Cyan)
    }
    fn selected(self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED)
    }
}

/// Bytes as 1.5K / 2.0M / 3.1G (powers of 1024, as INFO's `_human` fields).
pub fn human_bytes(n: f64) -> String {
    const UNITS: [&str; 6] = ["B", "K", "M", "G", "T", "P"];
    let mut v = n;
    let mut i = 0;
    while v.abs() >= 1024.0 && i + 1 < UNITS.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{v:.0}B")
    } else {
        format!("{v:.1}{}", UNITS[i])
    }
}

/// Counts as 950 / 1.2k / 3.4M.
pub fn human_count(n: f64) -> String {
    if n.abs() >= 1e9 {
        format!("{:.1}G", n / 1e9)
    } else if n.abs() >= 1e6 {
        format!("{:.1}M", n / 1e6)
    } else if n.abs() >= 1e4 {
        format!("{:.1}k", n / 1e3)
    } else if n.fract() == 0.0 || n.abs() >= 100.0 {
        format!("{n:.0}")
    } else {
        format!("{n:.1}")
    }
}

/// Seconds as `3d 4h`, `5h 6m`, `7m 8s`, `9s`.
pub fn human_duration(s: u64) -> String {
    let (d, h, m, sec) = (s / 86400, s / 3600 % 24, s / 60 % 60, s % 60);
    if d > 0 {
        format!("{d}d {h}h")
    } else if h > 0 {
        format!("{h}h {m}m")
    } else if m > 0 {
        format!("{m}m {sec}s")
    } else {
        format!("{sec}s")
    }
}

/// A duration in microseconds as `850µs`, `12.3ms` or `1.50s`.
pub fn micros(us: i64) -> String {
    if us.abs() < 1_000 {
        format!("{us}µs")
    } else if us.abs() < 1_000_000 {
        format!("{:.1}ms", us as f64 / 1e3)
    } else {
        format!("{:.2}s", us as f64 / 1e6)
    }
}

/// `HH:MM:SS` UTC of a Unix time.
fn clock(unix: i64) -> String {
    let t = unix.rem_euclid(86400);
    format!("{:02}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60)
}

fn na<T>(v: Option<T>, f: impl FnOnce(T) -> String) -> String {
    v.map(f).unwrap_or_else(|| "n/a".to_string())
}

/// Cuts `s` to at most `max` characters, marking the cut with `…`.
pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// A command line from the slowlog: each argument shortened, then the whole.
fn command_line(args: &[String], max: usize) -> String {
    let parts: Vec<String> = args.iter().map(|a| shorten(a, 24)).collect();
    shorten(&parts.join(" "), max)
}

/// Draws the whole screen.
pub fn render(f: &mut Frame, app: &App) {
    let area = f.area();
    let t = Theme { color: app.color };
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "zedis-top: terminal too small ({}x{}, need {MIN_WIDTH}x{MIN_HEIGHT}); q quits",
            area.width, area.height
        );
        f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    }
    let tabs = u16::from(app.servers.len() > 1);
    let [tab_area, header_area, body, footer] = Layout::vertical([
        Constraint::Length(tabs),
        Constraint::Length(2),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    if tabs > 0 {
        render_tabs(f, app, t, tab_area);
    }
    let Some(view) = app.current() else {
        f.render_widget(Paragraph::new("no servers"), body);
        return;
    };
    render_header(f, app, view, t, header_area);
    let hidden = match app.zoom {
        Some(p) => {
            render_panel(f, app, view, p, t, body);
            0
        }
        None => render_grid(f, app, view, t, body),
    };
    render_footer(f, app, t, hidden, footer);
    if let Some(k) = &app.kill {
        let text = vec![
            Line::from(format!("Kill client {} ({})?", k.id, k.addr)),
            Line::from(""),
            Line::from("y: kill    any other key: cancel"),
        ];
        popup(f, t, "Confirm CLIENT KILL", text, 44, 5);
    }
    if app.help {
        let lines: Vec<Line> = HELP
            .iter()
            .map(|(k, what)| {
                Line::from(vec![
                    Span::styled(format!("{k:>12}  "), t.title()),
                    Span::raw(*what),
                ])
            })
            .collect();
        let h = lines.len() as u16 + 2;
        popup(f, t, "Help — any key closes", lines, 64, h);
    }
}

/// Every key binding, for the help popup (and kept in step with the man page by hand).
pub const HELP: &[(&str, &str)] = &[
    ("?", "show this help"),
    ("q, Ctrl-C", "quit"),
    ("Tab, S-Tab", "focus the next / previous panel"),
    ("1-6", "zoom a panel (again: back to all)"),
    ("Esc", "unzoom, clear the message"),
    ("←/→, h/l, [ ]", "previous / next server tab"),
    ("↑/↓, j/k", "move in the focused table"),
    ("s", "sort clients by the next column"),
    ("S", "reverse the client sort"),
    ("/", "filter clients (Enter keeps, Esc clears)"),
    ("k", "kill the selected client (clients table)"),
    ("p, Space", "pause / resume updates"),
    ("+ / -", "poll less / more often"),
    ("r", "reset the charts"),
];

fn popup(f: &mut Frame, t: Theme, title: &str, text: Vec<Line>, w: u16, h: u16) {
    let area = f.area();
    let w = w.min(area.width);
    let h = h.min(area.height);
    let r = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    };
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(text).block(
            Block::default()
                .borders(Borders::ALL)
                .title(Span::styled(title.to_string(), t.title())),
        ),
        r,
    );
}

fn render_tabs(f: &mut Frame, app: &App, t: Theme, area: Rect) {
    let mut spans = Vec::new();
    for (i, v) in app.servers.iter().enumerate() {
        let mark = match v.status {
            Status::Up => "●",
            Status::Connecting => "○",
            Status::Down(_) => "✗",
        };
        let style = if i == app.tab {
            t.selected().add_modifier(Modifier::BOLD)
        } else {
            Style::default()
        };
        spans.push(Span::styled(format!(" {mark} {} ", v.name), style));
        spans.push(Span::raw(" "));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn yes_no(v: Option<bool>, yes: &str, no: &str) -> String {
    match v {
        Some(true) => yes.to_string(),
        Some(false) => no.to_string(),
        None => "n/a".to_string(),
    }
}

fn render_header(f: &mut Frame, app: &App, view: &ServerView, t: Theme, area: Rect) {
    let snap = view.last.as_ref();
    let info = snap.and_then(|s| s.info.ok());
    let mut first = vec![Span::styled(view.name.clone(), t.title())];
    if let Some(i) = info {
        let product = match (&i.zedis_version, &i.redis_version) {
            (Some(z), Some(r)) => format!("zedis {z} (redis {r})"),
            (None, Some(r)) => format!("redis {r}"),
            (Some(z), None) => format!("zedis {z}"),
            (None, None) => "unknown server".to_string(),
        };
        first.push(Span::raw(format!(
            "  {product} · {} · up {} · port {} · policy {}",
            i.role.clone().unwrap_or_else(|| "n/a".into()),
            na(i.uptime_in_seconds, human_duration),
            na(i.tcp_port, |p| p.to_string()),
            snap.and_then(Snapshot::maxmemory_policy)
                .unwrap_or_else(|| "n/a".into()),
        )));
    }
    if view.evicting() {
        // Also here, so the alarm shows when the eviction panel is hidden.
        first.push(Span::styled("  EVICTING", t.bad()));
    }
    if app.paused {
        first.push(Span::styled(
            "  PAUSED",
            t.warn().add_modifier(Modifier::BOLD),
        ));
    }
    let second = match (&view.status, snap) {
        (Status::Down(why), _) => Line::from(Span::styled(
            format!("disconnected, retrying: {why}"),
            t.bad(),
        )),
        (Status::Connecting, None) => Line::from(Span::styled("connecting…", t.warn())),
        (_, Some(s)) => persistence_line(s, t),
        (_, None) => Line::from(""),
    };
    f.render_widget(Paragraph::new(vec![Line::from(first), second]), area);
}

fn persistence_line(s: &Snapshot, t: Theme) -> Line<'static> {
    let Some(i) = s.info.ok() else {
        if let Section::Unavailable { unavailable } = &s.info {
            return Line::from(Span::styled(
                format!("INFO unavailable: {unavailable}"),
                t.bad(),
            ));
        }
        return Line::from("");
    };
    let status = i.rdb_last_bgsave_status.clone();
    let status_style = match status.as_deref() {
        Some("ok") => t.good(),
        Some(_) => t.bad(),
        None => t.dim(),
    };
    Line::from(vec![
        Span::raw(format!(
            "AOF {} · bgsave {} · rewrite {} · last save ",
            yes_no(s.aof_enabled(), "on", "off"),
            yes_no(i.rdb_bgsave_in_progress, "running", "idle"),
            yes_no(i.aof_rewrite_in_progress, "running", "idle"),
        )),
        Span::styled(status.unwrap_or_else(|| "n/a".into()), status_style),
        Span::raw(format!(
            " · {} changes since save",
            na(i.rdb_changes_since_last_save, |c| c.to_string())
        )),
        Span::raw(if i.loading == Some(true) {
            " · LOADING"
        } else {
            ""
        }),
    ])
}

fn render_footer(f: &mut Frame, app: &App, t: Theme, hidden: usize, area: Rect) {
    let line = if app.filter_editing {
        Line::from(vec![
            Span::styled("filter clients: ", t.title()),
            Span::raw(format!("{}_", app.filter)),
            Span::styled("  (Enter keeps, Esc clears)", t.dim()),
        ])
    } else if let Some(m) = &app.message {
        Line::from(Span::styled(m.clone(), t.warn()))
    } else {
        let mut s = format!(
            "? help  q quit  Tab/1-6 panels  s sort  / filter  k kill  p pause  +/- interval ({:.1}s)  r reset",
            app.interval.as_secs_f64()
        );
        if hidden > 0 {
            s = format!("{hidden} panel(s) hidden: 1-6 zooms · {s}");
        }
        Line::from(Span::styled(s, t.dim()))
    };
    f.render_widget(Paragraph::new(line), area);
}

/// Lays the panels out for the body's size; returns how many did not fit.
fn render_grid(f: &mut Frame, app: &App, view: &ServerView, t: Theme, area: Rect) -> usize {
    use PanelId::*;
    // Each row of panels and the least height it is useful at.
    let rows: Vec<(Vec<PanelId>, u16)> = if area.width >= 110 {
        vec![
            (vec![Memory, Throughput, Keys], 14),
            (vec![Clients], 6),
            (vec![Slowlog, Commands], 6),
        ]
    } else if area.width >= 70 {
        vec![
            (vec![Memory, Throughput], 11),
            (vec![Keys, Commands], 6),
            (vec![Clients], 6),
            (vec![Slowlog], 5),
        ]
    } else {
        PanelId::ALL.iter().map(|p| (vec![*p], 6)).collect()
    };
    let mut shown = Vec::new();
    let mut used = 0u16;
    for (panels, min) in &rows {
        if used + min <= area.height {
            used += min;
            shown.push((panels.clone(), *min));
        }
    }
    let hidden_panels: usize = rows
        .iter()
        .filter(|r| !shown.iter().any(|s| s.0 == r.0))
        .map(|r| r.0.len())
        .sum();
    if shown.is_empty() {
        return hidden_panels;
    }
    // Spare height goes to the tables that have rows to show (clients, slowlog), shared
    // evenly; when neither is shown, to every row.
    let grows = |p: &Vec<PanelId>| p.contains(&Clients) || p.contains(&Slowlog);
    let any_grows = shown.iter().any(|(p, _)| grows(p));
    let constraints: Vec<Constraint> = shown
        .iter()
        .map(|(p, min)| {
            if grows(p) || !any_grows {
                Constraint::Fill(1)
            } else {
                Constraint::Length(*min)
            }
        })
        .collect();
    let row_areas = Layout::vertical(constraints).split(area);
    for ((panels, _), r) in shown.iter().zip(row_areas.iter()) {
        let cols = Layout::horizontal(
            panels
                .iter()
                .map(|_| Constraint::Ratio(1, panels.len() as u32)),
        )
        .split(*r);
        for (p, c) in panels.iter().zip(cols.iter()) {
            render_panel(f, app, view, *p, t, *c);
        }
    }
    hidden_panels
}

fn panel_block(app: &App, p: PanelId, t: Theme, extra: String, alarm: bool) -> Block<'static> {
    let focused = app.focus == p;
    let border = if alarm {
        t.bad()
    } else if focused {
        t.focus()
    } else {
        t.dim()
    };
    let mut title = vec![Span::styled(
        format!("{} {}", p.number(), p.title()),
        t.title(),
    )];
    if !extra.is_empty() {
        let style = if alarm { t.bad() } else { Style::default() };
        title.push(Span::styled(format!(" {extra}"), style));
    }
    let mut b = Block::default()
        .borders(Borders::ALL)
        .border_style(border)
        .title(Line::from(title));
    if alarm {
        b = b.border_type(ratatui::widgets::BorderType::Thick);
    } else if focused {
        b = b.border_type(ratatui::widgets::BorderType::Double);
    }
    b
}

fn render_panel(f: &mut Frame, app: &App, view: &ServerView, p: PanelId, t: Theme, area: Rect) {
    match p {
        PanelId::Memory => render_memory(f, app, view, t, area),
        PanelId::Throughput => render_throughput(f, app, view, t, area),
        PanelId::Keys => render_keys(f, app, view, t, area),
        PanelId::Clients => render_clients(f, app, view, t, area),
        PanelId::Slowlog => render_slowlog(f, app, view, t, area),
        PanelId::Commands => render_commands(f, app, view, t, area),
    }
}

/// Draws the block and returns its inner area, or draws "waiting for data" / the reason INFO
/// is unavailable and returns `None`.
fn with_info<'a>(
    f: &mut Frame,
    view: &'a ServerView,
    block: Block<'static>,
    t: Theme,
    area: Rect,
) -> Option<(&'a Snapshot, &'a Info, Rect)> {
    let inner = block.inner(area);
    f.render_widget(block, area);
    let snap = match view.last.as_ref() {
        Some(s) => s,
        None => {
            f.render_widget(
                Paragraph::new(Span::styled("waiting for data…", t.dim())),
                inner,
            );
            return None;
        }
    };
    match &snap.info {
        Section::Ok(i) => Some((snap, i, inner)),
        Section::Unavailable { unavailable } => {
            f.render_widget(
                Paragraph::new(Span::styled(format!("unavailable: {unavailable}"), t.bad()))
                    .wrap(Wrap { trim: true }),
                inner,
            );
            None
        }
    }
}

fn render_memory(f: &mut Frame, app: &App, view: &ServerView, t: Theme, area: Rect) {
    let block = panel_block(app, PanelId::Memory, t, String::new(), false);
    let Some((snap, i, inner)) = with_info(f, view, block, t, area) else {
        return;
    };
    let maxmem = snap.maxmemory().filter(|m| *m > 0);
    let (limit, limit_name) = match maxmem {
        Some(m) => (Some(m), "maxmemory"),
        None => (i.total_system_memory.filter(|m| *m > 0), "system"),
    };
    let used = i.used_memory;
    let [gauge_area, text_area, chart_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(3),
        Constraint::Min(0),
    ])
    .areas(inner);
    let ratio = match (used, limit) {
        (Some(u), Some(l)) => (u as f64 / l as f64).clamp(0.0, 1.0),
        _ => 0.0,
    };
    let label = format!(
        "{} / {} {limit_name}",
        na(used, |u| human_bytes(u as f64)),
        na(limit, |l| human_bytes(l as f64)),
    );
    let gauge_style = if ratio > 0.9 {
        t.bad()
    } else if ratio > 0.75 {
        t.warn()
    } else {
        t.good()
    };
    f.render_widget(
        Gauge::default()
            .ratio(ratio)
            .label(label)
            .gauge_style(gauge_style)
            .use_unicode(true),
        gauge_area,
    );
    let b = |v: Option<u64>| na(v, |x| human_bytes(x as f64));
    let stats = match &snap.memory_stats {
        Section::Ok(m) => Line::from(format!(
            "per key {}  dataset {}  keys {}",
            na(m.get("keys.bytes-per-key"), human_bytes),
            na(m.get("dataset.percentage"), |p| format!("{p:.1}%")),
            na(m.get("keys.count"), human_count),
        )),
        Section::Unavailable { unavailable } => Line::from(Span::styled(
            format!("MEMORY STATS unavailable: {unavailable}"),
            t.dim(),
        )),
    };
    let lines = vec![
        Line::from(format!(
            "rss {}  peak {}  frag {}",
            b(i.used_memory_rss),
            b(i.used_memory_peak),
            na(i.mem_fragmentation_ratio, |r| format!("{r:.2}")),
        )),
        Line::from(format!(
            "dataset {}  overhead {}",
            b(i.used_memory_dataset),
            b(i.used_memory_overhead),
        )),
        stats,
    ];
    f.render_widget(Paragraph::new(lines), text_area);
    if chart_area.height < 3 || chart_area.width < 10 {
        return;
    }
    let samples = &view.history.used_memory;
    let n = samples.len();
    let points: Vec<(f64, f64)> = samples
        .iter()
        .enumerate()
        .map(|(x, v)| (x as f64, *v as f64))
        .collect();
    let top = samples
        .iter()
        .copied()
        .max()
        .unwrap_or(0)
        .max(maxmem.unwrap_or(0)) as f64
        * 1.1;
    let top = if top > 0.0 { top } else { 1.0 };
    let right = (n.max(2) - 1) as f64;
    let max_line: Vec<(f64, f64)> = maxmem
        .map(|m| vec![(0.0, m as f64), (right, m as f64)])
        .unwrap_or_default();
    let mut sets = vec![Dataset::default()
        .name("used")
        .marker(Marker::Braille)
        .graph_type(GraphType::Line)
        .style(t.good())
        .data(&points)];
    if !max_line.is_empty() {
        sets.push(
            Dataset::default()
                .name("maxmemory")
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(t.bad())
                .data(&max_line),
        );
    }
    let chart = Chart::new(sets)
        .x_axis(Axis::default().bounds([0.0, right]))
        .y_axis(
            Axis::default()
                .bounds([0.0, top])
                .labels(vec![Line::from("0"), Line::from(human_bytes(top))]),
        )
        .legend_position(None);
    f.render_widget(chart, chart_area);
}

fn rate(v: Option<f64>, f: impl FnOnce(f64) -> String) -> String {
    na(v, f)
}

/// The last `width` samples of a series, for a sparkline that shows the newest data.
fn tail(q: &std::collections::VecDeque<u64>, width: u16) -> Vec<u64> {
    let skip = q.len().saturating_sub(width as usize);
    q.iter().skip(skip).copied().collect()
}

fn render_throughput(f: &mut Frame, app: &App, view: &ServerView, t: Theme, area: Rect) {
    let block = panel_block(app, PanelId::Throughput, t, String::new(), false);
    let Some((_, i, inner)) = with_info(f, view, block, t, area) else {
        return;
    };
    let r = view.rates.as_ref();
    let get = |g: fn(&crate::collect::Rates) -> Option<f64>| r.and_then(g);
    let lines = vec![
        Line::from(vec![
            Span::styled("ops/s ", t.title()),
            Span::raw(rate(get(|r| r.ops_per_sec), human_count)),
            Span::styled(
                format!(
                    "  (server's instantaneous {})",
                    na(i.instantaneous_ops_per_sec, |v| v.to_string())
                ),
                t.dim(),
            ),
        ]),
        Line::from(format!(
            "net in {}  out {}",
            rate(get(|r| r.net_in_per_sec), |v| format!(
                "{}/s",
                human_bytes(v)
            )),
            rate(get(|r| r.net_out_per_sec), |v| format!(
                "{}/s",
                human_bytes(v)
            )),
        )),
        Line::from(format!(
            "hits/s {}  misses/s {}  hit ratio {}",
            rate(get(|r| r.hits_per_sec), human_count),
            rate(get(|r| r.misses_per_sec), human_count),
            rate(get(|r| r.hit_ratio), |h| format!("{:.1}%", h * 100.0)),
        )),
    ];
    let [text, spark] = Layout::vertical([Constraint::Length(3), Constraint::Min(0)]).areas(inner);
    f.render_widget(Paragraph::new(lines), text);
    if spark.height > 0 {
        f.render_widget(
            Sparkline::default()
                .data(tail(&view.history.ops, spark.width))
                .style(t.good()),
            spark,
        );
    }
}

fn render_keys(f: &mut Frame, app: &App, view: &ServerView, t: Theme, area: Rect) {
    let evicting = view.evicting();
    let r = view.rates.as_ref();
    let extra = if evicting {
        format!(
            "— EVICTING {}/s",
            na(r.and_then(|r| r.evicted_per_sec), human_count)
        )
    } else {
        String::new()
    };
    let block = panel_block(app, PanelId::Keys, t, extra, evicting);
    let Some((_, i, inner)) = with_info(f, view, block, t, area) else {
        return;
    };
    let mut lines = vec![Line::from(vec![
        Span::raw(format!(
            "expired/s {}  ",
            na(r.and_then(|r| r.expired_per_sec), human_count)
        )),
        Span::styled(
            format!(
                "evicted/s {}",
                na(r.and_then(|r| r.evicted_per_sec), human_count)
            ),
            if evicting { t.bad() } else { Style::default() },
        ),
        Span::styled(
            format!(
                "  (total {} / {})",
                na(i.expired_keys, |v| v.to_string()),
                na(i.evicted_keys, |v| v.to_string())
            ),
            t.dim(),
        ),
    ])];
    if i.keyspace.is_empty() {
        lines.push(Line::from(Span::styled("no keys", t.dim())));
    }
    for db in &i.keyspace {
        lines.push(Line::from(format!(
            "db{:<3} keys {:>8}  expires {:>7}  avg ttl {}",
            db.db,
            human_count(db.keys as f64),
            human_count(db.expires as f64),
            match db.avg_ttl {
                Some(0) | None => "-".to_string(),
                Some(ms) => human_duration(ms / 1000),
            }
        )));
    }
    let text_h = (lines.len() as u16).min(inner.height.saturating_sub(2).max(1));
    let [text, charts] =
        Layout::vertical([Constraint::Length(text_h), Constraint::Min(0)]).areas(inner);
    f.render_widget(Paragraph::new(lines), text);
    if charts.height >= 2 {
        let [e, v] =
            Layout::horizontal([Constraint::Ratio(1, 2), Constraint::Ratio(1, 2)]).areas(charts);
        f.render_widget(
            Sparkline::default()
                .block(Block::default().title("expired/s"))
                .data(tail(&view.history.expired, e.width))
                .style(t.warn()),
            e,
        );
        f.render_widget(
            Sparkline::default()
                .block(Block::default().title("evicted/s"))
                .data(tail(&view.history.evicted, v.width))
                .style(t.bad()),
            v,
        );
    }
}

fn opt(v: Option<u64>) -> String {
    na(v, |x| x.to_string())
}

fn render_clients(f: &mut Frame, app: &App, view: &ServerView, t: Theme, area: Rect) {
    let info = view.last.as_ref().and_then(|s| s.info.ok());
    let mut extra = format!(
        "connected {} blocked {} · sort {} {}",
        na(info.and_then(|i| i.connected_clients), |v| v.to_string()),
        na(info.and_then(|i| i.blocked_clients), |v| v.to_string()),
        app.sort.title(),
        if app.descending { "↓" } else { "↑" },
    );
    if !app.filter.is_empty() {
        extra.push_str(&format!(" · filter \"{}\"", app.filter));
    }
    let block = panel_block(app, PanelId::Clients, t, extra, false);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(snap) = view.last.as_ref() else {
        f.render_widget(
            Paragraph::new(Span::styled("waiting for data…", t.dim())),
            inner,
        );
        return;
    };
    if let Section::Unavailable { unavailable } = &snap.clients {
        f.render_widget(
            Paragraph::new(Span::styled(format!("unavailable: {unavailable}"), t.bad()))
                .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let cols = client_columns(inner.width);
    let rows: Vec<Row> = app
        .visible_clients()
        .into_iter()
        .map(|c| {
            Row::new(cols.iter().map(|(col, _)| {
                Cell::from(match col {
                    ClientColumn::Id => c.id.to_string(),
                    ClientColumn::Addr => c.addr.clone(),
                    ClientColumn::Name => c.name.clone(),
                    ClientColumn::Age => opt(c.age),
                    ClientColumn::Idle => opt(c.idle),
                    ClientColumn::Db => opt(c.db),
                    ClientColumn::Flags => c.flags.clone(),
                    ClientColumn::Cmd => c.cmd.clone(),
                    ClientColumn::Qbuf => na(c.qbuf, |v| human_bytes(v as f64)),
                    ClientColumn::Omem => na(c.omem, |v| human_bytes(v as f64)),
                    ClientColumn::TotMem => na(c.tot_mem, |v| human_bytes(v as f64)),
                })
            }))
        })
        .collect();
    let header = Row::new(cols.iter().map(|(c, _)| {
        let style = if *c == app.sort {
            t.title().add_modifier(Modifier::UNDERLINED)
        } else {
            t.title()
        };
        Cell::from(Span::styled(c.title(), style))
    }));
    let widths: Vec<Constraint> = cols.iter().map(|(_, w)| Constraint::Length(*w)).collect();
    let table = Table::new(rows, widths).header(header).row_highlight_style(
        if app.focus == PanelId::Clients {
            t.selected()
        } else {
            Style::default()
        },
    );
    let mut state = TableState::default().with_selected(Some(app.selected));
    f.render_stateful_widget(table, inner, &mut state);
}

/// The client columns that fit in `width`, most useful first, shown in table order.
fn client_columns(width: u16) -> Vec<(ClientColumn, u16)> {
    use ClientColumn::*;
    let priority = [
        (Id, 6),
        (Addr, 21),
        (Cmd, 14),
        (Idle, 6),
        (Name, 12),
        (TotMem, 8),
        (Age, 7),
        (Db, 3),
        (Omem, 7),
        (Qbuf, 7),
        (Flags, 6),
    ];
    let mut used = 0u16;
    let mut chosen: Vec<(ClientColumn, u16)> = Vec::new();
    for (c, w) in priority {
        // One space between columns.
        if used + w < width || chosen.is_empty() {
            used += w + 1;
            chosen.push((c, w));
        }
    }
    chosen.sort_by_key(|(c, _)| ClientColumn::ALL.iter().position(|x| x == c));
    chosen
}

fn section_error<T>(s: &Section<T>) -> Option<&str> {
    match s {
        Section::Ok(_) => None,
        Section::Unavailable { unavailable } => Some(unavailable),
    }
}

fn render_slowlog(f: &mut Frame, app: &App, view: &ServerView, t: Theme, area: Rect) {
    let block = panel_block(app, PanelId::Slowlog, t, String::new(), false);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(snap) = view.last.as_ref() else {
        f.render_widget(
            Paragraph::new(Span::styled("waiting for data…", t.dim())),
            inner,
        );
        return;
    };
    let lat_rows = snap.latency.ok().map(|l| l.len()).unwrap_or(1).clamp(1, 4) as u16;
    let [slow_area, lat_area] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(lat_rows + 1)]).areas(inner);
    match &snap.slowlog {
        Section::Ok(entries) => {
            let cmd_w = slow_area.width.saturating_sub(6 + 9 + 10 + 3) as usize;
            let rows: Vec<Row> = entries
                .iter()
                .map(|e| {
                    Row::new(vec![
                        e.id.to_string(),
                        clock(e.time),
                        micros(e.micros),
                        command_line(&e.args, cmd_w.max(1)),
                    ])
                })
                .collect();
            let table = Table::new(
                rows,
                [
                    Constraint::Length(6),
                    Constraint::Length(9),
                    Constraint::Length(10),
                    Constraint::Min(1),
                ],
            )
            .header(Row::new(vec!["id", "time(UTC)", "duration", "command"]).style(t.title()))
            .row_highlight_style(if app.focus == PanelId::Slowlog {
                t.selected()
            } else {
                Style::default()
            });
            let mut state = TableState::default().with_selected(
                (app.focus == PanelId::Slowlog && !entries.is_empty()).then_some(app.selected),
            );
            f.render_stateful_widget(table, slow_area, &mut state);
        }
        Section::Unavailable { unavailable } => f.render_widget(
            Paragraph::new(Span::styled(
                format!("slowlog unavailable: {unavailable}"),
                t.bad(),
            ))
            .wrap(Wrap { trim: true }),
            slow_area,
        ),
    }
    let mut lines = vec![Line::from(Span::styled("latency events", t.title()))];
    match &snap.latency {
        Section::Ok(ev) if ev.is_empty() => {
            lines.push(Line::from(Span::styled("none recorded", t.dim())))
        }
        Section::Ok(ev) => {
            for e in ev.iter().take(4) {
                lines.push(Line::from(format!(
                    "{:<24} latest {}ms  max {}ms  at {}",
                    e.event,
                    e.latest_ms,
                    e.max_ms,
                    clock(e.time)
                )));
            }
        }
        Section::Unavailable { unavailable } => lines.push(Line::from(Span::styled(
            format!("unavailable: {unavailable}"),
            t.bad(),
        ))),
    }
    f.render_widget(Paragraph::new(lines), lat_area);
}

/// One command-stats row.
struct CmdRow {
    name: String,
    calls_per_sec: Option<f64>,
    usec_per_sec: Option<f64>,
    calls: u64,
    usec: u64,
    usec_per_call: Option<f64>,
}

/// Width of one command-stats table.
const CMD_TABLE_WIDTH: u16 = 56;

fn render_commands(f: &mut Frame, app: &App, view: &ServerView, t: Theme, area: Rect) {
    let block = panel_block(app, PanelId::Commands, t, String::new(), false);
    let Some((snap, i, inner)) = with_info(f, view, block, t, area) else {
        return;
    };
    if i.commandstats.is_empty() {
        let why = section_error(&snap.info).unwrap_or("INFO commandstats is empty");
        f.render_widget(
            Paragraph::new(Span::styled(why.to_string(), t.dim())),
            inner,
        );
        return;
    }
    let rates = view.rates.as_ref();
    let mut rows: Vec<CmdRow> = i
        .commandstats
        .iter()
        .map(|c| {
            let r = rates.and_then(|r| r.commands.iter().find(|x| x.name == c.name));
            CmdRow {
                name: c.name.clone(),
                calls_per_sec: r.map(|r| r.calls_per_sec),
                usec_per_sec: r.map(|r| r.usec_per_sec),
                calls: c.calls,
                usec: c.usec,
                usec_per_call: c.usec_per_call,
            }
        })
        .collect();
    // The time% column is this command's part of all server time spent in the interval.
    let total_time: f64 = match rates {
        Some(r) => r.commands.iter().map(|c| c.usec_per_sec).sum(),
        None => 0.0,
    };
    // Busiest first: by calls/s (total calls when there is no rate yet).
    rows.sort_by(|a, b| {
        b.calls_per_sec
            .unwrap_or(0.0)
            .total_cmp(&a.calls_per_sec.unwrap_or(0.0))
            .then(b.calls.cmp(&a.calls))
            .then(a.name.cmp(&b.name))
    });
    let wide = inner.width > 2 * CMD_TABLE_WIDTH;
    let left = if wide {
        let [l, r] =
            Layout::horizontal([Constraint::Ratio(1, 2), Constraint::Ratio(1, 2)]).areas(inner);
        let mut by_time: Vec<&CmdRow> = rows.iter().collect();
        by_time.sort_by(|a, b| {
            b.usec_per_sec
                .unwrap_or(0.0)
                .total_cmp(&a.usec_per_sec.unwrap_or(0.0))
                .then(b.usec.cmp(&a.usec))
                .then(a.name.cmp(&b.name))
        });
        cmd_table(f, app, t, &by_time, total_time, "by time", false, r);
        l
    } else {
        inner
    };
    let by_calls: Vec<&CmdRow> = rows.iter().collect();
    cmd_table(f, app, t, &by_calls, total_time, "by calls/s", true, left);
}

#[allow(clippy::too_many_arguments)]
fn cmd_table(
    f: &mut Frame,
    app: &App,
    t: Theme,
    rows: &[&CmdRow],
    total_time: f64,
    order: &str,
    selectable: bool,
    area: Rect,
) {
    let table_rows: Vec<Row> = rows
        .iter()
        .map(|r| {
            Row::new(vec![
                shorten(&r.name, 18),
                na(r.calls_per_sec, human_count),
                match r.usec_per_sec {
                    Some(u) if total_time > 0.0 => format!("{:.0}%", u / total_time * 100.0),
                    _ => "-".to_string(),
                },
                human_count(r.calls as f64),
                na(r.usec_per_call, |u| format!("{u:.2}")),
            ])
        })
        .collect();
    let table = Table::new(
        table_rows,
        [
            Constraint::Length(18),
            Constraint::Length(9),
            Constraint::Length(7),
            Constraint::Length(9),
            Constraint::Length(9),
        ],
    )
    .header(
        Row::new(vec![
            format!("command {order}"),
            "calls/s".into(),
            "time%".into(),
            "calls".into(),
            "µs/call".into(),
        ])
        .style(t.title()),
    )
    .row_highlight_style(if selectable && app.focus == PanelId::Commands {
        t.selected()
    } else {
        Style::default()
    });
    let mut state = TableState::default()
        .with_selected((selectable && app.focus == PanelId::Commands).then_some(app.selected));
    f.render_stateful_widget(table, area, &mut state);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formats() {
        assert_eq!(human_bytes(512.0), "512B");
        assert_eq!(human_bytes(1536.0), "1.5K");
        assert_eq!(human_bytes(3.0 * 1024.0 * 1024.0 * 1024.0), "3.0G");
        assert_eq!(human_count(950.0), "950");
        assert_eq!(human_count(2.5), "2.5");
        assert_eq!(human_count(12_345.0), "12.3k");
        assert_eq!(human_duration(59), "59s");
        assert_eq!(human_duration(3_700), "1h 1m");
        assert_eq!(human_duration(90_000), "1d 1h");
        assert_eq!(clock(3_661), "01:01:01");
        assert_eq!(micros(850), "850µs");
        assert_eq!(micros(10_108), "10.1ms");
        assert_eq!(micros(2_500_000), "2.50s");
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("ab", 4), "ab");
        assert_eq!(shorten("ab", 0), "");
    }
}
