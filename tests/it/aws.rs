//! The AWS world against moto's server: a real topology is seeded through the SDK, and
//! patrol's `Cloud` must read it back exactly, change it, page through it and classify its
//! errors. Each test has a region of its own on the one moto server of the run.

use crate::moto::{child_env, cloud, moto, sdk_config, sdk_config_at};
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum};
use aws_sdk_ec2::types::{InstanceType, ResourceType, Tag, TagSpecification};
use aws_sdk_elasticloadbalancingv2::types::{ProtocolEnum, TargetDescription};
use patrol::cloud::aws::AwsCloud;
use patrol::cloud::{take_snapshot, Cloud, CloudErrorKind, CreateImageRequest};
use patrol::model::{
    ImageState, InstanceState, LifecycleState, Snapshot, TargetHealthState, WorldInfo,
};
use std::collections::BTreeSet;

/// What `seed` made, by the names a test asks for.
pub struct Seeded {
    pub vpc: String,
    pub zones: Vec<String>,
    pub subnets: Vec<String>,
    pub primary: String,
    pub standby: String,
    pub lb_arn: String,
    pub web_tg: String,
    pub app_tg: String,
    pub floating: String,
    pub spare: String,
    pub ami: String,
}

fn name_tag(resource: ResourceType, name: &str) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(resource)
        .tags(Tag::builder().key("Name").value(name).build())
        .build()
}

/// Runs one instance named `name` in `subnet`.
pub async fn run_instance(
    ec2: &aws_sdk_ec2::Client,
    ami: &str,
    subnet: &str,
    name: &str,
) -> String {
    let out = ec2
        .run_instances()
        .image_id(ami)
        .instance_type(InstanceType::T3Micro)
        .min_count(1)
        .max_count(1)
        .subnet_id(subnet)
        .tag_specifications(name_tag(ResourceType::Instance, name))
        .send()
        .await
        .unwrap();
    out.instances()[0].instance_id().unwrap().to_string()
}

/// A web tier and an active/standby pair, as tests/fixtures/scenarios/conformance.toml has
/// them: a VPC with three subnets in three zones; app-primary and app-standby behind
/// app-alb/app-tg; web-alb with a listener on web-tg; web-asg (2/3/6) over the three subnets attached to web-tg; a
/// floating EIP on app-primary and a spare; five minutes of CPU for web-asg; an alarm.
pub async fn seed(region: &str) -> Seeded {
    seed_over(region, 3).await
}

/// The same fleet over the region's first `zones` zones (two at least: moto gives some
/// regions only two).
pub async fn seed_over(region: &str, zones: usize) -> Seeded {
    seed_with(&sdk_config(region).await, zones).await
}

/// The same fleet, seeded with `sdk`'s credentials (another account's, for one).
pub async fn seed_with(sdk: &aws_config::SdkConfig, zones: usize) -> Seeded {
    let sdk = sdk.clone();
    let ec2 = aws_sdk_ec2::Client::new(&sdk);
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&sdk);
    let asg = aws_sdk_autoscaling::Client::new(&sdk);
    let cw = aws_sdk_cloudwatch::Client::new(&sdk);

    let crate::moto::Network {
        vpc,
        zones,
        subnets,
        ami,
    } = crate::moto::network(&ec2, zones).await;

    let primary = run_instance(&ec2, &ami, &subnets[0], "app-primary").await;
    let standby = run_instance(&ec2, &ami, &subnets[1], "app-standby").await;

    let target_group = |name: &'static str, port: i32, path: &'static str| {
        let elb = elb.clone();
        let vpc = vpc.clone();
        async move {
            elb.create_target_group()
                .name(name)
                .protocol(ProtocolEnum::Http)
                .port(port)
                .vpc_id(vpc)
                .health_check_path(path)
                .health_check_interval_seconds(10)
                .healthy_threshold_count(3)
                .unhealthy_threshold_count(2)
                .send()
                .await
                .unwrap()
                .target_groups()[0]
                .target_group_arn()
                .unwrap()
                .to_string()
        }
    };
    let web_tg = target_group("web-tg", 80, "/health/deep").await;
    let app_tg = target_group("app-tg", 8080, "/").await;
    let lb_arn = crate::moto::alb(&elb, "web-alb", &subnets, 80, &web_tg).await;
    crate::moto::alb(&elb, "app-alb", &subnets[..2], 8080, &app_tg).await;
    elb.register_targets()
        .target_group_arn(&app_tg)
        .targets(TargetDescription::builder().id(&primary).port(8080).build())
        .targets(TargetDescription::builder().id(&standby).port(8080).build())
        .send()
        .await
        .unwrap();

    crate::moto::auto_scaling_group(&ec2, &asg, "web-asg", &ami, &subnets, (2, 3, 6), &web_tg)
        .await;

    let floating = crate::moto::allocate_address(&ec2).await;
    let spare = crate::moto::allocate_address(&ec2).await;
    ec2.associate_address()
        .allocation_id(&floating)
        .instance_id(&primary)
        .send()
        .await
        .unwrap();

    let minutes = [
        (300, 20.0),
        (240, 35.0),
        (180, 50.0),
        (120, 65.0),
        (60, 80.0),
    ];
    crate::moto::cpu_and_alarm(&cw, "web-asg", &minutes, "web-cpu-high").await;

    Seeded {
        vpc,
        zones,
        subnets,
        primary,
        standby,
        lb_arn,
        web_tg,
        app_tg,
        floating,
        spare,
        ami,
    }
}

/// The Elastic IP with this allocation id.
fn bound<'a>(s: &'a Snapshot, allocation_id: &str) -> &'a patrol::model::ElasticIp {
    s.elastic_ips
        .iter()
        .find(|a| a.allocation_id == allocation_id)
        .unwrap()
}

async fn snapshot_of(cloud: &AwsCloud) -> Snapshot {
    take_snapshot(cloud).await.expect("a full read of moto")
}

