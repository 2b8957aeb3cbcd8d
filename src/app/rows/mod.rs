//! The rows of each view, filtered and ordered; navigation and drawing both use these.

mod board;
mod cache;
mod events;
mod health;
mod instances;
mod nfs;
mod resources;
mod summaries;

pub use board::{board_rows, BoardRow};
pub use cache::{Listing, Lookups, RowCache, Table};
pub use events::{event_rows, EventRow};
pub use health::{health_row_of, health_rows, health_rows_of, probe_index, HealthRow, ProbeIndex};
pub use instances::{instance_row_of, instance_rows, InstanceRow};
pub use nfs::{nfs_rows, nfs_rows_of, Content, NfsRole, NfsRow};
pub use resources::{
    address_rows, group_rows, image_rows, left_targets, swap_previews, target_key, target_row_of,
    target_rows, target_rows_by, AddressRow, GroupRow, ImageRow, SwapPreview, SwapPreviews,
    TargetRow,
};
pub use summaries::{finding_rows, zone_rows, zone_rows_of, FindingRow, ZoneRow};

use super::columns::{Column, Row};
use super::table::{columns, TableText};
use super::{AppState, ListState, View};
use crate::cloud::Source;
use std::sync::Arc;

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
    rows_of(state, state.view, state.list(), f)
}

/// The same for any view, listed as `list` says.
fn rows_of<T>(
    state: &AppState,
    view: View,
    list: &ListState,
    f: impl FnOnce(&[&dyn AnyRow]) -> T,
) -> Option<T> {
    fn call<R: Row, T>(rows: &[R], f: impl FnOnce(&[&dyn AnyRow]) -> T) -> T {
        let rows: Vec<&dyn AnyRow> = rows.iter().map(|r| r as &dyn AnyRow).collect();
        f(&rows)
    }
    let fleet = &state.fleet;
    Some(match view {
        View::Overview => return None,
        View::Targets => call(&target_rows_by(fleet, &lookups(state), list), f),
        View::Capacity => call(&group_rows(fleet, list), f),
        View::ElasticIps => call(
            &address_rows(fleet, &lookups(state), &previews(state), list),
            f,
        ),
        View::Zones => call(&zone_rows_of(zones(state).0.clone(), list), f),
        View::Images => call(&image_rows(fleet, list), f),
        View::Patterns => call(&finding_rows(&state.patterns, list), f),
        View::Events => call(&event_rows(&state.events, list), f),
        View::Instances => call(&instance_rows(fleet, &lookups(state), list), f),
        View::Nfs => call(
            &nfs_rows_of(fleet, &fleet.nfs_of(&nfs_roles(state)), &state.checks, list),
            f,
        ),
        View::Health => call(&health_rows(fleet, list), f),
        View::Fleet => call(&board_rows(&state.board, list), f),
    })
}

/// Where resources named by a finding are shown: a view, and there the one row that shows
/// them (selected) or the rows that do (a filter that lists them, the first selected).
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub view: View,
    pub filter: String,
    pub select: String,
}

/// Finds `resources` (ids and names, most general first, as findings list them) in
/// `preferred`, or else in the first view that shows any of them. Each resource that the
/// view shows narrows the rows to those that show it too, unless none would be left.
pub fn locate(state: &AppState, preferred: View, resources: &[String]) -> Option<Located> {
    // Views of resources only: the Overview, Patterns and Events only mention them.
    let resource_view = |v: &View| {
        !matches!(
            v,
            View::Overview | View::Patterns | View::Events | View::Fleet
        )
    };
    let order = std::iter::once(preferred)
        .chain(View::ALL.into_iter().filter(|v| *v != preferred))
        .filter(resource_view);
    for view in order {
        let columns = super::table::columns(view);
        let all = ListState::default();
        let rows: Vec<(String, Vec<String>)> = rows_of(state, view, &all, |rows| {
            (rows.iter())
                .map(|r| (r.row_key(), r.row_cells()))
                .collect()
        })
        .unwrap_or_default();
        let mut left: Vec<usize> = (0..rows.len()).collect();
        let mut pairs: Vec<String> = Vec::new();
        for resource in resources.iter().filter(|r| !r.is_empty()) {
            let shows = |i: &usize| -> Option<usize> {
                rows[*i].1.iter().position(|cell| mentions(cell, resource))
            };
            let narrowed: Vec<usize> = left
                .iter()
                .copied()
                .filter(|i| shows(i).is_some())
                .collect();
            let Some(column) = narrowed.first().and_then(shows) else {
                continue;
            };
            left = narrowed;
            if !resource.contains(char::is_whitespace) {
                let exact = rows[left[0]].1[column].eq_ignore_ascii_case(resource);
                let value = if exact {
                    resource.clone()
                } else {
                    format!("{resource}*")
                };
                pairs.push(format!("{}={value}", columns[column].keys[0]));
            }
        }
        if pairs.is_empty() || left.is_empty() {
            continue;
        }
        let select = rows[left[0]].0.clone();
        let filter = if left.len() == 1 {
            String::new()
        } else {
            pairs.join(" ")
        };
        return Some(Located {
            view,
            filter,
            select,
        });
    }
    None
}

