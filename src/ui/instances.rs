//! View 9, Instances: every instance, where it runs, what it belongs to, its addresses and
//! its health in each target group, those in trouble first.

use crate::app::rows;
use crate::app::AppState;
use crate::model::InstanceState;
use crate::theme::Theme;
use ratatui::layout::Rect;
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    // The rows in order are kept while the fleet is unchanged: only those drawn are made.
    let listing = rows::listing(state);
    let lookups = rows::lookups(state);
    let running = (state.fleet.instances.iter())
        .filter(|i| i.state == InstanceState::Running)
        .count();
    let summary = format!(
        "· {} · {running} running",
        super::plural(state.fleet.instances.len(), "instance")
    );
    let what = ("Instances", summary, "instances");
    super::table::draw_listed_view(frame, area, state, theme, what, &listing, |k| {
        rows::instance_row_of(&state.fleet, &lookups, k)
    });
}
