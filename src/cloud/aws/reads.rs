//! The reads, and the `Cloud` trait over them (metrics and changes are in their own
//! files): every read paginated to the end, details as many at once as the limiter allows.

use super::limit::Api;
use super::{classify, convert, AwsCloud};
use crate::cloud::{Cloud, CloudError, CloudErrorKind, CreateImageRequest, Receipt};
use crate::model::{
    Alarm, AutoScalingGroup, ElasticIp, Image, Instance, InstanceMetric, InstanceState,
    LoadBalancer, MetricSeries, TargetGroup, WorldInfo,
};
use async_trait::async_trait;
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_smithy_async::future::pagination_stream::PaginationStream;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt, TryStreamExt};

/// Scaling activities read per group: the recent ones an operator looks at.
const ACTIVITIES_PER_GROUP: i32 = 10;

impl AwsCloud {
    pub(super) fn page(&self, default: i32) -> i32 {
        self.inner.page_size.unwrap_or(default)
    }

    async fn target_health(
        &self,
        mut group: TargetGroup,
    ) -> Result<Option<TargetGroup>, CloudError> {
        // Both at once: the delay (read once in a while) never adds a round trip.
        let health = self.limited(Api::Elb, async {
            self.inner
                .elb
                .describe_target_health()
                .target_group_arn(&group.arn)
                .send()
                .await
                .map_err(|e| classify("DescribeTargetHealth", e))
        });
        let (out, delay) = futures::join!(health, self.deregistration_delay(&group.arn));
        match out {
            Ok(out) => {
                group.targets = out
                    .target_health_descriptions()
                    .iter()
                    .map(convert::target)
                    .collect();
                group.deregistration_delay_seconds = delay;
                Ok(Some(group))
            }
            // Deleted between the two calls: it is gone, not an error.
            Err(e) if e.kind == CloudErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A target group's deregistration delay (DescribeTargetGroupAttributes), read once
    /// per `ATTRIBUTES_FOR`: it changes rarely, and this keeps a refresh at one call per
    /// group. `None` when it could not be read (the plan says it is unknown).
    async fn deregistration_delay(&self, arn: &str) -> Option<u32> {
        if let Some(known) = self.inner.delays.get(arn) {
            return known;
        }
        let out = self
            .limited(Api::Elb, async {
                self.inner
                    .elb
                    .describe_target_group_attributes()
                    .target_group_arn(arn)
                    .send()
                    .await
                    .map_err(|e| classify("DescribeTargetGroupAttributes", e))
            })
            .await;
        let delay = match out {
            Ok(out) => out
                .attributes()
                .iter()
                .find(|a| a.key() == Some("deregistration_delay.timeout_seconds"))
                .and_then(|a| a.value())
                .and_then(|v| v.parse().ok()),
            Err(e) if e.kind == CloudErrorKind::AccessDenied => {
                tracing::warn!(error = %e, "deregistration delays not readable");
                None
            }
            Err(e) if e.kind == CloudErrorKind::NotFound => None,
            // Optional: a failed read leaves the delay unknown this time (the plan says so),
            // and never takes the targets' health down with it.
            Err(e) => {
                tracing::warn!(error = %e, arn, "deregistration delay not read");
                return None;
            }
        };
        self.inner.delays.put(arn, delay);
        delay
    }

    async fn activities(
        &self,
        mut group: AutoScalingGroup,
    ) -> Result<AutoScalingGroup, CloudError> {
        let out = self
            .limited(Api::AutoScaling, async {
                self.inner
                    .autoscaling
                    .describe_scaling_activities()
                    .auto_scaling_group_name(&group.name)
                    .max_records(ACTIVITIES_PER_GROUP)
                    .send()
                    .await
                    .map_err(|e| classify("DescribeScalingActivities", e))
            })
            .await?;
        group.activities = out.activities().iter().map(convert::activity).collect();
        group
            .activities
            .sort_by_key(|a| std::cmp::Reverse(a.started_at));
        Ok(group)
    }

    pub(super) async fn instance_state(&self, id: &str) -> Result<InstanceState, CloudError> {
        self.one_instance(id)
            .await?
            .map(|i| i.state)
            .ok_or_else(|| {
                CloudError::new(
                    CloudErrorKind::NotFound,
                    "InvalidInstanceID.NotFound",
                    format!("The instance ID '{id}' does not exist"),
                )
            })
    }
}

/// Every page of a paginated call, each turned into items by `items`.
pub(super) async fn all_pages<P, E, T>(
    operation: &str,
    mut pages: PaginationStream<Result<P, SdkError<E, HttpResponse>>>,
    items: impl Fn(&P) -> Vec<T>,
) -> Result<Vec<T>, CloudError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify(operation, e))?;
        out.extend(items(&page));
    }
    Ok(out)
}

