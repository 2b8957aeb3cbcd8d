//! The terminal: set-up and restore (also on panic and on signals) and the one event loop.

use crate::app::{update, Action, AppState, Effect, PlaybackCommand};
use crate::cloud::Cloud;
use crate::ops::{AuditLog, Ops};
use crate::patterns::Settings;
use crate::poll::{PollEvent, Poller};
use crate::theme::Theme;
use crate::ui;
use crate::world::{OpenWorld, Opener};
use anyhow::Context;
use chrono::{Timelike, Utc};
use crossterm::event::{Event, EventStream, KeyCode, KeyEvent, KeyModifiers, MouseEventKind};
use futures::StreamExt;
use ratatui::backend::Backend;
use ratatui::Terminal;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// At most this many frames a second.
const FRAME: Duration = Duration::from_millis(33);
/// How much scenario time one step (`.`) lets pass.
const STEP: Duration = Duration::from_secs(10);
/// How often the clocks and ages on screen are brought up to date.
const TICK: Duration = Duration::from_millis(250);

/// What the loop needs besides the first world and the theme.
pub struct Options {
    /// Opens the worlds the operator switches to.
    pub opener: Opener,
    /// Where actions are recorded.
    pub audit_log: PathBuf,
    /// When the process started, to log the time to the first frame.
    pub started: Instant,
    /// What the pattern checks compare against.
    pub checks: Settings,
    /// Names for completion and pickers, and the key map.
    pub keymap: crate::keymap::KeyMap,
    pub choices: crate::app::command::Choices,
    /// Mouse wheel scrolls (off by default, so terminal text selection keeps working).
    pub mouse: bool,
    /// NO_COLOR, for themes loaded at runtime.
    pub no_color: bool,
    /// Where `e` writes exports (the working directory).
    pub export_dir: PathBuf,
    /// Where the session is recorded (`None`: not recorded).
    pub record: Option<crate::record::RecordSettings>,
    /// The world's name on the board (the Fleet view).
    pub name: String,
    /// The other watched targets, opened or why not: they keep refreshing, slower, and
    /// Enter on the board shows one.
    pub others: Vec<(String, Result<OpenWorld, String>)>,
    /// How often a watched target that is not on screen is read.
    pub board_every: Duration,
}

/// The world on screen and what runs for it.
struct Shown {
    cloud: Arc<dyn Cloud>,
    ops: Arc<Ops>,
    poller: Poller,
    /// The simulator's clock, when the world is simulated.
    clock: Option<JoinHandle<()>>,
    /// Maps the poller's events to actions.
    forward: JoinHandle<()>,
    playback: Option<Arc<dyn crate::playback::Playback>>,
    intervals: crate::poll::Intervals,
    prober: Arc<crate::probe::Prober>,
}

impl Shown {
    fn start(
        world: OpenWorld,
        audit_log: &std::path::Path,
        epoch: u64,
        (tag, tx): (usize, &mpsc::Sender<(usize, PollEvent)>),
    ) -> Shown {
        let ops = Arc::new(Ops::new(
            world.cloud.clone(),
            AuditLog::new(audit_log.to_path_buf()),
            world.read_only,
        ));
        // The poller speaks its own events; here they become the console's actions. Small
        // queues: a refresh waits for the console rather than piling up (each may hold a
        // whole fleet).
        let (polled_tx, mut polled) = mpsc::channel::<PollEvent>(16);
        let poller = Poller::spawn(
            world.cloud.clone(),
            world.prober.clone(),
            &world.intervals,
            epoch,
            polled_tx,
        );
        let tagged = tx.clone();
        let forward = tokio::spawn(async move {
            while let Some(event) = polled.recv().await {
                if tagged.send((tag, event)).await.is_err() {
                    return;
                }
            }
        });
        let clock = world
            .playback
            .as_ref()
            .map(|playback| tokio::spawn(playback.run_clock()));
        Shown {
            cloud: world.cloud,
            ops,
            poller,
            clock,
            forward,
            playback: world.playback,
            intervals: world.intervals,
            prober: world.prober,
        }
    }
}

