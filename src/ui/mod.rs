//! Drawing: views borrow the state and the theme and draw; they never mutate, fetch or sleep.

mod board;
mod capacity;
mod chart;
mod detail;
mod dialog;
mod eips;
mod events;
mod health;
mod images;
mod instances;
mod nfs;
mod overview;
mod patterns;
mod table;
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
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

pub use crate::app::plan_text::{MIN_HEIGHT, MIN_WIDTH};
pub use table::{
    column_table, column_widths, fit, fitted_table, header, render_table, styled_row, tone_style,
    Cells, Spec,
};

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, state: &AppState, theme: &Theme) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        draw_too_small(frame, area, state, theme);
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
        View::Events => events::draw(frame, body, state, theme),
        View::Instances => instances::draw(frame, body, state, theme),
        View::Nfs => nfs::draw(frame, body, state, theme),
        View::Health => health::draw(frame, body, state, theme),
        View::Fleet => board::draw(frame, body, state, theme),
    }
    if let Some(d) = &state.detail {
        detail::draw(frame, body, state, d, theme);
    }
    dialog::draw_operation(frame, op_line, state, theme);
    frame.render_widget(Paragraph::new(story_line(state, theme)), story);
    draw_status(frame, status, state, theme);
    if let Some(d) = &state.dialog {
        dialog::draw(frame, area, state, d, theme);
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

/// Below the smallest size nothing acts: q quits, and Esc cancels an open dialog.
fn draw_too_small(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let keys = match &state.dialog {
        Some(d) => format!("{} is open, not shown: Esc cancels it", d.plan.title),
        None => "q quits".to_string(),
    };
    let text = vec![
        Line::styled("patrol needs a bigger terminal", theme.warn),
        Line::styled(
            format!(
                "at least {MIN_WIDTH}×{MIN_HEIGHT}; this one is {}×{}",
                area.width, area.height
            ),
            theme.text,
        ),
        Line::styled(keys, theme.muted),
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
    // `numbers`: the other views show only their number (the narrowest terminals).
    let tabs = |pad: &str, short: bool, numbers: bool| -> Vec<Span<'static>> {
        let mut spans = vec![Span::styled(" patrol ", theme.title)];
        for v in View::ALL.iter() {
            let current = *v == state.view;
            let key = state.keymap.view_key(*v);
            let style = if current {
                theme.tab_active
            } else {
                theme.muted
            };
            let title = if short { v.short_title() } else { v.title() };
            let text = if numbers && !current {
                format!("{pad}{key}{pad}")
            } else {
                format!("{pad}{key} {title}{pad}")
            };
            spans.push(Span::styled(text, style));
        }
        spans
    };
    let width = |spans: &[Span]| spans.iter().map(|s| s.width()).sum::<usize>();
    let tighten = |mut spans: Vec<Span<'static>>| {
        let mut tight = vec![spans.remove(0)];
        for s in spans {
            tight.push(s);
            tight.push(Span::raw(" "));
        }
        tight
    };
    // Roomy tabs when they fit beside the hint, tight ones otherwise, numbers at the last.
    let mut spans = tabs(" ", false, false);
    if width(&spans) + HINT.len() > area.width as usize {
        spans = tighten(tabs("", true, false));
    }
    if width(&spans) > area.width as usize {
        spans = tighten(tabs("", true, true));
    }
    // The whole hint where it fits, else the key that lists every other key.
    let hint = [HINT, "? help "]
        .into_iter()
        .find(|h| width(&spans) + h.len() <= area.width as usize);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    if let Some(hint) = hint {
        let hint = Line::styled(hint, theme.muted).alignment(Alignment::Right);
        frame.render_widget(Paragraph::new(hint), area);
    }
}

/// The world badge's words, without its style.
pub fn world_badge_text(world: &WorldInfo) -> String {
    world_badge(world, &Theme::default_theme())
        .content
        .trim()
        .to_string()
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
        WorldInfo::Replay {
            file,
            from,
            damaged_after,
        } => {
            let from = match world_badge(from, theme).content.trim() {
                "" => "?".to_string(),
                t => t.to_string(),
            };
            let damaged = damaged_after.map_or(String::new(), |t| {
                format!("DAMAGED: ends {} · ", t.format("%H:%M:%S"))
            });
            Span::styled(
                format!(" REPLAY {file} · {damaged}recorded from {from} · read-only "),
                theme.world_sim.reversed(),
            )
        }
    }
}

fn draw_status(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let mut spans = Vec::new();
    // On the board, the world badge is the one on screen behind it, named as such.
    if state.view == View::Fleet && state.board.len() > 1 {
        spans.push(Span::styled(
            format!(
                " FLEET · {} · on screen: ",
                plural(state.board.len(), "target")
            ),
            theme.title.reversed(),
        ));
    }
    spans.push(world_badge(&state.world, theme));
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
    let (width, key_width, rows) = crate::app::help_rows(state);
    let width = width.min(area.width);
    let page = crate::app::help_page(rows.len(), state.size.1);
    let height = (page + 2).min(area.height);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    let top = (state.help_scroll as usize).min(rows.len().saturating_sub(page as usize));
    let below = rows.len().saturating_sub(top + page as usize);
    let title = if rows.len() > page as usize {
        format!(
            " Keys · j/k scroll{} · Esc closes ",
            if below > 0 {
                format!(" · {below} more ↓")
            } else {
                String::new()
            }
        )
    } else {
        " Keys · Esc closes ".to_string()
    };
    let shown = rows.iter().skip(top).take(page as usize).map(|(k, what)| {
        Row::new(vec![
            Span::styled(k.clone(), theme.header),
            Span::styled(what.as_str(), theme.text),
        ])
    });
    let table = Table::new(shown, [Constraint::Length(key_width), Constraint::Min(10)])
        .block(panel(title, theme).title_alignment(Alignment::Center));
    frame.render_widget(Clear, popup);
    frame.render_widget(table, popup);
}

