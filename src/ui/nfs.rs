//! View 0, NFS: the NFS servers (the one clients mount, its standbys) and the replicas, the
//! latency of the server against the warn and fail limits, and the clients that mount it.

use super::{column_table, empty_hint, panel, panel_title, plural, render_table};
use crate::app::columns::Row as _;
use crate::app::rows::{nfs_rows_of, selected_index, NfsRole};
use crate::app::AppState;
use crate::cloud::Source;
use crate::model::{Instance, InstanceState, Nfs};
use crate::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let nfs = state.fleet.nfs_of(&crate::app::rows::nfs_roles(state));
    let rows = nfs_rows_of(&state.fleet, &nfs, &state.checks, state.list());
    let summary = format!(
        "· {} · {} · {}",
        plural(nfs.servers.len(), "server"),
        plural(nfs.clients.len(), "client"),
        plural(nfs.replicas.len(), "replica")
    );
    let block = panel(panel_title("NFS", summary, state, theme), theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if rows.is_empty() {
        let what = "NFS servers or replicas (instances tagged patrol:role=nfs-server or \
                    nfs-replica)";
        frame.render_widget(empty_hint(state, what, theme), inner);
        return;
    }
    // The chart: five rows of plot, its axis and labels. The clients' panel takes what the
    // table leaves, when there are clients.
    let chart = 9;
    // The clients' panel as tall as its list (ids 19 wide, two spaces apart), at least 4.
    let per_line = clients_per_line(inner.width);
    let clients = match nfs.clients.len() {
        0 => 0,
        n => (n.div_ceil(per_line) as u16 + 2)
            .max(4)
            // Never at the cost of the chart or the table's first rows.
            .min(inner.height.saturating_sub(chart + 3).max(3)),
    };
    let table = (rows.len() as u16 + 1).min(inner.height.saturating_sub(chart + clients).max(2));
    // With no clients to list, the chart takes the rest.
    let [table_area, chart_area, clients_area] = if clients > 0 {
        // The chart takes what the table and the clients leave.
        Layout::vertical([
            Constraint::Length(table),
            Constraint::Min(chart),
            Constraint::Length(clients),
        ])
        .areas(inner)
    } else {
        let [t, c] =
            Layout::vertical([Constraint::Length(table), Constraint::Min(chart)]).areas(inner);
        [t, c, Rect::default()]
    };
    let selected = selected_index(state.list(), rows.len(), |k| {
        rows.iter().position(|r| r.key() == k)
    });
    let t = column_table(&rows, table_area.width, state, theme);
    render_table(frame, table_area, t, selected, theme);
    // The latency of the selected server, or else of the one clients mount.
    let server = selected
        .map(|i| &rows[i])
        .filter(|r| r.role != NfsRole::Replica)
        .map(|r| r.instance)
        .or(nfs.active);
    draw_latency(frame, chart_area, state, server, theme);
    if clients > 0 {
        draw_clients(frame, clients_area, state, &nfs, theme);
    }
}

/// The server's latency over the last hour, with the warn and fail limits as lines.
fn draw_latency(
    frame: &mut Frame,
    area: Rect,
    state: &AppState,
    server: Option<&Instance>,
    theme: &Theme,
) {
    let warn = state.checks.max_nfs_latency_ms;
    let fail = 2.0 * warn;
    let limits = format!("· warn above {warn:.0} ms, fail above {fail:.0} ms ");
    let series = server.and_then(|s| state.fleet.nfs_latency(&s.id));
    let mut title = vec![Span::styled(
        format!(
            " Latency {} ",
            server.map_or("(no server)".to_string(), |s| s
                .name
                .clone()
                .unwrap_or_else(|| s.id.clone()))
        ),
        theme.title,
    )];
    let latest = series.and_then(|s| s.points.last()).map(|p| p.value);
    match latest {
        Some(ms) => title.push(Span::styled(format!("now {ms:.1} ms "), theme.text)),
        None => title.push(Span::styled(
            "publishes no patrol/NFS NfsLatency ".to_string(),
            theme.muted,
        )),
    }
    title.push(Span::styled(limits, theme.muted));
    let block = panel(Line::from(title), theme);
    let points = series.map_or_else(Vec::new, |s| {
        super::chart::last_hour(&s.points, state.clock)
    });
    let peak = points.iter().map(|(_, v)| *v).fold(0.0, f64::max);
    let style = match peak {
        p if p > fail => theme.crit,
        p if p > warn => theme.warn,
        _ => theme.info,
    };
    // Latency read from a stale source is never drawn as good (or bad) news.
    let style = super::unless_stale(state, &[Source::Metrics], style, theme);
    let lines = vec![
        (super::chart::threshold(warn), theme.warn),
        (super::chart::threshold(fail), theme.crit),
    ];
    // Room above the fail line, and above the peak when it is higher.
    let top = (fail * 1.25).max(peak * 1.1).ceil();
    let chart = super::chart::last_hour_chart(block, &points, style, &lines, top, " ms", theme);
    frame.render_widget(chart, area);
}

/// Client ids in a line of the clients' panel `width` wide (inside its borders): each 19
/// characters and two spaces.
fn clients_per_line(width: u16) -> usize {
    (width.saturating_sub(2) / 21).max(1) as usize
}

/// The clients that mount the active server, by zone, each coloured by its state.
fn draw_clients(frame: &mut Frame, area: Rect, state: &AppState, nfs: &Nfs, theme: &Theme) {
    let limit = state.checks.max_nfs_clients;
    let n = nfs.clients.len();
    let server = nfs.active.map_or("no running NFS server".to_string(), |s| {
        s.name.clone().unwrap_or_else(|| s.id.clone())
    });
    let (style, judgement) = match n {
        n if n > 2 * limit => (
            theme.crit,
            format!("more than twice the {limit} it should carry"),
        ),
        n if n > limit => (theme.warn, format!("more than the {limit} it should carry")),
        _ => (theme.ok, format!("up to {limit} is fine")),
    };
    let style = super::unless_stale(state, &[Source::Instances], style, theme);
    let mut zones: std::collections::BTreeMap<&str, usize> = Default::default();
    for c in &nfs.clients {
        *zones.entry(c.zone.as_str()).or_default() += 1;
    }
    let by_zone: Vec<String> = zones.iter().map(|(z, n)| format!("{z} {n}")).collect();
    let block = panel(
        Line::from(vec![
            Span::styled(format!(" Clients of {server} "), theme.title),
            Span::styled(format!("· {n} · {judgement} "), style),
            Span::styled(format!("· {} ", by_zone.join(" · ")), theme.muted),
        ]),
        theme,
    );
    // As many as the panel holds; the last place says how many more there are.
    let per_line = clients_per_line(area.width);
    let room = per_line * area.height.saturating_sub(2) as usize;
    let shown = if nfs.clients.len() > room {
        room.saturating_sub(1)
    } else {
        room
    };
    let mut spans = Vec::new();
    for c in nfs.clients.iter().take(shown) {
        let style = match c.state {
            InstanceState::Running => theme.text,
            _ => theme.warn,
        };
        spans.push(Span::styled(c.id.clone(), style));
        if c.state != InstanceState::Running {
            spans.push(Span::styled(format!(" ({})", c.state.as_str()), theme.warn));
        }
        spans.push(Span::raw("  "));
    }
    if nfs.clients.len() > shown {
        spans.push(Span::styled(
            format!("+{} more", nfs.clients.len() - shown),
            theme.muted,
        ));
    }
    let text = Paragraph::new(Line::from(spans))
        .wrap(Wrap { trim: true })
        .block(block);
    frame.render_widget(text, area);
}
