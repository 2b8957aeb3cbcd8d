//! A refresh starts each call the moment its input arrives. Proved without a clock: a gate
//! proxy in front of moto holds chosen answers back until another request has arrived, so
//! a refresh that waited for the wrong thing never finishes (and the test fails at its
//! deadline), whatever the machine's speed.

use crate::aws::seed;
use crate::moto::{moto, sdk_config_at};
use aws_sdk_elasticloadbalancingv2::types::{ProtocolEnum, TargetDescription};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use patrol::cloud::aws::AwsCloud;
use patrol::cloud::Source;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// Requests seen by operation (the query protocol's `Action`).
#[derive(Default)]
struct Seen {
    by_action: Mutex<HashMap<String, usize>>,
    changed: Notify,
}

impl Seen {
    fn of(&self, action: &str) -> usize {
        self.by_action
            .lock()
            .unwrap()
            .get(action)
            .copied()
            .unwrap_or(0)
    }
}

type Hold = dyn Fn(&str, &Seen) -> bool + Send + Sync;

/// A proxy to moto on 127.0.0.1 that answers a request of action `a` only once
/// `hold(a, seen)` is false.
async fn gate_proxy(hold: Arc<Hold>) -> (String, Arc<Seen>) {
    let upstream: std::net::SocketAddr = moto().url.trim_start_matches("http://").parse().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Seen::default());
    let shared = seen.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (hold, seen) = (hold.clone(), shared.clone());
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req: hyper::Request<_>| {
                    let (hold, seen) = (hold.clone(), seen.clone());
                    async move { pass(upstream, req, &*hold, &seen).await }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (url, seen)
}

async fn pass(
    upstream: std::net::SocketAddr,
    req: hyper::Request<hyper::body::Incoming>,
    hold: &Hold,
    seen: &Seen,
) -> Result<hyper::Response<Full<Bytes>>, hyper::Error> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await?.to_bytes();
    let action = String::from_utf8_lossy(&body)
        .split('&')
        .find_map(|p| p.strip_prefix("Action="))
        .unwrap_or("unknown")
        .to_string();
    *seen
        .by_action
        .lock()
        .unwrap()
        .entry(action.clone())
        .or_default() += 1;
    seen.changed.notify_waiters();
    let stream = tokio::net::TcpStream::connect(upstream).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let mut forwarded = hyper::Request::builder()
        .method(parts.method)
        .uri(parts.uri);
    for (name, value) in parts.headers.iter() {
        forwarded = forwarded.header(name, value);
    }
    let response = sender
        .send_request(forwarded.body(Full::new(body)).unwrap())
        .await?;
    let (parts, body) = response.into_parts();
    let body = body.collect().await?.to_bytes();
    loop {
        let changed = seen.changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        if !hold(&action, seen) {
            break;
        }
        changed.await;
    }
    Ok(hyper::Response::from_parts(parts, Full::new(body)))
}

async fn cloud_behind(url: &str, region: &str) -> AwsCloud {
    AwsCloud::from_config(&sdk_config_at(url, region).await, None, Some(url.into()))
}

const DEADLINE: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshots_cpu_waits_for_the_group_names_only() {
    let region = "ap-east-1";
    seed(region).await;
    // Instances and the groups' activities are answered only after CPU has been asked
    // for: CPU must not wait for them.
    let (url, seen) = gate_proxy(Arc::new(|action: &str, seen: &Seen| {
        matches!(action, "DescribeInstances" | "DescribeScalingActivities")
            && seen.of("GetMetricData") == 0
    }))
    .await;
    let cloud = cloud_behind(&url, region).await;
    let s = tokio::time::timeout(DEADLINE, patrol::cloud::take_snapshot(&cloud))
        .await
        .expect("CPU waited for the instances or the activities")
        .unwrap();
    assert!(seen.of("GetMetricData") >= 1);
    assert!(!s.metrics.is_empty() && !s.instances.is_empty());
    assert!(s.auto_scaling_groups.iter().all(|g| !g.name.is_empty()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consoles_cpu_starts_before_the_activities_are_read() {
    use patrol::poll::{Intervals, PollEvent, Poller};
    let region = "eu-central-2";
    seed(region).await;
    let (url, _) = gate_proxy(Arc::new(|action: &str, seen: &Seen| {
        action == "DescribeScalingActivities" && seen.of("GetMetricData") == 0
    }))
    .await;
    let cloud = cloud_behind(&url, region).await;
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let _poller = Poller::spawn(
        Arc::new(cloud),
        Arc::new(patrol::probe::Prober::off()),
        &Intervals::every(Duration::from_secs(30)),
        0,
        tx,
    );
    let mut fresh = Vec::new();
    let waited = tokio::time::timeout(DEADLINE, async {
        while let Some(event) = rx.recv().await {
            if let PollEvent::Refreshed {
                source,
                result: Ok(_),
                ..
            } = event
            {
                fresh.push(source);
                if fresh.contains(&Source::Metrics) && fresh.contains(&Source::AutoScaling) {
                    return;
                }
            }
        }
    })
    .await;
    // (Had CPU waited for the activities, neither would ever have come.)
    assert!(waited.is_ok(), "CPU waited for the activities: {fresh:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_than_eight_target_groups_health_is_read_at_once() {
    let region = "ap-southeast-3";
    let sdk = crate::moto::sdk_config(region).await;
    let ec2 = aws_sdk_ec2::Client::new(&sdk);
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&sdk);
    let network = crate::moto::network(&ec2, 2).await;
    // moto's helper launches a hundred at a time.
    let ids = crate::moto::instances(&ec2, &network.ami, &network.subnets, 100).await;
    for (n, id) in ids.iter().take(20).enumerate() {
        let arn = elb
            .create_target_group()
            .name(format!("tg-{n}"))
            .protocol(ProtocolEnum::Http)
            .port(80)
            .vpc_id(&network.vpc)
            .send()
            .await
            .unwrap()
            .target_groups()[0]
            .target_group_arn()
            .unwrap()
            .to_string();
        elb.register_targets()
            .target_group_arn(arn)
            .targets(TargetDescription::builder().id(id).build())
            .send()
            .await
            .unwrap();
    }
    // Every health answer waits until 16 have been asked for: a refresh that reads fewer
    // at once never completes.
    let (url, seen) = gate_proxy(Arc::new(|action: &str, seen: &Seen| {
        action == "DescribeTargetHealth"
            && seen.of("DescribeTargetHealth") < patrol::cloud::aws::START_IN_FLIGHT
    }))
    .await;
    let cloud = cloud_behind(&url, region).await;
    let groups = tokio::time::timeout(DEADLINE, patrol::cloud::Cloud::target_groups(&cloud))
        .await
        .expect("fewer than 16 target groups' health read at once")
        .unwrap();
    assert_eq!(groups.len(), 20);
    assert!(groups.iter().all(|g| g.targets.len() == 1));
    assert_eq!(seen.of("DescribeTargetHealth"), 20);
}
