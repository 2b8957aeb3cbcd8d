//! CloudWatch metrics: CPU per Auto Scaling group and NFS latency per instance, one
//! GetMetricData per chunk of series.

use super::reads::all_pages;
use super::{convert, AwsCloud};
use crate::cloud::CloudError;
use crate::model::{InstanceMetric, MetricPoint, MetricSeries};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// GetMetricData takes at most this many queries per call.
const METRIC_QUERIES_PER_CALL: usize = 500;
/// CPU history shown per group.
const METRIC_WINDOW: chrono::Duration = chrono::Duration::hours(1);
const METRIC_PERIOD_SECONDS: i32 = 60;

/// One metric read per dimension value.
struct MetricQuery {
    namespace: &'static str,
    name: &'static str,
    dimension: &'static str,
}

const CPU: MetricQuery = MetricQuery {
    namespace: "AWS/EC2",
    name: "CPUUtilization",
    dimension: "AutoScalingGroupName",
};

const NFS_LATENCY: MetricQuery = MetricQuery {
    namespace: crate::model::NFS_NAMESPACE,
    name: crate::model::NFS_LATENCY_METRIC,
    dimension: "InstanceId",
};

impl AwsCloud {
    pub(super) async fn cpu_series(
        &self,
        groups: &[String],
    ) -> Result<Vec<MetricSeries>, CloudError> {
        let points = self.metric_points(&CPU, groups).await?;
        Ok(groups
            .iter()
            .zip(points)
            .map(|(group, points)| MetricSeries {
                auto_scaling_group: group.clone(),
                metric: CPU.name.into(),
                period_seconds: METRIC_PERIOD_SECONDS as u32,
                points,
            })
            .collect())
    }

    pub(super) async fn nfs_latency(&self) -> Result<Vec<InstanceMetric>, CloudError> {
        // Only instances that publish the metric have it: ListMetrics finds them.
        let pages = self
            .inner
            .cloudwatch
            .list_metrics()
            .namespace(NFS_LATENCY.namespace)
            .metric_name(NFS_LATENCY.name)
            .into_paginator()
            .send();
        let mut ids = all_pages("ListMetrics", pages, |p| {
            p.metrics()
                .iter()
                .flat_map(|m| m.dimensions())
                .filter(|d| d.name() == Some(NFS_LATENCY.dimension))
                .filter_map(|d| d.value().map(str::to_string))
                .collect()
        })
        .await?;
        ids.sort();
        ids.dedup();
        let points = self.metric_points(&NFS_LATENCY, &ids).await?;
        Ok(ids
            .into_iter()
            .zip(points)
            .map(|(instance_id, points)| InstanceMetric {
                instance_id,
                metric: NFS_LATENCY.name.into(),
                period_seconds: METRIC_PERIOD_SECONDS as u32,
                points,
            })
            .collect())
    }

    /// Points of one metric for each dimension value (one GetMetricData, paginated), in the
    /// order of `values`, each oldest first.
    async fn metric_chunk(
        &self,
        metric: &MetricQuery,
        values: &[String],
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<Vec<MetricPoint>>, CloudError> {
        use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat, ScanBy};
        let to_sdk = |t: DateTime<Utc>| aws_smithy_types::DateTime::from_secs(t.timestamp());
        let mut request = self
            .inner
            .cloudwatch
            .get_metric_data()
            .start_time(to_sdk(start))
            .end_time(to_sdk(end))
            .scan_by(ScanBy::TimestampAscending);
        for (n, value) in values.iter().enumerate() {
            let m = Metric::builder()
                .namespace(metric.namespace)
                .metric_name(metric.name)
                .dimensions(
                    Dimension::builder()
                        .name(metric.dimension)
                        .value(value)
                        .build(),
                )
                .build();
            let stat = MetricStat::builder()
                .metric(m)
                .period(METRIC_PERIOD_SECONDS)
                .stat("Average")
                .build();
            request = request.metric_data_queries(
                MetricDataQuery::builder()
                    .id(format!("q{n}"))
                    .metric_stat(stat)
                    .return_data(true)
                    .build(),
            );
        }
        let pages = request.into_paginator().send();
        // A series' points may come split over pages: gather them by query id.
        let results = all_pages("GetMetricData", pages, |p| {
            p.metric_data_results()
                .iter()
                .map(|r| {
                    let points: Vec<MetricPoint> = r
                        .timestamps()
                        .iter()
                        .zip(r.values())
                        .map(|(at, value)| MetricPoint {
                            at: convert::time(at),
                            value: *value,
                        })
                        .collect();
                    (r.id().unwrap_or_default().to_string(), points)
                })
                .collect()
        })
        .await?;
        let mut points: HashMap<String, Vec<MetricPoint>> = HashMap::new();
        for (id, p) in results {
            points.entry(id).or_default().extend(p);
        }
        Ok((0..values.len())
            .map(|n| {
                let mut series = points.remove(&format!("q{n}")).unwrap_or_default();
                series.sort_by_key(|p| p.at);
                series
            })
            .collect())
    }

    /// Points of one metric for each dimension value over the last hour, in order.
    async fn metric_points(
        &self,
        metric: &MetricQuery,
        values: &[String],
    ) -> Result<Vec<Vec<MetricPoint>>, CloudError> {
        let end = Utc::now();
        let start = end - METRIC_WINDOW;
        let chunks = values.chunks(METRIC_QUERIES_PER_CALL).map(|chunk| {
            self.limited(
                super::limit::Api::CloudWatch,
                self.metric_chunk(metric, chunk, start, end),
            )
        });
        let chunks = futures::future::try_join_all(chunks).await?;
        Ok(chunks.into_iter().flatten().collect())
    }
}
