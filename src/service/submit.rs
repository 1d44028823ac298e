//! Submitting: validate, refuse accidental duplicates, journal before sending,
//! record the outcome; and after a restart, reconcile what never got an answer.

use std::time::Duration;

use tokio::time::Instant;

use super::{
    RequestPreview, Service, SubmitTaskOutput, ToolError,
    media::{self, LocalScope},
    sentences,
};
use crate::{
    clock::unix_now,
    domain::{Amount, Generation, SubmittedTask, TaskFacts, TaskRef},
    error::ProviderError,
    journal::{Claim, Entry, NewSubmission, StoryPart, SubmitState},
    providers::{CreateCall, SubmissionKey},
    request::SubmitTaskParams,
    validate,
};

/// How a dry run tells an agent to go ahead (the CLI words it for people).
pub const GO_AHEAD: &str =
    "to go ahead, call submit_task again with the same arguments and without dry_run.";

/// Identical submissions within this window are refused unless `resubmit` is set.
const DUPLICATE_WINDOW: Duration = Duration::from_secs(30 * 60);

/// How long a refused twin waits for the first submission's answer, so that its
/// refusal can name the task to follow instead of a local row.
const TWIN_WAIT: Duration = Duration::from_secs(20);

impl Service {
    /// Validates and submits one paid task, reading local files inside the
    /// service's default folders.
    pub async fn submit(&self, params: &SubmitTaskParams) -> Result<SubmitTaskOutput, ToolError> {
        let scope = self.scope.clone();
        self.submit_in(params, &scope).await
    }

    /// Validates and submits one paid task; local files are read only inside the
    /// folders `scope` allows, and checked by content before anything is sent.
    pub async fn submit_in(
        &self,
        params: &SubmitTaskParams,
        scope: &LocalScope,
    ) -> Result<SubmitTaskOutput, ToolError> {
        self.submit_approved(params, scope, None).await
    }

    /// Like [`Self::submit_in`]; a submission that needs a yes to spend is put to
    /// `approval` (the person, asked by the client) when it is given.
    pub async fn submit_approved(
        &self,
        params: &SubmitTaskParams,
        scope: &LocalScope,
        approval: Option<&dyn super::spend::SpendApproval>,
    ) -> Result<SubmitTaskOutput, ToolError> {
        self.submit_as(params, scope, None, approval).await
    }

