//! NFS Replica (by tag convention): every replica serves the source's content version.

use super::{finding, Finding, Pattern, Report, Verdict};
use crate::model::{
    content_version, Instance, InstanceState, Snapshot, CONTENT_VERSION_TAG, NFS_REPLICA,
    NFS_SERVER,
};

pub fn check(s: &Snapshot) -> Report {
    let nfs = s.nfs();
    let replicas: Vec<&Instance> = (nfs.replicas.iter().copied())
        .filter(|i| i.state == InstanceState::Running)
        .collect();
    if replicas.is_empty() {
        return Report::new(
            Pattern::NfsReplica,
            format!("no running instance tagged patrol:role={NFS_REPLICA}"),
            vec![],
        );
    }
    let Some(source) = nfs.source else {
        let f = finding(
            Verdict::Fail,
            &[],
            format!(
                "{} and no running {NFS_SERVER} to copy content from: new instances boot \
                 with nothing to serve",
                crate::model::plural(replicas.len(), "replica")
            ),
        );
        return Report::new(Pattern::NfsReplica, "no content source", vec![f]);
    };
    let Some(current) = content_version(source) else {
        let f = finding(
            Verdict::Warn,
            &[&source.id],
            format!(
                "{} has no {CONTENT_VERSION_TAG} tag: stale replicas cannot be told apart",
                source.label()
            ),
        );
        return Report::new(Pattern::NfsReplica, "source version unknown", vec![f]);
    };
    let mut findings: Vec<Finding> = Vec::new();
    let mut stale = 0;
    for r in &replicas {
        match content_version(r) {
            Some(v) if v == current => {}
            Some(v) => {
                stale += 1;
                findings.push(finding(
                    Verdict::Warn,
                    &[&r.id],
                    format!(
                        "{} serves content {v}, behind the source's {current}: stale until it resyncs",
                        r.label()
                    ),
                ));
            }
            None => {
                stale += 1;
                findings.push(finding(
                    Verdict::Warn,
                    &[&r.id],
                    format!("{} has not copied the content yet", r.label()),
                ));
            }
        }
    }
    let total = replicas.len();
    if stale == total {
        findings.push(finding(
            Verdict::Fail,
            &[&source.id],
            format!(
                "every replica ({total}) is behind {current}: visitors see old content everywhere"
            ),
        ));
    } else {
        findings.push(finding(
            Verdict::Pass,
            &[&source.id],
            format!(
                "{} of {total} replicas on the source's {current}",
                total - stale
            ),
        ));
    }
    let headline = if stale == 0 {
        format!(
            "{} · all on {current}",
            crate::model::plural(total, "replica")
        )
    } else {
        format!(
            "{} · {stale} behind {current}",
            crate::model::plural(total, "replica")
        )
    };
    Report::new(Pattern::NfsReplica, headline, findings)
}
