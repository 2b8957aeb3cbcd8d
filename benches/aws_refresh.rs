//! What one full refresh of the AWS world costs: API requests and wall time, against moto's
//! server on 127.0.0.1, for a fleet of 50 target groups, 1,000 instances, 10 Auto Scaling
//! groups and 100 Elastic IPs.
//!
//!     cargo bench --bench aws_refresh            (needs .venv from scripts/test)
//!
//! It seeds the fleet through the SDK, then runs seven full refreshes (every source, as
//! `patrol snapshot` does) at patrol's concurrency and seven reading one target group at a
//! time, and prints the requests per operation and the median wall time of each.

#[path = "../tests/it/moto.rs"]
#[allow(dead_code)]
mod moto;

use aws_sdk_elasticloadbalancingv2::types::{ProtocolEnum, TargetDescription};
use patrol::cloud::aws::{AwsCloud, DEFAULT_CONCURRENCY};
use patrol::cloud::take_snapshot;
use std::time::{Duration, Instant};

const REGION: &str = "us-east-1";
const TARGET_GROUPS: usize = 50;
const GROUPS: usize = 10;
const PER_GROUP: i32 = 40;
const STANDALONE: usize = 600;
const ADDRESSES: usize = 100;
const BOUND_ADDRESSES: usize = 60;
const RUNS: usize = 7;

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

    for (n, target_group) in target_groups.iter().enumerate().take(GROUPS) {
        let name = format!("asg-{n}");
        let sizes = (PER_GROUP / 2, PER_GROUP, PER_GROUP * 2);
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

async fn measure(label: &str, cloud: &AwsCloud) -> Duration {
    let mut times = Vec::new();
    let mut requests = 0;
    for run in 0..RUNS {
        cloud.calls().reset();
        let started = Instant::now();
        let s = take_snapshot(cloud).await.expect("a full refresh");
        times.push(started.elapsed());
        if run == 0 {
            println!(
                "fleet read: {} instances, {} target groups ({} targets), {} groups, {} EIPs, \
                 {} CPU series, {} alarms",
                s.instances.len(),
                s.target_groups.len(),
                s.target_groups
                    .iter()
                    .map(|g| g.targets.len())
                    .sum::<usize>(),
                s.auto_scaling_groups.len(),
                s.elastic_ips.len(),
                s.metrics.len(),
                s.alarms.len()
            );
            requests = cloud.calls().total();
            println!("{label}: requests of the first full refresh: {requests}");
            for (operation, n) in cloud.calls().counts() {
                println!("    {operation:<28} {n}");
            }
        }
    }
    // Target groups' deregistration delays are read once and kept for five minutes: the
    // refreshes after the first show what a console pays each time.
    println!(
        "{label}: requests of each later refresh: {} (DescribeTargetGroupAttributes {})",
        cloud.calls().total(),
        cloud.calls().of("DescribeTargetGroupAttributes")
    );
    let m = median(times.clone());
    println!(
        "{label}: wall time of a full refresh: median {:.0} ms over {RUNS} runs \
         (min {:.0}, max {:.0}), {requests} requests in the first",
        m.as_secs_f64() * 1e3,
        times.iter().min().unwrap().as_secs_f64() * 1e3,
        times.iter().max().unwrap().as_secs_f64() * 1e3,
    );
    m
}

fn main() {
    // `cargo test --benches` runs bench binaries with no arguments but `--bench` absent;
    // only measure when asked to.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let started = Instant::now();
        seed().await;
        println!(
            "seeded moto at {} in {:.1}s",
            moto::moto().url,
            started.elapsed().as_secs_f64()
        );
        let endpoint = Some(moto::moto().url.clone());
        let sdk = moto::sdk_config(REGION).await;
        let parallel = AwsCloud::from_config(&sdk, None, endpoint.clone());
        let serial = AwsCloud::from_config(&sdk, None, endpoint).with_concurrency(1);
        let p = measure(&format!("concurrency {DEFAULT_CONCURRENCY}"), &parallel).await;
        let s = measure("concurrency 1", &serial).await;
        println!(
            "one group at a time is {:.2}x the wall time of {DEFAULT_CONCURRENCY} at a time",
            s.as_secs_f64() / p.as_secs_f64()
        );
    });
}
