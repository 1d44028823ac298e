//! What each tool does, independent of how it is called.
//!
//! The MCP server and the CLI both call [`Service`]; each method validates, calls
//! the provider once, saves results, and turns the outcome into a structured output
//! or a [`ToolError`] that tells the agent what to do next.

mod checks;
pub mod clips;
pub mod download;
mod error;
mod follow;
pub mod media;
pub mod orphans;
pub mod resources;
pub mod schedule;
pub mod spend;
pub mod story;
pub mod submit;
mod tasks;
pub mod types;

use std::{
    collections::HashMap,
    path::PathBuf,
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::{
    clock,
    domain::{
        FailureKind, OutputKind, ProviderId, TaskFailure, TaskRef, TaskSnapshot, TaskStatus,
        ValidationError,
    },
    error::ProviderError,
    journal::{Entry, Journal, StatusUpdate},
    providers::{Provider, http},
};
pub(crate) use error::sentences;
pub use error::{ToolError, ToolErrorKind};
pub use follow::TaskLook;
pub use types::*;

/// How long get_task may spend saving results before answering anyway: clients
/// abort tool calls after about 60 s.
const DOWNLOAD_BUDGET: Duration = Duration::from_secs(40);

/// The tools' logic over one provider.
#[derive(Debug, Clone)]
pub struct Service {
    provider: Arc<dyn Provider>,
    /// Where results are saved: the output folder, or a team user's folder in it.
    output_dir: PathBuf,
    /// The output folder itself (`SEEDANCE_OUTPUT_DIR`).
    output_root: PathBuf,
    /// The team server's user these calls are for (`None`: the single user or
    /// the shared token, who see every task). A user sees only their own tasks.
    owner: Option<String>,
    /// Where this caller downloads saved files over HTTP (`{base}/files/…`):
    /// set per request for clients on other machines, `None` for local ones.
    download_base: Option<String>,
    /// When each unfinished task started, on this process's clock, and how long
    /// such tasks take: the polling schedule starts from there. A cache of the
    /// journal's facts (see `schedule_origin`), emptied as tasks finish.
    submitted: Arc<Mutex<HashMap<String, (Instant, Duration)>>>,
    /// The last answer about each unfinished task, and when it came.
    last_checks: Arc<Mutex<HashMap<String, (Instant, TaskSnapshot)>>>,
    /// This process's id in the journal's shared checks (see `checks`).
    holder: Arc<str>,
    /// The newest shared check of each unfinished task this process wrote or
    /// took (its `checked_ms`): an answer is taken from the journal once at most.
    seen_checks: Arc<Mutex<HashMap<String, i64>>>,
    /// Every submission and status change, on disk.
    journal: Journal,
    /// How much may be spent without the caller confirming.
    spend: crate::config::SpendLimits,
    /// Folders of `SEEDANCE_ALLOWED_DIRS` (a `PATH`-style list).
    allowed_dirs: Option<std::ffi::OsString>,
    /// Where calls without a scope of their own read local files.
    scope: media::LocalScope,
    /// Test-only: media URLs at private addresses pass (the local fakes' URLs).
    private_media_urls: bool,
    /// Frames and joins for stories (the video library, or a double in tests).
    story_media: Arc<dyn story::StoryMedia>,
    /// Stories this process is making, each by one background driver.
    stories_driven: Arc<Mutex<std::collections::HashSet<String>>>,
    /// Keeps two steps of stories from running at once in this process.
    story_steps: Arc<tokio::sync::Mutex<()>>,
    /// Told after every story step, for get_task calls waiting on a story.
    story_changed: Arc<tokio::sync::Notify>,
    /// Wakes sleeping story drivers when someone asks about a story.
    story_poke: Arc<tokio::sync::Notify>,
    /// Preview strips of saved videos, by file and its size and time: a
    /// finished video's get_task would otherwise decode it again each time.
    previews: Arc<Mutex<lru::LruCache<clips::PreviewKey, Vec<u8>>>>,
}

/// Who hears how a waiting get_task is doing (an MCP progress token, a terminal).
#[async_trait::async_trait]
pub trait ProgressSink: Send + Sync {
    /// Called at least every [`PROGRESS_EVERY`] while the wait lasts, never after it.
    async fn report(&self, progress: &WaitProgress);
}

/// Where a waited-on task stands.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitProgress {
    /// Its status at the last check.
    pub status: TaskStatus,
    /// How long since it was submitted (or since this process first saw it).
    pub age: Duration,
    /// How long tasks of its kind usually take.
    pub typical: Duration,
    /// How long this wait has lasted.
    pub waited: Duration,
    /// How long this wait may last.
    pub up_to: Duration,
    /// What went wrong at the last check, when the provider is having trouble.
    pub trouble: Option<String>,
    /// For a story: which clip is under way, e.g. "clip 2 of 3".
    pub part: Option<String>,
}

