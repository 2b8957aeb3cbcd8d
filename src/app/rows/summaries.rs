//! The rows of the summary views: pattern findings and zones.

use crate::app::columns::{FindingCol, Row, Tone, ZoneCol};
use crate::app::table::arrange;
use crate::app::{ListState, View};
use crate::model::{zone_distribution, Snapshot, ZoneSummary};
use crate::patterns::{Finding, Report, Verdict};
use chrono::{DateTime, Utc};

/// One finding of one pattern (or the pattern itself when it has none).
#[derive(Debug, Clone, Copy)]
pub struct FindingRow<'a> {
    pub report: &'a Report,
    pub finding: Option<&'a Finding>,
}

impl FindingRow<'_> {
    pub fn verdict(&self) -> Verdict {
        self.finding.map_or(self.report.verdict, |f| f.verdict)
    }

    pub fn reason(&self) -> &str {
        self.finding
            .map_or(self.report.headline.as_str(), |f| f.reason.as_str())
    }
}

impl Row for FindingRow<'_> {
    type Col = FindingCol;

    /// The pattern and the resources: stable while the numbers in the reason change.
    fn key(&self) -> String {
        let resources = self
            .finding
            .map_or(String::new(), |f| f.resources.join(","));
        let verdict = self.finding.map_or("", |f| f.verdict.as_str());
        format!("{}|{resources}|{verdict}", self.report.pattern.name())
    }

    fn copy_id(&self) -> Option<String> {
        Some(self.finding?.resources.join(" "))
    }

    fn cell(&self, c: FindingCol) -> String {
        match c {
            FindingCol::Pattern => self.report.pattern.name().to_string(),
            FindingCol::State => self.verdict().as_str().to_string(),
            FindingCol::Finding => self.reason().to_string(),
            FindingCol::Resources => self
                .finding
                .map_or(String::new(), |f| f.resources.join(" ")),
        }
    }

    fn tone(&self, c: FindingCol) -> Tone {
        match c {
            FindingCol::Pattern => Tone::Title,
            // A verdict on stale data is never drawn as good (or bad) news.
            FindingCol::State if self.report.stale.is_some() => Tone::Stale,
            FindingCol::State => Tone::of_verdict(self.verdict()),
            _ => Tone::Plain,
        }
    }
}

/// Every finding in pattern order, worst first within a pattern; then as filtered and
/// sorted.
pub fn finding_rows<'a>(reports: &'a [Report], list: &ListState) -> Vec<FindingRow<'a>> {
    let rows: Vec<FindingRow> = reports
        .iter()
        .flat_map(|report| {
            let rows: Vec<FindingRow> = if report.findings.is_empty() {
                vec![FindingRow {
                    report,
                    finding: None,
                }]
            } else {
                report
                    .findings
                    .iter()
                    .map(|f| FindingRow {
                        report,
                        finding: Some(f),
                    })
                    .collect()
            };
            rows
        })
        .collect();
    arrange(rows, View::Patterns, list)
}

/// A zone, with the largest counts of all zones (its bars are drawn against them).
#[derive(Debug, Clone)]
pub struct ZoneRow {
    pub zone: ZoneSummary,
    pub most_instances: usize,
    pub most_targets: usize,
}

/// The width of a zone's bars.
const BAR: usize = 8;

/// The number, then a bar of `n` out of `max` (`BAR` cells at most): when the column is
/// squeezed, the bar is cut, never the number.
fn bar(n: usize, max: usize) -> String {
    let cells = if max == 0 { 0 } else { (n * BAR).div_ceil(max) };
    format!("{n:>3} {}", "█".repeat(cells))
}

impl Row for ZoneRow {
    type Col = ZoneCol;

    fn key(&self) -> String {
        self.zone.zone.clone()
    }

    fn cell(&self, c: ZoneCol) -> String {
        let z = &self.zone;
        match c {
            ZoneCol::Zone => z.zone.clone(),
            ZoneCol::Instances => z.instances_running.to_string(),
            ZoneCol::Pending => z.instances_pending.to_string(),
            ZoneCol::Healthy => z.targets_healthy.to_string(),
            ZoneCol::Unhealthy => z.targets_unhealthy.to_string(),
            ZoneCol::Out => z.instances_out.to_string(),
            ZoneCol::IfLost => match &z.worst_group_if_lost {
                Some(g) => format!("{} ({g})", z.healthy_if_lost),
                None => z.healthy_if_lost.to_string(),
            },
        }
    }

    fn shown(&self, c: ZoneCol, _now: DateTime<Utc>) -> String {
        let z = &self.zone;
        match c {
            ZoneCol::Instances => bar(z.instances_running, self.most_instances),
            ZoneCol::Healthy => bar(z.targets_healthy, self.most_targets),
            // Per target group: the one left worst off.
            ZoneCol::IfLost => match &z.worst_group_if_lost {
                Some(g) => format!("{} left ({g})", z.healthy_if_lost),
                None => format!("{} healthy left", z.healthy_if_lost),
            },
            _ => self.cell(c),
        }
    }

    fn tone(&self, c: ZoneCol) -> Tone {
        let z = &self.zone;
        match c {
            ZoneCol::Zone => Tone::Title,
            ZoneCol::Instances => Tone::Info,
            ZoneCol::Pending => Tone::warn_if(z.instances_pending > 0),
            ZoneCol::Healthy => Tone::Ok,
            ZoneCol::Unhealthy if z.targets_unhealthy > 0 => Tone::Crit,
            ZoneCol::Unhealthy => Tone::Muted,
            ZoneCol::Out => {
                if z.instances_out > 0 {
                    Tone::Info
                } else {
                    Tone::Muted
                }
            }
            ZoneCol::IfLost if z.healthy_if_lost == 0 => Tone::Crit,
            ZoneCol::IfLost => Tone::Plain,
        }
    }
}

/// Zones in name order; then as filtered and sorted.
pub fn zone_rows(fleet: &Snapshot, list: &ListState) -> Vec<ZoneRow> {
    zone_rows_of(zone_distribution(fleet), list)
}

/// The same, from the zones' counts already made (`zone_distribution`).
pub fn zone_rows_of(zones: Vec<ZoneSummary>, list: &ListState) -> Vec<ZoneRow> {
    let most_instances = zones.iter().map(|z| z.instances_running).max().unwrap_or(0);
    let most_targets = zones
        .iter()
        .map(|z| z.targets_healthy.max(z.targets_unhealthy))
        .max()
        .unwrap_or(0);
    let rows = zones
        .into_iter()
        .map(|zone| ZoneRow {
            zone,
            most_instances,
            most_targets,
        })
        .collect();
    arrange(rows, View::Zones, list)
}
