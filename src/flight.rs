//! The flight recorder's headless side: `patrol record` (a world, polled as the console
//! polls it, written to a recording), `patrol events FILE` and `patrol snapshot --from FILE`
//! (reading one back), and the moments their flags name.

use crate::app::{update, Action, AppState};
use crate::poll::{PollEvent, Poller};
use crate::record::{Event, RecordError, Recording, Tape};
use crate::world::OpenWorld;
use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use std::path::{Path, PathBuf};
use tokio::sync::mpsc;

/// Where recordings go when no file is named: `$XDG_STATE_HOME/patrol/recordings/`.
pub fn recordings_dir() -> PathBuf {
    crate::cli::state_dir().join("recordings")
}

/// A new recording's path in the default folder.
pub fn default_file(world: &crate::model::WorldInfo, at: DateTime<Utc>) -> PathBuf {
    recordings_dir().join(file_name(world, at))
}

/// A new recording's file name: when it started, and which world.
pub fn file_name(world: &crate::model::WorldInfo, at: DateTime<Utc>) -> String {
    let which = match world {
        crate::model::WorldInfo::Simulated { scenario, .. } => format!("sim-{scenario}"),
        crate::model::WorldInfo::Replay { .. } => "replay".to_string(),
        crate::model::WorldInfo::Aws {
            account_id, region, ..
        } => format!(
            "aws-{}-{region}",
            account_id.as_deref().unwrap_or("account")
        ),
    };
    format!("{}-{which}.sqlite", at.format("%Y%m%dT%H%M%SZ"))
}

/// What `patrol record` did.
#[derive(Debug, Default, PartialEq)]
pub struct Recorded {
    pub refreshes: u64,
    pub failures: u64,
    pub events: u64,
}

/// Records `world` to `to` until `stop` resolves (a duration, Ctrl-C): every refresh of
/// every source, at the console's intervals, and the events the console would derive.
pub async fn record(
    world: OpenWorld,
    to: &Path,
    stop: impl std::future::Future<Output = ()>,
) -> Result<Recorded, RecordError> {
    let cloud = world.cloud.clone();
    let mut tape = Tape::create(to, &cloud.world(), cloud.clock())?;
    let (tx, mut polled) = mpsc::channel::<PollEvent>(256);
    let _poller = Poller::spawn(cloud.clone(), world.prober.clone(), &world.intervals, 0, tx);
    let clock = world.playback.as_ref().map(|p| tokio::spawn(p.run_clock()));
    let mut state = AppState::new(cloud.world(), &world.intervals, cloud.clock());
    let mut done = Recorded::default();
    let mut written = state.events.total();
    tokio::pin!(stop);
    let result = loop {
        let event = tokio::select! {
            _ = &mut stop => break Ok(()),
            e = polled.recv() => match e {
                Some(e) => e,
                None => break Ok(()),
            },
        };
        let wall = Utc::now();
        update(
            &mut state,
            Action::Tick {
                wall,
                clock: cloud.clock(),
                narration: None,
                playback: None,
            },
        );
        if let PollEvent::Refreshed {
            source, at, result, ..
        } = &event
        {
            let written_now = match result {
                Ok(payload) => tape.refreshed(*source, *at, payload),
                Err(e) => {
                    done.failures += 1;
                    tape.failed(*source, *at, e)
                }
            };
            if let Err(e) = written_now {
                break Err(e);
            }
            done.refreshes += 1;
        }
        update(&mut state, Action::Polled(event));
        // The events the console derived from it, oldest first (counted by number: the
        // journal keeps only the latest, the recording keeps them all).
        let fresh: Vec<Event> = state.events.since(written);
        written = state.events.total();
        done.events += fresh.len() as u64;
        if let Err(e) = tape.events(&fresh) {
            break Err(e);
        }
    };
    if let Some(c) = clock {
        c.abort();
    }
    result.map(|()| done)
}

