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
            if matches!(pattern, Pattern::NfsSharing | Pattern::NfsReplica) {
                assert_eq!(
                    s.view,
                    View::Nfs,
                    "{name}: {key}: NFS findings open the NFS view"
                );
            }
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
    // Every pattern: the NFS ones lead to their servers and replicas in the NFS view.
    for p in Pattern::ALL {
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

/// The default world at 4m25s (the crash being handled), seen twice so Events has rows.
fn crash_being_handled() -> AppState {
    default_at(4 * 60 + 25)
}

/// The default world at `secs`, seen at its start and then.
fn default_at(secs: u64) -> AppState {
    let sim = SimCloud::new(&Scenario::load("default").unwrap(), 42, start(), 1.0);
    let first = snapshot(&sim);
    sim.advance(std::time::Duration::from_secs(secs));
    let mut state = state_of(&first);
    crate::observe(&mut state, &snapshot(&sim), 2);
    state
}

/// Selects the row of `view` whose cells include `text`, and presses `key` there.
fn open_on(state: &mut AppState, view: View, text: &str, key: KeyCode) {
    state.view = view;
    *state.list_mut() = ListState::default();
    let keys = row_keys(state);
    let rows = table_text(state).unwrap().rows;
    let at = rows
        .iter()
        .position(|r| r.iter().any(|c| c.contains(text)))
        .unwrap_or_else(|| panic!("no row of {view:?} shows {text}"));
    state.list_mut().selected_key = Some(keys[at].clone());
    press_key(state, key);
}

#[test]
fn the_detail_pane_of_each_kind_of_resource() {
    let base = crash_being_handled();
    for (view, text, key, name) in [
        (View::Targets, "unhealthy", KeyCode::Enter, "target"),
        (View::Capacity, "web-asg", KeyCode::Enter, "group"),
        (View::ElasticIps, "203.0.113.10", KeyCode::Enter, "address"),
        (View::Images, "web-golden", KeyCode::Enter, "image"),
        (View::Zones, "us-east-1a", KeyCode::Enter, "zone"),
        (View::Patterns, "unhealthy", KeyCode::Char('d'), "finding"),
        (View::Events, "unhealthy", KeyCode::Char('d'), "event"),
        (View::Instances, "app-primary", KeyCode::Enter, "instance"),
    ] {
        for (w, h) in [(120, 40), (80, 24)] {
            let mut state = base.clone();
            state.size = (w, h);
            open_on(&mut state, view, text, key);
            assert!(state.detail.is_some(), "{name}: the pane opened");
            let screen = crate::screen_text(&state, w, h);
            insta::assert_snapshot!(format!("detail_{name}_{w}x{h}"), screen);
        }
    }
}

#[test]
fn the_detail_panes_links_reach_the_right_resource() {
    let mut state = crash_being_handled();
    state.size = (120, 40);
    let s = state.fleet.clone();
    let primary = crate::instance_named(&s, "app-primary");
    let app_tg = s.target_groups.iter().find(|t| t.name == "app-tg").unwrap();
    // An address → its instance's target.
    open_on(&mut state, View::ElasticIps, "203.0.113.10", KeyCode::Enter);
    press_key(&mut state, KeyCode::Char('1'));
    let target = patrol::app::rows::target_key(&app_tg.arn, &primary, 8080);
    assert_eq!(state.view, View::Targets);
    assert_eq!(state.list().selected_key.as_deref(), Some(target.as_str()));
    assert_eq!(state.detail.as_ref().unwrap().key, target);
    // Back, and the pane is the address's again.
    press_key(&mut state, KeyCode::Backspace);
    assert_eq!(state.view, View::ElasticIps);
    assert!(state.detail.as_ref().unwrap().back.is_empty());

    // A web target → its group, even when a filter hides the group's row.
    state.detail = None;
    state.view = View::Capacity;
    state.list_mut().filter = "nothing-matches".into();
    let web = s.auto_scaling_groups[0].instances[0].instance_id.clone();
    open_on(&mut state, View::Targets, &web, KeyCode::Enter);
    let detail = patrol::app::detail::of(&state, state.detail.as_ref().unwrap());
    let n = detail
        .links
        .iter()
        .position(|l| l.label == "group web-asg")
        .expect("a link to its group");
    press_key(&mut state, KeyCode::Char(char::from(b'1' + n as u8)));
    assert_eq!(state.view, View::Capacity);
    assert_eq!(state.list().selected_key.as_deref(), Some("web-asg"));
    assert!(
        state.list().filter.is_empty(),
        "the filter that hid it is cleared"
    );
    let screen = crate::screen_text(&state, 120, 40);
    assert!(screen.contains("Auto Scaling group web-asg"), "{screen}");
    // Tab then Enter opens the highlighted link; Esc closes the pane.
    press_key(&mut state, KeyCode::Tab);
    press_key(&mut state, KeyCode::Enter);
    assert_eq!(state.view, View::Targets);
    press_key(&mut state, KeyCode::Esc);
    assert!(state.detail.is_none());
}

#[test]
fn the_detail_pane_scrolls_and_keys_elsewhere_say_why() {
    // At 7m web-asg has replaced the crashed instance: its activities have causes.
    let mut state = default_at(7 * 60);
    state.size = (80, 24);
    state.view = View::Overview;
    press_key(&mut state, KeyCode::Char('d'));
    assert!(state.detail.is_none());
    assert!(state.message.as_deref().unwrap().contains("open a view"));
    open_on(&mut state, View::Capacity, "web-asg", KeyCode::Char('d'));
    press_key(&mut state, KeyCode::Char('G'));
    let bottom = state.detail.as_ref().unwrap().scroll;
    assert!(bottom > 0, "a group's activities run past one screen");
    let screen = crate::screen_text(&state, 80, 24);
    assert!(screen.contains("cause:"), "{screen}");
    press_key(&mut state, KeyCode::Char('g'));
    assert_eq!(state.detail.as_ref().unwrap().scroll, 0);
    // While the pane is open, an action key does nothing but say what works here.
    press_key(&mut state, KeyCode::Char('s'));
    assert!(state.dialog.is_none());
    assert!(state.message.as_deref().unwrap().contains("Esc closes"));
}

#[test]
fn the_instances_view_lists_every_instance_and_acts_on_it() {
    for (w, h) in [(120, 40), (80, 24)] {
        let mut state = crash_being_handled();
        state.size = (w, h);
        press_key(&mut state, KeyCode::Char('9'));
        assert_eq!(state.view, View::Instances);
        let screen = crate::screen_text(&state, w, h);
        insta::assert_snapshot!(format!("instances_{w}x{h}"), screen);
    }
    let mut state = crash_being_handled();
    state.size = (120, 40);
    // The crashed web instance comes first: its target is the worst.
    state.view = View::Instances;
    let rows = table_text(&state).unwrap().rows;
    assert_eq!(rows.len(), state.fleet.instances.len());
    assert!(
        rows[0].iter().any(|c| c.contains("unhealthy")),
        "{:?}",
        rows[0]
    );
    // c clones the selected instance; m takes it out; both name it in their plan.
    let id = rows[0][1].clone();
    open_on(&mut state, View::Instances, &id, KeyCode::Char('c'));
    let dialog = state.dialog.as_ref().expect("c opens the clone plan");
    assert!(format!("{dialog:?}").contains(&id));
    state.dialog = None;
    open_on(&mut state, View::Instances, &id, KeyCode::Char('m'));
    assert!(state.dialog.is_some(), "m opens the maintenance plan");
}

#[test]
fn an_action_key_where_it_cannot_act_says_why() {
    let mut state = crash_being_handled();
    state.size = (120, 40);
    state.view = View::Overview;
    for (key, says) in [
        ('s', "s swaps an Elastic IP: open 4 Elastic IPs"),
        ('c', "c clones an instance: select one in 2 Targets"),
        ('+', "scales a group out: open 3 Capacity"),
        ('m', "m takes an instance out for maintenance"),
        ('b', "b undoes the last verified action: there is none"),
    ] {
        press_key(&mut state, KeyCode::Char(key));
        assert!(state.dialog.is_none());
        let message = state.message.clone().unwrap_or_default();
        assert!(message.contains(says), "{key}: {message:?}");
    }
    state.read_only = true;
    state.view = View::ElasticIps;
    press_key(&mut state, KeyCode::Char('s'));
    assert!(state.dialog.is_none());
    assert!(state.message.as_deref().unwrap().contains("read-only"));
}

#[test]
fn the_elastic_ips_view_says_which_standby_a_swap_would_use() {
    // primary-failure at 80s: app-primary is down, app-standby is healthy and tagged.
    let mut state = console_at("primary-failure", 80);
    state.view = View::ElasticIps;
    let table = table_text(&state).unwrap();
    let col = table
        .titles
        .iter()
        .position(|t| t.starts_with("SWAP TO"))
        .unwrap();
    let row = (table.rows.iter())
        .find(|r| r[0] == "203.0.113.10")
        .expect("the floating address");
    assert_eq!(row[col], "app-standby ✓ checks pass");
    // When the standby fails its checks, the row says so before s is pressed.
    let mut s = state.fleet.clone();
    let standby = crate::instance_named(&s, "app-standby");
    for g in s.target_groups_mut() {
        for t in g.targets.iter_mut().filter(|t| t.target_id == standby) {
            t.state = patrol::model::TargetHealthState::Unhealthy;
        }
    }
    state.fleet = s;
    state.fleet_changed();
    let table = table_text(&state).unwrap();
    let row = table.rows.iter().find(|r| r[0] == "203.0.113.10").unwrap();
    assert!(row[col].starts_with("app-standby ✗"), "{}", row[col]);
}

#[test]
fn h_and_l_move_across_the_overview_cards_and_j_and_k_a_row() {
    let mut state = crash_being_handled();
    state.size = (120, 40);
    state.view = View::Overview;
    let cards: Vec<String> = state
        .patterns
        .iter()
        .map(|r| r.pattern.name().to_string())
        .collect();
    state.list_mut().selected_key = Some(cards[0].clone());
    let at = |state: &AppState| state.list().selected_key.clone().unwrap();
    press_key(&mut state, KeyCode::Char('l'));
    assert_eq!(at(&state), cards[1]);
    press_key(&mut state, KeyCode::Char('j'));
    assert_eq!(at(&state), cards[3], "j goes down a row of two cards");
    press_key(&mut state, KeyCode::Char('h'));
    assert_eq!(at(&state), cards[2]);
    press_key(&mut state, KeyCode::Char('k'));
    assert_eq!(at(&state), cards[0]);
}

#[test]
fn tab_in_command_mode_completes_then_cycles_through_the_candidates() {
    let mut state = crash_being_handled();
    state.size = (120, 40);
    press_key(&mut state, KeyCode::Char(':'));
    press_key(&mut state, KeyCode::Char('i'));
    press_key(&mut state, KeyCode::Tab);
    assert_eq!(
        state.prompt.as_deref(),
        Some("images"),
        "the common part first"
    );
    // Backspace to "i", then Tab: "images" and "instances" share only "i": Tab cycles.
    for _ in 0.."mages".len() {
        press_key(&mut state, KeyCode::Backspace);
    }
    assert_eq!(
        state.prompt.as_deref(),
        Some("i"),
        "one Backspace, one character"
    );
    let candidates = patrol::app::command::completions(&state, "i");
    assert!(candidates.len() >= 2, "{candidates:?}");
    let mut seen = Vec::new();
    for _ in 0..candidates.len() + 1 {
        press_key(&mut state, KeyCode::Tab);
        seen.push(state.prompt.clone().unwrap());
    }
    assert_eq!(
        seen[..candidates.len()],
        candidates[..],
        "one candidate per Tab"
    );
    assert_eq!(seen[candidates.len()], candidates[0], "and round again");
    // Enter runs the one shown.
    press_key(&mut state, KeyCode::Enter);
    assert!(state.prompt.is_none());
}

#[test]
fn a_picker_opens_on_the_value_in_use_and_filters_as_you_type() {
    let mut state = crash_being_handled();
    state.size = (120, 40);
    for c in ":region".chars() {
        press_key(&mut state, KeyCode::Char(c));
    }
    press_key(&mut state, KeyCode::Enter);
    let p = state.picker.as_ref().expect(":region opens the picker");
    assert_eq!(p.shown()[p.selected], "us-east-1", "on the region in use");
    for c in "eu-w".chars() {
        press_key(&mut state, KeyCode::Char(c));
    }
    let p = state.picker.as_ref().unwrap();
    assert!(!p.shown().is_empty());
    assert!(
        p.shown().iter().all(|r| r.starts_with("eu-west")),
        "{:?}",
        p.shown()
    );
    // Esc clears the filter first, then closes.
    press_key(&mut state, KeyCode::Esc);
    assert!(state.picker.as_ref().unwrap().query.is_empty());
    press_key(&mut state, KeyCode::Esc);
    assert!(state.picker.is_none());
}

/// nfs-overload at 8m (18 clients on nfs-1) and nfs-replica at 90s (v2 published, the
/// replicas still on v1).
fn nfs_moments() -> [(&'static str, AppState); 2] {
    let at = |name: &'static str, secs: u64| {
        let sim = SimCloud::new(&Scenario::load(name).unwrap(), 42, start(), 1.0);
        let first = snapshot(&sim);
        sim.advance(std::time::Duration::from_secs(secs));
        let mut state = state_of(&first);
        crate::observe(&mut state, &snapshot(&sim), 2);
        (name, state)
    };
    [at("nfs-overload", 8 * 60), at("nfs-replica", 90)]
}

#[test]
fn the_nfs_view_shows_servers_clients_latency_and_replicas() {
    for (name, base) in nfs_moments() {
        for (w, h) in [(120, 40), (80, 24)] {
            let mut state = base.clone();
            state.size = (w, h);
            press_key(&mut state, KeyCode::Char('0'));
            assert_eq!(state.view, View::Nfs);
            let screen = crate::screen_text(&state, w, h);
            insta::assert_snapshot!(format!("nfs_{name}_{w}x{h}"), screen);
        }
    }
    let [(_, overload), (_, replica)] = nfs_moments();
    // The server clients mount comes first, with their number against the limit; the
    // standby carries none of them.
    let mut state = overload;
    state.view = View::Nfs;
    let rows = table_text(&state).unwrap().rows;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        (rows[0][0].as_str(), rows[0][2].as_str()),
        ("nfs-1", "server")
    );
    assert_eq!(
        (rows[1][0].as_str(), rows[1][2].as_str()),
        ("nfs-2", "standby")
    );
    let clients = (state.fleet.instances.iter())
        .filter(|i| i.role() == Some("nfs-client"))
        .filter(|i| matches!(i.state.as_str(), "running" | "pending"))
        .count();
    assert_eq!(rows[0][5], clients.to_string());
    assert!(clients > 8, "{clients}");
    assert_eq!(rows[1][5], "", "the standby carries no clients");
    let screen = crate::screen_text(&state, 120, 40);
    assert!(
        screen.contains("warn above 20 ms, fail above 40 ms"),
        "{screen}"
    );
    assert!(
        screen.contains(&format!(
            "Clients of nfs-1 · {clients} · more than twice the 8"
        )),
        "{screen}"
    );
    // The limits are the checks' settings: the chart and the tones follow them.
    state.checks.max_nfs_latency_ms = 5.0;
    let screen = crate::screen_text(&state, 120, 40);
    assert!(
        screen.contains("warn above 5 ms, fail above 10 ms"),
        "{screen}"
    );
    // Each replica's version against the source's.
    let mut state = replica;
    state.view = View::Nfs;
    let rows = table_text(&state).unwrap().rows;
    let source = rows.iter().find(|r| r[0] == "nfs-source").unwrap();
    assert_eq!((source[2].as_str(), source[7].as_str()), ("server", "v2"));
    // The standby did not get the update: it would serve v1 if it took over.
    let standby = rows.iter().find(|r| r[2] == "standby").unwrap();
    assert_eq!(standby[7], "v1 behind v2");
    let replicas: Vec<_> = rows.iter().filter(|r| r[2] == "replica").collect();
    assert_eq!(replicas.len(), 4, "{rows:?}");
    assert!(
        replicas.iter().any(|r| r[7] == "v1 behind v2"),
        "the update left replicas behind: {rows:?}"
    );
}

