//! Questions asked of a whole snapshot: labels, target health per instance, standbys.

use super::{Instance, InstanceState, Snapshot, TargetHealthState, FLOATING_IP_TAG, ROLE_TAG};

impl Instance {
    /// `name (id)`, or the id when it has no Name tag.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => format!("{n} ({})", self.id),
            None => self.id.clone(),
        }
    }

    /// The `patrol:role` tag.
    pub fn role(&self) -> Option<&str> {
        self.tags.get(ROLE_TAG).map(String::as_str)
    }

    /// Whether it is tagged `patrol:floating-ip=standby`.
    pub fn is_tagged_standby(&self) -> bool {
        self.tags.get(FLOATING_IP_TAG).map(String::as_str) == Some("standby")
    }
}

impl Snapshot {
    /// The instance with this id.
    pub fn instance(&self, id: &str) -> Option<&Instance> {
        self.instances.iter().find(|i| i.id == id)
    }

    /// The instance's label, or the bare id when it is not in the snapshot.
    pub fn instance_label(&self, id: &str) -> String {
        self.instance(id)
            .map(Instance::label)
            .unwrap_or_else(|| id.to_string())
    }

    /// The target health of an instance in every group it is registered in: (group, state).
    pub fn target_states(&self, id: &str) -> Vec<(&str, TargetHealthState)> {
        self.target_groups
            .iter()
            .flat_map(|g| {
                g.targets
                    .iter()
                    .filter(move |t| t.target_id == id)
                    .map(move |t| (g.name.as_str(), t.state))
            })
            .collect()
    }

    /// Where an Elastic IP could go, best first: the instances tagged as the standby, then
    /// the other running instances of the same VPC (and role, when the holder has one) that
    /// are healthy wherever they are targets.
    pub fn standby_candidates(&self, allocation_id: &str) -> Vec<String> {
        let Some(address) = self
            .elastic_ips
            .iter()
            .find(|a| a.allocation_id == allocation_id)
        else {
            return Vec::new();
        };
        let holder = address
            .instance_id
            .as_deref()
            .and_then(|id| self.instance(id));
        // Per instance: is it a target anywhere, and healthy in every group? One pass.
        let mut health: std::collections::HashMap<&str, bool> = std::collections::HashMap::new();
        for t in self.target_groups.iter().flat_map(|g| g.targets.iter()) {
            let healthy = health.entry(t.target_id.as_str()).or_insert(true);
            *healthy &= t.state == TargetHealthState::Healthy;
        }
        let usable = |i: &&Instance| {
            Some(i.id.as_str()) != address.instance_id.as_deref()
                && i.state == InstanceState::Running
                && holder.is_none_or(|h| h.vpc_id == i.vpc_id)
        };
        let tagged = self
            .instances
            .iter()
            .filter(usable)
            .filter(|i| i.is_tagged_standby());
        let peers = self
            .instances
            .iter()
            .filter(usable)
            .filter(|i| !i.is_tagged_standby())
            .filter(|i| holder.is_none_or(|h| h.role().is_none() || h.role() == i.role()))
            .filter(|i| health.get(i.id.as_str()).copied().unwrap_or(false));
        tagged.chain(peers).map(|i| i.id.clone()).collect()
    }
}
