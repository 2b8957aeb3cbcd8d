//! Simulated ELB: target registration, health checks with interval and thresholds, draining.

use super::world::{SimTarget, World};
use crate::model::{InstanceState, LoadBalancer, TargetGroup, TargetHealth, TargetHealthState};
use chrono::Duration;

/// Why one health check failed: ELB's reason code and description.
type Failure = (&'static str, &'static str);

const TIMEOUT: Failure = ("Target.Timeout", "Request timed out");
const CODE_503: Failure = (
    "Target.ResponseCodeMismatch",
    "Health checks failed with these codes: [503]",
);

impl World {
    /// Registers an instance with a target group (by name) on the group's port. `healthy`
    /// skips the initial checks (scenario set-up only); otherwise the target starts
    /// `initial`, as RegisterTargets does.
    pub(super) fn register_target(&mut self, tg_name: &str, instance_id: &str, healthy: bool) {
        if let Some(ti) = self
            .target_groups
            .iter()
            .position(|t| t.model.name == tg_name)
        {
            let port = self.target_groups[ti].model.port;
            self.register_on(ti, instance_id, port, healthy);
        }
    }

    /// Registers an instance on one port of the target group at index `ti`. Already
    /// registered there: nothing changes. Draining there: registered anew.
    pub(super) fn register_on(&mut self, ti: usize, instance_id: &str, port: u16, healthy: bool) {
        let now = self.now;
        let jitter = self.rng.below(10) as i64;
        let tg = &mut self.target_groups[ti];
        let same = |t: &SimTarget| t.instance_id == instance_id && t.port == port;
        if tg
            .targets
            .iter()
            .any(|t| same(t) && t.state != TargetHealthState::Draining)
        {
            return;
        }
        tg.targets.retain(|t| !same(t));
        self.shape += 1;
        let tg = &mut self.target_groups[ti];
        let interval = tg.model.health_check.interval_seconds as i64;
        let (state, reason, description) = if healthy {
            (TargetHealthState::Healthy, None, None)
        } else {
            (
                TargetHealthState::Initial,
                Some("Elb.RegistrationInProgress"),
                Some("Target registration is in progress"),
            )
        };
        tg.targets.push(SimTarget {
            instance_id: instance_id.to_string(),
            port,
            state,
            reason,
            description,
            ok_streak: 0,
            fail_streak: 0,
            next_check: now + Duration::seconds(1 + jitter % interval.max(1)),
            drain_until: None,
        });
    }

    /// Starts draining the targets of the group at index `ti` that match: they leave after
    /// the group's deregistration delay.
    pub(super) fn drain(&mut self, ti: usize, matches: impl Fn(&SimTarget) -> bool) {
        let now = self.now;
        let tg = &mut self.target_groups[ti];
        let until = now + tg.deregistration_delay();
        for t in tg.targets.iter_mut() {
            if matches(t) && t.state != TargetHealthState::Draining {
                t.state = TargetHealthState::Draining;
                t.reason = Some("Target.DeregistrationInProgress");
                t.description = Some("Target deregistration is in progress");
                t.drain_until = Some(until);
            }
        }
    }

    /// Deregisters an instance from every target group: its targets drain for the group's
    /// deregistration delay, then disappear.
    pub(super) fn deregister_everywhere(&mut self, instance_id: &str) {
        for ti in 0..self.target_groups.len() {
            self.drain(ti, |t| t.instance_id == instance_id);
        }
    }

    /// Whether any target of this instance is still registered (draining included).
    pub(super) fn is_registered_anywhere(&self, instance_id: &str) -> bool {
        self.target_groups
            .iter()
            .any(|tg| tg.targets.iter().any(|t| t.instance_id == instance_id))
    }

