//! The fleet as patrol sees it: plain domain types shared by both worlds, never SDK types.

mod fleet;
mod health;
mod maintenance;
mod metrics;
mod nfs;
mod probe;
mod tags;
mod zones;

pub use fleet::{serves, serves_on, Standbys};
pub use health::{
    looks_shallow, Agreement, GroupHealth, GroupSummary, Link, ProbeRead, Says, TargetProbe,
};
pub use maintenance::{MaintenanceNote, OutOfService, MAINTENANCE_TAG, TAG_VALUE_MAX};
pub use metrics::{
    Alarm, AlarmState, Comparison, InstanceMetric, MetricPoint, MetricSeries, CPU_METRIC,
    CPU_NAMESPACE,
};
pub use nfs::{content_version, Nfs, NfsRoles};
pub use probe::{Component, ComponentState, HealthReport, ProbeOutcome, ProbeResult, ReportFormat};
pub use tags::Tags;
pub use zones::{imbalanced_groups, is_imbalanced, zone_distribution, ZoneSummary};

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::Arc;

/// The tag that marks the two halves of a floating-IP pair: `active` or `standby`.
pub const FLOATING_IP_TAG: &str = "patrol:floating-ip";
/// The tag that names an instance's role (`web`, `app`, `nfs-server`, ...).
pub const ROLE_TAG: &str = "patrol:role";

/// Roles of the NFS patterns (values of `patrol:role`).
pub const NFS_SERVER: &str = "nfs-server";
pub const NFS_CLIENT: &str = "nfs-client";
pub const NFS_REPLICA: &str = "nfs-replica";
/// The version of the shared content an NFS server holds or a replica copied.
pub const CONTENT_VERSION_TAG: &str = "patrol:content-version";
/// The CloudWatch metric (namespace `patrol/NFS`, dimension `InstanceId`) of an NFS
/// server's latency in milliseconds.
pub const NFS_LATENCY_METRIC: &str = "NfsLatency";
pub const NFS_NAMESPACE: &str = "patrol/NFS";

/// EC2 instance state, as DescribeInstances names it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum InstanceState {
    Pending,
    Running,
    ShuttingDown,
    Terminated,
    Stopping,
    Stopped,
}

impl InstanceState {
    /// The state's name as the EC2 API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::ShuttingDown => "shutting-down",
            Self::Terminated => "terminated",
            Self::Stopping => "stopping",
            Self::Stopped => "stopped",
        }
    }
}

/// One EC2 instance.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Instance {
    pub id: String,
    /// The `Name` tag.
    pub name: Option<String>,
    pub state: InstanceState,
    pub zone: String,
    pub subnet_id: String,
    pub vpc_id: String,
    pub private_ip: Option<String>,
    pub public_ip: Option<String>,
    pub instance_type: String,
    pub launched_at: DateTime<Utc>,
    pub tags: Tags,
    /// The Auto Scaling group that owns it (`aws:autoscaling:groupName`).
    pub auto_scaling_group: Option<String>,
}

/// One Elastic Load Balancing v2 load balancer.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct LoadBalancer {
    pub arn: String,
    pub name: String,
    /// `application`, `network` or `gateway`.
    pub kind: String,
    pub scheme: String,
    pub state: String,
    pub dns_name: String,
    pub vpc_id: String,
    pub zones: Vec<String>,
}

/// A target group's health check settings.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct HealthCheck {
    pub protocol: String,
    /// `traffic-port` or a port number.
    pub port: String,
    pub path: Option<String>,
    pub interval_seconds: u32,
    pub timeout_seconds: u32,
    pub healthy_threshold: u32,
    pub unhealthy_threshold: u32,
}

/// Target health state, as DescribeTargetHealth names it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum TargetHealthState {
    Unhealthy,
    Unavailable,
    Draining,
    Initial,
    Unused,
    Healthy,
}

impl TargetHealthState {
    /// The state's name as the ELB API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Initial => "initial",
            Self::Healthy => "healthy",
            Self::Unhealthy => "unhealthy",
            Self::Unused => "unused",
            Self::Draining => "draining",
            Self::Unavailable => "unavailable",
        }
    }

    /// Ordering for "worst first" lists: unhealthy before anything else, healthy last.
    pub fn severity_rank(self) -> u8 {
        self as u8
    }
}

/// The health of one registered target.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct TargetHealth {
    /// The instance id (or IP address for IP targets).
    pub target_id: String,
    pub port: u16,
    pub state: TargetHealthState,
    /// The ELB reason code, e.g. `Target.FailedHealthChecks`.
    pub reason: Option<String>,
    pub description: Option<String>,
}

