//! What the flight recorder costs: disk per hour of recording, the time to seek to a
//! moment of a 24-hour recording, and the share of a refresh's handling spent writing it.
//!
//!     cargo bench --bench recording
//!
//! Recordings are made by stepping the simulator in virtual time (a changing fleet, every
//! source at the console's default intervals), not by waiting: the default scenario, and a
//! generated fleet of 1,000 instances in 50 Auto Scaling groups behind 50 target groups,
//! with crashes and traffic waves so it keeps changing.

use chrono::{DateTime, Utc};
use patrol::cloud::sim::{Scenario, SimCloud};
use patrol::cloud::{Cloud, Source};
use patrol::playback::Playback;
use patrol::poll::{Intervals, Payload};
use patrol::record::{Recording, Tape};
use std::time::{Duration, Instant};

fn start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-01-15T09:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// 1,000 instances: 50 groups of 20 over three zones, each behind its own target group.
fn big_fleet() -> Scenario {
    let mut toml = String::from(
        "name = \"big\"\ndescription = \"1,000 instances in 50 groups\"\nregion = \"us-east-1\"\n\
         zones = [\"us-east-1a\", \"us-east-1b\", \"us-east-1c\"]\n\n\
         [[load_balancers]]\nname = \"alb\"\n\n",
    );
    for g in 0..50 {
        toml.push_str(&format!(
            "[[target_groups]]\nname = \"tg-{g}\"\nload_balancer = \"alb\"\nport = 80\n\
             health_check_path = \"/health/deep\"\ninterval = \"10s\"\n\n\
             [[auto_scaling_groups]]\nname = \"asg-{g}\"\nmin = 10\ndesired = 20\nmax = 40\n\
             target_groups = [\"tg-{g}\"]\nname_tag = \"web-{g}\"\n\
             traffic = {{ rps = 4000, rps_per_instance = 400, wave = 0.3, wave_period = \"17m\" }}\n\n"
        ));
    }
    for k in 0..24 {
        toml.push_str(&format!(
            "[[events]]\nat = \"{}m\"\ndo = \"crash\"\ngroup = \"asg-{}\"\n\n",
            2 + k * 2,
            (k * 7) % 50
        ));
    }
    Scenario::parse("big", &toml).expect("the generated scenario")
}

/// Plays `scenario` for `hours` of world time, refreshing each source at its default
/// interval, and writes the refreshes to `file` (when given). Returns the time spent
/// reading the world and the time spent writing the recording.
fn record(scenario: &Scenario, hours: u64, file: Option<&std::path::Path>) -> (Duration, Duration) {
    let sim = SimCloud::new(scenario, 42, start(), 1.0);
    let mut tape = file.map(|f| Tape::create(f, &sim.world(), sim.clock()).unwrap());
    let intervals = Intervals::default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let (mut reading, mut writing) = (Duration::ZERO, Duration::ZERO);
    for second in (0..hours * 3600).step_by(5) {
        sim.advance(Duration::from_secs(5));
        let at = sim.clock();
        for source in Source::ALL {
            if second % intervals.of(source).as_secs() != 0 {
                continue;
            }
            let t = Instant::now();
            let payload = runtime.block_on(read(&sim, source));
            reading += t.elapsed();
            if let Some(tape) = tape.as_mut() {
                let t = Instant::now();
                tape.refreshed(source, at, &payload).unwrap();
                writing += t.elapsed();
            }
        }
    }
    (reading, writing)
}

async fn read(sim: &SimCloud, source: Source) -> Payload {
    match source {
        Source::Instances => Payload::Instances(sim.instances().await.unwrap().into()),
        Source::LoadBalancers => Payload::LoadBalancers(sim.load_balancers().await.unwrap()),
        Source::TargetGroups => Payload::TargetGroups(sim.target_groups().await.unwrap().into()),
        Source::AutoScaling => {
            Payload::AutoScaling(sim.auto_scaling_groups().await.unwrap().into())
        }
        Source::ElasticIps => Payload::ElasticIps(sim.elastic_ips().await.unwrap()),
        Source::Images => Payload::Images(sim.images().await.unwrap()),
        Source::Alarms => Payload::Alarms(sim.alarms().await.unwrap()),
        // Probes are HTTP requests, not a cloud read: this measures the cloud's sources.
        Source::Probes => Payload::Probes(Default::default()),
        Source::Metrics => {
            let groups: Vec<String> = sim
                .auto_scaling_groups()
                .await
                .unwrap()
                .into_iter()
                .map(|g| g.name)
                .collect();
            Payload::Metrics(
                sim.cpu_utilization(&groups).await.unwrap(),
                sim.instance_metrics().await.unwrap(),
            )
        }
    }
}

/// The file's size on disk with its write-ahead log, in MB.
fn megabytes(file: &std::path::Path) -> f64 {
    let size = |p: std::path::PathBuf| std::fs::metadata(p).map_or(0, |m| m.len());
    let wal = file.with_extension("sqlite-wal");
    (size(file.to_path_buf()) + size(wal)) as f64 / 1e6
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (name, scenario) in [
        ("default scenario", Scenario::load("default").unwrap()),
        ("1,000 instances / 50 groups", big_fleet()),
    ] {
        let file = dir.path().join(format!("{}.sqlite", name.len()));
        let (reading, writing) = record(&scenario, 1, Some(&file));
        // Writing runs on the recorder's own thread: what it costs is CPU time per hour
        // recorded, as a share of one core (the simulator's reads are in memory, so they are
        // no yardstick for a console's work).
        println!(
            "{name}: {:.1} MB per hour recorded; writing costs {:.2} s of CPU per hour \
             ({:.2}% of one core; the in-memory reads took {:.2} s)",
            megabytes(&file),
            writing.as_secs_f64(),
            100.0 * writing.as_secs_f64() / 3600.0,
            reading.as_secs_f64()
        );
    }
    // Seek: 24 hours of the default scenario, then the fleet at 15 moments spread over it.
    let file = dir.path().join("day.sqlite");
    let made = Instant::now();
    record(&Scenario::load("default").unwrap(), 24, Some(&file));
    println!(
        "24-hour recording of the default scenario: {:.1} MB, made in {:.1} s",
        megabytes(&file),
        made.elapsed().as_secs_f64()
    );
    // Opening checks the file's structure (SQLite's quick_check) before anything is read.
    let opens: Vec<Duration> = (0..5)
        .map(|_| {
            let t = Instant::now();
            let r = Recording::open(&file).unwrap();
            assert!(r.damage.is_none());
            t.elapsed()
        })
        .collect();
    println!(
        "open the 24-hour recording (with its structure check): median {:.0} ms over {} opens",
        median(opens.clone()).as_secs_f64() * 1e3,
        opens.len()
    );
    let recording = Recording::open(&file).unwrap();
    let times: Vec<Duration> = (0..15)
        .map(|k| {
            let at = start() + chrono::Duration::minutes(37 + k * 93);
            let t = Instant::now();
            let s = recording.snapshot_at(at).unwrap();
            assert!(!s.instances.is_empty());
            t.elapsed()
        })
        .collect();
    println!(
        "seek to a moment of the 24-hour recording: median {:.1} ms over {} seeks (max {:.1} ms)",
        median(times.clone()).as_secs_f64() * 1e3,
        times.len(),
        times.iter().max().unwrap().as_secs_f64() * 1e3
    );
}
