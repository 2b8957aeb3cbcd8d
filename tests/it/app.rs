//! `update` is pure, drops stale results, and keeps selection and filter across refreshes.

use super::{default_sim, payloads, refresh_all, secs, snapshot, state_of};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use patrol::app::rows::{row_keys, target_rows};
use patrol::app::{update, Action, AppState, Effect, Freshness, View};
use patrol::cloud::sim::faults::error_of;
use patrol::cloud::sim::Fault;
use patrol::cloud::Source;
use patrol::patterns::{Pattern, Verdict};
use patrol::playback::Playback;
use patrol::poll::PollEvent;
use patrol::poll::{Intervals, Payload};

fn key(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn press(state: &mut AppState, keys: &str) -> Vec<Effect> {
    keys.chars().flat_map(|c| update(state, key(c))).collect()
}

#[test]
fn update_is_a_pure_function_of_state_and_action() {
    let s = snapshot(&default_sim());
    let actions: Vec<Action> = vec![
        key('2'),
        key('j'),
        key('/'),
        key('w'),
        code(KeyCode::Enter),
        key('3'),
    ];
    let run = || {
        let mut state = state_of(&s);
        let effects: Vec<Effect> = actions
            .iter()
            .cloned()
            .flat_map(|a| update(&mut state, a))
            .collect();
        (state, effects)
    };
    let (a, ea) = run();
    let (b, eb) = run();
    assert_eq!(a, b, "same actions, same state");
    assert_eq!(ea, eb);
    assert_eq!(a.view, View::Capacity);
    // Time only enters through actions.
    let mut state = state_of(&s);
    let wall = s.taken_at + chrono::Duration::hours(5);
    update(
        &mut state,
        Action::Tick {
            wall,
            clock: wall,
            narration: Some("n".into()),
            playback: None,
        },
    );
    assert_eq!((state.wall, state.narration.as_deref()), (wall, Some("n")));
}

#[test]
fn keys_produce_effects() {
    let mut state = state_of(&snapshot(&default_sim()));
    assert_eq!(press(&mut state, "r"), vec![Effect::RefreshNow]);
    assert_eq!(press(&mut state, "?"), vec![]);
    assert!(state.help);
    assert_eq!(press(&mut state, "q"), vec![], "q closes help first");
    assert!(!state.help);
    assert_eq!(press(&mut state, "q"), vec![Effect::Quit]);
    let ctrl_c = Action::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert_eq!(update(&mut state, ctrl_c), vec![Effect::Quit]);
    update(&mut state, code(KeyCode::Tab));
    assert_eq!(state.view, View::Targets);
    update(&mut state, code(KeyCode::BackTab));
    update(&mut state, code(KeyCode::BackTab));
    assert_eq!(state.view, View::Fleet, "Shift-Tab wraps to the last view");
}

#[test]
fn stale_generations_and_old_worlds_are_dropped() {
    let sim = default_sim();
    let old = snapshot(&sim);
    sim.world_mut().set_desired_capacity("web-asg", 6).unwrap();
    sim.advance(secs(15));
    let new = snapshot(&sim);
    let mut state = state_of(&old);
    let at = old.taken_at;
    let refreshed = |generation, epoch, s: &patrol::model::Snapshot| {
        Action::Polled(PollEvent::Refreshed {
            source: Source::AutoScaling,
            epoch,
            generation,
            at,
            result: Ok(Payload::AutoScaling(s.auto_scaling_groups.clone())),
        })
    };
    update(&mut state, refreshed(3, 0, &new));
    assert_eq!(state.fleet.auto_scaling_groups[0].desired, 6);
    update(&mut state, refreshed(2, 0, &old));
    assert_eq!(
        state.fleet.auto_scaling_groups[0].desired, 6,
        "generation 2 arrived late: dropped"
    );
    update(&mut state, refreshed(3, 0, &old));
    assert_eq!(
        state.fleet.auto_scaling_groups[0].desired, 6,
        "same generation twice: dropped"
    );
    update(&mut state, refreshed(9, 1, &old));
    assert_eq!(
        state.fleet.auto_scaling_groups[0].desired, 6,
        "another world's epoch: dropped"
    );
    update(&mut state, refreshed(4, 0, &old));
    assert_eq!(
        state.fleet.auto_scaling_groups[0].desired, 4,
        "newer generation applies"
    );
}

#[test]
fn an_unchanged_answer_keeps_what_was_made_of_the_fleet() {
    let sim = default_sim();
    let before = snapshot(&sim);
    let mut state = state_of(&before);
    update(&mut state, key('2'));
    let listed = patrol::app::rows::listing(&state);
    let parts = state.part_versions;
    let refreshed = |generation, s: &patrol::model::Snapshot| {
        Action::Polled(PollEvent::Refreshed {
            source: Source::TargetGroups,
            epoch: 0,
            generation,
            at: s.taken_at,
            result: Ok(Payload::TargetGroups(s.target_groups.clone())),
        })
    };
    // The same targets again (the poller sends an unchanged answer as the same copy):
    // nothing is made again.
    update(&mut state, refreshed(100, &before));
    assert_eq!(
        state.part_versions, parts,
        "an equal answer changes no part"
    );
    let again = patrol::app::rows::listing(&state);
    assert!(
        std::sync::Arc::ptr_eq(&listed, &again),
        "the listing is kept"
    );
    // Metrics changing do not touch the Targets view's rows either.
    let mut cpu = before.metrics.clone();
    cpu.clear();
    update(
        &mut state,
        Action::Polled(PollEvent::Refreshed {
            source: Source::Metrics,
            epoch: 0,
            generation: 100,
            at: before.taken_at,
            result: Ok(Payload::Metrics(cpu, Vec::new())),
        }),
    );
    assert!(std::sync::Arc::ptr_eq(
        &listed,
        &patrol::app::rows::listing(&state)
    ));
    // A target that changed: its part is new, and so are the rows.
    let crashed = before.target_groups[0].targets[0].target_id.clone();
    sim.world_mut().inject(Fault::Crash {
        instance_id: crashed,
    });
    sim.advance(secs(60));
    let after = snapshot(&sim);
    assert_ne!(after.target_groups, before.target_groups);
    update(&mut state, refreshed(101, &after));
    assert_ne!(state.part_versions, parts);
    let remade = patrol::app::rows::listing(&state);
    assert!(!std::sync::Arc::ptr_eq(&listed, &remade), "made again");
    assert_eq!(remade.to_vec(), row_keys(&state));
}

#[test]
fn selection_and_filter_survive_a_refresh() {
    let sim = default_sim();
    let before = snapshot(&sim);
    let mut state = state_of(&before);
    press(&mut state, "2/web");
    update(&mut state, code(KeyCode::Enter));
    press(&mut state, "jj");
    let keys = row_keys(&state);
    assert_eq!(keys.len(), 4, "filter keeps web-tg only: {keys:?}");
    let chosen = state.list().selected_key.clone().unwrap();
    assert_eq!(chosen, keys[2]);

    // Crash a different instance so the rows reorder (unhealthy first).
    let other = target_rows(&state.fleet, state.list())
        .iter()
        .map(|r| r.target_id.to_string())
        .find(|id| !chosen.contains(id.as_str()))
        .unwrap();
    sim.world_mut().inject(Fault::Crash {
        instance_id: other.clone(),
    });
    sim.advance(secs(21));
    let after = snapshot(&sim);
    refresh_all(&mut state, &after, 2, after.taken_at);
    let keys = row_keys(&state);
    assert!(
        keys[0].contains(&other),
        "the unhealthy target moved to the top: {keys:?}"
    );
    assert_eq!(state.list().filter, "web");
    assert_eq!(state.list().selected_key.as_deref(), Some(chosen.as_str()));
    // Moving on from the kept selection starts at its new position.
    let at = keys.iter().position(|k| *k == chosen).unwrap();
    press(&mut state, "k");
    assert_eq!(
        state.list().selected_key.as_deref(),
        Some(keys[at - 1].as_str())
    );
}

#[test]
fn a_failed_refresh_keeps_the_last_good_data_and_says_why() {
    let s = snapshot(&default_sim());
    let mut state = state_of(&s);
    let error = error_of("throttled").unwrap();
    update(
        &mut state,
        Action::Polled(PollEvent::Refreshed {
            source: Source::TargetGroups,
            epoch: 0,
            generation: 2,
            at: s.taken_at,
            result: Err(error.clone()),
        }),
    );
    assert_eq!(
        state.fleet.target_groups, s.target_groups,
        "last good data kept"
    );
    let freshness = state
        .source(Source::TargetGroups)
        .freshness(state.clock, state.wall);
    assert!(
        matches!(freshness, Freshness::Stale { error: Some(ref e), .. } if e.kind == error.kind)
    );
    assert_eq!(
        state.last_error.as_ref().map(|(s, _)| *s),
        Some(Source::TargetGroups)
    );
    // A later success clears it.
    let (_, payload) = payloads(&s)
        .into_iter()
        .find(|(src, _)| *src == Source::TargetGroups)
        .unwrap();
    update(
        &mut state,
        Action::Polled(PollEvent::Refreshed {
            source: Source::TargetGroups,
            epoch: 0,
            generation: 3,
            at: s.taken_at,
            result: Ok(payload),
        }),
    );
    assert!(state.last_error.is_none());
}

#[test]
fn data_goes_stale_after_three_intervals_without_news() {
    let s = snapshot(&default_sim());
    let mut state = state_of(&s);
    let later = s.taken_at + chrono::Duration::seconds(16);
    update(
        &mut state,
        Action::Tick {
            wall: later,
            clock: later,
            narration: None,
            playback: None,
        },
    );
    let f = state
        .source(Source::TargetGroups)
        .freshness(state.clock, state.wall);
    assert!(matches!(f, Freshness::Stale { error: None, .. }), "{f:?}");
    let f = state
        .source(Source::LoadBalancers)
        .freshness(state.clock, state.wall);
    assert!(
        matches!(f, Freshness::Fresh { .. }),
        "60s interval: still fresh: {f:?}"
    );
}

#[test]
fn navigation_clamps_and_jumps() {
    let mut state = state_of(&snapshot(&default_sim()));
    press(&mut state, "2G");
    let keys = row_keys(&state);
    assert_eq!(state.list().selected_key.as_ref(), keys.last());
    press(&mut state, "jjj");
    assert_eq!(
        state.list().selected_key.as_ref(),
        keys.last(),
        "clamped at the end"
    );
    press(&mut state, "g");
    assert_eq!(state.list().selected_key.as_ref(), keys.first());
    // Enter on an Overview card opens its view.
    press(&mut state, "1l");
    update(&mut state, code(KeyCode::Enter));
    assert_eq!(state.view, View::Zones, "card 2 is Multi-DataCenter");
}

#[test]
fn scenario_keys_go_to_the_simulator_and_are_explained_elsewhere() {
    use patrol::app::PlaybackCommand;
    let sim = default_sim();
    let mut state = state_of(&snapshot(&sim));
    // No playback yet (as on AWS): the key says why it does nothing.
    assert_eq!(press(&mut state, " "), vec![]);
    assert_eq!(
        state.message.as_deref(),
        Some("scenario keys work on the simulator and in a replay only")
    );
    super::tick_from(&mut state, &sim);
    for (key, command) in [
        (" ", PlaybackCommand::TogglePause),
        (".", PlaybackCommand::Step),
        ("<", PlaybackCommand::Slower),
        (">", PlaybackCommand::Faster),
    ] {
        assert_eq!(
            press(&mut state, key),
            vec![Effect::Playback(command)],
            "{key:?}"
        );
    }
    let ctrl_r = Action::Key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL));
    assert_eq!(
        update(&mut state, ctrl_r),
        vec![Effect::Playback(PlaybackCommand::Restart)]
    );
    // A restart drops everything of the old world.
    let epoch = state.epoch;
    crate::reset_world(&mut state);
    assert_eq!(state.epoch, epoch + 1);
    assert!(state.fleet.instances.is_empty());
    assert!(
        state
            .patterns
            .iter()
            .all(|r| r.verdict == Verdict::Unknown && r.headline.starts_with("waiting for")),
        "no verdict of the old world stays: {:?}",
        state.patterns
    );
    assert!(state.sources.iter().all(|s| s.fetched_at.is_none()));
}