impl Drop for Shown {
    fn drop(&mut self) {
        self.forward.abort();
        if let Some(c) = &self.clock {
            c.abort();
        }
    }
}

/// Runs the console until the operator quits or a signal arrives. The terminal is restored on
/// every way out: return, error, panic (ratatui's hook), SIGTERM, SIGINT, SIGHUP.
pub async fn run(world: OpenWorld, theme: Theme, options: Options) -> anyhow::Result<()> {
    let mut terminal = ratatui::try_init().context("cannot set up the terminal")?;
    if options.mouse {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture);
    }
    // Terminal events are read on a task of their own and stamped as they arrive, so the
    // time from a key to its frame counts the time the key waited for the loop.
    let (stamped, events) = futures::channel::mpsc::unbounded();
    let reader = tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(event) = events.next().await {
            if stamped.unbounded_send((Instant::now(), event)).is_err() {
                return;
            }
        }
    });
    let result = match signals() {
        Ok(stop) => event_loop(&mut terminal, events, stop, world, theme, options).await,
        Err(e) => Err(e),
    };
    reader.abort();
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
    ratatui::restore();
    result
}

/// Completes when SIGTERM, SIGINT or SIGHUP arrives.
fn signals() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sighup = signal(SignalKind::hangup())?;
    Ok(async move {
        tokio::select! {
            _ = sigterm.recv() => {}
            _ = sigint.recv() => {}
            _ = sighup.recv() => {}
        }
    })
}

/// The console's one loop, on any terminal backend and any stream of terminal events (each
/// with the moment it arrived), until the operator quits, the events end, or `stop`
/// completes (a signal). Whole-app tests run it on ratatui's TestBackend with keys they send.
pub async fn event_loop<B, E>(
    terminal: &mut Terminal<B>,
    events: E,
    stop: impl std::future::Future<Output = ()>,
    world: OpenWorld,
    theme: Theme,
    options: Options,
) -> anyhow::Result<()>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    E: futures::Stream<Item = (Instant, std::io::Result<Event>)> + Unpin,
{
    let mut key_to_frame = Latencies::default();
    let result = run_loop(
        terminal,
        events,
        stop,
        world,
        theme,
        options,
        &mut key_to_frame,
    )
    .await;
    if let Some((n, p50, p99, max)) = key_to_frame.summary() {
        tracing::info!(
            keys = n,
            p50_ms = ms(p50),
            p99_ms = ms(p99),
            max_ms = ms(max),
            "key-to-frame"
        );
    }
    result
}

/// Records a refresh of the world on screen (one of its own epoch).
fn record(recorder: &crate::record::Recorder, state: &AppState, event: &PollEvent) {
    if let PollEvent::Refreshed {
        source,
        epoch,
        at,
        result,
        ..
    } = event
    {
        if *epoch == state.epoch {
            recorder.refreshed(*source, *at, result);
        }
    }
}

/// Logs (at debug) what held the loop longer than a frame's budget: the operator's next key
/// waited for it.
fn slow(what: &str, kind: &str, from: Instant) {
    let took = from.elapsed();
    if took > Duration::from_millis(16) {
        tracing::debug!(what, kind, ms = ms(took), "slow turn");
    }
}

/// Milliseconds, to a tenth.
fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 10_000.0).round() / 10.0
}

/// Times from a key's arrival to the frame that shows its effect (the last 100,000).
#[derive(Debug, Default)]
pub struct Latencies(std::collections::VecDeque<Duration>);

impl Latencies {
    const KEPT: usize = 100_000;

    pub fn push(&mut self, d: Duration) {
        if self.0.len() == Self::KEPT {
            self.0.pop_front();
        }
        self.0.push_back(d);
    }