/// A list to pick from, centred.
fn draw_picker(frame: &mut Frame, area: Rect, p: &crate::app::command::Picker, theme: &Theme) {
    let shown = p.shown();
    let title = if p.query.is_empty() {
        format!(
            " {} · type to filter · ↑↓ · Enter picks · Esc ",
            p.kind.title()
        )
    } else {
        format!(
            " {} · {} · {} of {} · Esc clears ",
            p.kind.title(),
            p.query,
            shown.len(),
            p.items.len()
        )
    };
    let longest = (p.items.iter().map(|i| i.chars().count()).max()).unwrap_or(10) as u16;
    let width = (longest + 6)
        .max(title.chars().count() as u16 + 2)
        .max(30)
        .min(area.width);
    let height = (p.items.len() as u16 + 2)
        .min(area.height.saturating_sub(2))
        .max(3);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    let rows = shown
        .iter()
        .map(|i| Row::new(vec![Span::raw(i.to_string())]));
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

pub use crate::model::plural;

/// A panel title: the name, a summary, and how fresh the view's sources are. Before its
/// sources have answered, the summary's counts would be zeros that mean "no data": it says
/// so instead.
pub fn panel_title<'a>(name: &str, summary: String, state: &AppState, theme: &Theme) -> Line<'a> {
    let unread = state
        .view
        .sources()
        .iter()
        .any(|s| state.source(*s).fetched_at.is_none());
    let summary = if unread {
        "· not read yet".to_string()
    } else {
        summary
    };
    let mut spans = vec![
        Span::styled(format!(" {name} "), theme.title),
        Span::styled(format!("{summary} "), theme.text),
    ];
    // On the Overview and Patterns every card and row says its own age; their titles keep
    // only what is stale.
    let ages = !matches!(state.view, View::Overview | View::Patterns);
    spans.extend(freshness_spans(state, state.view.sources(), ages, theme));
    Line::from(spans)
}

/// `style` when `sources` are fresh; the stale style when one is not, so nothing read
/// from stale data is drawn as good (or bad) news.
pub fn unless_stale(
    state: &AppState,
    sources: &[crate::cloud::Source],
    style: Style,
    theme: &Theme,
) -> Style {
    if state.any_stale(sources) {
        theme.stale
    } else {
        style
    }
}

/// How fresh `sources` are, stale ones first (so they stay when an 80-column title is cut):
/// loudly stale with the error kind and when the next try is; then, with `ages`, which are
/// still loading and each one's age in the world's clock ("target_groups 3s · instances 2s").
pub fn freshness_spans<'a>(
    state: &AppState,
    sources: &[crate::cloud::Source],
    ages: bool,
    theme: &Theme,
) -> Vec<Span<'a>> {
    let mut stale = Vec::new();
    let mut fresh = Vec::new();
    let mut loading = Vec::new();
    for s in sources {
        match state.freshness(*s) {
            Freshness::Loading => loading.push(s.name()),
            Freshness::Fresh { age } => fresh.push(format!("{} {}", s.name(), age_text(age))),
            Freshness::Stale { age, error } => {
                let age = age.map_or("no data".to_string(), |a| format!("{} old", age_text(a)));
                let why = error.map_or("no news".to_string(), |e| e.kind.in_words().to_string());
                let retry = state.source(*s).retry_at.map_or(String::new(), |at| {
                    format!(", next try in {}", age_text(at - state.wall))
                });
                stale.push(Span::styled(
                    format!("· STALE {}: {why}, {age}{retry} ", s.name()),
                    theme.stale,
                ));
            }
        }
    }
    if ages && !loading.is_empty() {
        stale.push(Span::styled(
            format!("· loading {}… ", loading.join(", ")),
            theme.muted,
        ));
    }
    if ages && !fresh.is_empty() {
        stale.push(Span::styled(
            format!("· {} ", fresh.join(" · ")),
            theme.muted,
        ));
    }
    stale
}

pub use crate::model::age_text;

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
    tone_style(crate::app::columns::Tone::of_verdict(verdict), theme)
}

/// A report's badge: its verdict, marked STALE when the data under it is stale.
pub fn report_badge(report: &crate::patterns::Report) -> String {
    match &report.stale {
        Some(_) => format!("◌ STALE {}", verdict_badge(report.verdict)),
        None => verdict_badge(report.verdict).to_string(),
    }
}

/// A report's style: its verdict's, or the stale style when its data is stale.
pub fn report_style(report: &crate::patterns::Report, theme: &Theme) -> Style {
    match report.stale {
        Some(_) => theme.stale,
        None => verdict_style(report.verdict, theme),
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
