//! How many detail calls (one per target group, per Auto Scaling group, per metrics batch)
//! are in flight at once. Adaptive, as TCP's window is: each answer that comes about as fast
//! as the usual one lets one more call go at once; answers that slow down to several times
//! the usual take a quarter off; a call refused for throttling halves it. A fixed limit is
//! for measuring (one at a time, for comparison).

use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// Never fewer calls at once than this (adaptive).
pub const MIN_IN_FLIGHT: usize = 2;
/// Where an adaptive limit starts.
pub const START_IN_FLIGHT: usize = 16;
/// Never more calls at once than this: a courtesy to the API's rate limits.
pub const MAX_IN_FLIGHT: usize = 64;

/// How a call ended, as the limiter needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// An answer (an error the service gave on purpose included).
    Answered,
    /// Refused for throttling after the SDK's own retries.
    Throttled,
    /// No answer (network): says nothing about the service's pace.
    Failed,
}

/// The state the rules act on, apart from the waiting (unit-tested on its own).
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    pub limit: usize,
    pub in_flight: usize,
    /// The usual time of an answer: the fastest seen, drifting up slowly so that a lasting
    /// change of the network's latency becomes the new usual.
    pub usual: Option<Duration>,
    pub fixed: bool,
}

impl Window {
    /// Learns from one call that took `took`.
    pub fn observe(&mut self, took: Duration, outcome: Outcome) {
        if self.fixed {
            return;
        }
        match outcome {
            Outcome::Throttled => self.limit = (self.limit / 2).max(MIN_IN_FLIGHT),
            Outcome::Failed => {}
            Outcome::Answered => {
                let usual = match self.usual {
                    Some(u) => (u + u / 64).min(took),
                    None => took,
                };
                self.usual = Some(usual);
                if took <= usual * 2 + Duration::from_millis(20) {
                    self.limit = (self.limit + 1).min(MAX_IN_FLIGHT);
                } else if took > usual * 4 + Duration::from_millis(100) {
                    self.limit = (self.limit - (self.limit / 4).max(1)).max(MIN_IN_FLIGHT);
                }
            }
        }
    }
}

/// The APIs whose detail calls are limited; each has its own rate limits, so its own
/// limiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Elb,
    AutoScaling,
    CloudWatch,
}

/// One limiter per API.
pub struct Limiters {
    elb: Limiter,
    auto_scaling: Limiter,
    cloudwatch: Limiter,
}

impl Limiters {
    pub fn adaptive() -> Limiters {
        Limiters {
            elb: Limiter::adaptive(),
            auto_scaling: Limiter::adaptive(),
            cloudwatch: Limiter::adaptive(),
        }
    }

    pub fn fixed(n: usize) -> Limiters {
        Limiters {
            elb: Limiter::fixed(n),
            auto_scaling: Limiter::fixed(n),
            cloudwatch: Limiter::fixed(n),
        }
    }

    pub fn of(&self, api: Api) -> &Limiter {
        match api {
            Api::Elb => &self.elb,
            Api::AutoScaling => &self.auto_scaling,
            Api::CloudWatch => &self.cloudwatch,
        }
    }
}

/// The limiter shared by every detail call to one API of one cloud.
pub struct Limiter {
    window: Mutex<Window>,
    freed: Notify,
}

/// One call's place in flight; given back when dropped.
pub struct Permit<'a> {
    limiter: &'a Limiter,
    started: Instant,
    outcome: Option<Outcome>,
}

impl Limiter {
    /// Starts at `START_IN_FLIGHT` and adapts.
    pub fn adaptive() -> Limiter {
        Limiter::with(START_IN_FLIGHT, false)
    }

    /// Always `n` at once.
    pub fn fixed(n: usize) -> Limiter {
        Limiter::with(n.max(1), true)
    }

    fn with(limit: usize, fixed: bool) -> Limiter {
        Limiter {
            window: Mutex::new(Window {
                limit,
                in_flight: 0,
                usual: None,
                fixed,
            }),
            freed: Notify::new(),
        }
    }

    fn window(&self) -> std::sync::MutexGuard<'_, Window> {
        self.window.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How many calls may be in flight now.
    pub fn limit(&self) -> usize {
        self.window().limit
    }

