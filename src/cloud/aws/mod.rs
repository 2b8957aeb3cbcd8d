//! The real AWS world: `Cloud` over the official SDK crates.
//!
//! Credentials and region come from aws-config's standard chain (environment, shared config
//! and credentials files, SSO, assume-role profiles, instance and container roles); flags
//! override the region, the profile and the endpoint. Every read is paginated to the end;
//! the per-target-group and per-group calls run with bounded concurrency. SDK types become
//! `model/` types in `convert` and nowhere else.

mod calls;
pub mod convert;
pub mod error;

pub use calls::CallCounter;
pub use error::{classify, CREDENTIALS_ADVICE, NO_CREDENTIALS};

use crate::cloud::SOURCE_INSTANCE_TAG;
use crate::cloud::{Cloud, CloudError, CloudErrorKind, CreateImageRequest, Receipt};
use crate::model::{
    Alarm, AutoScalingGroup, ElasticIp, Image, Instance, InstanceMetric, InstanceState,
    LoadBalancer, MetricPoint, MetricSeries, TargetGroup, WorldInfo,
};
use async_trait::async_trait;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_smithy_async::future::pagination_stream::PaginationStream;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_types::request_id::RequestId;
use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt, TryStreamExt};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Target groups (and Auto Scaling groups) whose details are read at the same time.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// Scaling activities read per group: the recent ones an operator looks at.
const ACTIVITIES_PER_GROUP: i32 = 10;
/// GetMetricData takes at most this many queries per call.
const METRIC_QUERIES_PER_CALL: usize = 500;
/// CPU history shown per group.
const METRIC_WINDOW: chrono::Duration = chrono::Duration::hours(1);
const METRIC_PERIOD_SECONDS: i32 = 60;

/// Which account, region and endpoint to use. `None` means "what the standard chain says".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AwsOptions {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
}

/// Why patrol could not start on AWS, in one line that says how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(
        "no AWS region: pass --region NAME, set AWS_REGION, or set `region` for the profile \
         in ~/.aws/config"
    )]
    NoRegion,
    #[error("{detail}{}", profile_words(.profile))]
    NoCredentials {
        profile: Option<String>,
        detail: String,
    },
    #[error("the AWS credentials{} were refused ({error}); log in again, e.g. `aws sso login`", profile_words(.profile))]
    Refused {
        profile: Option<String>,
        error: CloudError,
    },
    #[error("--endpoint-url {0:?} is not an http:// or https:// URL")]
    BadEndpoint(String),
    #[error("AWS profile {profile:?} is not in the AWS config or credentials files{}", known_words(.known))]
    UnknownProfile { profile: String, known: Vec<String> },
    #[error("cannot read the AWS config files: {0}")]
    BadProfileFile(String),
    #[error("unknown region {region:?}: it is not an AWS region patrol knows, and its endpoint did not answer ({error})")]
    UnknownRegion { region: String, error: CloudError },
}

fn known_words(known: &[String]) -> String {
    if known.is_empty() {
        " (they define no profile)".into()
    } else {
        format!(" (profiles there: {})", known.join(", "))
    }
}

/// Reads the AWS config and credentials files as the SDK does (AWS_CONFIG_FILE and
/// AWS_SHARED_CREDENTIALS_FILE respected): the profile names, or the parser's own error,
/// which names the file and the line.
pub async fn profile_set() -> Result<Vec<String>, ConnectError> {
    use aws_types::os_shim_internal::{Env, Fs};
    match aws_config::profile::load(&Fs::real(), &Env::real(), &Default::default(), None).await {
        Ok(set) => {
            let mut names: Vec<String> = set.profiles().map(str::to_string).collect();
            names.sort();
            Ok(names)
        }
        Err(e) => {
            // The parser's own words (file and line) are in the error's source.
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(inner) = source {
                text.push_str(&format!(": {inner}"));
                source = inner.source();
            }
            Err(ConnectError::BadProfileFile(
                text.split_whitespace().collect::<Vec<_>>().join(" "),
            ))
        }
    }
}

fn profile_words(profile: &Option<String>) -> String {
    profile
        .as_ref()
        .map(|p| format!(" (profile {p:?})"))
        .unwrap_or_default()
}