    /// Submits one task, or (`clip` set) one clip of a story: a clip was priced and
    /// approved with its story, and is claimed under a fingerprint of its own place
    /// in the story, so it is created once however often its story is resumed.
    pub(super) async fn submit_as(
        &self,
        params: &SubmitTaskParams,
        scope: &LocalScope,
        clip: Option<StoryPart>,
        approval: Option<&dyn super::spend::SpendApproval>,
    ) -> Result<SubmitTaskOutput, ToolError> {
        let validated = validate::submit(params)?;
        if !self.private_media_urls {
            validate::public_media(params)?;
        }
        let mut local = self
            .check_local(media::wants(params), self.access(scope))
            .await?;
        self.reuse_uploads(&mut local).await?;
        let mut request = validated.clone();
        local.apply(&mut request);
        self.provider
            .capabilities()
            .check(self.provider.id(), &request)?;
        let warnings = crate::lint::lint(&request)?;
        let estimate = self.provider.estimate(&request);
        // Built now so that what a provider cannot encode fails before anything is journalled.
        let mut call = self.provider.create_call(&request)?;
        let (fingerprint, duplicates_since) = match &clip {
            Some(part) => (clip_fingerprint(part), Some(0)),
            None => (
                fingerprint(self.provider.id().as_str(), params, &local.hashes()),
                (!params.resubmit.unwrap_or(false))
                    .then(|| unix_now() - DUPLICATE_WINDOW.as_secs() as i64),
            ),
        };
        if params.dry_run.unwrap_or(false) && clip.is_none() {
            local.preview(&mut call.body);
            // The dry run predicts the duplicate refusal the real submit would meet.
            let twin = match duplicates_since {
                Some(since) => self
                    .journal
                    .recent_duplicate(self.provider.id(), fingerprint, since, self.owner.clone())
                    .await?
                    .map(|earlier| duplicate(&earlier)),
                None => None,
            };
            let asks = approval.is_some();
            return Ok(self
                .dry_run(call, estimate, warnings, params, twin, asks)
                .await);
        }
        if clip.is_none() {
            self.check_spend(params, estimate.as_ref(), approval)
                .await?;
        }
        if let Some(since) = duplicates_since
            && clip.is_none()
            && let Some(earlier) = self
                .journal
                .recent_duplicate(
                    self.provider.id(),
                    fingerprint.clone(),
                    since,
                    self.owner.clone(),
                )
                .await?
        {
            return Err(duplicate(&self.once_answered(earlier).await));
        }
        // Uploads cost nothing; they happen once every check has passed.
        self.upload_pending(&mut local).await?;
        let mut request = validated;
        local.apply(&mut request);
        let attachments = local.attachments();
        let key = SubmissionKey::random();
        let mut stored = params.clone();
        stored.resubmit = None;
        stored.confirm_cost = None;
        // A story's clip was counted with its story.
        let owner_budget = match clip {
            Some(_) => None,
            None => self.claim_budget().await?,
        };
        let new = NewSubmission {
            provider: self.provider.id(),
            submission_key: key.as_str().to_owned(),
            fingerprint,
            request_json: serde_json::to_string(&stored).unwrap_or_default(),
            prompt: params.prompt.clone(),
            model: params
                .model
                .clone()
                .unwrap_or_else(|| "seedance-2.0-fast".to_owned()),
            facts: TaskFacts::of(&request),
            estimate: estimate.as_ref().map(|e| e.amount),
            story: clip.clone(),
            created_as: None,
            owner: self.owner.clone(),
            owner_budget,
        };
        // The look above is a courtesy that refuses before any upload; this claim is
        // the guarantee: identical calls racing here (parallel tool calls, two
        // servers on one journal) send one create between them.
        let local_id = match self.journal.claim(new, duplicates_since).await? {
            Claim::Claimed(local_id) => local_id,
            Claim::Duplicate(earlier) => {
                return Err(duplicate(&self.once_answered(*earlier).await));
            }
            Claim::OverBudget { spent } => {
                let limit = owner_budget.map_or(0.0, |b| b.limit);
                let asked = estimate.clone().unwrap_or_else(|| Amount::new(0.0, ""));
                return Err(super::spend::over_budget(spent, &asked, limit));
            }
        };
        crash_point("after_journal_write", clip.as_ref());
        let result = self
            .while_alive(self.provider.submit_with(&request, &key, &attachments))
            .await;
        crash_point("after_create_answer", clip.as_ref());
        let submitted = match result {
            Ok(submitted) => submitted,
            Err(e) => return Err(self.record_failed_submit(local_id, e).await),
        };
        self.journal
            .mark_created(
                local_id,
                submitted.task_id.clone(),
                submitted.status,
                submitted.price.clone(),
            )
            .await?;
        if clip.is_some() {
            crash_point("created", clip.as_ref());
        }
        tracing::info!(provider = %self.provider.id(), task_id = %submitted.task_id, local_id, "task submitted");
        self.remember(&submitted, &request.generation);
        let mut output = self.submitted_output(submitted, &request.generation);
        output.estimated_usd = estimate.as_ref().and_then(usd);
        output.estimated_price = estimate;
        output.warnings = warnings;
        Ok(output)
    }

