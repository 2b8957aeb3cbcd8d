//! Counts every request the SDK puts on the wire, per operation, so a refresh's cost can be
//! measured (scripts/aws-refresh-cost) and a test can prove a call was never made.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Requests sent, by operation name (each retry attempt counts); and, when asked, how long
/// each took from its sending to its answer read.
#[derive(Debug, Clone, Default)]
pub struct CallCounter {
    counts: Arc<Mutex<BTreeMap<String, u64>>>,
    timing: Arc<AtomicBool>,
    times: Arc<Mutex<Vec<(String, Duration)>>>,
}

/// When an attempt was put on the wire.
#[derive(Debug, Clone)]
struct SentAt(Instant);

impl Storable for SentAt {
    type Storer = StoreReplace<Self>;
}

impl CallCounter {
    /// A copy of the counts so far.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.counts.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// All requests so far.
    pub fn total(&self) -> u64 {
        self.counts().values().sum()
    }

    /// Requests of one operation so far, e.g. `SetDesiredCapacity`.
    pub fn of(&self, operation: &str) -> u64 {
        self.counts().get(operation).copied().unwrap_or(0)
    }

    /// Starts counting from zero (and forgets the times).
    pub fn reset(&self) {
        if let Ok(mut c) = self.counts.lock() {
            c.clear();
        }
        if let Ok(mut t) = self.times.lock() {
            t.clear();
        }
    }

    /// Keeps each attempt's time from now on (off by default: a console runs for days).
    pub fn time_calls(&self, on: bool) {
        self.timing.store(on, Ordering::Relaxed);
    }

    /// Each attempt's operation and time, from sending to its answer read, since the last
    /// reset, while timing is on.
    pub fn times(&self) -> Vec<(String, Duration)> {
        self.times.lock().map(|t| t.clone()).unwrap_or_default()
    }
}

fn operation(cfg: &ConfigBag) -> String {
    cfg.load::<Metadata>()
        .map(|m| m.name().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "patrol-call-counter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Ok(mut c) = self.counts.lock() {
            *c.entry(operation(cfg)).or_default() += 1;
        }
        if self.timing.load(Ordering::Relaxed) {
            cfg.interceptor_state().store_put(SentAt(Instant::now()));
        }
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        _context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(SentAt(at)) = cfg.load::<SentAt>() {
            let took = at.elapsed();
            if let Ok(mut t) = self.times.lock() {
                t.push((operation(cfg), took));
            }
        }
        Ok(())
    }
}
