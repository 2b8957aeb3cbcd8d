//! The flight recorder's events: derived from consecutive refreshes as the console receives
//! them, one scenario at a time, each at the world time it happened; and from actions and
//! failing sources.

use crate::{refresh_all, secs, snapshot, start, state_of};
use patrol::app::{update, Action, AppState};
use patrol::cloud::sim::{Scenario, SimCloud};
use patrol::playback::Playback;
use patrol::record::{Event, EventKind};

/// Plays `scenario` for `seconds`, refreshing every source every 5 s of world time as the
/// console would, and returns the console with its journal.
fn played(scenario: &str, seconds: u64) -> (SimCloud, AppState) {
    let sim = SimCloud::new(&Scenario::load(scenario).unwrap(), 42, start(), 1.0);
    let mut state = state_of(&snapshot(&sim));
    for n in 0..seconds / 5 {
        sim.advance(secs(5));
        crate::observe(&mut state, &snapshot(&sim), n + 2);
    }
    (sim, state)
}

fn events(state: &AppState) -> Vec<&Event> {
    // Oldest first, as they happened.
    let mut v: Vec<&Event> = state.events.newest().map(|(_, e)| e).collect();
    v.reverse();
    v
}

/// Seconds into the scenario.
fn t(e: &Event) -> i64 {
    (e.at - start()).num_seconds()
}

fn find(state: &AppState, what: impl Fn(&Event) -> bool) -> Option<&Event> {
    events(state).into_iter().find(|e| what(e))
}

#[test]
fn a_first_read_is_not_news() {
    let sim = SimCloud::new(&Scenario::load("default").unwrap(), 42, start(), 1.0);
    let state = state_of(&snapshot(&sim));
    assert!(state.events.is_empty(), "{:?}", events(&state));
}

#[test]
fn az_outage_tells_its_story_in_order() {
    let (_, state) = played("az-outage", 16 * 60);
    let dark = find(&state, |e| {
        e.kind == EventKind::Target
            && e.zone.as_deref() == Some("us-east-1a")
            && e.after == "unhealthy"
    })
    .expect("a target in 1a goes unhealthy");
    assert!((60..=120).contains(&t(dark)), "at {}s: {dark:?}", t(dark));
    assert!(dark.detail.contains("Target.Timeout"), "{dark:?}");
    let launched: Vec<&Event> = events(&state)
        .into_iter()
        .filter(|e| e.kind == EventKind::Instance && e.before.is_none() && t(e) > 60)
        .collect();
    assert!(
        launched
            .iter()
            .any(|e| e.zone.as_deref() == Some("us-east-1b")),
        "{launched:?}"
    );
    assert!(launched
        .iter()
        .any(|e| e.zone.as_deref() == Some("us-east-1c")));
    assert!(launched.iter().all(|e| t(e) >= t(dark) - 30));
    // The zone returns at 12m and the group rebalances into it.
    let rebalance = find(&state, |e| {
        e.kind == EventKind::Activity && e.detail.contains("balance") && t(e) >= 12 * 60
    })
    .expect("a rebalancing activity after 12m");
    assert_eq!(rebalance.resource, "web-asg");
    let verdict = find(&state, |e| {
        e.kind == EventKind::Pattern && e.resource == "Multi-DataCenter"
    })
    .expect("Multi-DataCenter's verdict changes");
    assert!(t(verdict) >= 60, "{verdict:?}");
}

#[test]
fn each_scenario_shows_its_change() {
    type Check = fn(&Event) -> bool;
    let cases: [(&str, u64, &str, Check); 8] = [
        ("instance-crash", 240, "a target goes unhealthy", |e| {
            e.kind == EventKind::Target && e.after == "unhealthy"
        }),
        (
            "primary-failure",
            120,
            "app-primary's target goes unhealthy",
            |e| {
                e.kind == EventKind::Target
                    && e.after == "unhealthy"
                    && e.resource.starts_with("app-tg")
            },
        ),
        ("db-down", 120, "deep checks answer 503", |e| {
            e.kind == EventKind::Target && e.detail.contains("503")
        }),
        ("traffic-spike", 600, "the alarm fires", |e| {
            e.kind == EventKind::Alarm && e.after == "ALARM"
        }),
        ("traffic-spike", 600, "desired grows", |e| {
            e.kind == EventKind::Group && e.detail == "min/desired/max"
        }),
        ("clone-and-scale", 300, "the image becomes available", |e| {
            e.kind == EventKind::Image && e.change() == "pending → available"
        }),
        ("nfs-overload", 480, "NFS Sharing's verdict changes", |e| {
            e.kind == EventKind::Pattern && e.resource == "NFS Sharing"
        }),
        ("nfs-replica", 180, "NFS Replica's verdict changes", |e| {
            e.kind == EventKind::Pattern && e.resource == "NFS Replica"
        }),
    ];
    for (scenario, seconds, what, check) in cases {
        let (_, state) = played(scenario, seconds);
        let e = find(&state, check);
        assert!(
            e.is_some(),
            "{scenario}: {what}; events: {:#?}",
            events(&state)
                .iter()
                .map(|e| format!(
                    "{} {} {} {} {}",
                    t(e),
                    e.kind.as_str(),
                    e.resource,
                    e.change(),
                    e.detail
                ))
                .collect::<Vec<_>>()
        );
        // Nothing happened before the world did: every event is after the first read.
        assert!(events(&state).iter().all(|e| t(e) > 0), "{scenario}");
    }
}

