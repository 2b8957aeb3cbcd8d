//! The rows of each view, filtered and ordered; navigation and drawing both use these.

use super::table::{arrange, columns, TableText};
use super::{AppState, ListState, View};
use crate::model::{
    zone_distribution, AutoScalingGroup, ElasticIp, Image, Instance, Snapshot, TargetGroup,
    TargetHealth, TargetHealthState, ZoneSummary,
};
use crate::patterns::{Finding, Report, Verdict};
use std::collections::HashMap;

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

impl TargetRow<'_> {
    /// The cells, in the order of `table::columns(View::Targets)`.
    pub fn cells(&self) -> Vec<String> {
        vec![
            self.group.name.clone(),
            format!("{}:{}", self.target.target_id, self.target.port),
            self.instance
                .and_then(|i| i.name.clone())
                .unwrap_or_default(),
            self.zone().to_string(),
            self.target.state.as_str().to_string(),
            self.target.reason.clone().unwrap_or_default(),
            self.instance
                .map_or("unknown", |i| i.state.as_str())
                .to_string(),
        ]
    }
}

/// Every target, unhealthy first, then by group, zone and id; then as filtered and sorted.
pub fn target_rows<'a>(fleet: &'a Snapshot, list: &ListState) -> Vec<TargetRow<'a>> {
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
    arrange(rows, View::Targets, list, TargetRow::cells)
}

/// A group's cells, in the order of `table::columns(View::Capacity)`.
pub fn group_cells(fleet: &Snapshot, g: &AutoScalingGroup) -> Vec<String> {
    use crate::model::LifecycleState;
    let cpu = fleet
        .metrics
        .iter()
        .find(|m| m.auto_scaling_group == g.name)
        .and_then(|m| m.latest())
        .map_or(String::new(), |v| format!("{v:.0}%"));
    let unhealthy = g.instances.iter().filter(|i| !i.healthy).count();
    vec![
        g.name.clone(),
        g.min.to_string(),
        g.desired.to_string(),
        g.max.to_string(),
        g.count(&LifecycleState::InService).to_string(),
        g.count(&LifecycleState::Pending).to_string(),
        g.count(&LifecycleState::Terminating).to_string(),
        unhealthy.to_string(),
        g.zones.len().to_string(),
        cpu,
    ]
}

/// Auto Scaling groups by name; then as filtered and sorted.
pub fn group_rows<'a>(fleet: &'a Snapshot, list: &ListState) -> Vec<&'a AutoScalingGroup> {
    let mut rows: Vec<&AutoScalingGroup> = fleet.auto_scaling_groups.iter().collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    arrange(rows, View::Capacity, list, |g| group_cells(fleet, g))
}

/// An image's cells, in the order of `table::columns(View::Images)`.
pub fn image_cells(fleet: &Snapshot, i: &Image) -> Vec<String> {
    let source = match i.source_instance_id.as_deref() {
        Some(id) => fleet.instance_label(id),
        None => String::new(),
    };
    vec![
        i.name.clone(),
        i.id.clone(),
        i.state.as_str().to_string(),
        source,
        i.created_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    ]
}

/// Images, newest first; then as filtered and sorted.
pub fn image_rows<'a>(fleet: &'a Snapshot, list: &ListState) -> Vec<&'a Image> {
    let mut rows: Vec<&Image> = fleet.images.iter().collect();
    rows.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
    arrange(rows, View::Images, list, |i| image_cells(fleet, i))
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

    /// The cells, in the order of `table::columns(View::ElasticIps)`.
    pub fn cells(&self) -> Vec<String> {
        let a = self.address;
        let (state, health) = match (&a.instance_id, self.instance) {
            (None, _) => ("unassociated".to_string(), String::new()),
            (Some(_), None) => ("not found".to_string(), String::new()),
            (Some(_), Some(i)) => (
                i.state.as_str().to_string(),
                match &self.health {
                    Some((s, groups)) => format!("{} ({})", s.as_str(), groups.join(", ")),
                    None => "not a target".to_string(),
                },
            ),
        };
        vec![
            a.public_ip.clone(),
            a.tags.get("Name").cloned().unwrap_or_default(),
            a.instance_id.clone().unwrap_or_default(),
            self.instance
                .and_then(|i| i.name.clone())
                .unwrap_or_default(),
            self.instance
                .and_then(|i| i.tags.get(crate::model::FLOATING_IP_TAG).cloned())
                .unwrap_or_default(),
            state,
            health,
        ]
    }
}

