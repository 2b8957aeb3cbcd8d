//! 10,000 instances live on the simulator: the embedded `large-fleet` scenario (100 Auto
//! Scaling groups of 100, 200 target groups, 3 zones), each figure printed beside its goal.
//!
//!     cargo build --release && cargo bench --bench large_fleet     (needs tmux)
//!
//! (`PATROL_BIN=path` runs another build of the console.)
//!
//! In this process: the world's one-second step over 15 simulated minutes (median, 99th
//! percentile, and the share of a core it takes at x1 and x10), one full read of the world,
//! the pattern checks over it, and the Targets view's frame at 20,000 targets.
//! Then the release console itself, as an operator runs it (recording and probing on, as
//! they ship), at x1 and at x10, for 40 s each: keys pressed every 100-300 ms while the
//! refreshes of 10,000 instances run; the console logs the time from each key's arrival to
//! the frame that shows it (measured in its event loop), and this reads it back with the
//! process's resident memory (the highest of one sample a second) and its CPU.

use chrono::{TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use patrol::app::{update, Action, AppState};
use patrol::cloud::sim::{Scenario, SimCloud};
use patrol::cloud::{take_snapshot_of, Source};
use patrol::poll::{Intervals, Payload, PollEvent};
use patrol::theme::Theme;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::time::{Duration, Instant};

#[allow(dead_code)]
mod support;

const STEP_GOAL_SHARE: f64 = 0.25;
const FRAME_GOAL_MS: f64 = 5.0;
const KEY_GOAL_MS: f64 = 16.0;
const RSS_GOAL_MB: f64 = 64.0;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn quantile(v: &mut [Duration], q: f64) -> Duration {
    v.sort();
    v[((v.len() - 1) as f64 * q).round() as usize]
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "NOT met"
    }
}

fn timed<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(f());
            started.elapsed()
        })
        .collect();
    quantile(&mut times, 0.5)
}