impl WaitProgress {
    /// A sentence for people, e.g. "running for 40 s (this kind usually takes about 90 s)".
    pub fn message(&self) -> String {
        let mut message = self
            .part
            .as_ref()
            .map_or_else(String::new, |part| format!("{part}: "));
        message.push_str(&format!(
            "{} for {} s (this kind usually takes about {} s); waited {} of {} s",
            self.status.as_str(),
            self.age.as_secs(),
            self.typical.as_secs(),
            self.waited.as_secs(),
            self.up_to.as_secs()
        ));
        if let Some(trouble) = &self.trouble {
            message.push_str(&format!(
                "; the provider is having trouble answering ({trouble}), still waiting"
            ));
        }
        message
    }
}

/// How a get_task call may wait for the task to finish.
#[derive(Clone, Copy)]
pub struct Waiting<'a> {
    /// At most this long (0: answer at once).
    pub up_to: Duration,
    /// Stops the wait early (the client cancelled the call).
    pub cancel: &'a CancellationToken,
    /// Hears about progress at least every [`PROGRESS_EVERY`].
    pub progress: Option<&'a dyn ProgressSink>,
}

/// How long past its wait a get_task may spend on a check that is already under way.
const CHECK_GRACE: Duration = Duration::from_secs(5);
/// How long a get_task gives its first check (with retries) when its wait is shorter.
const FIRST_CHECK_PATIENCE: Duration = Duration::from_secs(20);

/// Longest a client may ask get_task to wait: clients abort calls after ~60 s.
pub const MAX_WAIT_SECONDS: u32 = 50;
/// Progress goes out at least this often while waiting.
pub const PROGRESS_EVERY: Duration = Duration::from_secs(10);

impl Service {
    /// The task journal (also where a team server's user tokens live).
    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// A service over `provider`, saving results into `output_dir`.
    pub fn new(provider: Arc<dyn Provider>, output_dir: PathBuf, journal: Journal) -> Self {
        // What a backend keeps between processes lives beside the tasks it concerns.
        provider.keep_state_in(Arc::new(journal.clone()));
        Self {
            provider,
            output_root: output_dir.clone(),
            output_dir,
            owner: None,
            download_base: None,
            submitted: Arc::default(),
            last_checks: Arc::default(),
            holder: checks::process_holder(),
            seen_checks: Arc::default(),
            journal,
            spend: crate::config::SpendLimits::default(),
            allowed_dirs: None,
            scope: media::LocalScope::ClientRoots(Vec::new()),
            private_media_urls: false,
            story_media: Arc::new(story::VideoLibrary),
            stories_driven: Arc::default(),
            story_steps: Arc::default(),
            story_changed: Arc::default(),
            story_poke: Arc::default(),
            previews: Arc::new(Mutex::new(lru::LruCache::new(clips::PREVIEWS_KEPT))),
        }
    }

    /// The same service acting for a team server's user (`None`: for everyone,
    /// as the single user or the shared token): their tasks only, their limits,
    /// their folder inside the output folder. User names are folder-safe (see
    /// `journal::tokens::valid_user_name`).
    pub fn for_user(&self, user: Option<&str>) -> Self {
        let mut scoped = self.clone();
        scoped.owner = user.map(str::to_owned);
        scoped.output_dir = match user {
            Some(user) => self.output_root.join(user),
            None => self.output_root.clone(),
        };
        scoped
    }

    /// The same service for a caller on another machine, who downloads saved
    /// files from `base` (the HTTP server's address as the caller reaches it).
    pub fn with_download_base(mut self, base: Option<String>) -> Self {
        self.download_base = base;
        self
    }

