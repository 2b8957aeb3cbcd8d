//! Faults and the scenario timeline: what tests and scenarios can break, and when.

use super::scenario::{EventDef, EventKind};
use super::world::World;
use crate::cloud::{CloudError, CloudErrorKind, Source};
use chrono::Duration;

/// A fault injected into the simulated world, by a scenario event or a test.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// The application on this instance stops answering.
    Crash {
        instance_id: String,
    },
    /// A crashed instance answers again.
    Recover {
        instance_id: String,
    },
    /// A whole Availability Zone becomes unreachable.
    ZoneOutage {
        zone: String,
    },
    ZoneRestore {
        zone: String,
    },
    DependencyDown {
        name: String,
    },
    DependencyUp {
        name: String,
    },
    /// Reads of a source fail with this error for this long.
    ApiErrors {
        source: Source,
        error: CloudError,
        duration: Duration,
    },
}

/// Names of the errors a scenario can inject, as written in scenario files.
pub const ERROR_NAMES: [&str; 5] = [
    "throttled",
    "auth_expired",
    "access_denied",
    "network",
    "other",
];

/// The error a scenario names, with the code and message AWS would send.
pub fn error_of(name: &str) -> Option<CloudError> {
    let (kind, code, message) = match name {
        "throttled" => (CloudErrorKind::Throttled, "Throttling", "Rate exceeded"),
        "auth_expired" => (
            CloudErrorKind::AuthExpired,
            "ExpiredToken",
            "The security token included in the request is expired",
        ),
        "access_denied" => (
            CloudErrorKind::AccessDenied,
            "AccessDenied",
            "User is not authorized to perform this operation",
        ),
        "network" => (
            CloudErrorKind::Network,
            "DispatchFailure",
            "error trying to connect: connection refused",
        ),
        "other" => (
            CloudErrorKind::Other,
            "InternalError",
            "An internal error has occurred",
        ),
        _ => return None,
    };
    Some(CloudError::new(kind, code, message))
}

impl World {
    /// Applies a fault now.
    pub fn inject(&mut self, fault: Fault) {
        match fault {
            Fault::Crash { instance_id } => {
                if let Some(i) = self.instance_mut(&instance_id) {
                    i.crashed = true;
                }
            }
            Fault::Recover { instance_id } => {
                if let Some(i) = self.instance_mut(&instance_id) {
                    i.crashed = false;
                }
            }
            Fault::ZoneOutage { zone } => {
                self.zones_down.insert(zone);
            }
            Fault::ZoneRestore { zone } => {
                self.zones_down.remove(&zone);
            }
            Fault::DependencyDown { name } => {
                self.dependencies.insert(name, false);
            }
            Fault::DependencyUp { name } => {
                self.dependencies.insert(name, true);
            }
            Fault::ApiErrors {
                source,
                error,
                duration,
            } => {
                let until = self.now + duration;
                self.api_errors.push((source, error, until));
            }
        }
    }

    /// Fires the timeline events whose time has come. An `await_swap` holds the timeline
    /// until the operator has moved the address; later events keep their spacing from it.
    pub(super) fn fire_due_events(&mut self) {
        while let Some(event) = self.events.get(self.next_event) {
            let at = Duration::seconds(event.at.secs());
            if self.elapsed() < at + self.timeline_delay {
                break;
            }
            let event = event.clone();
            if let Some(say) = &event.say {
                self.narration = Some(say.clone());
            }
            if event.kind.waits_for_operator() {
                if !self.operator_done(&event) {
                    break;
                }
                self.timeline_delay = self.elapsed() - at;
            }
            self.next_event += 1;
            if let Some(fault) = self.fault_of(&event) {
                self.inject(fault);
            }
            self.act(&event);
        }
    }

