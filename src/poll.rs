//! Background refresh: one task per source, each on its own interval, with timeouts and backoff.

use crate::cloud::{Cloud, CloudError, CloudErrorKind, Source};
use crate::model::{
    Alarm, AutoScalingGroup, ElasticIp, Image, Instance, InstanceMetric, LoadBalancer,
    MetricSeries, ProbeResult, TargetGroup,
};
use crate::probe::Prober;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch, Notify};
use tokio::task::JoinHandle;

/// What the poller tells whoever listens (the console maps these to its actions).
#[derive(Debug, Clone)]
pub enum PollEvent {
    /// A source's refresh finished, at `at` on the world's clock.
    Refreshed {
        source: Source,
        epoch: u64,
        generation: u64,
        at: DateTime<Utc>,
        result: Result<Payload, CloudError>,
    },
    /// A source's last refresh failed; it tries again at `at` (wall clock) or when the
    /// endpoint answers again, whichever is first.
    Retrying {
        source: Source,
        epoch: u64,
        at: DateTime<Utc>,
    },
}

/// What one refresh of a source brought back.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// The big ones shared: the console, the recorder and the probes read the same copy.
    Instances(Arc<Vec<Instance>>),
    LoadBalancers(Vec<LoadBalancer>),
    TargetGroups(Arc<Vec<TargetGroup>>),
    AutoScaling(Arc<Vec<AutoScalingGroup>>),
    ElasticIps(Vec<ElasticIp>),
    Images(Vec<Image>),
    /// CPU per group, and per-instance metrics (NFS latency).
    Metrics(Vec<MetricSeries>, Vec<InstanceMetric>),
    Alarms(Vec<Alarm>),
    /// patrol's own requests to the targets' health pages.
    Probes(Arc<Vec<ProbeResult>>),
}

impl Payload {
    /// The source it comes from.
    pub fn source(&self) -> Source {
        match self {
            Payload::Instances(_) => Source::Instances,
            Payload::LoadBalancers(_) => Source::LoadBalancers,
            Payload::TargetGroups(_) => Source::TargetGroups,
            Payload::AutoScaling(_) => Source::AutoScaling,
            Payload::ElasticIps(_) => Source::ElasticIps,
            Payload::Images(_) => Source::Images,
            Payload::Metrics(..) => Source::Metrics,
            Payload::Alarms(_) => Source::Alarms,
            Payload::Probes(_) => Source::Probes,
        }
    }

    /// Puts what it brought into a snapshot, in place of that source's part. Says whether
    /// that part changed: an answer equal to the last one keeps what was made of it (rows,
    /// lookups) for another refresh.
    ///
    /// The big parts are compared by identity, not content (that would cost the event loop
    /// milliseconds at 10,000 instances): the poller hands back its last copy when an
    /// answer equals it (`SourceTask::same_as_last`).
    pub fn apply_to(self, fleet: &mut crate::model::Snapshot) -> bool {
        fn put<T: PartialEq>(part: &mut T, v: T) -> bool {
            let changed = *part != v;
            if changed {
                *part = v;
            }
            changed
        }
        fn put_shared<T>(part: &mut Arc<T>, v: Arc<T>) -> bool {
            let changed = !Arc::ptr_eq(part, &v);
            *part = v;
            changed
        }
        match self {
            Payload::Instances(v) => put_shared(&mut fleet.instances, v),
            Payload::LoadBalancers(v) => put(&mut fleet.load_balancers, v),
            Payload::TargetGroups(v) => put_shared(&mut fleet.target_groups, v),
            Payload::AutoScaling(v) => put_shared(&mut fleet.auto_scaling_groups, v),
            Payload::ElasticIps(v) => put(&mut fleet.elastic_ips, v),
            Payload::Images(v) => put(&mut fleet.images, v),
            Payload::Metrics(cpu, per_instance) => {
                // Both, whatever the first says.
                let cpu = put(&mut fleet.metrics, cpu);
                put(&mut fleet.instance_metrics, per_instance) || cpu
            }
            Payload::Alarms(v) => put(&mut fleet.alarms, v),
            Payload::Probes(v) => put_shared(&mut fleet.probes, v),
        }
    }
}

