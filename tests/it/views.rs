//! Whole-screen snapshots of every view at 120×40 on the default scenario, and colours.

use super::{default_sim, secs, snapshot, state_of};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use patrol::app::{update, Action, AppState};
use patrol::cloud::sim::Fault;
use patrol::model::TargetHealthState;
use patrol::playback::Playback;
use patrol::poll::PollEvent;
use patrol::theme::Theme;
use patrol::ui;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn render(state: &AppState, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| ui::draw(f, state, &Theme::default_theme()))
        .unwrap();
    terminal
}

fn press(state: &mut AppState, c: char) {
    update(
        state,
        Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
    );
}

/// The default world five minutes in: the 4m crash is being handled.
fn five_minutes_in() -> AppState {
    let sim = default_sim();
    sim.advance(secs(4 * 60 + 25));
    let mut state = state_of(&snapshot(&sim));
    super::tick_from(&mut state, &sim);
    state
}

#[test]
fn every_view_at_120x40() {
    let mut state = five_minutes_in();
    for (key, name) in [
        ('1', "overview"),
        ('2', "targets"),
        ('3', "capacity"),
        ('4', "elastic_ips"),
        ('5', "zones"),
        ('6', "images"),
        ('7', "patterns"),
    ] {
        press(&mut state, key);
        insta::assert_snapshot!(name, render(&state, 120, 40).backend());
    }
}

#[test]
fn help_overlay_lists_every_key() {
    let mut state = state_of(&snapshot(&default_sim()));
    press(&mut state, '?');
    let screen = render(&state, 120, 40).backend().to_string();
    for line in patrol::app::help_lines(&state.keymap) {
        assert!(screen.contains(&line.keys), "help lacks {}", line.keys);
        assert!(screen.contains(&line.what), "help lacks {}", line.what);
    }
    insta::assert_snapshot!("help", screen);
    // Read-only: the action keys are not offered.
    state.read_only = true;
    let screen = render(&state, 120, 40).backend().to_string();
    assert!(!screen.contains("swap the address"), "{screen}");
}

#[test]
fn the_swap_dialog_shows_plan_calls_and_checks() {
    let mut state = five_minutes_in();
    press(&mut state, '4');
    press(&mut state, 'j');
    press(&mut state, 's');
    insta::assert_snapshot!("swap_dialog", render(&state, 120, 40).backend());
}

#[test]
fn a_tiny_terminal_gets_a_message_not_a_panic() {
    let state = state_of(&snapshot(&default_sim()));
    for (w, h) in [(60, 10), (1, 1), (79, 40), (120, 15)] {
        let screen = render(&state, w, h).backend().to_string();
        if w >= 40 && h >= 3 {
            assert!(screen.contains("bigger terminal"), "{w}×{h}: {screen}");
        }
    }
    render(&state, 80, 16);
}

#[test]
fn an_unhealthy_target_is_drawn_in_the_critical_style() {
    let sim = default_sim();
    sim.world_mut()
        .inject(Fault::DependencyDown { name: "db".into() });
    sim.advance(secs(21));
    let s = snapshot(&sim);
    assert!(s
        .target_groups
        .iter()
        .any(|g| g.count(TargetHealthState::Unhealthy) > 0));
    let mut state = state_of(&s);
    press(&mut state, '2');
    let terminal = render(&state, 120, 40);
    let buffer = terminal.backend().buffer();
    let theme = Theme::default_theme();
    let mut found = 0;
    for y in 0..buffer.area.height {
        let line: String = (0..buffer.area.width)
            .map(|x| buffer[(x, y)].symbol())
            .collect();
        let target_row = line.contains(":80 ");
        if let Some(col) = line.find(" unhealthy ").filter(|_| target_row) {
            let x = line[..col + 1].chars().count() as u16;
            let cell = &buffer[(x, y)];
            assert_eq!(cell.fg, theme.crit.fg.unwrap(), "row {y}: {line}");
            assert!(cell.modifier.contains(ratatui::style::Modifier::BOLD));
            found += 1;
        }
    }
    assert!(found > 0, "no unhealthy row on screen");
}

