//! Frame time of the Targets view at 10,000 targets (120×40): unfiltered, filtered, and
//! filtered by key=value and sorted; and
//! the cost of the pattern checks, which run again on every refresh.

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use patrol::app::{update, Action, AppState};
use patrol::cloud::Source;
use patrol::model::*;
use patrol::poll::PollEvent;
use patrol::poll::{Intervals, Payload};
use patrol::theme::Theme;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::hint::black_box;

/// 10 target groups × 1,000 targets over 3 zones, every 7th unhealthy.
fn big_fleet() -> Snapshot {
    let at = Utc.with_ymd_and_hms(2026, 1, 15, 9, 0, 0).unwrap();
    let world = WorldInfo::Simulated {
        scenario: "bench".into(),
        seed: 1,
        speed: 1.0,
        region: "us-east-1".into(),
    };
    let mut s = Snapshot::empty(world, at);
    for g in 0..10 {
        let mut targets = Vec::new();
        for n in 0..1000 {
            let id = format!("i-{g:02}{n:015x}");
            let zone = format!("us-east-1{}", ['a', 'b', 'c'][n % 3]);
            s.instances_mut().push(Instance {
                id: id.clone(),
                name: Some(format!("web-{g}")),
                state: InstanceState::Running,
                zone,
                subnet_id: "subnet-1".into(),
                vpc_id: "vpc-1".into(),
                private_ip: Some("10.0.0.1".into()),
                public_ip: None,
                instance_type: "t3.medium".into(),
                launched_at: at,
                tags: Tags::new(),
                auto_scaling_group: Some(format!("asg-{g}")),
            });
            let unhealthy = n % 7 == 0;
            targets.push(TargetHealth {
                target_id: id,
                port: 80,
                state: if unhealthy {
                    TargetHealthState::Unhealthy
                } else {
                    TargetHealthState::Healthy
                },
                reason: unhealthy.then(|| "Target.Timeout".to_string()),
                description: unhealthy.then(|| "Request timed out".to_string()),
            });
        }
        s.target_groups_mut().push(TargetGroup {
            arn: format!("arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/tg-{g}/{g:016x}"),
            name: format!("tg-{g}"),
            protocol: "HTTP".into(),
            port: 80,
            vpc_id: "vpc-1".into(),
            load_balancer_arns: vec![],
            health_check: HealthCheck {
                protocol: "HTTP".into(),
                port: "traffic-port".into(),
                path: Some("/health/deep".into()),
                interval_seconds: 10,
                timeout_seconds: 5,
                healthy_threshold: 3,
                unhealthy_threshold: 2,
            },
            deregistration_delay_seconds: Some(300),
            targets,
        });
    }
    s
}

/// The Targets view after typing `keys` (a filter, a sort letter).
fn console(fleet: &Snapshot, keys: &str) -> AppState {
    let mut state = AppState::new(fleet.world.clone(), &Intervals::default(), fleet.taken_at);
    for (source, payload) in [
        (
            Source::Instances,
            Payload::Instances(fleet.instances.clone()),
        ),
        (
            Source::TargetGroups,
            Payload::TargetGroups(fleet.target_groups.clone()),
        ),
    ] {
        update(
            &mut state,
            Action::Polled(PollEvent::Refreshed {
                source,
                epoch: 0,
                generation: 1,
                at: fleet.taken_at,
                result: Ok(payload),
            }),
        );
    }
    for c in std::iter::once('2').chain(keys.chars()) {
        let code = match c {
            '\n' => KeyCode::Enter,
            c => KeyCode::Char(c),
        };
        update(
            &mut state,
            Action::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        );
    }
    // Select a row in the middle, as an operator scrolling would.
    for _ in 0..500 {
        update(
            &mut state,
            Action::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE)),
        );
    }
    state
}

fn targets_view(c: &mut Criterion) {
    let fleet = big_fleet();
    let theme = Theme::default_theme();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    for (name, keys) in [
        ("targets_10k", ""),
        ("targets_10k_filter_unhealthy", "/unhealthy\n"),
        (
            "targets_10k_filter_state_az_sorted_by_name",
            "/state=unhealthy az=us-east-1b\nN",
        ),
    ] {
        let state = console(&fleet, keys);
        c.bench_function(name, |b| {
            b.iter(|| {
                terminal
                    .draw(|f| patrol::ui::draw(f, black_box(&state), &theme))
                    .unwrap();
            })
        });
    }
}

/// All eight checks over 10,000 instances and targets with 100 bound Elastic IPs (the
/// Floating IP check looks for a standby for each).
fn pattern_checks(c: &mut Criterion) {
    let mut fleet = big_fleet();
    for n in 0..100 {
        let instance = fleet.instances[n * 97].id.clone();
        fleet.elastic_ips.push(ElasticIp {
            allocation_id: format!("eipalloc-{n:017x}"),
            public_ip: format!("198.51.100.{n}"),
            association_id: Some(format!("eipassoc-{n:017x}")),
            instance_id: Some(instance),
            private_ip: None,
            tags: Tags::new(),
        });
    }
    let settings = patrol::patterns::Settings::default();
    c.bench_function("pattern_checks_10k_targets_100_eips", |b| {
        b.iter(|| patrol::patterns::check(black_box(&fleet), &settings, fleet.taken_at))
    });
    if std::env::var_os("PATROL_BENCH_EACH_PATTERN").is_some() {
        for p in patrol::patterns::Pattern::ALL {
            c.bench_function(&format!("pattern_check_{}", p.name()), |b| {
                b.iter(|| {
                    patrol::patterns::check_pattern(p, black_box(&fleet), &settings, fleet.taken_at)
                })
            });
        }
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = targets_view, pattern_checks
}
criterion_main!(benches);