/// Elastic IPs: unassociated ones first (they need attention), then by address; then as
/// filtered and sorted.
pub fn address_rows<'a>(fleet: &'a Snapshot, list: &ListState) -> Vec<AddressRow<'a>> {
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
        .collect();
    rows.sort_by(|a, b| {
        (a.address.instance_id.is_some(), &a.address.public_ip)
            .cmp(&(b.address.instance_id.is_some(), &b.address.public_ip))
    });
    arrange(rows, View::ElasticIps, list, AddressRow::cells)
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

    /// The cells, in the order of `table::columns(View::Patterns)`.
    pub fn cells(&self) -> Vec<String> {
        vec![
            self.report.pattern.name().to_string(),
            self.verdict().as_str().to_string(),
            self.reason().to_string(),
            self.finding
                .map_or(String::new(), |f| f.resources.join(" ")),
        ]
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
    arrange(rows, View::Patterns, list, FindingRow::cells)
}

/// A zone's cells, in the order of `table::columns(View::Zones)`.
pub fn zone_cells(z: &ZoneSummary) -> Vec<String> {
    vec![
        z.zone.clone(),
        z.instances_running.to_string(),
        z.instances_pending.to_string(),
        z.targets_healthy.to_string(),
        z.targets_unhealthy.to_string(),
        z.healthy_if_lost.to_string(),
    ]
}

/// Zones in name order; then as filtered and sorted.
pub fn zone_rows(fleet: &Snapshot, list: &ListState) -> Vec<ZoneSummary> {
    arrange(zone_distribution(fleet), View::Zones, list, zone_cells)
}

/// The current view's table as text, as filtered and sorted (none for the Overview).
pub fn table_text(state: &AppState) -> Option<TableText> {
    let fleet = &state.fleet;
    let list = state.list();
    let rows: Vec<Vec<String>> = match state.view {
        View::Overview => return None,
        View::Targets => target_rows(fleet, list).iter().map(|r| r.cells()).collect(),
        View::Capacity => group_rows(fleet, list)
            .iter()
            .map(|g| group_cells(fleet, g))
            .collect(),
        View::ElasticIps => address_rows(fleet, list)
            .iter()
            .map(|r| r.cells())
            .collect(),
        View::Zones => zone_rows(fleet, list).iter().map(zone_cells).collect(),
        View::Images => image_rows(fleet, list)
            .iter()
            .map(|i| image_cells(fleet, i))
            .collect(),
        View::Patterns => finding_rows(&state.patterns, list)
            .iter()
            .map(|r| r.cells())
            .collect(),
    };
    Some(TableText {
        titles: columns(state.view).iter().map(|c| c.title).collect(),
        rows,
    })
}

/// The id (or ARN) of the selected resource, for the clipboard.
pub fn selected_id(state: &AppState) -> Option<String> {
    let keys = row_keys(state);
    let at = selected_index(state.list(), keys.len(), |k| {
        keys.iter().position(|x| x == k)
    })?;
    let key = keys.get(at)?;
    let fleet = &state.fleet;
    Some(match state.view {
        View::Overview => return None,
        View::Targets => target_rows(fleet, state.list())
            .into_iter()
            .find(|r| &r.key() == key)?
            .target
            .target_id
            .clone(),
        View::Capacity | View::Zones | View::Images | View::ElasticIps => key.clone(),
        View::Patterns => finding_rows(&state.patterns, state.list())
            .into_iter()
            .find(|r| &r.key() == key)?
            .finding?
            .resources
            .join(" "),
    })
}

/// The keys of the current view's rows, in order.
pub fn row_keys(state: &AppState) -> Vec<String> {
    let fleet = &state.fleet;
    let filter = state.list();
    match state.view {
        View::Overview => state
            .patterns
            .iter()
            .map(|r| r.pattern.name().to_string())
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