impl TargetHealth {
    /// The load balancer's reason in one line: `Target.Timeout: Request timed out`, the code
    /// or the description alone when that is all it gave, `None` when it gave neither.
    pub fn why(&self) -> Option<String> {
        match (&self.reason, &self.description) {
            (Some(r), Some(d)) => Some(format!("{r}: {d}")),
            (Some(r), None) => Some(r.clone()),
            (None, Some(d)) => Some(d.clone()),
            (None, None) => None,
        }
    }
}

/// One target group with every target's health.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct TargetGroup {
    pub arn: String,
    pub name: String,
    pub protocol: String,
    pub port: u16,
    pub vpc_id: String,
    pub load_balancer_arns: Vec<String>,
    pub health_check: HealthCheck,
    /// How long a deregistered target drains (`deregistration_delay.timeout_seconds`);
    /// `None` when its attributes could not be read.
    pub deregistration_delay_seconds: Option<u32>,
    pub targets: Vec<TargetHealth>,
}

impl TargetGroup {
    /// How many targets are in the given state.
    pub fn count(&self, state: TargetHealthState) -> usize {
        self.targets.iter().filter(|t| t.state == state).count()
    }
}

/// An Auto Scaling group instance's lifecycle state.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub enum LifecycleState {
    Pending,
    InService,
    Terminating,
    Terminated,
    /// Leaving service on EnterStandby, while the load balancer drains it.
    EnteringStandby,
    Standby,
    /// Any other state the API reports (warm pools, hooks, detaching).
    Other(String),
}

impl LifecycleState {
    /// The state's name as the Auto Scaling API spells it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Pending => "Pending",
            Self::InService => "InService",
            Self::Terminating => "Terminating",
            Self::Terminated => "Terminated",
            Self::EnteringStandby => "EnteringStandby",
            Self::Standby => "Standby",
            Self::Other(s) => s,
        }
    }
}

/// One instance as its Auto Scaling group sees it.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct GroupInstance {
    pub instance_id: String,
    pub zone: String,
    pub lifecycle: LifecycleState,
    /// `true` when the group considers it Healthy.
    pub healthy: bool,
}

/// Status of a scaling activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum ActivityStatus {
    InProgress,
    Successful,
    Failed,
    Cancelled,
}

impl ActivityStatus {
    /// The status as the Auto Scaling API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "InProgress",
            Self::Successful => "Successful",
            Self::Failed => "Failed",
            Self::Cancelled => "Cancelled",
        }
    }
}

/// One entry of DescribeScalingActivities.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ScalingActivity {
    pub id: String,
    pub description: String,
    pub cause: String,
    pub status: ActivityStatus,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// One Auto Scaling group with its instances and recent activities (newest first).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct AutoScalingGroup {
    pub name: String,
    pub min: u32,
    pub desired: u32,
    pub max: u32,
    pub zones: Vec<String>,
    pub target_group_arns: Vec<String>,
    pub health_check_type: String,
    pub health_check_grace_seconds: u32,
    pub instances: Vec<GroupInstance>,
    pub activities: Vec<ScalingActivity>,
}

impl AutoScalingGroup {
    /// How many of its instances are in the given lifecycle state.
    pub fn count(&self, lifecycle: &LifecycleState) -> usize {
        self.instances
            .iter()
            .filter(|i| &i.lifecycle == lifecycle)
            .count()
    }

    /// In-service instances per zone, in the group's zone order.
    pub fn in_service_by_zone(&self) -> Vec<(String, usize)> {
        self.zones
            .iter()
            .map(|z| {
                let n = self
                    .instances
                    .iter()
                    .filter(|i| &i.zone == z && i.lifecycle == LifecycleState::InService)
                    .count();
                (z.clone(), n)
            })
            .collect()
    }
}

/// One Elastic IP address.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ElasticIp {
    pub allocation_id: String,
    pub public_ip: String,
    pub association_id: Option<String>,
    pub instance_id: Option<String>,
    pub private_ip: Option<String>,
    pub tags: Tags,
}

/// AMI state, as DescribeImages names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageState {
    Pending,
    Available,
    Failed,
    Deregistered,
}

impl ImageState {
    /// The state as the EC2 API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Available => "available",
            Self::Failed => "failed",
            Self::Deregistered => "deregistered",
        }
    }
}

/// One AMI owned by the account.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Image {
    pub id: String,
    pub name: String,
    pub state: ImageState,
    pub created_at: DateTime<Utc>,
    /// The instance it was made from, when its tags say so.
    pub source_instance_id: Option<String>,
    pub tags: Tags,
}

