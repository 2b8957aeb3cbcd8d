//! Questions asked of a whole snapshot: labels, target health per instance, standbys.

use super::{
    Instance, InstanceState, MetricSeries, Snapshot, TargetGroup, TargetHealth, TargetHealthState,
    FLOATING_IP_TAG, ROLE_TAG,
};
use std::collections::HashMap;

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

/// Whether a target serves traffic: its load balancer says healthy, and patrol does not know
/// its instance to be anything but running (a terminated instance's target is never counted
/// healthy, whatever the load balancer's last word). IP targets have no instance.
pub fn serves(index: &HashMap<&str, &Instance>, t: &TargetHealth) -> bool {
    serves_on(t, index.get(t.target_id.as_str()).copied())
}

/// `serves`, given the target's instance (None: not an instance, or not in the snapshot).
pub fn serves_on(t: &TargetHealth, instance: Option<&Instance>) -> bool {
    t.state == TargetHealthState::Healthy
        && instance.is_none_or(|i| i.state == InstanceState::Running)
}

impl Snapshot {
    /// How many of a group's targets serve traffic (see `serves`).
    pub fn healthy_targets(&self, g: &TargetGroup) -> usize {
        let index = self.instance_index();
        g.targets.iter().filter(|t| serves(&index, t)).count()
    }

    /// A group's CPUUtilization series, if it was read.
    pub fn cpu_series(&self, group: &str) -> Option<&MetricSeries> {
        self.metrics.iter().find(|m| m.auto_scaling_group == group)
    }

    /// A group's latest CPU, in percent.
    pub fn group_cpu(&self, group: &str) -> Option<f64> {
        self.cpu_series(group).and_then(MetricSeries::latest)
    }

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

    /// A standby finder for this snapshot: instances and target health are indexed once,
    /// then each address is asked about cheaply.
    pub fn standbys(&self) -> Standbys<'_> {
        let mut states: HashMap<&str, Vec<(&str, TargetHealthState)>> = HashMap::new();
        let index = self.instance_index();
        for g in self.target_groups.iter() {
            for t in &g.targets {
                // A healthy target whose instance is not running does not serve.
                let state = match t.state {
                    TargetHealthState::Healthy if !serves(&index, t) => {
                        TargetHealthState::Unavailable
                    }
                    s => s,
                };
                states
                    .entry(t.target_id.as_str())
                    .or_default()
                    .push((g.name.as_str(), state));
            }
        }
        Standbys {
            snapshot: self,
            index,
            tagged: self
                .instances
                .iter()
                .filter(|i| i.is_tagged_standby())
                .collect(),
            states,
        }
    }
}

/// Finds standbys for Elastic IPs in one snapshot.
pub struct Standbys<'a> {
    snapshot: &'a Snapshot,
    index: HashMap<&'a str, &'a Instance>,
    tagged: Vec<&'a Instance>,
    states: HashMap<&'a str, Vec<(&'a str, TargetHealthState)>>,
}

impl<'a> Standbys<'a> {
    /// The instance with this id.
    pub fn instance(&self, id: &str) -> Option<&'a Instance> {
        self.index.get(id).copied()
    }

    /// The target health of an instance in every group it is registered in.
    pub fn target_states(&self, id: &str) -> &[(&'a str, TargetHealthState)] {
        self.states.get(id).map_or(&[], Vec::as_slice)
    }

    /// A target of at least one group, and healthy in every group it is in.
    fn healthy_target(&self, id: &str) -> bool {
        let states = self.target_states(id);
        !states.is_empty() && states.iter().all(|(_, s)| *s == TargetHealthState::Healthy)
    }

    /// Where the address could go, best first: the instances tagged as the standby, then
    /// the other running instances of the same VPC (and role, when the holder has one)
    /// that are healthy wherever they are targets.
    pub fn for_address(&self, allocation_id: &str) -> impl Iterator<Item = &'a Instance> + '_ {
        let s = self.snapshot;
        let address = s
            .elastic_ips
            .iter()
            .find(|a| a.allocation_id == allocation_id);
        let bound = address.and_then(|a| a.instance_id.as_deref());
        let holder = bound.and_then(|id| self.instance(id));
        let usable = move |i: &&'a Instance| {
            address.is_some()
                && Some(i.id.as_str()) != bound
                && i.state == InstanceState::Running
                && holder.is_none_or(|h| h.vpc_id == i.vpc_id)
        };
        let tagged = self.tagged.iter().copied().filter(usable);
        let peers = s
            .instances
            .iter()
            .filter(usable)
            .filter(|i| !i.is_tagged_standby())
            .filter(move |i| holder.is_none_or(|h| h.role().is_none() || h.role() == i.role()))
            .filter(|i| self.healthy_target(&i.id));
        tagged.chain(peers)
    }
}
