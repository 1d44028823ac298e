//! Stateful, strict local fakes of the provider HTTP APIs seedance-mcp drives,
//! for its tests and benchmarks (a dev-dependency only: the shipped binary does
//! not carry them).
//!
//! Each fake listens on `127.0.0.1:0`, keeps tasks and balances like the real
//! service, validates requests the way the real one does, and records what it
//! received so tests can prove that nothing was sent (or charged) twice. What
//! the fakes share exists once: `server` (the HTTP side: request log, key
//! check, scripted failures), `ledger` (task ids, charges, refunds, the
//! read-driven life of a task), `fields` (the strict reader of request
//! fields) and [`FakeControl`], the one way tests steer any of them. Each
//! provider's module owns only what makes its API its own: routes, envelopes,
//! status words, validation rules and prices.
//!
//! Choices every fake makes alike, where the real APIs are silent:
//! - Tasks advance by reads, never by wall-clock time, so tests stay
//!   deterministic.
//! - `null` counts as absent in request bodies, because serde clients and the
//!   official SDKs send `None` as `null`.
//! - The key is checked before scripted failures, so a
//!   [`FakeControl::fail_next_request`] entry is consumed only by an
//!   authorised API request.
//! - Result files are served from `/cdn/` on the fake itself, need no key, and
//!   exist only once their task has succeeded.

pub mod ark;
#[cfg(test)]
mod every_fake;
pub mod faults;
pub(crate) mod fields;
pub(crate) mod ledger;
pub(crate) mod media;
pub mod seed2;
pub mod seedance2ai;
pub(crate) mod server;
#[cfg(test)]
pub(crate) mod test_client;
pub mod xskill;

pub use ledger::TaskOutcome;
pub use media::{PLACEHOLDER_MP4, PLACEHOLDER_PNG};
pub use server::{Fake, FakeApi, RecordedRequest};

/// How a test steers and inspects any provider fake, whichever API it plays.
pub trait FakeControl: Send + Sync {
    /// What a client under test uses as the provider's base URL.
    fn base_url(&self) -> String;
    /// The bearer key the fake accepts.
    fn api_key(&self) -> &str;
    /// Every request received, in order, rejected ones included.
    fn requests(&self) -> Vec<RecordedRequest>;
    /// How many requests reached a create route, accepted or not.
    fn create_calls(&self) -> usize;
    /// How many tasks the fake accepted (and, where it charges, charged).
    fn tasks_created(&self) -> usize;
    /// Queues an error for the next authorised API request of any kind:
    /// `status` in this API's envelope, with the code the real service gives
    /// that status, plus `Retry-After` when given.
    fn fail_next_request(&self, status: u16, retry_after_secs: Option<u64>);
    /// Queues how the next created task ends; unscripted tasks succeed.
    fn script_next_outcome(&self, outcome: TaskOutcome);
    /// Makes the next created task fail the way this provider reports a
    /// content-moderation refusal.
    fn script_moderation_failure(&self);
    /// The account's balance in the API's own unit (credits, points); `None`
    /// where the API keeps none (Ark bills tokens after the task).
    fn balance(&self) -> Option<i64>;
    /// Overwrites the balance (e.g. to provoke a 402); false, and nothing
    /// changes, where the API keeps none.
    fn set_balance(&self, amount: i64) -> bool;
    /// Leaves the account unable to pay for the next task: an empty balance,
    /// or on Ark, which has no balance in its API, the 403 an overdue account
    /// gets.
    fn make_unable_to_pay(&self);
}
