//! The rows of the resource views: targets, Auto Scaling groups, images, Elastic IPs.

use crate::app::columns::{AddressCol, GroupCol, ImageCol, Row, TargetCol, Tone};
use crate::app::table::arrange;
use crate::app::{ListState, View};
use crate::model::{
    AutoScalingGroup, ElasticIp, Image, Instance, OutOfService, Snapshot, Standbys, TargetGroup,
    TargetHealth, TargetHealthState,
};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// One target of one target group, joined with its instance; or, for an instance out for
/// maintenance, the target it left (listed, so it can be brought back from here).
#[derive(Debug, Clone, Copy)]
pub struct TargetRow<'a> {
    pub group: &'a TargetGroup,
    /// `None`: no longer registered, because the instance is out for maintenance.
    pub target: Option<&'a TargetHealth>,
    pub target_id: &'a str,
    pub port: u16,
    pub instance: Option<&'a Instance>,
    /// Set when the instance is out for maintenance.
    pub out: Option<Out>,
}

/// How an instance is out for maintenance, for its rows.
#[derive(Debug, Clone, Copy)]
pub struct Out {
    /// When it went out (its `patrol:maintenance` tag); `None` for someone else's Standby.
    pub since: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
}

impl Out {
    /// How `o` is out, as of the fleet's time.
    fn of(o: &OutOfService, fleet: &Snapshot) -> Out {
        Out {
            since: o.note.as_ref().map(|n| n.since),
            now: fleet.taken_at,
        }
    }

    /// "maintenance 12m", or "Standby (not by patrol)".
    pub fn words(&self) -> String {
        match self.since {
            Some(t) => format!("maintenance {}", crate::model::age_text(self.now - t)),
            None => "Standby (not by patrol)".into(),
        }
    }
}

impl TargetRow<'_> {
    pub fn zone(&self) -> &str {
        self.instance.map_or("", |i| i.zone.as_str())
    }

    /// The state shown: the load balancer's, or `out` once it has left.
    pub fn state_text(&self) -> &'static str {
        self.target.map_or("out", |t| t.state.as_str())
    }

    fn rank(&self) -> u8 {
        self.target
            .map_or(TargetHealthState::Draining, |t| t.state)
            .severity_rank()
    }

    /// The line under the table for the selected row.
    pub fn detail(&self) -> String {
        let base = format!("{}:{} on {}", self.target_id, self.port, self.group.name);
        match (self.target, self.out) {
            (None, Some(out)) => format!("{base}: {}; deregistered, m brings it back", out.words()),
            (Some(t), out) => {
                let what = t.description.as_deref().unwrap_or(t.state.as_str());
                match out {
                    Some(out) => format!("{base}: {}; {what}", out.words()),
                    None => format!("{base}: {what}"),
                }
            }
            (None, None) => base,
        }
    }
}

impl Row for TargetRow<'_> {
    type Col = TargetCol;

    fn key(&self) -> String {
        // The same key while draining and once gone: the selection stays on the row.
        target_key(&self.group.arn, self.target_id, self.port)
    }

    fn copy_id(&self) -> Option<String> {
        Some(self.target_id.to_string())
    }

    fn cell(&self, c: TargetCol) -> String {
        match c {
            TargetCol::Group => self.group.name.clone(),
            TargetCol::Target => format!("{}:{}", self.target_id, self.port),
            TargetCol::Name => self
                .instance
                .and_then(|i| i.name.clone())
                .unwrap_or_default(),
            TargetCol::Zone => self.zone().to_string(),
            TargetCol::State => self.state_text().to_string(),
            TargetCol::Reason => {
                let reason = self.target.and_then(|t| t.reason.clone());
                match (self.out, reason) {
                    (Some(out), Some(r)) => format!("{}: {r}", out.words()),
                    (Some(out), None) => out.words(),
                    (None, r) => r.unwrap_or_default(),
                }
            }
            TargetCol::Instance => self
                .instance
                .map_or("unknown", |i| i.state.as_str())
                .to_string(),
        }
    }

    fn tone(&self, c: TargetCol) -> Tone {
        match (c, self.out, self.target) {
            // Out on purpose: information, not an alarm.
            (TargetCol::State | TargetCol::Reason, Some(_), _) => Tone::Info,
            (TargetCol::State, None, Some(t)) => Tone::of_target(t.state),
            _ => Tone::Plain,
        }
    }
}

/// Instances out for maintenance (`fleet.out_of_service()`), by id.
fn outs_of(fleet: &Snapshot, outs: &[OutOfService]) -> HashMap<String, Out> {
    (outs.iter())
        .map(|o| (o.instance_id.clone(), Out::of(o, fleet)))
        .collect()
}

/// The key of a target's row: its group, instance and port.
pub fn target_key(group_arn: &str, instance_id: &str, port: u16) -> String {
    format!("{group_arn}|{instance_id}:{port}")
}

