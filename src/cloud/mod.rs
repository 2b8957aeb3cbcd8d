//! The `Cloud` trait both worlds implement, and the errors an operator can act on.

pub mod aws;
pub mod sim;

use crate::model::{
    Alarm, AutoScalingGroup, ElasticIp, Image, Instance, InstanceMetric, LoadBalancer,
    MetricSeries, ProbeResult, Snapshot, TargetGroup, WorldInfo,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::fmt;

/// The tag patrol puts on an image it creates, naming the instance it was made from.
pub const SOURCE_INSTANCE_TAG: &str = "patrol:source-instance";

/// EC2's rule for AMI names: 3..=128 characters of letters, digits and `()[] ./-'@_`.
pub fn validate_image_name(name: &str) -> Result<(), CloudError> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || "()[] ./-'@_".contains(c);
    if (3..=128).contains(&name.chars().count()) && name.chars().all(ok_char) {
        Ok(())
    } else {
        Err(CloudError::new(
            CloudErrorKind::Invalid,
            "InvalidAMIName.Malformed",
            format!(
                "AMI name {name:?} is invalid: names are 3 to 128 characters of letters, \
                 numbers and ( ) [ ] . / - ' @ _ or space"
            ),
        ))
    }
}

/// One independently refreshed read of the cloud. Each has its own interval and backoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Instances,
    LoadBalancers,
    TargetGroups,
    AutoScaling,
    ElasticIps,
    Images,
    Metrics,
    Alarms,
    /// patrol's own requests to the targets' health pages (not a cloud call).
    Probes,
}

impl Source {
    /// Every source, in refresh and display order: the cloud's, then the probes.
    pub const ALL: [Source; 9] = {
        let mut all = [Source::Probes; 9];
        let mut i = 0;
        while i < Source::CLOUD.len() {
            all[i] = Source::CLOUD[i];
            i += 1;
        }
        all
    };

    /// The sources read through the cloud's API (all but the probes).
    pub const CLOUD: [Source; 8] = [
        Source::Instances,
        Source::LoadBalancers,
        Source::TargetGroups,
        Source::AutoScaling,
        Source::ElasticIps,
        Source::Images,
        Source::Metrics,
        Source::Alarms,
    ];

    /// The source's name in config files, scenario files and messages.
    pub fn name(self) -> &'static str {
        match self {
            Source::Instances => "instances",
            Source::LoadBalancers => "load_balancers",
            Source::TargetGroups => "target_groups",
            Source::AutoScaling => "auto_scaling",
            Source::ElasticIps => "elastic_ips",
            Source::Images => "images",
            Source::Metrics => "metrics",
            Source::Alarms => "alarms",
            Source::Probes => "probes",
        }
    }

    /// The source with this name, if any.
    pub fn from_name(name: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// What kind of failure a cloud call met, in the words an operator acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CloudErrorKind {
    /// The API is rate-limiting us; back off.
    Throttled,
    /// Credentials are missing or expired; log in again.
    AuthExpired,
    /// The credentials lack a permission.
    AccessDenied,
    /// The resource does not exist (or no longer does).
    NotFound,
    /// The resource is in a state that forbids the call, or the call conflicts with another.
    Conflict,
    /// The request itself is invalid (a value out of range, a malformed name).
    Invalid,
    /// The endpoint could not be reached, or did not answer in time.
    Network,
    /// Anything else.
    Other,
}

impl CloudErrorKind {
    /// The endpoint did not answer (unreachable, timed out, or a server error): an outage,
    /// which the poller probes for. Throttling is not one: it has its own, longer curve.
    pub fn is_outage(self) -> bool {
        matches!(self, Self::Network | Self::Other)
    }

    /// A short phrase for the status bar and panel titles.
    pub fn in_words(self) -> &'static str {
        match self {
            Self::Throttled => "throttled",
            Self::AuthExpired => "credentials expired",
            Self::AccessDenied => "access denied",
            Self::NotFound => "not found",
            Self::Conflict => "conflict",
            Self::Invalid => "invalid request",
            Self::Network => "network error",
            Self::Other => "error",
        }
    }
}

/// A failed cloud call: its kind, the API's error code and message, and the request id if any.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CloudError {
    pub kind: CloudErrorKind,
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
}

impl CloudError {
    /// An error of the given kind with the API's code and message.
    pub fn new(kind: CloudErrorKind, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            kind,
            code: code.into(),
            message: message.into(),
            request_id: None,
        }
    }
}

impl fmt::Display for CloudError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {}",
            self.kind.in_words(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for CloudError {}

/// What a mutation returns: the id it created or changed, and the API's request id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Receipt {
    pub resource_id: Option<String>,
    pub request_id: Option<String>,
    /// When the changing call itself was sent (after any DryRun and pre-reads), so the time
    /// to the verified state is measured from the call.
    #[serde(skip)]
    pub sent_at: Option<std::time::Instant>,
}