#[test]
fn the_nfs_panes_link_servers_clients_and_the_source() {
    let [(_, overload), (_, replica)] = nfs_moments();
    for (name, base, text) in [
        ("nfs_server", &overload, "nfs-1"),
        ("nfs_replica", &replica, "replica"),
    ] {
        for (w, h) in [(120, 40), (80, 24)] {
            let mut state = base.clone();
            state.size = (w, h);
            open_on(&mut state, View::Nfs, text, KeyCode::Enter);
            let screen = crate::screen_text(&state, w, h);
            insta::assert_snapshot!(format!("detail_{name}_{w}x{h}"), screen);
        }
    }
    // The server's pane: its standby is one key away, and each client.
    let mut state = overload.clone();
    state.size = (120, 40);
    open_on(&mut state, View::Nfs, "nfs-1", KeyCode::Enter);
    let detail = patrol::app::detail::of(&state, state.detail.as_ref().unwrap());
    let standby = crate::instance_named(&state.fleet, "nfs-2");
    let n = (detail.links.iter())
        .position(|l| l.view == View::Nfs && l.key == standby)
        .expect("a link to the standby");
    press_key(&mut state, KeyCode::Char(char::from(b'1' + n as u8)));
    assert_eq!(state.list().selected_key.as_deref(), Some(standby.as_str()));
    let clients: Vec<_> = (detail.links.iter())
        .filter(|l| l.label.starts_with("client "))
        .collect();
    let nfs = state.fleet.nfs();
    assert_eq!(clients.len(), nfs.clients.len());
    assert!(clients
        .iter()
        .all(|l| l.view == View::Instances && nfs.clients.iter().any(|c| c.id == l.key)));
    // A stale replica's pane: the source it copies from.
    let mut state = replica.clone();
    state.size = (120, 40);
    open_on(&mut state, View::Nfs, "replica", KeyCode::Enter);
    let detail = patrol::app::detail::of(&state, state.detail.as_ref().unwrap());
    let source = crate::instance_named(&state.fleet, "nfs-source");
    assert!(
        (detail.links.iter()).any(|l| l.view == View::Nfs && l.key == source),
        "{:?}",
        detail.links
    );
    assert!(detail.title.starts_with("NFS replica"), "{}", detail.title);
}