/// AWS regions patrol knows, for completion, the region picker, and telling a typo from a
/// region newer than this list (which must then answer).
pub const REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-south-1",
    "eu-south-2",
    "eu-north-1",
    "il-central-1",
    "me-south-1",
    "me-central-1",
    "sa-east-1",
    "ap-southeast-5",
    "ap-southeast-7",
    "ap-east-2",
    "mx-central-1",
    "us-gov-west-1",
    "us-gov-east-1",
    "cn-north-1",
    "cn-northwest-1",
];

/// The SDK's retries and timeouts, set on purpose rather than left to defaults: three
/// attempts with jittered exponential backoff, and no call may hang the refresh loop.
fn retry_config() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(200))
        .with_max_backoff(Duration::from_secs(5))
}

fn timeout_config() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(3))
        .read_timeout(Duration::from_secs(8))
        .operation_attempt_timeout(Duration::from_secs(8))
        .operation_timeout(Duration::from_secs(18))
        .build()
}

/// The standard chain with patrol's retries and timeouts, and `options` on top.
pub fn loader(options: &AwsOptions) -> aws_config::ConfigLoader {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(retry_config())
        .timeout_config(timeout_config());
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &options.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(url) = &options.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader
}

/// The real AWS world. Cheap to clone; clones share clients and counters.
#[derive(Clone)]
pub struct AwsCloud {
    inner: Arc<Inner>,
}

struct Inner {
    ec2: aws_sdk_ec2::Client,
    elb: aws_sdk_elasticloadbalancingv2::Client,
    autoscaling: aws_sdk_autoscaling::Client,
    cloudwatch: aws_sdk_cloudwatch::Client,
    sts: aws_sdk_sts::Client,
    world: RwLock<WorldInfo>,
    page_size: Option<i32>,
    concurrency: usize,
    calls: CallCounter,
}