fn sorted(v: impl IntoIterator<Item = impl Into<String>>) -> BTreeSet<String> {
    v.into_iter().map(Into::into).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_snapshot_matches_the_seeded_topology() {
    let region = "us-east-1";
    let seeded = seed(region).await;
    let cloud = cloud(region).await;
    assert_eq!(cloud.identify().await.unwrap(), "123456789012");
    let s = snapshot_of(&cloud).await;

    // The world says where it is.
    assert_eq!(
        s.world,
        WorldInfo::Aws {
            account_id: Some("123456789012".into()),
            region: region.into(),
            profile: None,
            endpoint_url: Some(moto().url.clone()),
        }
    );

    // Instances: the pair plus the group's three, all running, in their subnets' zones.
    assert_eq!(s.instances.len(), 5, "{:#?}", s.instances);
    assert!(s
        .instances
        .iter()
        .all(|i| i.state == InstanceState::Running));
    let by_id = s.instance_index();
    let primary = by_id[seeded.primary.as_str()];
    assert_eq!(primary.name.as_deref(), Some("app-primary"));
    assert_eq!(primary.zone, seeded.zones[0]);
    assert_eq!(primary.subnet_id, seeded.subnets[0]);
    assert_eq!(primary.vpc_id, seeded.vpc);
    assert_eq!(primary.instance_type, "t3.micro");
    assert_eq!(by_id[seeded.standby.as_str()].zone, seeded.zones[1]);
    let group_members: Vec<_> = s
        .instances
        .iter()
        .filter(|i| i.auto_scaling_group.as_deref() == Some("web-asg"))
        .collect();
    assert_eq!(group_members.len(), 3);

    // web-alb spans the three zones, app-alb two.
    assert_eq!(s.load_balancers.len(), 2);
    let lb = s
        .load_balancers
        .iter()
        .find(|l| l.name == "web-alb")
        .unwrap();
    assert_eq!(
        (lb.arn.as_str(), lb.name.as_str()),
        (seeded.lb_arn.as_str(), "web-alb")
    );
    assert_eq!(lb.kind, "application");
    assert_eq!(sorted(lb.zones.clone()), sorted(seeded.zones.clone()));
    let app_alb = s
        .load_balancers
        .iter()
        .find(|l| l.name == "app-alb")
        .unwrap();
    assert_eq!(
        sorted(app_alb.zones.clone()),
        sorted(seeded.zones[..2].to_vec())
    );

    // Target groups, their health checks, and every target's health.
    assert_eq!(s.target_groups.len(), 2);
    let web = s.target_groups.iter().find(|g| g.name == "web-tg").unwrap();
    assert_eq!(web.arn, seeded.web_tg);
    assert_eq!(web.port, 80);
    assert_eq!(web.vpc_id, seeded.vpc);
    assert_eq!(web.load_balancer_arns, vec![seeded.lb_arn.clone()]);
    assert_eq!(web.health_check.path.as_deref(), Some("/health/deep"));
    assert_eq!(web.health_check.interval_seconds, 10);
    assert_eq!(web.health_check.healthy_threshold, 3);
    assert_eq!(web.health_check.unhealthy_threshold, 2);
    assert_eq!(
        sorted(web.targets.iter().map(|t| t.target_id.clone())),
        sorted(group_members.iter().map(|i| i.id.clone())),
        "the group's instances are web-tg's targets"
    );
    let app = s.target_groups.iter().find(|g| g.name == "app-tg").unwrap();
    assert_eq!(app.arn, seeded.app_tg);
    assert_eq!(
        sorted(app.targets.iter().map(|t| t.target_id.clone())),
        sorted([seeded.primary.clone(), seeded.standby.clone()])
    );
    // moto reports every target of a running instance healthy (no health checks run).
    assert!(app
        .targets
        .iter()
        .all(|t| t.state == TargetHealthState::Healthy));
    assert!(app.targets.iter().all(|t| t.port == 8080));

    // The group: capacity numbers, zones, members.
    assert_eq!(s.auto_scaling_groups.len(), 1);
    let g = &s.auto_scaling_groups[0];
    assert_eq!(
        (g.name.as_str(), g.min, g.desired, g.max),
        ("web-asg", 2, 3, 6)
    );
    assert_eq!(sorted(g.zones.clone()), sorted(seeded.zones.clone()));
    assert_eq!(g.target_group_arns, vec![seeded.web_tg.clone()]);
    assert_eq!(g.health_check_type, "ELB");
    assert_eq!(g.health_check_grace_seconds, 120);
    assert_eq!(g.count(&LifecycleState::InService), 3);
    assert!(g.instances.iter().all(|i| i.healthy));
    assert_eq!(
        sorted(g.instances.iter().map(|i| i.instance_id.clone())),
        sorted(group_members.iter().map(|i| i.id.clone()))
    );

    // Elastic IPs: the floating one on app-primary, the spare on nothing.
    assert_eq!(s.elastic_ips.len(), 2);
    let floating = s
        .elastic_ips
        .iter()
        .find(|a| a.allocation_id == seeded.floating)
        .unwrap();
    assert_eq!(
        floating.instance_id.as_deref(),
        Some(seeded.primary.as_str())
    );
    assert!(floating.association_id.is_some());
    assert_eq!(floating.private_ip, primary.private_ip);
    let spare = s
        .elastic_ips
        .iter()
        .find(|a| a.allocation_id == seeded.spare)
        .unwrap();
    assert_eq!(
        (spare.instance_id.as_ref(), spare.association_id.as_ref()),
        (None, None)
    );

    // CPU: the five seeded minutes, oldest first.
    assert_eq!(s.metrics.len(), 1);
    let cpu = &s.metrics[0];
    assert_eq!(cpu.auto_scaling_group, "web-asg");
    let values: Vec<f64> = cpu.points.iter().map(|p| p.value).collect();
    assert_eq!(values, vec![20.0, 35.0, 50.0, 65.0, 80.0]);
    assert!(cpu.points.windows(2).all(|w| w[0].at < w[1].at));

    // The alarm watches the group.
    assert_eq!(s.alarms.len(), 1);
    let alarm = &s.alarms[0];
    assert_eq!(alarm.name, "web-cpu-high");
    assert_eq!(alarm.auto_scaling_group.as_deref(), Some("web-asg"));
    assert_eq!(alarm.threshold, 70.0);
    assert_eq!(alarm.comparison.name(), "GreaterThanThreshold");
    assert_eq!(
        (alarm.namespace.as_str(), alarm.metric.as_str()),
        ("AWS/EC2", "CPUUtilization")
    );

    // No images of our own yet (DescribeImages is read with Owners=self).
    assert!(s.images.is_empty(), "{:#?}", s.images);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_floating_ip_moves_to_the_standby() {
    let region = "us-west-2";
    let seeded = seed(region).await;
    let cloud = cloud(region).await;
    let receipt = cloud
        .associate_address(&seeded.floating, &seeded.standby)
        .await
        .unwrap();
    assert!(receipt
        .resource_id
        .as_deref()
        .is_some_and(|id| id.starts_with("eipassoc-")));
    let s = snapshot_of(&cloud).await;
    let floating = bound(&s, &seeded.floating);
    assert_eq!(
        floating.instance_id.as_deref(),
        Some(seeded.standby.as_str())
    );
    assert_eq!(floating.association_id, receipt.resource_id);
    // The dry run went first, then the call itself: two AssociateAddress requests.
    assert_eq!(cloud.calls().of("AssociateAddress"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cloned_image_appears_tagged_and_available() {
    let region = "eu-west-1";
    let seeded = seed(region).await;
    let cloud = cloud(region).await;
    let request = CreateImageRequest {
        instance_id: seeded.primary.clone(),
        name: "app-primary-clone-20260115T0900Z".into(),
        no_reboot: true,
    };
    let receipt = cloud.create_image(&request).await.unwrap();
    let id = receipt.resource_id.clone().unwrap();
    assert!(id.starts_with("ami-"));
    let images = cloud.images().await.unwrap();
    let image = images
        .iter()
        .find(|i| i.id == id)
        .expect("the new image is listed");
    assert_eq!(image.name, request.name);
    assert_eq!(
        image.source_instance_id.as_deref(),
        Some(seeded.primary.as_str())
    );
    // moto makes images available at once; EC2 takes minutes (the simulator models that).
    assert_eq!(image.state, ImageState::Available);
    assert_ne!(image.id, seeded.ami);

    // The same name again is a conflict, found by the dry run.
    let again = cloud.create_image(&request).await.unwrap_err();
    assert_eq!(again.kind, CloudErrorKind::Conflict, "{again}");
    assert_eq!(again.code, "InvalidAMIName.Duplicate");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn desired_capacity_grows_the_group_and_never_passes_max() {
    let region = "eu-central-1";
    let seeded = seed(region).await;
    let cloud = cloud(region).await;
    cloud.set_desired_capacity("web-asg", 5).await.unwrap();
    let groups = cloud.auto_scaling_groups().await.unwrap();
    assert_eq!(groups[0].desired, 5);
    assert_eq!(groups[0].instances.len(), 5, "moto launches at once");
    let web = cloud.target_groups().await.unwrap();
    let web = web.iter().find(|g| g.arn == seeded.web_tg).unwrap();
    assert_eq!(web.targets.len(), 5, "new instances join web-tg");

    // Above max: refused before any SetDesiredCapacity is sent (moto itself would accept it).
    cloud.calls().reset();
    let err = cloud.set_desired_capacity("web-asg", 7).await.unwrap_err();
    assert_eq!(err.kind, CloudErrorKind::Invalid);
    assert!(err.message.contains("above max value 6"), "{err}");
    assert_eq!(cloud.calls().of("SetDesiredCapacity"), 0);
    let err = cloud.set_desired_capacity("web-asg", 1).await.unwrap_err();
    assert!(err.message.contains("below min value 2"), "{err}");
    assert_eq!(cloud.calls().of("SetDesiredCapacity"), 0);
    assert_eq!(cloud.auto_scaling_groups().await.unwrap()[0].desired, 5);

    let missing = cloud
        .set_desired_capacity("no-such-asg", 3)
        .await
        .unwrap_err();
    assert_eq!(missing.kind, CloudErrorKind::NotFound);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_arrives() {
    let region = "ap-southeast-1";
    let sdk = sdk_config(region).await;
    let ec2 = aws_sdk_ec2::Client::new(&sdk);
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&sdk);
    let net = crate::moto::network(&ec2, 2).await;
    let (subnets, ami) = (net.subnets, net.ami);
    // moto pages DescribeInstances by reservation (EC2 by instance), so twelve launches.
    let mut launched = BTreeSet::new();
    for n in 0..12 {
        launched.insert(run_instance(&ec2, &ami, &subnets[n % 2], &format!("i{n}")).await);
    }
    for n in 0..3 {
        elb.create_load_balancer()
            .name(format!("lb-{n}"))
            .set_subnets(Some(subnets.clone()))
            .send()
            .await
            .unwrap();
    }
    let cloud = crate::moto::cloud(region).await.with_page_size(5);
    let instances = cloud.instances().await.unwrap();
    assert_eq!(sorted(instances.iter().map(|i| i.id.clone())), launched);
    assert_eq!(cloud.calls().of("DescribeInstances"), 3, "pages of 5, 5, 2");
    let small = crate::moto::cloud(region).await.with_page_size(2);
    let lbs = small.load_balancers().await.unwrap();
    assert_eq!(
        sorted(lbs.iter().map(|l| l.name.clone())),
        sorted(["lb-0", "lb-1", "lb-2"])
    );
    assert_eq!(
        small.calls().of("DescribeLoadBalancers"),
        2,
        "pages of 2 and 1"
    );
}

/// moto does not page DescribeTargetGroups, so this answers it from a fake ELB on
/// 127.0.0.1 that serves three pages of two groups (and no targets), following
/// NextMarker as ELB does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_of_target_groups_arrives() {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let markers = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen = markers.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let mut reader = BufReader::new(stream);
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let body = String::from_utf8_lossy(&body).to_string();
            let xml = if body.contains("Action=DescribeTargetGroups") {
                let marker = body
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("Marker="))
                    .unwrap_or("")
                    .to_string();
                seen.lock().unwrap().push(marker.clone());
                let (page, next) = match marker.as_str() {
                    "" => (0, "<NextMarker>p1</NextMarker>"),
                    "p1" => (1, "<NextMarker>p2</NextMarker>"),
                    _ => (2, ""),
                };
                let members: String = (0..2)
                    .map(|k| {
                        let n = page * 2 + k;
                        format!(
                            "<member><TargetGroupArn>arn:aws:elasticloadbalancing:us-east-1:\
                             123456789012:targetgroup/tg-{n}/{n}</TargetGroupArn>\
                             <TargetGroupName>tg-{n}</TargetGroupName></member>"
                        )
                    })
                    .collect();
                format!(
                    "<DescribeTargetGroupsResponse><DescribeTargetGroupsResult>\
                     <TargetGroups>{members}</TargetGroups>{next}</DescribeTargetGroupsResult>\
                     <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>\
                     </DescribeTargetGroupsResponse>"
                )
            } else if body.contains("Action=DescribeTargetGroupAttributes") {
                "<DescribeTargetGroupAttributesResponse><DescribeTargetGroupAttributesResult>\
                 <Attributes><member><Key>deregistration_delay.timeout_seconds</Key>\
                 <Value>45</Value></member></Attributes>\
                 </DescribeTargetGroupAttributesResult>\
                 <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>\
                 </DescribeTargetGroupAttributesResponse>"
                    .to_string()
            } else {
                "<DescribeTargetHealthResponse><DescribeTargetHealthResult>\
                 <TargetHealthDescriptions/></DescribeTargetHealthResult>\
                 <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>\
                 </DescribeTargetHealthResponse>"
                    .to_string()
            };
            let mut stream = reader.into_inner();
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{xml}",
                xml.len()
            );
        }
    });
    let cloud = AwsCloud::from_config(&sdk_config_at(&url, "us-east-1").await, None, Some(url))
        .with_page_size(2);
    let groups = cloud.target_groups().await.unwrap();
    assert_eq!(
        groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(),
        vec!["tg-0", "tg-1", "tg-2", "tg-3", "tg-4", "tg-5"],
        "every page, in order"
    );
    assert_eq!(*markers.lock().unwrap(), vec!["", "p1", "p2"]);
    assert_eq!(cloud.calls().of("DescribeTargetHealth"), 6, "one per group");
    assert!(groups
        .iter()
        .all(|g| g.deregistration_delay_seconds == Some(45)));
    // The delays are read once, not on every refresh.
    cloud.target_groups().await.unwrap();
    assert_eq!(cloud.calls().of("DescribeTargetHealth"), 12);
    assert_eq!(cloud.calls().of("DescribeTargetGroupAttributes"), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_classified() {
    let region = "ap-northeast-1";
    let seeded = seed(region).await;
    let cloud = cloud(region).await;

    let unknown = cloud
        .associate_address("eipalloc-00000000000000000", &seeded.standby)
        .await
        .unwrap_err();
    assert_eq!(unknown.kind, CloudErrorKind::NotFound, "{unknown}");
    assert_eq!(unknown.code, "InvalidAllocationID.NotFound");

    let sdk = sdk_config(region).await;
    aws_sdk_ec2::Client::new(&sdk)
        .stop_instances()
        .instance_ids(&seeded.standby)
        .send()
        .await
        .unwrap();
    let stopped = cloud
        .associate_address(&seeded.floating, &seeded.standby)
        .await
        .unwrap_err();
    assert_eq!(stopped.kind, CloudErrorKind::Conflict, "{stopped}");
    assert_eq!(stopped.code, "IncorrectInstanceState");
    assert!(stopped.message.contains("stopped"), "{stopped}");
    // Nothing moved.
    let addresses = cloud.elastic_ips().await.unwrap();
    let floating = addresses
        .iter()
        .find(|a| a.allocation_id == seeded.floating)
        .unwrap();
    assert_eq!(
        floating.instance_id.as_deref(),
        Some(seeded.primary.as_str())
    );

    let no_instance = cloud
        .associate_address(&seeded.floating, "i-00000000000000000")
        .await
        .unwrap_err();
    assert_eq!(no_instance.kind, CloudErrorKind::NotFound, "{no_instance}");

    // A closed port on 127.0.0.1: a network error, quickly, for every source.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let offline = AwsCloud::from_config(&sdk_config_at(&url, region).await, None, Some(url));
    let started = std::time::Instant::now();
    let err = offline.instances().await.unwrap_err();
    assert_eq!(err.kind, CloudErrorKind::Network, "{err}");
    let err = offline.alarms().await.unwrap_err();
    assert_eq!(err.kind, CloudErrorKind::Network, "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(15));
}

/// The pin on aws-sdk-cloudwatch 1.99.0 (query protocol) exists because moto does not
/// route the RPC v2 CBOR protocol of later releases. This fails the day the pinned crate
/// stops talking to moto: metrics and alarms both go through CloudWatch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cloudwatch_pin_still_talks_to_moto() {
    let region = "sa-east-1";
    let sdk = sdk_config(region).await;
    let cw = aws_sdk_cloudwatch::Client::new(&sdk);
    cw.put_metric_data()
        .namespace("AWS/EC2")
        .metric_data(
            MetricDatum::builder()
                .metric_name("CPUUtilization")
                .dimensions(
                    Dimension::builder()
                        .name("AutoScalingGroupName")
                        .value("pin-asg")
                        .build(),
                )
                .timestamp(aws_smithy_types::DateTime::from_secs(
                    chrono::Utc::now().timestamp() - 120,
                ))
                .value(42.0)
                .build(),
        )
        .send()
        .await
        .expect("PutMetricData on the query protocol");
    let listed = cw
        .list_metrics()
        .namespace("AWS/EC2")
        .send()
        .await
        .expect("ListMetrics on the query protocol");
    assert_eq!(listed.metrics().len(), 1);
    let cloud = cloud(region).await;
    let series = cloud
        .cpu_utilization(&["pin-asg".to_string()])
        .await
        .expect("GetMetricData through patrol");
    assert_eq!(series[0].latest(), Some(42.0));
    cloud.alarms().await.expect("DescribeAlarms through patrol");
}

/// NFS latency is read only for instances that publish it (ListMetrics, then GetMetricData),
/// and NFS Sharing reads it from the snapshot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nfs_latency_is_read_for_the_instances_that_publish_it() {
    let region = "eu-north-1";
    let sdk = sdk_config(region).await;
    let cw = aws_sdk_cloudwatch::Client::new(&sdk);
    let now = chrono::Utc::now().timestamp() / 60 * 60;
    let mut data = cw.put_metric_data().namespace(patrol::model::NFS_NAMESPACE);
    for (ago, ms) in [(240, 3.0), (180, 5.5), (120, 12.0)] {
        data = data.metric_data(
            MetricDatum::builder()
                .metric_name(patrol::model::NFS_LATENCY_METRIC)
                .dimensions(
                    Dimension::builder()
                        .name("InstanceId")
                        .value("i-0nfs000000000001")
                        .build(),
                )
                .timestamp(aws_smithy_types::DateTime::from_secs(now - ago))
                .value(ms)
                .build(),
        );
    }
    data.send().await.unwrap();
    let cloud = cloud(region).await;
    let metrics = cloud.instance_metrics().await.unwrap();
    assert_eq!(metrics.len(), 1, "{metrics:#?}");
    assert_eq!(metrics[0].instance_id, "i-0nfs000000000001");
    let values: Vec<f64> = metrics[0].points.iter().map(|p| p.value).collect();
    assert_eq!(values, vec![3.0, 5.5, 12.0], "oldest first");
}

/// `patrol COMMAND --json` against moto in `region`.
fn patrol_on_moto(command: &str, region: &str) -> std::process::Output {
    crate::patrol_command()
        .args([
            command,
            "--json",
            "--endpoint-url",
            &moto().url,
            "--region",
            region,
        ])
        .envs(child_env())
        .output()
        .unwrap()
}

#[test]
fn snapshot_json_on_moto_prints_the_seeded_fleet() {
    let region = "ca-central-1";
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let seeded = runtime.block_on(seed(region));
    let out = patrol_on_moto("snapshot", region);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["world"]["kind"], "aws");
    assert_eq!(doc["world"]["region"], region);
    assert_eq!(doc["world"]["account_id"], "123456789012");
    assert_eq!(doc["instances"].as_array().unwrap().len(), 5);
    assert_eq!(doc["auto_scaling_groups"][0]["desired"], 3);
    let floating = doc["elastic_ips"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["allocation_id"] == seeded.floating.as_str())
        .unwrap();
    assert_eq!(floating["instance_id"], seeded.primary.as_str());
    let zones: Vec<&str> = doc["zones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| z["zone"].as_str().unwrap())
        .collect();
    for zone in &seeded.zones {
        assert!(zones.contains(&zone.as_str()), "{zone} in {zones:?}");
    }
}

/// `patrol check` on a real AWS API: moto puts every ASG instance in the first AZ, and
/// the seed leaves a spare address unbound and a shallow `/` check on app-tg. The check
/// says exactly that, and exits 2.
#[test]
fn check_on_moto_tells_the_truth_about_the_seeded_fleet() {
    let region = "ap-south-1";
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(seed(region));
    let out = patrol_on_moto("check", region);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["world"]["kind"], "aws");
    let pattern = |name: &str| {
        doc["patterns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["pattern"] == name)
            .unwrap()
            .clone()
    };
    // Whether a pattern has a finding whose reason passes `test`.
    let says = |p: &serde_json::Value, test: &dyn Fn(&str) -> bool| {
        p["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| test(f["reason"].as_str().unwrap()))
    };
    let mdc = pattern("multi-data-center");
    assert_eq!(mdc["verdict"], "fail");
    assert!(
        says(&mdc, &|r| r
            .contains("leaves 0 of 3 in service, nothing left")),
        "{mdc:#}"
    );
    let fip = pattern("floating-ip");
    assert_eq!(fip["verdict"], "warn");
    assert!(
        says(&fip, &|r| r.contains("is bound to nothing")),
        "{fip:#}"
    );
    let deep = pattern("deep-health-check");
    assert!(
        says(&deep, &|r| r.starts_with("app-tg checks /: shallow")),
        "{deep:#}"
    );
}

#[test]
fn missing_region_and_credentials_are_one_line_errors() {
    let patrol = |args: &[&str], extra: &[(&str, &str)]| {
        let mut cmd = crate::patrol_command();
        cmd.args(args)
            .env_remove("AWS_REGION")
            .env_remove("AWS_DEFAULT_REGION")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_SESSION_TOKEN")
            .env("AWS_CONFIG_FILE", "/nonexistent/config")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, err) = patrol(&["snapshot", "--aws"], &[]);
    assert_eq!(code, Some(2));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("no AWS region") && err.contains("--region"),
        "{err}"
    );

    let (code, err) = patrol(&["snapshot", "--region", "us-east-1"], &[]);
    assert_eq!(code, Some(2));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no usable AWS credentials"), "{err}");
    assert!(err.contains("aws sso login"), "{err}");

    let (code, err) = patrol(&["snapshot", "--aws", "--scenario", "default"], &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--scenario"), "{err}");

    let (code, err) = patrol(
        &[
            "snapshot",
            "--endpoint-url",
            "localhost:4566",
            "--region",
            "us-east-1",
        ],
        &[("AWS_ACCESS_KEY_ID", "x"), ("AWS_SECRET_ACCESS_KEY", "y")],
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("localhost:4566"), "{err}");
}

/// The three operator actions through the ops layer on moto: each carried out, verified
/// and audited with the account and region; the swap time is printed for the notes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_actions_on_moto() {
    use patrol::ops::{plan_clone, plan_scale_out, plan_swap, AuditLog, Ops};
    let region = "eu-west-2";
    let seeded = seed(region).await;
    let cloud = cloud(region).await;
    cloud.identify().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ops = Ops::new(
        std::sync::Arc::new(cloud.clone()),
        AuditLog::new(dir.path().join("audit.jsonl")),
        false,
    );
    let s = snapshot_of(&cloud).await;

    let swap = plan_swap(&s, &seeded.floating, None).unwrap();
    assert!(swap.ready(), "{:#?}", swap.checks);
    assert_eq!(
        swap.candidates()[0],
        seeded.standby,
        "the healthy peer in app-tg"
    );
    let outcome = ops.execute(&swap, &|_| {}).await.unwrap();
    assert!(outcome.verified);
    println!(
        "swap on moto: call to verified binding {:.1} ms",
        outcome.elapsed.as_secs_f64() * 1e3
    );

    // The primary holds the floating IP: its reboot is a consequence to accept first.
    let mut clone = plan_clone(&s, &seeded.primary, "app-primary-clone-moto", false);
    assert!(matches!(
        ops.execute(&clone, &|_| {}).await,
        Err(patrol::ops::OpError::NotAccepted(_))
    ));
    clone.toggle_accept();
    let outcome = ops.execute(&clone, &|_| {}).await.unwrap();
    assert!(outcome.verified);

    let scale = plan_scale_out(&s, "web-asg", 4).unwrap();
    let outcome = ops.execute(&scale, &|_| {}).await.unwrap();
    assert!(outcome.verified);

    let after = snapshot_of(&cloud).await;
    let floating = bound(&after, &seeded.floating);
    assert_eq!(
        floating.instance_id.as_deref(),
        Some(seeded.standby.as_str())
    );
    assert!(after
        .images
        .iter()
        .any(|i| i.name == "app-primary-clone-moto"));
    assert_eq!(after.auto_scaling_groups[0].desired, 4);

    let lines: Vec<serde_json::Value> = std::fs::read_to_string(dir.path().join("audit.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 6, "two lines per action");
    for l in &lines {
        assert_eq!(l["world"], "aws");
        assert_eq!(l["account"], "123456789012");
        assert_eq!(l["region"], region);
    }
    let outcomes: Vec<&str> = lines
        .iter()
        .map(|l| l["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        ["planned", "verified", "planned", "verified", "planned", "verified"]
    );
    assert!(lines[1]["request_ids"][0]
        .as_str()
        .is_some_and(|r| !r.is_empty()));
}

/// `patrol snapshot` on moto with extra flags and environment.
fn patrol_with(args: &[&str], env: &[(&str, String)]) -> std::process::Output {
    let log = tempfile::NamedTempFile::new().unwrap();
    crate::patrol_command()
        .args([
            "snapshot",
            "--json",
            "--endpoint-url",
            &crate::moto::moto().url,
        ])
        .args(args)
        .arg("--log-file")
        .arg(log.path())
        .envs(child_env())
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION")
        .output()
        .unwrap()
}

#[test]
fn a_mistyped_region_or_profile_is_named_as_such() {
    let out = patrol_with(&["--region", "mars-north-1"], &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("unknown region \"mars-north-1\""), "{err}");

    // A profile the files do not define is refused, even with credentials in the
    // environment (patrol would otherwise run on them under the wrong badge).
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(&config, "[profile staging]\nregion = us-east-1\n").unwrap();
    let env = [("AWS_CONFIG_FILE", config.display().to_string())];
    let out = patrol_with(&["--profile", "nosuch"], &env);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("AWS profile \"nosuch\" is not in the AWS config") && err.contains("staging"),
        "{err}"
    );

    // A malformed config file: its own error, file and line, on the screen.
    std::fs::write(
        &config,
        "[profile staging]\nregion = us-east-1\nthis is not a setting\n",
    )
    .unwrap();
    let out = patrol_with(&["--profile", "staging"], &env);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&config.display().to_string()) && err.contains("line 3"),
        "{err}"
    );
}

/// EC2 disassociates an address from an instance that receives another one; moto 5.2.5 does
/// not (it keeps both). patrol's plan names the displacement from what it reads, on both
/// worlds; the simulator does what EC2 does (trust::the_simulator_displaces_an_address_as_ec2_does).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swap_onto_an_instance_with_an_address_names_the_displacement() {
    let region = "ap-northeast-2";
    let seeded = seed(region).await;
    let cloud = cloud(region).await;
    cloud
        .associate_address(&seeded.spare, &seeded.standby)
        .await
        .unwrap();
    let s = snapshot_of(&cloud).await;
    let spare_ip = bound(&s, &seeded.spare).public_ip.clone();
    let plan = patrol::ops::plan_swap(&s, &seeded.floating, Some(&seeded.standby)).unwrap();
    assert!(
        plan.effect
            .iter()
            .any(|e| e.starts_with(&format!("{spare_ip} will be disassociated from"))),
        "{:#?}",
        plan.effect
    );
    assert!(
        !plan.ready(),
        "the displacement needs the operator's choice"
    );
    // moto is not EC2 here: both addresses stay on the standby after the second call.
    cloud
        .associate_address(&seeded.floating, &seeded.standby)
        .await
        .unwrap();
    let s = snapshot_of(&cloud).await;
    assert_eq!(
        bound(&s, &seeded.spare).instance_id.as_deref(),
        Some(seeded.standby.as_str()),
        "moto keeps the first address; EC2 would have disassociated it"
    );
}

