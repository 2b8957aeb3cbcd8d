//! Connecting: options, profiles and regions, the SDK's config with patrol's retries and
//! timeouts, and the account the credentials belong to.

use super::{classify, limit, AwsCloud, CallCounter, Inner, CREDENTIALS_ADVICE, NO_CREDENTIALS};
use crate::cloud::{CloudError, CloudErrorKind};
use crate::model::WorldInfo;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use std::sync::{Arc, RwLock};
use std::time::Duration;

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
pub async fn loader(options: &AwsOptions) -> aws_config::ConfigLoader {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(retry_config())
        .timeout_config(timeout_config());
    if let Some(profile) = &options.profile {
        // A profile named (a flag, a target) gives the credentials, as with the AWS CLI's
        // --profile: environment keys left in the shell must not turn every target of the
        // board into the same account. Its assume-role and SSO calls need the region.
        let region = match &options.region {
            Some(r) => Some(Region::new(r.clone())),
            None => {
                aws_config::default_provider::region::DefaultRegionChain::builder()
                    .profile_name(profile)
                    .build()
                    .region()
                    .await
            }
        };
        let config = aws_config::provider_config::ProviderConfig::default().with_region(region);
        let credentials = aws_config::profile::ProfileFileCredentialsProvider::builder()
            .configure(&config)
            .profile_name(profile)
            .build();
        loader = loader
            .profile_name(profile)
            .credentials_provider(credentials);
    }
    if let Some(region) = &options.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(url) = &options.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader
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
        let sdk = loader(options).await.load().await;
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
                limiters: limit::Limiters::adaptive(),
                calls,
                delays: Default::default(),
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

    /// The same cloud with always `n` detail calls per API in flight at most, instead of an adaptive
    /// number (benches/aws_refresh.rs compares). Call before cloning.
    pub fn with_concurrency(mut self, n: usize) -> AwsCloud {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.limiters = limit::Limiters::fixed(n);
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
}

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
