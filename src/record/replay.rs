//! A recording played back as a world: every read answers with the fleet as it was at the
//! cursor, every change is refused (a recording is read-only), and the cursor moves as the
//! simulator's clock does: paused, stepped, sped up, restarted from the beginning.

use super::events::Event;
use super::file::{RecordError, Recording};
use crate::cloud::{Cloud, CloudError, CloudErrorKind, CreateImageRequest, Receipt, Source};
use crate::model::{
    Alarm, AutoScalingGroup, ElasticIp, Image, Instance, InstanceMetric, LoadBalancer,
    MetricSeries, ProbeResult, TargetGroup, WorldInfo,
};
use crate::playback::{Playback, PlaybackState};
use crate::poll::Payload;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

/// Where the replay is.
#[derive(Debug, Clone, Copy)]
struct Cursor {
    at: DateTime<Utc>,
    speed: f64,
    paused: bool,
}

/// A recording as a world. Clones share the recording and the cursor.
#[derive(Clone)]
pub struct Replay {
    recording: Arc<Mutex<Recording>>,
    cursor: Arc<Mutex<Cursor>>,
    file: String,
    first: DateTime<Utc>,
    last: DateTime<Utc>,
    events: Arc<Vec<Event>>,
    /// What the file's damage cost, said on the narration line all along.
    damage: Option<super::file::Damage>,
}

fn read_only() -> CloudError {
    CloudError::new(
        CloudErrorKind::AccessDenied,
        "ReadOnlyRecording",
        "a recording is read-only: nothing can be changed in a replay",
    )
}

impl Replay {
    /// Opens `path`, the cursor at its first refresh.
    pub fn open(path: &Path) -> Result<Replay, RecordError> {
        let recording = Recording::open(path)?;
        let (first, last) = recording.span()?.ok_or_else(|| RecordError {
            path: path.to_path_buf(),
            what: "nothing was recorded in it (no refresh)".into(),
        })?;
        let events = recording.events(None, None)?;
        let damage = recording.damage.clone();
        Ok(Replay {
            damage,
            recording: Arc::new(Mutex::new(recording)),
            cursor: Arc::new(Mutex::new(Cursor {
                at: first,
                speed: 1.0,
                paused: false,
            })),
            file: path.display().to_string(),
            first,
            last,
            events: Arc::new(events),
        })
    }

    fn cursor(&self) -> MutexGuard<'_, Cursor> {
        self.cursor.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Moves the cursor to `at`, within the recording.
    pub fn seek(&self, at: DateTime<Utc>) {
        self.cursor().at = at.clamp(self.first, self.last);
    }

    /// The moment the cursor is at.
    pub fn at(&self) -> DateTime<Utc> {
        self.cursor().at
    }

    /// The file's damage, if it is damaged.
    pub fn damage(&self) -> Option<&super::file::Damage> {
        self.damage.as_ref()
    }

    /// The first and last refresh recorded.
    pub fn span(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        (self.first, self.last)
    }

    /// The recording as a line: `·` time, `•` an event, `|` the cursor, e.g.
    /// `[··•·•••|····•···]`.
    fn scrubber(&self, at: DateTime<Utc>) -> String {
        const WIDTH: usize = 24;
        let span = (self.last - self.first).num_milliseconds().max(1) as f64;
        let cell = |t: DateTime<Utc>| {
            let share = (t - self.first).num_milliseconds() as f64 / span;
            ((share * (WIDTH - 1) as f64).round() as usize).min(WIDTH - 1)
        };
        let mut line = vec!['·'; WIDTH];
        for e in self.events.iter() {
            line[cell(e.at)] = '•';
        }
        line[cell(at)] = '|';
        format!("[{}]", line.into_iter().collect::<String>())
    }

    /// One source as it was at the cursor (empty before its first read).
    fn source(&self, source: Source) -> Result<Option<Payload>, CloudError> {
        let at = self.at();
        let recording = self.recording.lock().unwrap_or_else(|p| p.into_inner());
        recording
            .source_at(source, at)
            .map_err(|e| CloudError::new(CloudErrorKind::Other, "DamagedRecording", e.to_string()))
    }
}

