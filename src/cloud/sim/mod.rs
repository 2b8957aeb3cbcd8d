//! The embedded simulated cloud: a deterministic world behind the `Cloud` trait.

mod asg;
mod build;
mod ec2;
mod elb;
pub mod faults;
mod load;
mod nfs;
mod pages;
mod rng;
pub mod scenario;
mod standby;
mod world;

pub use faults::Fault;
pub use scenario::{Scenario, ScenarioError};
pub use world::World;

use super::{Cloud, CloudError, CreateImageRequest, Receipt, Source};
use crate::model::{
    Alarm, AutoScalingGroup, ElasticIp, Image, Instance, InstanceMetric, LoadBalancer,
    MetricSeries, TargetGroup, WorldInfo,
};
use crate::playback::{Playback, PlaybackState};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::{Arc, Mutex, MutexGuard};

/// The simulated cloud as the rest of patrol sees it. Clones share one world.
#[derive(Clone)]
pub struct SimCloud {
    world: Arc<Mutex<World>>,
    pace: Arc<Mutex<Pace>>,
    scenario: Arc<Scenario>,
    /// What the console asks at every tick, as of the last time the world was free: its
    /// loop never waits behind a read or a step of a large world (tens of milliseconds).
    glance: Arc<Mutex<Glance>>,
}

/// The world's clock and timeline at one moment.
#[derive(Debug, Clone)]
struct Glance {
    now: DateTime<Utc>,
    elapsed: chrono::Duration,
    awaiting_operator: bool,
    next_event_in: Option<chrono::Duration>,
    narration: Option<String>,
}

impl Glance {
    fn of(w: &World) -> Glance {
        Glance {
            now: w.now(),
            elapsed: w.elapsed(),
            awaiting_operator: w.awaiting_operator(),
            next_event_in: w.next_event_in(),
            narration: w.narration().map(str::to_string),
        }
    }
}

/// How the scenario plays: its speed against real time, and whether it is paused.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Pace {
    speed: f64,
    paused: bool,
}

impl SimCloud {
    /// A world built from `scenario` with `seed`, its clock starting at `start`.
    pub fn new(scenario: &Scenario, seed: u64, start: DateTime<Utc>, speed: f64) -> Self {
        let world = World::new(scenario, seed, start);
        SimCloud {
            glance: Arc::new(Mutex::new(Glance::of(&world))),
            world: Arc::new(Mutex::new(world)),
            pace: Arc::new(Mutex::new(Pace {
                speed,
                paused: false,
            })),
            scenario: Arc::new(scenario.clone()),
        }
    }

    /// Exclusive access to the world (tests, the clock driver, fault injection).
    pub fn world_mut(&self) -> MutexGuard<'_, World> {
        // A panic while holding the lock leaves a world that is still consistent per step.
        self.world.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The world's clock and timeline: now when the world is free, else as of the last
    /// time it was (a step or a read of it is under way).
    fn glance(&self) -> Glance {
        let mut kept = self.glance.lock().unwrap_or_else(|p| p.into_inner());
        match self.world.try_lock() {
            Ok(w) => *kept = Glance::of(&w),
            Err(std::sync::TryLockError::Poisoned(p)) => *kept = Glance::of(&p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => {}
        }
        kept.clone()
    }

    fn pace(&self) -> MutexGuard<'_, Pace> {
        self.pace.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn read<T>(&self, source: Source, f: impl FnOnce(&World) -> T) -> Result<T, CloudError> {
        let world = self.world_mut();
        match world.injected_error(source) {
            Some(e) => Err(e),
            None => Ok(f(&world)),
        }
    }
}

/// The simulator plays its scenario: virtual time, narration, pause, speed and restart.
impl Playback for SimCloud {
    fn playback_state(&self) -> PlaybackState {
        let p = *self.pace();
        let w = self.glance();
        PlaybackState {
            elapsed: w.elapsed,
            speed: p.speed,
            paused: p.paused,
            awaiting_operator: w.awaiting_operator,
            next_event_in: w.next_event_in,
        }
    }

    fn narration(&self) -> Option<String> {
        self.glance().narration
    }

    fn advance(&self, dt: std::time::Duration) {
        self.world_mut().advance(dt);
    }

    fn toggle_pause(&self) -> bool {
        let mut p = self.pace();
        p.paused = !p.paused;
        p.paused
    }

    /// Within `Speed::RANGE`.
    fn scale_speed(&self, factor: f64) -> f64 {
        let mut p = self.pace();
        p.speed = crate::playback::scaled(p.speed, factor);
        p.speed
    }

