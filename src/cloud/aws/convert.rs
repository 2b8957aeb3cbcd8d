//! SDK types to `model/` types. The only place that knows both; nothing else in patrol sees
//! an SDK type. Fields the API leaves out become empty strings or `None`, never a panic.

use crate::cloud::SOURCE_INSTANCE_TAG;
use crate::model::{
    ActivityStatus, Alarm, AlarmState, AutoScalingGroup, Comparison, ElasticIp, GroupInstance,
    HealthCheck, Image, ImageState, Instance, InstanceState, LifecycleState, LoadBalancer,
    ScalingActivity, Tags, TargetGroup, TargetHealth, TargetHealthState,
};
use aws_sdk_autoscaling::types as asg;
use aws_sdk_cloudwatch::types as cw;
use aws_sdk_ec2::types as ec2;
use aws_sdk_elasticloadbalancingv2::types as elb;
use chrono::{DateTime, TimeZone, Utc};

/// The tag Auto Scaling puts on every instance it launches.
const GROUP_TAG: &str = "aws:autoscaling:groupName";

fn text(value: Option<&str>) -> String {
    value.unwrap_or_default().to_string()
}

fn count(value: Option<i32>) -> u32 {
    value.unwrap_or(0).max(0) as u32
}

/// An SDK timestamp as a chrono one; out-of-range values become the epoch.
pub fn time(value: &aws_smithy_types::DateTime) -> DateTime<Utc> {
    Utc.timestamp_opt(value.secs(), value.subsec_nanos())
        .single()
        .unwrap_or_default()
}

fn time_or_epoch(value: Option<&aws_smithy_types::DateTime>) -> DateTime<Utc> {
    value.map(time).unwrap_or_default()
}

