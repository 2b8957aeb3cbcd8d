//! Taking instances out of service and back: EnterStandby / ExitStandby, RegisterTargets /
//! DeregisterTargets, and the instance tag that remembers it (CreateTags / DeleteTags).
//! Each is checked against what AWS would refuse before it is sent, so an emulator that
//! accepts more than AWS (moto) answers as AWS does.

use super::{classify, convert, AwsCloud};
use crate::cloud::{Cloud, CloudError, CloudErrorKind, Receipt};
use crate::model::{InstanceState, LifecycleState, TAG_VALUE_MAX};
use aws_types::request_id::RequestId;

fn validation(message: String) -> CloudError {
    CloudError::new(CloudErrorKind::Invalid, "ValidationError", message)
}

fn receipt(resource: &str, request_id: Option<&str>, sent_at: std::time::Instant) -> Receipt {
    Receipt {
        resource_id: Some(resource.to_string()),
        request_id: request_id.map(str::to_string),
        sent_at: Some(sent_at),
    }
}

impl AwsCloud {
    /// The group's min, max, desired and the instance's lifecycle in it.
    async fn standby_facts(
        &self,
        group: &str,
        instance_id: &str,
    ) -> Result<(u32, u32, u32, LifecycleState), CloudError> {
        let g = self.auto_scaling_group(group).await?.ok_or_else(|| {
            CloudError::new(
                CloudErrorKind::NotFound,
                "ValidationError",
                format!("AutoScalingGroup name not found - no such group: {group}"),
            )
        })?;
        let member = g
            .instances
            .iter()
            .find(|i| i.instance_id == instance_id)
            .ok_or_else(|| {
                validation(format!(
                    "The instance {instance_id} is not part of Auto Scaling group {group}."
                ))
            })?;
        Ok((g.min, g.max, g.desired, member.lifecycle.clone()))
    }

    pub(super) async fn enter_standby_call(
        &self,
        group: &str,
        instance_id: &str,
        decrement: bool,
    ) -> Result<Receipt, CloudError> {
        let (min, max, desired, lifecycle) = self.standby_facts(group, instance_id).await?;
        if lifecycle != LifecycleState::InService {
            return Err(validation(format!(
                "The instance {instance_id} is not in InService."
            )));
        }
        if decrement && desired < min + 1 {
            return Err(validation(format!(
                "AutoScalingGroup {group} has min-size={min}, max-size={max}, and \
                 desired-size={desired}. To place into standby 1 instances, please update the \
                 AutoScalingGroup sizes appropriately."
            )));
        }
        let sent_at = std::time::Instant::now();
        let out = self
            .inner
            .autoscaling
            .enter_standby()
            .auto_scaling_group_name(group)
            .instance_ids(instance_id)
            .should_decrement_desired_capacity(decrement)
            .send()
            .await
            .map_err(|e| classify("EnterStandby", e))?;
        Ok(receipt(instance_id, out.request_id(), sent_at))
    }

    pub(super) async fn exit_standby_call(
        &self,
        group: &str,
        instance_id: &str,
    ) -> Result<Receipt, CloudError> {
        let (min, max, desired, lifecycle) = self.standby_facts(group, instance_id).await?;
        if lifecycle != LifecycleState::Standby {
            return Err(validation(format!(
                "The instance {instance_id} is not in Standby."
            )));
        }
        if desired + 1 > max {
            return Err(validation(format!(
                "AutoScalingGroup {group} has min-size={min}, max-size={max}, and \
                 desired-size={desired}. To exit standby 1 instances, please update the \
                 AutoScalingGroup sizes appropriately."
            )));
        }
        let sent_at = std::time::Instant::now();
        let out = self
            .inner
            .autoscaling
            .exit_standby()
            .auto_scaling_group_name(group)
            .instance_ids(instance_id)
            .send()
            .await
            .map_err(|e| classify("ExitStandby", e))?;
        Ok(receipt(instance_id, out.request_id(), sent_at))
    }

    fn target(
        instance_id: &str,
        port: u16,
    ) -> aws_sdk_elasticloadbalancingv2::types::TargetDescription {
        aws_sdk_elasticloadbalancingv2::types::TargetDescription::builder()
            .id(instance_id)
            .port(port as i32)
            .build()
    }

    pub(super) async fn register_call(
        &self,
        arn: &str,
        instance_id: &str,
        port: u16,
    ) -> Result<Receipt, CloudError> {
        let state = self.instance_state(instance_id).await?;
        if state != InstanceState::Running {
            return Err(CloudError::new(
                CloudErrorKind::Invalid,
                "InvalidTarget",
                format!(
                    "The following targets are not in a running state and cannot be \
                     registered: '{instance_id}'"
                ),
            ));
        }
        let sent_at = std::time::Instant::now();
        let out = self
            .inner
            .elb
            .register_targets()
            .target_group_arn(arn)
            .targets(Self::target(instance_id, port))
            .send()
            .await
            .map_err(|e| classify("RegisterTargets", e))?;
        Ok(receipt(arn, out.request_id(), sent_at))
    }

    pub(super) async fn deregister_call(
        &self,
        arn: &str,
        instance_id: &str,
        port: u16,
    ) -> Result<Receipt, CloudError> {
        let sent_at = std::time::Instant::now();
        let out = self
            .inner
            .elb
            .deregister_targets()
            .target_group_arn(arn)
            .targets(Self::target(instance_id, port))
            .send()
            .await
            .map_err(|e| classify("DeregisterTargets", e))?;
        Ok(receipt(arn, out.request_id(), sent_at))
    }

    pub(super) async fn create_tag_call(
        &self,
        instance_id: &str,
        key: &str,
        value: &str,
    ) -> Result<Receipt, CloudError> {
        if value.chars().count() > TAG_VALUE_MAX {
            return Err(CloudError::new(
                CloudErrorKind::Invalid,
                "InvalidParameterValue",
                format!("Tag value exceeds the maximum length of {TAG_VALUE_MAX} characters"),
            ));
        }
        let sent_at = std::time::Instant::now();
        let out = self
            .inner
            .ec2
            .create_tags()
            .resources(instance_id)
            .tags(
                aws_sdk_ec2::types::Tag::builder()
                    .key(key)
                    .value(value)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| classify("CreateTags", e))?;
        Ok(receipt(instance_id, out.request_id(), sent_at))
    }

    pub(super) async fn delete_tag_call(
        &self,
        instance_id: &str,
        key: &str,
    ) -> Result<Receipt, CloudError> {
        let sent_at = std::time::Instant::now();
        let out = self
            .inner
            .ec2
            .delete_tags()
            .resources(instance_id)
            .tags(aws_sdk_ec2::types::Tag::builder().key(key).build())
            .send()
            .await
            .map_err(|e| classify("DeleteTags", e))?;
        Ok(receipt(instance_id, out.request_id(), sent_at))
    }

    /// One instance by id (an unknown id is `None`, not an error).
    pub(super) async fn one_instance(
        &self,
        id: &str,
    ) -> Result<Option<crate::model::Instance>, CloudError> {
        let out = self
            .inner
            .ec2
            .describe_instances()
            .instance_ids(id)
            .send()
            .await;
        match out.map_err(|e| classify("DescribeInstances", e)) {
            Ok(out) => Ok(out
                .reservations()
                .iter()
                .flat_map(|r| r.instances())
                .map(convert::instance)
                .next()),
            Err(e) if e.kind == CloudErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}
