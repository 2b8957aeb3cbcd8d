//! Deep health as one place sees it: per target group, ELB's verdict on each target beside
//! what patrol's own probe of its health page found, the dependency chain across the
//! targets, and where the two disagree. Used by the Health view, its detail pane and the
//! Deep Health Check pattern check, so they cannot tell different stories.

use super::{
    Component, ComponentState, Instance, ProbeOutcome, ProbeResult, Snapshot, TargetGroup,
    TargetHealth, TargetHealthState,
};
use std::collections::HashMap;

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

/// What a probe says of a target, in one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Says {
    /// patrol may not (or need not) send it.
    NotProbed,
    /// Sent; nothing came back.
    Unreachable,
    /// A 2xx with nothing failing in it.
    Pass,
    /// A 2xx with a component that warns.
    Warn,
    /// A non-2xx, or a component (or the page) that fails.
    Fail,
}

/// One probe's answer, read.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeRead<'a> {
    pub result: &'a ProbeResult,
    pub says: Says,
    /// The components that fail (or, when none fails, warn).
    pub failing: Vec<&'a Component>,
}

impl<'a> ProbeRead<'a> {
    pub fn of(result: &'a ProbeResult) -> ProbeRead<'a> {
        let (says, failing) = match &result.outcome {
            ProbeOutcome::NotProbed { .. } => (Says::NotProbed, Vec::new()),
            ProbeOutcome::Unreachable { .. } => (Says::Unreachable, Vec::new()),
            ProbeOutcome::Answered { status, report, .. } => {
                let failing: Vec<&Component> = report.failing().collect();
                let warning: Vec<&Component> = (report.components.iter())
                    .filter(|c| c.state == ComponentState::Warn)
                    .collect();
                let ok = (200..300).contains(status);
                if !failing.is_empty() || !ok || report.status == Some(ComponentState::Fail) {
                    (Says::Fail, failing)
                } else if !warning.is_empty() || report.status == Some(ComponentState::Warn) {
                    (Says::Warn, warning)
                } else {
                    (Says::Pass, Vec::new())
                }
            }
        };
        ProbeRead {
            result,
            says,
            failing,
        }
    }

    /// The answer in a few words: `200 pass`, `503 db fail`, `302 to https://…, not
    /// followed`, `not reachable from here`, `not probed`.
    pub fn words(&self) -> String {
        match &self.result.outcome {
            ProbeOutcome::NotProbed { .. } => "not probed".into(),
            ProbeOutcome::Unreachable { .. } => "not reachable from here".into(),
            ProbeOutcome::Answered {
                status,
                location,
                report,
                ..
            } => {
                let names: Vec<&str> = self.failing.iter().map(|c| c.name.as_str()).collect();
                let word = match (location, self.says) {
                    (Some(to), _) if (300..400).contains(status) => {
                        return format!("{status} to {to}, not followed")
                    }
                    (_, Says::Fail) if !names.is_empty() => format!("{} down", names.join(", ")),
                    (_, Says::Warn) if !names.is_empty() => {
                        format!("{} degraded", names.join(", "))
                    }
                    _ => match (report.status, &report.first_line) {
                        (Some(s), _) => s.as_str().to_string(),
                        (None, Some(line)) if self.says == Says::Fail => line.clone(),
                        _ if self.says == Says::Pass => "ok".into(),
                        _ => String::new(),
                    },
                };
                format!("{status} {word}").trim_end().to_string()
            }
        }
    }

    /// Why, when the probe was not answered: the reason it was not sent, or what the
    /// connection met.
    pub fn why(&self) -> Option<&str> {
        match &self.result.outcome {
            ProbeOutcome::NotProbed { why } | ProbeOutcome::Unreachable { why } => Some(why),
            ProbeOutcome::Answered { .. } => None,
        }
    }
}

/// ELB's verdict and the probe's, side by side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Agreement {
    /// ELB healthy, the page reports a failure: a shallow check hiding an outage.
    HiddenFailure,
    /// ELB unhealthy, the page answers well from here: the path from the load balancer
    /// (a security group, a network ACL, the port) is the problem, not the server.
    PathProblem,
    /// patrol could not reach it: nothing is known from here.
    NotReachable,
    /// patrol may not probe it.
    NotProbed,
    /// ELB has no verdict to compare (initial, draining, unused).
    NoVerdict,
    /// Both say the same.
    Agree,
}