    /// How many, the median, the 99th percentile and the slowest.
    pub fn summary(&self) -> Option<(usize, Duration, Duration, Duration)> {
        let mut v: Vec<Duration> = self.0.iter().copied().collect();
        v.sort();
        let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
        (!v.is_empty()).then(|| (v.len(), at(0.5), at(0.99), at(1.0)))
    }
}

#[allow(clippy::too_many_arguments)]
async fn run_loop<B, E>(
    terminal: &mut Terminal<B>,
    mut events: E,
    stop: impl std::future::Future<Output = ()>,
    world: OpenWorld,
    mut theme: Theme,
    mut options: Options,
    key_to_frame: &mut Latencies,
) -> anyhow::Result<()>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    E: futures::Stream<Item = (Instant, std::io::Result<Event>)> + Unpin,
{
    tokio::pin!(stop);
    let mut state = AppState::new(world.cloud.world(), &world.intervals, Utc::now());
    state.checks = options.checks.clone();
    state.keymap = options.keymap.clone();
    state.choices = options.choices.clone();
    let size = terminal.size()?;
    state.size = (size.width, size.height);

    let (tx, mut rx) = mpsc::channel(1024);
    let (switched_tx, mut switched) = mpsc::channel::<(u64, anyhow::Result<OpenWorld>)>(4);
    // Checks run away from the loop, by target (the one on screen, or one on the board).
    let (checked_tx, mut checked) = mpsc::channel::<(usize, crate::app::Checked)>(16);
    let check = move |tag: usize, job: Box<crate::app::CheckJob>| {
        let done = checked_tx.clone();
        tokio::task::spawn_blocking(move || {
            crate::background::lower_priority();
            let _ = done.blocking_send((tag, job.run()));
        });
    };
    // Refreshes of the target on screen are made ready away from the loop (`prepare`), one
    // batch at a time; those that arrive meanwhile wait for the next batch, in order.
    let (prepared_tx, mut prepared) = mpsc::channel::<(usize, Vec<crate::app::prepare::Ready>)>(4);
    let mut preparing: Option<usize> = None;
    let mut waiting: Vec<(usize, PollEvent)> = Vec::new();
    let prepare = move |tag: usize, job: crate::app::prepare::Preparation| {
        let done = prepared_tx.clone();
        tokio::task::spawn_blocking(move || {
            crate::background::lower_priority();
            let _ = done.blocking_send((tag, job.run()));
        });
    };
    let recorder = options.record.as_ref().map(crate::record::Recorder::start);
    if let Some(r) = &recorder {
        r.world(&world.cloud.world(), world.cloud.clock());
    }
    let mut recorded = state.events.total();
    // How far a replay's recorded events have been shown.
    let mut replayed_to: Option<chrono::DateTime<Utc>> = None;
    // Every watched target's poller speaks on one channel, tagged with its place on the
    // board (0: the one on screen at start). The one on screen is `state` and `shown`; the
    // others are parked, refreshing slowly, until Enter on the board shows one.
    let (polled_tx, mut polled) = mpsc::channel::<(usize, PollEvent)>(64);
    let mut focus = 0usize;
    let others = std::mem::take(&mut options.others);
    let names: Vec<String> = std::iter::once(options.name.clone())
        .chain(others.iter().map(|(n, _)| n.clone()))
        .collect();
    let mut parked: Vec<Option<Parked>> = vec![None];
    for (n, (_, opened)) in others.into_iter().enumerate() {
        parked.push(Some(opened.map(|world| {
            let mut st = AppState::new(world.cloud.world(), &world.intervals, Utc::now());
            st.checks = options.checks.clone();
            st.keymap = options.keymap.clone();
            st.choices = options.choices.clone();
            st.size = state.size;
            let sh = show(&mut st, world, &options.audit_log, (n + 1, &polled_tx));
            sh.poller.slow_down(Some(options.board_every));
            st.set_pace(&sh.intervals, Some(options.board_every));
            (st, sh)
        })));
    }
    if names.len() > 1 {
        state.view = crate::app::View::Fleet;
    }
    let mut shown = show(&mut state, world, &options.audit_log, (focus, &polled_tx));
    let rows = board(&names, focus, &state, &parked);
    update(&mut state, Action::Board(rows));
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last_draw: Option<Instant> = None;
    let mut full_frame_logged = false;
    // The arrival of the oldest key whose effect is not drawn yet: it is drawn at once,
    // whatever the frame rate (what the operator waits for comes first).
    let mut key_waiting: Option<Instant> = None;

    loop {
        let since_draw = last_draw.map_or(FRAME, |t| t.elapsed());
        if state.dirty && (since_draw >= FRAME || state.must_draw_now() || key_waiting.is_some()) {
            let drawing = Instant::now();
            let drawn = terminal.draw(|f| ui::draw(f, &state, &theme))?.area;
            slow("frame", state.view.title(), drawing);
            if let Some(at) = key_waiting.take() {
                key_to_frame.push(at.elapsed());
            }
            update(&mut state, Action::Drawn(drawn.width, drawn.height));
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
            // The operator first: a key waiting is taken before any refresh.
            biased;
            event = events.next() => match event {
                Some((at, Ok(Event::Key(key)))) => {
                    key_waiting.get_or_insert(at);
                    Action::Key(key)
                }
                Some((_, Ok(Event::Resize(w, h)))) => Action::Resize(w, h),
                Some((at, Ok(Event::Mouse(m)))) => match m.kind {
                    MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                        key_waiting.get_or_insert(at);
                        let code = if m.kind == MouseEventKind::ScrollDown {
                            KeyCode::Down
                        } else {
                            KeyCode::Up
                        };
                        Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
                    }
                    _ => continue,
                },
                Some((_, Ok(_))) => continue,
                Some((_, Err(e))) => return Err(e).context("reading terminal events"),
                None => return Ok(()),
            },
            Some(action) = rx.recv() => action,
            Some((tag, event)) = polled.recv() => {
                if tag == focus && crate::app::prepare::worth_preparing(&event) {
                    if preparing.is_some() {
                        waiting.push((tag, event));
                    } else {
                        preparing = Some(tag);
                        prepare(tag, crate::app::prepare::Preparation::new(&mut state, vec![event], &theme));
                    }
                    continue;
                } else if tag == focus {
                    Action::Polled(event)
                } else {
                    // A parked target: its own state takes it; the board follows at the
                    // next tick.
                    if let Some(Some(Ok((st, _)))) = parked.get_mut(tag) {
                        update(st, Action::Polled(event));
                    }
                    continue;
                }
            }
            Some((tag, ready)) = prepared.recv() => {
                preparing = None;
                // Refreshes that arrived meanwhile: the one on screen's are made ready in
                // turn (from its state once this batch is in), a target's that has left the
                // screen are applied at once.
                let (next, left): (Vec<_>, Vec<_>) =
                    std::mem::take(&mut waiting).into_iter().partition(|(t, _)| *t == focus);
                if let Some(r) = recorder.as_ref().filter(|_| tag == focus) {
                    for ready in &ready {
                        record(r, &state, &ready.event);
                    }
                }
                if tag == focus {
                    update(&mut state, Action::Prepared(ready));
                } else if let Some(Some(Ok((st, _)))) = parked.get_mut(tag) {
                    update(st, Action::Prepared(ready));
                }
                for (t, event) in left {
                    if let Some(Some(Ok((st, _)))) = parked.get_mut(t) {
                        update(st, Action::Polled(event));
                    }
                }
                if !next.is_empty() {
                    preparing = Some(focus);
                    let events = next.into_iter().map(|(_, e)| e).collect();
                    prepare(focus, crate::app::prepare::Preparation::new(&mut state, events, &theme));
                }
                continue;
            }
            Some((tag, done)) = checked.recv() => {
                if tag == focus {
                    Action::Checked(done)
                } else {
                    if let Some(Some(Ok((st, _)))) = parked.get_mut(tag) {
                        update(st, Action::Checked(done));
                    }
                    continue;
                }
            }
            Some((id, result)) = switched.recv() => {
                let latest = state.switching.as_ref().is_some_and(|(s, _)| *s == id);
                match result {
                    // A superseded request's world is dropped unseen.
                    Ok(_) if !latest => continue,
                    Ok(world) => {
                        // The old world's poller and clock stop here; nothing of it is drawn
                        // again. Its recording ends; the new world's begins.
                        if let Some(r) = &recorder {
                            r.world(&world.cloud.world(), world.cloud.clock());
                        }
                        shown = show(&mut state, world, &options.audit_log, (focus, &polled_tx));
                        Action::SwitchDone { id, result: Ok(()) }
                    }
                    Err(e) => Action::SwitchDone { id, result: Err(format!("{e:#}")) },
                }
            }
            _ = ticker.tick() => Action::Tick {
                wall: Utc::now(),
                clock: shown.cloud.clock(),
                narration: shown.playback.as_ref().and_then(|p| p.narration()),
                playback: shown.playback.as_ref().map(|p| p.playback_state()),
            },
            _ = tokio::time::sleep(redraw_in), if state.dirty => continue,
            _ = &mut stop => return Ok(()),
        };
        if let (Some(r), Action::Polled(event)) = (&recorder, &action) {
            record(r, &state, event);
        }
        let turn = (Instant::now(), action.kind());
        let ticked = matches!(action, Action::Tick { .. });
        let was_on_board = state.view == crate::app::View::Fleet;
        let effects = update(&mut state, action);
        slow("update", turn.1, turn.0);
        if !state.dirty {
            // A key that changed nothing has no frame to wait for.
            key_waiting = None;
        }
        // A replay's recorded events follow its cursor (from the start again after a seek
        // back).
        if ticked {
            if let Some(p) = &shown.playback {
                let cursor = shown.cloud.clock();
                let back = replayed_to.is_some_and(|t| cursor < t);
                let after = if back { None } else { replayed_to };
                if let Some(events) = p.recorded_events(after, cursor) {
                    update(
                        &mut state,
                        Action::Replayed {
                            events,
                            from_start: replayed_to.is_none() || back,
                        },
                    );
                    replayed_to = Some(cursor);
                }
            }
        }
        if ticked {
            // The parked targets' clocks move too (their data ages, their playback runs),
            // and the board is brought up to date.
            let wall = Utc::now();
            for (tag, slot) in parked.iter_mut().enumerate() {
                let Some(Ok((st, sh))) = slot else {
                    continue;
                };
                let effects = update(
                    st,
                    Action::Tick {
                        wall,
                        clock: sh.cloud.clock(),
                        narration: sh.playback.as_ref().and_then(|p| p.narration()),
                        playback: sh.playback.as_ref().map(|p| p.playback_state()),
                    },
                );
                for effect in effects {
                    if let Effect::Check(job) = effect {
                        check(tag, job);
                    }
                }
            }
        }
        // The board's rows are read from every target only while the board is on screen:
        // at each tick, and at once when it comes on screen (never old rows first).
        let on_board = state.view == crate::app::View::Fleet;
        if on_board && (ticked || !was_on_board) {
            let rows = board(&names, focus, &state, &parked);
            update(&mut state, Action::Board(rows));
        }
        if let Some(r) = &recorder {
            r.events(state.events.since(recorded));
            recorded = state.events.total();
        }
        for effect in effects {
            match effect {
                Effect::Quit => return Ok(()),
                Effect::Dive(name) => {
                    let Some(tag) = names.iter().position(|n| *n == name) else {
                        continue;
                    };
                    match parked.get_mut(tag).and_then(Option::take) {
                        Some(Ok((mut st, sh))) => {
                            st.size = state.size;
                            st.view = crate::app::View::Overview;
                            st.dirty = true;
                            // The one on screen is read at its own intervals; the one left
                            // goes back to the board's pace.
                            sh.poller.slow_down(None);
                            st.set_pace(&sh.intervals, None);
                            shown.poller.slow_down(Some(options.board_every));
                            state.set_pace(&shown.intervals, Some(options.board_every));
                            let left = (
                                std::mem::replace(&mut state, st),
                                std::mem::replace(&mut shown, sh),
                            );
                            parked[focus] = Some(Ok(left));
                            focus = tag;
                            if let Some(r) = &recorder {
                                r.world(&shown.cloud.world(), shown.cloud.clock());
                            }
                            recorded = state.events.total();
                            replayed_to = None;
                            let rows = board(&names, focus, &state, &parked);
                            update(&mut state, Action::Board(rows));
                        }
                        other => {
                            if let Some(slot) = parked.get_mut(tag) {
                                *slot = other;
                            }
                            update(&mut state, Action::Notice(format!("{name} is not open")));
                        }
                    }
                }
                Effect::RefreshNow => shown.poller.refresh_now(),
                Effect::Playback(command) => {
                    let Some(sim) = shown.playback.clone() else {
                        continue;
                    };
                    match command {
                        PlaybackCommand::TogglePause => {
                            sim.toggle_pause();
                        }
                        PlaybackCommand::Step => sim.advance(STEP),
                        PlaybackCommand::Goto(moment) => {
                            let said = match sim.goto(&moment) {
                                Ok(at) => format!("at {}", at.format("%H:%M:%S UTC")),
                                Err(e) => e,
                            };
                            update(&mut state, Action::Notice(said));
                            shown.poller.refresh_now();
                        }
                        PlaybackCommand::NextEvent | PlaybackCommand::PrevEvent => {
                            let forward = command == PlaybackCommand::NextEvent;
                            let said = match sim.jump(forward) {
                                Some(at) => format!("at {}", at.format("%H:%M:%S UTC")),
                                None => "no recorded event that way".into(),
                            };
                            update(&mut state, Action::Notice(said));
                            shown.poller.refresh_now();
                        }
                        PlaybackCommand::Slower => {
                            sim.scale_speed(0.5);
                        }
                        PlaybackCommand::Faster => {
                            sim.scale_speed(2.0);
                        }
                        PlaybackCommand::Restart => {
                            sim.restart(Utc::now().with_nanosecond(0).unwrap_or_else(Utc::now));
                            // Time starts again: so does the recording.
                            if let Some(r) = &recorder {
                                r.world(&shown.cloud.world(), shown.cloud.clock());
                            }
                            // The same simulator, shown afresh: a new epoch, poller and clock.
                            let world = OpenWorld {
                                cloud: shown.cloud.clone(),
                                playback: Some(sim.clone()),
                                intervals: shown.intervals.clone(),
                                read_only: state.read_only,
                                production: state.production.clone(),
                                prober: shown.prober.clone(),
                            };
                            shown =
                                show(&mut state, world, &options.audit_log, (focus, &polled_tx));
                        }
                    }
                    shown.poller.refresh_now();
                    update(
                        &mut state,
                        Action::PlaybackChanged {
                            world: shown.cloud.world(),
                            playback: Some(sim.playback_state()),
                        },
                    );
                }
                Effect::Switch { id, spec } => {
                    let opener = options.opener.clone();
                    let done = switched_tx.clone();
                    tokio::spawn(async move {
                        // A world whose endpoint does not answer never replaces the one on
                        // screen (a mistyped region, a dead endpoint).
                        let result = match opener.open(&spec).await {
                            Ok(world) => match world.cloud.probe().await {
                                Ok(()) => Ok(world),
                                Err(e) => Err(anyhow::anyhow!("its endpoint did not answer ({e})")),
                            },
                            Err(e) => Err(e),
                        };
                        let _ = done.send((id, result)).await;
                    });
                }
                Effect::LoadTheme(name) => {
                    let notice = match Theme::load(Some(&name), options.no_color) {
                        Ok(t) => {
                            theme = t;
                            format!("theme {name}")
                        }
                        Err(e) => format!("{e}"),
                    };
                    update(&mut state, Action::Notice(notice));
                }
                Effect::Export {
                    file_name,
                    contents,
                    rows,
                } => {
                    let path = options.export_dir.join(&file_name);
                    let notice = match std::fs::write(&path, contents) {
                        Ok(()) => format!(
                            "exported {} to {}",
                            crate::model::plural(rows, "row"),
                            path.display()
                        ),
                        Err(e) => format!("cannot write {}: {e}", path.display()),
                    };
                    update(&mut state, Action::Notice(notice));
                }
                Effect::Check(job) => check(focus, job),
                Effect::Copy(text) => {
                    let mut out = std::io::stdout();
                    let sent = out
                        .write_all(osc52(&text).as_bytes())
                        .and_then(|_| out.flush());
                    let notice = match sent {
                        Ok(()) => format!(
                            "copied {text} (OSC 52: the terminal must allow clipboard writes)"
                        ),
                        Err(e) => format!("cannot copy: {e}"),
                    };
                    update(&mut state, Action::Notice(notice));
                }
                Effect::Execute { id, plan } => {
                    let ops = shown.ops.clone();
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        let stages = tx.clone();
                        let progress = move |stage: String| {
                            let _ = stages.try_send(Action::OpStage { id, stage });
                        };
                        let result = ops.execute(&plan, &progress).await;
                        match &result {
                            Ok(o) => tracing::info!(
                                action = plan.action.name(),
                                verified = o.verified,
                                elapsed_ms = o.elapsed.as_millis() as u64,
                                "action carried out"
                            ),
                            Err(e) => {
                                tracing::warn!(action = plan.action.name(), error = %e, "action not carried out")
                            }
                        }
                        let _ = tx.send(Action::OpDone { id, result }).await;
                    });
                }
            }
        }
    }
}

