//! The rows of each view, filtered and ordered; navigation and drawing both use these.

use super::table::{arrange, columns, TableText};
use super::{AppState, ListState, View};
use crate::model::{
    zone_distribution, AutoScalingGroup, ElasticIp, Image, Instance, Snapshot, TargetGroup,
    TargetHealth, TargetHealthState, ZoneSummary,
};
use crate::patterns::{Finding, Report, Verdict};
use std::collections::HashMap;

/// One row of a view's table: the key that keeps it selected as rows move, its cells in
/// the order of `table::columns(view)` (drawn, filtered, sorted and exported alike), and
/// the id `y` copies.
pub trait TableRow {
    fn key(&self) -> String;
    fn cells(&self) -> Vec<String>;
    /// The id (or ARN) to copy; the key unless the row says otherwise.
    fn copy_id(&self) -> Option<String> {
        Some(self.key())
    }
}

/// One target of one target group, joined with its instance.
#[derive(Debug, Clone, Copy)]
pub struct TargetRow<'a> {
    pub group: &'a TargetGroup,
    pub target: &'a TargetHealth,
    pub instance: Option<&'a Instance>,
}

impl TargetRow<'_> {
    pub fn zone(&self) -> &str {
        self.instance.map_or("", |i| i.zone.as_str())
    }
}

impl TableRow for TargetRow<'_> {
    fn key(&self) -> String {
        format!(
            "{}|{}:{}",
            self.group.arn, self.target.target_id, self.target.port
        )
    }

    fn copy_id(&self) -> Option<String> {
        Some(self.target.target_id.clone())
    }

    fn cells(&self) -> Vec<String> {
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

/// An Auto Scaling group with its latest CPU.
#[derive(Debug, Clone, Copy)]
pub struct GroupRow<'a> {
    pub group: &'a AutoScalingGroup,
    pub cpu: Option<f64>,
}

impl TableRow for GroupRow<'_> {
    fn key(&self) -> String {
        self.group.name.clone()
    }

    fn cells(&self) -> Vec<String> {
        use crate::model::LifecycleState;
        let g = self.group;
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
            self.cpu.map_or(String::new(), |v| format!("{v:.0}%")),
        ]
    }
}

/// Auto Scaling groups by name; then as filtered and sorted.
pub fn group_rows<'a>(fleet: &'a Snapshot, list: &ListState) -> Vec<GroupRow<'a>> {
    let mut rows: Vec<GroupRow> = fleet
        .auto_scaling_groups
        .iter()
        .map(|g| GroupRow {
            group: g,
            cpu: fleet.group_cpu(&g.name),
        })
        .collect();
    rows.sort_by(|a, b| a.group.name.cmp(&b.group.name));
    arrange(rows, View::Capacity, list, GroupRow::cells)
}

/// An image with the instance it was made from, when that instance is in the snapshot.
#[derive(Debug, Clone, Copy)]
pub struct ImageRow<'a> {
    pub image: &'a Image,
    pub source: Option<&'a Instance>,
}

impl TableRow for ImageRow<'_> {
    fn key(&self) -> String {
        self.image.id.clone()
    }

    fn cells(&self) -> Vec<String> {
        let i = self.image;
        let source = match (self.source, &i.source_instance_id) {
            (Some(instance), _) => instance.label(),
            (None, Some(id)) => id.clone(),
            (None, None) => String::new(),
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
}

/// Images, newest first; then as filtered and sorted.
pub fn image_rows<'a>(fleet: &'a Snapshot, list: &ListState) -> Vec<ImageRow<'a>> {
    let index = fleet.instance_index();
    let mut rows: Vec<ImageRow> = fleet
        .images
        .iter()
        .map(|i| ImageRow {
            image: i,
            source: i
                .source_instance_id
                .as_deref()
                .and_then(|id| index.get(id).copied()),
        })
        .collect();
    rows.sort_by(|a, b| (b.image.created_at, &a.image.id).cmp(&(a.image.created_at, &b.image.id)));
    arrange(rows, View::Images, list, ImageRow::cells)
}

