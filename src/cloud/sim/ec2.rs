//! Simulated EC2: instance state machine, Elastic IP association and CreateImage, with EC2's errors.

use super::world::{SimImage, SimInstance, World};
use crate::cloud::{
    validate_image_name, CloudError, CloudErrorKind, CreateImageRequest, Receipt,
    SOURCE_INSTANCE_TAG,
};
use crate::model::{ElasticIp, Image, ImageState, Instance, InstanceState, Tags};
use chrono::{DateTime, Duration, Utc};

/// How long a terminated instance stays visible, as EC2 keeps them for about an hour.
const TERMINATED_VISIBLE_FOR: i64 = 3600;

impl World {
    /// Creates a pending instance and returns its id.
    pub(super) fn create_instance(
        &mut self,
        name: Option<String>,
        zone: &str,
        instance_type: &str,
        tags: Tags,
        group: Option<String>,
        launched_at: DateTime<Utc>,
    ) -> String {
        let id = format!("i-{}", self.rng.hex(17));
        let subnet_id = self
            .subnets
            .iter()
            .find(|(z, _)| z == zone)
            .map(|(_, s)| s.clone())
            .unwrap_or_default();
        let private_ip = self.next_private_ip(zone);
        self.hold_ip(&private_ip);
        let boot = Duration::seconds(self.timing.boot.secs());
        let warmup = Duration::seconds(self.timing.warmup.secs());
        self.by_id.insert(id.clone(), self.instances.len());
        self.shape += 1;
        self.instances.push(SimInstance {
            id: id.clone(),
            name,
            state: InstanceState::Pending,
            zone: zone.to_string(),
            subnet_id,
            private_ip,
            public_ip: None,
            instance_type: instance_type.to_string(),
            launched_at,
            tags,
            group,
            state_until: Some(launched_at + boot),
            ready_at: launched_at + boot + warmup,
            crashed: false,
            terminated_at: None,
            next_sync: None,
        });
        id
    }

    /// Puts an instance straight into a running, ready state (scenario set-up only).
    pub(super) fn settle_running(&mut self, id: &str) {
        if let Some(i) = self.instance_mut(id) {
            i.state = InstanceState::Running;
            i.state_until = None;
            i.ready_at = i.launched_at;
        }
    }

    /// How many instances the world has (terminated ones still visible included).
    pub fn instance_count(&self) -> usize {
        self.instances.len()
    }

    /// An instance's place in `instances`.
    pub(super) fn instance_at(&self, id: &str) -> Option<usize> {
        let at = *self.by_id.get(id)?;
        debug_assert_eq!(self.instances[at].id, id, "the id index is out of step");
        Some(at)
    }

    pub(super) fn instance(&self, id: &str) -> Option<&SimInstance> {
        self.instance_at(id).map(|at| &self.instances[at])
    }

    pub(super) fn instance_mut(&mut self, id: &str) -> Option<&mut SimInstance> {
        self.instance_at(id).map(|at| &mut self.instances[at])
    }

    /// Starts terminating an instance: shutting-down now, terminated after the set delay.
    /// Its Elastic IP, if any, is disassociated, as EC2 does.
    pub(super) fn terminate_instance(&mut self, id: &str) {
        let until = self.now + Duration::seconds(self.timing.terminate.secs());
        if let Some(i) = self.instance_mut(id) {
            if matches!(
                i.state,
                InstanceState::ShuttingDown | InstanceState::Terminated
            ) {
                return;
            }
            i.state = InstanceState::ShuttingDown;
            i.state_until = Some(until);
            i.public_ip = None;
        }
        for a in self.addresses.iter_mut() {
            if a.instance_id.as_deref() == Some(id) {
                a.instance_id = None;
                a.association_id = None;
                a.private_ip = None;
            }
        }
    }

