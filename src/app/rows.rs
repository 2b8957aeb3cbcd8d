//! The rows of each view, filtered and ordered; navigation and drawing both use these.

use super::columns::{
    AddressCol, Column, FindingCol, GroupCol, ImageCol, Row, TargetCol, Tone, ZoneCol,
};
use super::table::{arrange, columns, TableText};
use super::{AppState, ListState, View};
use crate::model::{
    zone_distribution, AutoScalingGroup, ElasticIp, Image, Instance, Snapshot, TargetGroup,
    TargetHealth, TargetHealthState, ZoneSummary,
};
use crate::patterns::{Finding, Report, Verdict};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// Every cell of a row, in its columns' order: what is filtered, sorted and exported.
pub fn cells<R: Row>(row: &R) -> Vec<String> {
    R::Col::ALL.iter().map(|c| row.cell(*c)).collect()
}

/// A row of any view, for the code that handles the current view's rows whatever they are.
pub trait AnyRow {
    fn row_key(&self) -> String;
    fn row_cells(&self) -> Vec<String>;
    fn row_copy_id(&self) -> Option<String>;
}

impl<R: Row> AnyRow for R {
    fn row_key(&self) -> String {
        self.key()
    }
    fn row_cells(&self) -> Vec<String> {
        cells(self)
    }
    fn row_copy_id(&self) -> Option<String> {
        self.copy_id()
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

impl Row for TargetRow<'_> {
    type Col = TargetCol;

    fn key(&self) -> String {
        format!(
            "{}|{}:{}",
            self.group.arn, self.target.target_id, self.target.port
        )
    }

    fn copy_id(&self) -> Option<String> {
        Some(self.target.target_id.clone())
    }

    fn cell(&self, c: TargetCol) -> String {
        match c {
            TargetCol::Group => self.group.name.clone(),
            TargetCol::Target => format!("{}:{}", self.target.target_id, self.target.port),
            TargetCol::Name => self
                .instance
                .and_then(|i| i.name.clone())
                .unwrap_or_default(),
            TargetCol::Zone => self.zone().to_string(),
            TargetCol::State => self.target.state.as_str().to_string(),
            TargetCol::Reason => self.target.reason.clone().unwrap_or_default(),
            TargetCol::Instance => self
                .instance
                .map_or("unknown", |i| i.state.as_str())
                .to_string(),
        }
    }

    fn tone(&self, c: TargetCol) -> Tone {
        match c {
            TargetCol::State => Tone::of_target(self.target.state),
            _ => Tone::Plain,
        }
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
    arrange(rows, View::Targets, list, cells)
}

/// An Auto Scaling group with its latest CPU.
#[derive(Debug, Clone, Copy)]
pub struct GroupRow<'a> {
    pub group: &'a AutoScalingGroup,
    pub cpu: Option<f64>,
}

impl Row for GroupRow<'_> {
    type Col = GroupCol;

    fn key(&self) -> String {
        self.group.name.clone()
    }

    fn cell(&self, c: GroupCol) -> String {
        use crate::model::LifecycleState;
        let g = self.group;
        match c {
            GroupCol::Group => g.name.clone(),
            GroupCol::Min => g.min.to_string(),
            GroupCol::Desired => g.desired.to_string(),
            GroupCol::Max => g.max.to_string(),
            GroupCol::InService => g.count(&LifecycleState::InService).to_string(),
            GroupCol::Pending => g.count(&LifecycleState::Pending).to_string(),
            GroupCol::Terminating => g.count(&LifecycleState::Terminating).to_string(),
            GroupCol::Unhealthy => g
                .instances
                .iter()
                .filter(|i| !i.healthy)
                .count()
                .to_string(),
            GroupCol::Zones => g.zones.len().to_string(),
            GroupCol::Cpu => self.cpu.map_or(String::new(), |v| format!("{v:.0}%")),
        }
    }

    fn shown(&self, c: GroupCol, _now: DateTime<Utc>) -> String {
        match (c, self.cpu) {
            (GroupCol::Cpu, None) => "-".into(),
            _ => self.cell(c),
        }
    }

    fn tone(&self, c: GroupCol) -> Tone {
        use crate::model::LifecycleState;
        let g = self.group;
        match c {
            GroupCol::Max => Tone::warn_if(g.desired >= g.max),
            GroupCol::InService => {
                let in_service = g.count(&LifecycleState::InService) as u32;
                if in_service < g.min {
                    Tone::Crit
                } else if in_service != g.desired {
                    Tone::Warn
                } else {
                    Tone::Ok
                }
            }
            GroupCol::Pending => Tone::warn_if(g.count(&LifecycleState::Pending) > 0),
            GroupCol::Unhealthy if g.instances.iter().any(|i| !i.healthy) => Tone::Crit,
            _ => Tone::Plain,
        }
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
    arrange(rows, View::Capacity, list, cells)
}

/// An image with the instance it was made from, when that instance is in the snapshot.
#[derive(Debug, Clone, Copy)]
pub struct ImageRow<'a> {
    pub image: &'a Image,
    pub source: Option<&'a Instance>,
}