/// The group of a `target_key` in `fleet`, with the target's id and port.
pub fn of_target_key<'a, 'k>(
    fleet: &'a Snapshot,
    key: &'k str,
) -> Option<(&'a TargetGroup, &'k str, u16)> {
    let (arn, target) = key.split_once('|')?;
    let (id, port) = target.rsplit_once(':')?;
    let port: u16 = port.parse().ok()?;
    let group = fleet.target_groups.iter().find(|g| g.arn == arn)?;
    Some((group, id, port))
}

/// Every target, unhealthy first, then by group, zone and id, with the targets instances
/// out for maintenance have left; then as filtered and sorted.
pub fn target_rows<'a>(fleet: &'a Snapshot, list: &ListState) -> Vec<TargetRow<'a>> {
    target_rows_by(fleet, &super::Lookups::of(fleet), list)
}

/// `target_rows`, with the fleet's lookups (made from `fleet`).
pub fn target_rows_by<'a>(
    fleet: &'a Snapshot,
    lookups: &super::Lookups,
    list: &ListState,
) -> Vec<TargetRow<'a>> {
    let outs = outs_of(fleet, &lookups.outs);
    // Most fleets have nobody out: no lookup per target then.
    let out_of = |id: &str| -> Option<Out> {
        if outs.is_empty() {
            None
        } else {
            outs.get(id).copied()
        }
    };
    let mut rows: Vec<TargetRow> = fleet
        .target_groups
        .iter()
        .flat_map(|g| {
            g.targets.iter().map(move |t| TargetRow {
                group: g,
                target: Some(t),
                target_id: &t.target_id,
                port: t.port,
                instance: lookups.instance(fleet, &t.target_id),
                out: out_of(&t.target_id),
            })
        })
        .collect();
    for o in &lookups.outs {
        let Some(instance) = lookups.instance(fleet, &o.instance_id) else {
            continue;
        };
        for (g, port) in left_targets(fleet, o) {
            rows.push(TargetRow {
                group: g,
                target: None,
                target_id: &instance.id,
                port,
                instance: Some(instance),
                out: out_of(&o.instance_id),
            });
        }
    }
    // Each row ranked once, not at every comparison.
    let mut ranked: Vec<(u8, TargetRow)> = rows.into_iter().map(|r| (r.rank(), r)).collect();
    ranked.sort_by(|(ra, a), (rb, b)| {
        (ra, &a.group.name, a.zone(), a.target_id).cmp(&(rb, &b.group.name, b.zone(), b.target_id))
    });
    let rows = ranked.into_iter().map(|(_, r)| r).collect();
    arrange(rows, View::Targets, list)
}

/// The targets an instance out for maintenance has left that its groups no longer list.
pub fn left_targets<'a>(fleet: &'a Snapshot, o: &OutOfService) -> Vec<(&'a TargetGroup, u16)> {
    let mut left = o.left(fleet);
    left.retain(|(g, port)| {
        !g.targets
            .iter()
            .any(|t| t.target_id == o.instance_id && t.port == *port)
    });
    left
}

/// The row of `key` (`target_key`), made alone: what a frame needs of the rows it draws,
/// without making the other thousands. None when the fleet has no such target.
pub fn target_row_of<'a>(
    fleet: &'a Snapshot,
    lookups: &super::Lookups,
    key: &str,
) -> Option<TargetRow<'a>> {
    let (group, id, port) = of_target_key(fleet, key)?;
    let listed = group
        .targets
        .iter()
        .find(|t| t.target_id == id && t.port == port);
    let out_of_service = lookups.outs.iter().find(|o| o.instance_id == id);
    let out = out_of_service.map(|o| Out::of(o, fleet));
    let instance = lookups.instance(fleet, id);
    match listed {
        Some(t) => Some(TargetRow {
            group,
            target: Some(t),
            target_id: &t.target_id,
            port,
            instance,
            out,
        }),
        // A target left by an instance out for maintenance.
        None => {
            let o = out_of_service?;
            let instance = instance?;
            left_targets(fleet, o)
                .iter()
                .any(|(g, p)| g.arn == group.arn && *p == port)
                .then_some(TargetRow {
                    group,
                    target: None,
                    target_id: &instance.id,
                    port,
                    instance: Some(instance),
                    out,
                })
        }
    }
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
            GroupCol::Standby => (g.count(&LifecycleState::Standby)
                + g.count(&LifecycleState::EnteringStandby))
            .to_string(),
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
            GroupCol::Standby
                if g.count(&LifecycleState::Standby)
                    + g.count(&LifecycleState::EnteringStandby)
                    > 0 =>
            {
                Tone::Info
            }
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
    arrange(rows, View::Capacity, list)
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
    arrange(rows, View::Images, list)
}

/// One Elastic IP joined with its instance and that instance's target health.
#[derive(Debug, Clone)]
pub struct AddressRow<'a> {
    pub address: &'a ElasticIp,
    pub instance: Option<&'a Instance>,
    /// The worst state of the instance's targets, with the group names.
    pub health: Option<(TargetHealthState, Vec<&'a str>)>,
    /// Set when the instance is out for maintenance.
    pub out: Option<Out>,
    /// What `s` would do now: the standby and how its checks stand.
    pub swap: SwapPreview,
}

