//! Drawing: views borrow the state and the theme and draw; they never mutate, fetch or sleep.

mod capacity;
mod dialog;
mod eips;
mod images;
mod overview;
mod patterns;
mod targets;
mod zones;

use crate::app::{AppState, Freshness, View};
use crate::model::WorldInfo;
use crate::patterns::Verdict;
use crate::theme::Theme;
use chrono::Duration;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Row, Table, TableState, Wrap};
use ratatui::Frame;

/// The smallest terminal the console draws in.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 16;

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, state: &AppState, theme: &Theme) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        draw_too_small(frame, area, theme);
        return;
    }
    let narration = (state.narration.is_some() || state.playback.is_some()) as u16;
    let operation = (state.operation.is_some() || state.message.is_some()) as u16;
    let [tabs, body, op_line, story, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(operation),
        Constraint::Length(narration),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_tabs(frame, tabs, state, theme);
    match state.view {
        View::Overview => overview::draw(frame, body, state, theme),
        View::Targets => targets::draw(frame, body, state, theme),
        View::Capacity => capacity::draw(frame, body, state, theme),
        View::ElasticIps => eips::draw(frame, body, state, theme),
        View::Zones => zones::draw(frame, body, state, theme),
        View::Images => images::draw(frame, body, state, theme),
        View::Patterns => patterns::draw(frame, body, state, theme),
    }
    dialog::draw_operation(frame, op_line, state, theme);
    frame.render_widget(Paragraph::new(story_line(state, theme)), story);
    draw_status(frame, status, state, theme);
    if let Some(d) = &state.dialog {
        dialog::draw(frame, area, d, state.production.as_deref(), theme);
    }
    if let Some(p) = &state.picker {
        draw_picker(frame, area, p, theme);
    }
    if state.help {
        draw_help(frame, area, state, theme);
    }
}

/// The scenario's line: where it is, how it plays, and what to look at.
fn story_line<'a>(state: &'a AppState, theme: &Theme) -> Line<'a> {
    let mut spans = Vec::new();
    if let Some(p) = state.playback {
        let (mark, style) = if p.awaiting_operator {
            (" ⏳ WAITING FOR YOU ".to_string(), theme.warn.reversed())
        } else if p.paused {
            (" ⏸ PAUSED ".to_string(), theme.info.reversed())
        } else {
            (format!(" ▶ ×{} ", p.speed), theme.info)
        };
        spans.push(Span::styled(mark, style));
        let mut when = format!(" t+{}", clock_text(p.elapsed));
        match p.next_event_in {
            Some(d) if !p.awaiting_operator => {
                when.push_str(&format!(" · next in {}", clock_text(d)))
            }
            None => when.push_str(" · timeline done"),
            _ => {}
        }
        spans.push(Span::styled(format!("{when} │ "), theme.muted));
    } else {
        spans.push(Span::styled(" ▶ ", theme.info));
    }
    if let Some(text) = &state.narration {
        spans.push(Span::styled(text.as_str(), theme.text));
    }
    Line::from(spans)
}

/// Scenario time as `4m05s` or `45s`.
fn clock_text(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    if s < 60 {
        format!("{s}s")
    } else {
        format!("{}m{:02}s", s / 60, s % 60)
    }
}

fn draw_too_small(frame: &mut Frame, area: Rect, theme: &Theme) {
    let text = vec![
        Line::styled("patrol needs a bigger terminal", theme.warn),
        Line::styled(
            format!(
                "at least {MIN_WIDTH}×{MIN_HEIGHT}; this one is {}×{}",
                area.width, area.height
            ),
            theme.text,
        ),
        Line::styled("q quits", theme.muted),
    ];
    let top = area.height.saturating_sub(3) / 2;
    let [_, middle] = Layout::vertical([Constraint::Length(top), Constraint::Min(0)]).areas(area);
    frame.render_widget(
        Paragraph::new(text)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        middle,
    );
}

fn draw_tabs(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    const HINT: &str = "? help  q quit ";
    let tabs = |pad: &str, short: bool| -> Vec<Span<'static>> {
        let mut spans = vec![Span::styled(" patrol ", theme.title)];
        for (i, v) in View::ALL.iter().enumerate() {
            let style = if *v == state.view {
                theme.tab_active
            } else {
                theme.muted
            };
            let title = if short { v.short_title() } else { v.title() };
            spans.push(Span::styled(format!("{pad}{} {title}{pad}", i + 1), style));
        }
        spans
    };
    let width = |spans: &[Span]| spans.iter().map(|s| s.width()).sum::<usize>();
    // Roomy tabs when they fit beside the hint, tight ones otherwise.
    let mut spans = tabs(" ", false);
    if width(&spans) + HINT.len() > area.width as usize {
        spans = tabs("", true);
        let mut tight = vec![spans.remove(0)];
        for s in spans {
            tight.push(s);
            tight.push(Span::raw(" "));
        }
        spans = tight;
    }
    let room_for_hint = width(&spans) + HINT.len() <= area.width as usize;
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    if room_for_hint {
        let hint = Line::styled(HINT, theme.muted).alignment(Alignment::Right);
        frame.render_widget(Paragraph::new(hint), area);
    }
}