/// `1 group`, `2 groups`; `1 address`, `2 addresses`.
pub fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else if ["s", "x", "sh", "ch"].iter().any(|end| one.ends_with(end)) {
        format!("{n} {one}es")
    } else {
        format!("{n} {one}s")
    }
}

/// A short age: `45s`, `12m`, `3h`, `2d`.
pub fn age_text(d: chrono::Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..=89 => format!("{s}s"),
        90..=5399 => format!("{}m", (s + 30) / 60),
        5400..=172_799 => format!("{}h", (s + 1800) / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// Which world a snapshot comes from. The screen always says so.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum WorldInfo {
    Simulated {
        scenario: String,
        seed: u64,
        speed: f64,
        region: String,
    },
    Aws {
        account_id: Option<String>,
        region: String,
        profile: Option<String>,
        endpoint_url: Option<String>,
    },
    /// A recording played back: read-only, and never mistaken for the world it came from.
    Replay {
        file: String,
        from: Box<WorldInfo>,
        /// When the file is damaged: the last moment it could be read to.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        damaged_after: Option<DateTime<Utc>>,
    },
}

impl WorldInfo {
    /// The region the world is in.
    pub fn region(&self) -> &str {
        match self {
            WorldInfo::Simulated { region, .. } | WorldInfo::Aws { region, .. } => region,
            WorldInfo::Replay { from, .. } => from.region(),
        }
    }
}

/// The whole fleet at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Snapshot {
    pub world: WorldInfo,
    pub taken_at: DateTime<Utc>,
    /// The three big parts are shared (a copy of the snapshot, or of a refresh that
    /// brought one, costs nothing at 10,000 instances): `Arc::make_mut` to change one.
    pub instances: Arc<Vec<Instance>>,
    pub load_balancers: Vec<LoadBalancer>,
    pub target_groups: Arc<Vec<TargetGroup>>,
    pub auto_scaling_groups: Arc<Vec<AutoScalingGroup>>,
    pub elastic_ips: Vec<ElasticIp>,
    pub images: Vec<Image>,
    pub metrics: Vec<MetricSeries>,
    /// Per-instance metrics: NFS servers' latency.
    pub instance_metrics: Vec<InstanceMetric>,
    pub alarms: Vec<Alarm>,
    /// patrol's own requests to each target's health page (recordings made before probing
    /// have none).
    #[serde(default)]
    pub probes: Arc<Vec<ProbeResult>>,
}

impl Snapshot {
    /// An empty fleet of the given world, as the console holds it before the first refresh.
    pub fn empty(world: WorldInfo, taken_at: DateTime<Utc>) -> Self {
        Self {
            world,
            taken_at,
            instances: Arc::default(),
            load_balancers: Vec::new(),
            target_groups: Arc::default(),
            auto_scaling_groups: Arc::default(),
            elastic_ips: Vec::new(),
            images: Vec::new(),
            metrics: Vec::new(),
            instance_metrics: Vec::new(),
            alarms: Vec::new(),
            probes: Arc::default(),
        }
    }

    /// The instances, to change (a copy of their own when they are shared).
    pub fn instances_mut(&mut self) -> &mut Vec<Instance> {
        Arc::make_mut(&mut self.instances)
    }

    /// The target groups, to change (a copy of their own when they are shared).
    pub fn target_groups_mut(&mut self) -> &mut Vec<TargetGroup> {
        Arc::make_mut(&mut self.target_groups)
    }

    /// The Auto Scaling groups, to change (a copy of their own when they are shared).
    pub fn auto_scaling_groups_mut(&mut self) -> &mut Vec<AutoScalingGroup> {
        Arc::make_mut(&mut self.auto_scaling_groups)
    }

    /// Instances by id, for joining targets, groups and addresses to their instance.
    pub fn instance_index(&self) -> std::collections::HashMap<&str, &Instance> {
        self.instances.iter().map(|i| (i.id.as_str(), i)).collect()
    }
}

/// The JSON document of `patrol snapshot --json`: the snapshot plus its derived zones.
#[derive(Debug, Serialize)]
pub struct SnapshotDocument<'a> {
    #[serde(flatten)]
    pub snapshot: &'a Snapshot,
    pub zones: Vec<ZoneSummary>,
}

impl<'a> SnapshotDocument<'a> {
    /// Wraps a snapshot with its per-AZ distribution.
    pub fn new(snapshot: &'a Snapshot) -> Self {
        Self {
            snapshot,
            zones: zone_distribution(snapshot),
        }
    }
}
