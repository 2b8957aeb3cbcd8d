//! Simulated maintenance calls: EnterStandby / ExitStandby, RegisterTargets /
//! DeregisterTargets and CreateTags / DeleteTags, with the rules and errors AWS documents.

use super::asg::stamp;
use super::world::World;
use crate::cloud::{CloudError, CloudErrorKind, Receipt};
use crate::model::{ActivityStatus, InstanceState, LifecycleState};

fn validation(message: String) -> CloudError {
    CloudError::new(CloudErrorKind::Invalid, "ValidationError", message)
}

impl World {
    fn receipt(&mut self, resource: &str) -> Receipt {
        Receipt {
            resource_id: Some(resource.to_string()),
            request_id: Some(self.request_id()),
            sent_at: None,
        }
    }

    /// The group and the member's index, or Auto Scaling's ValidationError.
    fn member(&self, group: &str, instance_id: &str) -> Result<(usize, usize), CloudError> {
        let gi = self
            .groups
            .iter()
            .position(|g| g.name == group)
            .ok_or_else(|| {
                CloudError::new(
                    CloudErrorKind::NotFound,
                    "ValidationError",
                    format!("AutoScalingGroup name not found - no such group: {group}"),
                )
            })?;
        let mi = self.groups[gi]
            .members
            .iter()
            .position(|m| m.instance_id == instance_id)
            .ok_or_else(|| {
                validation(format!(
                    "The instance {instance_id} is not part of Auto Scaling group {group}."
                ))
            })?;
        Ok((gi, mi))
    }

    /// EnterStandby: only an InService instance; with `decrement`, only while desired minus
    /// one stays at or above min. The instance is EnteringStandby while the group's target
    /// groups drain it, then Standby (`standby_transitions`). Without `decrement` the
    /// group's next pass launches a replacement, as a Standby instance is not active.
    pub fn enter_standby(
        &mut self,
        group: &str,
        instance_id: &str,
        decrement: bool,
    ) -> Result<Receipt, CloudError> {
        let (gi, mi) = self.member(group, instance_id)?;
        let g = &self.groups[gi];
        if g.members[mi].lifecycle != LifecycleState::InService {
            return Err(validation(format!(
                "The instance {instance_id} is not in InService."
            )));
        }
        if decrement && g.desired < g.min + 1 {
            return Err(validation(format!(
                "AutoScalingGroup {group} has min-size={}, max-size={}, and desired-size={}. \
                 To place into standby 1 instances, please update the AutoScalingGroup sizes \
                 appropriately.",
                g.min, g.max, g.desired
            )));
        }
        let now = self.now;
        let from = g.desired;
        let to = if decrement { from - 1 } else { from };
        let cause = format!(
            "At {} instance {instance_id} was moved to standby in response to a user request{}.",
            stamp(now),
            if decrement {
                format!(", shrinking the capacity from {from} to {to}")
            } else {
                String::new()
            }
        );
        let activity = self.record_activity(
            gi,
            format!("Moving EC2 instance to Standby: {instance_id}"),
            cause,
        );
        let tgs = self.groups[gi].target_groups.clone();
        let g = &mut self.groups[gi];
        g.desired = to;
        g.members[mi].lifecycle = LifecycleState::EnteringStandby;
        g.members[mi].activity = Some(activity);
        for ti in 0..self.target_groups.len() {
            if tgs.contains(&self.target_groups[ti].model.name) {
                self.drain(ti, |t| t.instance_id == instance_id);
            }
        }
        Ok(self.receipt(instance_id))
    }

    /// ExitStandby: only a Standby instance, and desired plus one must stay within max. The
    /// instance is Pending until the group registers it with its target groups.
    pub fn exit_standby(&mut self, group: &str, instance_id: &str) -> Result<Receipt, CloudError> {
        let (gi, mi) = self.member(group, instance_id)?;
        let g = &self.groups[gi];
        if g.members[mi].lifecycle != LifecycleState::Standby {
            return Err(validation(format!(
                "The instance {instance_id} is not in Standby."
            )));
        }
        if g.desired + 1 > g.max {
            return Err(validation(format!(
                "AutoScalingGroup {group} has min-size={}, max-size={}, and desired-size={}. \
                 To exit standby 1 instances, please update the AutoScalingGroup sizes \
                 appropriately.",
                g.min, g.max, g.desired
            )));
        }
        let now = self.now;
        let from = g.desired;
        let cause = format!(
            "At {} instance {instance_id} was moved out of standby in response to a user \
             request, increasing the capacity from {from} to {}.",
            stamp(now),
            from + 1
        );
        let activity = self.record_activity(
            gi,
            format!("Moving EC2 instance out of Standby: {instance_id}"),
            cause,
        );
        let g = &mut self.groups[gi];
        g.desired = from + 1;
        g.members[mi].lifecycle = LifecycleState::Pending;
        g.members[mi].activity = Some(activity);
        Ok(self.receipt(instance_id))
    }

