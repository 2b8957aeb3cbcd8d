//! Scale Out: groups can grow, something watches their load, and load above an alarm's
//! threshold leads to scaling.

use super::{finding, Finding, Pattern, Report, Settings, Verdict};
use crate::model::{AutoScalingGroup, LifecycleState, Snapshot};
use chrono::{DateTime, Utc};

pub fn check(s: &Snapshot, settings: &Settings, now: DateTime<Utc>) -> Report {
    if s.auto_scaling_groups.is_empty() {
        return Report::new(Pattern::ScaleOut, "no Auto Scaling groups", vec![]);
    }
    let mut findings = Vec::new();
    let mut headline = Vec::new();
    for g in s.auto_scaling_groups.iter() {
        let in_service = g.count(&LifecycleState::InService);
        let cpu = s.group_cpu(&g.name);
        let cpu_text = cpu.map_or(String::new(), |v| format!(" · CPU {v:.0}%"));
        headline.push(format!(
            "{} {in_service}/{} in service ({}..{}){cpu_text}",
            g.name, g.desired, g.min, g.max
        ));
        findings.extend(group(s, g, in_service, cpu, settings, now));
    }
    Report::new(Pattern::ScaleOut, headline.join(" · "), findings)
}

fn group(
    s: &Snapshot,
    g: &AutoScalingGroup,
    in_service: usize,
    cpu: Option<f64>,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Vec<Finding> {
    let name = g.name.as_str();
    let mut out = Vec::new();
    if (in_service as u32) < g.min {
        out.push(finding(
            Verdict::Fail,
            &[name],
            format!("{name}: {in_service} in service, below its min {}", g.min),
        ));
    }
    let at_max = g.desired >= g.max;
    if at_max {
        out.push(finding(
            Verdict::Warn,
            &[name],
            format!(
                "{name} is at its max {}: it cannot scale out further",
                g.max
            ),
        ));
    }
    // Only the group's CPU alarms are compared with its CPU; others watch other things.
    let alarms: Vec<_> = s
        .alarms
        .iter()
        .filter(|a| a.watches_group_cpu(name))
        .collect();
    let others = s
        .alarms
        .iter()
        .filter(|a| a.auto_scaling_group.as_deref() == Some(name) && !a.watches_group_cpu(name))
        .count();
    if alarms.is_empty() && others > 0 {
        out.push(finding(
            Verdict::Pass,
            &[name],
            format!(
                "{name}: watched by {} on metrics other than CPU",
                crate::model::plural(others, "alarm")
            ),
        ));
        return out;
    }
    if alarms.is_empty() {
        let verdict = if g.target_group_arns.is_empty() {
            Verdict::Pass
        } else {
            Verdict::Warn
        };
        let reason = if verdict == Verdict::Warn {
            format!(
                "{name} serves traffic but no CloudWatch alarm watches it: nothing scales it out"
            )
        } else {
            format!("{name} serves no target group; no alarm needed")
        };
        out.push(finding(verdict, &[name], reason));
        return out;
    }
    let quiet_since = now - settings.scaling_quiet;
    let recent = g.activities.iter().any(|a| a.started_at >= quiet_since);
    for a in alarms {
        let above =
            cpu.is_some_and(|v| a.comparison.is_upper() && a.comparison.breaches(v, a.threshold));
        let cpu_text = cpu.map_or("?".into(), |v| format!("{v:.0}%"));
        let (verdict, reason) = match (above, recent, at_max) {
            (true, false, false) => (
                Verdict::Warn,
                format!(
                    "{name}: CPU {cpu_text} above {}'s {:.0}% with no scaling activity in {}m: \
                     is a policy attached to the alarm?",
                    a.name,
                    a.threshold,
                    settings.scaling_quiet.num_minutes()
                ),
            ),
            (true, _, true) => (
                Verdict::Fail,
                format!(
                    "{name}: CPU {cpu_text} above {}'s {:.0}% and the group is at max",
                    a.name, a.threshold
                ),
            ),
            (true, true, false) => (
                Verdict::Pass,
                format!(
                    "{name}: CPU {cpu_text} above {}'s {:.0}%, scaling under way",
                    a.name, a.threshold
                ),
            ),
            (false, _, _) => (
                Verdict::Pass,
                format!(
                    "{name}: CPU {cpu_text}, watched by {} ({} {}, {})",
                    a.name,
                    a.comparison.symbol(),
                    a.threshold_text(),
                    a.state.as_str()
                ),
            ),
        };
        out.push(finding(verdict, &[name, &a.name], reason));
    }
    out
}
