//! Recordings: a scenario recorded refresh by refresh and read back gives the same fleet at
//! the same moments, byte for byte, and the same events; bad files are named and explained.

use crate::{secs, snapshot, start, state_of};
use patrol::cloud::sim::{Scenario, SimCloud};
use patrol::cloud::Source;
use patrol::model::Snapshot;
use patrol::playback::Playback;
use patrol::record::{Event, Recording, Tape};

/// Records `scenario` for `seconds` of world time, every source every 5 s, as the console
/// sees it; returns the fleet the console held at each refresh and the events it derived.
pub fn recorded(
    scenario: &str,
    seconds: u64,
    file: &std::path::Path,
) -> (Vec<Snapshot>, Vec<Event>) {
    let sim = SimCloud::new(&Scenario::load(scenario).unwrap(), 42, start(), 1.0);
    let first = snapshot(&sim);
    let mut tape = Tape::create(file, &first.world, first.taken_at).unwrap();
    let mut state = state_of(&first);
    for (source, payload) in crate::payloads(&first) {
        tape.refreshed(source, first.taken_at, &payload).unwrap();
    }
    let mut seen = vec![first];
    let mut written = state.events.total();
    for n in 0..seconds / 5 {
        sim.advance(secs(5));
        let s = snapshot(&sim);
        for (source, payload) in crate::payloads(&s) {
            tape.refreshed(source, s.taken_at, &payload).unwrap();
        }
        crate::observe(&mut state, &s, n + 2);
        tape.events(&state.events.since(written)).unwrap();
        written = state.events.total();
        seen.push(s);
    }
    let mut events: Vec<Event> = state.events.newest().map(|(_, e)| e.clone()).collect();
    events.reverse();
    (seen, events)
}

#[test]
fn a_recorded_scenario_reads_back_byte_for_byte_at_every_moment() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("az-outage.sqlite");
    // 16 minutes: past a key frame (10 min), the outage, the launches and the rebalance.
    let (seen, events) = recorded("az-outage", 16 * 60, &file);
    let recording = Recording::open(&file).unwrap();
    let (first, last) = recording.span().unwrap().unwrap();
    assert_eq!(first, seen[0].taken_at);
    assert_eq!(last, seen.last().unwrap().taken_at);
    for live in seen.iter().step_by(7) {
        let back = recording.snapshot_at(live.taken_at).unwrap();
        assert_eq!(
            serde_json::to_string(&back).unwrap(),
            serde_json::to_string(live).unwrap(),
            "the fleet at {}",
            live.taken_at
        );
    }
    // Between two refreshes, the fleet is as of the earlier one.
    let between = seen[3].taken_at + chrono::Duration::seconds(2);
    let back = recording.snapshot_at(between).unwrap();
    assert_eq!(back.instances, seen[3].instances);
    // Before the first read there is nothing.
    let before = recording
        .snapshot_at(seen[0].taken_at - chrono::Duration::seconds(1))
        .unwrap();
    assert!(before.instances.is_empty());
    // The events, all of them, in order.
    assert_eq!(recording.events(None, None).unwrap(), events);
    let later = recording
        .events(Some(start() + chrono::Duration::minutes(12)), None)
        .unwrap();
    assert!(!later.is_empty());
    assert!(later
        .iter()
        .all(|e| e.at >= start() + chrono::Duration::minutes(12)));
}

#[test]
fn only_what_changed_is_written_between_key_frames() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("quiet.sqlite");
    // The default world in its first minutes: a quiet fleet.
    recorded("default", 180, &file);
    let conn = rusqlite_count(&file);
    // 37 reads of 9 sources; the first written whole, later only changes.
    assert_eq!(conn.0, 37 * 9, "reads");
    assert_eq!(conn.1, 9, "one key frame per source in three minutes");
    assert!(conn.2 < 37 * 20, "items written: {}", conn.2);
}

