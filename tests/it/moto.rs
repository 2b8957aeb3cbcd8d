//! moto's server for the AWS tests: started once per test run on 127.0.0.1 with a free port,
//! stopped when the test process ends. Each test works in a region of its own, so tests
//! that run at the same time never see each other's resources.
//!
//! moto comes from the virtualenv that `scripts/test` makes (`.venv`, pinned version), or
//! from `PATROL_MOTO_PYTHON` (a Python that has `moto[server]`). Without it the AWS tests
//! fail and say how to get it: they never skip, and never talk to anything but 127.0.0.1.

use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use patrol::cloud::aws::{AwsCloud, AwsOptions};
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

pub struct Moto {
    pub url: String,
    _child: Child,
    /// Held open for the life of the test process; when it closes, the wrapper stops moto.
    _stdin: Mutex<ChildStdin>,
}

/// Starts moto_server and kills it as soon as this wrapper's stdin reaches end of file,
/// which happens when the test process exits, however it exits.
const WRAPPER: &str = r#"
import subprocess, sys
server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", sys.argv[1]],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    sys.stdin.read()
finally:
    server.terminate()
    try:
        server.wait(timeout=5)
    except Exception:
        server.kill()
"#;

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("PATROL_MOTO_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(
        venv.exists(),
        "the AWS tests need moto's server: run scripts/test (it installs moto[server] into \
         .venv), or set PATROL_MOTO_PYTHON to a Python that has it"
    );
    venv
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port on 127.0.0.1")
}

fn start() -> Moto {
    let port = free_port();
    let mut child = Command::new(python())
        .args(["-c", WRAPPER, &port.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("cannot start moto's server");
    let stdin = child.stdin.take().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if answers(port) {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("moto's server exited at start ({status}); is moto[server] installed?");
        }
        assert!(
            Instant::now() < deadline,
            "moto's server did not answer on 127.0.0.1:{port} within 60s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Moto {
        url: format!("http://127.0.0.1:{port}"),
        _child: child,
        _stdin: Mutex::new(stdin),
    }
}

/// True when moto answers an HTTP request (not merely accepts the connection).
fn answers(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET /moto-api/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 12];
    std::io::Read::read(&mut s, &mut buf).is_ok_and(|n| n >= 12 && buf.starts_with(b"HTTP/1."))
}

/// The one moto server of this test run.
pub fn moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(start)
}

/// An SDK configuration for `region` on moto, with fixed test credentials and the same
/// retry and timeout settings patrol uses.
pub async fn sdk_config(region: &str) -> SdkConfig {
    sdk_config_at(&moto().url, region).await
}

/// The same for any endpoint (the unreachable-endpoint test points it at a closed port).
pub async fn sdk_config_at(url: &str, region: &str) -> SdkConfig {
    patrol::cloud::aws::loader(&AwsOptions {
        profile: None,
        region: Some(region.to_string()),
        endpoint_url: Some(url.to_string()),
    })
    .await
    .credentials_provider(Credentials::new(
        "testing",
        "testing",
        None,
        None,
        "patrol-tests",
    ))
    .load()
    .await
}

/// patrol's AWS world on moto in `region`.
pub async fn cloud(region: &str) -> AwsCloud {
    AwsCloud::from_config(&sdk_config(region).await, None, Some(moto().url.clone()))
}

/// Environment for a `patrol` child process that must reach moto and nothing else.
pub fn child_env() -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_CONFIG_FILE", "/nonexistent/patrol-test-config".into()),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/patrol-test-credentials".into(),
        ),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
    ]
}

/// A VPC with one subnet in each of the region's first `zones` zones, and an image id from
/// moto's catalogue of Amazon images to launch from.
pub struct Network {
    pub vpc: String,
    pub zones: Vec<String>,
    pub subnets: Vec<String>,
    pub ami: String,
}

/// Makes a `Network`: 10.0.0.0/16 with a /20 (4,091 addresses) per zone.
pub async fn network(ec2: &aws_sdk_ec2::Client, zones: usize) -> Network {
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc()
        .and_then(|v| v.vpc_id())
        .unwrap()
        .to_string();
    let names: Vec<String> = ec2
        .describe_availability_zones()
        .send()
        .await
        .unwrap()
        .availability_zones()
        .iter()
        .filter_map(|z| z.zone_name().map(String::from))
        .take(zones)
        .collect();
    assert_eq!(names.len(), zones, "moto offers {zones} zones");
    let mut subnets = Vec::new();
    for (n, zone) in names.iter().enumerate() {
        let out = ec2
            .create_subnet()
            .vpc_id(&vpc)
            .cidr_block(format!("10.0.{}.0/20", n * 16))
            .availability_zone(zone)
            .send()
            .await
            .unwrap();
        subnets.push(
            out.subnet()
                .and_then(|s| s.subnet_id())
                .unwrap()
                .to_string(),
        );
    }
    // Filtered by name: moto's whole Amazon catalogue is ~1,300 images, ~2 s per answer
    // when idle and past the SDK's 18 s timeout when every test asks at once on a busy CI.
    let ami = ec2
        .describe_images()
        .owners("amazon")
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("name")
                .values("amzn2-ami-hvm-*")
                .build(),
        )
        .send()
        .await
        .unwrap()
        .images()
        .iter()
        .find_map(|i| i.image_id().map(String::from))
        .expect("moto has Amazon images");
    Network {
        vpc,
        zones: names,
        subnets,
        ami,
    }
}

