//! The simulated world's state and the fixed one-second step (`build.rs` makes it from a
//! scenario).

use super::rng::Rng;
use super::scenario::{ContentDef, EventDef, NfsDef, PolicyDef, Timing, TrafficDef};
use crate::cloud::{CloudError, Source};
use crate::model::{
    Alarm, ElasticIp, Image, InstanceState, LifecycleState, LoadBalancer, MetricPoint,
    ScalingActivity, Tags, TargetGroup, TargetHealthState,
};
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// One simulated EC2 instance.
#[derive(Debug, Clone)]
pub(super) struct SimInstance {
    pub id: String,
    pub name: Option<String>,
    pub state: InstanceState,
    pub zone: String,
    pub subnet_id: String,
    pub private_ip: String,
    pub public_ip: Option<String>,
    pub instance_type: String,
    pub launched_at: DateTime<Utc>,
    pub tags: Tags,
    pub group: Option<String>,
    /// When the current transitional state (pending, shutting-down) ends.
    pub state_until: Option<DateTime<Utc>>,
    /// The application answers health checks from this moment on.
    pub ready_at: DateTime<Utc>,
    /// The application has crashed and answers nothing.
    pub crashed: bool,
    pub terminated_at: Option<DateTime<Utc>>,
    /// When it next copies the shared content (NFS Replica groups only).
    pub next_sync: Option<DateTime<Utc>>,
}

/// One registered target and its health-check bookkeeping.
#[derive(Debug, Clone)]
pub(super) struct SimTarget {
    pub instance_id: String,
    pub port: u16,
    pub state: TargetHealthState,
    pub reason: Option<&'static str>,
    pub description: Option<&'static str>,
    pub ok_streak: u32,
    pub fail_streak: u32,
    pub next_check: DateTime<Utc>,
    pub drain_until: Option<DateTime<Utc>>,
}

/// One simulated target group.
#[derive(Debug, Clone)]
pub(super) struct SimTargetGroup {
    /// The group as the API describes it (its `targets` stay empty; see `targets`).
    pub model: TargetGroup,
    pub targets: Vec<SimTarget>,
    pub depends_on: Vec<String>,
    pub lb_zones: Vec<String>,
}

/// One instance as its group tracks it.
#[derive(Debug, Clone)]
pub(super) struct Member {
    pub instance_id: String,
    pub zone: String,
    pub lifecycle: LifecycleState,
    pub healthy: bool,
    /// The activity (launch or terminate) that completes when this member settles.
    pub activity: Option<String>,
}

/// One simulated Auto Scaling group.
#[derive(Debug, Clone)]
pub(super) struct SimGroup {
    pub name: String,
    pub min: u32,
    pub desired: u32,
    pub max: u32,
    pub zones: Vec<String>,
    pub target_groups: Vec<String>,
    pub instance_type: String,
    pub name_tag: String,
    pub tags: Tags,
    pub health_check_type: String,
    pub grace: Duration,
    pub members: Vec<Member>,
    /// Newest first.
    pub activities: Vec<ScalingActivity>,
    /// Why desired capacity last changed, prefixed to the next launch or terminate cause.
    pub change_cause: Option<String>,
    /// An AZ rebalance has launched in the emptiest zone; once that instance is in service,
    /// one from the fullest zone is terminated (launch before terminate, as AWS does).
    pub rebalancing: Option<String>,
    pub traffic: Option<Traffic>,
    pub scale_out: Option<PolicyDef>,
    pub scale_in: Option<PolicyDef>,
    pub last_scaled_at: Option<DateTime<Utc>>,
    /// The image (by name) it launches from.
    pub image: Option<String>,
    pub content: Option<ContentDef>,
}

/// A group's load: the scenario's traffic plus the factor events have moved it to.
#[derive(Debug, Clone)]
pub(super) struct Traffic {
    pub def: TrafficDef,
    pub factor_from: f64,
    pub factor_to: f64,
    pub ramp_start: DateTime<Utc>,
    pub ramp_end: DateTime<Utc>,
}

/// One simulated image and when it becomes available.
#[derive(Debug, Clone)]
pub(super) struct SimImage {
    pub image: Image,
    pub available_at: DateTime<Utc>,
}

