//! Simulated NFS: a server's latency under its clients, and replicas copying its content.

use super::scenario::ContentDef;
use super::world::World;
use crate::model::{
    InstanceMetric, InstanceState, MetricPoint, CONTENT_VERSION_TAG, FLOATING_IP_TAG, NFS_CLIENT,
    NFS_LATENCY_METRIC, ROLE_TAG,
};
use chrono::{DateTime, Duration, Utc};

/// The busiest an NFS server gets before it stops answering at all.
const MAX_UTILISATION: f64 = 0.95;

impl World {
    /// The `patrol:content-version` of the instance with this Name tag, if it is running.
    pub(super) fn content_version_of(&self, source: &str) -> Option<String> {
        self.instances
            .iter()
            .find(|i| i.name.as_deref() == Some(source) && i.terminated_at.is_none())
            .filter(|i| i.state == InstanceState::Running)
            .and_then(|i| i.tags.get(CONTENT_VERSION_TAG).cloned())
    }

    /// Instances of content groups hold the source's version from before the start and
    /// resync at spread-out moments.
    pub(super) fn settle_content(&mut self) {
        for (content, members) in self.content_groups() {
            let version = self.content_version_of(&content.source);
            let resync = content.resync.secs().max(1) as u64;
            for id in members {
                let at = self.now + Duration::seconds(1 + self.rng.below(resync) as i64);
                if let Some(i) = self.instance_mut(&id) {
                    i.next_sync = Some(at);
                    if let Some(v) = &version {
                        i.tags.insert(CONTENT_VERSION_TAG.into(), v.clone());
                    }
                }
            }
        }
    }

    /// Replicas copy the content once running (after the copy time), then every resync
    /// period; a source that is down or unversioned leaves them as they are.
    pub(super) fn sync_content(&mut self) {
        let now = self.now;
        for (content, members) in self.content_groups() {
            let version = self.content_version_of(&content.source);
            let copy = Duration::seconds(content.copy.secs());
            let resync = Duration::seconds(content.resync.secs().max(1));
            for id in members {
                let Some(i) = self.instance_mut(&id) else {
                    continue;
                };
                if i.state != InstanceState::Running {
                    continue;
                }
                match i.next_sync {
                    None => i.next_sync = Some(now + copy),
                    Some(at) if now >= at => {
                        if let Some(v) = &version {
                            i.tags.insert(CONTENT_VERSION_TAG.into(), v.clone());
                        }
                        i.next_sync = Some(now + resync);
                    }
                    Some(_) => {}
                }
            }
        }
    }

    /// Each group whose instances copy content: how, and its members' ids.
    pub(super) fn content_groups(&self) -> Vec<(ContentDef, Vec<String>)> {
        self.groups
            .iter()
            .filter_map(|g| {
                let members = g.members.iter().map(|m| m.instance_id.clone()).collect();
                Some((g.content.clone()?, members))
            })
            .collect()
    }

    /// Clients that mount an NFS server now: running, answering instances tagged nfs-client.
    fn nfs_clients(&self) -> usize {
        self.instances
            .iter()
            .filter(|i| i.tags.get(ROLE_TAG).map(String::as_str) == Some(NFS_CLIENT))
            .filter(|i| self.is_serving(i))
            .count()
    }

    /// One server's latency with `clients` mounted, in milliseconds, with a little noise.
    fn nfs_latency_now(&mut self, id: &str, clients: usize) -> Option<f64> {
        let def = self.nfs.get(id)?.clone();
        let serving = self.instance(id).is_some_and(|i| self.is_serving(i));
        if !serving {
            return None;
        }
        let load = (clients as f64 / def.saturation.max(1.0)).min(MAX_UTILISATION);
        let noise = 1.0 + self.rng.signed() * 0.05;
        Some(def.latency_ms / (1.0 - load) * noise)
    }

    /// The server the clients mount: a serving NFS server not tagged standby, or else the
    /// first serving one (a standby that has taken over), as the NFS checks read it.
    fn nfs_mounted(&self) -> Option<String> {
        let serving: Vec<&String> = (self.nfs.keys())
            .filter(|id| self.instance(id).is_some_and(|i| self.is_serving(i)))
            .collect();
        let standby = |id: &&String| {
            self.instance(id)
                .is_some_and(|i| i.tags.get(FLOATING_IP_TAG).map(String::as_str) == Some("standby"))
        };
        let active = serving.iter().find(|id| !standby(id)).or(serving.first());
        active.map(|id| (*id).clone())
    }

    /// Records this minute's latency point of every NFS server (none while it is down):
    /// the server the clients mount carries them; a standby idles.
    pub(super) fn record_nfs_latency(&mut self, at: DateTime<Utc>) {
        let clients = self.nfs_clients();
        let mounted = self.nfs_mounted();
        let servers: Vec<String> = self.nfs.keys().cloned().collect();
        for id in servers {
            let load = if mounted.as_ref() == Some(&id) {
                clients
            } else {
                0
            };
            let Some(value) = self.nfs_latency_now(&id, load) else {
                continue;
            };
            let series = self.nfs_latency.entry(id).or_default();
            series.push(MetricPoint { at, value });
            if series.len() > super::world::METRIC_HISTORY {
                series.remove(0);
            }
        }
    }

    /// GetMetricData of the NFS latency of every server that publishes it.
    pub(super) fn describe_instance_metrics(&self) -> Vec<InstanceMetric> {
        self.nfs_latency
            .iter()
            .map(|(id, points)| InstanceMetric {
                instance_id: id.clone(),
                metric: NFS_LATENCY_METRIC.into(),
                period_seconds: 60,
                points: points.clone(),
            })
            .collect()
    }
}
