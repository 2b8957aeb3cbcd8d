//! Recovery after an outage, in tokio's paused time: every source is fresh within its
//! interval + 10 s of the endpoint answering again, whatever the outage's length; throttling
//! keeps its own longer curve; metrics never times out waiting for group names.

use super::default_sim;
use async_trait::async_trait;

use patrol::cloud::sim::SimCloud;
use patrol::cloud::{Cloud, CloudError, CloudErrorKind, CreateImageRequest, Receipt, Source};
use patrol::model::*;
use patrol::poll::{Intervals, PollEvent, Poller};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

const UP: u8 = 0;
const DOWN: u8 = 1;
const THROTTLED: u8 = 2;

/// The simulator behind an endpoint that can go down (connection refused) or throttle.
struct Flaky {
    sim: SimCloud,
    mode: Arc<AtomicU8>,
    /// The auto scaling groups are refused (AccessDenied) whatever the mode.
    deny_groups: bool,
}

impl Flaky {
    fn gate(&self) -> Result<(), CloudError> {
        match self.mode.load(Ordering::SeqCst) {
            DOWN => Err(CloudError::new(
                CloudErrorKind::Network,
                "DispatchFailure",
                "connection refused",
            )),
            THROTTLED => Err(CloudError::new(
                CloudErrorKind::Throttled,
                "Throttling",
                "Rate exceeded",
            )),
            _ => Ok(()),
        }
    }
}

#[async_trait]
impl Cloud for Flaky {
    fn world(&self) -> WorldInfo {
        self.sim.world()
    }
    fn clock(&self) -> chrono::DateTime<chrono::Utc> {
        self.sim.clock()
    }
    async fn instances(&self) -> Result<Vec<Instance>, CloudError> {
        self.gate()?;
        self.sim.instances().await
    }
    async fn load_balancers(&self) -> Result<Vec<LoadBalancer>, CloudError> {
        self.gate()?;
        self.sim.load_balancers().await
    }
    async fn target_groups(&self) -> Result<Vec<TargetGroup>, CloudError> {
        self.gate()?;
        self.sim.target_groups().await
    }
    async fn auto_scaling_groups(&self) -> Result<Vec<AutoScalingGroup>, CloudError> {
        self.gate()?;
        if self.deny_groups {
            return Err(CloudError::new(
                CloudErrorKind::AccessDenied,
                "AccessDenied",
                "not authorized to perform autoscaling:DescribeAutoScalingGroups",
            ));
        }
        self.sim.auto_scaling_groups().await
    }
    async fn elastic_ips(&self) -> Result<Vec<ElasticIp>, CloudError> {
        self.gate()?;
        self.sim.elastic_ips().await
    }
    async fn images(&self) -> Result<Vec<Image>, CloudError> {
        self.gate()?;
        self.sim.images().await
    }
    async fn cpu_utilization(&self, groups: &[String]) -> Result<Vec<MetricSeries>, CloudError> {
        self.gate()?;
        self.sim.cpu_utilization(groups).await
    }
    async fn instance_metrics(&self) -> Result<Vec<InstanceMetric>, CloudError> {
        self.gate()?;
        self.sim.instance_metrics().await
    }
    async fn alarms(&self) -> Result<Vec<Alarm>, CloudError> {
        self.gate()?;
        self.sim.alarms().await
    }
    async fn associate_address(&self, a: &str, i: &str) -> Result<Receipt, CloudError> {
        self.sim.associate_address(a, i).await
    }
    async fn associate_address_dry_run(&self, a: &str, i: &str) -> Result<(), CloudError> {
        self.sim.associate_address_dry_run(a, i).await
    }
    async fn create_image(&self, r: &CreateImageRequest) -> Result<Receipt, CloudError> {
        self.sim.create_image(r).await
    }
    async fn create_image_dry_run(&self, r: &CreateImageRequest) -> Result<(), CloudError> {
        self.sim.create_image_dry_run(r).await
    }
    async fn set_desired_capacity(&self, g: &str, d: u32) -> Result<Receipt, CloudError> {
        self.sim.set_desired_capacity(g, d).await
    }
    async fn enter_standby(&self, g: &str, i: &str, d: bool) -> Result<Receipt, CloudError> {
        self.sim.enter_standby(g, i, d).await
    }
    async fn exit_standby(&self, g: &str, i: &str) -> Result<Receipt, CloudError> {
        self.sim.exit_standby(g, i).await
    }
    async fn register_target(&self, a: &str, i: &str, p: u16) -> Result<Receipt, CloudError> {
        self.sim.register_target(a, i, p).await
    }
    async fn deregister_target(&self, a: &str, i: &str, p: u16) -> Result<Receipt, CloudError> {
        self.sim.deregister_target(a, i, p).await
    }
    async fn tag_instance(&self, i: &str, k: &str, v: &str) -> Result<Receipt, CloudError> {
        self.sim.tag_instance(i, k, v).await
    }
    async fn untag_instance(&self, i: &str, k: &str) -> Result<Receipt, CloudError> {
        self.sim.untag_instance(i, k).await
    }
}