/// The world badge: loud on the simulator, account/region/profile on AWS.
pub fn world_badge<'a>(world: &WorldInfo, theme: &Theme) -> Span<'a> {
    match world {
        WorldInfo::Simulated {
            scenario,
            seed,
            speed,
            ..
        } => Span::styled(
            format!(" SIMULATED · {scenario} · seed {seed} · ×{speed} "),
            theme.world_sim,
        ),
        WorldInfo::Aws {
            account_id,
            region,
            profile,
            endpoint_url,
        } => {
            let mut text = format!(
                " AWS {} · {region} · profile {} ",
                account_id.as_deref().unwrap_or("account ?"),
                profile.as_deref().unwrap_or("default")
            );
            if let Some(url) = endpoint_url {
                text.push_str(&format!("· {url} "));
            }
            Span::styled(text, theme.world_aws)
        }
    }
}

fn draw_status(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let mut spans = vec![world_badge(&state.world, theme)];
    if state.read_only {
        spans.push(Span::styled(" READ-ONLY ", theme.info.reversed()));
    }
    spans.push(Span::styled(
        format!(" {} ", state.clock.format("%Y-%m-%d %H:%M:%S UTC")),
        theme.text,
    ));
    if let Some(name) = &state.production {
        spans.push(Span::styled(format!(" PRODUCTION {name} "), theme.danger));
    }
    if let Some(line) = &state.prompt {
        spans.push(Span::styled(format!(" :{line}▏ "), theme.info));
        let found = crate::app::command::completions(state, line);
        if !found.is_empty() && found.len() <= 12 {
            spans.push(Span::styled(
                format!("Tab: {} ", found.join(" ")),
                theme.muted,
            ));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
        return;
    }
    let list = state.list();
    if let Some(sort) = list.sort {
        if let Some(c) = crate::app::table::columns(state.view).get(sort.column) {
            let arrow = if sort.descending { "▼" } else { "▲" };
            spans.push(Span::styled(
                format!(" sorted by {} {arrow} ", c.title),
                theme.info,
            ));
        }
    }
    if state.filter_editing || !list.filter.is_empty() {
        let cursor = if state.filter_editing { "▏" } else { "" };
        spans.push(Span::styled(
            format!(" /{}{cursor} ", list.filter),
            theme.info,
        ));
    }
    if let Some((source, e)) = &state.last_error {
        spans.push(Span::styled(
            format!(" {}: {} ({}) ", source.name(), e.kind.in_words(), e.message),
            theme.crit,
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_help(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let keys: Vec<(String, &str)> = crate::app::help_lines(&state.keymap)
        .into_iter()
        .filter(|l| !(state.read_only && l.changes_the_cloud))
        .map(|l| (l.keys, l.what))
        .collect();
    let longest = keys
        .iter()
        .map(|(_, what)| what.chars().count())
        .max()
        .unwrap_or(0) as u16;
    let key_width = keys
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0) as u16;
    // Key column, a gap, the longest line, and the borders.
    let width = (key_width + 1 + longest + 2).min(area.width);
    let height = (keys.len() as u16 + 2).min(area.height);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    let rows = keys.iter().map(|(k, what)| {
        Row::new(vec![
            Span::styled(k.clone(), theme.header),
            Span::styled(*what, theme.text),
        ])
    });
    let table = Table::new(rows, [Constraint::Length(key_width), Constraint::Min(10)])
        .block(panel(" Keys · Esc closes ", theme).title_alignment(Alignment::Center));
    frame.render_widget(Clear, popup);
    frame.render_widget(table, popup);
}

/// A list to pick from, centred.
fn draw_picker(frame: &mut Frame, area: Rect, p: &crate::app::command::Picker, theme: &Theme) {
    let longest = p
        .items
        .iter()
        .map(|i| i.chars().count())
        .max()
        .unwrap_or(10) as u16;
    let width = (longest + 6).max(30).min(area.width);
    let height = (p.items.len() as u16 + 2)
        .min(area.height.saturating_sub(2))
        .max(3);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    let rows = p.items.iter().map(|i| Row::new(vec![Span::raw(i.clone())]));
    let title = format!(" {} · Enter picks · Esc ", p.kind.title());
    let table = Table::new(rows, [Constraint::Min(10)]).block(panel(title, theme));
    frame.render_widget(Clear, popup);
    render_table(frame, popup, table, Some(p.selected), theme);
}

/// A bordered panel in the theme's border style with a title.
pub fn panel<'a>(title: impl Into<Line<'a>>, theme: &Theme) -> Block<'a> {
    Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border)
        .title(title)
}

/// A panel title: the name, a summary, and how fresh the view's sources are.
pub fn panel_title<'a>(name: &str, summary: String, state: &AppState, theme: &Theme) -> Line<'a> {
    let mut spans = vec![
        Span::styled(format!(" {name} "), theme.title),
        Span::styled(format!("{summary} "), theme.text),
    ];
    spans.extend(freshness_spans(state, state.view.sources(), theme));
    Line::from(spans)
}

/// "updated 3s ago", or loudly stale with the error kind, for the worst of `sources`.
pub fn freshness_spans<'a>(
    state: &AppState,
    sources: &[crate::cloud::Source],
    theme: &Theme,
) -> Vec<Span<'a>> {
    let mut oldest: Option<Duration> = None;
    let mut spans = Vec::new();
    let mut loading = false;
    for s in sources {
        match state.source(*s).freshness(state.wall) {
            Freshness::Loading => loading = true,
            Freshness::Fresh { age } => oldest = Some(oldest.map_or(age, |o| o.max(age))),
            Freshness::Stale { age, error } => {
                let age = age.map_or("no data".to_string(), |a| format!("{} old", age_text(a)));
                let why = error.map_or("no news".to_string(), |e| e.kind.in_words().to_string());
                spans.push(Span::styled(
                    format!("· STALE {}: {why}, {age} ", s.name()),
                    theme.stale,
                ));
            }
        }
    }
    if loading {
        spans.insert(0, Span::styled("· loading… ".to_string(), theme.muted));
    }
    if let Some(age) = oldest {
        spans.insert(
            0,
            Span::styled(format!("· updated {} ago ", age_text(age)), theme.muted),
        );
    }
    spans
}

