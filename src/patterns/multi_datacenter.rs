//! Multi-DataCenter: healthy capacity spread over zones, balanced, matching the load
//! balancer's zones, and enough left when the largest zone is lost.

use super::{finding, short_zone, Finding, Pattern, Report, Verdict};
use crate::model::{
    is_imbalanced, serves, zone_distribution, AutoScalingGroup, Instance, Snapshot, ZoneSummary,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub fn check(s: &Snapshot) -> Report {
    if s.target_groups.is_empty() && s.auto_scaling_groups.is_empty() {
        return Report::new(
            Pattern::MultiDataCenter,
            "no target groups or Auto Scaling groups",
            vec![],
        );
    }
    let mut findings = super::maintenance_notes(s);
    let index = s.instance_index();
    for g in s.target_groups.iter() {
        findings.extend(target_group_zones(&index, g));
    }
    // Who is out for maintenance, worked out once for every group.
    let outs = s.out_of_service();
    let out: std::collections::HashSet<&str> =
        outs.iter().map(|o| o.instance_id.as_str()).collect();
    for g in s.auto_scaling_groups.iter() {
        findings.extend(group_zones(s, g, &out));
    }
    let zones = zone_distribution(s);
    findings.extend(dark_zones(&zones));
    // Per target group: zones are judged per service, never summed across services.
    let spread: Vec<String> = s
        .target_groups
        .iter()
        .map(|g| {
            let per_zone = healthy_per_zone(&index, g);
            let zones: Vec<String> = per_zone
                .iter()
                .map(|(z, n)| format!("{} {n}", short_zone(z)))
                .collect();
            if zones.is_empty() {
                format!("{}: healthy in no AZ", g.name)
            } else {
                format!("{}: {}", g.name, zones.join(" "))
            }
        })
        .collect();
    let headline = if spread.is_empty() {
        format!("{} AZs", zones.len())
    } else {
        format!("{} AZs · {}", zones.len(), spread.join(" · "))
    };
    Report::new(Pattern::MultiDataCenter, headline, findings)
}

/// A target group's healthy targets per zone.
fn healthy_per_zone<'a>(
    index: &HashMap<&str, &'a Instance>,
    g: &crate::model::TargetGroup,
) -> BTreeMap<&'a str, usize> {
    let mut per_zone: BTreeMap<&str, usize> = BTreeMap::new();
    for t in g.targets.iter().filter(|t| serves(index, t)) {
        if let Some(i) = index.get(t.target_id.as_str()) {
            *per_zone.entry(i.zone.as_str()).or_default() += 1;
        }
    }
    per_zone
}

/// A target group with no healthy target anywhere (its service is down in every zone), or
/// whose healthy targets all sit in one zone.
fn target_group_zones(
    index: &HashMap<&str, &Instance>,
    g: &crate::model::TargetGroup,
) -> Option<Finding> {
    let per_zone = healthy_per_zone(index, g);
    let counts: Vec<String> = per_zone
        .iter()
        .map(|(z, n)| format!("{} {n}", short_zone(z)))
        .collect();
    match per_zone.len() {
        0 if g.targets.is_empty() => None,
        0 => Some(finding(
            Verdict::Fail,
            &[&g.name],
            format!(
                "{}: no healthy target in any AZ: the service is down everywhere",
                g.name
            ),
        )),
        1 => Some(finding(
            Verdict::Warn,
            &[&g.name],
            format!(
                "{}: every healthy target sits in {}: losing that AZ takes it down",
                g.name,
                per_zone.keys().next().copied().unwrap_or("one zone")
            ),
        )),
        n => Some(finding(
            Verdict::Pass,
            &[&g.name],
            format!(
                "{}: healthy targets in {n} AZs ({})",
                g.name,
                counts.join(" · ")
            ),
        )),
    }
}

