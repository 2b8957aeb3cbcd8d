//! Simulated Auto Scaling: the reconciliation loop, AZ-balanced placement, SetDesiredCapacity.

use super::world::{Member, World};
use crate::cloud::{CloudError, CloudErrorKind, Receipt};
use crate::model::{
    ActivityStatus, AutoScalingGroup, GroupInstance, InstanceState, LifecycleState,
    ScalingActivity, TargetHealthState,
};
use chrono::{DateTime, Duration, SecondsFormat, Utc};

/// Activities kept per group, newest first.
const ACTIVITY_HISTORY: usize = 50;

pub(super) fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn is_active(m: &Member) -> bool {
    matches!(
        m.lifecycle,
        LifecycleState::Pending | LifecycleState::InService
    )
}

impl World {
    /// The zone a new instance of the group goes to: the reachable zone with the fewest
    /// active instances (ties to the group's zone order). A failed zone is skipped, as the
    /// service does once launches there fail.
    pub(super) fn placement_zone(&self, gi: usize) -> String {
        let g = &self.groups[gi];
        let count = |z: &str| {
            g.members
                .iter()
                .filter(|m| m.zone == z && is_active(m))
                .count()
        };
        let reachable: Vec<&String> = g
            .zones
            .iter()
            .filter(|z| !self.zones_down.contains(*z))
            .collect();
        let candidates = if reachable.is_empty() {
            g.zones.iter().collect()
        } else {
            reachable
        };
        candidates
            .into_iter()
            .min_by_key(|z| count(z))
            .cloned()
            .unwrap_or_default()
    }

    /// Launches one instance for the group in `zone`; it joins as a Pending member.
    pub(super) fn launch_group_instance(
        &mut self,
        gi: usize,
        zone: &str,
        at: DateTime<Utc>,
    ) -> String {
        let g = &self.groups[gi];
        let mut tags = g.tags.clone();
        // An empty name tag: its instances have no Name (as when no tag propagates one).
        let name = Some(g.name_tag.clone()).filter(|n| !n.is_empty());
        if let Some(n) = &name {
            tags.insert("Name".into(), n.clone());
        }
        tags.insert("aws:autoscaling:groupName".into(), g.name.clone());
        let (itype, group) = (g.instance_type.clone(), g.name.clone());
        let id = self.create_instance(name, zone, &itype, tags, Some(group), at);
        self.groups[gi].members.push(Member {
            instance_id: id.clone(),
            zone: zone.to_string(),
            lifecycle: LifecycleState::Pending,
            healthy: true,
            activity: None,
        });
        id
    }

    pub(super) fn record_activity(
        &mut self,
        gi: usize,
        description: String,
        cause: String,
    ) -> String {
        let id = format!(
            "{}-{}-{}",
            self.rng.hex(8),
            self.rng.hex(4),
            self.rng.hex(12)
        );
        let now = self.now;
        let g = &mut self.groups[gi];
        g.activities.insert(
            0,
            ScalingActivity {
                id: id.clone(),
                description,
                cause,
                status: ActivityStatus::InProgress,
                started_at: now,
                ended_at: None,
            },
        );
        g.activities.truncate(ACTIVITY_HISTORY);
        id
    }

    pub(super) fn finish_activity(&mut self, gi: usize, id: &str, status: ActivityStatus) {
        let now = self.now;
        if let Some(a) = self.groups[gi].activities.iter_mut().find(|a| a.id == id) {
            a.status = status;
            a.ended_at = Some(now);
        }
    }

    /// One pass of the group's control loop: settle launches, on a health sweep find
    /// unhealthy instances and replace them, finish terminations, close the gap to desired.
    pub(super) fn reconcile(&mut self, gi: usize, health_sweep: bool) {
        self.settle_members(gi);
        self.standby_transitions(gi);
        if health_sweep {
            self.replace_unhealthy(gi);
        }
        self.finish_terminations(gi);
        self.close_capacity_gap(gi);
        self.rebalance(gi);
    }