impl Agreement {
    /// The disagreement in the words the screen uses; `failing` names what the page says
    /// is down.
    pub fn words(self, failing: &[&Component]) -> String {
        match self {
            Agreement::HiddenFailure if !failing.is_empty() => {
                let names: Vec<&str> = failing.iter().map(|c| c.name.as_str()).collect();
                format!("ELB healthy, probe says {} down", names.join(", "))
            }
            Agreement::HiddenFailure => "ELB healthy, probe says it fails".into(),
            Agreement::PathProblem => "ELB unhealthy, probe OK from here".into(),
            Agreement::NotReachable => "not reachable from here".into(),
            Agreement::NotProbed => "not probed".into(),
            Agreement::NoVerdict => "ELB has no verdict yet".into(),
            Agreement::Agree => "agree".into(),
        }
    }
}

/// One target: ELB's verdict, the probes of it (its group's own path first, then the deep
/// path), and how they compare.
#[derive(Debug, Clone)]
pub struct TargetProbe<'a> {
    pub target: &'a TargetHealth,
    pub instance: Option<&'a Instance>,
    /// Every probe of it, its group's own path first.
    pub probes: Vec<ProbeRead<'a>>,
}

impl<'a> TargetProbe<'a> {
    /// Target `t` of group `g` with the probes of it (in any order).
    pub fn of(
        g: &TargetGroup,
        t: &'a TargetHealth,
        instance: Option<&'a Instance>,
        mut probes: Vec<&'a ProbeResult>,
    ) -> Self {
        // The group's own path first: the deep path sees deepest.
        let own = g.health_check.path.as_deref().unwrap_or("/");
        probes.sort_by_key(|p| p.path != own);
        TargetProbe {
            target: t,
            instance,
            probes: probes.into_iter().map(ProbeRead::of).collect(),
        }
    }

    /// The probe that sees deepest: the deep path's when the group's own is shallow.
    pub fn deepest(&self) -> Option<&ProbeRead<'a>> {
        self.probes.last()
    }

    pub fn agreement(&self) -> Agreement {
        let Some(probe) = self.deepest() else {
            return Agreement::NotProbed;
        };
        let elb = self.target.state;
        match probe.says {
            Says::NotProbed => Agreement::NotProbed,
            Says::Unreachable => Agreement::NotReachable,
            _ if !matches!(
                elb,
                TargetHealthState::Healthy | TargetHealthState::Unhealthy
            ) =>
            {
                Agreement::NoVerdict
            }
            Says::Fail if elb == TargetHealthState::Healthy => Agreement::HiddenFailure,
            Says::Pass | Says::Warn if elb == TargetHealthState::Unhealthy => {
                Agreement::PathProblem
            }
            _ => Agreement::Agree,
        }
    }
}

/// One link of a group's dependency chain: how many targets' pages report it passing,
/// warning and failing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub name: String,
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    /// Of how many pages that answered.
    pub of: usize,
}

impl Link {
    /// Its worst state across the targets.
    pub fn state(&self) -> ComponentState {
        if self.fail > 0 {
            ComponentState::Fail
        } else if self.warn > 0 {
            ComponentState::Warn
        } else if self.pass == self.of && self.of > 0 {
            ComponentState::Pass
        } else {
            ComponentState::Unknown
        }
    }
}

/// A group's deep health in short: the disagreements, the chain and what fails on every
/// page.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupSummary {
    /// Targets ELB calls healthy whose page reports a failure.
    pub hidden: usize,
    /// Targets ELB calls unhealthy whose page answers well from here.
    pub path: usize,
    pub chain: Vec<Link>,
    /// Components down on every page that answered, and how many answered.
    pub down: Vec<String>,
    pub answered: usize,
    pub probed_path: Option<String>,
    /// Why the first target not answered was not (when none was probed).
    pub why: Option<String>,
}

/// One target group's deep health.
#[derive(Debug, Clone)]
pub struct GroupHealth<'a> {
    pub group: &'a TargetGroup,
    pub targets: Vec<TargetProbe<'a>>,
}