/// Whether a cell shows a resource: it is the resource, or the resource with a port
/// (`i-…:80`) or a note after it.
fn mentions(cell: &str, resource: &str) -> bool {
    let (cell, resource) = (cell.to_lowercase(), resource.to_lowercase());
    cell == resource
        || cell
            .strip_prefix(&resource)
            .is_some_and(|rest| rest.starts_with(':') || rest.starts_with(' '))
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

/// The current view's rows in order, by key (the Overview's are its pattern cards).
pub fn listing(state: &AppState) -> Arc<Listing> {
    let (view, list) = (state.view, state.list());
    if of_fleet_only(view) {
        let version = listing_version(state, view);
        // Filtered or sorted, or once its table is made: from the table.
        let arranged = !list.filter.trim().is_empty() || list.sort.is_some();
        let tabled = arranged || state.rows.has_derived(table_name(view), Some(version));
        (state.rows).listing(view, version, list, || {
            if !tabled {
                return Listing::new(keys_of_rows(state));
            }
            let listing = table_at(state, view, version).listing(view, list);
            debug_assert!(
                listing.to_vec() == keys_of_rows(state),
                "the {} table lists other rows than its rows do",
                view.title()
            );
            listing
        })
    } else {
        Arc::new(Listing::new(keys_of_rows(state)))
    }
}

/// The keys of the current view's rows in order, made from the rows themselves (nothing
/// kept is read): what its listing is, however it was made.
pub fn keys_of_rows(state: &AppState) -> Vec<String> {
    rows_of(state, state.view, state.list(), |rows| {
        rows.iter().map(|r| r.row_key()).collect()
    })
    .unwrap_or_else(|| {
        (state.patterns.iter())
            .map(|r| r.pattern.name().to_string())
            .collect()
    })
}

/// The table of `view`'s rows at fleet version `version` (a view whose rows are made of the
/// fleet alone), kept by `table_name`.
fn table_at(state: &AppState, view: View, version: u64) -> Arc<Table> {
    (state.rows).derived(table_name(view), version, || {
        let all = ListState::default();
        rows_of(state, view, &all, |rows| {
            Table::new(rows.iter().map(|r| (r.row_key(), r.row_cells())))
        })
        .unwrap_or_default()
    })
}

/// Makes the tables a preparation makes away from the console's loop, for the fleet as it
/// is now: those of the views listed filtered or sorted, and that of the view on screen
/// when it was filtered or sorted before (its table was made at some version), so that
/// the next key of a filter finds it made. (Other views' tables would cost a
/// preparation tens of milliseconds each, at every refresh, for nobody.)
pub fn make_tables(state: &AppState) {
    let arranged = |v: View| {
        let list = &state.lists[v.index()];
        !list.filter.trim().is_empty() || list.sort.is_some()
    };
    let wanted = |v: View| {
        of_fleet_only(v)
            && (arranged(v) || (v == state.view && state.rows.has_derived(table_name(v), None)))
    };
    for view in View::ALL.into_iter().filter(|v| wanted(*v)) {
        table_at(state, view, listing_version(state, view));
    }
}

/// Whether the current view's rows are kept for the fleet as it is now: its next frame
/// does not make them.
pub fn listing_kept(state: &AppState) -> bool {
    let (view, list) = (state.view, state.list());
    of_fleet_only(view) && (state.rows).has_listing(view, listing_version(state, view), list)
}

/// Whether the current view's table is kept for the fleet as it is now: a filter typed or
/// a sort chosen now makes no row.
pub fn table_kept(state: &AppState) -> bool {
    let view = state.view;
    of_fleet_only(view)
        && (state.rows).has_derived(table_name(view), Some(listing_version(state, view)))
}

/// The keys of the current view's rows, in order.
pub fn row_keys(state: &AppState) -> Vec<String> {
    listing(state).to_vec()
}

/// What a view's table is kept (and logged, "rows made") as: not its title, which its
/// listing is logged as, so that the log tells a table made on the loop from a listing.
fn table_name(view: View) -> &'static str {
    match view {
        View::Targets => "Targets table",
        View::Capacity => "Capacity table",
        View::ElasticIps => "Elastic IPs table",
        View::Zones => "Zones table",
        View::Images => "Images table",
        View::Instances => "Instances table",
        View::Health => "Health table",
        _ => "table",
    }
}