/// A recorded part as the `Cloud` trait gives it: its own vector.
trait Owned<T> {
    fn owned(self) -> Vec<T>;
}

impl<T> Owned<T> for Vec<T> {
    fn owned(self) -> Vec<T> {
        self
    }
}

impl<T: Clone> Owned<T> for std::sync::Arc<Vec<T>> {
    fn owned(self) -> Vec<T> {
        std::sync::Arc::unwrap_or_clone(self)
    }
}

macro_rules! at_cursor {
    ($self:ident, $source:expr, $variant:ident) => {
        match $self.source($source)? {
            Some(Payload::$variant(v)) => Ok(Owned::owned(v)),
            _ => Ok(Vec::new()),
        }
    };
}

#[async_trait]
impl Cloud for Replay {
    fn world(&self) -> WorldInfo {
        let recording = self.recording.lock().unwrap_or_else(|p| p.into_inner());
        WorldInfo::Replay {
            file: self.file.clone(),
            from: Box::new(recording.world.clone()),
            damaged_after: self.damage.as_ref().and_then(|d| d.readable_until),
        }
    }

    fn clock(&self) -> DateTime<Utc> {
        self.at()
    }

    async fn instances(&self) -> Result<Vec<Instance>, CloudError> {
        at_cursor!(self, Source::Instances, Instances)
    }
    async fn load_balancers(&self) -> Result<Vec<LoadBalancer>, CloudError> {
        at_cursor!(self, Source::LoadBalancers, LoadBalancers)
    }
    async fn target_groups(&self) -> Result<Vec<TargetGroup>, CloudError> {
        at_cursor!(self, Source::TargetGroups, TargetGroups)
    }
    async fn auto_scaling_groups(&self) -> Result<Vec<AutoScalingGroup>, CloudError> {
        at_cursor!(self, Source::AutoScaling, AutoScaling)
    }
    async fn elastic_ips(&self) -> Result<Vec<ElasticIp>, CloudError> {
        at_cursor!(self, Source::ElasticIps, ElasticIps)
    }
    async fn images(&self) -> Result<Vec<Image>, CloudError> {
        at_cursor!(self, Source::Images, Images)
    }
    async fn cpu_utilization(&self, _groups: &[String]) -> Result<Vec<MetricSeries>, CloudError> {
        match self.source(Source::Metrics)? {
            Some(Payload::Metrics(cpu, _)) => Ok(cpu),
            _ => Ok(Vec::new()),
        }
    }
    async fn instance_metrics(&self) -> Result<Vec<InstanceMetric>, CloudError> {
        match self.source(Source::Metrics)? {
            Some(Payload::Metrics(_, per_instance)) => Ok(per_instance),
            _ => Ok(Vec::new()),
        }
    }
    async fn alarms(&self) -> Result<Vec<Alarm>, CloudError> {
        at_cursor!(self, Source::Alarms, Alarms)
    }
    fn recorded_probes(&self) -> Option<Result<Vec<ProbeResult>, CloudError>> {
        Some((|| at_cursor!(self, Source::Probes, Probes))())
    }

    async fn associate_address(&self, _: &str, _: &str) -> Result<Receipt, CloudError> {
        Err(read_only())
    }
    async fn associate_address_dry_run(&self, _: &str, _: &str) -> Result<(), CloudError> {
        Err(read_only())
    }
    async fn create_image(&self, _: &CreateImageRequest) -> Result<Receipt, CloudError> {
        Err(read_only())
    }
    async fn create_image_dry_run(&self, _: &CreateImageRequest) -> Result<(), CloudError> {
        Err(read_only())
    }
    async fn set_desired_capacity(&self, _: &str, _: u32) -> Result<Receipt, CloudError> {
        Err(read_only())
    }
    async fn enter_standby(&self, _: &str, _: &str, _: bool) -> Result<Receipt, CloudError> {
        Err(read_only())
    }
    async fn exit_standby(&self, _: &str, _: &str) -> Result<Receipt, CloudError> {
        Err(read_only())
    }
    async fn register_target(&self, _: &str, _: &str, _: u16) -> Result<Receipt, CloudError> {
        Err(read_only())
    }
    async fn deregister_target(&self, _: &str, _: &str, _: u16) -> Result<Receipt, CloudError> {
        Err(read_only())
    }
    async fn tag_instance(&self, _: &str, _: &str, _: &str) -> Result<Receipt, CloudError> {
        Err(read_only())
    }
    async fn untag_instance(&self, _: &str, _: &str) -> Result<Receipt, CloudError> {
        Err(read_only())
    }
}