    /// The earlier submission as it stands once the provider has answered it (or
    /// after [`TWIN_WAIT`]): a twin that raced it is refused naming its task.
    async fn once_answered(&self, earlier: Entry) -> Entry {
        let deadline = Instant::now() + TWIN_WAIT;
        let mut latest = earlier;
        while latest.submit_state == SubmitState::Sending && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(200)).await;
            match self.journal.by_local_id(latest.local_id).await {
                Ok(Some(row)) => latest = row,
                Ok(None) | Err(_) => break,
            }
        }
        latest
    }

    /// What a submission would send and cost, without sending it.
    async fn dry_run(
        &self,
        call: CreateCall,
        estimate: Option<Amount>,
        mut warnings: Vec<String>,
        params: &SubmitTaskParams,
        twin: Option<ToolError>,
        asks: bool,
    ) -> SubmitTaskOutput {
        let balance = match self.provider.balance().await {
            Ok(balance) => Some(balance.available),
            Err(e) => {
                warnings.push(format!("The balance could not be read: {e}"));
                None
            }
        };
        let guard = match twin {
            Some(duplicate) => Some(duplicate),
            None => self
                .check_spend(params, estimate.as_ref(), None)
                .await
                .err(),
        };
        let cost = estimate
            .as_ref()
            .map_or_else(|| "an unknown cost".to_owned(), ToString::to_string);
        let next_step = match &guard {
            Some(refusal) if asks && refusal.kind == super::ToolErrorKind::SpendLimit => format!(
                "Nothing was sent. Show the user the cost ({cost}). It needs their yes under the spend \
                 limits, which their client will ask for when you submit; {GO_AHEAD}"
            ),
            Some(refusal) => format!(
                "Nothing was sent. Submitting would be refused ({}): {}",
                refusal.kind, refusal.message
            ),
            None => format!("Nothing was sent. Show the user the cost ({cost}); {GO_AHEAD}"),
        };
        SubmitTaskOutput {
            task_id: None,
            dry_run: true,
            provider: self.provider.id(),
            simulated: self.simulated(),
            status: None,
            price: None,
            estimated_usd: estimate.as_ref().and_then(usd),
            estimated_price: estimate,
            balance_after: None,
            balance,
            request: Some(RequestPreview {
                method: call.method.to_owned(),
                url: call.url,
                headers: call
                    .headers
                    .into_iter()
                    .map(|(name, value)| format!("{name}: {value}"))
                    .collect(),
                body: call.body,
            }),
            warnings,
            poll_after_seconds: None,
            next_step,
        }
    }

    fn remember(&self, submitted: &SubmittedTask, generation: &Generation) {
        let typical = self.provider.typical_duration(generation.kind());
        crate::sync::lock(&self.submitted)
            .insert(submitted.task_id.clone(), (Instant::now(), typical));
    }

    fn submitted_output(
        &self,
        submitted: SubmittedTask,
        generation: &Generation,
    ) -> SubmitTaskOutput {
        let (poll_after, typical) = match generation {
            _ if self.simulated() => {
                let sim = self.provider.typical_duration(generation.kind());
                (
                    sim.as_secs_f64().ceil().max(1.0) as u32,
                    "a few seconds (simulated)",
                )
            }
            Generation::Video(_) => (60, "usually 1-3 minutes, up to 10 under load"),
            Generation::Image(_) => (30, "usually 30 s to 2 minutes"),
        };
        let price = submitted
            .price
            .as_ref()
            .map_or_else(String::new, |p| format!(" Charged {p}."));
        SubmitTaskOutput {
            next_step: format!(
                "Submitted.{price} Generation takes {typical}. Call get_task with task_id \"{}\" and \
                 wait_seconds 45; do not submit again.",
                submitted.task_id
            ),
            task_id: Some(submitted.task_id),
            dry_run: false,
            provider: self.provider.id(),
            simulated: self.simulated(),
            status: Some(submitted.status),
            price: submitted.price,
            estimated_price: None,
            estimated_usd: None,
            balance_after: submitted.balance_after,
            balance: None,
            request: None,
            warnings: Vec::new(),
            poll_after_seconds: Some(poll_after),
        }
    }

    /// A failed create is either a clear refusal (nothing created) or ambiguous
    /// (the request may have created a task): the journal says which.
    async fn record_failed_submit(&self, local_id: i64, error: ProviderError) -> ToolError {
        let ambiguous = matches!(&error, ProviderError::Upstream { status, .. } if status.is_none_or(|s| s >= 500));
        let (state, note) = if ambiguous {
            (
                SubmitState::OutcomeUnknown,
                format!(
                    "The provider may still have created and charged the task: it is journalled as local id \
                     {local_id}. Do not submit again; check list_tasks in a minute{}",
                    if self.provider.capabilities().idempotent_create {
                        " (a running server asks again with the same idempotency key within a few minutes, which cannot pay twice)."
                    } else {
                        ", or the provider's dashboard."
                    }
                ),
            )
        } else if matches!(error, ProviderError::InsufficientBalance { .. }) {
            // Its own next step says nothing was charged.
            (SubmitState::Rejected, String::new())
        } else {
            // The provider said no in so many words: there is no task to look for.
            (
                SubmitState::Rejected,
                "The provider refused the request: nothing was created or charged.".to_owned(),
            )
        };
        let mut tool_error = ToolError::from(error);
        if let Err(e) = self
            .journal
            .mark_failed_submit(local_id, state, tool_error.message.clone())
            .await
        {
            tracing::warn!(error = %e, local_id, "could not record the failed submit");
        }
        if !note.is_empty() {
            tool_error.message = sentences(&tool_error.message, &note);
        }
        tool_error
    }

    /// After a restart: finishes what a crash interrupted. Creates that never got an
    /// answer, once old enough that no live server can still be sending them
    /// (see [`super::orphans`]), are re-sent with their original key where the
    /// provider honours one (it returns the original task, never a second one),
    /// otherwise marked as outcome unknown with advice; unfinished tasks are
    /// queried again.
    pub async fn reconcile(&self) -> Result<usize, ToolError> {
        let settled = self.reconcile_tasks().await?;
        // Stories last: their clips' rows are settled by now.
        Ok(settled + self.resume_stories().await?)
    }

    async fn reconcile_tasks(&self) -> Result<usize, ToolError> {
        // A younger `sending` row may be another replica's create in flight: it is
        // left to that replica, or to a later sweep once it is an orphan.
        let mut settled = self.settle_orphans().await?;
        let rows = self.journal.unfinished(self.provider.id()).await?;
        let mut pending = Vec::new();
        for row in rows {
            if let (SubmitState::Created, Some(task_id)) = (row.submit_state, row.task_id) {
                pending.push(TaskRef::with_facts(task_id, row.facts));
            }
        }
        if pending.is_empty() {
            return Ok(settled);
        }
        // One batch query where the provider has one (Ark); finished tasks then take
        // the usual get_task path so their results are saved.
        let snapshots = self.provider.tasks(&pending).await?;
        for snapshot in snapshots {
            if snapshot.status.is_terminal() {
                if let Err(e) = self.get_task(&snapshot.task_id).await {
                    tracing::warn!(task_id = %snapshot.task_id, error = %e, "could not refresh a journalled task");
                }
            } else {
                let _ = self.record(&snapshot, Vec::new(), None).await;
            }
            settled += 1;
        }
        Ok(settled)
    }

    /// Settles a create that never got an answer; the caller has claimed its row.
    pub(super) async fn resolve_unanswered(&self, local_id: i64, key: &str, request_json: &str) {
        let idempotent = self.provider.capabilities().idempotent_create;
        let params: Option<SubmitTaskParams> = serde_json::from_str(request_json).ok();
        // Local files are never re-read after a restart: they may have changed, and
        // the request that was sent carried their checked contents.
        let request = params
            .as_ref()
            .filter(|p| media::wants(p).is_empty())
            .and_then(|p| validate::submit(p).ok());
        let outcome = match (idempotent, request) {
            (true, Some(request)) => {
                let key = SubmissionKey::from_stored(key);
                match self.while_alive(self.provider.submit(&request, &key)).await {
                    Ok(task) => {
                        let recorded = self
                            .journal
                            .mark_created(
                                local_id,
                                task.task_id.clone(),
                                task.status,
                                task.price.clone(),
                            )
                            .await;
                        tracing::info!(local_id, task_id = %task.task_id, "reconciled an interrupted submit with its idempotency key");
                        recorded.map_err(|e| e.to_string())
                    }
                    Err(e) => Err(e.to_string()),
                }
            }
            _ => Err("the server stopped before the provider's answer was recorded".to_owned()),
        };
        if let Err(reason) = outcome {
            let advice = format!(
                "Outcome unknown: {reason}. The task may exist and may have been charged; check the \
                 provider's dashboard or task list before submitting the same request again."
            );
            if let Err(e) = self
                .journal
                .mark_failed_submit(local_id, SubmitState::OutcomeUnknown, advice)
                .await
            {
                tracing::warn!(error = %e, local_id, "could not record a reconciliation");
            }
        }
    }
}

