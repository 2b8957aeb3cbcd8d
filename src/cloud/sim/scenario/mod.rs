//! Scenario files (`assets/scenarios/*.toml`): the format (`defs`), the embedded set
//! (`embedded`), loading, and validation (`validate`).

mod defs;
mod embedded;
mod export;
mod validate;

pub use crate::duration::Span;
pub use defs::*;
pub use embedded::embedded_names;
pub use export::Export;

use embedded::EMBEDDED;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A scenario file could not be used. The message names the file and the key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("scenario {origin}: {message}")]
pub struct ScenarioError {
    /// The file path, or `<embedded NAME>`.
    pub origin: String,
    pub message: String,
}

/// A whole scenario as written in its file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    #[serde(default = "default_region")]
    pub region: String,
    #[serde(default = "default_account")]
    pub account_id: String,
    pub zones: Vec<String>,
    /// The VPC and each zone's subnet as they were (an exported fleet); made up when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub subnets: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub timing: Timing,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<DependencyDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub load_balancers: Vec<LoadBalancerDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_groups: Vec<TargetGroupDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub auto_scaling_groups: Vec<GroupDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instances: Vec<InstanceDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub elastic_ips: Vec<ElasticIpDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<ImageDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alarms: Vec<AlarmDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<EventDef>,
}

fn default_region() -> String {
    "us-east-1".into()
}
fn default_account() -> String {
    "123456789012".into()
}

impl Scenario {
    /// Loads a scenario by embedded name, or from a file when `spec` looks like a path.
    pub fn load(spec: &str) -> Result<Scenario, ScenarioError> {
        if spec.ends_with(".toml") || spec.contains('/') {
            let path = Path::new(spec);
            let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
                origin: path.display().to_string(),
                message: format!("cannot read the file: {e}"),
            })?;
            return Scenario::parse(&path.display().to_string(), &text);
        }
        match EMBEDDED.iter().find(|(name, _)| *name == spec) {
            Some((name, text)) => Scenario::parse(&format!("<embedded {name}>"), text),
            None => Err(ScenarioError {
                origin: spec.to_string(),
                message: format!(
                    "no scenario named {spec:?}; known: {} (or give a path to a .toml file)",
                    embedded_names().collect::<Vec<_>>().join(", ")
                ),
            }),
        }
    }

    /// Parses and validates scenario text; `origin` names it in errors.
    pub fn parse(origin: &str, text: &str) -> Result<Scenario, ScenarioError> {
        let err = |message: String| ScenarioError {
            origin: origin.to_string(),
            message,
        };
        let scenario: Scenario =
            toml::from_str(text).map_err(|e| err(crate::toml_error(text, &e)))?;
        scenario.validate().map_err(err)?;
        Ok(scenario)
    }
}