    /// Waits for a place in flight.
    pub async fn acquire(&self) -> Permit<'_> {
        loop {
            // Listen before looking, so a place freed in between is not missed.
            let freed = self.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            {
                let mut w = self.window();
                if w.in_flight < w.limit {
                    w.in_flight += 1;
                    return Permit {
                        limiter: self,
                        started: Instant::now(),
                        outcome: None,
                    };
                }
            }
            freed.await;
        }
    }
}

impl Permit<'_> {
    /// Says how the call ended (a permit dropped without it teaches nothing).
    pub fn ended(&mut self, outcome: Outcome) {
        self.outcome = Some(outcome);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        {
            let mut w = self.limiter.window();
            w.in_flight = w.in_flight.saturating_sub(1);
            if let Some(outcome) = self.outcome {
                w.observe(self.started.elapsed(), outcome);
            }
        }
        self.limiter.freed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(limit: usize) -> Window {
        Window {
            limit,
            in_flight: 0,
            usual: None,
            fixed: false,
        }
    }

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn fast_answers_open_the_window_up_to_the_maximum() {
        let mut w = window(START_IN_FLIGHT);
        w.observe(MS(50), Outcome::Answered);
        assert_eq!(w.limit, START_IN_FLIGHT + 1);
        for _ in 0..200 {
            w.observe(MS(55), Outcome::Answered);
        }
        assert_eq!(w.limit, MAX_IN_FLIGHT);
    }

    #[test]
    fn throttling_halves_and_slow_answers_take_a_quarter_off() {
        let mut w = window(40);
        w.observe(MS(50), Outcome::Answered);
        assert_eq!(w.limit, 41);
        w.observe(MS(50), Outcome::Throttled);
        assert_eq!(w.limit, 20);
        // Slower, but within twice the usual: still growing.
        w.observe(MS(110), Outcome::Answered);
        assert_eq!(w.limit, 21);
        // Between: held.
        w.observe(MS(250), Outcome::Answered);
        assert_eq!(w.limit, 21);
        // Several times the usual: the service is struggling.
        w.observe(MS(400), Outcome::Answered);
        assert_eq!(w.limit, 16);
        for _ in 0..20 {
            w.observe(MS(10), Outcome::Throttled);
        }
        assert_eq!(w.limit, MIN_IN_FLIGHT);
        // A network failure says nothing about the pace.
        w.observe(MS(30_000), Outcome::Failed);
        assert_eq!(w.limit, MIN_IN_FLIGHT);
    }

    #[test]
    fn a_lasting_change_of_latency_becomes_the_usual() {
        let mut w = window(16);
        w.observe(MS(50), Outcome::Answered);
        // The network got slower for good: at first the window shrinks, then the usual
        // time catches up and it grows again.
        let mut limits = Vec::new();
        for _ in 0..400 {
            w.observe(MS(400), Outcome::Answered);
            limits.push(w.limit);
        }
        assert_eq!(limits[0], 13);
        assert!(limits.contains(&MIN_IN_FLIGHT));
        assert_eq!(*limits.last().unwrap(), MAX_IN_FLIGHT);
    }

    #[test]
    fn a_fixed_window_never_moves() {
        let mut w = window(1);
        w.fixed = true;
        w.observe(MS(1), Outcome::Answered);
        w.observe(MS(1), Outcome::Throttled);
        assert_eq!(w.limit, 1);
    }

    #[tokio::test]
    async fn no_more_calls_in_flight_than_the_limit() {
        let limiter = std::sync::Arc::new(Limiter::fixed(3));
        let peak = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let now = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let calls = (0..20).map(|_| {
            let (limiter, peak, now) = (limiter.clone(), peak.clone(), now.clone());
            async move {
                let mut permit = limiter.acquire().await;
                let n = now.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                peak.fetch_max(n, std::sync::atomic::Ordering::SeqCst);
                tokio::time::sleep(MS(2)).await;
                now.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                permit.ended(Outcome::Answered);
            }
        });
        futures::future::join_all(calls).await;
        assert_eq!(peak.load(std::sync::atomic::Ordering::SeqCst), 3);
        assert_eq!(limiter.window().in_flight, 0);
    }
}