/// A moment named on the command line: an RFC 3339 time, a time of day (on the
/// recording's first day, or the next when it is earlier than the start), or `+5m` from the
/// start. The error says which forms are understood.
pub fn moment(text: &str, start: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    if let Some(rest) = text.strip_prefix('+') {
        let span = crate::duration::Span::parse_arg(rest).map_err(|e| format!("{text:?}: {e}"))?;
        let d = Duration::from_std(span.0).map_err(|e| format!("{text:?}: {e}"))?;
        return Ok(start + d);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    for format in ["%H:%M:%S", "%H:%M"] {
        if let Ok(t) = NaiveTime::parse_from_str(text, format) {
            let day = start.date_naive();
            let mut at = Utc.from_utc_datetime(&day.and_time(t));
            if at < start - Duration::seconds(1) && start.time() > t {
                at += Duration::days(1);
            }
            return Ok(at);
        }
    }
    Err(format!(
        "{text:?} is not a moment: write a time of day (14:03:10), an RFC 3339 time \
         (2026-11-30T14:03:10Z) or a span from the start (+5m)"
    ))
}

/// `patrol events FILE`: the events as lines, or one JSON document per line.
pub fn events_text(events: &[Event], json: bool) -> String {
    let mut out = String::new();
    if json {
        for e in events {
            out.push_str(&serde_json::to_string(e).unwrap_or_default());
            out.push('\n');
        }
        return out;
    }
    if events.is_empty() {
        out.push_str("no events in that span\n");
    }
    for e in events {
        out.push_str(&format!(
            "{}  {:<9} {:<34} {:<28} {}\n",
            e.at.format("%Y-%m-%d %H:%M:%S"),
            e.kind.as_str(),
            e.resource,
            e.change(),
            e.detail
        ));
    }
    out
}

/// `patrol events FILE [--since T] [--until T] [--json]`, as text to print.
pub fn events_of(
    file: &Path,
    since: Option<&str>,
    until: Option<&str>,
    json: bool,
) -> anyhow::Result<String> {
    let recording = Recording::open(file)?;
    warn_damage(file, &recording);
    let at = |flag: &str, t: Option<&str>| -> anyhow::Result<Option<DateTime<Utc>>> {
        t.map(|t| moment(t, recording.started_at))
            .transpose()
            .map_err(|e| anyhow::anyhow!("{flag} {e}"))
    };
    let events = recording.events(at("--since", since)?, at("--until", until)?)?;
    Ok(events_text(&events, json))
}

/// Says on stderr that a recording is damaged and how much of it is read.
fn warn_damage(file: &Path, recording: &Recording) {
    if let Some(d) = &recording.damage {
        eprintln!("patrol: recording {}: {d}", file.display());
    }
}

/// `patrol snapshot --from FILE --at T`: the fleet as the recording shows it then. A moment
/// outside what the recording holds is refused, not answered with its nearest end.
pub fn snapshot_from(file: &Path, at: &str) -> anyhow::Result<crate::model::Snapshot> {
    let recording = Recording::open(file)?;
    warn_damage(file, &recording);
    let text = at;
    let at = moment(at, recording.started_at).map_err(|e| anyhow::anyhow!("--at {e}"))?;
    let Some((first, last)) = recording.span()? else {
        anyhow::bail!("recording {}: nothing was recorded in it", file.display());
    };
    let clock = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M:%S").to_string();
    // Past the last refresh the fleet is as last read, for as long as a refresh takes to
    // come round; past the damage nothing is known.
    let slack = match recording.damage {
        Some(_) => Duration::zero(),
        None => Duration::seconds(60),
    };
    if at < first || at > last + slack {
        let ends = if recording.damage.is_some() {
            "is readable (the rest is damaged)"
        } else {
            "holds"
        };
        anyhow::bail!(
            "--at {text:?} ({}) is outside what recording {} {ends}: {} to {}",
            clock(at),
            file.display(),
            clock(first),
            clock(last)
        );
    }
    Ok(recording.snapshot_at(at)?)
}

/// Resolves after `duration` (wall time), or at Ctrl-C, whichever comes first.
pub async fn stop_after(duration: Option<std::time::Duration>) {
    match duration {
        Some(d) => tokio::select! {
            _ = tokio::time::sleep(d) => {},
            _ = tokio::signal::ctrl_c() => {},
        },
        None => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// `patrol replay FILE [--at T]`: the recording as a read-only world, and the console's
/// options for it (the caller fills in what it knows: checks, theme, audit log).
pub fn replay_world(
    file: &Path,
    at: Option<&str>,
    config: &crate::config::Config,
) -> anyhow::Result<(OpenWorld, crate::tui::Options)> {
    let replay = crate::record::Replay::open(file)?;
    if let Some(at) = at {
        let (first, _) = replay.span();
        replay.seek(moment(at, first).map_err(|e| anyhow::anyhow!("--at {e}"))?);
    }
    let shared = std::sync::Arc::new(replay);
    let world = OpenWorld {
        cloud: shared.clone(),
        playback: Some(shared),
        // Read often: the cursor moves as fast as the operator plays it.
        intervals: crate::poll::Intervals::every(std::time::Duration::from_secs(1)),
        read_only: true,
        production: None,
        // A recording's probes are played back, never sent again.
        prober: std::sync::Arc::new(crate::probe::Prober::off()),
    };
    let options = crate::tui::Options {
        opener: crate::world::Opener {
            config: config.clone(),
            seed: 42,
            speed: 1.0,
            read_only: true,
            deep_path: crate::patterns::Settings::default().deep_path,
        },
        audit_log: PathBuf::new(),
        started: std::time::Instant::now(),
        checks: Default::default(),
        keymap: config.keys.clone(),
        choices: Default::default(),
        mouse: config.mouse,
        no_color: false,
        export_dir: std::env::current_dir().unwrap_or_default(),
        name: file.display().to_string(),
        others: Vec::new(),
        board_every: std::time::Duration::from_secs(30),
        // A replay is not recorded again.
        record: None,
    };
    Ok((world, options))
}