/// Runs a poller over `cloud` in paused time: `mode` from the start until `outage`, then
/// up; returns, per source, how long after the end of the outage its first good read came.
async fn recovery_after(outage: Duration, mode: u8) -> HashMap<Source, Duration> {
    let flag = Arc::new(AtomicU8::new(mode));
    let cloud = Arc::new(Flaky {
        sim: default_sim(),
        mode: flag.clone(),
        deny_groups: false,
    });
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let _poller = Poller::spawn(
        cloud,
        std::sync::Arc::new(patrol::probe::Prober::off()),
        &Intervals::default(),
        0,
        tx,
    );
    let start = Instant::now();
    let end = start + outage;
    let mut fresh: HashMap<Source, Duration> = HashMap::new();
    let mut up = false;
    while fresh.len() < Source::ALL.len() {
        let wait = if up {
            Duration::from_secs(600)
        } else {
            end.saturating_duration_since(Instant::now())
        };
        tokio::select! {
            Some(action) = rx.recv() => {
                if let PollEvent::Refreshed { source, result: Ok(_), .. } = action {
                    if up {
                        fresh.entry(source).or_insert(Instant::now() - end);
                    }
                }
            }
            _ = tokio::time::sleep(wait) => {
                if up {
                    panic!("not every source recovered: {fresh:?}");
                }
                flag.store(UP, Ordering::SeqCst);
                up = true;
            }
        }
    }
    fresh
}

#[tokio::test(start_paused = true)]
async fn every_source_is_fresh_within_its_interval_and_ten_seconds_of_the_endpoint_answering() {
    let intervals = Intervals::default();
    // Lengths off the probe's 3 s beat, so the wait for its next call is in the figure.
    for outage in [61, 301, 1801] {
        let fresh = recovery_after(Duration::from_secs(outage), DOWN).await;
        let slowest = fresh.values().max().copied().unwrap_or_default();
        println!("{outage}s outage: every source fresh {slowest:?} after the endpoint answered");
        for (source, after) in &fresh {
            let limit = intervals.of(*source) + Duration::from_secs(10);
            assert!(
                *after <= limit,
                "{outage}s outage: {} fresh {after:?} after the endpoint answered (limit {limit:?})",
                source.name()
            );
        }
    }
}

#[tokio::test(start_paused = true)]
async fn throttling_keeps_its_own_longer_curve() {
    // Throttling is not an outage: no probe hammers a rate-limited API, so recovery after
    // a long throttle waits out the backoff (longer than interval + 10 s for some source).
    let fresh = recovery_after(Duration::from_secs(600), THROTTLED).await;
    let intervals = Intervals::default();
    assert!(
        fresh
            .iter()
            .any(|(s, after)| *after > intervals.of(*s) + Duration::from_secs(10)),
        "{fresh:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn metrics_do_not_wait_for_group_names_that_cannot_be_read() {
    let cloud = Arc::new(Flaky {
        sim: default_sim(),
        mode: Arc::new(AtomicU8::new(UP)),
        deny_groups: true,
    });
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let _poller = Poller::spawn(
        cloud,
        std::sync::Arc::new(patrol::probe::Prober::off()),
        &Intervals::default(),
        0,
        tx,
    );
    let deadline = tokio::time::sleep(Duration::from_secs(120));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            Some(action) = rx.recv() => {
                if let PollEvent::Refreshed { source: Source::Metrics, result, .. } = action {
                    assert!(result.is_ok(), "metrics: {result:?}");
                    return;
                }
            }
            _ = &mut deadline => panic!("metrics never answered"),
        }
    }
}