fn in_process() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let scenario = Scenario::load("large-fleet").unwrap();
    let start = Utc.with_ymd_and_hms(2026, 1, 15, 9, 0, 0).unwrap();
    let started = Instant::now();
    let cloud = SimCloud::new(&scenario, 42, start, 1.0);
    println!(
        "world built: {} instances in {:.0} ms",
        cloud.world_mut().instance_count(),
        ms(started.elapsed())
    );
    let mut steps: Vec<Duration> = (0..900)
        .map(|_| {
            let started = Instant::now();
            cloud.world_mut().advance(Duration::from_secs(1));
            started.elapsed()
        })
        .collect();
    let mean = steps.iter().sum::<Duration>() / steps.len() as u32;
    let (p50, p99) = (quantile(&mut steps, 0.5), quantile(&mut steps, 0.99));
    println!(
        "one-second step over 15 simulated minutes (crashes, a surge, an AZ outage): median \
         {:.2} ms, p99 {:.2} ms, mean {:.2} ms: {:.1}% of a core at x1, {:.1}% at x10 (goal \
         <= {:.0}% at x10: {})",
        ms(p50),
        ms(p99),
        ms(mean),
        mean.as_secs_f64() * 100.0,
        mean.as_secs_f64() * 1000.0,
        STEP_GOAL_SHARE * 100.0,
        verdict(mean.as_secs_f64() * 10.0 <= STEP_GOAL_SHARE)
    );
    let snapshot = runtime
        .block_on(take_snapshot_of(&cloud, &Source::CLOUD))
        .unwrap();
    let read = timed(5, || {
        runtime
            .block_on(take_snapshot_of(&cloud, &Source::CLOUD))
            .unwrap()
    });
    let targets: usize = snapshot.target_groups.iter().map(|g| g.targets.len()).sum();
    println!(
        "one full read of the world ({} instances, {targets} targets): median {:.1} ms",
        snapshot.instances.len(),
        ms(read)
    );
    let settings = patrol::patterns::Settings::default();
    let checks = timed(9, || {
        patrol::patterns::check(&snapshot, &settings, snapshot.taken_at)
    });
    println!("the eight pattern checks: median {:.1} ms", ms(checks));
    for p in patrol::patterns::Pattern::ALL {
        let one = timed(5, || {
            patrol::patterns::check_pattern(p, &snapshot, &settings, snapshot.taken_at)
        });
        println!("    {:<18} {:.1} ms", p.name(), ms(one));
    }

    let mut state = AppState::new(
        snapshot.world.clone(),
        &Intervals::default(),
        snapshot.taken_at,
    );
    for (source, payload) in [
        (
            Source::Instances,
            Payload::Instances(snapshot.instances.clone()),
        ),
        (
            Source::TargetGroups,
            Payload::TargetGroups(snapshot.target_groups.clone()),
        ),
        (
            Source::AutoScaling,
            Payload::AutoScaling(snapshot.auto_scaling_groups.clone()),
        ),
        (
            Source::LoadBalancers,
            Payload::LoadBalancers(snapshot.load_balancers.clone()),
        ),
        (
            Source::ElasticIps,
            Payload::ElasticIps(snapshot.elastic_ips.clone()),
        ),
        (Source::Images, Payload::Images(snapshot.images.clone())),
        (
            Source::Metrics,
            Payload::Metrics(snapshot.metrics.clone(), snapshot.instance_metrics.clone()),
        ),
        (Source::Alarms, Payload::Alarms(snapshot.alarms.clone())),
        (Source::Probes, Payload::Probes(snapshot.probes.clone())),
    ] {
        update(
            &mut state,
            Action::Polled(PollEvent::Refreshed {
                source,
                epoch: 0,
                generation: 1,
                at: snapshot.taken_at,
                result: Ok(payload),
            }),
        );
    }
    update(
        &mut state,
        Action::Key(KeyEvent::new(KeyCode::Char('2'), KeyModifiers::NONE)),
    );
    for _ in 0..300 {
        update(
            &mut state,
            Action::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE)),
        );
    }
    let theme = Theme::default_theme();
    // Every view, as the operator switches to it: its frame while the fleet stands still
    // (what is worked out for it kept), and its first frame after a refresh (worked out
    // again).
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
    let shown = state.view;
    let mut worst = (0.0, "");
    for view in patrol::view::View::ALL {
        state.view = view;
        let kept = timed(15, || {
            terminal
                .draw(|f| patrol::ui::draw(f, &state, &theme))
                .unwrap();
        });
        let fresh = timed(9, || {
            state.fleet_changed();
            terminal
                .draw(|f| patrol::ui::draw(f, &state, &theme))
                .unwrap();
        });
        println!(
            "    {:<12} frame at 200x60: {:.2} ms; first after a refresh {:.2} ms",
            view.title(),
            ms(kept),
            ms(fresh)
        );
        if ms(fresh) > worst.0 {
            worst = (ms(fresh), view.title());
        }
    }
    println!(
        "every view's frame at 200x60: the slowest, first after a refresh, {} {:.2} ms",
        worst.1, worst.0
    );
    state.view = shown;
    for (w, h) in [(120, 40), (200, 60)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        let frame = timed(30, || {
            terminal
                .draw(|f| patrol::ui::draw(f, &state, &theme))
                .unwrap();
        });
        println!(
            "Targets frame at {targets} targets, {w}x{h}: median {:.2} ms (goal <= \
             {FRAME_GOAL_MS} ms: {})",
            ms(frame),
            verdict(ms(frame) <= FRAME_GOAL_MS)
        );
    }
    // What the console's loop does between frames: a key, and a refresh of every instance
    // arriving (its events found, the checks paced).
    let down = timed(30, || {
        update(
            &mut state,
            Action::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE)),
        )
    });
    let mut generation = 1;
    let payload = Payload::Instances(snapshot.instances.clone());
    let copy = timed(9, || payload.clone());
    let applied = timed(9, || {
        generation += 1;
        update(
            &mut state,
            Action::Polled(PollEvent::Refreshed {
                source: Source::Instances,
                epoch: 0,
                generation,
                at: snapshot.taken_at,
                result: Ok(payload.clone()),
            }),
        )
    });
    let checks = timed(5, || state.recheck());
    println!(
        "the console's loop at 10,000 instances: a key (Down on Targets) median {:.2} ms; a \
         refresh of the instances applied {:.1} ms (of which {:.1} ms copying it here); the \
         checks run by the console {:.1} ms",
        ms(down),
        ms(applied),
        ms(copy),
        ms(checks)
    );
}

