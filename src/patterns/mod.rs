//! Pattern checks: pure functions of a snapshot that say, per pattern, what holds and what not.

mod clone_server;
mod deep_health_check;
mod floating_ip;
mod multi_datacenter;
mod multi_server;
mod nfs_replica;
mod nfs_sharing;
mod scale_out;

use crate::model::Snapshot;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// How one finding (and so one pattern) stands. Ordered: the worst is the largest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The fleet has nothing this pattern applies to.
    #[serde(rename = "n/a")]
    NotApplicable,
    Pass,
    Warn,
    /// Not checked: the data it needs has not arrived, could not be read, or contradicts
    /// itself. Worse than a warning (nobody knows), better than a failure (as monitoring
    /// plugins rank UNKNOWN).
    Unknown,
    Fail,
}

impl Verdict {
    /// The word the screen and `patrol check` print.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::NotApplicable => "n/a",
            Verdict::Pass => "pass",
            Verdict::Unknown => "unknown",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
        }
    }
}

/// One thing a check found: its verdict, the resources involved, and why, in one line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub verdict: Verdict,
    pub resources: Vec<String>,
    pub reason: String,
}

/// The eight patterns, in the order of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pattern {
    MultiServer,
    MultiDataCenter,
    FloatingIp,
    DeepHealthCheck,
    ScaleOut,
    CloneServer,
    NfsSharing,
    NfsReplica,
}

impl Pattern {
    pub const ALL: [Pattern; 8] = [
        Pattern::MultiServer,
        Pattern::MultiDataCenter,
        Pattern::FloatingIp,
        Pattern::DeepHealthCheck,
        Pattern::ScaleOut,
        Pattern::CloneServer,
        Pattern::NfsSharing,
        Pattern::NfsReplica,
    ];

    /// The pattern's name in the catalogue.
    pub fn name(self) -> &'static str {
        match self {
            Pattern::MultiServer => "Multi-Server",
            Pattern::MultiDataCenter => "Multi-DataCenter",
            Pattern::FloatingIp => "Floating IP",
            Pattern::DeepHealthCheck => "Deep Health Check",
            Pattern::ScaleOut => "Scale Out",
            Pattern::CloneServer => "Clone Server",
            Pattern::NfsSharing => "NFS Sharing",
            Pattern::NfsReplica => "NFS Replica",
        }
    }
}

/// One pattern's state on this fleet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub pattern: Pattern,
    /// The worst verdict of its findings (n/a when it has none).
    pub verdict: Verdict,
    /// One line for the Overview card.
    pub headline: String,
    /// Worst first.
    pub findings: Vec<Finding>,
    /// The data the verdict rests on is stale: which source, why, how old. The verdict is
    /// shown as stale, never as a confident pass or fail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stale: Option<String>,
}

impl Report {
    /// A pattern that cannot be checked yet, and why (one line).
    pub fn unknown(pattern: Pattern, why: impl Into<String>) -> Report {
        Report {
            pattern,
            verdict: Verdict::Unknown,
            headline: why.into(),
            findings: Vec::new(),
            stale: None,
        }
    }

    /// A report from its findings: the verdict is the worst of them, worst listed first.
    fn new(pattern: Pattern, headline: impl Into<String>, mut findings: Vec<Finding>) -> Report {
        findings.sort_by_key(|f| std::cmp::Reverse(f.verdict));
        Report {
            pattern,
            verdict: findings
                .iter()
                .map(|f| f.verdict)
                .max()
                .unwrap_or(Verdict::NotApplicable),
            headline: headline.into(),
            findings,
            stale: None,
        }
    }

    /// The findings that need a look (warn or fail).
    pub fn problems(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.verdict >= Verdict::Warn)
    }
}

/// What the checks compare against. Every field has a documented default.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The health-check path a deep check uses.
    pub deep_path: String,
    /// A serving role's newest image must be younger than this.
    pub max_image_age: Duration,
    /// Clients one NFS server may carry before NFS Sharing warns (fails at twice as many).
    pub max_nfs_clients: usize,
    /// NFS latency above this (milliseconds) warns.
    pub max_nfs_latency_ms: f64,
    /// CPU above an alarm's threshold with no scaling activity for this long warns.
    pub scaling_quiet: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            deep_path: "/health/deep".into(),
            max_image_age: Duration::days(7),
            max_nfs_clients: 8,
            max_nfs_latency_ms: 20.0,
            scaling_quiet: Duration::minutes(10),
        }
    }
}

/// Runs every check over `snapshot` as of `now` (the world's clock).
pub fn check(snapshot: &Snapshot, settings: &Settings, now: DateTime<Utc>) -> Vec<Report> {
    Pattern::ALL
        .iter()
        .map(|p| check_pattern(*p, snapshot, settings, now))
        .collect()
}

/// Runs one pattern's check.
pub fn check_pattern(
    pattern: Pattern,
    snapshot: &Snapshot,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Report {
    match pattern {
        Pattern::MultiServer => multi_server::check(snapshot),
        Pattern::MultiDataCenter => multi_datacenter::check(snapshot),
        Pattern::FloatingIp => floating_ip::check(snapshot),
        Pattern::DeepHealthCheck => deep_health_check::check(snapshot, settings),
        Pattern::ScaleOut => scale_out::check(snapshot, settings, now),
        Pattern::CloneServer => clone_server::check(snapshot, settings, now),
        Pattern::NfsSharing => nfs_sharing::check(snapshot, settings),
        Pattern::NfsReplica => nfs_replica::check(snapshot),
    }
}

/// The worst verdict over all reports.
pub fn worst(reports: &[Report]) -> Verdict {
    reports
        .iter()
        .map(|r| r.verdict)
        .max()
        .unwrap_or(Verdict::NotApplicable)
}

/// The reports as text: one line per pattern, then its warnings and failures indented.
pub fn text_report(reports: &[Report]) -> String {
    let mut out = String::new();
    for r in reports {
        out.push_str(&format!(
            "{:<18} {:<4}  {}\n",
            r.pattern.name(),
            r.verdict.as_str(),
            r.headline
        ));
        for f in r.problems() {
            out.push_str(&format!("    {:<4}  {}\n", f.verdict.as_str(), f.reason));
        }
    }
    out
}

fn finding(verdict: Verdict, resources: &[&str], reason: impl Into<String>) -> Finding {
    Finding {
        verdict,
        resources: resources.iter().map(|r| r.to_string()).collect(),
        reason: reason.into(),
    }
}

/// One note per instance out for maintenance: intentionally out, not a failure; the checks
/// judge the capacity that remains.
fn maintenance_notes(s: &Snapshot) -> Vec<Finding> {
    let outs = s.out_of_service();
    // Looked up by id (there may be many out at once, of many instances).
    let index = if outs.is_empty() {
        Default::default()
    } else {
        s.instance_index()
    };
    outs.iter()
        .map(|o| {
            let instance = index.get(o.instance_id.as_str());
            let zone = instance.map_or("", |i| i.zone.as_str());
            finding(
                Verdict::Pass,
                &[&o.instance_id],
                format!(
                    "{} in {zone}: {} for maintenance, on purpose; not counted, the check \
                     judges what remains",
                    instance.map_or(o.instance_id.clone(), |i| i.label()),
                    o.words(s.taken_at)
                ),
            )
        })
        .collect()
}

/// `us-east-1a` → `1a`, for compact lists.
pub fn short_zone(zone: &str) -> &str {
    zone.rfind('-').map_or(zone, |p| &zone[p + 1..])
}
