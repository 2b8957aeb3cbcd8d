//! CloudWatch as patrol sees it: metric series and alarms.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// One data point of a metric.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct MetricPoint {
    pub at: DateTime<Utc>,
    pub value: f64,
}

/// Average CPU utilisation of one Auto Scaling group, oldest point first.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct MetricSeries {
    pub auto_scaling_group: String,
    pub metric: String,
    pub period_seconds: u32,
    pub points: Vec<MetricPoint>,
}

impl MetricSeries {
    /// The newest value, if any.
    pub fn latest(&self) -> Option<f64> {
        self.points.last().map(|p| p.value)
    }
}

/// One metric of one instance, oldest point first (an NFS server's latency).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct InstanceMetric {
    pub instance_id: String,
    pub metric: String,
    pub period_seconds: u32,
    pub points: Vec<MetricPoint>,
}

/// CloudWatch alarm state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AlarmState {
    Ok,
    Alarm,
    InsufficientData,
}

impl AlarmState {
    /// The state as the CloudWatch API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "OK",
            Self::Alarm => "ALARM",
            Self::InsufficientData => "INSUFFICIENT_DATA",
        }
    }
}

/// A CloudWatch alarm's ComparisonOperator. Scenario files name one of the four threshold
/// comparisons; AWS may also report the anomaly-detection bands, kept by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Comparison {
    #[default]
    GreaterThanThreshold,
    GreaterThanOrEqualToThreshold,
    LessThanThreshold,
    LessThanOrEqualToThreshold,
    /// Any other operator AWS reports (e.g. LessThanLowerOrGreaterThanUpperThreshold).
    Other(String),
}

impl Comparison {
    /// The four comparisons against a static threshold, by CloudWatch's names.
    pub const THRESHOLD: [Comparison; 4] = [
        Comparison::GreaterThanThreshold,
        Comparison::GreaterThanOrEqualToThreshold,
        Comparison::LessThanThreshold,
        Comparison::LessThanOrEqualToThreshold,
    ];

    /// From the API's name; an unknown name is kept as `Other`.
    pub fn from_api(name: &str) -> Comparison {
        Comparison::THRESHOLD
            .into_iter()
            .find(|c| c.name() == name)
            .unwrap_or_else(|| Comparison::Other(name.to_string()))
    }

    /// CloudWatch's name for it.
    pub fn name(&self) -> &str {
        match self {
            Comparison::GreaterThanThreshold => "GreaterThanThreshold",
            Comparison::GreaterThanOrEqualToThreshold => "GreaterThanOrEqualToThreshold",
            Comparison::LessThanThreshold => "LessThanThreshold",
            Comparison::LessThanOrEqualToThreshold => "LessThanOrEqualToThreshold",
            Comparison::Other(name) => name,
        }
    }

    /// Whether `value` breaches `threshold` (never, for an operator without a threshold).
    pub fn breaches(&self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::GreaterThanThreshold => value > threshold,
            Comparison::GreaterThanOrEqualToThreshold => value >= threshold,
            Comparison::LessThanThreshold => value < threshold,
            Comparison::LessThanOrEqualToThreshold => value <= threshold,
            Comparison::Other(_) => false,
        }
    }

    /// It fires when the value rises above the threshold (a scale-out alarm).
    pub fn is_upper(&self) -> bool {
        matches!(
            self,
            Comparison::GreaterThanThreshold | Comparison::GreaterThanOrEqualToThreshold
        )
    }

    /// As a symbol (`>`, `>=`, `<`, `<=`), or CloudWatch's name where no symbol says it.
    pub fn symbol(&self) -> &str {
        match self {
            Comparison::GreaterThanThreshold => ">",
            Comparison::GreaterThanOrEqualToThreshold => ">=",
            Comparison::LessThanThreshold => "<",
            Comparison::LessThanOrEqualToThreshold => "<=",
            Comparison::Other(name) => name,
        }
    }

    /// As CloudWatch's state reason says it.
    pub fn words(&self) -> &str {
        match self {
            Comparison::GreaterThanThreshold => "greater than",
            Comparison::GreaterThanOrEqualToThreshold => "greater than or equal to",
            Comparison::LessThanThreshold => "less than",
            Comparison::LessThanOrEqualToThreshold => "less than or equal to",
            Comparison::Other(name) => name,
        }
    }
}

impl TryFrom<String> for Comparison {
    type Error = String;

    /// Scenario files: one of the four threshold comparisons, by name.
    fn try_from(name: String) -> Result<Self, String> {
        Comparison::THRESHOLD
            .into_iter()
            .find(|c| c.name() == name)
            .ok_or_else(|| {
                format!(
                    "unknown comparison {name:?}: expected one of {}",
                    Comparison::THRESHOLD
                        .map(|c| c.name().to_string())
                        .join(", ")
                )
            })
    }
}

impl From<Comparison> for String {
    fn from(c: Comparison) -> String {
        c.name().to_string()
    }
}

/// The CPU metric Scale Out compares: `AWS/EC2 CPUUtilization` per Auto Scaling group.
pub const CPU_NAMESPACE: &str = "AWS/EC2";
pub const CPU_METRIC: &str = "CPUUtilization";

/// One CloudWatch metric alarm.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Alarm {
    pub name: String,
    pub namespace: String,
    pub metric: String,
    /// The `AutoScalingGroupName` dimension, when the alarm watches a group.
    pub auto_scaling_group: Option<String>,
    pub threshold: f64,
    /// The unit of the threshold, as CloudWatch names it (`Percent`, `Count`), if set.
    pub unit: Option<String>,
    pub comparison: Comparison,
    pub state: AlarmState,
    pub state_reason: String,
    pub updated_at: DateTime<Utc>,
}

impl Alarm {
    /// Whether it watches the CPU of this Auto Scaling group (what Scale Out compares).
    pub fn watches_group_cpu(&self, group: &str) -> bool {
        self.namespace == CPU_NAMESPACE
            && self.metric == CPU_METRIC
            && self.auto_scaling_group.as_deref() == Some(group)
    }

    /// The threshold in the alarm's own unit: `70%` for CPU, `0` for a status check count.
    pub fn threshold_text(&self) -> String {
        let percent = self.unit.as_deref() == Some("Percent")
            || (self.metric == CPU_METRIC && self.unit.is_none());
        match self.unit.as_deref() {
            _ if percent => format!("{}%", self.threshold),
            None | Some("None") => format!("{}", self.threshold),
            Some(unit) => format!("{} {unit}", self.threshold),
        }
    }
}
