//! SDK errors to `CloudError`: the kind an operator acts on, the API's code and message, the
//! request id. Credentials, network and timeout failures get a message that says what to do.

use crate::cloud::{CloudError, CloudErrorKind};
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_types::request_id::RequestId;
use std::error::Error as StdError;

/// The kind of a service error code. Codes are matched exactly first, then by EC2's
/// `Thing.NotFound` / `Thing.Malformed` suffix convention.
pub fn kind_of_code(code: &str) -> CloudErrorKind {
    use CloudErrorKind::*;
    match code {
        "Throttling"
        | "ThrottlingException"
        | "ThrottledException"
        | "RequestLimitExceeded"
        | "RequestThrottled"
        | "RequestThrottledException"
        | "TooManyRequestsException"
        | "ProvisionedThroughputExceededException"
        | "SlowDown"
        | "EC2ThrottledException"
        | "PriorRequestNotComplete"
        | "BandwidthLimitExceeded" => Throttled,
        "ExpiredToken"
        | "ExpiredTokenException"
        | "RequestExpired"
        | "InvalidClientTokenId"
        | "UnrecognizedClientException"
        | "AuthFailure"
        | "InvalidToken"
        | "SignatureDoesNotMatch"
        | "IncompleteSignature"
        | "MissingAuthenticationToken"
        | "InvalidAccessKeyId" => AuthExpired,
        "AccessDenied"
        | "AccessDeniedException"
        | "UnauthorizedOperation"
        | "OptInRequired"
        | "Forbidden"
        | "Blocked" => AccessDenied,
        "IncorrectInstanceState"
        | "IncorrectState"
        | "InvalidInstanceID"
        | "InvalidAMIName.Duplicate"
        | "InvalidIPAddress.InUse"
        | "Resource.AlreadyAssociated"
        | "ScalingActivityInProgress"
        | "ScalingActivityInProgressFault"
        | "ResourceInUse"
        | "ResourceInUseFault"
        | "ResourceContention"
        | "ResourceContentionFault"
        | "OperationNotPermitted"
        | "InvalidState"
        | "IdempotentParameterMismatch" => Conflict,
        "ValidationError"
        | "InvalidParameterValue"
        | "InvalidParameterCombination"
        | "InvalidParameter"
        | "MissingParameter"
        | "InvalidRequest"
        | "InvalidInput"
        | "InvalidAction"
        | "InvalidConfigurationRequest"
        | "UnknownParameter" => Invalid,
        _ if code.ends_with(".NotFound")
            || code.ends_with("NotFound")
            || code.ends_with("NotFoundException")
            || code == "ResourceNotFound" =>
        {
            NotFound
        }
        _ if code.ends_with(".Malformed") || code.ends_with("Malformed") => Invalid,
        _ => Other,
    }
}

/// The kind of a service error that came without a code (a bare HTTP status).
fn kind_of_status(status: u16) -> CloudErrorKind {
    match status {
        401 => CloudErrorKind::AuthExpired,
        403 => CloudErrorKind::AccessDenied,
        404 => CloudErrorKind::NotFound,
        409 => CloudErrorKind::Conflict,
        400 | 422 => CloudErrorKind::Invalid,
        429 | 503 => CloudErrorKind::Throttled,
        _ => CloudErrorKind::Other,
    }
}

/// Every message in an error's source chain, joined on one line, without repeats.
pub fn chain(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    one_line(&parts.join(": "))
}

