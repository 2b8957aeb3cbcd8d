//! The Fleet view (`:fleet`, Esc from a target): every watched target at once, its eight
//! verdicts as marks, the counts that matter in an incident, its data's age and its own
//! error; Enter opens one.

use crate::app::columns::Row as _;
use crate::app::rows::{board_rows, selected_index};
use crate::app::AppState;
use crate::patterns::Verdict;
use crate::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let rows = board_rows(&state.board, state.list());
    let count = |v: Verdict| state.board.iter().filter(|r| r.worst() == Some(v)).count();
    let unread = state.board.iter().filter(|r| r.world.is_none()).count();
    let mut summary = format!(
        "· {} · {} failing · {} warning",
        super::plural(state.board.len(), "target"),
        count(Verdict::Fail),
        count(Verdict::Warn)
    );
    if unread > 0 {
        summary.push_str(&format!(" · {unread} not opened"));
    }
    let block = super::panel(super::panel_title("Fleet", summary, state, theme), theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if rows.is_empty() {
        frame.render_widget(super::empty_hint(state, "targets", theme), inner);
        return;
    }
    let [table_area, legend] =
        Layout::vertical([Constraint::Min(2), Constraint::Length(2)]).areas(inner);
    let selected = selected_index(state.list(), rows.len(), |k| {
        rows.iter().position(|r| r.key() == k)
    });
    let t = super::column_table(&rows, table_area.width, state, theme);
    super::render_table(frame, table_area, t, selected, theme);
    let lines = vec![
        Line::styled(
            "MS Multi-Server · MD Multi-DataCenter · FI Floating IP · DH Deep Health Check · \
             SO Scale Out · CS Clone Server · NS NFS Sharing · NR NFS Replica",
            theme.muted,
        ),
        Line::styled(
            "● pass ▲ warn ✖ fail ? not judged · n/a ◌ stale · Enter opens a target · Esc or \
             :fleet comes back",
            theme.muted,
        ),
    ];
    frame.render_widget(Paragraph::new(lines), legend);
}