    /// See [`Self::with_download_base`].
    pub fn download_base(&self) -> Option<&str> {
        self.download_base.as_deref()
    }

    /// Whether this caller may see `entry`: everyone's rows for the single user
    /// and the shared token, a user's own rows for a user.
    fn sees(&self, entry: &Entry) -> bool {
        self.owner.is_none() || entry.owner == self.owner
    }

    /// What a user hears about a task id that is not among their tasks: the same
    /// whether nobody submitted it or someone else did.
    fn not_theirs(&self, task_id: &str) -> ToolError {
        ToolError {
            kind: ToolErrorKind::NotFound,
            message: format!(
                "no task \"{task_id}\" among your tasks; list_tasks shows the tasks you submitted"
            ),
        }
    }

    /// Test-only: lets media URLs at loopback or private addresses through, for
    /// tests whose media come from local fakes. Never set by flags or variables.
    pub fn with_private_media_urls(mut self, allowed: bool) -> Self {
        self.private_media_urls = allowed;
        self
    }

    /// The provider in use.
    pub fn provider_id(&self) -> ProviderId {
        self.provider.id()
    }

    /// What the provider can do, in a paragraph for the server instructions.
    pub fn provider_summary(&self) -> String {
        self.provider.capabilities().summary(self.provider.id())
    }

    fn simulated(&self) -> bool {
        self.provider.capabilities().simulated
    }

    /// Seconds an agent should wait before asking about an unfinished task again:
    /// a third of a simulated task, else 30.
    fn poll_after_seconds(&self) -> u32 {
        if self.simulated() {
            let typical = self.provider.typical_duration(OutputKind::Video);
            (typical.as_secs_f64() / 3.0).ceil().max(1.0) as u32
        } else {
            30
        }
    }

    /// The task's status, answered at once; on success the results are saved first.
    pub async fn get_task(&self, task_id: &str) -> Result<GetTaskOutput, ToolError> {
        let never = CancellationToken::new();
        self.get_task_waiting(
            task_id,
            Waiting {
                up_to: Duration::ZERO,
                cancel: &never,
                progress: None,
            },
        )
        .await
    }

    /// The task's status after waiting up to `waiting.up_to` for it to finish.
    /// The provider is asked on the adaptive schedule, not in a tight loop; progress
    /// is reported while waiting and never after the answer is ready.
    pub async fn get_task_waiting(
        &self,
        task_id: &str,
        waiting: Waiting<'_>,
    ) -> Result<GetTaskOutput, ToolError> {
        let task_id = task_id.trim();
        if task_id.is_empty() {
            return Err(ValidationError {
                field: "task_id".into(),
                problem: "it is empty".into(),
                fix: "pass the task_id that submit_task returned".into(),
            }
            .into());
        }
        if waiting.up_to > Duration::from_secs(u64::from(MAX_WAIT_SECONDS)) {
            return Err(ValidationError {
                field: "wait_seconds".into(),
                problem: format!("{} s is more than {MAX_WAIT_SECONDS} s", waiting.up_to.as_secs()),
                fix: format!("wait at most {MAX_WAIT_SECONDS} s per call (clients give up after about 60 s); call again to keep waiting"),
            }
            .into());
        }
        if let Some(story) = self.story_entry(task_id).await? {
            return self.story_waiting(story, waiting).await;
        }
        self.task_waiting(task_id, waiting).await
    }

    /// A provider task's status (not a story's), answered at once.
    pub(crate) async fn provider_task(&self, task_id: &str) -> Result<GetTaskOutput, ToolError> {
        let never = CancellationToken::new();
        let waiting = Waiting {
            up_to: Duration::ZERO,
            cancel: &never,
            progress: None,
        };
        self.task_waiting(task_id, waiting).await
    }