/// Puts a world on screen: the console forgets the one before (a new epoch, so its late
/// answers are dropped) and the new world's poller and clock start. The old world's stop
/// when its `Shown` is dropped.
/// A watched target not on screen: its console state and its world, or why it could not
/// be opened.
type Parked = Result<(AppState, Shown), String>;

/// Every watched target's row for the Fleet view, in the board's order.
fn board(
    names: &[String],
    focus: usize,
    state: &AppState,
    parked: &[Option<Parked>],
) -> Vec<crate::app::rows::BoardRow> {
    use crate::app::rows::BoardRow;
    (names.iter().enumerate())
        .map(|(tag, name)| match parked.get(tag) {
            _ if tag == focus => BoardRow::of(name, state, true),
            Some(Some(Ok((st, _)))) => BoardRow::of(name, st, false),
            Some(Some(Err(e))) => BoardRow::failed(name, e.clone()),
            _ => BoardRow::failed(name, "not opened".into()),
        })
        .collect()
}

fn show(
    state: &mut AppState,
    world: OpenWorld,
    audit_log: &std::path::Path,
    tx: (usize, &mpsc::Sender<(usize, PollEvent)>),
) -> Shown {
    update(
        state,
        Action::WorldReset {
            world: world.cloud.world(),
            intervals: world.intervals.clone(),
            read_only: world.read_only,
            production: world.production.clone(),
            clock: world.cloud.clock(),
        },
    );
    Shown::start(world, audit_log, state.epoch, tx)
}

/// The OSC 52 sequence that puts `text` on the terminal's clipboard.
pub fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", base64(text.as_bytes()))
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (chunk[0] as u32) << 16
            | (*chunk.get(1).unwrap_or(&0) as u32) << 8
            | *chunk.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Milliseconds since `start`, for the start-up figures `scripts/first-frame` reads.
fn since(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    #[test]
    fn osc52_is_base64_with_padding() {
        assert_eq!(super::base64(b"i-0abc"), "aS0wYWJj");
        assert_eq!(super::base64(b"ab"), "YWI=");
        assert_eq!(super::base64(b"a"), "YQ==");
        assert_eq!(super::osc52("hi"), "\x1b]52;c;aGk=\x07");
    }
}
