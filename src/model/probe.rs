//! What patrol's own request to a target's health page found (Deep Health Check from the
//! inside): beside the load balancer's verdict, the page's own account of each dependency.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A component's state as a health page reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ComponentState {
    Fail,
    Warn,
    Unknown,
    Pass,
}

impl ComponentState {
    /// The state a page's word means: `pass`, `ok`, `UP`, `healthy` pass; `warn`,
    /// `degraded` warn; `fail`, `DOWN`, `error`, `OUT_OF_SERVICE` fail; anything else is
    /// unknown.
    pub fn of_word(word: &str) -> ComponentState {
        match word.trim().to_ascii_lowercase().as_str() {
            "pass" | "ok" | "up" | "healthy" | "true" | "green" => ComponentState::Pass,
            "warn" | "warning" | "degraded" | "yellow" => ComponentState::Warn,
            "fail" | "failed" | "down" | "error" | "unhealthy" | "false" | "red"
            | "out_of_service" | "critical" => ComponentState::Fail,
            _ => ComponentState::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ComponentState::Pass => "pass",
            ComponentState::Warn => "warn",
            ComponentState::Fail => "fail",
            ComponentState::Unknown => "unknown",
        }
    }
}

/// The shape a health page's body was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReportFormat {
    /// The IETF draft `application/health+json`: `status`, `checks` keyed by component.
    HealthJson,
    /// Spring Boot actuator: `status` UP/DOWN, `components` (or `details`).
    SpringActuator,
    /// A plain `{"name": "ok|fail"}` map.
    NameMap,
    /// Not a report: the status code, latency and first line say what there is.
    Text,
}

/// One dependency as the page reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Component {
    pub name: String,
    pub state: ComponentState,
    /// The page's own word for it (`DOWN`, `fail`, `timeout`).
    pub said: String,
    /// What the page says of it (`output`, `details.error`), if anything.
    pub detail: Option<String>,
}

/// A health page's body, read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthReport {
    pub format: ReportFormat,
    /// The overall status the page gives, if it gives one.
    pub status: Option<ComponentState>,
    /// Each component, in the page's order.
    pub components: Vec<Component>,
    /// The body's first line (trimmed, at most 200 characters), when it is no report.
    pub first_line: Option<String>,
}

impl HealthReport {
    /// The components that fail.
    pub fn failing(&self) -> impl Iterator<Item = &Component> {
        self.components
            .iter()
            .filter(|c| c.state == ComponentState::Fail)
    }
}

/// What became of one probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum ProbeOutcome {
    /// patrol may not (or need not) send it: probing is off, the address is outside the
    /// allow-list, the check is not HTTP. Nothing was sent.
    NotProbed { why: String },
    /// Sent, and nothing usable came back: refused, timed out, reset. Never a guess.
    Unreachable { why: String },
    /// An answer.
    Answered {
        status: u16,
        latency_ms: f64,
        /// A redirect's target, which patrol never follows.
        location: Option<String>,
        report: HealthReport,
    },
}

/// patrol's own request to one target's health page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeResult {
    pub target_group_arn: String,
    pub target_id: String,
    pub port: u16,
    /// The path requested.
    pub path: String,
    /// Where it was sent (`10.0.1.5:80`, or an override such as `127.0.0.1:8080`).
    pub address: String,
    /// The Host header it carried: the target's own address, as ELB's checker sends it.
    #[serde(default)]
    pub host: String,
    /// Over TLS (an HTTPS check); the certificate is not verified, as ELB's checker does
    /// not verify it either.
    #[serde(default)]
    pub tls: bool,
    pub at: DateTime<Utc>,
    pub outcome: ProbeOutcome,
}
