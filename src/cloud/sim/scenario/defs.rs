//! What a scenario file holds: its sections, their keys and their defaults.

use super::Span;
use crate::model::Tags;
use serde::{Deserialize, Serialize};
use std::time::Duration;

pub(super) fn span(secs: u64) -> Span {
    Span(Duration::from_secs(secs))
}

/// How long the simulated cloud takes to do things.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Timing {
    /// pending → running.
    pub boot: Span,
    /// running → the application answers health checks.
    pub warmup: Span,
    /// A reboot (CreateImage without NoReboot) takes the application down this long.
    pub reboot: Span,
    /// CreateImage pending → available.
    pub image: Span,
    /// shutting-down → terminated.
    pub terminate: Span,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            boot: span(40),
            warmup: span(20),
            reboot: span(45),
            image: span(120),
            terminate: span(20),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DependencyDef {
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancerDef {
    pub name: String,
    /// Its ARN as it was (an exported fleet); made up when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns_name: Option<String>,
    /// Defaults to every zone of the scenario.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zones: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TargetGroupDef {
    pub name: String,
    /// Its ARN as it was (an exported fleet); made up when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// The load balancer that forwards to it; none for a target group no listener uses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<String>,
    #[serde(default = "default_port")]
    pub port: u16,
    #[serde(default = "default_health_path")]
    pub health_check_path: String,
    #[serde(default = "default_interval")]
    pub interval: Span,
    #[serde(default = "default_healthy_threshold")]
    pub healthy_threshold: u32,
    #[serde(default = "default_unhealthy_threshold")]
    pub unhealthy_threshold: u32,
    /// How long a check waits for an answer: 5s unless set, and always shorter than the
    /// interval (ELB's rule).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Span>,
    #[serde(default = "default_deregistration_delay")]
    pub deregistration_delay: Span,
    /// What the application behind the group depends on (a database). Its deep health
    /// page reports each; the group's own check sees them only when its path is deep (a
    /// shallow `/` or static file is answered by the web server alone).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

fn default_port() -> u16 {
    80
}
fn default_health_path() -> String {
    "/".into()
}
fn default_interval() -> Span {
    span(10)
}
fn default_healthy_threshold() -> u32 {
    3
}
fn default_unhealthy_threshold() -> u32 {
    2
}
fn default_deregistration_delay() -> Span {
    span(30)
}

impl TargetGroupDef {
    /// The health check's timeout: as set, or ELB's 5s default, kept below the interval.
    pub fn timeout(&self) -> Span {
        self.timeout
            .unwrap_or_else(|| span(5.min(self.interval.0.as_secs().saturating_sub(1)).max(2)))
    }
}

/// Requests per second arriving at a group, and what each instance can take.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TrafficDef {
    pub rps: f64,
    /// Requests per second one instance serves at 100% CPU.
    pub rps_per_instance: f64,
    /// Relative amplitude of a slow wave over the base rate (0.2 = ±20%).
    #[serde(default)]
    pub wave: f64,
    #[serde(default = "default_wave_period")]
    pub wave_period: Span,
    #[serde(default = "default_idle_cpu")]
    pub idle_cpu: f64,
}

fn default_wave_period() -> Span {
    span(600)
}
fn default_idle_cpu() -> f64 {
    4.0
}

/// A simple scaling policy fired by an alarm: `adjustment` instances out (or in).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDef {
    pub alarm: String,
    pub adjustment: u32,
    #[serde(default = "default_cooldown")]
    pub cooldown: Span,
}

fn default_cooldown() -> Span {
    span(300)
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GroupDef {
    pub name: String,
    pub min: u32,
    pub desired: u32,
    pub max: u32,
    /// Defaults to every zone of the scenario.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zones: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_groups: Vec<String>,
    #[serde(default = "default_instance_type")]
    pub instance_type: String,
    /// The Name tag of its instances; defaults to the group name; `""` gives them none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_tag: Option<String>,
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
    #[serde(default = "default_health_check_type")]
    pub health_check_type: String,
    #[serde(default = "default_grace")]
    pub health_check_grace: Span,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub traffic: Option<TrafficDef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale_out: Option<PolicyDef>,
    /// Fired by a low-CPU alarm (`comparison = "LessThanThreshold"`); never below min.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale_in: Option<PolicyDef>,
    /// The image (by name) it launches from; launches fail while it is not available.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Its instances copy the shared content from an NFS server (NFS Replica).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<ContentDef>,
    /// The instances it has at the start, as they were (an exported fleet). Without them it
    /// launches `desired` instances with made-up ids; with them it starts with exactly these,
    /// and then does what Auto Scaling does when their number differs from `desired`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instances: Vec<MemberDef>,
}

/// One instance an Auto Scaling group starts with.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MemberDef {
    pub id: String,
    pub zone: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_ip: Option<String>,
}