#[test]
fn many_nfs_clients_leave_the_chart_its_room_and_say_how_many_more() {
    let [(_, mut state), _] = nfs_moments();
    // 90 clients: more than an 80×24 screen can list.
    let client = (state.fleet.instances.iter())
        .find(|i| i.role() == Some("nfs-client"))
        .unwrap()
        .clone();
    for n in 0..72 {
        let mut more = client.clone();
        more.id = format!("i-{n:017x}");
        state.fleet.instances_mut().push(more);
    }
    state.fleet_changed();
    state.view = View::Nfs;
    let screen = crate::screen_text(&state, 80, 24);
    let n = state.fleet.nfs().clients.len();
    assert_eq!(n, 90);
    assert!(screen.contains("Latency nfs-1"), "{screen}");
    assert!(
        screen.contains("-60m"),
        "the chart keeps its axis:\n{screen}"
    );
    let listed = screen.matches("i-").count();
    let more: usize = (screen.split('+').nth(1))
        .and_then(|rest| rest.split(' ').next())
        .and_then(|k| k.parse().ok())
        .unwrap_or_else(|| panic!("no +N more in\n{screen}"));
    // Every client is either listed or counted (the table's two servers show ids too).
    assert_eq!(listed - 2 + more, n, "{screen}");
}