/// One alarm and how many periods it needs.
#[derive(Debug, Clone)]
pub(super) struct SimAlarm {
    pub alarm: Alarm,
    pub periods: usize,
}

/// The made-up addresses of one zone's subnet (16 × 250).
pub(super) const SUBNET_ADDRESSES: usize = 4000;

/// The whole simulated cloud. It changes only in `advance` and in the mutations.
#[derive(Debug, Clone)]
pub struct World {
    pub(super) scenario_name: String,
    pub(super) seed: u64,
    pub(super) region: String,
    pub(super) account_id: String,
    pub(super) vpc_id: String,
    pub(super) now: DateTime<Utc>,
    pub(super) started_at: DateTime<Utc>,
    pub(super) rng: Rng,
    pub(super) timing: Timing,
    pub(super) subnets: Vec<(String, String)>,
    pub(super) zones_down: BTreeSet<String>,
    pub(super) dependencies: BTreeMap<String, bool>,
    /// Only ever grown by `create_instance` and shrunk by `ec2_transitions`, which keep
    /// `by_id` whole.
    pub(super) instances: Vec<SimInstance>,
    /// Each instance's place in `instances`, by id.
    pub(super) by_id: std::collections::HashMap<String, usize>,
    /// Moves on whenever an instance or a target is added or removed (or an instance's
    /// identity changes): what lookups built from them are checked against.
    pub(super) shape: u64,
    /// The health pages' lookup (by address; the groups of each target), as of `shape`.
    pub(super) pages: std::cell::RefCell<Option<(u64, std::sync::Arc<super::pages::PageIndex>)>>,
    pub(super) load_balancers: Vec<LoadBalancer>,
    pub(super) target_groups: Vec<SimTargetGroup>,
    pub(super) groups: Vec<SimGroup>,
    pub(super) addresses: Vec<ElasticIp>,
    pub(super) images: Vec<SimImage>,
    pub(super) alarms: Vec<SimAlarm>,
    pub(super) metrics: BTreeMap<String, Vec<MetricPoint>>,
    /// NFS servers by instance id, and their latency history.
    pub(super) nfs: BTreeMap<String, NfsDef>,
    pub(super) nfs_latency: BTreeMap<String, Vec<MetricPoint>>,
    pub(super) events: Vec<EventDef>,
    pub(super) next_event: usize,
    /// How far the timeline has been pushed back by waiting for the operator.
    pub(super) timeline_delay: Duration,
    pub(super) narration: Option<String>,
    pub(super) api_errors: Vec<(Source, CloudError, DateTime<Utc>)>,
    pub(super) next_reconcile: DateTime<Utc>,
    pub(super) next_health_sweep: DateTime<Utc>,
    pub(super) next_metric: DateTime<Utc>,
    pub(super) ip_counter: u32,
    /// Private IPs a scenario gave its instances; [`World::next_private_ip`] skips them.
    pub(super) reserved_ips: BTreeSet<String>,
    /// The private addresses of instances not yet terminated: EC2 never gives one twice
    /// while it is held, and gives it back when the instance is terminated.
    pub(super) live_ips: std::collections::HashSet<String>,
    /// How many of `live_ips` each subnet holds (by the subnet's place in `subnets`).
    pub(super) live_per_subnet: std::collections::HashMap<usize, usize>,
    /// Sub-second time not yet stepped.
    pub(super) carry_ms: i64,
}

/// Length of the CPU history kept per group, in one-minute points.
pub(super) const METRIC_HISTORY: usize = 60;
/// How often the Auto Scaling groups reconcile, as the real service does on a loop.
pub(super) const RECONCILE_EVERY: i64 = 10;
/// How often the groups act on unhealthy instances; slower than capacity, as on AWS.
pub(super) const HEALTH_SWEEP_EVERY: i64 = 30;

impl SimTargetGroup {
    /// How long a deregistered target drains.
    pub fn deregistration_delay(&self) -> Duration {
        Duration::seconds(self.model.deregistration_delay_seconds.unwrap_or(300) as i64)
    }
}