    /// AZRebalance, which Auto Scaling runs unless suspended: when the reachable zones are
    /// more than one instance apart and nothing else is moving, launch in the emptiest zone
    /// first. `close_capacity_gap` terminates one from the fullest zone once the new one is
    /// in service, so capacity never dips below desired.
    fn rebalance(&mut self, gi: usize) {
        let g = &self.groups[gi];
        let active: Vec<_> = g.members.iter().filter(|m| is_active(m)).collect();
        let settled = active
            .iter()
            .all(|m| m.lifecycle == LifecycleState::InService);
        // An instance taken out for maintenance makes its zone look short, but it is coming
        // back: rebalancing now would launch elsewhere and terminate a server the operator
        // is counting on. Rebalancing waits until nothing is in Standby.
        let moving = g.members.iter().any(|m| {
            matches!(
                m.lifecycle,
                LifecycleState::Terminating
                    | LifecycleState::EnteringStandby
                    | LifecycleState::Standby
            )
        });
        if !settled || moving || active.len() != g.desired as usize || g.rebalancing.is_some() {
            return;
        }
        let per_zone: Vec<(&String, usize)> = g
            .zones
            .iter()
            .filter(|z| !self.zones_down.contains(*z))
            .map(|z| (z, active.iter().filter(|m| &m.zone == z).count()))
            .collect();
        let (Some(&(low, fewest)), Some(&(high, most))) = (
            per_zone.iter().min_by_key(|(_, n)| *n),
            per_zone.iter().max_by_key(|(_, n)| *n),
        ) else {
            return;
        };
        // A full subnet would refuse the launch: no rebalancing into it.
        if most - fewest <= 1 || self.launch_image_missing(gi).is_some() || self.subnet_full(low) {
            return;
        }
        let (zone, now) = (low.clone(), self.now);
        let cause = format!(
            "At {} an instance was launched to balance instances across Availability Zones: \
             {zone} had {fewest}, {high} had {most}.",
            stamp(now)
        );
        let id = self.launch_group_instance(gi, &zone, now);
        let activity =
            self.record_activity(gi, format!("Launching a new EC2 instance: {id}"), cause);
        let g = &mut self.groups[gi];
        if let Some(m) = g.members.last_mut() {
            m.activity = Some(activity);
        }
        g.rebalancing = Some(zone);
    }

    fn settle_members(&mut self, gi: usize) {
        let tgs = self.groups[gi].target_groups.clone();
        for mi in 0..self.groups[gi].members.len() {
            let m = &self.groups[gi].members[mi];
            if m.lifecycle != LifecycleState::Pending {
                continue;
            }
            let id = m.instance_id.clone();
            let running = self
                .instance(&id)
                .is_some_and(|i| i.state == InstanceState::Running);
            if !running {
                continue;
            }
            for tg in &tgs {
                self.register_target(tg, &id, false);
            }
            let m = &mut self.groups[gi].members[mi];
            m.lifecycle = LifecycleState::InService;
            if let Some(a) = m.activity.take() {
                self.finish_activity(gi, &a, ActivityStatus::Successful);
            }
        }
    }

    /// EC2 health (not running) and, for ELB health checks, any unhealthy target after the
    /// grace period, make an instance Unhealthy; the group then terminates and replaces it.
    fn replace_unhealthy(&mut self, gi: usize) {
        let now = self.now;
        let g = &self.groups[gi];
        let tg_names = g.target_groups.clone();
        let elb = g.health_check_type == "ELB";
        let mut unhealthy = Vec::new();
        for m in g.members.iter() {
            if m.lifecycle != LifecycleState::InService {
                continue;
            }
            let Some(i) = self.instance(&m.instance_id) else {
                unhealthy.push((m.instance_id.clone(), "EC2 health check"));
                continue;
            };
            if i.state != InstanceState::Running {
                unhealthy.push((m.instance_id.clone(), "EC2 health check"));
            } else if elb && now >= i.launched_at + g.grace {
                let failing = self.target_groups.iter().any(|tg| {
                    tg_names.contains(&tg.model.name)
                        && tg.targets.iter().any(|t| {
                            t.instance_id == m.instance_id
                                && t.state == TargetHealthState::Unhealthy
                        })
                });
                if failing {
                    unhealthy.push((m.instance_id.clone(), "ELB system health check"));
                }
            }
        }
        for (id, check) in unhealthy {
            let description = format!("Terminating EC2 instance: {id}");
            let cause = format!(
                "At {} an instance was taken out of service in response to an {check} failure.",
                stamp(now)
            );
            let activity = self.record_activity(gi, description, cause);
            self.begin_termination(gi, &id, activity, false);
        }
    }

    fn begin_termination(&mut self, gi: usize, id: &str, activity: String, healthy: bool) {
        if let Some(m) = self.groups[gi]
            .members
            .iter_mut()
            .find(|m| m.instance_id == id)
        {
            m.lifecycle = LifecycleState::Terminating;
            m.healthy = healthy;
            m.activity = Some(activity);
        }
        self.deregister_everywhere(id);
    }