#[test]
fn stale_data_is_marked_in_the_panel_title() {
    let mut state = state_of(&snapshot(&default_sim()));
    let at = state.wall;
    update(
        &mut state,
        Action::Polled(PollEvent::Refreshed {
            source: patrol::cloud::Source::TargetGroups,
            epoch: 0,
            generation: 2,
            at,
            result: Err(patrol::cloud::sim::faults::error_of("access_denied").unwrap()),
        }),
    );
    press(&mut state, '2');
    let screen = render(&state, 120, 40).backend().to_string();
    assert!(
        screen.contains("STALE target_groups: access denied"),
        "{screen}"
    );
    assert!(
        screen.contains("web-tg"),
        "the last good data is still drawn"
    );
    assert!(
        screen.contains("target_groups: access denied (User is not authorized"),
        "status bar"
    );
    // The detail pane of a target says so too, and draws its values as stale, never green.
    update(
        &mut state,
        Action::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    assert!(state.detail.is_some());
    let terminal = render(&state, 80, 24);
    let screen = terminal.backend().to_string();
    assert!(screen.contains("STALE target_groups"), "{screen}");
    let buffer = terminal.backend().buffer();
    let stale = Theme::default_theme().stale;
    let (x, y) = (0..24u16)
        .find_map(|y| {
            let line: String = (0..80u16).map(|x| buffer[(x, y)].symbol()).collect();
            line.find("healthy")
                .map(|col| (line[..col].chars().count() as u16, y))
        })
        .expect("the target's state in the pane");
    assert_eq!(buffer[(x, y)].fg, stale.fg.unwrap_or_default());
}

/// An alarm's condition is drawn as CloudWatch has it: a scale-in alarm is "< 30%", not "> 30%".
#[test]
fn alarms_show_their_own_comparison() {
    let mut s = snapshot(&default_sim());
    let mut low = s.alarms[0].clone();
    low.name = "web-cpu-low".into();
    low.threshold = 30.0;
    low.comparison = patrol::model::Comparison::LessThanThreshold;
    s.alarms.push(low);
    let mut state = state_of(&s);
    press(&mut state, '3');
    let screen = render(&state, 160, 40).backend().to_string();
    assert!(screen.contains("web-cpu-high OK (> 70%)"), "{screen}");
    assert!(screen.contains("web-cpu-low OK (< 30%)"), "{screen}");
}

#[test]
fn the_help_overlay_wraps_and_scrolls_on_a_small_terminal() {
    let mut state = state_of(&snapshot(&default_sim()));
    state.size = (80, 24);
    press(&mut state, '?');
    let first = render(&state, 80, 24).backend().to_string();
    assert!(first.contains("more ↓"), "{first}");
    // Every line of help is on some page, and no description is cut at the border.
    let mut seen = first.clone();
    for _ in 0..40 {
        press(&mut state, 'j');
        seen.push_str(&render(&state, 80, 24).backend().to_string());
    }
    for line in patrol::app::help_lines(&state.keymap) {
        let last_word = line.what.split_whitespace().last().unwrap();
        assert!(
            seen.contains(last_word),
            "help never shows the end of {:?}",
            line.what
        );
    }
    let last = render(&state, 80, 24).backend().to_string();
    assert!(
        last.contains("in a dialog") && !last.contains("more ↓"),
        "{last}"
    );
    press(&mut state, 'g');
    assert_eq!(state.help_scroll, 0);
    press(&mut state, 'G');
    assert!(state.help_scroll > 0);
    // Esc closes; opening again starts at the top.
    update(
        &mut state,
        Action::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
    );
    assert!(!state.help);
    press(&mut state, '?');
    assert_eq!(state.help_scroll, 0);
}

/// However many Auto Scaling groups there are, the Zones view shows its zones' table (the
/// selected zone with it); the groups' counts take what is left and say how many are not
/// shown, and an imbalance is listed before them.
#[test]
fn the_zones_table_stays_on_screen_however_many_groups_there_are() {
    let mut fleet = snapshot(&default_sim());
    let mut groups = fleet.auto_scaling_groups.to_vec();
    for n in 0..60 {
        let mut extra = groups[0].clone();
        extra.name = format!("extra-{n:02}");
        groups.push(extra);
    }
    fleet.auto_scaling_groups = groups.into();
    let mut state = state_of(&fleet);
    state.view = patrol::app::View::Zones;
    let text = crate::screen_text(&state, 80, 24);
    assert!(
        text.contains("ZONE"),
        "the table's header is on screen:\n{text}"
    );
    assert!(
        text.contains("▶ us-east-1a"),
        "the selected zone is on screen:\n{text}"
    );
    assert!(
        text.contains("more groups: the Capacity view lists every group"),
        "the groups cut off are counted:\n{text}"
    );
    // At 200x60 the same: nothing of the table is pushed off by the groups.
    let text = crate::screen_text(&state, 200, 60);
    assert!(
        text.contains("ZONE") && text.contains("▶ us-east-1a"),
        "{text}"
    );
}