    async fn task_waiting(
        &self,
        task_id: &str,
        waiting: Waiting<'_>,
    ) -> Result<GetTaskOutput, ToolError> {
        let known = self.journal_entry(task_id).await;
        // A user's tasks are all in the journal: anything else is not theirs,
        // and the provider (one account for the whole team) is not asked.
        if self.owner.is_some() && known.is_none() {
            return Err(self.not_theirs(task_id));
        }
        // A task that succeeded and whose files are on disk needs no request at all:
        // the journal answers (providers forget tasks; the simulator after a restart).
        if let Some(done) = known.as_ref().and_then(|entry| self.saved_result(entry)) {
            return Ok(done);
        }
        let task =
            TaskRef::with_facts(task_id, known.as_ref().map(|e| e.facts).unwrap_or_default());
        let Watched { snapshot, trouble } =
            self.wait_for_change(&task, known.as_ref(), waiting).await?;
        let (local_files, download_error) = if snapshot.status == TaskStatus::Succeeded {
            self.save(&snapshot, known.as_ref()).await
        } else {
            (Vec::new(), None)
        };
        let local_id = self
            .record(&snapshot, local_files.clone(), download_error.clone())
            .await;
        let mut output = self.task_output(snapshot, local_files, download_error, local_id);
        if let Some(trouble) = trouble {
            output.next_step = format!(
                "The provider had trouble answering during the wait ({trouble}); the status above is the \
                 last one known and the task is not lost. {}",
                output.next_step
            );
            output.provider_trouble = Some(trouble);
        }
        Ok(output)
    }

    /// The journal's row of a task of this provider, when this caller may see it;
    /// a journal that cannot be read is logged and treated as knowing nothing
    /// (the provider still answers).
    async fn journal_entry(&self, task_id: &str) -> Option<Entry> {
        match self
            .journal
            .by_task(self.provider.id(), task_id.to_owned())
            .await
        {
            Ok(entry) => entry.filter(|e| self.sees(e)),
            Err(e) => {
                tracing::warn!(error = %e, "could not read the task from the journal");
                None
            }
        }
    }

    /// What get_task answers about a task in this state, its files saved as given.
    fn task_output(
        &self,
        snapshot: TaskSnapshot,
        local_files: Vec<PathBuf>,
        download_error: Option<String>,
        local_id: Option<i64>,
    ) -> GetTaskOutput {
        let resource_uris = match local_id {
            Some(id) => (1..=local_files.len())
                .map(|n| resources::resource_uri(id, n))
                .collect(),
            None => Vec::new(),
        };
        let poll_after = (!snapshot.status.is_terminal()).then(|| self.poll_after_seconds());
        let result = if snapshot.status == TaskStatus::Succeeded {
            ResultBlock::of(&snapshot.result_urls)
        } else {
            None
        };
        let mut next = next_step(
            &snapshot,
            &local_files,
            download_error.as_deref(),
            poll_after,
        );
        if let Some(refunded) = snapshot.refunded.as_ref().filter(|r| r.amount > 0.0) {
            next.push_str(&format!(" The provider refunded {refunded} of its price."));
        } else if snapshot.status == TaskStatus::Failed
            && snapshot.price.is_some()
            && self.provider.refunds_failures()
        {
            next.push(' ');
            next.push_str(REFUNDED);
        }
        GetTaskOutput {
            next_step: next,
            task_id: snapshot.task_id,
            provider: self.provider.id(),
            simulated: self.simulated(),
            status: snapshot.status,
            finished: snapshot.status.is_terminal(),
            result_urls: snapshot.result_urls,
            local_files,
            last_frame_url: snapshot.last_frame_url,
            download_error,
            failure: snapshot.failure,
            progress: snapshot.progress,
            price: snapshot.price,
            refunded: snapshot.refunded,
            usage_tokens: snapshot.usage_tokens,
            urls_expire_at: snapshot.urls_expire_at,
            resource_uris,
            download_urls: Vec::new(),
            seed: snapshot.seed,
            provider_status: snapshot.provider_status,
            poll_after_seconds: poll_after,
            provider_trouble: None,
            result,
            story: None,
        }
    }

    /// The answer for a task the journal has as succeeded with every file still saved.
    fn saved_result(&self, entry: &Entry) -> Option<GetTaskOutput> {
        let complete = entry.status == Some(TaskStatus::Succeeded)
            && !entry.local_files.is_empty()
            && entry.local_files.iter().all(|f| f.is_file());
        if !complete {
            return None;
        }
        let snapshot = journal_snapshot(entry)?;
        Some(self.task_output(
            snapshot,
            entry.local_files.clone(),
            None,
            Some(entry.local_id),
        ))
    }

