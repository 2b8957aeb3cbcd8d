//! The NFS patterns' instances, found by their `patrol:role` tags: the one place that decides
//! which server the clients mount and which one the replicas copy from.

use super::{
    Instance, InstanceMetric, InstanceState, Snapshot, CONTENT_VERSION_TAG, NFS_CLIENT,
    NFS_LATENCY_METRIC, NFS_REPLICA, NFS_SERVER,
};

/// Servers, clients and replicas of a fleet.
#[derive(Debug, Clone)]
pub struct Nfs<'a> {
    /// Every server that is not terminated, in the fleet's order.
    pub servers: Vec<&'a Instance>,
    /// The content source: a running server not tagged standby. Replicas copy from it.
    pub source: Option<&'a Instance>,
    /// The server the clients mount: the source, or else the first running server (a
    /// standby that has taken over).
    pub active: Option<&'a Instance>,
    /// Clients that mount it now: running or pending.
    pub clients: Vec<&'a Instance>,
    /// Replicas that are not terminated.
    pub replicas: Vec<&'a Instance>,
}

/// Where the instances of each NFS role are in a snapshot's `instances`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NfsRoles {
    pub servers: Vec<u32>,
    pub clients: Vec<u32>,
    pub replicas: Vec<u32>,
}

impl<'a> Nfs<'a> {
    /// Whether the fleet has any instance of the NFS patterns.
    pub fn is_empty(&self) -> bool {
        self.servers.is_empty() && self.clients.is_empty() && self.replicas.is_empty()
    }

    /// The content version the replicas should hold: the source's tag.
    pub fn source_version(&self) -> Option<&'a str> {
        self.source.and_then(|s| content_version(s))
    }
}

/// An instance's `patrol:content-version` tag.
pub fn content_version(i: &Instance) -> Option<&str> {
    i.tags.get(CONTENT_VERSION_TAG).map(String::as_str)
}

impl Snapshot {
    /// The NFS patterns' instances.
    pub fn nfs(&self) -> Nfs<'_> {
        self.nfs_of(&self.nfs_roles())
    }

    /// Where the instances with an NFS role are in `instances` (each tag read once).
    pub fn nfs_roles(&self) -> NfsRoles {
        let mut roles = NfsRoles::default();
        for (at, i) in self.instances.iter().enumerate() {
            let list = match i.role() {
                Some(NFS_SERVER) => &mut roles.servers,
                Some(NFS_CLIENT) => &mut roles.clients,
                Some(NFS_REPLICA) => &mut roles.replicas,
                _ => continue,
            };
            list.push(at as u32);
        }
        roles
    }

    /// The NFS patterns' instances, from their roles found in this snapshot (`nfs_roles`).
    pub fn nfs_of(&self, roles: &NfsRoles) -> Nfs<'_> {
        let of = |list: &[u32]| -> Vec<&Instance> {
            (list.iter())
                .filter_map(|at| self.instances.get(*at as usize))
                .filter(|i| i.state != InstanceState::Terminated)
                .collect()
        };
        let servers = of(&roles.servers);
        let running = || (servers.iter().copied()).filter(|i| i.state == InstanceState::Running);
        let source = running().find(|i| !i.is_tagged_standby());
        let active = source.or_else(|| running().next());
        let clients = (of(&roles.clients).into_iter())
            .filter(|i| matches!(i.state, InstanceState::Running | InstanceState::Pending))
            .collect();
        let replicas = of(&roles.replicas);
        Nfs {
            servers,
            source,
            active,
            clients,
            replicas,
        }
    }

    /// An NFS server's latency series (milliseconds), if it publishes one.
    pub fn nfs_latency(&self, instance_id: &str) -> Option<&InstanceMetric> {
        (self.instance_metrics.iter())
            .find(|m| m.instance_id == instance_id && m.metric == NFS_LATENCY_METRIC)
    }
}