fn ec2_tags(tags: &[ec2::Tag]) -> Tags {
    tags.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

/// EC2's instance state by name, falling back to the state code's low byte (the API's own
/// rule) for names this build does not know.
pub fn instance_state(state: Option<&ec2::InstanceState>) -> InstanceState {
    let name = state.and_then(|s| s.name()).map(|n| n.as_str());
    match name {
        Some("pending") => InstanceState::Pending,
        Some("running") => InstanceState::Running,
        Some("shutting-down") => InstanceState::ShuttingDown,
        Some("terminated") => InstanceState::Terminated,
        Some("stopping") => InstanceState::Stopping,
        Some("stopped") => InstanceState::Stopped,
        _ => match state.and_then(|s| s.code()).unwrap_or(0) & 0xff {
            16 => InstanceState::Running,
            32 => InstanceState::ShuttingDown,
            48 => InstanceState::Terminated,
            64 => InstanceState::Stopping,
            80 => InstanceState::Stopped,
            _ => InstanceState::Pending,
        },
    }
}

pub fn instance(i: &ec2::Instance) -> Instance {
    let tags = ec2_tags(i.tags());
    Instance {
        id: text(i.instance_id()),
        name: tags.get("Name").cloned(),
        state: instance_state(i.state()),
        zone: text(i.placement().and_then(|p| p.availability_zone())),
        subnet_id: text(i.subnet_id()),
        vpc_id: text(i.vpc_id()),
        private_ip: i.private_ip_address().map(str::to_string),
        public_ip: i.public_ip_address().map(str::to_string),
        instance_type: i
            .instance_type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        launched_at: time_or_epoch(i.launch_time()),
        auto_scaling_group: tags.get(GROUP_TAG).cloned(),
        tags,
    }
}

pub fn load_balancer(lb: &elb::LoadBalancer) -> LoadBalancer {
    LoadBalancer {
        arn: text(lb.load_balancer_arn()),
        name: text(lb.load_balancer_name()),
        kind: lb
            .r#type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        scheme: lb
            .scheme()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        state: lb
            .state()
            .and_then(|s| s.code())
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
        dns_name: text(lb.dns_name()),
        vpc_id: text(lb.vpc_id()),
        zones: lb
            .availability_zones()
            .iter()
            .filter_map(|z| z.zone_name().map(str::to_string))
            .collect(),
    }
}

/// A target group without its targets (DescribeTargetGroups); `targets` fills them in.
pub fn target_group(g: &elb::TargetGroup) -> TargetGroup {
    TargetGroup {
        arn: text(g.target_group_arn()),
        name: text(g.target_group_name()),
        protocol: g
            .protocol()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default(),
        port: g.port().unwrap_or(0).clamp(0, u16::MAX as i32) as u16,
        vpc_id: text(g.vpc_id()),
        load_balancer_arns: g.load_balancer_arns().to_vec(),
        health_check: HealthCheck {
            protocol: g
                .health_check_protocol()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default(),
            port: g.health_check_port().unwrap_or("traffic-port").to_string(),
            path: g.health_check_path().map(str::to_string),
            interval_seconds: count(g.health_check_interval_seconds()),
            timeout_seconds: count(g.health_check_timeout_seconds()),
            healthy_threshold: count(g.healthy_threshold_count()),
            unhealthy_threshold: count(g.unhealthy_threshold_count()),
        },
        deregistration_delay_seconds: None,
        targets: Vec::new(),
    }
}

pub fn target_health_state(state: Option<&elb::TargetHealthStateEnum>) -> TargetHealthState {
    match state.map(|s| s.as_str()) {
        Some("initial") => TargetHealthState::Initial,
        Some("healthy") => TargetHealthState::Healthy,
        Some("unhealthy") | Some("unhealthy.draining") => TargetHealthState::Unhealthy,
        Some("unused") => TargetHealthState::Unused,
        Some("draining") => TargetHealthState::Draining,
        // "unavailable" and anything newer than this build: we cannot vouch for it.
        _ => TargetHealthState::Unavailable,
    }
}

pub fn target(t: &elb::TargetHealthDescription) -> TargetHealth {
    let health = t.target_health();
    TargetHealth {
        target_id: text(t.target().and_then(|d| d.id())),
        port: t
            .target()
            .and_then(|d| d.port())
            .unwrap_or(0)
            .clamp(0, u16::MAX as i32) as u16,
        state: target_health_state(health.and_then(|h| h.state())),
        reason: health
            .and_then(|h| h.reason())
            .map(|r| r.as_str().to_string()),
        description: health.and_then(|h| h.description()).map(str::to_string),
    }
}

pub fn lifecycle(state: Option<&asg::LifecycleState>) -> LifecycleState {
    match state.map(|s| s.as_str()) {
        Some("Pending") => LifecycleState::Pending,
        Some("InService") => LifecycleState::InService,
        Some("Terminating") => LifecycleState::Terminating,
        Some("Terminated") => LifecycleState::Terminated,
        Some("EnteringStandby") => LifecycleState::EnteringStandby,
        Some("Standby") => LifecycleState::Standby,
        Some(other) => LifecycleState::Other(other.to_string()),
        None => LifecycleState::Other("unknown".to_string()),
    }
}

/// A group without its activities (DescribeAutoScalingGroups); `activity` fills them in.
pub fn auto_scaling_group(g: &asg::AutoScalingGroup) -> AutoScalingGroup {
    AutoScalingGroup {
        name: text(g.auto_scaling_group_name()),
        min: count(g.min_size()),
        desired: count(g.desired_capacity()),
        max: count(g.max_size()),
        zones: g.availability_zones().to_vec(),
        target_group_arns: g.target_group_arns().to_vec(),
        health_check_type: text(g.health_check_type()),
        health_check_grace_seconds: count(g.health_check_grace_period()),
        instances: g
            .instances()
            .iter()
            .map(|i| GroupInstance {
                instance_id: text(i.instance_id()),
                zone: text(i.availability_zone()),
                lifecycle: lifecycle(i.lifecycle_state()),
                healthy: i.health_status() == Some("Healthy"),
            })
            .collect(),
        activities: Vec::new(),
    }
}

pub fn activity(a: &asg::Activity) -> ScalingActivity {
    use asg::ScalingActivityStatusCode as Code;
    let status = match a.status_code() {
        Some(Code::Successful) => ActivityStatus::Successful,
        Some(Code::Failed) => ActivityStatus::Failed,
        Some(Code::Cancelled) => ActivityStatus::Cancelled,
        _ => ActivityStatus::InProgress,
    };
    ScalingActivity {
        id: text(a.activity_id()),
        description: text(a.description()),
        cause: text(a.cause()),
        status,
        started_at: time_or_epoch(a.start_time()),
        ended_at: a.end_time().map(time),
    }
}

pub fn elastic_ip(a: &ec2::Address) -> ElasticIp {
    ElasticIp {
        allocation_id: text(a.allocation_id()),
        public_ip: text(a.public_ip()),
        association_id: a.association_id().map(str::to_string),
        instance_id: a
            .instance_id()
            .filter(|id| !id.is_empty())
            .map(str::to_string),
        private_ip: a.private_ip_address().map(str::to_string),
        tags: ec2_tags(a.tags()),
    }
}

pub fn image_state(state: Option<&ec2::ImageState>) -> ImageState {
    match state.map(|s| s.as_str()) {
        Some("available") => ImageState::Available,
        Some("failed") | Some("error") | Some("invalid") => ImageState::Failed,
        Some("deregistered") | Some("disabled") => ImageState::Deregistered,
        // "pending", "transient" and anything newer: not usable yet.
        _ => ImageState::Pending,
    }
}

pub fn image(i: &ec2::Image) -> Image {
    let tags = ec2_tags(i.tags());
    let created_at = i
        .creation_date()
        .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default();
    Image {
        id: text(i.image_id()),
        name: text(i.name()),
        state: image_state(i.state()),
        created_at,
        source_instance_id: tags
            .get(SOURCE_INSTANCE_TAG)
            .cloned()
            .or_else(|| i.source_instance_id().map(str::to_string)),
        tags,
    }
}

pub fn alarm_state(state: Option<&cw::StateValue>) -> AlarmState {
    match state {
        Some(cw::StateValue::Ok) => AlarmState::Ok,
        Some(cw::StateValue::Alarm) => AlarmState::Alarm,
        _ => AlarmState::InsufficientData,
    }
}

pub fn alarm(a: &cw::MetricAlarm) -> Alarm {
    Alarm {
        name: text(a.alarm_name()),
        namespace: text(a.namespace()),
        metric: text(a.metric_name()),
        auto_scaling_group: a
            .dimensions()
            .iter()
            .find(|d| d.name() == Some("AutoScalingGroupName"))
            .and_then(|d| d.value())
            .map(str::to_string),
        threshold: a.threshold().unwrap_or(f64::NAN),
        unit: a.unit().map(|u| u.as_str().to_string()),
        comparison: Comparison::from_api(a.comparison_operator().map_or("", |c| c.as_str())),
        state: alarm_state(a.state_value()),
        state_reason: text(a.state_reason()),
        updated_at: time_or_epoch(a.state_updated_timestamp()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_states_fall_to_the_cautious_side() {
        let odd = ec2::InstanceState::builder()
            .name(ec2::InstanceStateName::from("hibernating"))
            .code(80)
            .build();
        assert_eq!(instance_state(Some(&odd)), InstanceState::Stopped);
        assert_eq!(instance_state(None), InstanceState::Pending);
        assert_eq!(
            target_health_state(Some(&elb::TargetHealthStateEnum::from("brand-new"))),
            TargetHealthState::Unavailable
        );
        assert_eq!(
            target_health_state(Some(&elb::TargetHealthStateEnum::from(
                "unhealthy.draining"
            ))),
            TargetHealthState::Unhealthy
        );
        assert_eq!(
            image_state(Some(&ec2::ImageState::from("transient"))),
            ImageState::Pending
        );
        assert_eq!(
            lifecycle(Some(&asg::LifecycleState::from("Warmed:Running"))),
            LifecycleState::Other("Warmed:Running".into())
        );
    }

    #[test]
    fn instance_takes_name_and_group_from_tags() {
        let i = ec2::Instance::builder()
            .instance_id("i-1")
            .tags(ec2::Tag::builder().key("Name").value("web-1").build())
            .tags(ec2::Tag::builder().key(GROUP_TAG).value("web-asg").build())
            .placement(
                ec2::Placement::builder()
                    .availability_zone("us-east-1b")
                    .build(),
            )
            .build();
        let m = instance(&i);
        assert_eq!(m.name.as_deref(), Some("web-1"));
        assert_eq!(m.auto_scaling_group.as_deref(), Some("web-asg"));
        assert_eq!(m.zone, "us-east-1b");
        assert_eq!(m.vpc_id, "");
    }
}
