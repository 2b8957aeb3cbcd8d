//! Per-Availability-Zone distribution, derived from a snapshot (never fetched).

use super::{InstanceState, LifecycleState, Snapshot, TargetHealthState};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What one Availability Zone holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ZoneSummary {
    pub zone: String,
    pub instances_running: usize,
    pub instances_pending: usize,
    pub targets_healthy: usize,
    pub targets_unhealthy: usize,
    /// Targets in any other state (initial, draining, unused, unavailable).
    pub targets_other: usize,
    /// Healthy targets that would remain if this zone were lost.
    pub healthy_if_lost: usize,
    /// In-service instances per Auto Scaling group in this zone.
    pub in_service_by_group: BTreeMap<String, usize>,
}

/// Counts instances and target health per AZ. Zones come from instances, groups and load
/// balancers, so a zone a group spans but holds nothing in still shows (with zeros).
pub fn zone_distribution(snapshot: &Snapshot) -> Vec<ZoneSummary> {
    let mut names: BTreeSet<&str> = BTreeSet::new();
    names.extend(snapshot.instances.iter().map(|i| i.zone.as_str()));
    for g in &snapshot.auto_scaling_groups {
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
                targets_healthy: 0,
                targets_unhealthy: 0,
                targets_other: 0,
                healthy_if_lost: 0,
                in_service_by_group: BTreeMap::new(),
            };
            (z, summary)
        })
        .collect();

    for i in &snapshot.instances {
        if let Some(z) = zones.get_mut(i.zone.as_str()) {
            match i.state {
                InstanceState::Running => z.instances_running += 1,
                InstanceState::Pending => z.instances_pending += 1,
                _ => {}
            }
        }
    }
    for g in &snapshot.auto_scaling_groups {
        for gi in &g.instances {
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
    let mut total_healthy = 0;
    for tg in &snapshot.target_groups {
        for t in &tg.targets {
            let Some(zone) = index.get(t.target_id.as_str()).map(|i| i.zone.as_str()) else {
                continue;
            };
            let Some(z) = zones.get_mut(zone) else {
                continue;
            };
            match t.state {
                TargetHealthState::Healthy => {
                    z.targets_healthy += 1;
                    total_healthy += 1;
                }
                TargetHealthState::Unhealthy => z.targets_unhealthy += 1,
                _ => z.targets_other += 1,
            }
        }
    }
    zones
        .into_values()
        .map(|mut z| {
            z.healthy_if_lost = total_healthy - z.targets_healthy;
            z
        })
        .collect()
}

/// Auto Scaling groups whose in-service instances differ by more than one between zones,
/// with the per-zone counts, in the group's zone order.
pub fn imbalanced_groups(snapshot: &Snapshot) -> Vec<(String, Vec<(String, usize)>)> {
    let mut out = Vec::new();
    for g in &snapshot.auto_scaling_groups {
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