/// A crash point of a task's submit; a story's clip has its own, numbered
/// from 1 (`story_clip_2_after_journal_write`), so a test can stop at one clip.
fn crash_point(name: &str, clip: Option<&StoryPart>) {
    match clip {
        Some(StoryPart::Clip { index, .. }) => {
            crate::test_hooks::crash_point(&format!("story_clip_{}_{name}", index + 1));
        }
        _ => crate::test_hooks::crash_point(name),
    }
}

/// The fingerprint a story's clip is claimed under: one per place in one story.
pub(super) fn clip_fingerprint(part: &StoryPart) -> String {
    match part {
        StoryPart::Clip { story_id, index } => format!("{story_id}/clip/{index}"),
        StoryPart::Whole { story_id } => story_id.clone(),
    }
}

fn duplicate(earlier: &Entry) -> ToolError {
    // Not an invalid field: the whole request repeats an earlier one, and this
    // refusal itself costs nothing.
    let message = if earlier.submit_state == SubmitState::Rejected {
        // The twin it raced was refused meanwhile: nothing exists to follow.
        format!(
            "an identical request sent at the same moment was refused by the provider ({}); nothing was \
             created or charged. Fix what the refusal names, then submit once.",
            earlier.error.as_deref().unwrap_or("no reason given")
        )
    } else {
        let what = match (&earlier.task_id, earlier.status) {
            (Some(id), Some(status)) => format!("task \"{id}\" ({})", status.as_str()),
            (Some(id), None) => format!("task \"{id}\""),
            (None, _) => format!(
                "local submission {} (outcome not yet known)",
                earlier.local_id
            ),
        };
        format!(
            "this exact request was already submitted at {} as {what}; this call sent nothing and \
             charged nothing. Call get_task for that task instead of paying again; to make another, \
             deliberately identical clip, pass resubmit: true.",
            earlier.created_at
        )
    };
    ToolError {
        kind: crate::service::ToolErrorKind::DuplicateSubmission,
        message,
    }
}

