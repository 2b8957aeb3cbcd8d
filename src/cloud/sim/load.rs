//! Simulated load: traffic per group, the CPU it causes, the CPU metric, alarms and scale-out.

use super::world::{World, METRIC_HISTORY};
use crate::model::{AlarmState, MetricPoint, MetricSeries};
use chrono::{DateTime, Duration, Utc};

impl World {
    /// The group's request rate at `at`: base × event factor (ramped) × slow wave.
    fn request_rate(&self, gi: usize, at: DateTime<Utc>) -> Option<f64> {
        let t = self.groups[gi].traffic.as_ref()?;
        let span = (t.ramp_end - t.ramp_start).num_seconds().max(1) as f64;
        let progress = ((at - t.ramp_start).num_seconds() as f64 / span).clamp(0.0, 1.0);
        let factor = t.factor_from + (t.factor_to - t.factor_from) * progress;
        let period = t.def.wave_period.secs().max(1) as f64;
        let phase = (at - self.started_at).num_seconds() as f64 / period;
        let wave = 1.0 + t.def.wave * (phase * std::f64::consts::TAU).sin();
        Some(t.def.rps * factor * wave)
    }

    /// Average CPU of the group: the requests spread over the instances that can serve them.
    fn group_cpu(&mut self, gi: usize, at: DateTime<Utc>) -> Option<f64> {
        let rps = self.request_rate(gi, at)?;
        let def = self.groups[gi].traffic.as_ref()?.def.clone();
        let members: Vec<String> = self.groups[gi]
            .members
            .iter()
            .map(|m| m.instance_id.clone())
            .collect();
        if members.is_empty() {
            return None;
        }
        let serving = members
            .iter()
            .filter(|id| self.instance(id).is_some_and(|i| self.is_serving(i)))
            .count();
        let busy = if serving == 0 {
            0.0
        } else {
            // Idle members (booting, crashed) pull the group's average down.
            let per_serving = 100.0 * rps / (serving as f64 * def.rps_per_instance);
            per_serving.min(100.0 - def.idle_cpu) * serving as f64 / members.len() as f64
        };
        let noise = self.rng.signed() * 1.5;
        Some((def.idle_cpu + busy + noise).clamp(0.0, 100.0))
    }

    /// An hour of one-minute CPU points before the scenario starts, from the same model.
    pub(super) fn prefill_metrics(&mut self) {
        for gi in 0..self.groups.len() {
            let name = self.groups[gi].name.clone();
            let mut points = Vec::with_capacity(METRIC_HISTORY);
            for k in (1..METRIC_HISTORY as i64).rev() {
                let at = self.now - Duration::minutes(k);
                if let Some(v) = self.group_cpu(gi, at) {
                    points.push(MetricPoint { at, value: v });
                }
            }
            if !points.is_empty() {
                self.metrics.insert(name, points);
            }
        }
        // The clients of the start have been there all along.
        for k in (1..METRIC_HISTORY as i64).rev() {
            self.record_nfs_latency(self.now - Duration::minutes(k));
        }
    }

    /// Records this minute's CPU point per group, evaluates alarms and runs policies.
    pub(super) fn record_metrics(&mut self) {
        let now = self.now;
        for gi in 0..self.groups.len() {
            let Some(value) = self.group_cpu(gi, now) else {
                continue;
            };
            let series = self
                .metrics
                .entry(self.groups[gi].name.clone())
                .or_default();
            series.push(MetricPoint { at: now, value });
            if series.len() > METRIC_HISTORY {
                series.remove(0);
            }
        }
        self.record_nfs_latency(now);
        self.record_alarm_states();
        self.run_policies();
    }

    /// Evaluates every alarm against its group's newest points.
    pub(super) fn record_alarm_states(&mut self) {
        let now = self.now;
        for a in self.alarms.iter_mut() {
            let Some(group) = a.alarm.auto_scaling_group.clone() else {
                continue;
            };
            let points = self.metrics.get(&group).map(Vec::as_slice).unwrap_or(&[]);
            let recent = &points[points.len().saturating_sub(a.periods)..];
            let (state, reason) = if recent.len() < a.periods {
                (
                    AlarmState::InsufficientData,
                    "Insufficient Data: not enough datapoints".to_string(),
                )
            } else {
                let values: Vec<String> =
                    recent.iter().map(|p| format!("{:.1}", p.value)).collect();
                let breach = recent
                    .iter()
                    .all(|p| a.alarm.comparison.breaches(p.value, a.alarm.threshold));
                let verb = if breach { "were" } else { "were not all" };
                let state = if breach {
                    AlarmState::Alarm
                } else {
                    AlarmState::Ok
                };
                (
                    state,
                    format!(
                        "Threshold Crossed: {} datapoints [{}] {verb} {} the threshold ({:.1}).",
                        recent.len(),
                        values.join(", "),
                        a.alarm.comparison.words(),
                        a.alarm.threshold
                    ),
                )
            };
            if state != a.alarm.state {
                a.alarm.state = state;
                a.alarm.state_reason = reason;
                a.alarm.updated_at = now;
            }
        }
    }

    /// Simple scaling: a policy whose alarm is in ALARM moves desired capacity, once per
    /// cooldown (shared by the group's policies, as simple scaling's cooldown is).
    fn run_policies(&mut self) {
        for gi in 0..self.groups.len() {
            let g = &self.groups[gi];
            let policies = [(g.scale_out.clone(), true), (g.scale_in.clone(), false)];
            for (policy, out) in policies {
                let Some(policy) = policy else {
                    continue;
                };
                let firing = self
                    .alarms
                    .iter()
                    .any(|a| a.alarm.name == policy.alarm && a.alarm.state == AlarmState::Alarm);
                let cooled = self
                    .since_scaled(gi)
                    .is_none_or(|d| d >= Duration::seconds(policy.cooldown.secs()));
                if firing && cooled {
                    self.policy_scale(gi, &policy.alarm, policy.adjustment, out);
                }
            }
        }
    }

    /// GetMetricData for CPUUtilization of the named groups.
    pub(super) fn describe_cpu(&self, groups: &[String]) -> Vec<MetricSeries> {
        groups
            .iter()
            .filter_map(|g| {
                self.metrics.get(g).map(|points| MetricSeries {
                    auto_scaling_group: g.clone(),
                    metric: "CPUUtilization".into(),
                    period_seconds: 60,
                    points: points.clone(),
                })
            })
            .collect()
    }

    /// DescribeAlarms.
    pub(super) fn describe_alarms(&self) -> Vec<crate::model::Alarm> {
        self.alarms.iter().map(|a| a.alarm.clone()).collect()
    }
}
