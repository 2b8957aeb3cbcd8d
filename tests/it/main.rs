//! Integration tests, in one binary so the crate links once.

mod app;
mod aws;
mod board;
mod cli;
mod config;
mod conformance;
mod drill;
mod e2e;
mod events;
mod export;
mod health;
mod inputs;
mod maintenance;
mod moto;
mod ops;
mod patterns;
mod prepare;
mod probe;
mod record;
mod recovery;
mod refresh;
mod runbook;
mod scenarios;
mod sim;
mod tables;
mod trust;
mod views;
mod whole_app;

use chrono::{DateTime, TimeZone, Utc};
use patrol::app::{update, Action, AppState};
use patrol::cloud::sim::{Scenario, SimCloud};
use patrol::cloud::{take_snapshot, Source};
use patrol::model::Snapshot;
use patrol::playback::Playback;
use patrol::poll::PollEvent;
use patrol::poll::{Intervals, Payload};
use std::time::Duration;

/// The fixed moment every test world starts at.
pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 15, 9, 0, 0).unwrap()
}

/// The default scenario on seed 42 at `start()`.
pub fn default_sim() -> SimCloud {
    SimCloud::new(&Scenario::load("default").unwrap(), 42, start(), 1.0)
}

/// Runs a future to its end on a tokio runtime (with its timer, which the ops layer's
/// verification needs), from a plain test.
pub fn on_tokio<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(future)
}

/// Every source read once.
pub fn snapshot(cloud: &SimCloud) -> Snapshot {
    futures::executor::block_on(take_snapshot(cloud)).unwrap()
}

/// The id of the instance with this Name tag.
pub fn instance_named(s: &Snapshot, name: &str) -> String {
    s.instances
        .iter()
        .find(|i| i.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no instance named {name}"))
        .id
        .clone()
}

pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// One refresh result per source, from a snapshot.
pub fn payloads(s: &Snapshot) -> Vec<(Source, Payload)> {
    vec![
        (Source::Instances, Payload::Instances(s.instances.clone())),
        (
            Source::LoadBalancers,
            Payload::LoadBalancers(s.load_balancers.clone()),
        ),
        (
            Source::TargetGroups,
            Payload::TargetGroups(s.target_groups.clone()),
        ),
        (
            Source::AutoScaling,
            Payload::AutoScaling(s.auto_scaling_groups.clone()),
        ),
        (
            Source::ElasticIps,
            Payload::ElasticIps(s.elastic_ips.clone()),
        ),
        (Source::Images, Payload::Images(s.images.clone())),
        (
            Source::Metrics,
            Payload::Metrics(s.metrics.clone(), s.instance_metrics.clone()),
        ),
        (Source::Alarms, Payload::Alarms(s.alarms.clone())),
        (Source::Probes, Payload::Probes(s.probes.clone())),
    ]
}

/// Applies every source of `s` as generation `generation`, fetched at `at`.
pub fn refresh_all(state: &mut AppState, s: &Snapshot, generation: u64, at: DateTime<Utc>) {
    for (source, payload) in payloads(s) {
        update(
            state,
            Action::Polled(PollEvent::Refreshed {
                source,
                epoch: state.epoch,
                generation,
                at,
                result: Ok(payload),
            }),
        );
    }
}

/// The console as it is after a refresh of every source at `s`'s moment: its clock
/// ticked there, then each source read (as generation `generation`).
pub fn observe(state: &mut AppState, s: &Snapshot, generation: u64) {
    let wall = state.wall;
    update(
        state,
        Action::Tick {
            wall,
            clock: s.taken_at,
            narration: None,
            playback: None,
        },
    );
    refresh_all(state, s, generation, s.taken_at);
}

/// A tick with the console's clocks as they are and nothing else to say: what is due runs.
pub fn tick(state: &mut AppState) -> Vec<patrol::app::Effect> {
    let (wall, clock) = (state.wall, state.clock);
    update(
        state,
        Action::Tick {
            wall,
            clock,
            narration: None,
            playback: None,
        },
    )
}

/// Brings the console's narration and playback up to date with `sim`, its clocks as they are.
pub fn tick_from(state: &mut AppState, sim: &SimCloud) {
    let (wall, clock) = (state.wall, state.clock);
    update(
        state,
        Action::Tick {
            wall,
            clock,
            narration: Playback::narration(sim),
            playback: Some(patrol::playback::Playback::playback_state(sim)),
        },
    );
}

/// What the console receives when its world is shown afresh (a restart or a switch).
pub fn reset_world(state: &mut AppState) {
    let world = state.world.clone();
    update(
        state,
        Action::WorldReset {
            world,
            intervals: Intervals::default(),
            read_only: state.read_only,
            production: state.production.clone(),
            clock: state.clock,
        },
    );
}

/// A console that has seen `s` once, two seconds ago by its wall clock.
pub fn state_of(s: &Snapshot) -> AppState {
    let mut state = AppState::new(s.world.clone(), &Intervals::default(), s.taken_at);
    refresh_all(&mut state, s, 1, s.taken_at);
    update(
        &mut state,
        Action::Tick {
            wall: s.taken_at + chrono::Duration::seconds(2),
            clock: s.taken_at,
            narration: None,
            playback: None,
        },
    );
    state
}

/// The screen `state` draws at `w`×`h`, as text, one line per row.
pub fn screen_text(state: &AppState, w: u16, h: u16) -> String {
    let buffer = screen_buffer(state, w, h);
    (0..h)
        .map(|y| {
            (0..w)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// One frame of the console in the default theme, cells and styles.
pub fn screen_buffer(state: &AppState, w: u16, h: u16) -> ratatui::buffer::Buffer {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    terminal
        .draw(|f| patrol::ui::draw(f, state, &patrol::theme::Theme::default_theme()))
        .unwrap();
    terminal.backend().buffer().clone()
}

/// The patrol binary, with its config and state (log, default audit log) in a folder of
/// this test run's own: no test reads or writes the operator's ~/.config or ~/.local/state.
/// The folder is in the build directory's scratch space (not the machine's /tmp, where
/// every run would leave one behind).
pub fn patrol_command() -> std::process::Command {
    let scratch = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let dir = scratch.join(format!("patrol-tests-{}", std::process::id()));
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_patrol"));
    command
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("XDG_CONFIG_HOME", dir.join("config"));
    command
}

/// Runs `command` and returns what it printed; a failure shows its stderr.
pub fn stdout_of(command: &mut std::process::Command) -> String {
    let out = command.output().expect("patrol runs");
    assert!(
        out.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// One key pressed in the console, then a frame drawn (as the terminal loop does).
pub fn press_key(
    state: &mut AppState,
    code: crossterm::event::KeyCode,
) -> Vec<patrol::app::Effect> {
    use crossterm::event::{KeyEvent, KeyModifiers};
    let effects = update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    let (w, h) = state.size;
    update(state, Action::Drawn(w, h));
    effects
}
