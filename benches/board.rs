//! What the board costs: the time to a full board of 10 AWS targets behind 50 ms of added
//! latency, against one target alone; the API calls per minute of a target on the board
//! and on screen; and the memory of the console watching 10 targets of 1,000 instances.
//!
//!     cargo bench --bench board            (needs .venv from scripts/test, and tmux)
//!
//! One moto process answers one request at a time, so ten targets on one moto would
//! measure moto. Instead moto's answers to full refreshes of a seeded fleet (1,000
//! instances) are recorded once through a proxy, and a replay stub serves them to any
//! number of clients at once, each answer after 50 ms. Every target is a fresh world
//! opened through the ordinary path (credentials, STS, every source), all on 127.0.0.1.

#[path = "../tests/it/moto.rs"]
#[allow(dead_code)]
mod moto;
#[allow(dead_code)]
mod support;

use support::stub;

use aws_sdk_elasticloadbalancingv2::types::{ProtocolEnum, TargetDescription};
use patrol::board::{check_all, Watched};
use patrol::cloud::aws::{AwsCloud, AwsOptions};
use patrol::world::{Opener, WorldSpec};
use std::time::{Duration, Instant};

const REGION: &str = "eu-central-1";
const INSTANCES: usize = 1_000;
const TARGET_GROUPS: usize = 5;
const PER_GROUP: usize = 100;
/// Added to every answer (`PATROL_BENCH_LATENCY_MS` changes it: 0 shows patrol's own CPU).
fn latency() -> Duration {
    let ms = std::env::var("PATROL_BENCH_LATENCY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    Duration::from_millis(ms)
}
const TARGETS: usize = 10;
const RUNS: usize = 5;

async fn seed() {
    let sdk = moto::sdk_config(REGION).await;
    let ec2 = aws_sdk_ec2::Client::new(&sdk);
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&sdk);
    let asg = aws_sdk_autoscaling::Client::new(&sdk);
    let cw = aws_sdk_cloudwatch::Client::new(&sdk);
    let moto::Network {
        vpc, subnets, ami, ..
    } = moto::network(&ec2, 3).await;
    let ids = moto::instances(&ec2, &ami, &subnets, INSTANCES).await;
    for n in 0..TARGET_GROUPS {
        let arn = elb
            .create_target_group()
            .name(format!("tg-{n}"))
            .protocol(ProtocolEnum::Http)
            .port(80)
            .vpc_id(&vpc)
            .health_check_path("/health/deep")
            .send()
            .await
            .unwrap()
            .target_groups()[0]
            .target_group_arn()
            .unwrap()
            .to_string();
        let mut register = elb.register_targets().target_group_arn(&arn);
        for id in &ids[n * PER_GROUP..(n + 1) * PER_GROUP] {
            register = register.targets(TargetDescription::builder().id(id).build());
        }
        register.send().await.unwrap();
        if n < 2 {
            let name = format!("asg-{n}");
            moto::auto_scaling_group(&ec2, &asg, &name, &ami, &subnets, (2, 4, 8), &arn).await;
            let minutes: Vec<(i64, f64)> = (1..=10).map(|m| (m * 60, 30.0 + m as f64)).collect();
            moto::cpu_and_alarm(&cw, &name, &minutes, &format!("{name}-cpu-high")).await;
        }
    }
    for n in 0..20 {
        let id = moto::allocate_address(&ec2).await;
        if let Some(instance) = ids.get(n).filter(|_| n < 10) {
            ec2.associate_address()
                .allocation_id(&id)
                .instance_id(instance)
                .send()
                .await
                .unwrap();
        }
    }
}