/// The amount in US dollars, when the provider's unit is dollars.
fn usd(amount: &Amount) -> Option<f64> {
    amount
        .unit
        .starts_with("USD")
        .then(|| super::spend::cents(amount.amount))
}

/// A stable hash of what would be sent: the provider, the arguments and the
/// contents of local files (the same path with new contents is a new request).
pub(super) fn fingerprint(
    provider: &str,
    params: &SubmitTaskParams,
    files: &[(String, String)],
) -> String {
    let mut canonical = params.clone();
    canonical.resubmit = None;
    canonical.confirm_cost = None;
    canonical.dry_run = None;
    canonical.prompt = canonical.prompt.trim().to_owned();
    let mut text = format!(
        "{provider}\n{}",
        serde_json::to_string(&canonical).unwrap_or_default()
    );
    for (entry, sha256) in files {
        text.push_str(&format!("\n{entry}={sha256}"));
    }
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_ignore_resubmit_and_surrounding_space_but_not_content() {
        let a = SubmitTaskParams {
            prompt: "a cat".into(),
            ..Default::default()
        };
        let b = SubmitTaskParams {
            prompt: " a cat ".into(),
            resubmit: Some(true),
            ..Default::default()
        };
        let c = SubmitTaskParams {
            prompt: "a cat".into(),
            duration: Some(6),
            ..Default::default()
        };
        assert_eq!(fingerprint("sim", &a, &[]), fingerprint("sim", &b, &[]));
        assert_ne!(fingerprint("sim", &a, &[]), fingerprint("sim", &c, &[]));
        assert_ne!(fingerprint("sim", &a, &[]), fingerprint("xskill", &a, &[]));
        let file = |sha: &str| vec![("a.png".to_owned(), sha.to_owned())];
        assert_ne!(
            fingerprint("sim", &a, &file("01")),
            fingerprint("sim", &a, &file("02"))
        );
    }
}
