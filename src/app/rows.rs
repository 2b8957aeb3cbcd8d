//! The rows of each view, filtered and ordered; navigation and drawing both use these.

use super::{AppState, ListState, View};
use crate::model::{
    zone_distribution, AutoScalingGroup, ElasticIp, Image, Instance, Snapshot, TargetGroup,
    TargetHealth, TargetHealthState, ZoneSummary,
};
use crate::patterns::{Finding, Report, Verdict};
use std::collections::HashMap;

/// Whether any field contains the filter text, ignoring case. `filter` is already lowercase.
fn matches(filter: &str, fields: &[&str]) -> bool {
    filter.is_empty() || fields.iter().any(|f| f.to_lowercase().contains(filter))
}

/// One target of one target group, joined with its instance.
#[derive(Debug, Clone, Copy)]
pub struct TargetRow<'a> {
    pub group: &'a TargetGroup,
    pub target: &'a TargetHealth,
    pub instance: Option<&'a Instance>,
}

impl TargetRow<'_> {
    pub fn key(&self) -> String {
        format!(
            "{}|{}:{}",
            self.group.arn, self.target.target_id, self.target.port
        )
    }

    pub fn zone(&self) -> &str {
        self.instance.map_or("", |i| i.zone.as_str())
    }
}

/// Every target, unhealthy first, then by group, zone and id.
pub fn target_rows<'a>(fleet: &'a Snapshot, filter: &str) -> Vec<TargetRow<'a>> {
    let filter = filter.to_lowercase();
    let index = fleet.instance_index();
    let mut rows: Vec<TargetRow> = fleet
        .target_groups
        .iter()
        .flat_map(|g| {
            let index = &index;
            g.targets.iter().map(move |t| TargetRow {
                group: g,
                target: t,
                instance: index.get(t.target_id.as_str()).copied(),
            })
        })
        .filter(|r| {
            matches(
                &filter,
                &[
                    &r.group.name,
                    &r.target.target_id,
                    r.instance.and_then(|i| i.name.as_deref()).unwrap_or(""),
                    r.zone(),
                    r.target.state.as_str(),
                    r.target.reason.as_deref().unwrap_or(""),
                ],
            )
        })
        .collect();
    rows.sort_by(|a, b| {
        (
            a.target.state.severity_rank(),
            &a.group.name,
            a.zone(),
            &a.target.target_id,
        )
            .cmp(&(
                b.target.state.severity_rank(),
                &b.group.name,
                b.zone(),
                &b.target.target_id,
            ))
    });
    rows
}

/// Auto Scaling groups by name.
pub fn group_rows<'a>(fleet: &'a Snapshot, filter: &str) -> Vec<&'a AutoScalingGroup> {
    let filter = filter.to_lowercase();
    let mut rows: Vec<&AutoScalingGroup> = fleet
        .auto_scaling_groups
        .iter()
        .filter(|g| {
            let zones = g.zones.join(" ");
            matches(&filter, &[&g.name, &zones])
        })
        .collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    rows
}

/// Images, newest first.
pub fn image_rows<'a>(fleet: &'a Snapshot, filter: &str) -> Vec<&'a Image> {
    let filter = filter.to_lowercase();
    let mut rows: Vec<&Image> = fleet
        .images
        .iter()
        .filter(|i| {
            let source = i.source_instance_id.as_deref().unwrap_or_default();
            matches(&filter, &[&i.name, &i.id, i.state.as_str(), source])
        })
        .collect();
    rows.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
    rows
}

/// One Elastic IP joined with its instance and that instance's target health.
#[derive(Debug, Clone)]
pub struct AddressRow<'a> {
    pub address: &'a ElasticIp,
    pub instance: Option<&'a Instance>,
    /// The worst state of the instance's targets, with the group names.
    pub health: Option<(TargetHealthState, Vec<&'a str>)>,
}

impl AddressRow<'_> {
    pub fn key(&self) -> String {
        self.address.allocation_id.clone()
    }
}