fn group_zones(
    s: &Snapshot,
    g: &AutoScalingGroup,
    out_ids: &std::collections::HashSet<&str>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let counts = g.in_service_by_zone();
    let total: usize = counts.iter().map(|c| c.1).sum();
    let text: Vec<String> = counts
        .iter()
        .map(|(z, n)| format!("{} {n}", short_zone(z)))
        .collect();
    if g.zones.len() < 2 {
        out.push(finding(
            Verdict::Warn,
            &[&g.name],
            format!(
                "{} spans one AZ ({}): it cannot survive losing it",
                g.name,
                g.zones.join(", ")
            ),
        ));
    }
    if is_imbalanced(&counts) {
        // With the instances out for maintenance counted back, is it balanced?
        let is_out = |id: &str| out_ids.contains(id);
        let standby: Vec<(String, usize)> = counts
            .iter()
            .map(|(z, n)| {
                let away = g
                    .instances
                    .iter()
                    .filter(|i| &i.zone == z && is_out(&i.instance_id))
                    .count();
                (z.clone(), n + away)
            })
            .collect();
        let away: usize = standby.iter().map(|c| c.1).sum::<usize>() - total;
        if away > 0 && !is_imbalanced(&standby) {
            out.push(finding(
                Verdict::Pass,
                &[&g.name],
                format!(
                    "{} over its AZs: {} only while {away} is out for maintenance",
                    g.name,
                    text.join(" · ")
                ),
            ));
        } else {
            out.push(finding(
                Verdict::Warn,
                &[&g.name],
                format!("{} imbalanced over its AZs: {}", g.name, text.join(" · ")),
            ));
        }
    }
    if total > 0 {
        let (largest, most) = counts
            .iter()
            .max_by_key(|c| c.1)
            .map(|(z, n)| (z.as_str(), *n))
            .unwrap_or(("", 0));
        let left = total - most;
        let (verdict, tail) = if left == 0 {
            (Verdict::Fail, "nothing left".to_string())
        } else if (left as u32) < g.min {
            (Verdict::Warn, format!("below min {}", g.min))
        } else {
            (Verdict::Pass, format!("min is {}", g.min))
        };
        out.push(finding(
            verdict,
            &[&g.name],
            format!(
                "{}: losing {largest} leaves {left} of {total} in service, {tail}",
                g.name
            ),
        ));
    }
    out.extend(zone_mismatch(s, g));
    out
}

/// The group's zones against the zones of the load balancers in front of it.
fn zone_mismatch(s: &Snapshot, g: &AutoScalingGroup) -> Vec<Finding> {
    let lb_arns: BTreeSet<&str> = s
        .target_groups
        .iter()
        .filter(|t| g.target_group_arns.contains(&t.arn))
        .flat_map(|t| t.load_balancer_arns.iter().map(String::as_str))
        .collect();
    let mut out = Vec::new();
    for lb in s
        .load_balancers
        .iter()
        .filter(|l| lb_arns.contains(l.arn.as_str()))
    {
        let unserved: Vec<&str> = g
            .zones
            .iter()
            .filter(|z| !lb.zones.contains(z))
            .map(String::as_str)
            .collect();
        let empty: Vec<&str> = lb
            .zones
            .iter()
            .filter(|z| !g.zones.contains(z))
            .map(String::as_str)
            .collect();
        if !unserved.is_empty() {
            out.push(finding(
                Verdict::Warn,
                &[&g.name, &lb.name],
                format!(
                    "{} launches into {} where {} is not enabled: those instances get no traffic",
                    g.name,
                    unserved.join(", "),
                    lb.name
                ),
            ));
        }
        if !empty.is_empty() {
            out.push(finding(
                Verdict::Warn,
                &[&g.name, &lb.name],
                format!(
                    "{} is enabled in {} where {} launches nothing",
                    lb.name,
                    empty.join(", "),
                    g.name
                ),
            ));
        }
    }
    out
}

/// Zones whose targets (two or more) are all unhealthy while another zone still has
/// healthy ones: the look of an AZ problem, carried by the other zones. One lone target
/// failing says nothing about its zone.
fn dark_zones(zones: &[ZoneSummary]) -> Vec<Finding> {
    if !zones.iter().any(|z| z.targets_healthy > 0) {
        return vec![];
    }
    zones
        .iter()
        .filter(|z| z.targets_healthy == 0 && z.targets_unhealthy > 1)
        .map(|z| {
            finding(
                Verdict::Warn,
                &[&z.zone],
                format!(
                    "{}: no healthy target, {} unhealthy: an AZ problem? The other AZs \
                     carry the traffic ({} healthy left in {})",
                    z.zone,
                    z.targets_unhealthy,
                    z.healthy_if_lost,
                    z.worst_group_if_lost
                        .as_deref()
                        .unwrap_or("the worst-off group")
                ),
            )
        })
        .collect()
}