    /// EnteringStandby members whose targets have drained from the group's target groups
    /// are in Standby.
    pub(super) fn standby_transitions(&mut self, gi: usize) {
        let tgs = self.groups[gi].target_groups.clone();
        for mi in 0..self.groups[gi].members.len() {
            let m = &self.groups[gi].members[mi];
            if m.lifecycle != LifecycleState::EnteringStandby {
                continue;
            }
            let id = m.instance_id.clone();
            let draining = self
                .target_groups
                .iter()
                .filter(|t| tgs.contains(&t.model.name))
                .any(|t| t.targets.iter().any(|x| x.instance_id == id));
            if draining {
                continue;
            }
            let m = &mut self.groups[gi].members[mi];
            m.lifecycle = LifecycleState::Standby;
            if let Some(a) = m.activity.take() {
                self.finish_activity(gi, &a, ActivityStatus::Successful);
            }
        }
    }

    fn target_group_index(&self, arn: &str) -> Result<usize, CloudError> {
        self.target_groups
            .iter()
            .position(|t| t.model.arn == arn)
            .ok_or_else(|| {
                CloudError::new(
                    CloudErrorKind::NotFound,
                    "TargetGroupNotFound",
                    format!("Target groups '{arn}' not found"),
                )
            })
    }

    fn invalid_target(instance_id: &str, why: &str) -> CloudError {
        CloudError::new(
            CloudErrorKind::Invalid,
            "InvalidTarget",
            format!("The following targets {why}: '{instance_id}'"),
        )
    }

    /// RegisterTargets: the instance must exist and be running.
    pub fn register_targets(
        &mut self,
        arn: &str,
        instance_id: &str,
        port: u16,
    ) -> Result<Receipt, CloudError> {
        let ti = self.target_group_index(arn)?;
        match self.instance(instance_id).map(|i| i.state) {
            None => return Err(Self::invalid_target(instance_id, "do not exist")),
            Some(InstanceState::Running) => {}
            Some(_) => {
                return Err(Self::invalid_target(
                    instance_id,
                    "are not in a running state and cannot be registered",
                ))
            }
        }
        self.register_on(ti, instance_id, port, false);
        Ok(self.receipt(arn))
    }

    /// DeregisterTargets: the instance must exist; a target that is not registered is not
    /// an error ("the action returns successfully").
    pub fn deregister_targets(
        &mut self,
        arn: &str,
        instance_id: &str,
        port: u16,
    ) -> Result<Receipt, CloudError> {
        let ti = self.target_group_index(arn)?;
        if self.instance(instance_id).is_none() {
            return Err(Self::invalid_target(instance_id, "do not exist"));
        }
        self.drain(ti, |t| t.instance_id == instance_id && t.port == port);
        Ok(self.receipt(arn))
    }

    /// CreateTags on an instance (one tag; an existing value is overwritten).
    pub fn create_tag(
        &mut self,
        instance_id: &str,
        key: &str,
        value: &str,
    ) -> Result<Receipt, CloudError> {
        if value.chars().count() > crate::model::TAG_VALUE_MAX {
            return Err(CloudError::new(
                CloudErrorKind::Invalid,
                "InvalidParameterValue",
                format!(
                    "Tag value exceeds the maximum length of {} characters",
                    crate::model::TAG_VALUE_MAX
                ),
            ));
        }
        let i = self
            .instance_mut(instance_id)
            .ok_or_else(|| Self::instance_not_found(instance_id))?;
        i.tags.insert(key.to_string(), value.to_string());
        Ok(self.receipt(instance_id))
    }

    /// DeleteTags on an instance (a missing tag is not an error).
    pub fn delete_tag(&mut self, instance_id: &str, key: &str) -> Result<Receipt, CloudError> {
        let i = self
            .instance_mut(instance_id)
            .ok_or_else(|| Self::instance_not_found(instance_id))?;
        i.tags.remove(key);
        Ok(self.receipt(instance_id))
    }
}
