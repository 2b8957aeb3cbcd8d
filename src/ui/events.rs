//! View 8, Events: what changed and when, newest first, from the refreshes and the actions.

use super::{column_table, panel, panel_title, render_table};
use crate::app::rows::{event_rows, selected_index};
use crate::app::AppState;
use crate::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let rows = event_rows(&state.events, state.list());
    let mut summary = format!("· {}", super::plural(state.events.len(), "event"));
    if rows.len() != state.events.len() {
        summary.push_str(&format!(" · {} shown", rows.len()));
    }
    if state.events.dropped > 0 {
        summary.push_str(&format!(" · {} oldest dropped", state.events.dropped));
    }
    let block = panel(panel_title("Events", summary, state, theme), theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if rows.is_empty() {
        let replay = matches!(state.world, crate::model::WorldInfo::Replay { .. });
        let hint = if state.events.is_empty() && replay {
            "no event was recorded before the cursor (] goes to the next one)"
        } else if state.events.is_empty() {
            "nothing has changed yet: events begin at each source's second read"
        } else {
            "no event matches the filter (Esc clears it)"
        };
        frame.render_widget(Paragraph::new(Line::styled(hint, theme.muted)), inner);
        return;
    }
    let [table_area, detail_area] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    let selected = selected_index(state.list(), rows.len(), |k| {
        rows.iter().position(|r| r.seq.to_string() == k)
    });
    let (start, end) = super::targets::window(
        rows.len(),
        selected,
        table_area.height.saturating_sub(1) as usize,
    );
    let table = column_table(&rows[start..end], table_area.width, state, theme);
    render_table(frame, table_area, table, selected.map(|s| s - start), theme);
    if let Some(r) = selected.map(|s| &rows[s]) {
        let e = r.event;
        let line = format!(
            "{} {} {}: {} · {} (from {}) · Enter shows it",
            e.at.format("%Y-%m-%d %H:%M:%S UTC"),
            e.kind.as_str(),
            e.resource,
            e.change(),
            e.detail,
            e.origin
        );
        frame.render_widget(Paragraph::new(Line::styled(line, theme.muted)), detail_area);
    }
}