    /// Stores the task's state in the journal; a failure is logged, not fatal (the
    /// next query records it again).
    async fn record(
        &self,
        snapshot: &TaskSnapshot,
        local_files: Vec<PathBuf>,
        download_error: Option<String>,
    ) -> Option<i64> {
        let update = StatusUpdate {
            provider: self.provider.id(),
            task_id: snapshot.task_id.clone(),
            status: snapshot.status,
            price: snapshot.price.clone(),
            result_urls: snapshot.result_urls.clone(),
            local_files,
            error: snapshot
                .failure
                .as_ref()
                .map(|f| f.message.clone())
                .or(download_error),
        };
        match self.journal.record_status(update).await {
            Ok(local_id) => Some(local_id),
            Err(e) => {
                tracing::warn!(error = %e, "could not record the task status in the journal");
                None
            }
        }
    }

    /// Polls until the task finishes, the wait runs out or the caller cancels.
    ///
    /// Within a wait, a transient failure of a status read (a 5xx, a timeout, a
    /// rate limit) is no news, not an answer: the wait goes on, on the same polite
    /// schedule, and only at its deadline does the call answer with the last status
    /// known (from this wait or from the journal) and what went wrong. A failure the
    /// caller must act on (a refused key, an unknown task) answers at once.
    async fn wait_for_change(
        &self,
        task: &TaskRef,
        known: Option<&Entry>,
        waiting: Waiting<'_>,
    ) -> Result<Watched, ProviderError> {
        let task_id = task.id.as_str();
        let started = Instant::now();
        let deadline = started + waiting.up_to;
        let origin = self.schedule_origin(task, known, started);
        let (since, typical) = origin;
        let rides_out = |e: &ProviderError| !waiting.up_to.is_zero() && http::is_transient(e);
        let mut trouble: Option<ProviderError> = None;
        // A waiting call continues the schedule of the one before instead of
        // asking again at once: back-to-back calls cost no extra requests.
        let recent = (!waiting.up_to.is_zero())
            .then(|| crate::sync::lock(&self.last_checks).get(task_id).cloned())
            .flatten();
        let (mut snapshot, mut checked_at) = match recent {
            Some((at, snapshot)) => (Some(snapshot), at),
            None => {
                let patience = waiting.up_to.max(FIRST_CHECK_PATIENCE) + CHECK_GRACE;
                match tokio::time::timeout(
                    patience,
                    self.check_now(task, origin, waiting, patience),
                )
                .await
                {
                    Ok(Ok((snapshot, at))) => (Some(past_patience(snapshot, since.elapsed())), at),
                    Ok(Err(e)) if rides_out(&e) => {
                        trouble = Some(e);
                        (known.and_then(journal_snapshot), Instant::now())
                    }
                    Ok(Err(e)) => return Err(e),
                    Err(_) => return Err(self.no_answer(task_id, patience)),
                }
            }
        };
        loop {
            let finished = snapshot.as_ref().is_some_and(|s| s.status.is_terminal());
            if finished || waiting.cancel.is_cancelled() {
                return self.watched(task_id, snapshot, trouble, started);
            }
            let due = checked_at + schedule::next_check(checked_at - since, typical);
            let wake = due.min(deadline);
            while Instant::now() < wake {
                if let Some(sink) = waiting.progress {
                    let progress = WaitProgress {
                        status: snapshot.as_ref().map_or(TaskStatus::Queued, |s| s.status),
                        age: since.elapsed(),
                        typical,
                        waited: started.elapsed(),
                        up_to: waiting.up_to,
                        trouble: trouble.as_ref().map(ToString::to_string),
                        part: None,
                    };
                    sink.report(&progress).await;
                }
                let slice = (wake - Instant::now()).min(PROGRESS_EVERY);
                tokio::select! {
                    () = tokio::time::sleep(slice) => {}
                    () = waiting.cancel.cancelled() => {
                        return self.watched(task_id, snapshot, trouble, started);
                    }
                }
            }
            if due > deadline {
                // The wait is over before the next check is due: the last answer stands.
                return self.watched(task_id, snapshot, trouble, started);
            }
            // A slow provider must not hold the call past its wait (clients give up
            // after about 60 s): past the deadline plus a little, the last answer stands.
            let patience = deadline.saturating_duration_since(Instant::now()) + CHECK_GRACE;
            match tokio::time::timeout(patience, self.check_now(task, origin, waiting, patience))
                .await
            {
                Ok(Ok((answer, at))) => {
                    snapshot = Some(past_patience(answer, since.elapsed()));
                    trouble = None;
                    checked_at = at;
                    continue;
                }
                Ok(Err(e)) if rides_out(&e) => {
                    tracing::info!(error = %e, task_id, "status read failed during a wait; waiting on");
                    trouble = Some(e);
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => {
                    if snapshot.is_none() {
                        trouble = Some(self.no_answer(task_id, patience));
                    }
                    return self.watched(task_id, snapshot, trouble, started);
                }
            }
            checked_at = Instant::now();
        }
    }

    /// How a wait ends: the last status known, with what went wrong since; with
    /// no status known at all, what went wrong is the answer.
    fn watched(
        &self,
        task_id: &str,
        snapshot: Option<TaskSnapshot>,
        trouble: Option<ProviderError>,
        started: Instant,
    ) -> Result<Watched, ProviderError> {
        match (snapshot, trouble) {
            (Some(snapshot), trouble) => Ok(Watched {
                snapshot,
                trouble: trouble.map(|e| e.to_string()),
            }),
            (None, Some(e)) => Err(e.while_waiting(started.elapsed(), task_id)),
            (None, None) => Err(self.no_answer(task_id, started.elapsed())),
        }
    }

    fn no_answer(&self, task_id: &str, waited: Duration) -> ProviderError {
        ProviderError::Upstream {
            provider: self.provider.id(),
            status: None,
            message: format!(
                "timed out: no answer within {} s about task {task_id}",
                waited.as_secs()
            ),
        }
    }

    /// When the task started, on this process's clock, and how long such tasks
    /// take: the polling schedule counts from there. A task submitted by this
    /// process is in memory; one from before a restart gets its age from the
    /// journal; one submitted elsewhere counts as typical-aged when first seen.
    fn schedule_origin(
        &self,
        task: &TaskRef,
        known: Option<&Entry>,
        now: Instant,
    ) -> (Instant, Duration) {
        let mut origins = crate::sync::lock(&self.submitted);
        *origins.entry(task.id.clone()).or_insert_with(|| {
            let typical = self.provider.typical_duration(task.facts.kind);
            let age = match known.and_then(|e| clock::parse_utc(&e.created_at)) {
                Some(created) => {
                    Duration::from_secs(u64::try_from(clock::unix_now() - created).unwrap_or(0))
                }
                None => typical,
            };
            (now.checked_sub(age).unwrap_or(now), typical)
        })
    }

    /// Asks about a task now: shared with other processes for a call that
    /// waits (see `checks`), straight to the provider for one answered at once.
    async fn check_now(
        &self,
        task: &TaskRef,
        origin: checks::Origin,
        waiting: Waiting<'_>,
        bound: Duration,
    ) -> Result<(TaskSnapshot, Instant), ProviderError> {
        if waiting.up_to.is_zero() {
            self.check(task, origin).await
        } else {
            self.check_shared(task, origin, bound).await
        }
    }

    async fn save(
        &self,
        snapshot: &TaskSnapshot,
        known: Option<&Entry>,
    ) -> (Vec<PathBuf>, Option<String>) {
        // The last frame is saved after the results, under the same name stem.
        let urls: Vec<String> = snapshot
            .result_urls
            .iter()
            .chain(snapshot.last_frame_url.iter())
            .cloned()
            .collect();
        // Names carry the submission date and a few words of its prompt, from the journal.
        let naming = match known {
            Some(entry) => download::Naming::new(&entry.created_at, &entry.prompt),
            None => download::Naming::new(&crate::clock::now_rfc3339(), ""),
        };
        let saving = download::save_results(
            self.provider.as_ref(),
            &snapshot.task_id,
            &urls,
            &self.output_dir,
            &naming,
        );
        match tokio::time::timeout(DOWNLOAD_BUDGET, saving).await {
            Ok(Ok(files)) => (files, None),
            Ok(Err(e)) => {
                tracing::warn!(task_id = %snapshot.task_id, error = %e, "saving results failed");
                (Vec::new(), Some(e.to_string()))
            }
            Err(_) => (
                Vec::new(),
                Some(format!(
                    "saving took longer than {} s; call get_task again to continue",
                    DOWNLOAD_BUDGET.as_secs()
                )),
            ),
        }
    }

    /// The account balance.
    pub async fn balance(&self) -> Result<BalanceOutput, ToolError> {
        let balance = self.provider.balance().await?;
        Ok(BalanceOutput {
            provider: self.provider.id(),
            simulated: self.simulated(),
            available: balance.available,
            last_seen_at: balance.last_seen_at,
            pricing: self.provider.capabilities().pricing.to_owned(),
        })
    }
}

/// How long a task may go on answering with a status word this server does not
/// know before it is reported as it stands: far past any real generation, so a
/// provider's new word for "still working" does not end a task early, and a word
/// for a dead end does not keep an agent polling forever.
const UNKNOWN_STATUS_PATIENCE: Duration = Duration::from_secs(60 * 60);

/// The task as reported: past [`UNKNOWN_STATUS_PATIENCE`], one still answering
/// with an unknown word is reported as failed, in the provider's own word.
fn past_patience(snapshot: TaskSnapshot, age: Duration) -> TaskSnapshot {
    match &snapshot.provider_status {
        Some(word) if !snapshot.status.is_terminal() && age >= UNKNOWN_STATUS_PATIENCE => {
            let message = format!(
                "after {} min the provider still reports this task as \"{word}\", a status this server does \
                 not know; check the task in the provider's dashboard before paying for it again",
                age.as_secs() / 60
            );
            TaskSnapshot {
                status: TaskStatus::Failed,
                failure: Some(TaskFailure::new(FailureKind::Unknown, None, message)),
                ..snapshot
            }
        }
        _ => snapshot,
    }
}

/// What a wait saw: the last status, and what went wrong after it, if anything.
struct Watched {
    snapshot: TaskSnapshot,
    trouble: Option<String>,
}

/// The task as the journal last recorded it, for answering without the provider.
fn journal_snapshot(entry: &Entry) -> Option<TaskSnapshot> {
    Some(TaskSnapshot {
        task_id: entry.task_id.clone()?,
        status: entry.status?,
        result_urls: entry.result_urls.clone(),
        last_frame_url: None,
        failure: None,
        progress: None,
        price: entry.price.clone(),
        refunded: None,
        usage_tokens: None,
        seed: None,
        urls_expire_at: None,
        provider_status: None,
    })
}

/// Said of a failed task's price where the provider refunds failures.
pub const REFUNDED: &str = "Its price was refunded: the provider does not charge failed tasks.";

fn next_step(
    snapshot: &TaskSnapshot,
    files: &[PathBuf],
    download_error: Option<&str>,
    poll_after: Option<u32>,
) -> String {
    match snapshot.status {
        TaskStatus::Queued | TaskStatus::Running => format!(
            "Still {}{}. Call get_task again in about {} s; meanwhile tell the user the task id.",
            snapshot.status.as_str(),
            snapshot.provider_status.as_ref().map_or(String::new(), |word| format!(
                " (the provider says \"{word}\", a word this server does not know; it counts as running)"
            )),
            poll_after.unwrap_or(30)
        ),
        TaskStatus::Succeeded => match (files, download_error) {
            ([], Some(e)) => format!(
                "Done, but saving failed ({e}). Call get_task again to retry the download; the URLs \
                 expire after about 24 h."
            ),
            ([], None) => "Done, but the provider returned no result URL.".to_owned(),
            (files, _) => format!(
                "Done. Saved to {}. Give the user the file path (and the URL, which expires after about 24 h).",
                files
                    .iter()
                    .map(|f| f.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
        TaskStatus::Failed => match &snapshot.failure {
            Some(f) => format!("Failed. {}", f.advice),
            None => "Failed without a reason.".to_owned(),
        },
        TaskStatus::Cancelled => "Cancelled; nothing more will happen to this task.".to_owned(),
        TaskStatus::Expired => {
            "Expired: the provider did not finish in time. Submit again if the user still wants it."
                .to_owned()
        }
    }
}
