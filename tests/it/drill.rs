//! Drill-down: every finding leads to its resource, and every resource opens in full.

use crate::{press_key, snapshot, start, state_of};
use crossterm::event::KeyCode;
use patrol::app::columns::Row;
use patrol::app::rows::{finding_rows, row_keys, table_text};
use patrol::app::{AppState, ListState, View};
use patrol::cloud::sim::{Scenario, SimCloud};
use patrol::patterns::Pattern;
use patrol::playback::Playback;
use std::collections::BTreeSet;

/// Each scenario at the moment its pattern has something to say.
const MOMENTS: [(&str, u64); 10] = [
    ("default", 5 * 60),
    ("instance-crash", 80),
    ("az-outage", 3 * 60),
    ("primary-failure", 80),
    ("db-down", 2 * 60),
    ("traffic-spike", 6 * 60),
    ("clone-and-scale", 90),
    ("nfs-overload", 5 * 60),
    ("nfs-replica", 90),
    ("maintenance-window", 30),
];

fn console_at(name: &str, secs: u64) -> AppState {
    let sim = SimCloud::new(&Scenario::load(name).unwrap(), 42, start(), 1.0);
    sim.advance(std::time::Duration::from_secs(secs));
    let mut state = state_of(&snapshot(&sim));
    state.size = (120, 40);
    state
}

/// The cells of the current view's selected row.
fn selected_cells(state: &AppState) -> Option<Vec<String>> {
    let keys = row_keys(state);
    let at = keys
        .iter()
        .position(|k| Some(k) == state.list().selected_key.as_ref())?;
    Some(table_text(state)?.rows[at].clone())
}

fn shows(cells: &[String], resource: &str) -> bool {
    let r = resource.to_lowercase();
    cells.iter().any(|c| {
        let c = c.to_lowercase();
        c == r || c.starts_with(&format!("{r}:")) || c.starts_with(&format!("{r} "))
    })
}

/// Every table of every view, as text, for "is this resource shown anywhere?".
fn shown_anywhere(state: &AppState, resource: &str) -> bool {
    let mut probe = state.clone();
    View::ALL
        .into_iter()
        .filter(|v| !matches!(v, View::Overview | View::Patterns | View::Events))
        .any(|v| {
            probe.view = v;
            *probe.list_mut() = ListState::default();
            table_text(&probe).is_some_and(|t| t.rows.iter().any(|row| shows(row, resource)))
        })
}

#[test]
fn enter_on_every_finding_selects_its_resource() {
    let mut reached: BTreeSet<&'static str> = BTreeSet::new();
    for (name, secs) in MOMENTS {
        let state = console_at(name, secs);
        let keys: Vec<(String, Vec<String>, Pattern)> = {
            let rows = finding_rows(&state.patterns, &ListState::default());
            rows.iter()
                .map(|r| {
                    let resources = r.finding.map(|f| f.resources.clone()).unwrap_or_default();
                    (r.key(), resources, r.report.pattern)
                })
                .collect()
        };
        for (key, resources, pattern) in keys {
            let mut s = state.clone();
            s.view = View::Patterns;
            s.list_mut().selected_key = Some(key.clone());
            press_key(&mut s, KeyCode::Enter);
            let somewhere = resources.iter().any(|r| shown_anywhere(&state, r));
            if !somewhere {
                // Nothing to select: it stays (or goes to the pattern's own view) and says so.
                assert!(
                    s.view == View::Patterns || s.view == patrol::app::view_of(pattern),
                    "{name}: {key} went to {:?}",
                    s.view
                );
                continue;
            }
            assert_ne!(s.view, View::Patterns, "{name}: {key} stayed");
            let cells = selected_cells(&s)
                .unwrap_or_else(|| panic!("{name}: {key}: nothing selected in {:?}", s.view));
            assert!(
                resources.iter().any(|r| shows(&cells, r)),
                "{name}: {key}: the selected row {cells:?} shows none of {resources:?}"
            );
            // Several rows: the filter lists them all, each showing the resource.
            let listed = table_text(&s).unwrap().rows;
            assert!(
                s.list().filter.is_empty()
                    || listed
                        .iter()
                        .all(|row| resources.iter().any(|r| shows(row, r))),
                "{name}: {key}: filter {:?} lists other rows",
                s.list().filter
            );
            reached.insert(pattern.name());
        }
    }
    for p in [
        Pattern::MultiServer,
        Pattern::MultiDataCenter,
        Pattern::FloatingIp,
        Pattern::DeepHealthCheck,
        Pattern::ScaleOut,
        Pattern::CloneServer,
    ] {
        let p = p.name();
        assert!(
            reached.contains(p),
            "no finding of {p} led to its resource: {reached:?}"
        );
    }
}

#[test]
fn enter_on_an_overview_card_opens_its_worst_finding() {
    // instance-crash at 80s: Multi-Server warns of the crashed web instance's target.
    let mut state = console_at("instance-crash", 80);
    state.view = View::Overview;
    state.list_mut().selected_key = Some(Pattern::MultiServer.name().into());
    press_key(&mut state, KeyCode::Enter);
    assert_eq!(state.view, View::Targets);
    let cells = selected_cells(&state).unwrap();
    assert!(cells.iter().any(|c| c == "web-tg"), "{cells:?}");
    assert!(
        cells.iter().any(|c| c == "unhealthy"),
        "the worst finding is an unhealthy target: {cells:?}"
    );
}