/// Views whose rows are made of the fleet alone (and so are kept while it is unchanged).
pub fn of_fleet_only(view: View) -> bool {
    matches!(
        view,
        View::Targets
            | View::Capacity
            | View::ElasticIps
            | View::Zones
            | View::Images
            | View::Instances
            | View::Health
    )
}

/// The parts of the fleet every resource view is made of: which instances, targets, groups
/// and addresses there are and how they are linked (who is out for maintenance, too).
const STRUCTURE: [Source; 5] = [
    Source::Instances,
    Source::LoadBalancers,
    Source::TargetGroups,
    Source::AutoScaling,
    Source::ElasticIps,
];

/// The version of what a view's rows are made of: the fleet's structure, and whatever its
/// columns read (the Health view's probes, the Capacity view's metrics).
fn listing_version(state: &AppState, view: View) -> u64 {
    let mut parts = STRUCTURE.to_vec();
    for s in columns(view).iter().flat_map(|c| c.sources) {
        if !parts.contains(s) {
            parts.push(*s);
        }
    }
    state.version_of(&parts)
}

/// The lookups of the current fleet (instances by id, who is out for maintenance).
pub fn lookups(state: &AppState) -> Arc<Lookups> {
    let version = state.version_of(&STRUCTURE[..]);
    state.rows.lookups(version, &state.fleet)
}

/// The zones' counts (`zone_distribution`) and the groups imbalanced across them, kept
/// while the fleet's structure is unchanged.
pub fn zones(state: &AppState) -> Arc<Zones> {
    let version = state.version_of(&STRUCTURE[..]);
    (state.rows).derived("zones", version, || {
        let fleet = &state.fleet;
        (
            crate::model::zone_distribution(fleet),
            crate::model::imbalanced_groups(fleet),
        )
    })
}

/// `zones`: each zone's counts, and each imbalanced group's in-service count per zone.
pub type Zones = (
    Vec<crate::model::ZoneSummary>,
    Vec<(String, Vec<(String, usize)>)>,
);

/// Where the NFS patterns' instances are, kept while the instances are unchanged.
pub fn nfs_roles(state: &AppState) -> Arc<crate::model::NfsRoles> {
    let version = state.version_of(&[Source::Instances]);
    (state.rows).derived("nfs roles", version, || state.fleet.nfs_roles())
}

/// What `s` would do for each address, kept while the fleet's structure is unchanged.
pub fn previews(state: &AppState) -> Arc<SwapPreviews> {
    let version = state.version_of(&STRUCTURE[..]);
    (state.rows).derived("swap previews", version, || swap_previews(&state.fleet))
}

/// Where each target's probes are, kept while the probes are unchanged.
pub fn probes_by_target(state: &AppState) -> Arc<ProbeIndex> {
    let version = state.version_of(&[Source::Probes]);
    (state.rows).derived("probes by target", version, || probe_index(&state.fleet))
}

/// Each target group's deep health in short, in the groups' order, kept while the targets,
/// the instances and the probes are unchanged.
pub fn health_summaries(state: &AppState) -> Arc<Vec<crate::model::GroupSummary>> {
    let parts = [Source::Instances, Source::TargetGroups, Source::Probes];
    (state.rows).derived("health summaries", state.version_of(&parts), || {
        (state.fleet.deep_health().iter())
            .map(|g| g.summary())
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
