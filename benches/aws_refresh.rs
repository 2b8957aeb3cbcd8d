//! One full refresh of the AWS world against its limit: a fleet of 1,000 instances, 50
//! target groups and 50 Auto Scaling groups (CPU and an alarm each), 100 Elastic IPs.
//!
//!     cargo bench --bench aws_refresh            (needs .venv from scripts/test)
//!
//! The limit of a refresh is its slowest single call plus one round trip: the calls that
//! depend on another (target health on the list of target groups, CPU on the groups' names)
//! cannot start before one answer. moto answers one request at a time, which hides
//! concurrency, so moto's answers are recorded once and a stub replays them to any number
//! of clients at once, each after the added latency (50 ms, then 200 ms). For each latency
//! it prints:
//! - the slowest single call and one round trip, each measured alone, and their sum (the
//!   limit);
//! - the median of 7 full refreshes (every source, as `patrol snapshot` does) with the
//!   adaptive limiter, its ratio to the limit (goal: at most 1.2), the calls per refresh
//!   and the connections opened (reuse: none after the first);
//! - the same with 8 calls at a time (the fixed number before the limiter), for comparison;
//! - the same refresh against moto itself behind the same latency (moto's figure).

#[path = "../tests/it/moto.rs"]
#[allow(dead_code)]
mod moto;
#[allow(dead_code)]
mod support;

use aws_sdk_elasticloadbalancingv2::types::{ProtocolEnum, TargetDescription};
use patrol::cloud::aws::AwsCloud;
use patrol::cloud::{take_snapshot, Cloud, Source};
use std::time::{Duration, Instant};
use support::stub;

const REGION: &str = "us-east-1";
const TARGET_GROUPS: usize = 50;
const GROUPS: usize = 50;
const PER_GROUP: i32 = 8;
const STANDALONE: usize = 600;
const ADDRESSES: usize = 100;
const BOUND_ADDRESSES: usize = 60;
const RUNS: usize = 7;
const GOAL: f64 = 1.2;

