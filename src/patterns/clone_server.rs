//! Clone Server: every serving role has a recent, available image to clone from.

use super::{finding, Finding, Pattern, Report, Settings, Verdict};
use crate::model::{age_text, Image, ImageState, Instance, InstanceState, Snapshot, ROLE_TAG};
use chrono::{DateTime, Utc};
use std::collections::{BTreeSet, HashSet};

/// What an instance serves as: its `patrol:role`, else its Auto Scaling group, else its Name.
fn role_of(i: &Instance) -> String {
    i.role()
        .or(i.auto_scaling_group.as_deref())
        .or(i.name.as_deref())
        .unwrap_or(&i.id)
        .to_string()
}

/// The role an image is of: its own `patrol:role` tag, else its source instance's role.
fn image_role(s: &Snapshot, image: &Image) -> Option<String> {
    if let Some(r) = image.tags.get(ROLE_TAG) {
        return Some(r.clone());
    }
    let source = image.source_instance_id.as_deref()?;
    s.instance(source).map(role_of)
}

pub fn check(s: &Snapshot, settings: &Settings, now: DateTime<Utc>) -> Report {
    // Roles with a running instance registered behind a load balancer.
    let targets: HashSet<&str> = s
        .target_groups
        .iter()
        .flat_map(|g| g.targets.iter().map(|t| t.target_id.as_str()))
        .collect();
    let serving: BTreeSet<String> = s
        .instances
        .iter()
        .filter(|i| i.state == InstanceState::Running && targets.contains(i.id.as_str()))
        .map(role_of)
        .collect();
    let newest = s
        .images
        .iter()
        .filter(|i| i.state != ImageState::Deregistered)
        .max_by_key(|i| i.created_at);
    let headline = match newest {
        Some(i) => format!(
            "newest {} {} ago ({})",
            i.name,
            age_text(now - i.created_at),
            i.state.as_str()
        ),
        None => "no images of this account".to_string(),
    };
    if serving.is_empty() {
        return Report::new(Pattern::CloneServer, headline, vec![]);
    }
    let findings: Vec<Finding> = serving
        .iter()
        .map(|role| {
            let newest = s
                .images
                .iter()
                .filter(|i| i.state != ImageState::Deregistered)
                .filter(|i| image_role(s, i).as_deref() == Some(role))
                .max_by_key(|i| i.created_at);
            role_finding(role, newest, settings, now)
        })
        .collect();
    Report::new(Pattern::CloneServer, headline, findings)
}

fn role_finding(
    role: &str,
    newest: Option<&Image>,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Finding {
    let Some(image) = newest else {
        return finding(
            Verdict::Warn,
            &[role],
            format!("{role}: no image of this role: nothing to clone or scale it out from"),
        );
    };
    let age = now - image.created_at;
    let (name, id) = (image.name.as_str(), image.id.as_str());
    match image.state {
        ImageState::Failed => finding(
            Verdict::Fail,
            &[role, id],
            format!("{role}: its newest image {name} failed"),
        ),
        ImageState::Pending => finding(
            Verdict::Warn,
            &[role, id],
            format!(
                "{role}: its newest image {name} is still pending ({} so far): clones cannot \
                 launch from it yet",
                age_text(age)
            ),
        ),
        _ if age > settings.max_image_age => finding(
            Verdict::Warn,
            &[role, id],
            format!(
                "{role}: its newest image {name} is {} old, older than {}",
                age_text(age),
                age_text(settings.max_image_age)
            ),
        ),
        _ => finding(
            Verdict::Pass,
            &[role, id],
            format!("{role}: {name}, {} old, available", age_text(age)),
        ),
    }
}
