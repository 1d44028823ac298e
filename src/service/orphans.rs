//! Submissions a dead process left without an answer ("orphans"), settled by
//! whichever server on the journal is still running.
//!
//! A row is journalled `sending` before its create leaves (see `submit`); if the
//! process dies before it records the answer, the row stays `sending`. A sender
//! says it is alive while its create is in flight ([`Service::while_alive`]), so
//! a row whose sender has been silent for `journal::orphans::SENDER_STALE` (30 s)
//! is an orphan; so, whatever its sender, is a row older than any create can take
//! ([`ORPHAN_AGE`]: for rows of unknown senders, and a sender that beats but hangs). One
//! server then claims it (`Journal::claim_orphan`: two servers never both settle
//! a row) and settles it as a restart does: re-sent with its idempotency key
//! where the provider honours one (the provider answers with the task it may
//! already have made, never a second one), otherwise marked outcome unknown.
//!
//! `serve` settles orphans at start (inside `Service::reconcile`) and every
//! [`SWEEP_EVERY`] after ([`Service::keep_settled`]); a younger `sending` row may
//! be in flight on another replica right now, and is left alone.

use std::time::Duration;

use super::{Service, ToolError};
use crate::{clock::unix_now, config::MAX_API_TIMEOUT_SECS, journal::orphans::HEARTBEAT_EVERY};

/// What one streamed create body may add to its time limit: Ark takes bodies up
/// to 64 MB (`media::check` keeps inline files under that), and a streamed body
/// gets one second per 512 KiB on top of the API timeout (`inline::send_timeout`).
const INLINE_EXTRA_SECS: u64 = 64 * 1024 * 1024 / (512 * 1024);

/// The longest one create can take from the journal write to its answer, with the
/// largest API timeout a server accepts (`SEEDANCE_API_TIMEOUT_SECS`): a create
/// retried with its idempotency key makes its last attempt within the retry budget
/// (20 s) and that attempt takes at most the timeout; a create with local files
/// inline is sent once, within the timeout plus [`INLINE_EXTRA_SECS`]. The larger
/// of the two is the second. Nothing but local work lies between the journal
/// write and the request leaving.
const LONGEST_CREATE_SECS: u64 = MAX_API_TIMEOUT_SECS + INLINE_EXTRA_SECS;

/// A `sending` row this old has lost its sender: twice [`LONGEST_CREATE_SECS`]
/// (428 s), rounded up to a quarter of an hour. The margin covers the clocks of
/// two replicas disagreeing (the row's time is its sender's clock, the sweep
/// compares with its own) and a create path that grows a step. Settling an orphan
/// sooner would race a live sender; later only keeps its outcome unknown longer.
pub const ORPHAN_AGE: Duration = Duration::from_secs(ORPHAN_AGE_SECS);
const ORPHAN_AGE_SECS: u64 = 15 * 60;
const _: () = assert!(ORPHAN_AGE_SECS >= 2 * LONGEST_CREATE_SECS);

/// How long after its first attempt a create of unknown outcome is still sent
/// again with its key: providers keep idempotency keys for at least minutes
/// (seedance2ai.io does not publish how long), and a transient failure is over
/// by then.
pub const RESEND_WINDOW: Duration = Duration::from_secs(10 * 60);

/// Least time between two re-sends of one create of unknown outcome.
pub const RESEND_EVERY: Duration = Duration::from_secs(2 * 60);

/// How often a running server looks for orphans. An orphan waits [`ORPHAN_AGE`]
/// anyway, so a minute more is little, and the look is one indexed query that
/// finds nothing almost every time.
pub const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// [`ORPHAN_AGE`], or what a test build was told (`test_hooks::ORPHAN_AGE_ENV`).
fn orphan_age() -> Duration {
    crate::test_hooks::orphan_age().unwrap_or(ORPHAN_AGE)
}

impl Service {
    /// Runs `work` (a create) while telling the journal this process is alive,
    /// every [`HEARTBEAT_EVERY`]: a sender that stops beating is gone, and its
    /// submission is settled without waiting for [`ORPHAN_AGE`].
    pub(super) async fn while_alive<T>(&self, work: impl Future<Output = T>) -> T {
        tokio::pin!(work);
        let mut beat = tokio::time::interval(HEARTBEAT_EVERY);
        beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The first tick is now, and the claim has just beaten.
        beat.tick().await;
        loop {
            tokio::select! {
                out = &mut work => return out,
                _ = beat.tick() => {
                    if let Err(e) = self.journal.heartbeat().await {
                        tracing::debug!(error = %e, "could not record that this process is alive");
                    }
                }
            }
        }
    }