/// How often each source is refreshed when all is well, by source.
#[derive(Debug, Clone, PartialEq)]
pub struct Intervals(BTreeMap<Source, Duration>);

impl Default for Intervals {
    fn default() -> Self {
        Intervals(
            Source::ALL
                .into_iter()
                .map(|s| (s, default_interval(s)))
                .collect(),
        )
    }
}

/// How long a source rests after a read that took `took`: its interval, and a round of
/// probes at least twice as long as the round took. Probing 20,000 targets takes about
/// a second of a core; at x10 the simulator's interval (1.5 s) would otherwise keep a core
/// busy probing alone, and a slow round never runs back to back with the next.
fn next_after(source: Source, interval: Duration, took: Duration) -> Duration {
    match source {
        Source::Probes => interval.max(took * 2),
        _ => interval,
    }
}

/// A source's interval when the config says nothing.
fn default_interval(source: Source) -> Duration {
    Duration::from_secs(match source {
        Source::Instances | Source::TargetGroups | Source::AutoScaling => 5,
        Source::ElasticIps => 10,
        Source::Probes => 15,
        Source::Images | Source::Metrics | Source::Alarms => 30,
        Source::LoadBalancers => 60,
    })
}

impl Intervals {
    /// The same interval for every source.
    pub fn every(interval: Duration) -> Intervals {
        Intervals(Source::ALL.into_iter().map(|s| (s, interval)).collect())
    }

    /// Intervals for a world whose time runs `speed` times faster than real time, so the
    /// screen keeps up with it; never more often than once a second.
    pub fn scaled_for_speed(&self, speed: f64) -> Intervals {
        let speed = speed.max(1.0);
        Intervals(
            self.0
                .iter()
                .map(|(s, d)| (*s, d.div_f64(speed).max(Duration::from_secs(1))))
                .collect(),
        )
    }

    /// The interval of one source.
    pub fn of(&self, source: Source) -> Duration {
        self.0
            .get(&source)
            .copied()
            .unwrap_or_else(|| default_interval(source))
    }

    /// Sets the interval of one source.
    pub fn set(&mut self, source: Source, interval: Duration) {
        self.0.insert(source, interval);
    }
}

/// A call that takes longer than this is abandoned and reported as a network error.
const CALL_TIMEOUT: Duration = Duration::from_secs(20);
/// Backoff never waits longer than this between attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// While the endpoint is down, one cheap call this often; when it answers, every source
/// refreshes at once (so recovery never waits for a long backoff).
pub const PROBE_EVERY: Duration = Duration::from_secs(3);

/// The wait before the next attempt after `failures` failures in a row.
pub fn backoff(interval: Duration, failures: u32, kind: CloudErrorKind) -> Duration {
    if failures == 0 {
        return interval;
    }
    let base = match kind {
        CloudErrorKind::Throttled => interval.max(Duration::from_secs(10)) * 2,
        _ => interval,
    };
    base.saturating_mul(1 << failures.min(8)).min(MAX_BACKOFF)
}

/// The running refresh tasks of one world. Dropping it stops them.
pub struct Poller {
    tasks: Vec<JoinHandle<()>>,
    refresh: Arc<Notify>,
    /// While non-zero, no source is read more often than once in this many seconds (a
    /// target watched on the board but not on screen).
    floor: Arc<std::sync::atomic::AtomicU64>,
}

/// What the sources share about an outage: whether one is on, and the bell the probe rings
/// when the endpoint answers again.
struct Outage {
    down: watch::Sender<bool>,
    over: Notify,
}