pub use crate::model::age_text;

/// Renders a table with the selection highlighted and scrolled into view.
pub fn render_table(
    frame: &mut Frame,
    area: Rect,
    table: Table,
    selected: Option<usize>,
    theme: &Theme,
) {
    let mut ts = TableState::default().with_selected(selected);
    let table = table
        .row_highlight_style(theme.selection)
        .highlight_symbol("▶ ");
    frame.render_stateful_widget(table, area, &mut ts);
}

/// A table row from a view's cells (`TableRow::cells`, the text that is filtered, sorted
/// and exported), each cell in the style `style_of(column)` gives it.
pub fn cells_row(cells: Vec<String>, style_of: impl Fn(usize) -> Style) -> Row<'static> {
    Row::new(
        cells
            .into_iter()
            .enumerate()
            .map(|(c, text)| Span::styled(text, style_of(c))),
    )
}

/// The header of a view whose table shows exactly its model's columns.
pub fn columns_header(state: &AppState, theme: &Theme) -> Row<'static> {
    let titles: Vec<&'static str> = crate::app::table::columns(state.view)
        .iter()
        .map(|c| c.title)
        .collect();
    header(&titles, state, theme)
}

/// Header row in the theme's header style. A title that is one of the view's columns has
/// its sort letter underlined (Shift + it sorts), and the sorted column an arrow.
pub fn header<'a>(cells: &[&'a str], state: &AppState, theme: &Theme) -> Row<'a> {
    use crate::app::table::{columns, sort_letters};
    use ratatui::style::Modifier;
    let cols = columns(state.view);
    let letters = sort_letters(state.view);
    let sort = state.list().sort;
    Row::new(cells.iter().map(|title| {
        let Some(i) = cols.iter().position(|c| c.title == *title) else {
            return Line::from(Span::raw(*title));
        };
        let mut spans = Vec::new();
        let mut marked = false;
        for ch in title.chars() {
            let mark = !marked && Some(ch.to_ascii_uppercase()) == letters[i];
            marked |= mark;
            let style = if mark {
                Style::default().add_modifier(Modifier::UNDERLINED)
            } else {
                Style::default()
            };
            spans.push(Span::styled(ch.to_string(), style));
        }
        if let Some(s) = sort.filter(|s| s.column == i) {
            spans.push(Span::raw(if s.descending { "▼" } else { "▲" }));
        }
        Line::from(spans)
    }))
    .style(theme.header)
}

/// A line that tells the operator why a table is empty.
pub fn empty_hint<'a>(state: &AppState, what: &str, theme: &Theme) -> Paragraph<'a> {
    let problem = crate::app::table::filter_problem(state.view, &state.list().filter);
    let text = if let Some(p) = problem {
        p
    } else if state.list().filter.is_empty() {
        format!("no {what} in this world (yet)")
    } else {
        format!(
            "no {what} match /{} · Esc clears the filter",
            state.list().filter
        )
    };
    Paragraph::new(Line::styled(text, theme.muted))
}

/// The style for a verdict: `theme.ok`, `warn`, `crit`, or muted for n/a.
pub fn verdict_style(verdict: Verdict, theme: &Theme) -> Style {
    match verdict {
        Verdict::Pass => theme.ok,
        Verdict::Warn => theme.warn,
        Verdict::Fail => theme.crit,
        Verdict::NotApplicable => theme.muted,
        Verdict::Unknown => theme.stale,
    }
}

/// A verdict as a badge: symbol and word, readable without colour.
pub fn verdict_badge(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "● PASS",
        Verdict::Warn => "▲ WARN",
        Verdict::Fail => "✖ FAIL",
        Verdict::NotApplicable => "○ n/a",
        Verdict::Unknown => "? UNKNOWN",
    }
}