impl World {
    /// Moves the clock forward by `dt`, one whole second at a time; a remainder carries over,
    /// so the world depends only on the total time advanced, not on how it was sliced.
    pub fn advance(&mut self, dt: std::time::Duration) {
        self.carry_ms += dt.as_millis() as i64;
        while self.carry_ms >= 1000 {
            self.carry_ms -= 1000;
            self.step();
        }
    }

    /// One second of the world.
    fn step(&mut self) {
        self.now += Duration::seconds(1);
        self.fire_due_events();
        self.ec2_transitions();
        self.sync_content();
        self.run_health_checks();
        if self.now >= self.next_reconcile {
            self.next_reconcile += Duration::seconds(RECONCILE_EVERY);
            let sweep = self.now >= self.next_health_sweep;
            if sweep {
                self.next_health_sweep += Duration::seconds(HEALTH_SWEEP_EVERY);
            }
            for gi in 0..self.groups.len() {
                self.reconcile(gi, sweep);
            }
        }
        if self.now >= self.next_metric {
            self.next_metric += Duration::seconds(60);
            self.record_metrics();
        }
        let now = self.now;
        self.api_errors.retain(|(_, _, until)| *until > now);
    }

    /// The world's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Virtual time since the scenario started.
    pub fn elapsed(&self) -> Duration {
        self.now - self.started_at
    }

    /// Whether the zone's subnet has no address left for another instance (EC2 refuses
    /// the launch: InsufficientFreeAddressesInSubnet).
    pub(super) fn subnet_full(&self, zone: &str) -> bool {
        let subnet = (self.subnets.iter())
            .position(|(z, _)| z == zone)
            .unwrap_or(0);
        self.live_per_subnet.get(&subnet).copied().unwrap_or(0) >= SUBNET_ADDRESSES
    }

    /// The subnet (its place in `subnets`) of one of our made-up addresses (`10.0.N.x`,
    /// 16 values of N each).
    fn subnet_of(ip: &str) -> Option<usize> {
        let third: usize = ip.split('.').nth(2)?.parse().ok()?;
        Some(third / 16)
    }

    /// A live instance holds `ip` now.
    pub(super) fn hold_ip(&mut self, ip: &str) {
        if self.live_ips.insert(ip.to_string()) {
            if let Some(s) = Self::subnet_of(ip) {
                *self.live_per_subnet.entry(s).or_default() += 1;
            }
        }
    }

    /// `ip` is free again (its instance terminated, or it took another address).
    pub(super) fn release_ip(&mut self, ip: &str) {
        if self.live_ips.remove(ip) {
            if let Some(s) = Self::subnet_of(ip) {
                let held = self.live_per_subnet.entry(s).or_default();
                *held = held.saturating_sub(1);
            }
        }
    }

    /// A fresh private IP in the zone's subnet.
    pub(super) fn next_private_ip(&mut self, zone: &str) -> String {
        let subnet = self
            .subnets
            .iter()
            .position(|(z, _)| z == zone)
            .unwrap_or(0);
        // A subnet has 4,000 made-up addresses; one held by a live instance is skipped (a
        // full subnet, which EC2 refuses, is out of this simulator's reach).
        for _ in 0..SUBNET_ADDRESSES {
            self.ip_counter += 1;
            let n = self.ip_counter;
            let ip = format!(
                "10.0.{}.{}",
                subnet * 16 + (n / 250) as usize % 16,
                n % 250 + 4
            );
            if !self.reserved_ips.contains(&ip) && !self.live_ips.contains(&ip) {
                return ip;
            }
        }
        format!("10.0.{}.{}", subnet * 16, self.ip_counter % 250 + 4)
    }

    /// An AWS-shaped request id for a mutation's receipt.
    pub(super) fn request_id(&mut self) -> String {
        let h = self.rng.hex(32);
        format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }

    /// An error injected for reads of `source`, if one is active.
    pub(super) fn injected_error(&self, source: Source) -> Option<CloudError> {
        self.api_errors
            .iter()
            .find(|(s, _, _)| *s == source)
            .map(|(_, e, _)| e.clone())
    }
}