/// A CreateImage request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreateImageRequest {
    pub instance_id: String,
    pub name: String,
    /// Skip the reboot that makes the file systems consistent.
    pub no_reboot: bool,
}

/// One world patrol can show: the simulator or a real AWS account. Views only use this.
#[async_trait]
pub trait Cloud: Send + Sync {
    /// Which world this is, for the status bar and the JSON output.
    fn world(&self) -> WorldInfo;
    /// The world's clock: virtual time on the simulator, the wall clock on AWS.
    fn clock(&self) -> DateTime<Utc>;

    /// One cheap call to see whether the endpoint answers (during an outage). Any answer
    /// that is not an outage (an access error included) counts as an answer.
    async fn probe(&self) -> Result<(), CloudError> {
        match self.load_balancers().await {
            Err(e) if e.kind.is_outage() => Err(e),
            _ => Ok(()),
        }
    }

    /// A recording's probe results at its cursor; None for a live world, whose targets the
    /// poller probes itself.
    fn recorded_probes(&self) -> Option<Result<Vec<ProbeResult>, CloudError>> {
        None
    }

    async fn instances(&self) -> Result<Vec<Instance>, CloudError>;
    async fn load_balancers(&self) -> Result<Vec<LoadBalancer>, CloudError>;
    /// Target groups, each with the health of every registered target.
    async fn target_groups(&self) -> Result<Vec<TargetGroup>, CloudError>;
    /// Auto Scaling groups, each with its instances and recent scaling activities.
    async fn auto_scaling_groups(&self) -> Result<Vec<AutoScalingGroup>, CloudError>;
    /// Auto Scaling groups as listed, before their activities are read: what the metrics
    /// need (the names), the moment it arrives. Where listing and activities are one read,
    /// the whole groups.
    async fn auto_scaling_groups_listed(&self) -> Result<Vec<AutoScalingGroup>, CloudError> {
        self.auto_scaling_groups().await
    }
    /// Listed groups with their recent scaling activities read (AWS: one call per group).
    async fn with_activities(
        &self,
        groups: Vec<AutoScalingGroup>,
    ) -> Result<Vec<AutoScalingGroup>, CloudError> {
        Ok(groups)
    }
    /// One group by name, for checks and verification that need no other group (and, on
    /// AWS, none of its activities).
    async fn auto_scaling_group(&self, name: &str) -> Result<Option<AutoScalingGroup>, CloudError> {
        Ok(self
            .auto_scaling_groups()
            .await?
            .into_iter()
            .find(|g| g.name == name))
    }
    async fn elastic_ips(&self) -> Result<Vec<ElasticIp>, CloudError>;
    /// Images owned by the account.
    async fn images(&self) -> Result<Vec<Image>, CloudError>;
    /// Average CPU utilisation of the named groups over the last hour.
    async fn cpu_utilization(&self, groups: &[String]) -> Result<Vec<MetricSeries>, CloudError>;
    /// Per-instance metrics over the last hour: the latency of NFS servers that publish it
    /// (namespace `patrol/NFS`, metric `NfsLatency`, dimension `InstanceId`).
    async fn instance_metrics(&self) -> Result<Vec<InstanceMetric>, CloudError>;
    async fn alarms(&self) -> Result<Vec<Alarm>, CloudError>;

    /// Associates an Elastic IP with an instance, moving it if bound elsewhere
    /// (AssociateAddress with AllowReassociation).
    async fn associate_address(
        &self,
        allocation_id: &str,
        instance_id: &str,
    ) -> Result<Receipt, CloudError>;
    /// AssociateAddress with DryRun: `Ok` when EC2 says it would succeed (permissions,
    /// ids, the instance's state). Nothing changes.
    async fn associate_address_dry_run(
        &self,
        allocation_id: &str,
        instance_id: &str,
    ) -> Result<(), CloudError>;
    /// Creates an AMI from an instance, tagged with the source instance's id.
    async fn create_image(&self, request: &CreateImageRequest) -> Result<Receipt, CloudError>;
    /// CreateImage with DryRun: `Ok` when EC2 says it would succeed. Nothing changes.
    async fn create_image_dry_run(&self, request: &CreateImageRequest) -> Result<(), CloudError>;
    /// Sets an Auto Scaling group's desired capacity; never outside min..max.
    async fn set_desired_capacity(&self, group: &str, desired: u32) -> Result<Receipt, CloudError>;