#[async_trait]
impl Cloud for AwsCloud {
    fn world(&self) -> WorldInfo {
        self.inner
            .world
            .read()
            .map(|w| w.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    fn clock(&self) -> DateTime<Utc> {
        Utc::now()
    }

    async fn instances(&self) -> Result<Vec<Instance>, CloudError> {
        let pages = self
            .inner
            .ec2
            .describe_instances()
            .into_paginator()
            .page_size(self.page(1000))
            .send();
        all_pages("DescribeInstances", pages, |p| {
            p.reservations()
                .iter()
                .flat_map(|r| r.instances())
                .map(convert::instance)
                .collect()
        })
        .await
    }

    async fn load_balancers(&self) -> Result<Vec<LoadBalancer>, CloudError> {
        let pages = self
            .inner
            .elb
            .describe_load_balancers()
            .page_size(self.page(400))
            .into_paginator()
            .send();
        all_pages("DescribeLoadBalancers", pages, |p| {
            p.load_balancers()
                .iter()
                .map(convert::load_balancer)
                .collect()
        })
        .await
    }

    async fn target_groups(&self) -> Result<Vec<TargetGroup>, CloudError> {
        let pages = self
            .inner
            .elb
            .describe_target_groups()
            .page_size(self.page(400))
            .into_paginator()
            .send();
        let groups = all_pages("DescribeTargetGroups", pages, |p| {
            p.target_groups()
                .iter()
                .map(convert::target_group)
                .collect()
        })
        .await?;
        // One DescribeTargetHealth per group (the API takes one group per call), as many at
        // a time as the limiter allows, in the order the groups were listed.
        let with_health: Vec<Option<TargetGroup>> = stream::iter(groups)
            .map(|g| self.target_health(g))
            .buffered(super::MAX_IN_FLIGHT)
            .try_collect()
            .await?;
        Ok(with_health.into_iter().flatten().collect())
    }

    async fn auto_scaling_groups(&self) -> Result<Vec<AutoScalingGroup>, CloudError> {
        let listed = self.auto_scaling_groups_listed().await?;
        self.with_activities(listed).await
    }

    async fn auto_scaling_groups_listed(&self) -> Result<Vec<AutoScalingGroup>, CloudError> {
        let pages = self
            .inner
            .autoscaling
            .describe_auto_scaling_groups()
            .into_paginator()
            .page_size(self.page(100))
            .send();
        all_pages("DescribeAutoScalingGroups", pages, |p| {
            p.auto_scaling_groups()
                .iter()
                .map(convert::auto_scaling_group)
                .collect()
        })
        .await
    }

    async fn with_activities(
        &self,
        groups: Vec<AutoScalingGroup>,
    ) -> Result<Vec<AutoScalingGroup>, CloudError> {
        stream::iter(groups)
            .map(|g| self.activities(g))
            .buffered(super::MAX_IN_FLIGHT)
            .try_collect()
            .await
    }

    async fn auto_scaling_group(&self, name: &str) -> Result<Option<AutoScalingGroup>, CloudError> {
        let out = self
            .inner
            .autoscaling
            .describe_auto_scaling_groups()
            .auto_scaling_group_names(name)
            .send()
            .await
            .map_err(|e| classify("DescribeAutoScalingGroups", e))?;
        Ok(out
            .auto_scaling_groups()
            .first()
            .map(convert::auto_scaling_group))
    }

    async fn elastic_ips(&self) -> Result<Vec<ElasticIp>, CloudError> {
        // DescribeAddresses is not paginated: it returns every address of the region.
        let out = self
            .inner
            .ec2
            .describe_addresses()
            .send()
            .await
            .map_err(|e| classify("DescribeAddresses", e))?;
        Ok(out.addresses().iter().map(convert::elastic_ip).collect())
    }

    async fn images(&self) -> Result<Vec<Image>, CloudError> {
        let pages = self
            .inner
            .ec2
            .describe_images()
            .owners("self")
            .into_paginator()
            .page_size(self.page(1000))
            .send();
        all_pages("DescribeImages", pages, |p| {
            p.images().iter().map(convert::image).collect()
        })
        .await
    }

    async fn cpu_utilization(&self, groups: &[String]) -> Result<Vec<MetricSeries>, CloudError> {
        self.cpu_series(groups).await
    }

    async fn instance_metrics(&self) -> Result<Vec<InstanceMetric>, CloudError> {
        self.nfs_latency().await
    }

    async fn alarms(&self) -> Result<Vec<Alarm>, CloudError> {
        let pages = self
            .inner
            .cloudwatch
            .describe_alarms()
            .alarm_types(aws_sdk_cloudwatch::types::AlarmType::MetricAlarm)
            .into_paginator()
            .page_size(self.page(100))
            .send();
        all_pages("DescribeAlarms", pages, |p| {
            p.metric_alarms().iter().map(convert::alarm).collect()
        })
        .await
    }

    async fn associate_address(
        &self,
        allocation_id: &str,
        instance_id: &str,
    ) -> Result<Receipt, CloudError> {
        self.associate(allocation_id, instance_id).await
    }

    async fn associate_address_dry_run(
        &self,
        allocation_id: &str,
        instance_id: &str,
    ) -> Result<(), CloudError> {
        self.associate_dry_run(allocation_id, instance_id).await
    }

    async fn create_image(&self, request: &CreateImageRequest) -> Result<Receipt, CloudError> {
        self.create(request).await
    }

    async fn create_image_dry_run(&self, request: &CreateImageRequest) -> Result<(), CloudError> {
        self.create_dry_run(request).await
    }

    async fn set_desired_capacity(&self, group: &str, desired: u32) -> Result<Receipt, CloudError> {
        self.set_desired(group, desired).await
    }

    async fn instance(&self, id: &str) -> Result<Option<Instance>, CloudError> {
        self.one_instance(id).await
    }

    async fn target_group(&self, arn: &str) -> Result<Option<TargetGroup>, CloudError> {
        let out = self
            .inner
            .elb
            .describe_target_groups()
            .target_group_arns(arn)
            .send()
            .await
            .map_err(|e| classify("DescribeTargetGroups", e));
        let group = match out {
            Ok(out) => out.target_groups().first().map(convert::target_group),
            Err(e) if e.kind == CloudErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        match group {
            Some(g) => self.target_health(g).await,
            None => Ok(None),
        }
    }

    async fn enter_standby(
        &self,
        group: &str,
        instance_id: &str,
        decrement: bool,
    ) -> Result<Receipt, CloudError> {
        self.enter_standby_call(group, instance_id, decrement).await
    }

    async fn exit_standby(&self, group: &str, instance_id: &str) -> Result<Receipt, CloudError> {
        self.exit_standby_call(group, instance_id).await
    }

    async fn register_target(
        &self,
        target_group_arn: &str,
        instance_id: &str,
        port: u16,
    ) -> Result<Receipt, CloudError> {
        self.register_call(target_group_arn, instance_id, port)
            .await
    }

    async fn deregister_target(
        &self,
        target_group_arn: &str,
        instance_id: &str,
        port: u16,
    ) -> Result<Receipt, CloudError> {
        self.deregister_call(target_group_arn, instance_id, port)
            .await
    }

    async fn tag_instance(
        &self,
        instance_id: &str,
        key: &str,
        value: &str,
    ) -> Result<Receipt, CloudError> {
        self.create_tag_call(instance_id, key, value).await
    }

    async fn untag_instance(&self, instance_id: &str, key: &str) -> Result<Receipt, CloudError> {
        self.delete_tag_call(instance_id, key).await
    }
}