#[test]
fn a_failing_source_and_its_recovery_are_events() {
    use patrol::cloud::{CloudError, CloudErrorKind, Source};
    use patrol::poll::PollEvent;
    let sim = SimCloud::new(&Scenario::load("default").unwrap(), 42, start(), 1.0);
    let s = snapshot(&sim);
    let mut state = state_of(&s);
    let at = s.taken_at + chrono::Duration::seconds(5);
    let epoch = state.epoch;
    update(
        &mut state,
        Action::Polled(PollEvent::Refreshed {
            source: Source::TargetGroups,
            epoch,
            generation: 2,
            at,
            result: Err(CloudError::new(
                CloudErrorKind::Throttled,
                "Throttling",
                "Rate exceeded",
            )),
        }),
    );
    refresh_all(&mut state, &s, 3, at + chrono::Duration::seconds(5));
    let story: Vec<String> = events(&state)
        .iter()
        .filter(|e| e.kind == EventKind::Source)
        .map(|e| format!("{} {}", e.resource, e.after))
        .collect();
    assert_eq!(story, ["target_groups failing", "target_groups recovered"]);
    assert!(find(&state, |e| e.after == "failing")
        .unwrap()
        .detail
        .contains("throttled"));
}

#[test]
fn the_events_view_filters_by_kind_state_and_zone_and_enter_shows_the_resource() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let (_, mut state) = played("az-outage", 150);
    let key = |state: &mut AppState, code: KeyCode| {
        update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        let (w, h) = state.size;
        update(state, Action::Drawn(w, h));
    };
    key(&mut state, KeyCode::Char('8'));
    assert_eq!(state.view, patrol::app::View::Events);
    key(&mut state, KeyCode::Char('/'));
    for c in "kind=target state=unhealthy az=us-east-1a".chars() {
        key(&mut state, KeyCode::Char(c));
    }
    key(&mut state, KeyCode::Enter);
    let rows = patrol::app::rows::event_rows(&state.events, state.list());
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.event.kind == EventKind::Target
        && r.event.after == "unhealthy"
        && r.event.zone.as_deref() == Some("us-east-1a")));
    // Newest first.
    assert!(rows.windows(2).all(|w| w[0].event.at >= w[1].event.at));
    let screen = crate::screen_text(&state, 120, 30);
    assert!(screen.contains("Events"), "{screen}");
    assert!(screen.contains("unhealthy"), "{screen}");
    let id = rows[0]
        .event
        .resource
        .split_whitespace()
        .last()
        .unwrap()
        .split(':')
        .next()
        .unwrap()
        .to_string();
    key(&mut state, KeyCode::Enter);
    assert_eq!(state.view, patrol::app::View::Targets);
    assert_eq!(state.list().filter, id);
}

#[test]
fn an_action_is_an_event_when_confirmed_and_when_done() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let sim = SimCloud::new(&Scenario::load("default").unwrap(), 42, start(), 1.0);
    sim.advance(secs(60));
    let s = snapshot(&sim);
    let mut state = state_of(&s);
    let key = |state: &mut AppState, code: KeyCode| {
        let effects = update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        let (w, h) = state.size;
        update(state, Action::Drawn(w, h));
        effects
    };
    for c in ['3', 'o', 'y'] {
        key(&mut state, KeyCode::Char(c));
    }
    let effects = key(&mut state, KeyCode::Enter);
    let id = match effects.as_slice() {
        [patrol::app::Effect::Execute { id, .. }] => *id,
        other => panic!("{other:?}"),
    };
    let confirmed = find(&state, |e| e.kind == EventKind::Action)
        .unwrap()
        .clone();
    assert_eq!(confirmed.after, "confirmed");
    assert_eq!(confirmed.resource, "web-asg");
    update(
        &mut state,
        Action::OpDone {
            id,
            result: Err(patrol::ops::OpError::ReadOnly),
        },
    );
    let done = events(&state)
        .into_iter()
        .rfind(|e| e.kind == EventKind::Action)
        .unwrap();
    assert_eq!(done.after, "not done");
    assert!(done.detail.contains("read-only"), "{done:?}");
    let _ = sim.playback_state();
}

/// The Events view a minute and a half into the AZ outage, as the README shows it.
#[test]
fn the_events_view_of_an_az_outage() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let (_, mut state) = played("az-outage", 150);
    update(
        &mut state,
        Action::Key(KeyEvent::new(KeyCode::Char('8'), KeyModifiers::NONE)),
    );
    insta::assert_snapshot!("events_view", crate::screen_text(&state, 120, 30));
}