/// A TCP proxy of our own on 127.0.0.1 in front of moto: it forwards, or, while `down`,
/// drops every connection at once (the endpoint "is down"). Plain threads: it lives as
/// long as the test process.
fn fault_proxy(upstream: String, down: std::sync::Arc<std::sync::atomic::AtomicBool>) -> String {
    use std::net::{TcpListener, TcpStream};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            if down.load(std::sync::atomic::Ordering::SeqCst) {
                drop(client);
                continue;
            }
            let Ok(server) = TcpStream::connect(&upstream) else {
                continue;
            };
            let pipe = |mut from: TcpStream, mut to: TcpStream| {
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut from, &mut to);
                    let _ = to.shutdown(std::net::Shutdown::Write);
                });
            };
            if let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) {
                pipe(client, server);
                pipe(s2, c2);
            }
        }
    });
    format!("http://{addr}")
}

/// moto behind the fault proxy goes down, then answers again: every source is fresh within
/// its interval + 10 s of the endpoint answering, whatever backoff the outage built up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_an_outage_every_source_is_fresh_within_its_interval_and_ten_seconds() {
    use patrol::poll::PollEvent;
    use patrol::poll::{Intervals, Poller};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};
    let region = "eu-west-3";
    seed(region).await;
    let upstream = moto().url.trim_start_matches("http://").to_string();
    let down = std::sync::Arc::new(AtomicBool::new(true));
    let url = fault_proxy(upstream, down.clone());
    let cloud = AwsCloud::from_config(&sdk_config_at(&url, region).await, None, Some(url));
    let intervals = Intervals::every(Duration::from_secs(2));
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let _poller = Poller::spawn(
        std::sync::Arc::new(cloud),
        std::sync::Arc::new(patrol::probe::Prober::off()),
        &intervals,
        0,
        tx,
    );
    // Down long enough for every source to fail more than once and back off.
    let outage_ends = Instant::now() + Duration::from_secs(12);
    let mut failed = std::collections::HashSet::new();
    while Instant::now() < outage_ends {
        if let Ok(Some(PollEvent::Refreshed {
            source,
            result: Err(e),
            ..
        })) = tokio::time::timeout(outage_ends - Instant::now(), rx.recv()).await
        {
            assert_eq!(e.kind, CloudErrorKind::Network, "{e}");
            failed.insert(source);
        }
    }
    assert_eq!(failed.len(), 8, "every source saw the outage: {failed:?}");
    down.store(false, Ordering::SeqCst);
    let answered = Instant::now();
    let mut fresh = std::collections::HashMap::new();
    let limit = Duration::from_secs(2 + 10);
    while fresh.len() < 8 {
        let left = limit.saturating_sub(answered.elapsed());
        match tokio::time::timeout(left, rx.recv()).await {
            Ok(Some(PollEvent::Refreshed {
                source,
                result: Ok(_),
                ..
            })) => {
                fresh.entry(source).or_insert(answered.elapsed());
            }
            Ok(Some(_)) => {}
            _ => panic!("not fresh within {limit:?} of the endpoint answering: {fresh:?}"),
        }
    }
    let slowest = fresh.values().max().unwrap();
    println!("moto behind the proxy: every source fresh {slowest:?} after it answered again");
}

