//! Multi-Server: every target group has at least two healthy targets; unhealthy ones say why.

use super::{finding, Finding, Pattern, Report, Verdict};
use crate::model::{serves, Instance, Snapshot, TargetHealthState};
use std::collections::{HashMap, HashSet};

pub fn check(s: &Snapshot) -> Report {
    if s.target_groups.is_empty() {
        return Report::new(Pattern::MultiServer, "no target groups", vec![]);
    }
    let mut findings = super::maintenance_notes(s);
    let mut headline = Vec::new();
    let index = s.instance_index();
    let outs = s.out_of_service();
    let out: HashSet<&str> = outs.iter().map(|o| o.instance_id.as_str()).collect();
    for g in s.target_groups.iter() {
        // Targets of instances out for maintenance are not counted either way.
        let counted = || {
            g.targets
                .iter()
                .filter(|t| !out.contains(t.target_id.as_str()))
        };
        let healthy = counted().filter(|t| serves(&index, t)).count();
        let total = counted().count();
        let away = s.out_of(g, &outs);
        headline.push(if away > 0 {
            format!("{} {healthy}/{total} healthy ({away} out)", g.name)
        } else {
            format!("{} {healthy}/{total} healthy", g.name)
        });
        findings.push(match healthy {
            0 if total == 0 => finding(
                Verdict::Fail,
                &[&g.name],
                format!("{}: no targets registered: nothing serves it", g.name),
            ),
            0 => finding(
                Verdict::Fail,
                &[&g.name],
                format!(
                    "{}: none of {total} targets healthy: the service is down",
                    g.name
                ),
            ),
            1 => finding(
                Verdict::Warn,
                &[&g.name],
                format!(
                    "{}: 1 healthy target of {total}: one more failure takes it down",
                    g.name
                ),
            ),
            n => finding(
                Verdict::Pass,
                &[&g.name],
                format!("{}: {n} of {total} targets healthy", g.name),
            ),
        });
        findings.extend(unhealthy_targets(&index, g));
    }
    Report::new(Pattern::MultiServer, headline.join(" · "), findings)
}

/// One warning per unhealthy target, with the load balancer's reason.
fn unhealthy_targets<'a>(
    index: &'a HashMap<&str, &Instance>,
    g: &'a crate::model::TargetGroup,
) -> impl Iterator<Item = Finding> + 'a {
    g.targets
        .iter()
        .filter(|t| t.state == TargetHealthState::Unhealthy)
        .map(move |t| {
            let why = t.why().unwrap_or_else(|| "no reason given".into());
            finding(
                Verdict::Warn,
                &[&g.name, &t.target_id],
                format!(
                    "{} unhealthy in {}: {why}",
                    index
                        .get(t.target_id.as_str())
                        .map_or_else(|| t.target_id.clone(), |i| i.label()),
                    g.name
                ),
            )
        })
}