    /// One instance by id (verification and "is the plan still current").
    async fn instance(&self, id: &str) -> Result<Option<Instance>, CloudError> {
        Ok(self.instances().await?.into_iter().find(|i| i.id == id))
    }
    /// One target group by ARN, with its targets' health.
    async fn target_group(&self, arn: &str) -> Result<Option<TargetGroup>, CloudError> {
        Ok(self
            .target_groups()
            .await?
            .into_iter()
            .find(|t| t.arn == arn))
    }
    /// Puts an InService instance of a group into Standby (EnterStandby); with `decrement`
    /// the group's desired capacity drops by one, without it the group launches a
    /// replacement. Refused when the instance is not InService, or when decrementing would
    /// take desired below min.
    async fn enter_standby(
        &self,
        group: &str,
        instance_id: &str,
        decrement: bool,
    ) -> Result<Receipt, CloudError>;
    /// Returns a Standby instance to service (ExitStandby); desired rises by one, never
    /// above max.
    async fn exit_standby(&self, group: &str, instance_id: &str) -> Result<Receipt, CloudError>;
    /// Registers an instance with a target group on a port (RegisterTargets).
    async fn register_target(
        &self,
        target_group_arn: &str,
        instance_id: &str,
        port: u16,
    ) -> Result<Receipt, CloudError>;
    /// Deregisters an instance's target on a port (DeregisterTargets): it drains for the
    /// group's deregistration delay, then is gone.
    async fn deregister_target(
        &self,
        target_group_arn: &str,
        instance_id: &str,
        port: u16,
    ) -> Result<Receipt, CloudError>;
    /// Sets one tag on an instance (CreateTags).
    async fn tag_instance(
        &self,
        instance_id: &str,
        key: &str,
        value: &str,
    ) -> Result<Receipt, CloudError>;
    /// Removes one tag from an instance (DeleteTags).
    async fn untag_instance(&self, instance_id: &str, key: &str) -> Result<Receipt, CloudError>;
}

/// NFS latency, or nothing when the account may not list metrics: a missing permission
/// for this optional metric must not take CPU and alarms down with it.
pub async fn optional_instance_metrics(
    cloud: &dyn Cloud,
) -> Result<Vec<InstanceMetric>, CloudError> {
    match cloud.instance_metrics().await {
        Err(e) if e.kind == CloudErrorKind::AccessDenied => {
            tracing::warn!(error = %e, "NFS latency not readable; shown without it");
            Ok(Vec::new())
        }
        other => other,
    }
}

/// Reads every source once and assembles one snapshot (the headless `snapshot` command).
pub async fn take_snapshot(cloud: &dyn Cloud) -> Result<Snapshot, CloudError> {
    take_snapshot_of(cloud, &Source::ALL).await
}

/// Reads only `sources` (the rest stay empty): a runbook action reads what it plans from,
/// so a CloudWatch outage or a role without CloudWatch rights never stops a swap.
pub async fn take_snapshot_of(
    cloud: &dyn Cloud,
    sources: &[Source],
) -> Result<Snapshot, CloudError> {
    async fn read<T: Default>(
        wanted: bool,
        call: impl std::future::Future<Output = Result<T, CloudError>>,
    ) -> Result<T, CloudError> {
        if wanted {
            call.await
        } else {
            Ok(T::default())
        }
    }
    let wants = |s: Source| sources.contains(&s);
    // CPU is read per group: the metrics start the moment the groups' names are listed,
    // beside the groups' activities, not after every other read.
    let groups_and_cpu = async {
        if !(wants(Source::AutoScaling) || wants(Source::Metrics)) {
            return Ok((Vec::new(), Vec::new()));
        }
        let listed = cloud.auto_scaling_groups_listed().await?;
        let names: Vec<String> = listed.iter().map(|g| g.name.clone()).collect();
        futures::try_join!(
            read(wants(Source::AutoScaling), cloud.with_activities(listed)),
            read(wants(Source::Metrics), cloud.cpu_utilization(&names)),
        )
    };
    let (
        instances,
        load_balancers,
        target_groups,
        (groups, metrics),
        elastic_ips,
        images,
        alarms,
        instance_metrics,
    ) = futures::try_join!(
        read(wants(Source::Instances), cloud.instances()),
        read(wants(Source::LoadBalancers), cloud.load_balancers()),
        read(wants(Source::TargetGroups), cloud.target_groups()),
        groups_and_cpu,
        read(wants(Source::ElasticIps), cloud.elastic_ips()),
        read(wants(Source::Images), cloud.images()),
        read(wants(Source::Alarms), cloud.alarms()),
        read(wants(Source::Metrics), optional_instance_metrics(cloud)),
    )?;
    Ok(Snapshot {
        world: cloud.world(),
        taken_at: cloud.clock(),
        instances: instances.into(),
        load_balancers,
        target_groups: target_groups.into(),
        auto_scaling_groups: groups.into(),
        elastic_ips,
        images,
        metrics,
        instance_metrics,
        alarms,
        probes: Default::default(),
    })
}