/// (reads, frames, items) in a recording.
fn rusqlite_count(file: &std::path::Path) -> (i64, i64, i64) {
    let c = rusqlite::Connection::open(file).unwrap();
    let n = |t: &str| -> i64 {
        c.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
            .unwrap()
    };
    (n("reads"), n("frames"), n("items"))
}

#[test]
fn bad_files_are_named_and_explained() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.sqlite");
    let e = Recording::open(&missing).err().unwrap().to_string();
    assert!(
        e.contains("nope.sqlite") && e.contains("no such file"),
        "{e}"
    );

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a database at all, just words\n".repeat(100)).unwrap();
    let e = Recording::open(&text).err().unwrap().to_string();
    assert!(
        e.contains("notes.txt") && e.contains("not a patrol recording"),
        "{e}"
    );

    let file = dir.path().join("r.sqlite");
    recorded("default", 30, &file);
    // Never overwritten.
    let e = Tape::create(&file, &snapshot(&crate::default_sim()).world, start())
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("never overwritten"), "{e}");
    // Another format version is refused by name.
    let other = dir.path().join("v9.sqlite");
    std::fs::copy(&file, &other).unwrap();
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute(
            "UPDATE meta SET value = '9' WHERE key = 'schema_version'",
            [],
        )
        .unwrap();
    let e = Recording::open(&other).err().unwrap().to_string();
    assert!(
        e.contains("recording format 9; this patrol reads format 1"),
        "{e}"
    );
    // A file cut short before its first refresh: an error that names it, never a panic.
    let cut = dir.path().join("cut.sqlite");
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 3]).unwrap();
    let result =
        Recording::open(&cut).and_then(|r| r.snapshot_at(start() + chrono::Duration::seconds(20)));
    if let Err(e) = result {
        assert!(e.to_string().contains("cut.sqlite"), "{e}");
    }
}

/// The recording of `scenario` for `minutes`, then its file with `damage` done to the bytes.
fn damaged(
    dir: &std::path::Path,
    minutes: u64,
    damage: impl Fn(&mut Vec<u8>),
) -> (std::path::PathBuf, Vec<Snapshot>, Vec<Event>) {
    let file = dir.join("whole.sqlite");
    let (seen, events) = recorded("az-outage", minutes * 60, &file);
    let mut bytes = std::fs::read(&file).unwrap();
    damage(&mut bytes);
    let broken = dir.join("damaged.sqlite");
    std::fs::write(&broken, &bytes).unwrap();
    (broken, seen, events)
}

/// Every moment up to where the damaged file is readable reads back as it was recorded;
/// nothing after it is made up.
fn replays_up_to_the_damage(recording: &Recording, seen: &[Snapshot], events: &[Event]) {
    let damage = recording.damage.clone().expect("the damage is noticed");
    let until = damage.readable_until.expect("some of it is readable");
    let (first, last) = recording.span().unwrap().unwrap();
    assert_eq!(first, seen[0].taken_at);
    assert_eq!(last, until);
    assert!(
        until < seen.last().unwrap().taken_at,
        "the damage cost the end"
    );
    assert!(until > seen[0].taken_at, "the start is kept");
    let before: Vec<&Snapshot> = seen.iter().filter(|s| s.taken_at <= until).collect();
    for live in before.iter().step_by(5).chain(before.last()) {
        let back = recording.snapshot_at(live.taken_at).unwrap();
        assert_eq!(
            serde_json::to_string(&back).unwrap(),
            serde_json::to_string(live).unwrap(),
            "the fleet at {}",
            live.taken_at
        );
    }
    let kept = recording.events(None, None).unwrap();
    let expected: Vec<&Event> = events.iter().filter(|e| e.at < until).collect();
    assert!(
        kept.len() >= expected.len(),
        "{} < {}",
        kept.len(),
        expected.len()
    );
    assert!(
        kept.iter().zip(events).all(|(a, b)| a == b),
        "events are a prefix"
    );
    assert!(
        damage.to_string().contains("it replays up to there"),
        "{damage}"
    );
}

