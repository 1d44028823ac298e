//! The one task ledger every fake keeps: the account's balance, task ids,
//! charges, refunds exactly once, and the life of a task (pending → processing
//! → its outcome), advanced by reads, never by wall-clock time. Each fake maps a
//! [`Phase`] to its own status words and envelopes; what differs between the
//! APIs' task lives is [`Lifecycle`] data, not code.

use std::collections::VecDeque;

/// How the next created task ends once it has been read enough.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskOutcome {
    /// Completes with result URLs.
    Succeed,
    /// Fails with this provider error text (or code, where the API has codes); its
    /// price is refunded.
    Fail(String),
    /// Runs out of time (an `expired` state where the API has one, otherwise a
    /// failure); its price is refunded.
    Expire,
}

/// Where a task stands, whatever words its API uses for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Pending,
    Processing,
    Succeeded,
    Failed,
    Expired,
    Cancelled,
}

impl Phase {
    /// No read moves a settled task on.
    pub(crate) fn is_settled(self) -> bool {
        !matches!(self, Self::Pending | Self::Processing)
    }
}

/// How an API's tasks live.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lifecycle {
    /// What a task is before its first read.
    pub(crate) starts: Phase,
    /// Reads answered "pending" before the task is "processing".
    pub(crate) pending_reads: u32,
    /// Reads answered "processing" before the task reaches its outcome.
    pub(crate) processing_reads: u32,
    /// Whether the API has an expired state; without one, a timeout fails.
    pub(crate) expires: bool,
}

/// A task the fake accepted and charged for.
#[derive(Debug, Clone)]
pub(crate) struct Task<T> {
    pub(crate) id: String,
    pub(crate) price: i64,
    /// What was given back (the whole price once the task failed or expired).
    pub(crate) refunded: i64,
    pub(crate) outcome: TaskOutcome,
    /// Reads counted while the task was unsettled.
    pub(crate) reads: u32,
    pub(crate) phase: Phase,
    /// What the API keeps beside.
    pub(crate) data: T,
}

/// What an account could not pay.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shortfall {
    pub(crate) needed: i64,
    pub(crate) available: i64,
}

#[derive(Debug)]
pub(crate) struct Ledger<T> {
    /// `None` where the API keeps no balance (and so charges nothing).
    balance: Option<i64>,
    life: Lifecycle,
    outcomes: VecDeque<TaskOutcome>,
    tasks: Vec<Task<T>>,
    salt: u16,
    sequence: u64,
}

impl<T> Ledger<T> {
    pub(crate) fn new(balance: Option<i64>, life: Lifecycle) -> Self {
        Self {
            balance,
            life,
            outcomes: VecDeque::new(),
            tasks: Vec::new(),
            salt: 0,
            sequence: 0,
        }
    }

    /// Ids differ per fake (its port) so two fakes never hand out the same.
    pub(crate) fn salt_ids(&mut self, salt: u16) {
        self.salt = salt;
    }

    pub(crate) fn balance(&self) -> Option<i64> {
        self.balance
    }

    pub(crate) fn set_balance(&mut self, amount: i64) -> bool {
        self.balance
            .as_mut()
            .map(|balance| *balance = amount)
            .is_some()
    }

    pub(crate) fn script(&mut self, outcome: TaskOutcome) {
        self.outcomes.push_back(outcome);
    }

    /// Takes `price` off the balance, all or nothing.
    pub(crate) fn charge(&mut self, price: i64) -> Result<(), Shortfall> {
        let Some(balance) = self.balance.as_mut() else {
            return Ok(());
        };
        if price > *balance {
            return Err(Shortfall {
                needed: price,
                available: *balance,
            });
        }
        *balance -= price;
        Ok(())
    }

    /// Records a task already charged `price`, with the next scripted outcome.
    pub(crate) fn open(&mut self, id: String, price: i64, data: T) {
        let outcome = self.outcomes.pop_front().unwrap_or(TaskOutcome::Succeed);
        self.tasks.push(Task {
            id,
            price,
            refunded: 0,
            outcome,
            reads: 0,
            phase: self.life.starts,
            data,
        });
    }

    /// Every task, in creation order.
    pub(crate) fn tasks(&self) -> &[Task<T>] {
        &self.tasks
    }

    pub(crate) fn find(&self, id: &str) -> Option<&Task<T>> {
        self.tasks.iter().find(|task| task.id == id)
    }

    pub(crate) fn position(&self, id: &str) -> Option<usize> {
        self.tasks.iter().position(|task| task.id == id)
    }

    pub(crate) fn task_mut(&mut self, index: usize) -> Option<&mut Task<T>> {
        self.tasks.get_mut(index)
    }

    /// The phase one more read would give, without counting it.
    pub(crate) fn peek(&self, task: &Task<T>) -> Phase {
        if task.phase.is_settled() {
            return task.phase;
        }
        let reads = task.reads.saturating_add(1);
        let life = self.life;
        if reads <= life.pending_reads {
            Phase::Pending
        } else if reads <= life.pending_reads.saturating_add(life.processing_reads) {
            Phase::Processing
        } else {
            match task.outcome {
                TaskOutcome::Succeed => Phase::Succeeded,
                TaskOutcome::Expire if life.expires => Phase::Expired,
                TaskOutcome::Fail(_) | TaskOutcome::Expire => Phase::Failed,
            }
        }
    }

    /// Counts one read of the task at `index` and moves it on; says whether its
    /// phase changed. The read that fails or expires a task refunds its price,
    /// which is how the refund happens exactly once.
    pub(crate) fn read(&mut self, index: usize) -> Option<(&mut Task<T>, bool)> {
        let next = self.peek(self.tasks.get(index)?);
        let task = self.tasks.get_mut(index)?;
        if task.phase.is_settled() {
            return Some((task, false));
        }
        task.reads = task.reads.saturating_add(1);
        let changed = next != task.phase;
        task.phase = next;
        if matches!(next, Phase::Failed | Phase::Expired) {
            task.refunded = task.price;
            if let Some(balance) = self.balance.as_mut() {
                *balance += task.price;
            }
        }
        Some((task, changed))
    }

    /// A hash that differs per fake and per call, so ids look random like the
    /// real ones but stay reproducible within a run.
    pub(crate) fn hash(&mut self, purpose: &str) -> u64 {
        self.sequence += 1;
        fnv1a64(format!("{purpose}:{}:{}", self.salt, self.sequence).as_bytes())
    }
}

/// 64-bit FNV-1a: tiny and dependency-free, to make ids look varied but stay
/// reproducible.
pub(crate) fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