async fn seed() {
    let sdk = moto::sdk_config(REGION).await;
    let ec2 = aws_sdk_ec2::Client::new(&sdk);
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&sdk);
    let asg = aws_sdk_autoscaling::Client::new(&sdk);
    let cw = aws_sdk_cloudwatch::Client::new(&sdk);
    let moto::Network {
        vpc, subnets, ami, ..
    } = moto::network(&ec2, 3).await;

    let standalone = moto::instances(&ec2, &ami, &subnets, STANDALONE).await;

    let mut target_groups = Vec::new();
    for n in 0..TARGET_GROUPS {
        let out = elb
            .create_target_group()
            .name(format!("tg-{n:02}"))
            .protocol(ProtocolEnum::Http)
            .port(80)
            .vpc_id(&vpc)
            .send()
            .await
            .unwrap();
        let arn = out.target_groups()[0]
            .target_group_arn()
            .unwrap()
            .to_string();
        // The standalone instances, twelve to a group.
        let per = STANDALONE / TARGET_GROUPS;
        let mut register = elb.register_targets().target_group_arn(&arn);
        for id in &standalone[n * per..(n + 1) * per] {
            register = register.targets(TargetDescription::builder().id(id).build());
        }
        register.send().await.unwrap();
        target_groups.push(arn);
    }

    for n in 0..GROUPS {
        let name = format!("asg-{n:02}");
        let sizes = (PER_GROUP / 2, PER_GROUP, PER_GROUP * 2);
        let target_group = &target_groups[n % TARGET_GROUPS];
        moto::auto_scaling_group(&ec2, &asg, &name, &ami, &subnets, sizes, target_group).await;
        let minutes: Vec<(i64, f64)> = (1..=10).map(|m| (m * 60, 30.0 + m as f64)).collect();
        moto::cpu_and_alarm(&cw, &name, &minutes, &format!("{name}-cpu-high")).await;
    }

    for n in 0..ADDRESSES {
        let bind_to = standalone.get(n).filter(|_| n < BOUND_ADDRESSES);
        let id = moto::allocate_address(&ec2).await;
        if let Some(instance) = bind_to {
            ec2.associate_address()
                .allocation_id(&id)
                .instance_id(instance)
                .send()
                .await
                .unwrap();
        }
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

async fn cloud_at(url: &str) -> AwsCloud {
    let sdk = moto::sdk_config_at(url, REGION).await;
    AwsCloud::from_config(&sdk, None, Some(url.to_string()))
}

/// Every call of a refresh, one at a time, each timed alone: the slowest, and the fastest
/// (one round trip with next to nothing to read).
async fn alone(cloud: &AwsCloud) -> ((String, Duration), Duration) {
    let names: Vec<String> = (0..GROUPS).map(|n| format!("asg-{n:02}")).collect();
    cloud.calls().reset();
    cloud.calls().time_calls(true);
    for source in Source::CLOUD {
        match source {
            Source::Instances => drop(cloud.instances().await.unwrap()),
            Source::LoadBalancers => drop(cloud.load_balancers().await.unwrap()),
            Source::TargetGroups => drop(cloud.target_groups().await.unwrap()),
            Source::AutoScaling => drop(cloud.auto_scaling_groups().await.unwrap()),
            Source::ElasticIps => drop(cloud.elastic_ips().await.unwrap()),
            Source::Images => drop(cloud.images().await.unwrap()),
            Source::Alarms => drop(cloud.alarms().await.unwrap()),
            Source::Metrics => {
                drop(cloud.cpu_utilization(&names).await.unwrap());
                drop(cloud.instance_metrics().await.unwrap());
            }
            Source::Probes => {}
        }
    }
    let times = cloud.calls().times();
    cloud.calls().time_calls(false);
    let slowest = times.iter().max_by_key(|(_, t)| *t).cloned().unwrap();
    let fastest = times.iter().map(|(_, t)| *t).min().unwrap();
    (slowest, fastest)
}

struct Refreshes {
    median: Duration,
    first: Duration,
    calls_first: u64,
    calls_later: u64,
}

/// The first full refresh of a fresh cloud, then `RUNS` more; the median is of those.
async fn refreshes(cloud: &AwsCloud) -> Refreshes {
    cloud.calls().reset();
    let started = Instant::now();
    take_snapshot(cloud).await.expect("a full refresh");
    let first = started.elapsed();
    let calls_first = cloud.calls().total();
    let mut times = Vec::new();
    for _ in 0..RUNS {
        cloud.calls().reset();
        let started = Instant::now();
        let s = take_snapshot(cloud).await.expect("a full refresh");
        times.push(started.elapsed());
        assert_eq!(s.instances.len(), STANDALONE + GROUPS * PER_GROUP as usize);
        assert_eq!(s.target_groups.len(), TARGET_GROUPS);
        assert_eq!(s.metrics.len(), GROUPS);
    }
    Refreshes {
        median: median(times),
        first,
        calls_first,
        calls_later: cloud.calls().total(),
    }
}

fn main() {
    // `cargo test --benches` runs bench binaries without `--bench`: only measure when asked.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let started = Instant::now();
        seed().await;
        println!(
            "seeded moto with {} instances, {TARGET_GROUPS} target groups, {GROUPS} Auto \
             Scaling groups, {ADDRESSES} Elastic IPs in {:.1}s",
            STANDALONE + GROUPS * PER_GROUP as usize,
            started.elapsed().as_secs_f64()
        );
        let moto = stub::moto_address(&moto::moto().url);
        let book = stub::Book::default();
        let recorder = stub::recorder(moto, &book).await;
        let cloud = cloud_at(&recorder.url()).await;
        for _ in 0..2 {
            take_snapshot(&cloud).await.unwrap();
        }
        // The single calls below ask what a refresh asks: recorded too.
        alone(&cloud).await;
        println!("recorded {} answers of moto", book.len());
        for latency in [50, 200] {
            let latency = Duration::from_millis(latency);
            println!("\n== {} ms added to every answer ==", latency.as_millis());
            let replay = stub::replay(&book, latency).await;
            let serial = cloud_at(&replay.url()).await.with_concurrency(1);
            take_snapshot(&serial).await.unwrap();
            let ((operation, slowest), round_trip) = alone(&serial).await;
            let limit = slowest + round_trip;
            println!(
                "slowest single call {operation} {:.0} ms + one round trip {:.0} ms = limit \
                 {:.0} ms",
                ms(slowest),
                ms(round_trip),
                ms(limit)
            );
            let before = replay.connections();
            let adaptive = cloud_at(&replay.url()).await;
            let r = refreshes(&adaptive).await;
            let opened = replay.connections() - before;
            let ratio = r.median.as_secs_f64() / limit.as_secs_f64();
            println!(
                "full refresh, adaptive: median {:.0} ms of {RUNS} = {ratio:.2} x the limit \
                 (goal <= {GOAL}: {}); first refresh {:.0} ms; {} calls in the first, {} in \
                 each later; {opened} connections opened in all ({} calls), {} calls in \
                 flight allowed at the end",
                ms(r.median),
                if ratio <= GOAL { "met" } else { "NOT met" },
                ms(r.first),
                r.calls_first,
                r.calls_later,
                r.calls_first + r.calls_later * RUNS as u64,
                adaptive.in_flight_limit(),
            );
            let fixed = cloud_at(&replay.url()).await.with_concurrency(8);
            let f = refreshes(&fixed).await;
            println!(
                "full refresh, 8 at a time (before): median {:.0} ms = {:.2} x the limit",
                ms(f.median),
                f.median.as_secs_f64() / limit.as_secs_f64()
            );
            let proxy = stub::slow_proxy(moto, latency).await;
            let on_moto = cloud_at(&proxy.url()).await;
            let m = refreshes(&on_moto).await;
            println!(
                "full refresh against moto itself (one request at a time): median {:.0} ms",
                ms(m.median)
            );
        }
    });
}