#[test]
fn a_recording_cut_mid_write_replays_up_to_the_damage() {
    let dir = tempfile::tempdir().unwrap();
    // Cut inside the last page, not at a page boundary: what a copy that stopped leaves.
    // (A cut further back can take the page a table's root points to first, which SQLite
    // allocates when the table outgrows its root, late in the file: then nothing before
    // it can be read either, and the recording says so.)
    let (file, seen, events) = damaged(dir.path(), 30, |b| b.truncate(b.len() - 4096 + 123));
    let recording = Recording::open(&file).unwrap();
    replays_up_to_the_damage(&recording, &seen, &events);

    // As a replay: the narration says so, and the cursor stops at the damage.
    let replay = patrol::record::Replay::open(&file).unwrap();
    let until = recording.damage.as_ref().unwrap().readable_until.unwrap();
    assert_eq!(replay.span().1, until);
    let said = patrol::playback::Playback::narration(&replay).unwrap();
    assert!(said.contains("FILE DAMAGED"), "{said}");
    // And the badge, which is on screen at any width.
    let world = patrol::cloud::Cloud::world(&replay);
    let state = patrol::app::AppState::new(world, &Default::default(), until);
    let screen = crate::screen_text(&state, 80, 24);
    let badge = screen.lines().last().unwrap();
    assert!(
        badge.contains(&format!("DAMAGED: ends {}", until.format("%H:%M:%S"))),
        "{screen}"
    );

    // Headless: stderr says it, and a moment past the damage is refused, not made up.
    let out = crate::patrol_command()
        .arg("events")
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("damaged.sqlite") && err.contains("damaged after"),
        "{err}"
    );
    let out = crate::patrol_command()
        .args(["snapshot", "--json", "--at", "+30m", "--from"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is readable (the rest is damaged)"), "{err}");
}

#[test]
fn a_recording_damaged_in_the_middle_replays_up_to_the_damage() {
    let dir = tempfile::tempdir().unwrap();
    // Garbage over two pages half-way through: a bad sector, a stray write.
    let (file, seen, events) = damaged(dir.path(), 30, |b| {
        let at = (b.len() / 2) / 4096 * 4096;
        for (i, byte) in b[at..at + 8192].iter_mut().enumerate() {
            *byte = (i * 7 + 13) as u8;
        }
    });
    let recording = Recording::open(&file).unwrap();
    replays_up_to_the_damage(&recording, &seen, &events);
}

#[test]
fn a_crash_mid_write_loses_at_most_the_refresh_being_written() {
    // The writer is killed with the last refreshes still in the write-ahead log, part of the
    // last one written: SQLite keeps every refresh that was committed.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("live.sqlite");
    let sim = SimCloud::new(&Scenario::load("default").unwrap(), 42, start(), 1.0);
    let first = snapshot(&sim);
    let mut tape = Tape::create(&file, &first.world, first.taken_at).unwrap();
    let mut times = Vec::new();
    for _ in 0..40 {
        let s = snapshot(&sim);
        for (source, payload) in crate::payloads(&s) {
            tape.refreshed(source, s.taken_at, &payload).unwrap();
        }
        times.push(s.taken_at);
        sim.advance(secs(15));
    }
    let wal = dir.path().join("live.sqlite-wal");
    let (db, log) = (std::fs::read(&file).unwrap(), std::fs::read(&wal).unwrap());
    assert!(!log.is_empty(), "the refreshes are still in the log");
    std::mem::forget(tape); // killed: no clean close, no checkpoint
    let copy = dir.path().join("crashed.sqlite");
    std::fs::write(&copy, db).unwrap();
    std::fs::write(
        dir.path().join("crashed.sqlite-wal"),
        &log[..log.len() - 1000],
    )
    .unwrap();
    let recording = Recording::open(&copy).unwrap();
    assert!(recording.damage.is_none());
    let (_, last) = recording.span().unwrap().unwrap();
    let lost = times.iter().filter(|t| **t > last).count();
    assert!(lost <= 1, "{lost} refreshes lost");
}

#[test]
fn moments_on_the_command_line() {
    use patrol::flight::moment;
    let start = chrono::DateTime::parse_from_rfc3339("2026-11-30T14:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let at = |t: &str| moment(t, start).unwrap().to_rfc3339();
    assert_eq!(at("+5m"), "2026-11-30T14:05:00+00:00");
    assert_eq!(at("14:03:10"), "2026-11-30T14:03:10+00:00");
    assert_eq!(at("2026-11-30T15:00:00Z"), "2026-11-30T15:00:00+00:00");
    // A time of day earlier than the start is the next day's.
    assert_eq!(at("01:00"), "2026-12-01T01:00:00+00:00");
    let e = moment("soon", start).unwrap_err();
    assert!(e.contains("\"soon\" is not a moment"), "{e}");
}

#[test]
fn patrol_record_events_and_snapshot_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("run.sqlite");
    let said = crate::stdout_of(
        crate::patrol_command()
            .args(["--scenario", "az-outage", "--speed", "30"])
            .args(["record", "--for", "6s", "--to"])
            .arg(&file),
    );
    assert!(
        said.starts_with("recorded ") && said.contains("events to"),
        "{said}"
    );
    let events = crate::stdout_of(
        crate::patrol_command()
            .arg("events")
            .arg(&file)
            .args(["--since", "+1m", "--json"]),
    );
    let lines: Vec<serde_json::Value> = events
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        lines
            .iter()
            .any(|e| e["kind"] == "target" && e["after"] == "unhealthy"),
        "{lines:#?}"
    );
    let doc = crate::stdout_of(
        crate::patrol_command()
            .args(["snapshot", "--json", "--at", "+1m", "--from"])
            .arg(&file),
    );
    let doc: serde_json::Value = serde_json::from_str(&doc).unwrap();
    assert_eq!(doc["world"]["scenario"], "az-outage");
    assert!(doc["instances"].as_array().unwrap().len() >= 4);
    // A file that is not there: exit 2, named.
    let out = crate::patrol_command()
        .args(["events", "/nonexistent/x.sqlite"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/x.sqlite"));
    let _ = Source::ALL;
}

/// `patrol replay`: a recording as a world. Its reads are the fleet at the cursor, its
/// changes refused, its cursor moves like a scenario's clock and stays within the recording.
#[tokio::test]
async fn a_replay_is_a_read_only_world_at_its_cursor() {
    use patrol::cloud::{take_snapshot, Cloud, CloudErrorKind};
    use patrol::model::WorldInfo;
    use patrol::record::Replay;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("outage.sqlite");
    let (seen, _) = recorded("az-outage", 300, &file);
    let replay = Replay::open(&file).unwrap();
    let (first, last) = replay.span();
    assert_eq!(
        (first, last),
        (seen[0].taken_at, seen.last().unwrap().taken_at)
    );
    assert_eq!(replay.clock(), first, "it starts at the first refresh");
    match replay.world() {
        WorldInfo::Replay { file: f, from, .. } => {
            assert!(f.ends_with("outage.sqlite"));
            assert!(
                matches!(*from, WorldInfo::Simulated { ref scenario, .. } if scenario == "az-outage")
            );
        }
        other => panic!("{other:?}"),
    }
    // Two minutes in: the fleet as it was then.
    replay.seek(first + chrono::Duration::minutes(2));
    let recording = Recording::open(&file).unwrap();
    let mut read = take_snapshot(&replay).await.unwrap();
    let then = recording.snapshot_at(replay.clock()).unwrap();
    read.world = then.world.clone();
    assert_eq!(read, then);
    // Played: the cursor follows the clock, and never leaves the recording.
    replay.advance(secs(30));
    assert_eq!(replay.clock(), first + chrono::Duration::seconds(150));
    replay.advance(secs(3600));
    assert_eq!(replay.clock(), last);
    assert!(replay.playback_state().paused, "at the end it stands still");
    replay.restart(start());
    assert_eq!(replay.clock(), first);
    replay.seek(first - chrono::Duration::hours(1));
    assert_eq!(replay.clock(), first);
    assert!(replay.narration().unwrap().starts_with("REPLAY "));
    // View 8 in a replay: the recorded events up to the cursor, not what changed between
    // two reads of the replay (a seek would make everything look new).
    let until = first + chrono::Duration::minutes(2);
    let recorded = replay.recorded_events(None, until).unwrap();
    assert_eq!(recorded, recording.events(None, Some(until)).unwrap());
    let later = replay
        .recorded_events(Some(until), first + chrono::Duration::minutes(4))
        .unwrap();
    assert!(later.iter().all(|e| e.at > until));
    let mut state = crate::state_of(&recording.snapshot_at(first).unwrap());
    state.world = replay.world();
    crate::refresh_all(
        &mut state,
        &recording
            .snapshot_at(first + chrono::Duration::minutes(4))
            .unwrap(),
        2,
        first + chrono::Duration::minutes(4),
    );
    assert!(
        state.events.is_empty(),
        "a replay derives no events of its own"
    );
    patrol::app::update(
        &mut state,
        patrol::app::Action::Replayed {
            events: recorded.clone(),
            from_start: true,
        },
    );
    assert_eq!(state.events.len(), recorded.len());
    patrol::app::update(
        &mut state,
        patrol::app::Action::Replayed {
            events: later.clone(),
            from_start: false,
        },
    );
    assert_eq!(state.events.len(), recorded.len() + later.len());
    patrol::app::update(
        &mut state,
        patrol::app::Action::Replayed {
            events: vec![],
            from_start: true,
        },
    );
    assert!(state.events.is_empty(), "back to the start: nothing yet");
    // `:goto` in the console asks the world to seek.
    let mut state = crate::state_of(&recording.snapshot_at(first).unwrap());
    state.playback = Some(replay.playback_state());
    let effects = patrol::app::command::execute(&mut state, "goto +2m");
    assert_eq!(
        effects,
        vec![patrol::app::Effect::Playback(
            patrol::app::PlaybackCommand::Goto("+2m".into())
        )]
    );
    // Seeking: to a moment, to the next and previous recorded event; the narration's
    // scrubber marks the cursor among the event ticks.
    assert_eq!(
        replay.goto("+2m").unwrap(),
        first + chrono::Duration::minutes(2)
    );
    assert!(replay
        .goto("+3h")
        .unwrap_err()
        .contains("outside the recording"));
    assert!(replay
        .goto("whenever")
        .unwrap_err()
        .contains("is not a moment"));
    let next = replay.jump(true).unwrap();
    assert!(next > first + chrono::Duration::minutes(2));
    assert_eq!(replay.clock(), next);
    let back = replay.jump(false).unwrap();
    assert!(back < next);
    let said = replay.narration().unwrap();
    assert!(
        said.contains('|') && said.contains('•') && said.contains('['),
        "{said}"
    );
    // The simulator cannot seek, and says so.
    let sim = crate::default_sim();
    assert!(sim.goto("+1m").unwrap_err().contains("only a replay"));
    assert_eq!(sim.jump(true), None);
    // Nothing can be changed.
    let e = replay.set_desired_capacity("web-asg", 9).await.unwrap_err();
    assert_eq!(e.kind, CloudErrorKind::AccessDenied);
    assert!(e.message.contains("read-only"), "{e}");
    // A file that cannot be replayed says why before any terminal is touched.
    let out = crate::patrol_command()
        .args(["replay", "/nonexistent/recording.sqlite"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("/nonexistent/recording.sqlite: no such file"));
}