    /// Advances time-driven EC2 states: pending → running, shutting-down → terminated,
    /// image pending → available; forgets instances terminated long ago.
    pub(super) fn ec2_transitions(&mut self) {
        let now = self.now;
        let mut released = Vec::new();
        for i in self.instances.iter_mut() {
            let Some(until) = i.state_until else { continue };
            if now < until {
                continue;
            }
            i.state_until = None;
            match i.state {
                InstanceState::Pending => i.state = InstanceState::Running,
                InstanceState::ShuttingDown => {
                    i.state = InstanceState::Terminated;
                    i.terminated_at = Some(now);
                    released.push(i.private_ip.clone());
                }
                _ => {}
            }
        }
        for ip in released {
            self.release_ip(&ip);
        }
        let before = self.instances.len();
        self.instances.retain(|i| {
            i.terminated_at
                .is_none_or(|t| now - t < Duration::seconds(TERMINATED_VISIBLE_FOR))
        });
        if self.instances.len() != before {
            self.shape += 1;
            self.by_id = (self.instances.iter().enumerate())
                .map(|(at, i)| (i.id.clone(), at))
                .collect();
        }
        for img in self.images.iter_mut() {
            if img.image.state == ImageState::Pending && now >= img.available_at {
                img.image.state = ImageState::Available;
            }
        }
    }

    /// Whether the instance's application answers at all right now.
    pub(super) fn is_serving(&self, i: &SimInstance) -> bool {
        i.state == InstanceState::Running
            && !i.crashed
            && self.now >= i.ready_at
            && !self.zones_down.contains(&i.zone)
    }

    /// DescribeInstances.
    pub(super) fn describe_instances(&self) -> Vec<Instance> {
        self.instances
            .iter()
            .map(|i| Instance {
                id: i.id.clone(),
                name: i.name.clone(),
                state: i.state,
                zone: i.zone.clone(),
                subnet_id: i.subnet_id.clone(),
                vpc_id: self.vpc_id.clone(),
                private_ip: Some(i.private_ip.clone()),
                public_ip: i.public_ip.clone(),
                instance_type: i.instance_type.clone(),
                launched_at: i.launched_at,
                tags: i.tags.clone(),
                auto_scaling_group: i.group.clone(),
            })
            .collect()
    }

    /// DescribeAddresses.
    pub(super) fn describe_addresses(&self) -> Vec<ElasticIp> {
        self.addresses.clone()
    }

    /// DescribeImages (owned by the account).
    pub(super) fn describe_images(&self) -> Vec<Image> {
        self.images.iter().map(|i| i.image.clone()).collect()
    }

    pub(super) fn instance_not_found(id: &str) -> CloudError {
        CloudError::new(
            CloudErrorKind::NotFound,
            "InvalidInstanceID.NotFound",
            format!("The instance ID '{id}' does not exist"),
        )
    }

    fn incorrect_state(i: &SimInstance) -> CloudError {
        CloudError::new(
            CloudErrorKind::Conflict,
            "IncorrectInstanceState",
            format!(
                "The instance '{}' is not in a valid state for this operation ({}).",
                i.id,
                i.state.as_str()
            ),
        )
    }

    /// What AssociateAddress checks before it changes anything (its DryRun answers this):
    /// the allocation exists, and the instance exists and is running. Gives the address's
    /// index.
    pub fn check_associate(
        &self,
        allocation_id: &str,
        instance_id: &str,
    ) -> Result<usize, CloudError> {
        let Some(ai) = self
            .addresses
            .iter()
            .position(|a| a.allocation_id == allocation_id)
        else {
            return Err(CloudError::new(
                CloudErrorKind::NotFound,
                "InvalidAllocationID.NotFound",
                format!("The allocation ID '{allocation_id}' does not exist"),
            ));
        };
        let instance = self
            .instance(instance_id)
            .ok_or_else(|| Self::instance_not_found(instance_id))?;
        if instance.state != InstanceState::Running {
            return Err(Self::incorrect_state(instance));
        }
        Ok(ai)
    }