/// How a group's instances copy the shared content (NFS Replica).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ContentDef {
    /// The instance (Name tag) that holds the content and its `patrol:content-version`.
    pub source: String,
    /// How long the copy at boot takes once the instance is running.
    #[serde(default = "default_copy")]
    pub copy: Span,
    /// Each instance copies again this often (at its own moment).
    #[serde(default = "default_resync")]
    pub resync: Span,
}

fn default_copy() -> Span {
    span(30)
}
fn default_resync() -> Span {
    span(300)
}

/// How an NFS server's latency grows with its clients: `latency_ms / (1 - clients/saturation)`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NfsDef {
    #[serde(default = "default_nfs_latency")]
    pub latency_ms: f64,
    /// The number of clients at which it would stop answering.
    #[serde(default = "default_nfs_saturation")]
    pub saturation: f64,
}

impl Default for NfsDef {
    fn default() -> Self {
        NfsDef {
            latency_ms: default_nfs_latency(),
            saturation: default_nfs_saturation(),
        }
    }
}

fn default_nfs_latency() -> f64 {
    2.0
}
fn default_nfs_saturation() -> f64 {
    16.0
}

fn default_instance_type() -> String {
    "t3.medium".into()
}
fn default_health_check_type() -> String {
    "ELB".into()
}
fn default_grace() -> Span {
    // The Auto Scaling console's default.
    span(300)
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceDef {
    pub name: String,
    /// Its instance id as it was (an exported fleet); made up when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_ip: Option<String>,
    pub zone: String,
    #[serde(default = "default_instance_type")]
    pub instance_type: String,
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_groups: Vec<String>,
    /// Its NFS service, when it is tagged `patrol:role = "nfs-server"` (defaults apply).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nfs: Option<NfsDef>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ElasticIpDef {
    pub public_ip: String,
    /// Its allocation id as it was (an exported fleet); made up when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allocation_id: Option<String>,
    /// The instance it is bound to, if any: an instance id (also of a group's instance), or a
    /// Name tag that only one instance has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ImageDef {
    pub name: String,
    /// Its image id as it was (an exported fleet); made up when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The instance it was made from: an instance id, or a Name tag only one instance has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    pub age: Span,
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AlarmDef {
    pub name: String,
    pub auto_scaling_group: String,
    pub threshold: f64,
    /// CloudWatch's ComparisonOperator; GreaterThanThreshold unless set.
    #[serde(default)]
    pub comparison: Comparison,
    #[serde(default = "default_periods")]
    pub periods: usize,
}

pub use crate::model::Comparison;

fn default_periods() -> usize {
    2
}

/// What a timeline event does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The application on an instance stops answering (by `name`, or the oldest of `group`).
    Crash,
    /// A crashed instance's application answers again (by `name`).
    Recover,
    /// A whole Availability Zone becomes unreachable (`zone`).
    ZoneOutage,
    /// A failed zone comes back (`zone`).
    ZoneRestore,
    /// A dependency (`dependency`) fails.
    DependencyDown,
    /// A dependency (`dependency`) recovers.
    DependencyUp,
    /// A group's traffic (`group`) moves to `factor` × its base rate over `ramp`.
    Traffic,
    /// Reads of a source (`source`) fail with `error` for `duration`.
    ApiErrors,
    /// Only the narration (`say`).
    Narrate,
    /// CreateImage of an instance (`name`) as image `image`, with a reboot.
    Clone,
    /// SetDesiredCapacity of a group (`group`) to `desired`.
    SetDesired,
    /// The content source (`name`) gets a new `patrol:content-version` (`version`).
    ContentUpdate,
    /// The timeline waits until the operator moves the Elastic IP `address` to the
    /// instance `name`; later events keep their spacing from this one.
    AwaitSwap,
    /// The timeline waits until an instance of `group` in `zone` is out for maintenance
    /// (Standby).
    AwaitOut,
    /// The timeline waits until every instance of `group` in `zone` is back: InService and
    /// healthy in the group's target groups.
    AwaitBack,
    /// The instance of `group` in `zone` that is out for maintenance is patched: its
    /// application restarts (it answers nothing for the boot time) and it is tagged
    /// `patrol:patch-level` = `version`.
    Patch,
}

impl EventKind {
    /// Events that hold the timeline until the operator has acted.
    pub fn waits_for_operator(self) -> bool {
        matches!(self, Self::AwaitSwap | Self::AwaitOut | Self::AwaitBack)
    }
}

/// One entry of a scenario's timeline.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EventDef {
    pub at: Span,
    #[serde(rename = "do")]
    pub kind: EventKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dependency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub factor: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ramp: Option<Span>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<Span>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desired: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub say: Option<String>,
}
