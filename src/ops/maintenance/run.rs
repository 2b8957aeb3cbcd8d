//! Maintenance against the cloud: is the plan still current, the calls, and the read that
//! says they have taken effect.

use super::{Direction, Maintenance};
use crate::cloud::{Cloud, CloudError, Receipt};
use crate::model::{LifecycleState, TargetHealthState, MAINTENANCE_TAG};
use crate::ops::OpError;

/// A failed step after others were made: the error says what was already done.
fn partly(mut e: CloudError, done: &[String], then: &str) -> CloudError {
    if !done.is_empty() {
        e.message = format!("{} (already done: {}; {then})", e.message, done.join(", "));
    }
    e
}

impl Maintenance {
    /// Re-reads the instance, its group and the addresses: a difference refuses the plan.
    pub(super) async fn current(&self, cloud: &dyn Cloud) -> Result<(), OpError> {
        let seen = self.seen()?;
        let id = &self.instance;
        let i = cloud
            .instance(id)
            .await
            .map_err(OpError::Cloud)?
            .ok_or_else(|| OpError::Stale(format!("{id} no longer exists")))?;
        let tag = i.tags.get(MAINTENANCE_TAG);
        match self.direction {
            Direction::Start if tag.is_some() => {
                return Err(OpError::Stale(format!(
                    "{id} was taken out meanwhile ({MAINTENANCE_TAG} is set)"
                )))
            }
            Direction::End if tag != seen.tag.as_ref() => {
                return Err(OpError::Stale(format!(
                    "{id}'s {MAINTENANCE_TAG} tag changed since the plan"
                )))
            }
            _ => {}
        }
        if let Some(g) = &seen.group {
            let (name, desired, lifecycle) = (&g.name, &g.desired, &g.lifecycle);
            let g = cloud
                .auto_scaling_group(name)
                .await
                .map_err(OpError::Cloud)?
                .ok_or_else(|| OpError::Stale(format!("{name} no longer exists")))?;
            let now = g
                .instances
                .iter()
                .find(|x| &x.instance_id == id)
                .map_or("gone", |x| x.lifecycle.as_str());
            if now != lifecycle || g.desired != *desired {
                return Err(OpError::Stale(format!(
                    "in {name} it is now {now} with desired {}; the plan saw {lifecycle} with \
                     desired {desired}",
                    g.desired
                )));
            }
        }
        if self.direction == Direction::Start {
            let held = cloud.elastic_ips().await.map_err(OpError::Cloud)?;
            if let Some(a) = held.iter().find(|a| a.instance_id.as_deref() == Some(id)) {
                return Err(OpError::Stale(format!(
                    "{id} now holds {}: swap it first",
                    a.public_ip
                )));
            }
        }
        Ok(())
    }

    /// The calls, in order: the tag first (the memory exists before anything changes), then
    /// EnterStandby and DeregisterTargets; on the way back ExitStandby, RegisterTargets, and
    /// the tag last (it stays until everything is back).
    pub(super) async fn make(&self, cloud: &dyn Cloud) -> Result<Receipt, CloudError> {
        let seen = self.seen.as_ref().ok_or_else(|| {
            CloudError::new(
                crate::cloud::CloudErrorKind::Invalid,
                "NotPlanned",
                "the maintenance was not planned",
            )
        })?;
        let id = &self.instance;
        let sent_at = Some(std::time::Instant::now());
        let mut done: Vec<String> = Vec::new();
        let mut main: Option<Receipt> = None;
        match self.direction {
            Direction::Start => {
                let tag = self.note(cloud.clock()).to_tag();
                main = Some(cloud.tag_instance(id, MAINTENANCE_TAG, &tag).await?);
                if let Some(group) = seen.group.as_ref().map(|g| &g.name) {
                    let entered = cloud.enter_standby(group, id, self.decrement).await;
                    if let Err(mut e) = entered {
                        // Nothing else was changed: take the memory back too.
                        e.message.push_str(
                            match cloud.untag_instance(id, MAINTENANCE_TAG).await {
                                Ok(_) => " (the patrol:maintenance tag was removed again: nothing changed)",
                                Err(_) => " (the patrol:maintenance tag could not be removed: delete it by hand)",
                            },
                        );
                        return Err(e);
                    }
                    done.push(format!("EnterStandby {group}"));
                    main = entered.ok();
                }
                for l in seen.legs.iter().filter(|l| !l.by_group) {
                    match cloud.deregister_target(&l.arn, id, l.port).await {
                        Ok(r) => {
                            done.push(format!("DeregisterTargets {}", l.label()));
                            main.get_or_insert(r);
                        }
                        Err(e) => {
                            return Err(partly(
                                e,
                                &done,
                                "the tag stays: m brings it back into what it left",
                            ))
                        }
                    }
                }
            }
            Direction::End => {
                if let (Some(group), true) =
                    (seen.group.as_ref().map(|g| &g.name), seen.standby_call)
                {
                    main = Some(cloud.exit_standby(group, id).await?);
                    done.push(format!("ExitStandby {group}"));
                }
                for l in seen.legs.iter().filter(|l| !l.by_group) {
                    match cloud.register_target(&l.arn, id, l.port).await {
                        Ok(r) => {
                            done.push(format!("RegisterTargets {}", l.label()));
                            main.get_or_insert(r);
                        }
                        Err(e) => {
                            return Err(partly(
                                e,
                                &done,
                                "the tag stays: m again finishes the way back",
                            ))
                        }
                    }
                }
                if seen.tag.is_some() {
                    let r = cloud
                        .untag_instance(id, MAINTENANCE_TAG)
                        .await
                        .map_err(|e| partly(e, &done, "it is back; delete the tag by hand"))?;
                    main.get_or_insert(r);
                }
            }
        }
        let mut receipt = main.unwrap_or(Receipt {
            resource_id: None,
            request_id: None,
            sent_at: None,
        });
        receipt.resource_id = Some(id.clone());
        receipt.sent_at = sent_at;
        Ok(receipt)
    }

    /// One fresh read: gone from every target group it left and Standby, or InService and
    /// healthy in every one it returned to.
    pub(super) async fn done(&self, cloud: &dyn Cloud) -> Result<bool, CloudError> {
        let Some(seen) = &self.seen else {
            return Ok(false);
        };
        let id = &self.instance;
        let want = match self.direction {
            Direction::Start => LifecycleState::Standby,
            Direction::End => LifecycleState::InService,
        };
        if let Some(name) = seen.group.as_ref().map(|g| &g.name) {
            let in_state = cloud.auto_scaling_group(name).await?.is_some_and(|g| {
                g.instances
                    .iter()
                    .any(|x| &x.instance_id == id && x.lifecycle == want)
            });
            if !in_state {
                return Ok(false);
            }
        }
        for l in &seen.legs {
            let tg = cloud.target_group(&l.arn).await?;
            let target = tg.as_ref().and_then(|tg| {
                tg.targets
                    .iter()
                    .find(|t| &t.target_id == id && t.port == l.port)
            });
            let done = match self.direction {
                Direction::Start => target.is_none(),
                // A target group that is gone cannot be returned to (the plan said so).
                Direction::End => {
                    tg.is_none() || target.is_some_and(|t| t.state == TargetHealthState::Healthy)
                }
            };
            if !done {
                return Ok(false);
            }
        }
        Ok(true)
    }
}
