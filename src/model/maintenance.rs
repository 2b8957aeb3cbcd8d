//! Maintenance: instances taken out of service on purpose, and what patrol remembers about
//! each on the instance itself (the `patrol:maintenance` tag), so another operator or a
//! restarted patrol knows where to put it back.

use super::{age_text, Instance, LifecycleState, Snapshot, TargetGroup};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

/// The tag on an instance in maintenance: when it went out, and what it left.
pub const MAINTENANCE_TAG: &str = "patrol:maintenance";
/// EC2's longest tag value.
pub const TAG_VALUE_MAX: usize = 256;

/// What the `patrol:maintenance` tag says: `since=… [asg=NAME decrement=yes|no] tg=NAME:PORT …`
/// (only characters every AWS service accepts in a tag value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct MaintenanceNote {
    pub since: DateTime<Utc>,
    /// The Auto Scaling group it was put in Standby in, if it belongs to one.
    pub group: Option<String>,
    /// Whether that group's desired capacity was lowered by one when it left.
    pub decremented: bool,
    /// The target groups (by name) and ports it was taken out of.
    pub targets: Vec<(String, u16)>,
}

impl MaintenanceNote {
    /// The tag's value.
    pub fn to_tag(&self) -> String {
        let mut parts = vec![format!(
            "since={}",
            self.since.to_rfc3339_opts(SecondsFormat::Secs, true)
        )];
        if let Some(g) = &self.group {
            parts.push(format!("asg={g}"));
            parts.push(format!(
                "decrement={}",
                if self.decremented { "yes" } else { "no" }
            ));
        }
        parts.extend(self.targets.iter().map(|(n, p)| format!("tg={n}:{p}")));
        parts.join(" ")
    }

    /// Reads a tag value; the error says which part is wrong.
    pub fn parse(value: &str) -> Result<MaintenanceNote, String> {
        let mut since = None;
        let mut group = None;
        let mut decremented = false;
        let mut targets = Vec::new();
        for part in value.split_whitespace() {
            let Some((key, v)) = part.split_once('=') else {
                return Err(format!("{part:?} is not key=value"));
            };
            match key {
                "since" => {
                    let t = DateTime::parse_from_rfc3339(v)
                        .map_err(|e| format!("since={v:?} is not a time: {e}"))?;
                    since = Some(t.with_timezone(&Utc));
                }
                "asg" => group = Some(v.to_string()),
                "decrement" => decremented = v == "yes",
                "tg" => {
                    let parsed = v
                        .rsplit_once(':')
                        .and_then(|(n, p)| Some((n.to_string(), p.parse::<u16>().ok()?)));
                    match parsed {
                        Some(t) if !t.0.is_empty() => targets.push(t),
                        _ => return Err(format!("tg={v:?} is not NAME:PORT")),
                    }
                }
                other => return Err(format!("unknown part {other:?}")),
            }
        }
        let since = since.ok_or("no since= part")?;
        Ok(MaintenanceNote {
            since,
            group,
            decremented,
            targets,
        })
    }
}

/// One instance out of service on purpose: tagged by patrol, or in Standby in its Auto
/// Scaling group (someone else's maintenance is still maintenance).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct OutOfService {
    pub instance_id: String,
    /// The tag, when it is there and readable.
    pub note: Option<MaintenanceNote>,
    /// Why the tag could not be read, when it is there but is not patrol's format.
    pub unreadable: Option<String>,
    /// Its lifecycle in its Auto Scaling group, if it has one.
    pub lifecycle: Option<LifecycleState>,
}

impl OutOfService {
    /// "out 12m", "Standby", for the views.
    pub fn words(&self, now: DateTime<Utc>) -> String {
        match (&self.note, &self.lifecycle) {
            (Some(n), _) => format!("out {}", age_text(now - n.since)),
            (None, Some(l)) => l.as_str().to_string(),
            (None, None) => "out (tag unreadable)".into(),
        }
    }

    /// The target groups (and ports) it left: the tag's, or for an untagged Standby
    /// instance, its group's target groups on their own port.
    pub fn left<'a>(&self, s: &'a Snapshot) -> Vec<(&'a TargetGroup, u16)> {
        if let Some(n) = &self.note {
            return n
                .targets
                .iter()
                .filter_map(|(name, port)| {
                    s.target_groups
                        .iter()
                        .find(|t| &t.name == name)
                        .map(|t| (t, *port))
                })
                .collect();
        }
        s.auto_scaling_groups
            .iter()
            .filter(|g| {
                g.instances
                    .iter()
                    .any(|i| i.instance_id == self.instance_id)
            })
            .flat_map(|g| g.target_group_arns.iter())
            .filter_map(|arn| s.target_groups.iter().find(|t| &t.arn == arn))
            .map(|t| (t, t.port))
            .collect()
    }
}

