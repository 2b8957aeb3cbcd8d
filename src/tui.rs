//! The terminal: set-up and restore (also on panic and on signals) and the one event loop.

use crate::app::{update, Action, AppState, Effect, PlaybackCommand};
use crate::cloud::sim::SimCloud;
use crate::cloud::Cloud;
use crate::ops::Ops;
use crate::patterns::Settings;
use crate::poll::{Intervals, Poller};
use crate::theme::Theme;
use crate::ui;
use anyhow::Context;
use chrono::Timelike;
use chrono::Utc;
use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use ratatui::DefaultTerminal;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;

/// At most this many frames a second.
const FRAME: Duration = Duration::from_millis(33);
/// How much scenario time one step (`.`) lets pass.
const STEP: Duration = Duration::from_secs(10);
/// How often the clocks and ages on screen are brought up to date.
const TICK: Duration = Duration::from_millis(250);

/// What the loop needs besides the cloud and the theme.
pub struct Options {
    pub intervals: Intervals,
    /// The boundary every change crosses (read-only mode, audit log).
    pub ops: Arc<Ops>,
    /// When the process started, to log the time to the first frame.
    pub started: Instant,
    /// What the pattern checks compare against.
    pub checks: Settings,
    /// The simulator, whose scenario the playback keys control (none on AWS).
    pub playback: Option<SimCloud>,
}

/// Runs the console until the operator quits or a signal arrives. The terminal is restored on
/// every way out: return, error, panic (ratatui's hook), SIGTERM, SIGINT, SIGHUP.
/// `background` runs beside the loop (the simulator's clock) and stops with it.
pub async fn run(
    cloud: Arc<dyn Cloud>,
    background: Option<impl Future<Output = ()> + Send + 'static>,
    theme: Theme,
    options: Options,
) -> anyhow::Result<()> {
    let mut terminal = ratatui::try_init().context("cannot set up the terminal")?;
    let background = background.map(tokio::spawn);
    let result = event_loop(&mut terminal, cloud, &theme, options).await;
    if let Some(task) = background {
        task.abort();
    }
    ratatui::restore();
    result
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    cloud: Arc<dyn Cloud>,
    theme: &Theme,
    options: Options,
) -> anyhow::Result<()> {
    let mut state = AppState::new(cloud.world(), &options.intervals, Utc::now());
    state.clock = cloud.clock();
    state.read_only = options.ops.read_only();
    state.checks = options.checks.clone();
    let size = terminal.size()?;
    state.size = (size.width, size.height);

    let (tx, mut rx) = mpsc::channel(1024);
    let mut poller = Poller::spawn(cloud.clone(), &options.intervals, state.epoch, tx.clone());
    let mut events = EventStream::new();
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut last_draw: Option<Instant> = None;
    let mut full_frame_logged = false;

    loop {
        let since_draw = last_draw.map_or(FRAME, |t| t.elapsed());
        if state.dirty && since_draw >= FRAME {
            terminal.draw(|f| ui::draw(f, &state, theme))?;
            state.dirty = false;
            if last_draw.is_none() {
                tracing::info!(first_frame_ms = since(options.started), "first frame drawn");
            }
            if !full_frame_logged && state.sources.iter().all(|s| s.fetched_at.is_some()) {
                full_frame_logged = true;
                let ms = since(options.started);
                tracing::info!(
                    full_frame_ms = ms,
                    "first frame with every source's data drawn"
                );
            }
            last_draw = Some(Instant::now());
        }
        let redraw_in = FRAME.saturating_sub(last_draw.map_or(FRAME, |t| t.elapsed()));
        let action = tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) => Action::Key(key),
                Some(Ok(Event::Resize(w, h))) => Action::Resize(w, h),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e).context("reading terminal events"),
                None => return Ok(()),
            },
            Some(action) = rx.recv() => action,
            _ = ticker.tick() => Action::Tick {
                wall: Utc::now(),
                clock: cloud.clock(),
                narration: cloud.narration(),
                playback: cloud.playback_state(),
            },
            _ = tokio::time::sleep(redraw_in), if state.dirty => continue,
            _ = sigterm.recv() => return Ok(()),
            _ = sigint.recv() => return Ok(()),
            _ = sighup.recv() => return Ok(()),
        };
        for effect in update(&mut state, action) {
            match effect {
                Effect::Quit => return Ok(()),
                Effect::RefreshNow => poller.refresh_now(),
                Effect::Playback(command) => {
                    let Some(sim) = &options.playback else {
                        continue;
                    };
                    match command {
                        PlaybackCommand::TogglePause => {
                            sim.toggle_pause();
                        }
                        PlaybackCommand::Step => sim.advance(STEP),
                        PlaybackCommand::Slower => {
                            sim.scale_speed(0.5);
                        }
                        PlaybackCommand::Faster => {
                            sim.scale_speed(2.0);
                        }
                        PlaybackCommand::Restart => {
                            sim.restart(Utc::now().with_nanosecond(0).unwrap_or_else(Utc::now));
                            state.clock = cloud.clock();
                            update(&mut state, Action::WorldReset(cloud.world()));
                            // The old world's poller goes; the new one carries the new epoch.
                            poller = Poller::spawn(
                                cloud.clone(),
                                &options.intervals,
                                state.epoch,
                                tx.clone(),
                            );
                        }
                    }
                    poller.refresh_now();
                    state.world = cloud.world();
                    state.playback = cloud.playback_state();
                    state.dirty = true;
                }
                Effect::Execute { id, plan } => {
                    let ops = options.ops.clone();
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        let stages = tx.clone();
                        let progress = move |stage: String| {
                            let _ = stages.try_send(Action::OpStage { id, stage });
                        };
                        let result = ops.execute(&plan, &progress).await;
                        match &result {
                            Ok(o) => tracing::info!(
                                action = plan.request.action(),
                                verified = o.verified,
                                elapsed_ms = o.elapsed.as_millis() as u64,
                                "action carried out"
                            ),
                            Err(e) => {
                                tracing::warn!(action = plan.request.action(), error = %e, "action not carried out")
                            }
                        }
                        let _ = tx.send(Action::OpDone { id, result }).await;
                    });
                }
            }
        }
    }
}

/// Milliseconds since `start`, for the start-up figures `scripts/first-frame` reads.
fn since(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}