/// While an outage is on, calls `cloud.probe()` every `PROBE_EVERY`; the first answer ends
/// it and wakes every source.
async fn probe(cloud: Arc<dyn Cloud>, outage: Arc<Outage>) {
    let mut down = outage.down.subscribe();
    loop {
        if down.wait_for(|d| *d).await.is_err() {
            return;
        }
        loop {
            tokio::time::sleep(PROBE_EVERY).await;
            let answered = matches!(
                tokio::time::timeout(CALL_TIMEOUT, cloud.probe()).await,
                Ok(Ok(()))
            );
            if answered {
                tracing::info!("the endpoint answers again: refreshing every source");
                outage.down.send_replace(false);
                outage.over.notify_waiters();
                break;
            }
        }
    }
}

impl Poller {
    /// Starts one task per source. Results carry `epoch` (the world they belong to) and a
    /// per-source generation, so the app can drop anything stale.
    pub fn spawn(
        cloud: Arc<dyn Cloud>,
        prober: Arc<Prober>,
        intervals: &Intervals,
        epoch: u64,
        tx: mpsc::Sender<PollEvent>,
    ) -> Poller {
        let refresh = Arc::new(Notify::new());
        let (groups_tx, groups_rx) = watch::channel::<Option<Vec<String>>>(None);
        let groups_tx = Arc::new(groups_tx);
        let (fleet_tx, fleet_rx) = watch::channel(Latest::default());
        let fleet_tx = Arc::new(fleet_tx);
        let floor = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let outage = Arc::new(Outage {
            down: watch::channel(false).0,
            over: Notify::new(),
        });
        let mut tasks: Vec<JoinHandle<()>> = Source::ALL
            .into_iter()
            .map(|source| {
                let task = SourceTask {
                    cloud: cloud.clone(),
                    source,
                    interval: intervals.of(source),
                    epoch,
                    tx: tx.clone(),
                    refresh: refresh.clone(),
                    outage: outage.clone(),
                    groups_tx: groups_tx.clone(),
                    groups_rx: groups_rx.clone(),
                    prober: prober.clone(),
                    fleet_tx: fleet_tx.clone(),
                    fleet_rx: fleet_rx.clone(),
                    floor: floor.clone(),
                    last: None,
                };
                tokio::spawn(task.run())
            })
            .collect();
        tasks.push(tokio::spawn(probe(cloud, outage)));
        Poller {
            tasks,
            refresh,
            floor,
        }
    }

    /// Reads no source more often than once per `every` (None: at the sources' own
    /// intervals again, starting now).
    pub fn slow_down(&self, every: Option<Duration>) {
        let secs = every.map_or(0, |d| d.as_secs().max(1));
        let before = self.floor.swap(secs, std::sync::atomic::Ordering::Relaxed);
        if secs < before || (before != 0 && secs == 0) {
            self.refresh_now();
        }
    }

    /// Asks every source to refresh now rather than at its next interval.
    pub fn refresh_now(&self) {
        self.refresh.notify_waiters();
    }
}