/// The process's resident memory in MB, and its CPU time so far in seconds, from /proc.
fn rss_and_cpu(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss = (status.lines())
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0);
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(vec![], |(_, r)| r.split_whitespace().collect());
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime: fields 14 and 15 of stat, 12 and 13 after the command name.
    (rss, (ticks(11) + ticks(12)) / 100.0)
}

fn console(speed: &str) {
    let bin = support::console_binary();
    if !std::path::Path::new(&bin).exists() {
        println!("console: build the release binary first ({bin}), or set PATROL_BIN");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().display().to_string();
    let log = format!("{home}/patrol.log");
    let session = format!("patrol-large-{}-{speed}", std::process::id());
    let cmd = format!(
        "env HOME={home} XDG_STATE_HOME={home}/state XDG_CONFIG_HOME={home}/config {bin} \
         --scenario large-fleet --speed {speed} --log-file {log}"
    );
    let tmux = support::tmux;
    support::tmux_session(&session, 200, 60, &cmd);
    std::thread::sleep(Duration::from_secs(3));
    let pid: u32 = tmux(&["display-message", "-p", "-t", &session, "#{pane_pid}"])
        .trim()
        .parse()
        .unwrap_or(0);
    // Keys an operator presses: views, moving, sorting, a filter typed and cleared.
    let keys = [
        "2", "j", "j", "j", "k", "N", "j", "9", "j", "j", "3", "j", "1", "5", "2", "/", "u", "n",
        "h", "Enter", "j", "Escape", "k", "-", "j", "7", "8", "j", "2", "G", "g",
    ];
    let (_, cpu_before) = rss_and_cpu(pid);
    let started = Instant::now();
    let mut peak: f64 = 0.0;
    let mut last_sample = Instant::now();
    let mut n = 0usize;
    let mut seed = 7u64;
    while started.elapsed() < Duration::from_secs(40) {
        tmux(&["send-keys", "-t", &session, keys[n % keys.len()]]);
        n += 1;
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        std::thread::sleep(Duration::from_millis(100 + (seed >> 33) % 200));
        if last_sample.elapsed() >= Duration::from_secs(1) {
            peak = peak.max(rss_and_cpu(pid).0);
            last_sample = Instant::now();
        }
    }
    let (rss, cpu_after) = rss_and_cpu(pid);
    let peak = peak.max(rss);
    let cpu = (cpu_after - cpu_before) / started.elapsed().as_secs_f64() * 100.0;
    tmux(&["send-keys", "-t", &session, "q"]);
    std::thread::sleep(Duration::from_millis(500));
    tmux(&["send-keys", "-t", &session, "y"]);
    std::thread::sleep(Duration::from_secs(2));
    tmux(&["kill-session", "-t", &session]);
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let line = text.lines().rev().find(|l| l.contains("key-to-frame"));
    let field = |name: &str| -> Option<f64> {
        let l = line?;
        let at = l.find(&format!("{name}="))? + name.len() + 1;
        l[at..].split_whitespace().next()?.parse().ok()
    };
    match (
        field("keys"),
        field("p50_ms"),
        field("p99_ms"),
        field("max_ms"),
    ) {
        (Some(k), Some(p50), Some(p99), Some(max)) => println!(
            "console at x{speed}, 40 s, {n} keys sent ({k} drawn): key-to-frame median \
             {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms (goal p99 <= {KEY_GOAL_MS} ms: {}); \
             RSS peak {peak:.0} MB (goal <= {RSS_GOAL_MB} MB: {}); CPU {cpu:.0}% of a core",
            verdict(p99 <= KEY_GOAL_MS),
            verdict(peak <= RSS_GOAL_MB)
        ),
        _ => println!("console at x{speed}: no key-to-frame line in {log}:\n{text}"),
    }
}

fn main() {
    // `cargo test --benches` runs bench binaries without `--bench`: only measure when asked.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    in_process();
    // PATROL_BENCH_IN_PROCESS=1: only what runs in this process.
    if std::env::var_os("PATROL_BENCH_IN_PROCESS").is_none() {
        console("1");
        console("10");
    }
}
