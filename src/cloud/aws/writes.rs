//! The changes: AssociateAddress, CreateImage (each with its DryRun first) and
//! SetDesiredCapacity, each checked against what AWS would refuse before it is sent.

use super::{classify, AwsCloud};
use crate::cloud::SOURCE_INSTANCE_TAG;
use crate::cloud::{Cloud, CloudError, CloudErrorKind, CreateImageRequest, Receipt};
use crate::model::InstanceState;
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_types::request_id::RequestId;

/// A DryRun call's answer: `DryRunOperation` means it would have succeeded.
pub(super) fn dry_run_passed<T, E>(
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

impl AwsCloud {
    pub(super) async fn associate(
        &self,
        allocation_id: &str,
        instance_id: &str,
    ) -> Result<Receipt, CloudError> {
        // A missing permission, a bad id or a stopped instance is found before anything
        // changes.
        self.associate_dry_run(allocation_id, instance_id).await?;
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

    pub(super) async fn associate_dry_run(
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

    pub(super) async fn create(&self, request: &CreateImageRequest) -> Result<Receipt, CloudError> {
        self.create_dry_run(request).await?;
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

    pub(super) async fn create_dry_run(
        &self,
        request: &CreateImageRequest,
    ) -> Result<(), CloudError> {
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

    pub(super) async fn set_desired(
        &self,
        group: &str,
        desired: u32,
    ) -> Result<Receipt, CloudError> {
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