impl Drop for Poller {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

struct SourceTask {
    cloud: Arc<dyn Cloud>,
    source: Source,
    interval: Duration,
    epoch: u64,
    tx: mpsc::Sender<PollEvent>,
    refresh: Arc<Notify>,
    outage: Arc<Outage>,
    /// The auto scaling task publishes group names as soon as they are listed; the metrics
    /// task reads them.
    groups_tx: Arc<watch::Sender<Option<Vec<String>>>>,
    groups_rx: watch::Receiver<Option<Vec<String>>>,
    prober: Arc<Prober>,
    /// The instances and target groups tasks publish what they read; the probes task
    /// plans from it.
    fleet_tx: Arc<watch::Sender<Latest>>,
    fleet_rx: watch::Receiver<Latest>,
    floor: Arc<std::sync::atomic::AtomicU64>,
    /// The last answer sent: an equal one is sent as this same copy.
    last: Option<Payload>,
}

/// An instance as the probes need it: its id, state and address.
fn address_only(i: &Instance) -> Instance {
    Instance {
        id: i.id.clone(),
        name: None,
        state: i.state,
        zone: String::new(),
        subnet_id: String::new(),
        vpc_id: String::new(),
        private_ip: i.private_ip.clone(),
        public_ip: None,
        instance_type: String::new(),
        launched_at: i.launched_at,
        tags: Default::default(),
        auto_scaling_group: None,
    }
}

/// The latest instances and target groups read (None: no word yet).
#[derive(Debug, Clone, Default)]
struct Latest {
    instances: Option<Arc<Vec<Instance>>>,
    target_groups: Option<Arc<Vec<TargetGroup>>>,
}

impl Latest {
    fn complete(&self) -> bool {
        self.instances.is_some() && self.target_groups.is_some()
    }
}

impl SourceTask {
    async fn run(mut self) {
        let mut generation = 0u64;
        let mut failures = 0u32;
        loop {
            generation += 1;
            // CPU is read per group: wait for the first word on the group names (names, or
            // none when they cannot be read) before the call's own timeout starts.
            if self.source == Source::Metrics && self.groups_rx.borrow().is_none() {
                let _ = self.groups_rx.changed().await;
            }
            // Probes are planned from the targets and their instances: wait for the first
            // word on both.
            if self.source == Source::Probes {
                let _ = self.fleet_rx.wait_for(Latest::complete).await;
            }
            // Each probe has its own timeout and they run a bounded number at a time, so the
            // whole round is bounded without the cloud calls' limit (which a large fleet's
            // round would exceed, losing every result).
            let limit = match self.source {
                Source::Probes => Duration::MAX,
                _ => CALL_TIMEOUT,
            };
            let started = std::time::Instant::now();
            let result = match tokio::time::timeout(limit, self.fetch()).await {
                Ok(r) => r.map(|p| self.same_as_last(p)),
                Err(_) => Err(CloudError::new(
                    CloudErrorKind::Network,
                    "Timeout",
                    format!("no answer within {}s", CALL_TIMEOUT.as_secs()),
                )),
            };
            let delay = match &result {
                Ok(payload) => {
                    self.publish(Some(payload));
                    failures = 0;
                    next_after(self.source, self.interval, started.elapsed())
                }
                Err(e) => {
                    failures += 1;
                    self.publish(None);
                    tracing::warn!(source = self.source.name(), failures, error = %e, "refresh failed");
                    if self.source == Source::AutoScaling && self.groups_rx.borrow().is_none() {
                        // Metrics must not wait for names that cannot be read.
                        self.groups_tx.send_replace(Some(Vec::new()));
                    }
                    if e.kind.is_outage() {
                        self.outage.down.send_replace(true);
                    }
                    backoff(self.interval, failures, e.kind)
                }
            };
            let failed = result.is_err();
            let outage_error = matches!(&result, Err(e) if e.kind.is_outage());
            let action = PollEvent::Refreshed {
                source: self.source,
                epoch: self.epoch,
                generation,
                at: self.cloud.clock(),
                result,
            };
            if self.tx.send(action).await.is_err() {
                return;
            }
            // Register for the probe's bell before checking the outage, so a bell rung in
            // between is not missed.
            let over = self.outage.over.notified();
            tokio::pin!(over);
            over.as_mut().enable();
            let floor = self.floor.load(std::sync::atomic::Ordering::Relaxed);
            let mut delay = delay.max(Duration::from_secs(floor));
            if outage_error && !*self.outage.down.borrow() {
                // The probe heard the endpoint after this call failed: try again soon.
                delay = delay.min(self.interval);
                failures = 0;
            }
            // The panel says when the next try is: this one, unless the probe hears first.
            if failed {
                let retry = PollEvent::Retrying {
                    source: self.source,
                    epoch: self.epoch,
                    at: Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default(),
                };
                if self.tx.send(retry).await.is_err() {
                    return;
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = self.refresh.notified() => {}
                _ = &mut over, if outage_error => failures = 0,
            }
        }
    }

    /// `payload`, or the last answer when it is equal: the console then sees the very copy
    /// it holds, and keeps everything it made of it. Compared here, on the poller's task,
    /// not on the event loop.
    fn same_as_last(&mut self, payload: Payload) -> Payload {
        match &self.last {
            Some(last) if *last == payload => last.clone(),
            _ => {
                self.last = Some(payload.clone());
                payload
            }
        }
    }

    /// Tells the probes task what the instances or target groups task read; a failure
    /// before any read is word too (planned without them, or not at all).
    fn publish(&self, payload: Option<&Payload>) {
        self.fleet_tx
            .send_if_modified(|latest| match (self.source, payload) {
                (Source::Instances, Some(Payload::Instances(v))) => {
                    // Probes need only where each instance is: not a second copy of the
                    // fleet (a large one is megabytes).
                    latest.instances = Some(Arc::new(v.iter().map(address_only).collect()));
                    true
                }
                (Source::TargetGroups, Some(Payload::TargetGroups(v))) => {
                    latest.target_groups = Some(v.clone());
                    true
                }
                (Source::Instances, None) if latest.instances.is_none() => {
                    latest.instances = Some(Arc::default());
                    true
                }
                (Source::TargetGroups, None) if latest.target_groups.is_none() => {
                    latest.target_groups = Some(Arc::default());
                    true
                }
                _ => false,
            });
    }

    async fn fetch(&mut self) -> Result<Payload, CloudError> {
        let cloud = &*self.cloud;
        Ok(match self.source {
            Source::Probes => {
                if let Some(recorded) = cloud.recorded_probes() {
                    return recorded.map(|p| Payload::Probes(p.into()));
                }
                let latest = self.fleet_rx.borrow().clone();
                let mut fleet = crate::model::Snapshot::empty(cloud.world(), cloud.clock());
                fleet.instances = latest.instances.unwrap_or_default();
                fleet.target_groups = latest.target_groups.unwrap_or_default();
                Payload::Probes(self.prober.probe(&fleet, cloud.clock()).await.into())
            }
            Source::Instances => Payload::Instances(cloud.instances().await?.into()),
            Source::LoadBalancers => Payload::LoadBalancers(cloud.load_balancers().await?),
            Source::TargetGroups => Payload::TargetGroups(cloud.target_groups().await?.into()),
            Source::AutoScaling => {
                // The metrics task needs only the names: it has them before the activities.
                let listed = cloud.auto_scaling_groups_listed().await?;
                let names = listed.iter().map(|g| g.name.clone()).collect();
                self.groups_tx.send_replace(Some(names));
                Payload::AutoScaling(cloud.with_activities(listed).await?.into())
            }
            Source::ElasticIps => Payload::ElasticIps(cloud.elastic_ips().await?),
            Source::Images => Payload::Images(cloud.images().await?),
            Source::Alarms => Payload::Alarms(cloud.alarms().await?),
            Source::Metrics => {
                let names = self.groups_rx.borrow().clone().unwrap_or_default();
                let (cpu, per_instance) = futures::try_join!(
                    cloud.cpu_utilization(&names),
                    crate::cloud::optional_instance_metrics(cloud)
                )?;
                Payload::Metrics(cpu, per_instance)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_of_probes_rests_twice_as_long_as_it_took() {
        let (i, ms) = (Duration::from_millis(1500), Duration::from_millis);
        assert_eq!(next_after(Source::Probes, i, ms(300)), i);
        assert_eq!(next_after(Source::Probes, i, ms(1200)), ms(2400));
        assert_eq!(next_after(Source::Instances, i, ms(1200)), i);
    }

    #[test]
    fn backoff_grows_and_caps() {
        let i = Duration::from_secs(5);
        assert_eq!(backoff(i, 0, CloudErrorKind::Network), i);
        assert_eq!(
            backoff(i, 1, CloudErrorKind::Network),
            Duration::from_secs(10)
        );
        assert_eq!(
            backoff(i, 2, CloudErrorKind::Network),
            Duration::from_secs(20)
        );
        assert_eq!(
            backoff(i, 1, CloudErrorKind::Throttled),
            Duration::from_secs(40)
        );
        assert_eq!(backoff(i, 30, CloudErrorKind::Other), MAX_BACKOFF);
    }
}
