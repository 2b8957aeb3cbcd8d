//! The real AWS world: `Cloud` over the official SDK crates.
//!
//! Credentials and region come from aws-config's standard chain (environment, shared config
//! and credentials files, SSO, assume-role profiles, instance and container roles); flags
//! override the region, the profile and the endpoint. Every read is paginated to the end;
//! the per-target-group and per-group calls run as many at once as an adaptive limiter
//! allows (one per API: limit.rs). SDK types become `model/` types in `convert` and
//! nowhere else.

mod calls;
mod connect;
pub mod convert;
pub mod error;
mod limit;
mod metrics;
mod reads;
mod rotation;
mod writes;

pub use calls::CallCounter;
pub use connect::{loader, profile_names, profile_set, AwsOptions, ConnectError, REGIONS};
pub use error::{classify, CREDENTIALS_ADVICE, NO_CREDENTIALS};

use crate::model::WorldInfo;
use std::sync::{Arc, RwLock};

pub use limit::{MAX_IN_FLIGHT, START_IN_FLIGHT};
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
    /// How many detail calls are in flight at once, per API (each has its own rate limits).
    limiters: limit::Limiters,
    calls: CallCounter,
    delays: Remembered,
}

/// Target groups' deregistration delays, each kept for `ATTRIBUTES_FOR` after it was read.
#[derive(Default)]
struct Remembered(
    std::sync::Mutex<std::collections::HashMap<String, (Option<u32>, std::time::Instant)>>,
);

/// How long a deregistration delay read is trusted.
const ATTRIBUTES_FOR: std::time::Duration = std::time::Duration::from_secs(300);

impl Remembered {
    fn get(&self, arn: &str) -> Option<Option<u32>> {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.get(arn)
            .filter(|(_, at)| at.elapsed() < ATTRIBUTES_FOR)
            .map(|(v, _)| *v)
    }

    fn put(&self, arn: &str, value: Option<u32>) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.insert(arn.to_string(), (value, std::time::Instant::now()));
    }
}

impl AwsCloud {
    /// Runs one call to `api` with a place in flight, and teaches the limiter how it went.
    async fn limited<T>(
        &self,
        api: limit::Api,
        call: impl std::future::Future<Output = Result<T, crate::cloud::CloudError>>,
    ) -> Result<T, crate::cloud::CloudError> {
        use crate::cloud::CloudErrorKind;
        let mut permit = self.inner.limiters.of(api).acquire().await;
        let result = call.await;
        permit.ended(match &result {
            Err(e) if e.kind == CloudErrorKind::Throttled => limit::Outcome::Throttled,
            Err(e) if e.kind == CloudErrorKind::Network => limit::Outcome::Failed,
            _ => limit::Outcome::Answered,
        });
        result
    }

    /// How many detail calls to Elastic Load Balancing may be in flight now (the benchmark
    /// reports it).
    pub fn in_flight_limit(&self) -> usize {
        self.inner.limiters.of(limit::Api::Elb).limit()
    }
}
