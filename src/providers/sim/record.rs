//! A simulated task as recorded in the journal, and the clock its state is read
//! against: the record is written at submit and at cancel, and everything else
//! (status, refund, balance) follows from it and the clock.

use tokio::time::Instant;

use super::ID;
use crate::{
    domain::{Ratio, TaskStatus},
    error::ProviderError,
};

/// What a simulated task will produce.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(super) enum Product {
    Clip { ratio: Option<Ratio>, duration: u8 },
    Stills { count: u8 },
}

/// A task as recorded: enough for any process to say where it stands and to
/// render its results.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(super) struct SimTask {
    /// Submitted, in milliseconds on the simulator's clock ([`SimClock`]).
    pub(super) started_ms: i64,
    /// When its outcome is ready: the task time of the process that submitted it.
    pub(super) ends_ms: i64,
    pub(super) product: Product,
    pub(super) caption: String,
    pub(super) seed: u64,
    pub(super) fails: bool,
    pub(super) last_frame: bool,
    pub(super) price: f64,
    /// Cancelled while queued.
    pub(super) cancelled: bool,
}

impl SimTask {
    pub(super) fn status_at(&self, now_ms: i64) -> TaskStatus {
        if self.cancelled {
            TaskStatus::Cancelled
        } else if now_ms >= self.ends_ms {
            if self.fails {
                TaskStatus::Failed
            } else {
                TaskStatus::Succeeded
            }
        } else if (now_ms - self.started_ms) * 5 < self.ends_ms - self.started_ms {
            // The first fifth of the time in the queue, like a real provider's.
            TaskStatus::Queued
        } else {
            TaskStatus::Running
        }
    }

    /// What the task takes from the balance at `now_ms`: nothing once cancelled
    /// or failed (refunded, as real providers do).
    pub(super) fn charged_at(&self, now_ms: i64) -> f64 {
        match self.status_at(now_ms) {
            TaskStatus::Cancelled | TaskStatus::Failed => 0.0,
            _ => self.price,
        }
    }
}

/// Wall-clock milliseconds, moved forward by tokio's clock: records compare across
/// processes, and tests on tokio's paused clock still see tasks finish.
#[derive(Debug)]
pub(super) struct SimClock {
    wall_ms: i64,
    origin: Instant,
}

impl SimClock {
    pub(super) fn new() -> Self {
        let wall_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        Self {
            wall_ms,
            origin: Instant::now(),
        }
    }

    pub(super) fn now_ms(&self) -> i64 {
        let elapsed = i64::try_from(self.origin.elapsed().as_millis()).unwrap_or(i64::MAX);
        self.wall_ms.saturating_add(elapsed)
    }
}

pub(super) fn unreadable_record<T>(parsed: serde_json::Result<T>) -> Result<T, ProviderError> {
    parsed.map_err(|e| ProviderError::Upstream {
        provider: ID,
        status: None,
        message: format!(
            "a simulated task's record is unreadable ({e}); it was written by another version"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(fails: bool) -> SimTask {
        SimTask {
            started_ms: 1_000,
            ends_ms: 11_000,
            product: Product::Stills { count: 1 },
            caption: "x".into(),
            seed: 1,
            fails,
            last_frame: false,
            price: 16.0,
            cancelled: false,
        }
    }

    #[test]
    fn a_record_reads_queued_running_then_done_and_charges_until_it_fails_or_is_cancelled() {
        let ok = task(false);
        let seen: Vec<_> = [1_000, 2_999, 3_000, 10_999, 11_000]
            .map(|t| ok.status_at(t))
            .into();
        use TaskStatus::*;
        assert_eq!(seen, [Queued, Queued, Running, Running, Succeeded]);
        assert_eq!(ok.charged_at(11_000), 16.0);
        let failed = task(true);
        assert_eq!(
            (failed.charged_at(10_999), failed.charged_at(11_000)),
            (16.0, 0.0)
        );
        let cancelled = SimTask {
            cancelled: true,
            ..task(false)
        };
        assert_eq!(
            (cancelled.status_at(1_000), cancelled.charged_at(1_000)),
            (Cancelled, 0.0)
        );
        // What the journal keeps reads back the same.
        let text = serde_json::to_string(&ok).unwrap();
        let back: SimTask = serde_json::from_str(&text).unwrap();
        assert_eq!(back.status_at(5_000), Running);
    }
}