    /// The same seed, from the scenario's beginning.
    fn restart(&self, start: DateTime<Utc>) {
        let seed = self.world_mut().seed;
        *self.world_mut() = World::new(&self.scenario, seed, start);
    }

    /// Virtual time follows real time × speed (unless paused) until dropped.
    fn run_clock(&self) -> futures::future::BoxFuture<'static, ()> {
        crate::playback::real_time_clock(self.clone())
    }
}

#[async_trait]
impl Cloud for SimCloud {
    fn world(&self) -> WorldInfo {
        let speed = self.pace().speed;
        let w = self.world_mut();
        WorldInfo::Simulated {
            scenario: w.scenario_name.clone(),
            seed: w.seed,
            speed,
            region: w.region.clone(),
        }
    }

    fn clock(&self) -> DateTime<Utc> {
        self.glance().now
    }

    async fn instances(&self) -> Result<Vec<Instance>, CloudError> {
        self.read(Source::Instances, World::describe_instances)
    }

    async fn load_balancers(&self) -> Result<Vec<LoadBalancer>, CloudError> {
        self.read(Source::LoadBalancers, World::describe_load_balancers)
    }

    async fn target_groups(&self) -> Result<Vec<TargetGroup>, CloudError> {
        self.read(Source::TargetGroups, World::describe_target_groups)
    }

    async fn auto_scaling_groups(&self) -> Result<Vec<AutoScalingGroup>, CloudError> {
        self.read(Source::AutoScaling, World::describe_groups)
    }

    async fn elastic_ips(&self) -> Result<Vec<ElasticIp>, CloudError> {
        self.read(Source::ElasticIps, World::describe_addresses)
    }

    async fn images(&self) -> Result<Vec<Image>, CloudError> {
        self.read(Source::Images, World::describe_images)
    }

    async fn cpu_utilization(&self, groups: &[String]) -> Result<Vec<MetricSeries>, CloudError> {
        self.read(Source::Metrics, |w| w.describe_cpu(groups))
    }

    async fn instance_metrics(&self) -> Result<Vec<InstanceMetric>, CloudError> {
        self.read(Source::Metrics, World::describe_instance_metrics)
    }

    async fn alarms(&self) -> Result<Vec<Alarm>, CloudError> {
        self.read(Source::Alarms, World::describe_alarms)
    }

    async fn associate_address(
        &self,
        allocation_id: &str,
        instance_id: &str,
    ) -> Result<Receipt, CloudError> {
        self.world_mut()
            .associate_address(allocation_id, instance_id)
    }

    async fn associate_address_dry_run(
        &self,
        allocation_id: &str,
        instance_id: &str,
    ) -> Result<(), CloudError> {
        self.world_mut()
            .check_associate(allocation_id, instance_id)
            .map(|_| ())
    }

    async fn create_image(&self, request: &CreateImageRequest) -> Result<Receipt, CloudError> {
        self.world_mut().create_image(request)
    }

    async fn create_image_dry_run(&self, request: &CreateImageRequest) -> Result<(), CloudError> {
        self.world_mut().check_create_image(request)
    }

    async fn set_desired_capacity(&self, group: &str, desired: u32) -> Result<Receipt, CloudError> {
        self.world_mut().set_desired_capacity(group, desired)
    }

    async fn instance(&self, id: &str) -> Result<Option<Instance>, CloudError> {
        self.read(Source::Instances, |w| {
            w.describe_instances().into_iter().find(|i| i.id == id)
        })
    }

    async fn enter_standby(
        &self,
        group: &str,
        instance_id: &str,
        decrement: bool,
    ) -> Result<Receipt, CloudError> {
        self.world_mut()
            .enter_standby(group, instance_id, decrement)
    }

    async fn exit_standby(&self, group: &str, instance_id: &str) -> Result<Receipt, CloudError> {
        self.world_mut().exit_standby(group, instance_id)
    }

    async fn register_target(
        &self,
        target_group_arn: &str,
        instance_id: &str,
        port: u16,
    ) -> Result<Receipt, CloudError> {
        self.world_mut()
            .register_targets(target_group_arn, instance_id, port)
    }

    async fn deregister_target(
        &self,
        target_group_arn: &str,
        instance_id: &str,
        port: u16,
    ) -> Result<Receipt, CloudError> {
        self.world_mut()
            .deregister_targets(target_group_arn, instance_id, port)
    }

    async fn tag_instance(
        &self,
        instance_id: &str,
        key: &str,
        value: &str,
    ) -> Result<Receipt, CloudError> {
        self.world_mut().create_tag(instance_id, key, value)
    }

    async fn untag_instance(&self, instance_id: &str, key: &str) -> Result<Receipt, CloudError> {
        self.world_mut().delete_tag(instance_id, key)
    }
}
