//! Refreshes made ready away from the console's loop (`app::prepare`): the state that
//! applies one finds the events it brings and each shown view's rows already made, and
//! ends exactly where applying it on the loop would have.

use crate::{default_sim, observe, secs, snapshot, state_of};
use patrol::app::prepare::{worth_preparing, Preparation};
use patrol::app::{rows, update, Action, View};
use patrol::cloud::Source;
use patrol::playback::Playback;
use patrol::poll::{Payload, PollEvent};
use patrol::theme::Theme;

/// A console on the default scenario, and the instances' refresh ten minutes on.
fn console_and_refresh() -> (patrol::app::AppState, PollEvent) {
    let sim = default_sim();
    let first = snapshot(&sim);
    let mut state = state_of(&first);
    sim.advance(secs(600));
    let later = snapshot(&sim);
    let refresh = PollEvent::Refreshed {
        source: Source::TargetGroups,
        epoch: state.epoch,
        generation: 2,
        at: later.taken_at,
        result: Ok(Payload::TargetGroups(later.target_groups.clone())),
    };
    observe(&mut state, &first, 1);
    (state, refresh)
}

#[test]
fn a_prepared_refresh_ends_where_the_loop_would_and_its_rows_are_made() {
    let (mut state, refresh) = console_and_refresh();
    assert!(worth_preparing(&refresh));
    // Two views shown, as an operator would have: Instances, then Targets.
    let theme = Theme::default_theme();
    for view in [View::Instances, View::Targets] {
        state.view = view;
        crate::screen_text(&state, 120, 40);
    }
    let before = state.events.total();
    let mut on_loop = state.clone();
    update(&mut on_loop, Action::Polled(refresh.clone()));

    let job = Preparation::new(&mut state, vec![refresh], &theme);
    let ready = job.run();
    assert_eq!(ready.len(), 1);
    update(&mut state, Action::Prepared(ready));

    // The same fleet, the same events, the same screen.
    assert_eq!(state.fleet, on_loop.fleet);
    assert_eq!(state.events, on_loop.events);
    assert!(
        on_loop.events.total() > before,
        "the refresh brings events (else this proves nothing)"
    );
    // Both views shown are made for the fleet as it is now: no frame makes them; and so
    // are the views of the fleet not shown yet (a first visit makes nothing on the loop).
    for view in [View::Targets, View::Instances] {
        state.view = view;
        assert!(rows::listing_kept(&state), "{view:?} made ready");
    }
    // (The default scenario has no Elastic IPs: an empty view lists nothing to keep.)
    for view in [View::Health, View::Zones, View::Capacity, View::Images] {
        state.view = view;
        assert!(!rows::keys_of_rows(&state).is_empty(), "{view:?} has rows");
        assert!(
            rows::listing_kept(&state),
            "{view:?}, never shown, made ready"
        );
        on_loop.view = view;
        assert!(
            !rows::listing_kept(&on_loop),
            "{view:?} not made on the loop's copy"
        );
    }
    for view in [View::Targets, View::Instances] {
        state.view = view;
        on_loop.view = view;
        assert_eq!(
            crate::screen_text(&state, 120, 40),
            crate::screen_text(&on_loop, 120, 40)
        );
    }
}

#[test]
fn what_a_copy_made_for_a_world_left_behind_is_never_shown() {
    let (mut state, refresh) = console_and_refresh();
    state.view = View::Targets;
    crate::screen_text(&state, 120, 40);
    let job = Preparation::new(&mut state, vec![refresh], &Theme::default_theme());
    // The world is replaced while the copy works: what it makes is kept apart.
    crate::reset_world(&mut state);
    let ready = job.run();
    update(&mut state, Action::Prepared(ready));
    assert!(
        state.fleet.target_groups.is_empty(),
        "the old world's refresh is dropped"
    );
    // (Its rows for the new, empty world may be kept: those are the new world's own.)
    assert!(crate::screen_text(&state, 120, 40).contains("Targets"));
}

#[test]
fn a_view_filtered_before_has_its_table_made_ready_for_the_next_filter() {
    let (mut state, refresh) = console_and_refresh();
    state.view = View::Targets;
    state.list_mut().filter = "web".into();
    crate::screen_text(&state, 120, 40);
    assert!(rows::table_kept(&state));
    // The filter is cleared; the refresh comes and is made ready away from the loop.
    state.list_mut().filter.clear();
    let job = Preparation::new(&mut state, vec![refresh], &Theme::default_theme());
    update(&mut state, Action::Prepared(job.run()));
    assert!(
        state
            .fleet
            .target_groups
            .iter()
            .any(|g| !g.targets.is_empty()),
        "a fleet with targets (else this proves nothing)"
    );
    // A filter typed now finds the table of the fleet as it is now.
    assert!(rows::table_kept(&state));
    state.list_mut().filter = "unhealthy".into();
    assert_eq!(rows::row_keys(&state), rows::keys_of_rows(&state));
}

/// Background work (preparations, checks, the recorder) lowers its own thread's priority,
/// not the process's: the console's loop keeps its own.
#[cfg(target_os = "linux")]
#[test]
fn background_work_runs_below_the_console() {
    let before = patrol::background::priority();
    let lowered = std::thread::spawn(|| {
        patrol::background::lower_priority();
        patrol::background::priority()
    })
    .join()
    .unwrap();
    assert!(
        lowered >= patrol::background::NICE,
        "a background thread runs at nice {lowered} (the test's own thread at {before})"
    );
    assert_eq!(
        patrol::background::priority(),
        before,
        "only the calling thread is lowered"
    );
}