/// A check must not judge a fleet it has only half read: before the alarms arrive, Scale Out
/// would otherwise warn "no alarm" on every group.
#[test]
fn a_pattern_is_not_judged_until_its_sources_have_answered() {
    let s = snapshot(&default_sim());
    let mut state = AppState::new(s.world.clone(), &Intervals::default(), s.taken_at);
    let report = |state: &AppState, p: Pattern| {
        state
            .patterns
            .iter()
            .find(|r| r.pattern == p)
            .cloned()
            .unwrap()
    };
    assert_eq!(state.patterns.len(), 8);
    let refreshed = |source, generation, result| {
        Action::Polled(PollEvent::Refreshed {
            source,
            epoch: 0,
            generation,
            at: s.taken_at,
            result,
        })
    };
    for (source, payload) in payloads(&s) {
        if source != Source::Alarms {
            update(&mut state, refreshed(source, 1, Ok(payload)));
        }
    }
    let scale_out = report(&state, Pattern::ScaleOut);
    assert_eq!(scale_out.verdict, Verdict::Unknown);
    assert_eq!(scale_out.headline, "waiting for alarms");
    // Patterns that do not read alarms are judged already.
    assert_eq!(report(&state, Pattern::MultiServer).verdict, Verdict::Pass);

    let denied = error_of("access_denied").unwrap();
    update(&mut state, refreshed(Source::Alarms, 1, Err(denied)));
    assert_eq!(
        report(&state, Pattern::ScaleOut).headline,
        "cannot read alarms (access denied)"
    );

    let (_, alarms) = payloads(&s)
        .into_iter()
        .find(|(src, _)| *src == Source::Alarms)
        .unwrap();
    update(&mut state, refreshed(Source::Alarms, 2, Ok(alarms)));
    let judged = patrol::patterns::check(&s, &state.checks, state.clock);
    assert_eq!(
        state.patterns, judged,
        "every pattern judged once all answered"
    );
    assert_ne!(report(&state, Pattern::ScaleOut).verdict, Verdict::Unknown);
}

#[test]
fn counts_read_as_english() {
    use patrol::model::plural;
    assert_eq!(plural(1, "address"), "1 address");
    assert_eq!(plural(2, "address"), "2 addresses");
    assert_eq!(plural(0, "refresh"), "0 refreshes");
    assert_eq!(plural(1, "replica"), "1 replica");
    assert_eq!(plural(3, "replica"), "3 replicas");
}