/// An application load balancer over `subnets` with an HTTP listener on `port` that
/// forwards to `target_group`. Returns its ARN.
pub async fn alb(
    elb: &aws_sdk_elasticloadbalancingv2::Client,
    name: &str,
    subnets: &[String],
    port: i32,
    target_group: &str,
) -> String {
    use aws_sdk_elasticloadbalancingv2::types::{
        Action, ActionTypeEnum, LoadBalancerTypeEnum, ProtocolEnum,
    };
    let out = elb
        .create_load_balancer()
        .name(name)
        .r#type(LoadBalancerTypeEnum::Application)
        .set_subnets(Some(subnets.to_vec()))
        .send()
        .await
        .unwrap();
    let arn = out.load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_string();
    elb.create_listener()
        .load_balancer_arn(&arn)
        .protocol(ProtocolEnum::Http)
        .port(port)
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::Forward)
                .target_group_arn(target_group)
                .build(),
        )
        .send()
        .await
        .unwrap();
    arn
}

/// A VPC Elastic IP, unbound; its allocation id.
pub async fn allocate_address(ec2: &aws_sdk_ec2::Client) -> String {
    ec2.allocate_address()
        .domain(aws_sdk_ec2::types::DomainType::Vpc)
        .send()
        .await
        .unwrap()
        .allocation_id()
        .unwrap()
        .to_string()
}

/// CPU of an Auto Scaling group: `(seconds ago, percent)` points, then an alarm
/// `<alarm>` at 70% over two one-minute periods.
pub async fn cpu_and_alarm(
    cw: &aws_sdk_cloudwatch::Client,
    group: &str,
    points: &[(i64, f64)],
    alarm: &str,
) {
    use aws_sdk_cloudwatch::types::{
        ComparisonOperator, Dimension, MetricDatum, StandardUnit, Statistic,
    };
    let dimension = Dimension::builder()
        .name("AutoScalingGroupName")
        .value(group)
        .build();
    let now = chrono::Utc::now().timestamp() / 60 * 60;
    let mut data = cw.put_metric_data().namespace("AWS/EC2");
    for (ago, value) in points {
        data = data.metric_data(
            MetricDatum::builder()
                .metric_name("CPUUtilization")
                .dimensions(dimension.clone())
                .timestamp(aws_smithy_types::DateTime::from_secs(now - ago))
                .value(*value)
                .unit(StandardUnit::Percent)
                .build(),
        );
    }
    data.send().await.unwrap();
    cw.put_metric_alarm()
        .alarm_name(alarm)
        .namespace("AWS/EC2")
        .metric_name("CPUUtilization")
        .dimensions(dimension)
        .statistic(Statistic::Average)
        .period(60)
        .evaluation_periods(2)
        .threshold(70.0)
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .send()
        .await
        .unwrap();
}

/// A launch template `<name>-lt` on `ami`, and the Auto Scaling group `name` on it over
/// `subnets`, attached to `target_group`, with ELB health checks and a 120s grace period.
#[allow(clippy::too_many_arguments)]
pub async fn auto_scaling_group(
    ec2: &aws_sdk_ec2::Client,
    asg: &aws_sdk_autoscaling::Client,
    name: &str,
    ami: &str,
    subnets: &[String],
    (min, desired, max): (i32, i32, i32),
    target_group: &str,
) {
    use aws_sdk_autoscaling::types::LaunchTemplateSpecification;
    use aws_sdk_ec2::types::{InstanceType, RequestLaunchTemplateData};
    let template = format!("{name}-lt");
    ec2.create_launch_template()
        .launch_template_name(&template)
        .launch_template_data(
            RequestLaunchTemplateData::builder()
                .image_id(ami)
                .instance_type(InstanceType::T3Micro)
                .build(),
        )
        .send()
        .await
        .unwrap();
    asg.create_auto_scaling_group()
        .auto_scaling_group_name(name)
        .launch_template(
            LaunchTemplateSpecification::builder()
                .launch_template_name(template)
                .version("$Latest")
                .build(),
        )
        .min_size(min)
        .desired_capacity(desired)
        .max_size(max)
        .vpc_zone_identifier(subnets.join(","))
        .target_group_arns(target_group)
        .health_check_type("ELB")
        .health_check_grace_period(120)
        .send()
        .await
        .unwrap();
}

/// `n` t3.micro instances (a multiple of 100), a hundred at a time, over the subnets in
/// turn; their ids. (The benches seed their fleets with it.)
#[allow(dead_code)]
pub async fn instances(
    ec2: &aws_sdk_ec2::Client,
    ami: &str,
    subnets: &[String],
    n: usize,
) -> Vec<String> {
    let mut ids = Vec::new();
    for batch in 0..n / 100 {
        let out = ec2
            .run_instances()
            .image_id(ami)
            .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
            .subnet_id(&subnets[batch % subnets.len()])
            .min_count(100)
            .max_count(100)
            .send()
            .await
            .unwrap();
        ids.extend(
            out.instances()
                .iter()
                .filter_map(|i| i.instance_id().map(String::from)),
        );
    }
    ids
}