    /// Claims and settles this provider's orphans (see the module's notes);
    /// returns how many this process settled. Younger `sending` rows are left
    /// to their senders.
    pub async fn settle_orphans(&self) -> Result<usize, ToolError> {
        Ok(self.settle_dead_senders().await? + self.ask_unknown_outcomes_again().await?)
    }

    /// Creates whose outcome is unknown (the connection dropped, a 5xx) are sent
    /// again with their idempotency key where the provider honours one: it answers
    /// with the task the first attempt made, or makes it now, never a second one.
    /// Only within [`RESEND_WINDOW`] of the first attempt (how long a provider keeps
    /// a key is not published; a late re-send could pay twice), at most every
    /// [`RESEND_EVERY`], each row by one process.
    async fn ask_unknown_outcomes_again(&self) -> Result<usize, ToolError> {
        if !self.provider.capabilities().idempotent_create {
            return Ok(0);
        }
        let now = unix_now();
        let created_after = now - RESEND_WINDOW.as_secs() as i64;
        let retry_before = now - RESEND_EVERY.as_secs() as i64;
        let rows = self
            .journal
            .unknown_outcomes(self.provider.id(), created_after, retry_before)
            .await?;
        let mut settled = 0;
        for row in rows {
            if !self
                .journal
                .claim_unknown(row.local_id, created_after, retry_before)
                .await?
            {
                continue;
            }
            tracing::info!(
                local_id = row.local_id,
                "asking again, with its idempotency key, about a create whose outcome was unknown"
            );
            self.resolve_unanswered(row.local_id, &row.submission_key, &row.request_json)
                .await;
            settled += 1;
        }
        Ok(settled)
    }

    /// Settles rows whose sender died (see the module's notes).
    async fn settle_dead_senders(&self) -> Result<usize, ToolError> {
        let age = i64::try_from(orphan_age().as_secs()).unwrap_or(i64::MAX);
        let bound = unix_now().saturating_sub(age);
        let orphans = self.journal.orphans(self.provider.id(), bound).await?;
        let mut settled = 0;
        for row in orphans {
            // Answered since the look, or claimed by another server first: theirs.
            if !self.journal.claim_orphan(row.local_id, bound).await? {
                continue;
            }
            tracing::info!(
                local_id = row.local_id,
                since = %row.created_at,
                "settling a submission whose server stopped before recording the provider's answer"
            );
            self.resolve_unanswered(row.local_id, &row.submission_key, &row.request_json)
                .await;
            settled += 1;
        }
        Ok(settled)
    }

    /// What `serve` runs beside the server, until the process ends: reconciles
    /// the journal at start, then settles orphans every [`SWEEP_EVERY`]. Quiet
    /// when there is nothing to do; a failing sweep is warned about once, not
    /// every minute, until it works again.
    pub async fn keep_settled(self) {
        match self.reconcile().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(tasks = n, "reconciled journalled tasks from an earlier run"),
            Err(e) => tracing::warn!(error = %e, "reconciling the task journal failed"),
        }
        let every = crate::test_hooks::sweep_every().unwrap_or(SWEEP_EVERY);
        let mut failing = false;
        loop {
            tokio::time::sleep(every).await;
            match self.settle_orphans().await {
                Ok(settled) => {
                    if std::mem::take(&mut failing) {
                        tracing::info!("looking for unanswered submissions works again");
                    }
                    if settled > 0 {
                        tracing::info!(settled, "settled submissions left by a stopped server");
                    }
                }
                Err(e) if failing => {
                    tracing::debug!(error = %e, "looking for unanswered submissions failed again")
                }
                Err(e) => {
                    failing = true;
                    tracing::warn!(error = %e, "looking for unanswered submissions failed; trying again at every sweep");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::{http::retry_budget, inline::send_timeout};

    #[test]
    fn the_longest_create_bound_covers_both_create_paths_at_the_largest_timeout() {
        let timeout = Duration::from_secs(MAX_API_TIMEOUT_SECS);
        let retried = retry_budget(timeout) + timeout;
        let streamed = send_timeout(timeout, 64 * 1024 * 1024);
        let longest = Duration::from_secs(LONGEST_CREATE_SECS);
        assert!(retried <= longest, "{retried:?} > {longest:?}");
        assert!(streamed <= longest, "{streamed:?} > {longest:?}");
        assert!(ORPHAN_AGE >= 2 * retried.max(streamed));
    }
}
