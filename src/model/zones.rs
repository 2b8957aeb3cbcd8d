//! Per-Availability-Zone distribution, derived from a snapshot (never fetched).

use super::{serves, InstanceState, LifecycleState, Snapshot, TargetHealthState};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What one Availability Zone holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ZoneSummary {
    pub zone: String,
    pub instances_running: usize,
    pub instances_pending: usize,
    /// Instances out for maintenance (`patrol:maintenance`, or Standby in their group).
    pub instances_out: usize,
    pub targets_healthy: usize,
    pub targets_unhealthy: usize,
    /// Targets in any other state (initial, draining, unused, unavailable).
    pub targets_other: usize,
    /// Healthy targets that would remain if this zone were lost, in the target group left
    /// worst off (zone loss is judged per group: one group's spare capacity does not serve
    /// another's traffic).
    pub healthy_if_lost: usize,
    /// That group, when any target group has targets.
    pub worst_group_if_lost: Option<String>,
    /// In-service instances per Auto Scaling group in this zone.
    pub in_service_by_group: BTreeMap<String, usize>,
}

/// Counts instances and target health per AZ. Zones come from instances, groups and load
/// balancers, so a zone a group spans but holds nothing in still shows (with zeros).
pub fn zone_distribution(snapshot: &Snapshot) -> Vec<ZoneSummary> {
    let mut names: BTreeSet<&str> = BTreeSet::new();
    names.extend(snapshot.instances.iter().map(|i| i.zone.as_str()));
    for g in snapshot.auto_scaling_groups.iter() {
        names.extend(g.zones.iter().map(String::as_str));
    }
    for lb in &snapshot.load_balancers {
        names.extend(lb.zones.iter().map(String::as_str));
    }
    let mut zones: BTreeMap<&str, ZoneSummary> = names
        .into_iter()
        .map(|z| {
            let summary = ZoneSummary {
                zone: z.to_string(),
                instances_running: 0,
                instances_pending: 0,
                instances_out: 0,
                targets_healthy: 0,
                targets_unhealthy: 0,
                targets_other: 0,
                healthy_if_lost: 0,
                worst_group_if_lost: None,
                in_service_by_group: BTreeMap::new(),
            };
            (z, summary)
        })
        .collect();

    for i in snapshot.instances.iter() {
        if let Some(z) = zones.get_mut(i.zone.as_str()) {
            match i.state {
                InstanceState::Running => z.instances_running += 1,
                InstanceState::Pending => z.instances_pending += 1,
                _ => {}
            }
        }
    }
    let outs = snapshot.out_of_service();
    let index = if outs.is_empty() {
        Default::default()
    } else {
        snapshot.instance_index()
    };
    for o in &outs {
        let zone = index.get(o.instance_id.as_str()).map(|i| i.zone.as_str());
        if let Some(z) = zone.and_then(|z| zones.get_mut(z)) {
            z.instances_out += 1;
        }
    }
    for g in snapshot.auto_scaling_groups.iter() {
        for gi in g.instances.iter() {
            if gi.lifecycle != LifecycleState::InService {
                continue;
            }
            if let Some(z) = zones.get_mut(gi.zone.as_str()) {
                *z.in_service_by_group.entry(g.name.clone()).or_default() += 1;
            }
        }
        for z in &g.zones {
            if let Some(summary) = zones.get_mut(z.as_str()) {
                summary
                    .in_service_by_group
                    .entry(g.name.clone())
                    .or_default();
            }
        }
    }
    let index = snapshot.instance_index();
    // Per target group: its healthy targets in all, and per zone.
    let mut per_group: Vec<(&str, usize, BTreeMap<&str, usize>)> = Vec::new();
    for tg in snapshot.target_groups.iter() {
        let mut total = 0;
        let mut by_zone: BTreeMap<&str, usize> = BTreeMap::new();
        for t in &tg.targets {
            let instance = index.get(t.target_id.as_str());
            let healthy = serves(&index, t);
            total += healthy as usize;
            let Some(zone) = instance.map(|i| i.zone.as_str()) else {
                continue;
            };
            let Some(z) = zones.get_mut(zone) else {
                continue;
            };
            match t.state {
                _ if healthy => {
                    z.targets_healthy += 1;
                    *by_zone.entry(zone).or_default() += 1;
                }
                TargetHealthState::Unhealthy => z.targets_unhealthy += 1,
                _ => z.targets_other += 1,
            }
        }
        if !tg.targets.is_empty() {
            per_group.push((tg.name.as_str(), total, by_zone));
        }
    }
    zones
        .into_values()
        .map(|mut z| {
            let worst = per_group
                .iter()
                .map(|(name, total, by_zone)| {
                    (
                        total - by_zone.get(z.zone.as_str()).copied().unwrap_or(0),
                        *name,
                    )
                })
                .min();
            if let Some((left, name)) = worst {
                z.healthy_if_lost = left;
                z.worst_group_if_lost = Some(name.to_string());
            }
            z
        })
        .collect()
}

/// Auto Scaling groups whose in-service instances differ by more than one between zones,
/// with the per-zone counts, in the group's zone order.
pub fn imbalanced_groups(snapshot: &Snapshot) -> Vec<(String, Vec<(String, usize)>)> {
    let mut out = Vec::new();
    for g in snapshot.auto_scaling_groups.iter() {
        let counts = g.in_service_by_zone();
        if is_imbalanced(&counts) {
            out.push((g.name.clone(), counts));
        }
    }
    out
}

/// Whether per-zone counts differ by more than one (Auto Scaling's own balance rule).
pub fn is_imbalanced(counts: &[(String, usize)]) -> bool {
    let max = counts.iter().map(|c| c.1).max().unwrap_or(0);
    let min = counts.iter().map(|c| c.1).min().unwrap_or(0);
    max - min > 1
}