    /// Terminating members are shut down once drained and leave the group once terminated.
    fn finish_terminations(&mut self, gi: usize) {
        let terminating: Vec<String> = self.groups[gi]
            .members
            .iter()
            .filter(|m| m.lifecycle == LifecycleState::Terminating)
            .map(|m| m.instance_id.clone())
            .collect();
        for id in terminating {
            if self.is_registered_anywhere(&id) {
                continue;
            }
            let state = self.instance(&id).map(|i| i.state);
            match state {
                Some(InstanceState::Terminated) | None => {
                    let g = &mut self.groups[gi];
                    let pos = g.members.iter().position(|m| m.instance_id == id);
                    if let Some(m) = pos.map(|p| g.members.remove(p)) {
                        if let Some(a) = m.activity {
                            self.finish_activity(gi, &a, ActivityStatus::Successful);
                        }
                    }
                }
                Some(InstanceState::ShuttingDown) => {}
                Some(_) => self.terminate_instance(&id),
            }
        }
    }

    fn close_capacity_gap(&mut self, gi: usize) {
        let now = self.now;
        let active = self.groups[gi]
            .members
            .iter()
            .filter(|m| is_active(m))
            .count() as u32;
        let desired = self.groups[gi].desired;
        let pending = self.groups[gi]
            .members
            .iter()
            .any(|m| m.lifecycle == LifecycleState::Pending);
        let rebalanced = match &self.groups[gi].rebalancing {
            // Launch before terminate: wait until the rebalancing launch is in service.
            Some(_) if active > desired && pending => return,
            Some(zone) if active > desired => Some(format!(
                "At {} instances were launched to balance instances in zones {zone} with other \
                 zones resulting in more than desired number of instances in the group.  ",
                stamp(now)
            )),
            _ => None,
        };
        self.groups[gi].rebalancing = None;
        if active == desired {
            return;
        }
        let prefix = self.groups[gi]
            .change_cause
            .take()
            .map(|c| format!("{c}  "))
            .or(rebalanced)
            .unwrap_or_default();
        if active < desired {
            if let Some(why) = self.launch_image_missing(gi) {
                // As the service does: the launch fails, and is retried on a later pass.
                self.launch_failed(gi, &why);
                return;
            }
            let cause = format!(
                "{prefix}At {} an instance was started in response to a difference between \
                 desired and actual capacity, increasing the capacity from {active} to {desired}.",
                stamp(now)
            );
            for _ in active..desired {
                let wanted = self.placement_zone(gi);
                // A full subnet refuses the launch; Auto Scaling tries its other zones.
                let zone = std::iter::once(&wanted)
                    .chain(self.groups[gi].zones.iter())
                    .find(|z| !self.subnet_full(z))
                    .cloned();
                let Some(zone) = zone else {
                    let subnet = (self.subnets.iter())
                        .find(|(z, _)| *z == wanted)
                        .map(|(_, s)| s.clone())
                        .unwrap_or_default();
                    self.launch_failed(
                        gi,
                        &format!(
                            "There are not enough free addresses in subnet '{subnet}' to \
                             satisfy the requested number of instances. Launching EC2 \
                             instance failed."
                        ),
                    );
                    break;
                };
                let id = self.launch_group_instance(gi, &zone, now);
                let activity = self.record_activity(
                    gi,
                    format!("Launching a new EC2 instance: {id}"),
                    cause.clone(),
                );
                if let Some(m) = self.groups[gi].members.last_mut() {
                    m.activity = Some(activity);
                }
            }
        } else {
            let cause = format!(
                "{prefix}At {} an instance was taken out of service in response to a difference \
                 between desired and actual capacity, shrinking the capacity from {active} to \
                 {desired}.",
                stamp(now)
            );
            for _ in desired..active {
                let Some(id) = self.scale_in_victim(gi) else {
                    break;
                };
                let activity = self.record_activity(
                    gi,
                    format!("Terminating EC2 instance: {id}"),
                    cause.clone(),
                );
                self.begin_termination(gi, &id, activity, true);
            }
        }
    }

    /// Records a failed launch (once while the same reason lasts: the service retries on
    /// later passes).
    fn launch_failed(&mut self, gi: usize, why: &str) {
        let already = self.groups[gi]
            .activities
            .first()
            .is_some_and(|a| a.status == ActivityStatus::Failed && a.cause.ends_with(why));
        if !already {
            let cause = format!("At {} a launch failed: {why}", stamp(self.now));
            let id = self.record_activity(
                gi,
                "Launching a new EC2 instance.  Status Reason: Launch failed".into(),
                cause,
            );
            self.finish_activity(gi, &id, ActivityStatus::Failed);
        }
    }