    /// AssociateAddress with AllowReassociation: binds the address to the instance, moving it
    /// from any instance it was bound to, in one call.
    pub fn associate_address(
        &mut self,
        allocation_id: &str,
        instance_id: &str,
    ) -> Result<Receipt, CloudError> {
        let ai = self.check_associate(allocation_id, instance_id)?;
        let Some(instance) = self.instance(instance_id) else {
            return Err(Self::instance_not_found(instance_id));
        };
        let private_ip = instance.private_ip.clone();
        let public_ip = self.addresses[ai].public_ip.clone();
        // EC2: "If you associate an Elastic IP address with an instance that has an existing
        // Elastic IP address, the existing address is disassociated from the instance" (it
        // stays allocated). Without a private IP the call uses the primary one, which is
        // the only one a simulated instance has.
        for (n, other) in self.addresses.iter_mut().enumerate() {
            if n != ai && other.instance_id.as_deref() == Some(instance_id) {
                other.instance_id = None;
                other.association_id = None;
                other.private_ip = None;
            }
        }
        if let Some(old) = self.addresses[ai].instance_id.clone() {
            if let Some(o) = self.instance_mut(&old) {
                o.public_ip = None;
            }
        }
        if let Some(i) = self.instance_mut(instance_id) {
            i.public_ip = Some(public_ip);
        }
        let association_id = format!("eipassoc-{}", self.rng.hex(17));
        let address = &mut self.addresses[ai];
        address.association_id = Some(association_id.clone());
        address.instance_id = Some(instance_id.to_string());
        address.private_ip = Some(private_ip);
        Ok(Receipt {
            resource_id: Some(association_id),
            request_id: Some(self.request_id()),
            sent_at: None,
        })
    }

    /// What CreateImage checks before it changes anything (its DryRun answers this): a
    /// valid name not in use, and an instance that is running or stopped.
    pub fn check_create_image(&self, request: &CreateImageRequest) -> Result<(), CloudError> {
        validate_image_name(&request.name)?;
        let instance = self
            .instance(&request.instance_id)
            .ok_or_else(|| Self::instance_not_found(&request.instance_id))?;
        if !matches!(
            instance.state,
            InstanceState::Running | InstanceState::Stopped
        ) {
            return Err(Self::incorrect_state(instance));
        }
        if let Some(existing) = self
            .images
            .iter()
            .find(|i| i.image.name == request.name && i.image.state != ImageState::Deregistered)
        {
            return Err(CloudError::new(
                CloudErrorKind::Conflict,
                "InvalidAMIName.Duplicate",
                format!(
                    "AMI name {} is already in use by AMI {}",
                    request.name, existing.image.id
                ),
            ));
        }
        Ok(())
    }

    /// CreateImage: a pending AMI that becomes available after the scenario's image time.
    /// Without NoReboot the instance reboots, and its application is down for a while.
    pub fn create_image(&mut self, request: &CreateImageRequest) -> Result<Receipt, CloudError> {
        self.check_create_image(request)?;
        let id = format!("ami-{}", self.rng.hex(17));
        let mut tags = Tags::new();
        tags.insert(SOURCE_INSTANCE_TAG.into(), request.instance_id.clone());
        let available_at = self.now + Duration::seconds(self.timing.image.secs());
        self.images.push(SimImage {
            image: Image {
                id: id.clone(),
                name: request.name.clone(),
                state: ImageState::Pending,
                created_at: self.now,
                source_instance_id: Some(request.instance_id.clone()),
                tags,
            },
            available_at,
        });
        if !request.no_reboot {
            let back = self.now + Duration::seconds(self.timing.reboot.secs());
            if let Some(i) = self.instance_mut(&request.instance_id) {
                if i.state == InstanceState::Running {
                    i.ready_at = i.ready_at.max(back);
                }
            }
        }
        Ok(Receipt {
            resource_id: Some(id),
            request_id: Some(self.request_id()),
            sent_at: None,
        })
    }
}