/// The replay plays like a scenario: the cursor follows real time × speed.
impl Playback for Replay {
    fn playback_state(&self) -> PlaybackState {
        let c = *self.cursor();
        PlaybackState {
            elapsed: c.at - self.first,
            speed: c.speed,
            paused: c.paused || c.at >= self.last,
            awaiting_operator: false,
            next_event_in: self
                .events
                .iter()
                .find(|e| e.at > c.at)
                .map(|e| e.at - c.at),
        }
    }

    /// Where the cursor is in the recording, and the latest event by then.
    fn narration(&self) -> Option<String> {
        let at = self.at();
        let latest = self
            .events
            .iter()
            .rev()
            .find(|e| e.at <= at)
            .map_or(String::new(), |e| {
                format!(
                    " · last: {} {} {} {}",
                    e.at.format("%H:%M:%S"),
                    e.kind.as_str(),
                    e.resource,
                    e.change()
                )
            });
        let damage = match &self.damage {
            Some(d) if d.readable_until.is_some() => " · FILE DAMAGED: it ends at the damage",
            _ => "",
        };
        Some(format!(
            "REPLAY {} {} {}{damage}{latest}",
            self.first.format("%H:%M:%S"),
            self.scrubber(at),
            self.last.format("%H:%M:%S UTC")
        ))
    }

    fn advance(&self, dt: std::time::Duration) {
        let step = chrono::Duration::from_std(dt).unwrap_or_default();
        let mut c = self.cursor();
        c.at = (c.at + step).min(self.last);
    }

    fn toggle_pause(&self) -> bool {
        let mut c = self.cursor();
        c.paused = !c.paused;
        c.paused
    }

    fn scale_speed(&self, factor: f64) -> f64 {
        let mut c = self.cursor();
        c.speed = crate::playback::scaled(c.speed, factor);
        c.speed
    }

    /// Back to the recording's beginning (`start` is the simulator's; a recording has its own).
    fn restart(&self, _start: DateTime<Utc>) {
        self.cursor().at = self.first;
    }

    fn run_clock(&self) -> futures::future::BoxFuture<'static, ()> {
        crate::playback::real_time_clock(self.clone())
    }

    fn goto(&self, moment: &str) -> Result<DateTime<Utc>, String> {
        let at = crate::flight::moment(moment, self.first)?;
        if at < self.first || at > self.last {
            let rest = match &self.damage {
                Some(d) if d.readable_until.is_some() => "; the rest of the file is damaged",
                _ => "",
            };
            return Err(format!(
                "{moment:?} is outside the recording ({}–{}{rest})",
                self.first.format("%H:%M:%S"),
                self.last.format("%H:%M:%S UTC")
            ));
        }
        self.seek(at);
        Ok(self.at())
    }

    fn recorded_events(
        &self,
        after: Option<DateTime<Utc>>,
        until: DateTime<Utc>,
    ) -> Option<Vec<Event>> {
        Some(
            self.events
                .iter()
                .filter(|e| after.is_none_or(|a| e.at > a) && e.at <= until)
                .cloned()
                .collect(),
        )
    }

    fn jump(&self, forward: bool) -> Option<DateTime<Utc>> {
        let at = self.at();
        let to = if forward {
            self.events.iter().map(|e| e.at).find(|t| *t > at)
        } else {
            self.events.iter().rev().map(|e| e.at).find(|t| *t < at)
        }?;
        self.seek(to);
        Some(to)
    }
}