    /// Whether the timeline is holding for the operator.
    pub fn awaiting_operator(&self) -> bool {
        self.events.get(self.next_event).is_some_and(|e| {
            e.kind.waits_for_operator()
                && !self.operator_done(e)
                && self.elapsed() >= Duration::seconds(e.at.secs()) + self.timeline_delay
        })
    }

    /// The scenario time of the next event, if any is left.
    pub fn next_event_in(&self) -> Option<Duration> {
        let e = self.events.get(self.next_event)?;
        Some(
            (Duration::seconds(e.at.secs()) + self.timeline_delay - self.elapsed())
                .max(Duration::zero()),
        )
    }

    /// Whether the operator has done what a waiting event waits for.
    fn operator_done(&self, e: &EventDef) -> bool {
        match e.kind {
            EventKind::AwaitSwap => self.address_moved(e),
            EventKind::AwaitOut => self.out_in(e).is_some(),
            EventKind::AwaitBack => self.back_in(e),
            _ => true,
        }
    }

    /// The members of the event's group in its zone.
    fn members_in<'a>(
        &'a self,
        e: &'a EventDef,
    ) -> impl Iterator<Item = &'a super::world::Member> + 'a {
        self.groups
            .iter()
            .filter(move |g| Some(&g.name) == e.group.as_ref())
            .flat_map(|g| g.members.iter())
            .filter(move |m| Some(&m.zone) == e.zone.as_ref())
    }

    /// The instance of the event's group and zone that is in Standby.
    fn out_in(&self, e: &EventDef) -> Option<String> {
        self.members_in(e)
            .find(|m| m.lifecycle == crate::model::LifecycleState::Standby)
            .map(|m| m.instance_id.clone())
    }

    /// Every member of the event's group and zone is InService and healthy in each of the
    /// group's target groups.
    fn back_in(&self, e: &EventDef) -> bool {
        let tgs: Vec<&String> = self
            .groups
            .iter()
            .filter(|g| Some(&g.name) == e.group.as_ref())
            .flat_map(|g| g.target_groups.iter())
            .collect();
        self.members_in(e).all(|m| {
            m.lifecycle == crate::model::LifecycleState::InService
                && self
                    .target_groups
                    .iter()
                    .filter(|t| tgs.contains(&&t.model.name))
                    .all(|t| {
                        t.targets.iter().any(|x| {
                            x.instance_id == m.instance_id
                                && x.state == crate::model::TargetHealthState::Healthy
                        })
                    })
        })
    }

    /// Patches the instance that is out in the event's group and zone: the application
    /// restarts, and the instance is tagged with the patch level.
    fn patch(&mut self, e: &EventDef) {
        let Some(id) = self.out_in(e) else {
            tracing::warn!("scenario patch: no instance out for maintenance there");
            return;
        };
        let back = self.now + Duration::seconds(self.timing.boot.secs());
        if let Some(i) = self.instance_mut(&id) {
            i.ready_at = back;
            if let Some(v) = &e.version {
                i.tags.insert("patrol:patch-level".into(), v.clone());
            }
        }
    }

    fn address_moved(&self, e: &EventDef) -> bool {
        let to = e.name.as_deref().and_then(|n| self.live_instance_named(n));
        self.addresses.iter().any(|a| {
            Some(&a.public_ip) == e.address.as_ref()
                && a.instance_id.is_some()
                && a.instance_id == to
        })
    }

    fn live_instance_named(&self, name: &str) -> Option<String> {
        self.instances
            .iter()
            .find(|i| i.name.as_deref() == Some(name) && i.terminated_at.is_none())
            .map(|i| i.id.clone())
    }

    /// Events that act as a user or the service would (not faults).
    fn act(&mut self, e: &EventDef) {
        let result = match e.kind {
            EventKind::Traffic => {
                self.change_traffic(e);
                Ok(())
            }
            EventKind::Clone => {
                let Some(instance_id) = e.name.as_deref().and_then(|n| self.live_instance_named(n))
                else {
                    return;
                };
                let request = crate::cloud::CreateImageRequest {
                    instance_id,
                    name: e.image.clone().unwrap_or_default(),
                    no_reboot: false,
                };
                self.create_image(&request).map(|_| ())
            }
            EventKind::SetDesired => match (&e.group, e.desired) {
                (Some(g), Some(d)) => self.set_desired_capacity(g, d).map(|_| ()),
                _ => Ok(()),
            },
            EventKind::Patch => {
                self.patch(e);
                Ok(())
            }
            EventKind::ContentUpdate => {
                let id = e.name.as_deref().and_then(|n| self.live_instance_named(n));
                if let (Some(i), Some(v)) = (id.and_then(|id| self.instance_mut(&id)), &e.version) {
                    i.tags
                        .insert(crate::model::CONTENT_VERSION_TAG.into(), v.clone());
                }
                Ok(())
            }
            _ => Ok(()),
        };
        if let Err(err) = result {
            tracing::warn!(event = ?e.kind, error = %err, "scenario event refused by the simulated cloud");
        }
    }

    fn fault_of(&self, e: &EventDef) -> Option<Fault> {
        let by_name = |n: &Option<String>| self.live_instance_named(n.as_deref()?);
        Some(match e.kind {
            EventKind::Crash => {
                let instance_id =
                    by_name(&e.name).or_else(|| self.oldest_in_service(e.group.as_deref()?))?;
                Fault::Crash { instance_id }
            }
            EventKind::Recover => Fault::Recover {
                instance_id: by_name(&e.name)?,
            },
            EventKind::ZoneOutage => Fault::ZoneOutage {
                zone: e.zone.clone()?,
            },
            EventKind::ZoneRestore => Fault::ZoneRestore {
                zone: e.zone.clone()?,
            },
            EventKind::DependencyDown => Fault::DependencyDown {
                name: e.dependency.clone()?,
            },
            EventKind::DependencyUp => Fault::DependencyUp {
                name: e.dependency.clone()?,
            },
            EventKind::ApiErrors => Fault::ApiErrors {
                source: Source::from_name(e.source.as_deref()?)?,
                error: error_of(e.error.as_deref()?)?,
                duration: Duration::seconds(e.duration?.secs()),
            },
            EventKind::Traffic
            | EventKind::Narrate
            | EventKind::Clone
            | EventKind::SetDesired
            | EventKind::ContentUpdate
            | EventKind::AwaitSwap
            | EventKind::AwaitOut
            | EventKind::AwaitBack
            | EventKind::Patch => return None,
        })
    }

    /// The in-service instance of a group that was launched first.
    pub fn oldest_in_service(&self, group: &str) -> Option<String> {
        let g = self.groups.iter().find(|g| g.name == group)?;
        g.members
            .iter()
            .filter(|m| m.lifecycle == crate::model::LifecycleState::InService)
            .filter_map(|m| self.instance(&m.instance_id))
            .min_by_key(|i| i.launched_at)
            .map(|i| i.id.clone())
    }

    fn change_traffic(&mut self, e: &EventDef) {
        let now = self.now;
        let ramp = Duration::seconds(e.ramp.map_or(0, |r| r.secs()));
        let Some(g) = self
            .groups
            .iter_mut()
            .find(|g| Some(&g.name) == e.group.as_ref())
        else {
            return;
        };
        if let (Some(t), Some(factor)) = (g.traffic.as_mut(), e.factor) {
            let span = (t.ramp_end - t.ramp_start).num_seconds().max(1) as f64;
            let progress = ((now - t.ramp_start).num_seconds() as f64 / span).clamp(0.0, 1.0);
            t.factor_from += (t.factor_to - t.factor_from) * progress;
            t.factor_to = factor;
            t.ramp_start = now;
            t.ramp_end = now + ramp;
        }
    }

    /// The latest narration line of the playing scenario.
    pub fn narration(&self) -> Option<&str> {
        self.narration.as_deref()
    }
}