/// Maintenance on moto. Outside a group, DeregisterTargets / RegisterTargets and the tag
/// change exactly what was planned, verified. In a group, EnterStandby / ExitStandby are
/// sent as planned; moto differs from AWS there (it keeps a Standby instance's targets
/// registered and healthy, does not raise desired on ExitStandby, and accepts a decrement
/// below min), so AWS's behaviour is asserted on the simulator
/// (`maintenance::out_through_draining_and_back_into_exactly_what_it_left`), and patrol's
/// own check refuses the decrement below min before anything is sent.
#[tokio::test]
async fn maintenance_on_moto_changes_exactly_what_was_planned() {
    use patrol::model::{LifecycleState, MAINTENANCE_TAG};
    use patrol::ops::{Action, AuditLog, Direction, Maintenance, Ops};
    let region = "eu-south-1";
    let seeded = seed(region).await;
    let cloud = cloud(region).await;
    let dir = tempfile::tempdir().unwrap();
    let ops = Ops::new(
        std::sync::Arc::new(cloud.clone()),
        AuditLog::new(dir.path().join("audit.jsonl")),
        false,
    );
    let s = snapshot_of(&cloud).await;
    let app_tg = s.target_groups.iter().find(|t| t.name == "app-tg").unwrap();
    assert_eq!(
        app_tg.deregistration_delay_seconds,
        Some(300),
        "DescribeTargetGroupAttributes is read"
    );

    // Outside a group: app-standby leaves app-tg and comes back on the same port.
    let mut out = Maintenance::new(&seeded.standby, Direction::Start, true)
        .plan(&s)
        .unwrap();
    assert!(out.calls[1].starts_with(&format!(
        "elasticloadbalancing:DeregisterTargets TargetGroupArn={} Targets=[Id={},Port=8080]",
        seeded.app_tg, seeded.standby
    )));
    out.toggle_accept();
    let outcome = ops.execute(&out, &|_| {}).await.unwrap();
    assert!(outcome.verified);
    let after = snapshot_of(&cloud).await;
    let ids = |s: &Snapshot, tg: &str| -> Vec<(String, u16)> {
        s.target_groups
            .iter()
            .find(|t| t.arn == tg)
            .unwrap()
            .targets
            .iter()
            .map(|t| (t.target_id.clone(), t.port))
            .collect()
    };
    assert_eq!(
        ids(&after, &seeded.app_tg),
        vec![(seeded.primary.clone(), 8080)]
    );
    let tag = after
        .instance(&seeded.standby)
        .unwrap()
        .tags
        .get(MAINTENANCE_TAG)
        .unwrap()
        .clone();
    assert!(tag.ends_with(" tg=app-tg:8080"), "{tag}");
    // Nothing else moved: web-tg, the group and the addresses are as they were.
    assert_eq!(ids(&after, &seeded.web_tg), ids(&s, &seeded.web_tg));
    assert_eq!(after.auto_scaling_groups, s.auto_scaling_groups);
    assert_eq!(after.elastic_ips, s.elastic_ips);

    let back = Maintenance::new(&seeded.standby, Direction::End, true)
        .plan(&after)
        .unwrap();
    assert!(back.ready(), "{:#?}", back.checks);
    let outcome = ops.execute(&back, &|_| {}).await.unwrap();
    assert!(outcome.verified);
    let again = snapshot_of(&cloud).await;
    let mut targets = ids(&again, &seeded.app_tg);
    targets.sort();
    let mut before = ids(&s, &seeded.app_tg);
    before.sort();
    assert_eq!(targets, before, "back into exactly what it left");
    assert!(!again
        .instance(&seeded.standby)
        .unwrap()
        .tags
        .contains_key(MAINTENANCE_TAG));

    // In the group: EnterStandby and ExitStandby as planned.
    let g = &again.auto_scaling_groups[0];
    let member = g.instances[0].instance_id.clone();
    cloud.enter_standby(&g.name, &member, true).await.unwrap();
    let s2 = snapshot_of(&cloud).await;
    assert_eq!(
        s2.group_member(&member).map(|(_, l)| l.clone()),
        Some(LifecycleState::Standby)
    );
    assert_eq!(s2.auto_scaling_groups[0].desired, g.desired - 1);
    // desired is now 2 = min: a second decrement is refused before it is sent.
    let other = g.instances[1].instance_id.clone();
    let e = cloud
        .enter_standby(&g.name, &other, true)
        .await
        .unwrap_err();
    assert!(e.message.contains("min-size=2"), "{e}");
    assert_eq!(
        snapshot_of(&cloud)
            .await
            .group_member(&other)
            .map(|(_, l)| l.clone()),
        Some(LifecycleState::InService),
        "nothing was sent"
    );
    cloud.exit_standby(&g.name, &member).await.unwrap();
    let s3 = snapshot_of(&cloud).await;
    assert_eq!(
        s3.group_member(&member).map(|(_, l)| l.clone()),
        Some(LifecycleState::InService)
    );

    let lines: Vec<serde_json::Value> = std::fs::read_to_string(dir.path().join("audit.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let story: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| {
            (
                l["action"].as_str().unwrap(),
                l["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        story,
        [
            ("maintenance-start", "planned"),
            ("maintenance-start", "verified"),
            ("maintenance-end", "planned"),
            ("maintenance-end", "verified"),
        ]
    );
}

/// On moto: the console's events from two refreshes around changes the SDK makes (an
/// address moved, desired capacity set, a target deregistered) show each change once, and
/// a recording of the same refreshes reads them back.
#[tokio::test]
async fn events_on_moto_show_each_change_once() {
    use patrol::record::{EventKind, Recording, Tape};
    let region = "ap-northeast-3";
    let seeded = seed(region).await;
    let cloud = cloud(region).await;
    let sdk = sdk_config(region).await;
    let before = snapshot_of(&cloud).await;
    let mut state = crate::state_of(&before);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("moto.sqlite");
    let mut tape = Tape::create(&file, &before.world, before.taken_at).unwrap();
    for (source, payload) in crate::payloads(&before) {
        tape.refreshed(source, before.taken_at, &payload).unwrap();
    }

    aws_sdk_ec2::Client::new(&sdk)
        .associate_address()
        .allocation_id(&seeded.floating)
        .instance_id(&seeded.standby)
        .allow_reassociation(true)
        .send()
        .await
        .unwrap();
    aws_sdk_autoscaling::Client::new(&sdk)
        .set_desired_capacity()
        .auto_scaling_group_name("web-asg")
        .desired_capacity(4)
        .send()
        .await
        .unwrap();
    aws_sdk_elasticloadbalancingv2::Client::new(&sdk)
        .deregister_targets()
        .target_group_arn(&seeded.app_tg)
        .targets(
            TargetDescription::builder()
                .id(&seeded.standby)
                .port(8080)
                .build(),
        )
        .send()
        .await
        .unwrap();

    let after = snapshot_of(&cloud).await;
    let at = before.taken_at + chrono::Duration::seconds(5);
    let mark = state.events.total();
    crate::refresh_all(&mut state, &after, 2, at);
    for (source, payload) in crate::payloads(&after) {
        tape.refreshed(source, at, &payload).unwrap();
    }
    let events = state.events.since(mark);
    tape.events(&events).unwrap();
    let count = |kind: EventKind, resource: &str| {
        events
            .iter()
            .filter(|e| e.kind == kind && e.resource.contains(resource))
            .count()
    };
    let floating = bound(&before, &seeded.floating).public_ip.clone();
    assert_eq!(count(EventKind::Address, &floating), 1, "{events:#?}");
    let moved = events.iter().find(|e| e.resource == floating).unwrap();
    assert_eq!(moved.before.as_deref(), Some(seeded.primary.as_str()));
    assert_eq!(moved.after, seeded.standby);
    let desired: Vec<_> = events
        .iter()
        .filter(|e| e.kind == EventKind::Group && e.resource == "web-asg")
        .collect();
    assert_eq!(desired.len(), 1, "{events:#?}");
    assert_eq!(desired[0].change(), "2/3/6 → 2/4/6");
    let gone = format!("app-tg {}:8080", seeded.standby);
    assert_eq!(count(EventKind::Target, &gone), 1, "{events:#?}");
    // Nothing else about those resources, and the recording tells the same story.
    assert_eq!(
        Recording::open(&file).unwrap().events(None, None).unwrap(),
        events
    );
}

/// Deep health probes on a moto fleet: off by default, nothing is sent; enabled with a
/// loopback-only allow-list, moto's private targets are still never contacted.
#[tokio::test]
async fn probes_never_reach_moto_targets_unless_allowed() {
    use patrol::model::ProbeOutcome;
    use patrol::probe::{plan, run, ProbeSettings, Route};
    let region = "af-south-1";
    seed(region).await;
    let cloud = cloud(region).await;
    let s = snapshot_of(&cloud).await;
    let off = ProbeSettings::default();
    let probes = plan(&s, &off, Route::Direct);
    assert!(!probes.is_empty(), "the seeded fleet has targets");
    for p in &probes {
        let ip = p.address.expect("a target's own address").ip();
        assert!(!ip.is_loopback(), "{ip}");
    }
    // A result other than "not probed" would mean a connection was tried.
    let results = run(probes, &off, s.taken_at).await;
    for r in &results {
        match &r.outcome {
            ProbeOutcome::NotProbed { why } => assert!(why.contains("probing is off"), "{why}"),
            other => panic!("{r:?} was sent: {other:?}"),
        }
    }
    // As the console's AWS world probes (the config says nothing): the Health view says
    // nothing was sent, and how to turn probing on.
    let mut s = s;
    s.probes = patrol::probe::Prober::direct(ProbeSettings::default())
        .probe(&s, s.taken_at)
        .await
        .into();
    assert!(s.probing_off());
    let mut state = crate::state_of(&s);
    state.view = patrol::app::View::Health;
    let screen = crate::screen_text(&state, 120, 30);
    assert!(
        screen.contains("probing is off: patrol sends nothing to the targets")
            && screen.contains("[probe] enabled = true"),
        "{screen}"
    );
    let loopback_only = ProbeSettings {
        enabled: true,
        allow: vec!["127.0.0.0/8".parse().unwrap()],
        ..ProbeSettings::default()
    };
    let results = run(
        plan(&s, &loopback_only, Route::Direct),
        &loopback_only,
        s.taken_at,
    )
    .await;
    for r in &results {
        match &r.outcome {
            ProbeOutcome::NotProbed { why } => {
                assert!(why.contains("outside probe.allow"), "{why}")
            }
            other => panic!("{r:?} was sent: {other:?}"),
        }
    }
}

/// An SDK configuration for `region` on moto as account `account`: the credentials of a
/// role assumed there (moto gives an assumed role's credentials to the role's account).
async fn as_account(region: &str, account: &str) -> aws_config::SdkConfig {
    let sdk = sdk_config(region).await;
    let sts = aws_sdk_sts::Client::new(&sdk);
    let assumed = sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/patrol"))
        .role_session_name("patrol-tests")
        .send()
        .await
        .unwrap();
    let c = assumed.credentials().unwrap();
    let credentials = aws_credential_types::Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        None,
        "assumed",
    );
    sdk.into_builder()
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(credentials),
        )
        .build()
}

#[test]
fn check_targets_reads_every_account_and_region_and_names_each_ones_trouble() {
    // Two accounts reached by assume-role profiles from one source profile, each with its
    // fleet in its own region; account B's floating-IP primary is stopped. A third target
    // points at a closed port.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (a, b) = ("111111111111", "222222222222");
    runtime.block_on(async {
        seed_with(&as_account("eu-west-2", a).await, 2).await;
        let sdk = as_account("eu-north-1", b).await;
        let seeded = seed_with(&sdk, 2).await;
        aws_sdk_ec2::Client::new(&sdk)
            .stop_instances()
            .instance_ids(&seeded.primary)
            .send()
            .await
            .unwrap();
    });
    let url = &crate::moto::moto().url;
    let home = tempfile::tempdir().unwrap();
    let aws = home.path().join(".aws");
    std::fs::create_dir_all(&aws).unwrap();
    std::fs::write(
        aws.join("config"),
        format!(
            "[profile source]\naws_access_key_id = testing\naws_secret_access_key = testing\n\
             region = us-east-1\nendpoint_url = {url}\n\n\
             [profile acct-a]\nrole_arn = arn:aws:iam::{a}:role/patrol\nsource_profile = source\n\
             endpoint_url = {url}\n\n\
             [profile acct-b]\nrole_arn = arn:aws:iam::{b}:role/patrol\nsource_profile = source\n\
             endpoint_url = {url}\n"
        ),
    )
    .unwrap();
    std::fs::write(aws.join("credentials"), "").unwrap();
    let config = home.path().join("patrol.toml");
    std::fs::write(
        &config,
        format!(
            "[targets.a]\nprofile = \"acct-a\"\nregion = \"eu-west-2\"\n\n\
         [targets.b]\nprofile = \"acct-b\"\nregion = \"eu-north-1\"\n\n\
         [targets.dead]\nprofile = \"source\"\nregion = \"us-east-1\"\n\
         endpoint_url = \"http://127.0.0.1:9\"\n\n\
         [targets.plain]\nregion = \"eu-west-2\"\nendpoint_url = \"{url}\"\n"
        ),
    )
    .unwrap();
    let mut command = crate::patrol_command();
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("AWS_")) {
        command.env_remove(k);
    }
    let started = std::time::Instant::now();
    let out = command
        .env("HOME", home.path())
        .env("AWS_CONFIG_FILE", aws.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", aws.join("credentials"))
        // For the target with no profile: the standard chain's environment credentials.
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .args(["check", "--targets", "all", "--json", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let target = |name: &str| {
        doc["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("no {name}: {doc:#}"))
            .clone()
    };
    let verdict = |t: &serde_json::Value, pattern: &str| {
        t["patterns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["pattern"] == pattern)
            .map(|p| p["verdict"].as_str().unwrap().to_string())
            .unwrap()
    };
    let ta = target("a");
    assert_eq!(ta["world"]["account_id"], a, "{ta:#}");
    assert_eq!(ta["world"]["region"], "eu-west-2");
    // Its floating IP serves (the spare, bound to nothing, only warns).
    assert_eq!(verdict(&ta, "floating-ip"), "warn", "{ta:#}");
    assert_eq!(verdict(&ta, "multi-server"), "pass", "{ta:#}");
    let tb = target("b");
    assert_eq!(tb["world"]["account_id"], b, "{tb:#}");
    assert_eq!(tb["world"]["region"], "eu-north-1");
    assert_eq!(verdict(&tb, "floating-ip"), "fail", "{tb:#}");
    assert_eq!(tb["exit_code"], 2);
    // The dead endpoint is its own row's error, UNKNOWN; the others are read all the same.
    let dead = target("dead");
    assert_eq!(dead["status"], "UNKNOWN", "{dead:#}");
    assert!(
        dead["error"].as_str().unwrap().contains("127.0.0.1:9"),
        "{dead:#}"
    );
    // A target with a region and an endpoint but no profile: the standard chain (its name
    // is not a profile).
    let plain = target("plain");
    assert_eq!(plain["world"]["account_id"], "123456789012", "{plain:#}");
    assert_eq!(doc["exit_code"], 2, "the worst: b's CRITICAL");
    assert_eq!(out.status.code(), Some(2));
    eprintln!("3 targets checked in {:?}", started.elapsed());
}
