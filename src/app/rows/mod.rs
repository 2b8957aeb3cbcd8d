//! The rows of each view, filtered and ordered; navigation and drawing both use these.

mod events;
mod resources;
mod summaries;

pub use events::{event_rows, EventRow};
pub use resources::{
    address_rows, group_rows, image_rows, target_rows, AddressRow, GroupRow, ImageRow, TargetRow,
};
pub use summaries::{finding_rows, zone_rows, FindingRow, ZoneRow};

use super::columns::{Column, Row};
use super::table::{columns, TableText};
use super::{AppState, ListState, View};

/// Every cell of a row, in its columns' order: what is filtered, sorted and exported.
pub fn cells<R: Row>(row: &R) -> Vec<String> {
    R::Col::ALL.iter().map(|c| row.cell(*c)).collect()
}

/// A row of any view, for the code that handles the current view's rows whatever they are.
pub trait AnyRow {
    fn row_key(&self) -> String;
    fn row_cells(&self) -> Vec<String>;
    fn row_copy_id(&self) -> Option<String>;
}

impl<R: Row> AnyRow for R {
    fn row_key(&self) -> String {
        self.key()
    }
    fn row_cells(&self) -> Vec<String> {
        cells(self)
    }
    fn row_copy_id(&self) -> Option<String> {
        self.copy_id()
    }
}

/// Calls `f` with the current view's rows, as filtered and sorted: the one place that
/// knows which rows each view has (None for the Overview, which has no table).
fn with_rows<T>(state: &AppState, f: impl FnOnce(&[&dyn AnyRow]) -> T) -> Option<T> {
    fn call<R: Row, T>(rows: &[R], f: impl FnOnce(&[&dyn AnyRow]) -> T) -> T {
        let rows: Vec<&dyn AnyRow> = rows.iter().map(|r| r as &dyn AnyRow).collect();
        f(&rows)
    }
    let (fleet, list) = (&state.fleet, state.list());
    Some(match state.view {
        View::Overview => return None,
        View::Targets => call(&target_rows(fleet, list), f),
        View::Capacity => call(&group_rows(fleet, list), f),
        View::ElasticIps => call(&address_rows(fleet, list), f),
        View::Zones => call(&zone_rows(fleet, list), f),
        View::Images => call(&image_rows(fleet, list), f),
        View::Patterns => call(&finding_rows(&state.patterns, list), f),
        View::Events => call(&event_rows(&state.events, list), f),
    })
}

/// The current view's table as text, as filtered and sorted (none for the Overview).
pub fn table_text(state: &AppState) -> Option<TableText> {
    let rows = with_rows(state, |rows| rows.iter().map(|r| r.row_cells()).collect())?;
    Some(TableText {
        titles: columns(state.view).iter().map(|c| c.title).collect(),
        rows,
    })
}

/// The id (or ARN) of the selected resource, for the clipboard.
pub fn selected_id(state: &AppState) -> Option<String> {
    with_rows(state, |rows| {
        let at = selected_index(state.list(), rows.len(), |k| {
            rows.iter().position(|r| r.row_key() == k)
        })?;
        rows[at].row_copy_id()
    })?
}

/// The keys of the current view's rows, in order (the Overview's are its pattern cards).
pub fn row_keys(state: &AppState) -> Vec<String> {
    with_rows(state, |rows| rows.iter().map(|r| r.row_key()).collect()).unwrap_or_else(|| {
        state
            .patterns
            .iter()
            .map(|r| r.pattern.name().to_string())
            .collect()
    })
}

/// Where the selection is among `len` rows: the selected resource's row. Before anything was
/// selected, the remembered position (the first row). When the selected resource is no
/// longer listed, nothing: the mark never lands on another resource by itself.
pub fn selected_index(
    list: &ListState,
    len: usize,
    position_of: impl Fn(&str) -> Option<usize>,
) -> Option<usize> {
    if len == 0 {
        return None;
    }
    match list.selected_key.as_deref() {
        Some(key) => position_of(key),
        None => Some(list.selected_index.min(len - 1)),
    }
}