fn options(endpoint: &str) -> AwsOptions {
    AwsOptions {
        profile: None,
        region: Some(REGION.into()),
        endpoint_url: Some(endpoint.into()),
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// A full board of `n` targets, each a fresh world on the stub: opened, every source read,
/// checked. The slowest target's time is the board's.
async fn board(n: usize, endpoint: &str) -> Duration {
    let watched: Vec<Watched> = (0..n)
        .map(|i| Watched {
            name: format!("t{i}"),
            world: Ok(WorldSpec::Aws {
                profile: None,
                region: Some(REGION.into()),
                endpoint_url: Some(endpoint.into()),
            }),
            seed: None,
            speed: None,
        })
        .collect();
    let opener = Opener {
        config: Default::default(),
        seed: 42,
        speed: 1.0,
        read_only: true,
        deep_path: "/health/deep".into(),
    };
    let started = Instant::now();
    let checked = check_all(&watched, &opener, &Default::default(), None).await;
    let took = started.elapsed();
    for c in &checked {
        if let Err(e) = &c.result {
            panic!("{}: {e}", c.name);
        }
    }
    took
}

/// The process's resident memory, from /proc.
fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    (status.lines())
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    // The ordinary credential chain, pointed at nothing real: fixed keys, no config files.
    let home = tempfile::tempdir().unwrap();
    std::env::set_var("HOME", home.path());
    std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    std::env::set_var("AWS_CONFIG_FILE", home.path().join("none"));
    std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", home.path().join("none"));
    std::env::remove_var("AWS_PROFILE");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let stub = runtime.block_on(async {
        let started = Instant::now();
        seed().await;
        println!(
            "seeded moto with {INSTANCES} instances, {TARGET_GROUPS} target groups in {:.1}s",
            started.elapsed().as_secs_f64()
        );
        let moto = stub::moto_address(&moto::moto().url);
        // Record: every answer of two full refreshes of a freshly opened world.
        let book = stub::Book::default();
        let proxy = stub::recorder(moto, &book).await.url();
        let cloud = AwsCloud::connect(&options(&proxy)).await.unwrap();
        for _ in 0..2 {
            patrol::cloud::take_snapshot(&cloud).await.unwrap();
        }
        let counts = cloud.calls().counts();
        println!("recorded {} answers", book.len());
        // Calls per minute: each source's calls in one steady refresh, at the console's
        // intervals and at the board's pace (no source more often than every 30s).
        cloud.calls().reset();
        let per_source = calls_per_source(&cloud).await;
        let intervals = patrol::poll::Intervals::default();
        let (mut on_screen, mut on_board) = (0.0, 0.0);
        for (source, calls) in &per_source {
            let every = intervals.of(*source).as_secs_f64();
            on_screen += *calls as f64 * 60.0 / every;
            on_board += *calls as f64 * 60.0 / every.max(30.0);
            println!(
                "    {:<15} {calls} calls a refresh, every {every:.0}s",
                source.name()
            );
        }
        println!(
            "API calls per minute per target: {on_screen:.0} on screen, {on_board:.0} on the \
             board (first refresh: {} calls)",
            counts.values().sum::<u64>()
        );
        // Replay: the same answers to anyone, each after the added latency.
        let stub = stub::replay(&book, latency()).await.url();
        let one = runs(|| board(1, &stub)).await;
        let ten = runs(|| board(TARGETS, &stub)).await;
        let (one, ten) = (median(one), median(ten));
        println!(
            "time to a full board, {:?} added to every answer: 1 target {:.0} ms, \
             {TARGETS} targets {:.0} ms (median of {RUNS}): {:.2}x the single target",
            latency(),
            ms(one),
            ms(ten),
            ten.as_secs_f64() / one.as_secs_f64()
        );
        stub
    });
    let (one, _) = console(&stub, 1);
    let (ten, rss) = console(&stub, TARGETS);
    if let (Some(one), Some(ten)) = (one, ten) {
        println!(
            "console, every row judged after start: 1 target {:.0} ms, {TARGETS} targets {:.0} ms: \
             {:.2}x; RSS with {TARGETS} targets of {INSTANCES} instances: {rss:.0} MB",
            ms(one),
            ms(ten),
            ten.as_secs_f64() / one.as_secs_f64()
        );
    }
}

/// `RUNS` runs, one after another.
async fn runs<F, Fut>(run: F) -> Vec<Duration>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Duration>,
{
    let mut out = Vec::new();
    for _ in 0..RUNS {
        out.push(run().await);
    }
    out
}

/// Each cloud source's calls in one refresh after the first (the deregistration delays
/// are read once in five minutes).
async fn calls_per_source(cloud: &AwsCloud) -> Vec<(patrol::cloud::Source, u64)> {
    use patrol::cloud::{Cloud, Source};
    let mut out = Vec::new();
    for source in Source::CLOUD {
        cloud.calls().reset();
        match source {
            Source::Instances => drop(cloud.instances().await),
            Source::LoadBalancers => drop(cloud.load_balancers().await),
            Source::TargetGroups => drop(cloud.target_groups().await),
            Source::AutoScaling => drop(cloud.auto_scaling_groups().await),
            Source::ElasticIps => drop(cloud.elastic_ips().await),
            Source::Images => drop(cloud.images().await),
            Source::Alarms => drop(cloud.alarms().await),
            Source::Metrics => {
                let names = vec!["asg-0".to_string(), "asg-1".to_string()];
                drop(cloud.cpu_utilization(&names).await);
                drop(cloud.instance_metrics().await);
            }
            Source::Probes => {}
        }
        out.push((source, cloud.calls().total()));
    }
    out
}

/// The release console watching `n` targets of 1,000 instances on the stub: how long after
/// its start every row of the board has its verdicts, and its resident memory then.
fn console(stub: &str, n: usize) -> (Option<Duration>, f64) {
    let bin = support::console_binary();
    if !std::path::Path::new(&bin).exists() {
        println!("console: build the release binary first ({bin}), or set PATROL_BIN");
        return (None, 0.0);
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!(
            "[targets.t{i}]\nregion = \"{REGION}\"\nendpoint_url = \"{stub}\"\n\n"
        ));
    }
    std::fs::write(&config, text).unwrap();
    let session = format!("patrol-board-bench-{}", std::process::id());
    let cmd = format!(
        "env HOME={home} XDG_STATE_HOME={home}/state AWS_ACCESS_KEY_ID=testing \
         AWS_SECRET_ACCESS_KEY=testing AWS_CONFIG_FILE={home}/none \
         AWS_SHARED_CREDENTIALS_FILE={home}/none {bin} --config {config} --targets all \
         --no-record --log-file {home}/log",
        home = dir.path().display(),
        config = config.display()
    );
    let tmux = support::tmux;
    support::tmux_session(&session, 160, 40, &cmd);
    let started = Instant::now();
    // One target opens on its Overview: show the board (keys wait in the terminal).
    tmux(&["send-keys", "-t", &session, "="]);
    let mut full = None;
    while started.elapsed() < Duration::from_secs(120) {
        let screen = tmux(&["capture-pane", "-p", "-t", &session]);
        let rows = screen
            .lines()
            .filter(|l| l.starts_with('│') && l.contains("eu-central-1"))
            .count();
        if rows == n
            && !screen
                .lines()
                .any(|l| l.contains("eu-central-1") && l.contains(" ? "))
        {
            full = Some(started.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_secs(5));
    let pid: u32 = tmux(&["display-message", "-p", "-t", &session, "#{pane_pid}"])
        .trim()
        .parse()
        .unwrap_or(0);
    let rss = rss_mb(pid);
    if full.is_none() {
        println!(
            "console never showed every row judged; screen:\n{}",
            tmux(&["capture-pane", "-p", "-t", &session])
        );
    }
    tmux(&["kill-session", "-t", &session]);
    (full, rss)
}