/// The standby a swap of an address would use now, and whether its plan's checks pass:
/// the same plan `s` opens, so the row never promises what the dialog would not do.
#[derive(Debug, Clone, PartialEq)]
pub struct SwapPreview {
    pub text: String,
    pub tone: Tone,
}

impl SwapPreview {
    fn of(fleet: &Snapshot, standbys: &Standbys, allocation_id: &str) -> SwapPreview {
        use crate::ops::action::Field;
        use crate::ops::plan::CheckLevel;
        let swap = crate::ops::swap::Swap::new(allocation_id, None);
        let Some(plan) = swap.plan_with(fleet, standbys) else {
            return SwapPreview {
                text: String::new(),
                tone: Tone::Plain,
            };
        };
        let to = plan.fields.iter().find_map(|f| match f {
            Field::Pick { value, .. } if !value.is_empty() => Some(value.clone()),
            _ => None,
        });
        let Some(to) = to else {
            return SwapPreview {
                text: "no standby".into(),
                tone: Tone::Crit,
            };
        };
        let label = fleet.instance(&to).map_or(to.clone(), |i| {
            i.name.clone().unwrap_or_else(|| i.id.clone())
        });
        let first = |level: CheckLevel| plan.checks.iter().find(|c| c.level == level);
        match (first(CheckLevel::Fail), first(CheckLevel::Choice)) {
            (Some(c), _) => SwapPreview {
                text: format!("{label} ✗ {}", c.what),
                tone: Tone::Crit,
            },
            (None, Some(c)) => SwapPreview {
                text: format!("{label} ? {}", c.what),
                tone: Tone::Warn,
            },
            (None, None) => SwapPreview {
                text: format!("{label} ✓ checks pass"),
                tone: Tone::Ok,
            },
        }
    }
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
            AddressCol::SwapTo => self.swap.text.clone(),
            AddressCol::Health => {
                let health = match (self.instance, &self.health) {
                    (None, _) => String::new(),
                    (Some(_), Some((s, groups))) => {
                        format!("{} ({})", s.as_str(), groups.join(", "))
                    }
                    (Some(_), None) => "not a target".to_string(),
                };
                match self.out {
                    Some(out) => format!("{} · {health}", out.words()),
                    None => health,
                }
            }
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
            AddressCol::SwapTo => self.swap.tone,
            AddressCol::Health if self.out.is_some() => Tone::Info,
            AddressCol::Health => self
                .health
                .as_ref()
                .map_or(Tone::Muted, |(s, _)| Tone::of_target(*s)),
            _ => Tone::Plain,
        }
    }
}

/// What `s` would do now for each address, by allocation id (`SwapPreview`).
pub type SwapPreviews = HashMap<String, SwapPreview>;

/// The swap previews of every address of `fleet`: a plan each, so made once per change of
/// the fleet, not per frame.
pub fn swap_previews(fleet: &Snapshot) -> SwapPreviews {
    let standbys = fleet.standbys();
    (fleet.elastic_ips.iter())
        .map(|a| {
            let preview = SwapPreview::of(fleet, &standbys, &a.allocation_id);
            (a.allocation_id.clone(), preview)
        })
        .collect()
}

/// Elastic IPs: unassociated ones first (they need attention), then by address; then as
/// filtered and sorted. `previews`: `swap_previews(fleet)`.
pub fn address_rows<'a>(
    fleet: &'a Snapshot,
    lookups: &super::Lookups,
    previews: &SwapPreviews,
    list: &ListState,
) -> Vec<AddressRow<'a>> {
    // The worst state of an instance's targets, with their groups' names.
    let health = |id: &str| -> Option<(TargetHealthState, Vec<&'a str>)> {
        let links = lookups.links(fleet, id)?;
        let mut worst: Option<(TargetHealthState, Vec<&str>)> = None;
        for (g, t) in &links.targets {
            let g = &fleet.target_groups[*g as usize];
            let state = g.targets[*t as usize].state;
            let entry = worst.get_or_insert((state, Vec::new()));
            if state.severity_rank() < entry.0.severity_rank() {
                entry.0 = state;
            }
            entry.1.push(g.name.as_str());
        }
        worst
    };
    let outs = outs_of(fleet, &lookups.outs);
    let mut rows: Vec<AddressRow> = fleet
        .elastic_ips
        .iter()
        .map(|a| {
            let id = a.instance_id.as_deref();
            AddressRow {
                address: a,
                instance: id.and_then(|id| lookups.instance(fleet, id)),
                health: id.and_then(health),
                out: id.and_then(|id| outs.get(id).copied()),
                swap: (previews.get(&a.allocation_id).cloned())
                    .unwrap_or_else(|| SwapPreview::of(fleet, &fleet.standbys(), &a.allocation_id)),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.address.instance_id.is_some(), &a.address.public_ip)
            .cmp(&(b.address.instance_id.is_some(), &b.address.public_ip))
    });
    arrange(rows, View::ElasticIps, list)
}