    /// Why the group cannot launch now: its image does not exist or is not available yet.
    fn launch_image_missing(&self, gi: usize) -> Option<String> {
        let name = self.groups[gi].image.as_deref()?;
        let image = self.images.iter().find(|i| i.image.name == name);
        match image {
            None => Some(format!("The image {name:?} does not exist.")),
            Some(i) if i.image.state != crate::model::ImageState::Available => Some(format!(
                "The image {} ({name}) is {}, not available.",
                i.image.id,
                i.image.state.as_str()
            )),
            Some(_) => None,
        }
    }

    /// The default termination policy: from the zone with the most active instances, the
    /// instance launched first.
    fn scale_in_victim(&self, gi: usize) -> Option<String> {
        let g = &self.groups[gi];
        let per_zone = |z: &str| {
            g.members
                .iter()
                .filter(|m| m.zone == z && is_active(m))
                .count()
        };
        let zone = g.zones.iter().max_by_key(|z| per_zone(z))?;
        g.members
            .iter()
            .filter(|m| &m.zone == zone && is_active(m))
            .min_by_key(|m| self.instance(&m.instance_id).map(|i| i.launched_at))
            .map(|m| m.instance_id.clone())
    }

    /// SetDesiredCapacity, refused outside min..max with Auto Scaling's own message.
    pub fn set_desired_capacity(
        &mut self,
        group: &str,
        desired: u32,
    ) -> Result<Receipt, CloudError> {
        let now = self.now;
        let Some(g) = self.groups.iter_mut().find(|g| g.name == group) else {
            return Err(CloudError::new(
                CloudErrorKind::NotFound,
                "ValidationError",
                format!("AutoScalingGroup name not found - no such group: {group}"),
            ));
        };
        let bound = if desired > g.max {
            Some(("above max", g.max))
        } else if desired < g.min {
            Some(("below min", g.min))
        } else {
            None
        };
        if let Some((side, value)) = bound {
            return Err(CloudError::new(
                CloudErrorKind::Invalid,
                "ValidationError",
                format!(
                    "New SetDesiredCapacity value {desired} is {side} value {value} for the \
                     AutoScalingGroup."
                ),
            ));
        }
        if desired != g.desired {
            g.change_cause = Some(format!(
                "At {} a user request explicitly set group desired capacity changing the desired \
                 capacity from {} to {desired}.",
                stamp(now),
                g.desired
            ));
            g.desired = desired;
        }
        Ok(Receipt {
            resource_id: Some(group.to_string()),
            request_id: Some(self.request_id()),
            sent_at: None,
        })
    }

    /// A simple scaling policy fired: desired capacity moves by `adjustment`, out or in,
    /// stays within min..max, and the alarm is the cause of the launches or terminations.
    pub(super) fn policy_scale(&mut self, gi: usize, alarm: &str, adjustment: u32, out: bool) {
        let now = self.now;
        let g = &mut self.groups[gi];
        let target = if out {
            (g.desired + adjustment).min(g.max)
        } else {
            g.desired.saturating_sub(adjustment).max(g.min)
        };
        if target == g.desired {
            return;
        }
        let policy = if out { "scale-out" } else { "scale-in" };
        g.change_cause = Some(format!(
            "At {} a monitor alarm {alarm} in state ALARM triggered policy {}-{policy} changing \
             the desired capacity from {} to {target}.",
            stamp(now),
            g.name,
            g.desired
        ));
        g.desired = target;
        g.last_scaled_at = Some(now);
    }

    /// DescribeAutoScalingGroups with each group's recent DescribeScalingActivities.
    pub(super) fn describe_groups(&self) -> Vec<AutoScalingGroup> {
        self.groups
            .iter()
            .map(|g| AutoScalingGroup {
                name: g.name.clone(),
                min: g.min,
                desired: g.desired,
                max: g.max,
                zones: g.zones.clone(),
                target_group_arns: g
                    .target_groups
                    .iter()
                    .filter_map(|n| {
                        self.target_groups
                            .iter()
                            .find(|t| &t.model.name == n)
                            .map(|t| t.model.arn.clone())
                    })
                    .collect(),
                health_check_type: g.health_check_type.clone(),
                health_check_grace_seconds: g.grace.num_seconds() as u32,
                instances: g
                    .members
                    .iter()
                    .map(|m| GroupInstance {
                        instance_id: m.instance_id.clone(),
                        zone: m.zone.clone(),
                        lifecycle: m.lifecycle.clone(),
                        healthy: m.healthy,
                    })
                    .collect(),
                activities: g.activities.clone(),
            })
            .collect()
    }

    /// How long ago the group last scaled, for cooldowns.
    pub(super) fn since_scaled(&self, gi: usize) -> Option<Duration> {
        self.groups[gi].last_scaled_at.map(|t| self.now - t)
    }
}