impl Row for ImageRow<'_> {
    type Col = ImageCol;

    fn key(&self) -> String {
        self.image.id.clone()
    }

    fn cell(&self, c: ImageCol) -> String {
        let i = self.image;
        match c {
            ImageCol::Name => i.name.clone(),
            ImageCol::Image => i.id.clone(),
            ImageCol::State => i.state.as_str().to_string(),
            ImageCol::Source => match (self.source, &i.source_instance_id) {
                (Some(instance), _) => instance.label(),
                (None, Some(id)) => id.clone(),
                (None, None) => String::new(),
            },
            ImageCol::Created => i
                .created_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }

    /// The cell is the creation time (it sorts and exports); the screen shows the age.
    fn shown(&self, c: ImageCol, now: DateTime<Utc>) -> String {
        match c {
            ImageCol::Created => crate::model::age_text(now - self.image.created_at),
            _ => self.cell(c),
        }
    }

    fn tone(&self, c: ImageCol) -> Tone {
        use crate::model::ImageState;
        match (c, self.image.state) {
            (ImageCol::State, ImageState::Available) => Tone::Ok,
            (ImageCol::State, ImageState::Pending) => Tone::Warn,
            (ImageCol::State, ImageState::Failed | ImageState::Deregistered) => Tone::Crit,
            _ => Tone::Plain,
        }
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
    arrange(rows, View::Images, list, cells)
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
    /// The instance's state, or what stands in for it.
    fn state(&self) -> String {
        match (&self.address.instance_id, self.instance) {
            (None, _) => "unassociated".to_string(),
            (Some(_), None) => "not found".to_string(),
            (Some(_), Some(i)) => i.state.as_str().to_string(),
        }
    }
}

impl Row for AddressRow<'_> {
    type Col = AddressCol;

    fn key(&self) -> String {
        self.address.allocation_id.clone()
    }

    fn cell(&self, c: AddressCol) -> String {
        let a = self.address;
        match c {
            AddressCol::Address => a.public_ip.clone(),
            AddressCol::Name => a.tags.get("Name").cloned().unwrap_or_default(),
            AddressCol::Instance => a.instance_id.clone().unwrap_or_default(),
            AddressCol::InstanceName => self
                .instance
                .and_then(|i| i.name.clone())
                .unwrap_or_default(),
            AddressCol::Role => self
                .instance
                .and_then(|i| i.tags.get(crate::model::FLOATING_IP_TAG).cloned())
                .unwrap_or_default(),
            AddressCol::State => self.state(),
            AddressCol::Health => match (self.instance, &self.health) {
                (None, _) => String::new(),
                (Some(_), Some((s, groups))) => format!("{} ({})", s.as_str(), groups.join(", ")),
                (Some(_), None) => "not a target".to_string(),
            },
        }
    }

    /// On screen an unassociated address says so where its instance would be.
    fn shown(&self, c: AddressCol, _now: DateTime<Utc>) -> String {
        match c {
            AddressCol::Instance if self.address.instance_id.is_some() => {
                format!("→ {}", self.cell(c))
            }
            AddressCol::Instance => self.state(),
            AddressCol::State if self.address.instance_id.is_none() => String::new(),
            _ => self.cell(c),
        }
    }

    fn tone(&self, c: AddressCol) -> Tone {
        use crate::model::InstanceState;
        match c {
            AddressCol::Instance if self.address.instance_id.is_none() => Tone::Warn,
            AddressCol::State => match self.instance {
                Some(i) if i.state == InstanceState::Running => Tone::Ok,
                _ => Tone::Crit,
            },
            AddressCol::Health => self
                .health
                .as_ref()
                .map_or(Tone::Muted, |(s, _)| Tone::of_target(*s)),
            _ => Tone::Plain,
        }
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
    arrange(rows, View::ElasticIps, list, cells)
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
    arrange(rows, View::Patterns, list, cells)
}

/// A zone, with the largest counts of all zones (its bars are drawn against them).
#[derive(Debug, Clone)]
pub struct ZoneRow {
    pub zone: ZoneSummary,
    pub most_instances: usize,
    pub most_targets: usize,
}

/// The width of a zone's bars.
const BAR: usize = 12;

/// A bar of `n` out of `max`, `BAR` cells wide at most, and the number.
fn bar(n: usize, max: usize) -> String {
    let cells = if max == 0 { 0 } else { (n * BAR).div_ceil(max) };
    format!("{:<BAR$} {n:>3}", "█".repeat(cells))
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
            ZoneCol::IfLost if z.healthy_if_lost == 0 => Tone::Crit,
            ZoneCol::IfLost => Tone::Plain,
        }
    }
}

/// Zones in name order; then as filtered and sorted.
pub fn zone_rows(fleet: &Snapshot, list: &ListState) -> Vec<ZoneRow> {
    let zones = zone_distribution(fleet);
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
    arrange(rows, View::Zones, list, cells)
}

/// Calls `f` with the current view's rows, as filtered and sorted: the one place that
/// knows which rows each view has (None for the Overview, which has no table).
fn with_rows<T>(state: &AppState, f: impl FnOnce(&[&dyn AnyRow]) -> T) -> Option<T> {
    fn call<R: Row, T>(rows: &[R], f: impl FnOnce(&[&dyn AnyRow]) -> T) -> T {
        let rows: Vec<&dyn AnyRow> = rows.iter().map(|r| r as &dyn AnyRow).collect();
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
    let rows = with_rows(state, |rows| rows.iter().map(|r| r.row_cells()).collect())?;
    Some(TableText {
        titles: columns(state.view).iter().map(|c| c.title).collect(),
        rows,
    })
}

/// The id (or ARN) of the selected resource, for the clipboard.
pub fn selected_id(state: &AppState) -> Option<String> {
    with_rows(state, |rows| {
        let at = selected_index(state.list(), rows.len(), |k| {
            rows.iter().position(|r| r.row_key() == k)
        })?;
        rows[at].row_copy_id()
    })?
}

/// The keys of the current view's rows, in order (the Overview's are its pattern cards).
pub fn row_keys(state: &AppState) -> Vec<String> {
    with_rows(state, |rows| rows.iter().map(|r| r.row_key()).collect()).unwrap_or_else(|| {
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
