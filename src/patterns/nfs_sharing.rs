//! NFS Sharing (by tag convention): one NFS server, a standby for it, not too many clients,
//! and its latency (warns above the limit, fails above twice it).

use super::{finding, Finding, Pattern, Report, Settings, Verdict};
use crate::model::{Instance, InstanceState, Snapshot, NFS_SERVER};

pub fn check(s: &Snapshot, settings: &Settings) -> Report {
    let nfs = s.nfs();
    let clients = nfs.clients.len();
    if nfs.servers.is_empty() && clients == 0 {
        return Report::new(
            Pattern::NfsSharing,
            format!("no instance tagged patrol:role={NFS_SERVER}"),
            vec![],
        );
    }
    let running: Vec<&Instance> = (nfs.servers.iter().copied())
        .filter(|i| i.state == InstanceState::Running)
        .collect();
    let mut findings = Vec::new();
    // The server the clients mount: the one not tagged standby.
    let Some(active) = nfs.active else {
        let why = match nfs.servers.first() {
            Some(i) => format!("{} is {}", i.label(), i.state.as_str()),
            None => format!("there is no {NFS_SERVER}"),
        };
        findings.push(finding(
            Verdict::Fail,
            &[],
            format!(
                "{clients} NFS clients and no running NFS server ({why}): they lose their files"
            ),
        ));
        return Report::new(Pattern::NfsSharing, "no NFS server running", findings);
    };
    let server = active.label();
    findings.push(if running.len() > 1 {
        let standby = running
            .iter()
            .find(|i| i.id != active.id)
            .map(|i| i.label());
        finding(
            Verdict::Pass,
            &[&active.id],
            format!("{server} has a standby: {}", standby.unwrap_or_default()),
        )
    } else {
        finding(
            Verdict::Warn,
            &[&active.id],
            format!(
                "{server} has no standby: if it fails every client loses its files (tag a \
                 second instance patrol:role={NFS_SERVER})"
            ),
        )
    });
    // A standby behind the source serves old files the moment it takes over: the NFS view
    // draws it amber, and so does the check.
    if let Some(version) = nfs.source_version() {
        for standby in running
            .iter()
            .filter(|i| Some(i.id.as_str()) != nfs.source.map(|s| s.id.as_str()))
        {
            let has = crate::model::content_version(standby);
            if has != Some(version) {
                findings.push(finding(
                    Verdict::Warn,
                    &[&standby.id],
                    format!(
                        "standby {} has {}, the source has {version}: on failover the clients \
                         would see old files",
                        standby.label(),
                        has.map_or("no content version".to_string(), |v| format!("content {v}"))
                    ),
                ));
            }
        }
    }
    let limit = settings.max_nfs_clients;
    findings.push(match clients {
        n if n > 2 * limit => finding(
            Verdict::Fail,
            &[&active.id],
            format!("{n} clients on one NFS server, more than twice the {limit} it should carry: NFS Replica takes the reads off it"),
        ),
        n if n > limit => finding(
            Verdict::Warn,
            &[&active.id],
            format!("{n} clients on one NFS server, more than {limit}: it is becoming the bottleneck"),
        ),
        n => finding(
            Verdict::Pass,
            &[&active.id],
            format!(
                "{} on {server} (up to {limit} is fine)",
                crate::model::plural(n, "client")
            ),
        ),
    });
    let latency = (s.nfs_latency(&active.id))
        .and_then(|m| m.points.last())
        .map(|p| p.value);
    if let Some(ms) = latency {
        findings.push(latency_finding(&active.id, &server, ms, settings));
    }
    let ms = latency.map_or(String::new(), |v| format!(" · {v:.1} ms"));
    let name = active.name.as_deref().unwrap_or(&active.id);
    let headline = format!("{name} · {}{ms}", crate::model::plural(clients, "client"));
    Report::new(Pattern::NfsSharing, headline, findings)
}

fn latency_finding(id: &str, server: &str, ms: f64, settings: &Settings) -> Finding {
    let limit = settings.max_nfs_latency_ms;
    if ms > 2.0 * limit {
        finding(
            Verdict::Fail,
            &[id],
            format!(
                "{server} answers in {ms:.1} ms, more than twice the {limit:.0} ms it should: \
                 clients stall on every read"
            ),
        )
    } else if ms > limit {
        finding(
            Verdict::Warn,
            &[id],
            format!("{server} answers in {ms:.1} ms, above {limit:.0} ms: clients wait on it"),
        )
    } else {
        finding(
            Verdict::Pass,
            &[id],
            format!("{server} answers in {ms:.1} ms"),
        )
    }
}