/// Elastic IPs: unassociated ones first (they need attention), then by address.
pub fn address_rows<'a>(fleet: &'a Snapshot, filter: &str) -> Vec<AddressRow<'a>> {
    let filter = filter.to_lowercase();
    let index = fleet.instance_index();
    let mut health: HashMap<&str, (TargetHealthState, Vec<&str>)> = HashMap::new();
    for g in &fleet.target_groups {
        for t in &g.targets {
            let entry = health
                .entry(t.target_id.as_str())
                .or_insert((t.state, Vec::new()));
            if t.state.severity_rank() < entry.0.severity_rank() {
                entry.0 = t.state;
            }
            entry.1.push(g.name.as_str());
        }
    }
    let mut rows: Vec<AddressRow> = fleet
        .elastic_ips
        .iter()
        .map(|a| {
            let id = a.instance_id.as_deref();
            AddressRow {
                address: a,
                instance: id.and_then(|id| index.get(id).copied()),
                health: id.and_then(|id| health.get(id).cloned()),
            }
        })
        .filter(|r| {
            let name = r.instance.and_then(|i| i.name.as_deref()).unwrap_or("");
            let tag = r.address.tags.get("Name").map_or("", String::as_str);
            matches(
                &filter,
                &[
                    &r.address.public_ip,
                    &r.address.allocation_id,
                    r.address.instance_id.as_deref().unwrap_or(""),
                    name,
                    tag,
                ],
            )
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.address.instance_id.is_some(), &a.address.public_ip)
            .cmp(&(b.address.instance_id.is_some(), &b.address.public_ip))
    });
    rows
}

/// One finding of one pattern (or the pattern itself when it has none).
#[derive(Debug, Clone, Copy)]
pub struct FindingRow<'a> {
    pub report: &'a Report,
    pub finding: Option<&'a Finding>,
}

impl FindingRow<'_> {
    /// The pattern and the resources: stable while the numbers in the reason change.
    pub fn key(&self) -> String {
        let resources = self
            .finding
            .map_or(String::new(), |f| f.resources.join(","));
        let verdict = self.finding.map_or("", |f| f.verdict.as_str());
        format!("{}|{resources}|{verdict}", self.report.pattern.name())
    }

    pub fn verdict(&self) -> Verdict {
        self.finding.map_or(self.report.verdict, |f| f.verdict)
    }

    pub fn reason(&self) -> &str {
        self.finding
            .map_or(self.report.headline.as_str(), |f| f.reason.as_str())
    }
}

/// Every finding in pattern order, worst first within a pattern.
pub fn finding_rows<'a>(reports: &'a [Report], filter: &str) -> Vec<FindingRow<'a>> {
    let filter = filter.to_lowercase();
    reports
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
        .filter(|r| {
            let resources = r.finding.map_or(String::new(), |f| f.resources.join(" "));
            matches(
                &filter,
                &[
                    r.report.pattern.name(),
                    r.verdict().as_str(),
                    &resources,
                    r.reason(),
                ],
            )
        })
        .collect()
}

/// Zones in name order.
pub fn zone_rows(fleet: &Snapshot, filter: &str) -> Vec<ZoneSummary> {
    let filter = filter.to_lowercase();
    zone_distribution(fleet)
        .into_iter()
        .filter(|z| matches(&filter, &[&z.zone]))
        .collect()
}

/// The keys of the current view's rows, in order.
pub fn row_keys(state: &AppState) -> Vec<String> {
    let fleet = &state.fleet;
    let filter = state.list().filter.as_str();
    match state.view {
        View::Overview => super::overview_cards(state)
            .iter()
            .map(|c| c.pattern.name().to_string())
            .collect(),
        View::Patterns => finding_rows(&state.patterns, filter)
            .iter()
            .map(|r| r.key())
            .collect(),
        View::Targets => target_rows(fleet, filter).iter().map(|r| r.key()).collect(),
        View::Capacity => group_rows(fleet, filter)
            .iter()
            .map(|g| g.name.clone())
            .collect(),
        View::ElasticIps => address_rows(fleet, filter)
            .iter()
            .map(|r| r.key())
            .collect(),
        View::Zones => zone_rows(fleet, filter)
            .into_iter()
            .map(|z| z.zone)
            .collect(),
        View::Images => image_rows(fleet, filter)
            .iter()
            .map(|i| i.id.clone())
            .collect(),
    }
}

/// Where the selection is among `len` rows: the selected key's row if it is still there,
/// else the remembered position clamped to the list.
pub fn selected_index(
    list: &ListState,
    len: usize,
    position_of: impl Fn(&str) -> Option<usize>,
) -> Option<usize> {
    if len == 0 {
        return None;
    }
    list.selected_key
        .as_deref()
        .and_then(position_of)
        .or(Some(list.selected_index.min(len - 1)))
}