impl Instance {
    /// The `patrol:maintenance` tag, read.
    pub fn maintenance_note(&self) -> Option<Result<MaintenanceNote, String>> {
        self.tags
            .get(MAINTENANCE_TAG)
            .map(|v| MaintenanceNote::parse(v))
    }
}

impl Snapshot {
    /// The group instance entry of an instance, with its group's name.
    pub fn group_member(&self, instance_id: &str) -> Option<(&str, &LifecycleState)> {
        self.auto_scaling_groups.iter().find_map(|g| {
            g.instances
                .iter()
                .find(|i| i.instance_id == instance_id)
                .map(|i| (g.name.as_str(), &i.lifecycle))
        })
    }

    /// Every instance out of service on purpose, by instance id.
    pub fn out_of_service(&self) -> Vec<OutOfService> {
        // Out of service: a maintenance note, or a group's standby. Few are, of many: the
        // noted ones are found first, then one pass over the groups' members finds the
        // standbys and the noted ones' lifecycles (no map of every member).
        let noted: std::collections::HashMap<&str, Result<MaintenanceNote, String>> =
            (self.instances.iter())
                .filter_map(|i| Some((i.id.as_str(), i.maintenance_note()?)))
                .collect();
        let mut lifecycles: std::collections::HashMap<&str, &LifecycleState> =
            std::collections::HashMap::new();
        for m in self.auto_scaling_groups.iter().flat_map(|g| &g.instances) {
            let standby = matches!(
                m.lifecycle,
                LifecycleState::Standby | LifecycleState::EnteringStandby
            );
            if standby || (!noted.is_empty() && noted.contains_key(m.instance_id.as_str())) {
                lifecycles.insert(m.instance_id.as_str(), &m.lifecycle);
            }
        }
        if noted.is_empty() && lifecycles.is_empty() {
            return Vec::new();
        }
        let mut out: Vec<OutOfService> = self
            .instances
            .iter()
            .filter_map(|i| {
                let lifecycle = lifecycles.get(i.id.as_str()).map(|l| (*l).clone());
                let standby = matches!(
                    lifecycle,
                    Some(LifecycleState::Standby | LifecycleState::EnteringStandby)
                );
                let read = noted.get(i.id.as_str()).cloned();
                if read.is_none() && !standby {
                    return None;
                }
                let (note, unreadable) = match read {
                    Some(Ok(n)) => (Some(n), None),
                    Some(Err(e)) => (None, Some(e)),
                    None => (None, None),
                };
                Some(OutOfService {
                    instance_id: i.id.clone(),
                    note,
                    unreadable,
                    lifecycle,
                })
            })
            .collect();
        out.sort_by(|a, b| a.instance_id.cmp(&b.instance_id));
        out
    }

    /// How many of `outs` (this snapshot's `out_of_service()`, worked out once by the
    /// caller) have left, or are leaving, this target group: they are not counted among its
    /// targets either way.
    pub fn out_of(&self, tg: &TargetGroup, outs: &[OutOfService]) -> usize {
        outs.iter()
            .filter(|o| {
                tg.targets.iter().any(|t| t.target_id == o.instance_id)
                    || o.left(self).iter().any(|(g, _)| g.arn == tg.arn)
            })
            .count()
    }

    /// The instance's maintenance, if it is out of service on purpose.
    pub fn maintenance_of(&self, instance_id: &str) -> Option<OutOfService> {
        self.out_of_service()
            .into_iter()
            .find(|o| o.instance_id == instance_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tag_reads_back_what_was_written() {
        let note = MaintenanceNote {
            since: "2026-11-30T19:20:00Z".parse().unwrap(),
            group: Some("web-asg".into()),
            decremented: true,
            targets: vec![("web-tg".into(), 80), ("api-tg".into(), 8080)],
        };
        let tag = note.to_tag();
        assert_eq!(
            tag,
            "since=2026-11-30T19:20:00Z asg=web-asg decrement=yes tg=web-tg:80 tg=api-tg:8080"
        );
        assert_eq!(MaintenanceNote::parse(&tag), Ok(note));
        // Only characters every service allows in a tag value.
        assert!(tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " _.:/=+-@".contains(c)));
    }

    #[test]
    fn a_tag_patrol_did_not_write_says_what_is_wrong() {
        assert!(MaintenanceNote::parse("patching")
            .unwrap_err()
            .contains("patching"));
        assert!(MaintenanceNote::parse("tg=web-tg:80")
            .unwrap_err()
            .contains("since"));
        assert!(MaintenanceNote::parse("since=2026-11-30T19:20:00Z tg=web")
            .unwrap_err()
            .contains("NAME:PORT"));
    }
}