impl AwsCloud {
    /// Loads the standard credential and region chain with `options` on top, checks that a
    /// region and credentials exist, and reads the account id. Fails with a one-line error
    /// that says how to fix it; a network failure while reading the account id is not fatal
    /// (the console shows the endpoint as unreachable instead).
    pub async fn connect(options: &AwsOptions) -> Result<AwsCloud, ConnectError> {
        if let Some(url) = &options.endpoint_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ConnectError::BadEndpoint(url.clone()));
            }
        }
        // A malformed config file is named with its line; a profile it does not define is
        // refused, rather than running on whatever credentials the environment holds.
        let known = profile_set().await?;
        if let Some(p) = &options.profile {
            if !known.contains(p) {
                return Err(ConnectError::UnknownProfile {
                    profile: p.clone(),
                    known,
                });
            }
        }
        let sdk = loader(options).load().await;
        if sdk.region().is_none() {
            return Err(ConnectError::NoRegion);
        }
        let profile = options
            .profile
            .clone()
            .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()));
        if sdk.credentials_provider().is_none() {
            return Err(ConnectError::NoCredentials {
                profile,
                detail: format!("{CREDENTIALS_ADVICE} (no credentials provider is configured)"),
            });
        }
        let cloud = AwsCloud::from_config(&sdk, profile.clone(), options.endpoint_url.clone());
        // The first call resolves the credentials (once: the clients share the SDK's
        // identity cache), so a missing or refused credential shows up here.
        match cloud.identify().await {
            Ok(_) => {}
            Err(e) if e.code == NO_CREDENTIALS => {
                return Err(ConnectError::NoCredentials {
                    profile,
                    detail: e.message,
                });
            }
            Err(e) if e.kind == CloudErrorKind::AuthExpired => {
                return Err(ConnectError::Refused { profile, error: e });
            }
            Err(e) => tracing::warn!(error = %e, "could not read the account id"),
        }
        // A region patrol does not know must answer, or it is a typo.
        let region = sdk.region().map(|r| r.to_string()).unwrap_or_default();
        if !REGIONS.contains(&region.as_str()) {
            if let Err(error) = crate::cloud::Cloud::probe(&cloud).await {
                return Err(ConnectError::UnknownRegion { region, error });
            }
        }
        Ok(cloud)
    }

    /// A cloud on an already loaded SDK configuration (tests give it fixed credentials).
    /// Makes no call.
    pub fn from_config(
        sdk: &SdkConfig,
        profile: Option<String>,
        endpoint_url: Option<String>,
    ) -> AwsCloud {
        let calls = CallCounter::default();
        let ec2 = aws_sdk_ec2::config::Builder::from(sdk)
            .interceptor(calls.clone())
            .build();
        let elb = aws_sdk_elasticloadbalancingv2::config::Builder::from(sdk)
            .interceptor(calls.clone())
            .build();
        let autoscaling = aws_sdk_autoscaling::config::Builder::from(sdk)
            .interceptor(calls.clone())
            .build();
        let cloudwatch = aws_sdk_cloudwatch::config::Builder::from(sdk)
            .interceptor(calls.clone())
            .build();
        let sts = aws_sdk_sts::config::Builder::from(sdk)
            .interceptor(calls.clone())
            .build();
        let world = WorldInfo::Aws {
            account_id: None,
            region: sdk.region().map(|r| r.to_string()).unwrap_or_default(),
            profile,
            endpoint_url,
        };
        AwsCloud {
            inner: Arc::new(Inner {
                ec2: aws_sdk_ec2::Client::from_conf(ec2),
                elb: aws_sdk_elasticloadbalancingv2::Client::from_conf(elb),
                autoscaling: aws_sdk_autoscaling::Client::from_conf(autoscaling),
                cloudwatch: aws_sdk_cloudwatch::Client::from_conf(cloudwatch),
                sts: aws_sdk_sts::Client::from_conf(sts),
                world: RwLock::new(world),
                page_size: None,
                concurrency: DEFAULT_CONCURRENCY,
                calls,
            }),
        }
    }

    /// The same cloud reading `size` items per page (tests force pagination with it).
    /// Call before cloning.
    pub fn with_page_size(mut self, size: i32) -> AwsCloud {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.page_size = Some(size);
        }
        self
    }

    /// The same cloud reading `n` target groups (or groups' activities) at a time
    /// (benches/aws_refresh.rs compares). Call before cloning.
    pub fn with_concurrency(mut self, n: usize) -> AwsCloud {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.concurrency = n.max(1);
        }
        self
    }

    /// Requests sent so far, per operation.
    pub fn calls(&self) -> &CallCounter {
        &self.inner.calls
    }

    /// Reads the account id (STS GetCallerIdentity) and remembers it for the status bar.
    pub async fn identify(&self) -> Result<String, CloudError> {
        let out = self
            .inner
            .sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| classify("GetCallerIdentity", e))?;
        let account = out.account().unwrap_or_default().to_string();
        if let Ok(mut world) = self.inner.world.write() {
            if let WorldInfo::Aws { account_id, .. } = &mut *world {
                *account_id = Some(account.clone());
            }
        }
        Ok(account)
    }

    fn page(&self, default: i32) -> i32 {
        self.inner.page_size.unwrap_or(default)
    }

    async fn target_health(
        &self,
        mut group: TargetGroup,
    ) -> Result<Option<TargetGroup>, CloudError> {
        let out = self
            .inner
            .elb
            .describe_target_health()
            .target_group_arn(&group.arn)
            .send()
            .await
            .map_err(|e| classify("DescribeTargetHealth", e));
        match out {
            Ok(out) => {
                group.targets = out
                    .target_health_descriptions()
                    .iter()
                    .map(convert::target)
                    .collect();
                Ok(Some(group))
            }
            // Deleted between the two calls: it is gone, not an error.
            Err(e) if e.kind == CloudErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn activities(
        &self,
        mut group: AutoScalingGroup,
    ) -> Result<AutoScalingGroup, CloudError> {
        let out = self
            .inner
            .autoscaling
            .describe_scaling_activities()
            .auto_scaling_group_name(&group.name)
            .max_records(ACTIVITIES_PER_GROUP)
            .send()
            .await
            .map_err(|e| classify("DescribeScalingActivities", e))?;
        group.activities = out.activities().iter().map(convert::activity).collect();
        group
            .activities
            .sort_by_key(|a| std::cmp::Reverse(a.started_at));
        Ok(group)
    }

    async fn instance_state(&self, id: &str) -> Result<InstanceState, CloudError> {
        let out = self
            .inner
            .ec2
            .describe_instances()
            .instance_ids(id)
            .send()
            .await
            .map_err(|e| classify("DescribeInstances", e))?;
        out.reservations()
            .iter()
            .flat_map(|r| r.instances())
            .next()
            .map(|i| convert::instance_state(i.state()))
            .ok_or_else(|| {
                CloudError::new(
                    CloudErrorKind::NotFound,
                    "InvalidInstanceID.NotFound",
                    format!("The instance ID '{id}' does not exist"),
                )
            })
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
        let mut out = Vec::with_capacity(values.len());
        for chunk in values.chunks(METRIC_QUERIES_PER_CALL) {
            out.extend(self.metric_chunk(metric, chunk, start, end).await?);
        }
        Ok(out)
    }
}

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

/// Profile names from ~/.aws/config and ~/.aws/credentials (or AWS_CONFIG_FILE and
/// AWS_SHARED_CREDENTIALS_FILE), for completion and the profile picker.
pub fn profile_names() -> Vec<String> {
    let home = dirs::home_dir().unwrap_or_default().join(".aws");
    let file = |var: &str, name: &str| {
        std::env::var_os(var).map_or_else(|| home.join(name), std::path::PathBuf::from)
    };
    let mut names = Vec::new();
    for path in [
        file("AWS_CONFIG_FILE", "config"),
        file("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
    ] {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        for line in text.lines() {
            let line = line.trim();
            if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                let name = section
                    .trim()
                    .strip_prefix("profile ")
                    .unwrap_or(section)
                    .trim();
                if !name.starts_with("sso-session") && !names.iter().any(|n| n == name) {
                    names.push(name.to_string());
                }
            }
        }
    }
    names
}

/// Every page of a paginated call, each turned into items by `items`.
async fn all_pages<P, E, T>(
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

/// A DryRun call's answer: `DryRunOperation` means it would have succeeded.
fn dry_run_passed<T, E>(
    operation: &str,
    result: Result<T, SdkError<E, HttpResponse>>,
) -> Result<(), CloudError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match result {
        Ok(_) => Ok(()),
        Err(e) if e.code() == Some("DryRunOperation") => Ok(()),
        Err(e) => Err(classify(operation, e)),
    }
}

impl AwsCloud {
    /// AssociateAddress as patrol sends it: one call with AllowReassociation, never a
    /// disassociation first.
    fn associate_call(
        &self,
        allocation_id: &str,
        instance_id: &str,
    ) -> aws_sdk_ec2::operation::associate_address::builders::AssociateAddressFluentBuilder {
        self.inner
            .ec2
            .associate_address()
            .allocation_id(allocation_id)
            .instance_id(instance_id)
            .allow_reassociation(true)
    }

    /// CreateImage as patrol sends it: the image tagged with its name and source instance.
    fn create_image_call(
        &self,
        request: &CreateImageRequest,
    ) -> aws_sdk_ec2::operation::create_image::builders::CreateImageFluentBuilder {
        use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};
        let tags = TagSpecification::builder()
            .resource_type(ResourceType::Image)
            .tags(Tag::builder().key("Name").value(&request.name).build())
            .tags(
                Tag::builder()
                    .key(SOURCE_INSTANCE_TAG)
                    .value(&request.instance_id)
                    .build(),
            )
            .build();
        self.inner
            .ec2
            .create_image()
            .instance_id(&request.instance_id)
            .name(&request.name)
            .no_reboot(request.no_reboot)
            .tag_specifications(tags)
    }
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
        // One DescribeTargetHealth per group (the API takes one group per call), a bounded
        // number at a time, in the order the groups were listed.
        let with_health: Vec<Option<TargetGroup>> = stream::iter(groups)
            .map(|g| self.target_health(g))
            .buffered(self.inner.concurrency)
            .try_collect()
            .await?;
        Ok(with_health.into_iter().flatten().collect())
    }

    async fn auto_scaling_groups(&self) -> Result<Vec<AutoScalingGroup>, CloudError> {
        let pages = self
            .inner
            .autoscaling
            .describe_auto_scaling_groups()
            .into_paginator()
            .page_size(self.page(100))
            .send();
        let groups = all_pages("DescribeAutoScalingGroups", pages, |p| {
            p.auto_scaling_groups()
                .iter()
                .map(convert::auto_scaling_group)
                .collect()
        })
        .await?;
        stream::iter(groups)
            .map(|g| self.activities(g))
            .buffered(self.inner.concurrency)
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

    async fn instance_metrics(&self) -> Result<Vec<InstanceMetric>, CloudError> {
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
        // A missing permission, a bad id or a stopped instance is found before anything
        // changes.
        self.associate_address_dry_run(allocation_id, instance_id)
            .await?;
        let sent_at = Some(std::time::Instant::now());
        let out = self
            .associate_call(allocation_id, instance_id)
            .send()
            .await
            .map_err(|e| classify("AssociateAddress", e))?;
        Ok(Receipt {
            resource_id: out.association_id().map(str::to_string),
            request_id: out.request_id().map(str::to_string),
            sent_at,
        })
    }

    async fn associate_address_dry_run(
        &self,
        allocation_id: &str,
        instance_id: &str,
    ) -> Result<(), CloudError> {
        // EC2 would bind a floating IP to a stopped VPC instance, where it serves nothing;
        // patrol refuses that in both worlds.
        let state = self.instance_state(instance_id).await?;
        if state != InstanceState::Running {
            return Err(CloudError::new(
                CloudErrorKind::Conflict,
                "IncorrectInstanceState",
                format!(
                    "The instance '{instance_id}' is not in a valid state for this operation \
                     ({}).",
                    state.as_str()
                ),
            ));
        }
        dry_run_passed(
            "AssociateAddress",
            self.associate_call(allocation_id, instance_id)
                .dry_run(true)
                .send()
                .await,
        )
    }

    async fn create_image(&self, request: &CreateImageRequest) -> Result<Receipt, CloudError> {
        self.create_image_dry_run(request).await?;
        let sent_at = Some(std::time::Instant::now());
        let out = self
            .create_image_call(request)
            .send()
            .await
            .map_err(|e| classify("CreateImage", e))?;
        Ok(Receipt {
            resource_id: out.image_id().map(str::to_string),
            request_id: out.request_id().map(str::to_string),
            sent_at,
        })
    }

    async fn create_image_dry_run(&self, request: &CreateImageRequest) -> Result<(), CloudError> {
        // EC2 refuses a name already in use; an emulator may not. Check first, so both
        // worlds (and moto) answer the same.
        let existing = self
            .inner
            .ec2
            .describe_images()
            .owners("self")
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("name")
                    .values(&request.name)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| classify("DescribeImages", e))?;
        if let Some(image) = existing
            .images()
            .iter()
            .find(|i| i.name() == Some(request.name.as_str()))
        {
            return Err(CloudError::new(
                CloudErrorKind::Conflict,
                "InvalidAMIName.Duplicate",
                format!(
                    "AMI name {} is already in use by AMI {}",
                    request.name,
                    image.image_id().unwrap_or("?")
                ),
            ));
        }
        dry_run_passed(
            "CreateImage",
            self.create_image_call(request).dry_run(true).send().await,
        )
    }

    async fn set_desired_capacity(&self, group: &str, desired: u32) -> Result<Receipt, CloudError> {
        // Auto Scaling refuses values outside min..max, but an emulator may not: check first,
        // so nothing is ever sent that AWS would refuse.
        let current = self.auto_scaling_group(group).await?.ok_or_else(|| {
            CloudError::new(
                CloudErrorKind::NotFound,
                "ValidationError",
                format!("AutoScalingGroup name not found - AutoScalingGroup {group} not found"),
            )
        })?;
        if desired > current.max || desired < current.min {
            let (side, limit) = if desired > current.max {
                ("above max", current.max)
            } else {
                ("below min", current.min)
            };
            return Err(CloudError::new(
                CloudErrorKind::Invalid,
                "ValidationError",
                format!(
                    "New SetDesiredCapacity value {desired} is {side} value {limit} for the \
                     AutoScalingGroup {group}."
                ),
            ));
        }
        let sent_at = Some(std::time::Instant::now());
        let out = self
            .inner
            .autoscaling
            .set_desired_capacity()
            .auto_scaling_group_name(group)
            .desired_capacity(desired as i32)
            .honor_cooldown(false)
            .send()
            .await
            .map_err(|e| classify("SetDesiredCapacity", e))?;
        Ok(Receipt {
            resource_id: Some(group.to_string()),
            request_id: out.request_id().map(str::to_string),
            sent_at,
        })
    }
}
