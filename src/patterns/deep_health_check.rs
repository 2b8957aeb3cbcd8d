//! Deep Health Check: health checks exercise the whole chain, and every target failing at
//! once is called out as a shared dependency down.

use super::{finding, Finding, Pattern, Report, Settings, Verdict};
use crate::model::{Snapshot, TargetGroup, TargetHealthState};

/// A health-check path that only proves the web server answers: `/`, a static file.
pub fn looks_shallow(path: &str) -> bool {
    let p = path.to_ascii_lowercase();
    let file = p.rsplit('/').next().unwrap_or("");
    p == "/"
        || p == "/index"
        || [
            ".html", ".htm", ".txt", ".css", ".js", ".png", ".ico", ".gif",
        ]
        .iter()
        .any(|ext| file.ends_with(ext))
}

/// The group's health-check path, or none for TCP checks.
fn path_of(g: &TargetGroup) -> Option<&str> {
    match g.health_check.protocol.as_str() {
        "HTTP" | "HTTPS" => Some(g.health_check.path.as_deref().unwrap_or("/")),
        _ => None,
    }
}

pub fn check(s: &Snapshot, settings: &Settings) -> Report {
    if s.target_groups.is_empty() {
        return Report::new(Pattern::DeepHealthCheck, "no target groups", vec![]);
    }
    let mut findings = Vec::new();
    let mut headline = Vec::new();
    for g in &s.target_groups {
        let deep = &settings.deep_path;
        let (depth, f) = match path_of(g) {
            None => (
                "port only",
                finding(
                    Verdict::Warn,
                    &[&g.name],
                    format!(
                        "{} checks only that port {} answers ({}): it sees nothing behind it",
                        g.name, g.health_check.port, g.health_check.protocol
                    ),
                ),
            ),
            Some(p) if looks_shallow(p) => (
                "shallow",
                finding(
                    Verdict::Warn,
                    &[&g.name],
                    format!(
                        "{} checks {p}: shallow, it sees the web server but not what is behind \
                         it (deep path: {deep})",
                        g.name
                    ),
                ),
            ),
            Some(p) => (
                "deep",
                finding(
                    Verdict::Pass,
                    &[&g.name],
                    format!("{} checks {p}, a dynamic page", g.name),
                ),
            ),
        };
        headline.push(format!(
            "{} {} ({depth})",
            g.name,
            path_of(g).unwrap_or(&g.health_check.protocol)
        ));
        findings.push(f);
        findings.extend(all_failing(s, g));
    }
    Report::new(Pattern::DeepHealthCheck, headline.join(" · "), findings)
}

/// Every target of a group failing at once: not the servers, something they all depend on.
fn all_failing(s: &Snapshot, g: &TargetGroup) -> Option<Finding> {
    let failing = g.count(TargetHealthState::Unhealthy);
    if failing < 2 || failing != g.targets.len() {
        return None;
    }
    let mut reasons: Vec<&str> = g
        .targets
        .iter()
        .filter_map(|t| t.description.as_deref().or(t.reason.as_deref()))
        .collect();
    reasons.sort_unstable();
    reasons.dedup();
    // The same instances, still healthy behind another group's check: the servers are up.
    let still_green: Vec<String> = s
        .target_groups
        .iter()
        .filter(|o| o.arn != g.arn)
        .filter(|o| {
            let shared = o
                .targets
                .iter()
                .filter(|t| g.targets.iter().any(|x| x.target_id == t.target_id));
            let (mut n, mut healthy) = (0, 0);
            for t in shared {
                n += 1;
                healthy += (t.state == TargetHealthState::Healthy) as usize;
            }
            n > 0 && healthy == n
        })
        .map(|o| format!("{} ({})", o.name, path_of(o).unwrap_or("port")))
        .collect();
    let mut reason = format!(
        "every target of {} failing at once ({failing}/{failing}, {}): a shared dependency is down, \
         not the servers",
        g.name,
        reasons.join("; ")
    );
    if !still_green.is_empty() {
        reason.push_str(&format!(
            "; {} still sees them healthy: a shallow check would have missed it",
            still_green.join(", ")
        ));
    }
    Some(finding(Verdict::Fail, &[&g.name], reason))
}
