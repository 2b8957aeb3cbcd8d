//! Floating IP: every Elastic IP is bound to a running, healthy instance and has a standby.

use super::{finding, Finding, Pattern, Report, Verdict};
use crate::model::{ElasticIp, InstanceState, Snapshot, Standbys, TargetHealthState};

pub fn check(s: &Snapshot) -> Report {
    if s.elastic_ips.is_empty() {
        return Report::new(Pattern::FloatingIp, "no Elastic IPs", vec![]);
    }
    let standbys = s.standbys();
    let findings: Vec<Finding> = s
        .elastic_ips
        .iter()
        .map(|a| address(&standbys, a))
        .collect();
    let headline: Vec<String> = s
        .elastic_ips
        .iter()
        .filter_map(|a| {
            let id = a.instance_id.as_deref()?;
            let name = standbys
                .instance(id)
                .and_then(|i| i.name.as_deref())
                .unwrap_or(id);
            Some(format!("{} → {name}", a.public_ip))
        })
        .collect();
    let headline = if headline.is_empty() {
        "no address bound".to_string()
    } else {
        headline.join(" · ")
    };
    Report::new(Pattern::FloatingIp, headline, findings)
}

fn address(standbys: &Standbys, a: &ElasticIp) -> Finding {
    let ip = a.public_ip.as_str();
    let Some(id) = a.instance_id.as_deref() else {
        return finding(
            Verdict::Warn,
            &[ip, &a.allocation_id],
            format!("{ip} is bound to nothing: it answers nowhere (and is billed idle)"),
        );
    };
    let Some(instance) = standbys.instance(id) else {
        return finding(
            Verdict::Fail,
            &[ip, id],
            format!("{ip} → {id}, which is not an instance of this account and region"),
        );
    };
    let who = instance.label();
    if instance.state != InstanceState::Running {
        return finding(
            Verdict::Fail,
            &[ip, id],
            format!(
                "{ip} → {who}, which is {}: the address answers nothing",
                instance.state.as_str()
            ),
        );
    }
    let bad: Vec<String> = standbys
        .target_states(id)
        .iter()
        .filter(|(_, st)| *st != TargetHealthState::Healthy)
        .map(|(g, st)| format!("{} in {g}", st.as_str()))
        .collect();
    if !bad.is_empty() {
        return finding(
            Verdict::Fail,
            &[ip, id],
            format!(
                "{ip} → {who}, which is {}: swap it to the standby",
                bad.join(", ")
            ),
        );
    }
    match standbys.for_address(&a.allocation_id).next() {
        None => finding(
            Verdict::Warn,
            &[ip, id],
            format!(
                "{ip} → {who}: no standby ready to take it (none tagged \
                 patrol:floating-ip=standby, no healthy running peer in its VPC)"
            ),
        ),
        Some(standby) => finding(
            Verdict::Pass,
            &[ip, id, &standby.id],
            format!("{ip} → {who}, healthy; standby {}", standby.label()),
        ),
    }
}