impl<'a> GroupHealth<'a> {
    /// The path the chain is read from (the deep path when the group's own is shallow).
    pub fn probed_path(&self) -> Option<&'a str> {
        (self.targets.iter())
            .find_map(|t| t.deepest())
            .map(|p| p.result.path.as_str())
    }

    /// The chain as the pages report it: `web` (the page answered at all), then each
    /// component in the order the pages list them.
    pub fn chain(&self) -> Vec<Link> {
        let pages: Vec<&ProbeRead> = (self.targets.iter())
            .filter_map(|t| t.deepest())
            .filter(|p| !matches!(p.says, Says::NotProbed))
            .collect();
        if pages.is_empty() {
            return Vec::new();
        }
        let answered = pages
            .iter()
            .filter(|p| matches!(p.result.outcome, ProbeOutcome::Answered { .. }))
            .count();
        let mut chain = vec![Link {
            name: "web".into(),
            pass: answered,
            warn: 0,
            fail: pages.len() - answered,
            of: pages.len(),
        }];
        for p in &pages {
            let ProbeOutcome::Answered { report, .. } = &p.result.outcome else {
                continue;
            };
            for c in &report.components {
                let at = match chain.iter().position(|l| l.name == c.name) {
                    Some(at) => at,
                    None => {
                        chain.push(Link {
                            name: c.name.clone(),
                            pass: 0,
                            warn: 0,
                            fail: 0,
                            of: answered,
                        });
                        chain.len() - 1
                    }
                };
                let link = &mut chain[at];
                match c.state {
                    ComponentState::Pass => link.pass += 1,
                    ComponentState::Warn => link.warn += 1,
                    ComponentState::Fail => link.fail += 1,
                    ComponentState::Unknown => {}
                }
            }
        }
        chain
    }

    /// The components every answering page reports failing (a shared dependency down),
    /// with how many pages answered.
    pub fn failing_everywhere(&self) -> (Vec<String>, usize) {
        let chain = self.chain();
        let answered = chain.first().map_or(0, |l| l.pass);
        let names = (chain.iter().skip(1))
            .filter(|l| answered > 0 && l.fail == answered)
            .map(|l| l.name.clone())
            .collect();
        (names, answered)
    }

    /// What the Health view says of the group above its table, owned (kept while the
    /// fleet is unchanged).
    pub fn summary(&self) -> GroupSummary {
        let (down, answered) = self.failing_everywhere();
        GroupSummary {
            hidden: self.count(Agreement::HiddenFailure),
            path: self.count(Agreement::PathProblem),
            chain: self.chain(),
            down,
            answered,
            probed_path: self.probed_path().map(str::to_string),
            why: (self.targets.iter())
                .filter_map(|t| t.deepest())
                .find_map(|p| p.why())
                .map(str::to_string),
        }
    }

    /// Targets whose ELB verdict and probe disagree the given way.
    pub fn count(&self, agreement: Agreement) -> usize {
        (self.targets.iter())
            .filter(|t| t.agreement() == agreement)
            .count()
    }
}

impl Snapshot {
    /// Every target group's deep health, in the groups' order.
    pub fn deep_health(&self) -> Vec<GroupHealth<'_>> {
        let index = self.instance_index();
        // Each target's probes, found once: (group, target, port) → probes.
        let mut by_target: HashMap<(&str, &str, u16), Vec<&ProbeResult>> = HashMap::new();
        for p in self.probes.iter() {
            let key = (p.target_group_arn.as_str(), p.target_id.as_str(), p.port);
            by_target.entry(key).or_default().push(p);
        }
        (self.target_groups.iter())
            .map(|g| GroupHealth {
                group: g,
                targets: (g.targets.iter())
                    .map(|t| {
                        let key = (g.arn.as_str(), t.target_id.as_str(), t.port);
                        let probes = by_target.remove(&key).unwrap_or_default();
                        let instance = index.get(t.target_id.as_str()).copied();
                        TargetProbe::of(g, t, instance, probes)
                    })
                    .collect(),
            })
            .collect()
    }

    /// Whether probing is off for every target (the view says how to turn it on).
    pub fn probing_off(&self) -> bool {
        !self.probes.is_empty()
            && (self.probes.iter()).all(|p| matches!(p.outcome, ProbeOutcome::NotProbed { .. }))
    }
}