/// One Elastic IP joined with its instance and that instance's target health.
#[derive(Debug, Clone)]
pub struct AddressRow<'a> {
    pub address: &'a ElasticIp,
    pub instance: Option<&'a Instance>,
    /// The worst state of the instance's targets, with the group names.
    pub health: Option<(TargetHealthState, Vec<&'a str>)>,
}

impl TableRow for AddressRow<'_> {
    fn key(&self) -> String {
        self.address.allocation_id.clone()
    }

    fn cells(&self) -> Vec<String> {
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
    pub fn verdict(&self) -> Verdict {
        self.finding.map_or(self.report.verdict, |f| f.verdict)
    }

    pub fn reason(&self) -> &str {
        self.finding
            .map_or(self.report.headline.as_str(), |f| f.reason.as_str())
    }
}

impl TableRow for FindingRow<'_> {
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

    fn cells(&self) -> Vec<String> {
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

impl TableRow for ZoneSummary {
    fn key(&self) -> String {
        self.zone.clone()
    }

    fn cells(&self) -> Vec<String> {
        vec![
            self.zone.clone(),
            self.instances_running.to_string(),
            self.instances_pending.to_string(),
            self.targets_healthy.to_string(),
            self.targets_unhealthy.to_string(),
            match &self.worst_group_if_lost {
                Some(g) => format!("{} ({g})", self.healthy_if_lost),
                None => self.healthy_if_lost.to_string(),
            },
        ]
    }
}

/// Zones in name order; then as filtered and sorted.
pub fn zone_rows(fleet: &Snapshot, list: &ListState) -> Vec<ZoneSummary> {
    arrange(
        zone_distribution(fleet),
        View::Zones,
        list,
        ZoneSummary::cells,
    )
}

/// Calls `f` with the current view's rows, as filtered and sorted: the one place that
/// knows which rows each view has (None for the Overview, which has no table).
fn with_rows<T>(state: &AppState, f: impl FnOnce(&[&dyn TableRow]) -> T) -> Option<T> {
    fn call<R: TableRow, T>(rows: &[R], f: impl FnOnce(&[&dyn TableRow]) -> T) -> T {
        let rows: Vec<&dyn TableRow> = rows.iter().map(|r| r as &dyn TableRow).collect();
        f(&rows)
    }
    let (fleet, list) = (&state.fleet, state.list());
    Some(match state.view {
        View::Overview => return None,
        View::Targets => call(&target_rows(fleet, list), f),
        View::Capacity => call(&group_rows(fleet, list), f),
        View::ElasticIps => call(&address_rows(fleet, list), f),
        View::Zones => call(&zone_rows(fleet, list), f),
        View::Images => call(&image_rows(fleet, list), f),
        View::Patterns => call(&finding_rows(&state.patterns, list), f),
    })
}

/// The current view's table as text, as filtered and sorted (none for the Overview).
pub fn table_text(state: &AppState) -> Option<TableText> {
    let rows = with_rows(state, |rows| rows.iter().map(|r| r.cells()).collect())?;
    Some(TableText {
        titles: columns(state.view).iter().map(|c| c.title).collect(),
        rows,
    })
}

/// The id (or ARN) of the selected resource, for the clipboard.
pub fn selected_id(state: &AppState) -> Option<String> {
    with_rows(state, |rows| {
        let at = selected_index(state.list(), rows.len(), |k| {
            rows.iter().position(|r| r.key() == k)
        })?;
        rows[at].copy_id()
    })?
}

/// The keys of the current view's rows, in order (the Overview's are its pattern cards).
pub fn row_keys(state: &AppState) -> Vec<String> {
    with_rows(state, |rows| rows.iter().map(|r| r.key()).collect()).unwrap_or_else(|| {
        state
            .patterns
            .iter()
            .map(|r| r.pattern.name().to_string())
            .collect()
    })
}

/// Where the selection is among `len` rows: the selected resource's row. Before anything was
/// selected, the remembered position (the first row). When the selected resource is no
/// longer listed, nothing: the mark never lands on another resource by itself.
pub fn selected_index(
    list: &ListState,
    len: usize,
    position_of: impl Fn(&str) -> Option<usize>,
) -> Option<usize> {
    if len == 0 {
        return None;
    }
    match list.selected_key.as_deref() {
        Some(key) => position_of(key),
        None => Some(list.selected_index.min(len - 1)),
    }
}
