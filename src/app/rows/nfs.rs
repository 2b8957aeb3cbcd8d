//! The rows of the NFS view: each NFS server (the one clients mount, its standbys) and each
//! replica, with its clients, its latency and its content version against the source's.

use crate::app::columns::{NfsCol, Row, Tone};
use crate::app::table::arrange;
use crate::app::{ListState, View};
use crate::model::{content_version, Instance, InstanceState, Nfs, Snapshot};
use crate::patterns::Settings;

/// What an instance is to the NFS patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NfsRole {
    /// The server the clients mount (and the replicas' source when not a standby).
    Active,
    /// Another server: it takes over when the active one fails.
    Standby,
    /// An instance that serves its own copy of the content.
    Replica,
}

impl NfsRole {
    pub fn as_str(self) -> &'static str {
        match self {
            NfsRole::Active => "server",
            NfsRole::Standby => "standby",
            NfsRole::Replica => "replica",
        }
    }
}

/// Where an instance's content stands against the source's.
#[derive(Debug, Clone, PartialEq)]
pub enum Content<'a> {
    /// The source's own version (None: untagged).
    Holds(Option<&'a str>),
    /// A replica or standby on the source's version.
    Current(&'a str),
    /// A replica or standby behind the source: what it has, what the source has. A
    /// standby behind serves old content the moment it takes over.
    Behind(&'a str, &'a str),
    /// A replica that has copied nothing yet (or a standby with no version).
    NotCopied,
    /// Nothing to compare against (no source, or it has no version): what it has.
    Unknown(Option<&'a str>),
}

impl<'a> Content<'a> {
    /// `has` against the source's version `source` (None: no source or no version).
    fn against(has: Option<&'a str>, source: Option<&'a str>) -> Content<'a> {
        match (has, source) {
            (has, None) => Content::Unknown(has),
            (None, Some(_)) => Content::NotCopied,
            (Some(v), Some(s)) if v == s => Content::Current(v),
            (Some(v), Some(s)) => Content::Behind(v, s),
        }
    }
}

/// One NFS server or replica.
#[derive(Debug, Clone)]
pub struct NfsRow<'a> {
    pub instance: &'a Instance,
    pub role: NfsRole,
    /// On the active server: the clients that mount it.
    pub clients: Option<usize>,
    /// The latest latency it published, in milliseconds.
    pub latency: Option<f64>,
    pub content: Content<'a>,
    /// What the checks compare against: clients, latency.
    limits: (usize, f64),
}

impl NfsRow<'_> {
    /// Its worst problem, lowest first (the order of the view): 0 fails, 1 warns, 2 is fine.
    fn rank(&self) -> u8 {
        match (self.tone(NfsCol::State), self.tone(NfsCol::Latency)) {
            (Tone::Crit | Tone::Warn, _) if self.role == NfsRole::Active => 0,
            (_, Tone::Crit) => 0,
            _ if [NfsCol::Clients, NfsCol::Latency, NfsCol::Content]
                .iter()
                .any(|c| self.tone(*c) != Tone::Ok && self.tone(*c) != Tone::Plain) =>
            {
                1
            }
            _ => 2,
        }
    }
}

impl Row for NfsRow<'_> {
    type Col = NfsCol;

    fn key(&self) -> String {
        self.instance.id.clone()
    }

    fn cell(&self, c: NfsCol) -> String {
        let i = self.instance;
        match c {
            NfsCol::Name => i.name.clone().unwrap_or_default(),
            NfsCol::Instance => i.id.clone(),
            NfsCol::Role => self.role.as_str().to_string(),
            NfsCol::State => i.state.as_str().to_string(),
            NfsCol::Zone => i.zone.clone(),
            NfsCol::Clients => self.clients.map_or(String::new(), |n| n.to_string()),
            NfsCol::Latency => self
                .latency
                .map_or(String::new(), |ms| format!("{ms:.1} ms")),
            NfsCol::Content => match &self.content {
                Content::Holds(v) => v.unwrap_or("untagged").to_string(),
                Content::Current(v) => format!("{v} current"),
                Content::Behind(v, source) => format!("{v} behind {source}"),
                Content::NotCopied => "not copied yet".to_string(),
                Content::Unknown(v) => format!("{} (no source)", v.unwrap_or("none")),
            },
        }
    }

    fn tone(&self, c: NfsCol) -> Tone {
        let (max_clients, max_latency) = self.limits;
        match c {
            NfsCol::State => match self.instance.state {
                InstanceState::Running => Tone::Ok,
                InstanceState::Pending => Tone::Warn,
                _ if self.role == NfsRole::Active => Tone::Crit,
                _ => Tone::Warn,
            },
            NfsCol::Clients => match self.clients {
                Some(n) if n > 2 * max_clients => Tone::Crit,
                Some(n) if n > max_clients => Tone::Warn,
                Some(_) => Tone::Ok,
                None => Tone::Plain,
            },
            NfsCol::Latency => match self.latency {
                Some(ms) if ms > 2.0 * max_latency => Tone::Crit,
                Some(ms) if ms > max_latency => Tone::Warn,
                Some(_) => Tone::Ok,
                None => Tone::Plain,
            },
            NfsCol::Content => match self.content {
                Content::Current(_) => Tone::Ok,
                Content::Behind(..) | Content::NotCopied => Tone::Warn,
                Content::Holds(None) | Content::Unknown(_) => Tone::Muted,
                Content::Holds(Some(_)) => Tone::Plain,
            },
            NfsCol::Role if self.role == NfsRole::Active => Tone::Title,
            _ => Tone::Plain,
        }
    }
}

/// The NFS servers, the active one first, then the replicas, those in trouble first; then
/// as filtered and sorted.
pub fn nfs_rows<'a>(fleet: &'a Snapshot, checks: &Settings, list: &ListState) -> Vec<NfsRow<'a>> {
    nfs_rows_of(fleet, &fleet.nfs(), checks, list)
}

/// The same, from the fleet's NFS roles already found (a view that also draws them).
pub fn nfs_rows_of<'a>(
    fleet: &'a Snapshot,
    nfs: &Nfs<'a>,
    checks: &Settings,
    list: &ListState,
) -> Vec<NfsRow<'a>> {
    let limits = (checks.max_nfs_clients, checks.max_nfs_latency_ms);
    let latency = |i: &Instance| {
        (fleet.nfs_latency(&i.id))
            .and_then(|m| m.points.last())
            .map(|p| p.value)
    };
    let source = nfs.source_version();
    let mut rows: Vec<NfsRow> = Vec::new();
    for &server in &nfs.servers {
        let active = nfs.active.is_some_and(|a| a.id == server.id);
        let is_source = nfs.source.is_some_and(|a| a.id == server.id);
        rows.push(NfsRow {
            instance: server,
            role: if active {
                NfsRole::Active
            } else {
                NfsRole::Standby
            },
            clients: active.then_some(nfs.clients.len()),
            latency: latency(server),
            content: if is_source {
                Content::Holds(content_version(server))
            } else {
                Content::against(content_version(server), source)
            },
            limits,
        });
    }
    for &replica in &nfs.replicas {
        let content = Content::against(content_version(replica), source);
        rows.push(NfsRow {
            instance: replica,
            role: NfsRole::Replica,
            clients: None,
            latency: latency(replica),
            content,
            limits,
        });
    }
    rows.sort_by(|a, b| {
        let order = |r: &NfsRow| (r.role, r.rank());
        (order(a), &a.instance.name, &a.instance.id).cmp(&(
            order(b),
            &b.instance.name,
            &b.instance.id,
        ))
    });
    arrange(rows, View::Nfs, list)
}