    /// Runs every health check that is due this second and applies the thresholds.
    pub(super) fn run_health_checks(&mut self) {
        let now = self.now;
        let mut outcomes: Vec<(usize, usize, Result<(), Failure>)> = Vec::new();
        for (gi, tg) in self.target_groups.iter().enumerate() {
            // A shallow check (`/`, a static file) is answered by the web server alone: it
            // never sees the dependencies behind the application.
            let shallow =
                crate::model::looks_shallow(tg.model.health_check.path.as_deref().unwrap_or("/"));
            let deps_down = !shallow
                && (tg.depends_on.iter())
                    .any(|d| !self.dependencies.get(d).copied().unwrap_or(true));
            for (ti, t) in tg.targets.iter().enumerate() {
                if t.state == TargetHealthState::Draining || now < t.next_check {
                    continue;
                }
                let outcome = match self.instance(&t.instance_id) {
                    Some(i) if self.is_serving(i) && !deps_down => Ok(()),
                    Some(i) if self.is_serving(i) => Err(CODE_503),
                    _ => Err(TIMEOUT),
                };
                outcomes.push((gi, ti, outcome));
            }
        }
        for (gi, ti, outcome) in outcomes {
            let tg = &mut self.target_groups[gi];
            let check = &tg.model.health_check;
            let (healthy_at, unhealthy_at) = (check.healthy_threshold, check.unhealthy_threshold);
            let interval = Duration::seconds(check.interval_seconds as i64);
            let t = &mut tg.targets[ti];
            t.next_check += interval;
            match outcome {
                Ok(()) => {
                    t.ok_streak += 1;
                    t.fail_streak = 0;
                    if t.state != TargetHealthState::Healthy && t.ok_streak >= healthy_at {
                        t.state = TargetHealthState::Healthy;
                        t.reason = None;
                        t.description = None;
                    } else if t.state == TargetHealthState::Initial {
                        t.reason = Some("Elb.InitialHealthChecking");
                        t.description = Some("Initial health checks in progress");
                    }
                }
                Err((reason, description)) => {
                    t.fail_streak += 1;
                    t.ok_streak = 0;
                    if t.state == TargetHealthState::Unhealthy {
                        t.reason = Some(reason);
                        t.description = Some(description);
                    } else if t.fail_streak >= unhealthy_at {
                        t.state = TargetHealthState::Unhealthy;
                        t.reason = Some(reason);
                        t.description = Some(description);
                    } else if t.state == TargetHealthState::Initial {
                        t.reason = Some("Elb.InitialHealthChecking");
                        t.description = Some("Initial health checks in progress");
                    }
                }
            }
        }
        for tg in self.target_groups.iter_mut() {
            let before = tg.targets.len();
            tg.targets.retain(|t| t.drain_until.is_none_or(|d| now < d));
            if tg.targets.len() != before {
                self.shape += 1;
            }
        }
    }

    /// DescribeLoadBalancers.
    pub(super) fn describe_load_balancers(&self) -> Vec<LoadBalancer> {
        self.load_balancers.clone()
    }

    /// DescribeTargetGroups with DescribeTargetHealth for each.
    pub(super) fn describe_target_groups(&self) -> Vec<TargetGroup> {
        self.target_groups
            .iter()
            .map(|tg| {
                let mut model = tg.model.clone();
                model.targets = tg
                    .targets
                    .iter()
                    .map(|t| self.target_health(t, tg))
                    .collect();
                model
            })
            .collect()
    }

    /// A target's health as the API reports it: stopped instances, targets of a target group
    /// no load balancer forwards to, and targets in zones the load balancer does not serve are
    /// `unused`, whatever the checks said.
    fn target_health(&self, t: &SimTarget, tg: &super::world::SimTargetGroup) -> TargetHealth {
        let lb_zones = &tg.lb_zones;
        let instance = self.instance(&t.instance_id);
        let (state, reason, description) = match instance {
            Some(i)
                if t.state != TargetHealthState::Draining
                    && matches!(
                        i.state,
                        InstanceState::Stopped
                            | InstanceState::Stopping
                            | InstanceState::Terminated
                    ) =>
            {
                (
                    TargetHealthState::Unused,
                    Some("Target.InvalidState"),
                    Some("Target is in the stopped or terminated state"),
                )
            }
            Some(_)
                if t.state != TargetHealthState::Draining
                    && tg.model.load_balancer_arns.is_empty() =>
            {
                (
                    TargetHealthState::Unused,
                    Some("Target.NotInUse"),
                    Some(
                        "Target group is not configured to receive traffic from the load balancer",
                    ),
                )
            }
            Some(i) if !lb_zones.is_empty() && !lb_zones.contains(&i.zone) => (
                TargetHealthState::Unused,
                Some("Target.NotInUse"),
                Some("Target is in an Availability Zone that is not enabled for the load balancer"),
            ),
            _ => (t.state, t.reason, t.description),
        };
        TargetHealth {
            target_id: t.instance_id.clone(),
            port: t.port,
            state,
            reason: reason.map(str::to_string),
            description: description.map(str::to_string),
        }
    }
}
