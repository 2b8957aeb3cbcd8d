//! Deep Health Check: health checks exercise the whole chain, and every target failing at
//! once is called out as a shared dependency down.

use super::{finding, Finding, Pattern, Report, Settings, Verdict};
use crate::model::{
    looks_shallow, Agreement, GroupHealth, Says, Snapshot, TargetGroup, TargetHealthState,
    TargetProbe,
};

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
    let health = s.deep_health();
    for (g, probed) in s.target_groups.iter().zip(&health) {
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
        let from_probes = from_probes(probed);
        // The pages name the dependency: that says more than ELB's codes.
        if !from_probes.iter().any(|f| f.verdict == Verdict::Fail) {
            findings.extend(all_failing(s, g));
        }
        findings.extend(from_probes);
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

/// What patrol's own probes of a group's pages found: a dependency every page reports down
/// (naming it), some pages failing, and ELB's verdict where the pages contradict it.
fn from_probes(h: &GroupHealth) -> Vec<Finding> {
    let g = h.group;
    let mut out = Vec::new();
    let Some(path) = h.probed_path() else {
        return out;
    };
    let (down, answered) = h.failing_everywhere();
    let healthy = g.count(TargetHealthState::Healthy);
    if !down.is_empty() && answered >= 1 {
        let detail = (h.targets.iter())
            .filter_map(|t| t.deepest())
            .flat_map(|p| p.failing.iter())
            .find(|c| c.name == down[0])
            .and_then(|c| c.detail.clone())
            .map_or(String::new(), |d| format!(": {d}"));
        let mut reason = format!(
            "every target of {} reports {} down at {path} ({answered}/{answered} pages{detail}): \
             a shared dependency, not the servers",
            g.name,
            down.join(", ")
        );
        if healthy > 0 {
            reason.push_str(&format!(
                "; ELB's check ({}) still says {healthy}/{} healthy: it keeps sending traffic \
                 to servers that can only fail",
                g.health_check
                    .path
                    .as_deref()
                    .unwrap_or(&g.health_check.protocol),
                g.targets.len()
            ));
        }
        out.push(finding(Verdict::Fail, &[&g.name], reason));
        return out;
    }
    // The group, then the targets a finding is about.
    let about = |pick: &dyn Fn(&TargetProbe) -> bool| -> Vec<&str> {
        let targets = (h.targets.iter()).filter(|t| pick(t));
        std::iter::once(g.name.as_str())
            .chain(targets.map(|t| t.target.target_id.as_str()))
            .collect()
    };
    let failing = about(&|t| t.deepest().is_some_and(|p| p.says == Says::Fail));
    if failing.len() > 1 {
        let pages: Vec<String> = (h.targets.iter())
            .filter_map(|t| t.deepest().filter(|p| p.says == Says::Fail))
            .map(|p| format!("{} {}", p.result.target_id, p.words()))
            .collect();
        out.push(finding(
            Verdict::Warn,
            &failing,
            format!(
                "{} of {} targets of {} fail their page at {path}: {}",
                failing.len() - 1,
                h.targets.len(),
                g.name,
                pages.join(", ")
            ),
        ));
    }
    let path_problem = about(&|t| t.agreement() == Agreement::PathProblem);
    if path_problem.len() > 1 {
        out.push(finding(
            Verdict::Warn,
            &path_problem,
            format!(
                "ELB says {} of {} unhealthy, yet the page answers OK from here: the path from \
                 the load balancer (security group, network ACL, port) is the problem, not the \
                 server",
                path_problem[1..].join(", "),
                g.name
            ),
        ));
    }
    out
}