/// A possibly multi-line message as one line: lines joined with "; ", spaces squeezed.
pub fn one_line(text: &str) -> String {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// True when some error in the chain is a credentials or SSO token failure.
fn is_credentials_failure(err: &(dyn StdError + 'static)) -> bool {
    let mut next = Some(err);
    while let Some(e) = next {
        if e.is::<aws_credential_types::provider::error::CredentialsError>()
            || e.is::<aws_credential_types::provider::error::TokenError>()
        {
            return true;
        }
        next = e.source();
    }
    false
}

/// The advice for a credentials failure, in one line.
pub const CREDENTIALS_ADVICE: &str = "no usable AWS credentials: run `aws sso login` (or \
     `aws configure`) for the profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";

/// The code of a call that found no usable credentials.
pub const NO_CREDENTIALS: &str = "NoCredentials";

/// Classifies one failed SDK call of `operation`.
pub fn classify<E>(operation: &str, err: SdkError<E, HttpResponse>) -> CloudError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    let request_id = err.request_id().map(str::to_string);
    let mut error = match &err {
        SdkError::ServiceError(service) => {
            let code = err.code().unwrap_or_default().to_string();
            let status = service.raw().status().as_u16();
            let kind = if code.is_empty() {
                kind_of_status(status)
            } else {
                kind_of_code(&code)
            };
            let message = err
                .message()
                .map(str::to_string)
                .unwrap_or_else(|| format!("HTTP {status} from {operation}"));
            let code = if code.is_empty() {
                format!("HTTP{status}")
            } else {
                code
            };
            CloudError::new(kind, code, message)
        }
        SdkError::TimeoutError(_) => CloudError::new(
            CloudErrorKind::Network,
            "Timeout",
            format!("{operation} did not answer in time"),
        ),
        SdkError::DispatchFailure(d) if d.is_timeout() => CloudError::new(
            CloudErrorKind::Network,
            "Timeout",
            format!("{operation} did not answer in time"),
        ),
        SdkError::DispatchFailure(_) | SdkError::ConstructionFailure(_)
            if is_credentials_failure(&err) =>
        {
            CloudError::new(
                CloudErrorKind::AuthExpired,
                NO_CREDENTIALS,
                format!("{CREDENTIALS_ADVICE} ({})", chain(&err)),
            )
        }
        // The request never got an answer: refused, reset, or closed before the response
        // (hyper calls that last one "other", but to an operator it is the network).
        SdkError::DispatchFailure(_) => CloudError::new(
            CloudErrorKind::Network,
            "Unreachable",
            format!("cannot reach the endpoint for {operation}: {}", chain(&err)),
        ),
        SdkError::ResponseError(r) => CloudError::new(
            CloudErrorKind::Other,
            format!("HTTP{}", r.raw().status().as_u16()),
            format!("{operation}: unreadable answer: {}", chain(&err)),
        ),
        _ => CloudError::new(
            CloudErrorKind::Other,
            "SdkError",
            format!("{operation}: {}", chain(&err)),
        ),
    };
    error.request_id = request_id;
    error
}

#[cfg(test)]
mod tests {
    use super::*;
    use CloudErrorKind::*;

    #[test]
    fn codes_map_to_kinds() {
        for (code, kind) in [
            ("RequestLimitExceeded", Throttled),
            ("Throttling", Throttled),
            ("ExpiredToken", AuthExpired),
            ("AuthFailure", AuthExpired),
            ("UnauthorizedOperation", AccessDenied),
            ("AccessDenied", AccessDenied),
            ("InvalidAllocationID.NotFound", NotFound),
            ("InvalidInstanceID.NotFound", NotFound),
            ("TargetGroupNotFound", NotFound),
            ("LoadBalancerNotFoundException", NotFound),
            ("IncorrectInstanceState", Conflict),
            ("InvalidInstanceID", Conflict),
            ("InvalidAMIName.Duplicate", Conflict),
            ("ScalingActivityInProgress", Conflict),
            ("InvalidAMIName.Malformed", Invalid),
            ("ValidationError", Invalid),
            ("SomethingNew", Other),
        ] {
            assert_eq!(kind_of_code(code), kind, "{code}");
        }
    }

    #[test]
    fn bare_statuses_map_to_kinds() {
        assert_eq!(kind_of_status(404), NotFound);
        assert_eq!(kind_of_status(403), AccessDenied);
        assert_eq!(kind_of_status(503), Throttled);
        assert_eq!(kind_of_status(500), Other);
    }
}
