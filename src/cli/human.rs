//! What the CLI prints for people at a terminal: a few lines per result instead of
//! the JSON document scripts get with `--json` (or when stdout is not a terminal).

use std::fmt::Write as _;

use crate::service::{
    BalanceOutput, GetTaskOutput, ListTasksOutput, SubmitTaskOutput, TaskSummary,
    UploadImageOutput, story::SubmitStoryOutput,
};

/// A result that has a human rendering.
pub trait Human {
    /// Lines for a terminal, ending with a newline.
    fn human(&self) -> String;

    /// True for a task that finished without a result: scripts get a failure exit code.
    fn ended_badly(&self) -> bool {
        false
    }
}

impl SubmitTaskOutput {
    /// The lines of a submit followed by a wait: without the "Next:" line, since the
    /// CLI is already doing it.
    pub fn human_while_waiting(&self) -> String {
        self.lines(false)
    }

    fn lines(&self, with_next: bool) -> String {
        let simulated = if self.simulated { " (simulated)" } else { "" };
        let mut out = match (&self.task_id, self.status) {
            (Some(task_id), Some(status)) => format!(
                "Submitted task {task_id} on {}{simulated}: {}\n",
                self.provider.as_str(),
                status.as_str()
            ),
            _ => format!(
                "Dry run on {}{simulated}: nothing was sent.\n",
                self.provider.as_str()
            ),
        };
        if let Some(request) = &self.request {
            let _ = writeln!(out, "Request: {} {}", request.method, request.url);
            for header in &request.headers {
                let _ = writeln!(out, "  {header}");
            }
            let body = serde_json::to_string_pretty(&request.body).unwrap_or_default();
            let _ = writeln!(out, "{body}");
        }
        if let Some(price) = self.price.as_ref().or(self.estimated_price.as_ref()) {
            let _ = writeln!(out, "Cost: {price}");
        }
        if let Some(balance) = self.balance.as_ref().or(self.balance_after.as_ref()) {
            let _ = writeln!(out, "Balance: {balance}");
        }
        for warning in &self.warnings {
            let _ = writeln!(out, "Warning: {warning}");
        }
        match (&self.task_id, self.poll_after_seconds) {
            _ if !with_next => {}
            (Some(task_id), Some(after)) => {
                let _ = writeln!(
                    out,
                    "Next: seedance-mcp wait {task_id}  (first result in about {after} s)"
                );
            }
            _ => {
                // The service speaks to agents (tools and arguments); here a person
                // runs commands.
                let next = self
                    .next_step
                    .replace(crate::service::submit::GO_AHEAD, CLI_GO_AHEAD);
                let _ = writeln!(out, "{next}");
            }
        }
        out
    }
}

/// The dry run's way ahead on the CLI.
const CLI_GO_AHEAD: &str = "to go ahead, run the same command again without --dry-run.";

impl Human for SubmitTaskOutput {
    fn human(&self) -> String {
        self.lines(true)
    }
}

impl Human for SubmitStoryOutput {
    fn human(&self) -> String {
        let simulated = if self.simulated { " (simulated)" } else { "" };
        let mut out = match &self.story_id {
            Some(id) => format!(
                "Submitted story {id} on {}{simulated}\n",
                self.provider.as_str()
            ),
            None => format!(
                "Dry run on {}{simulated}: nothing was sent.\n",
                self.provider.as_str()
            ),
        };
        let _ = writeln!(
            out,
            "{} clips, {} s; {}",
            self.clips, self.total_seconds, self.chaining
        );
        if let Some(price) = &self.estimated_price {
            let _ = writeln!(out, "Cost: {price}");
        }
        if let Some(balance) = &self.balance {
            let _ = writeln!(out, "Balance: {balance}");
        }
        for warning in &self.warnings {
            let _ = writeln!(out, "Warning: {warning}");
        }
        match &self.story_id {
            Some(id) => {
                let _ = writeln!(out, "Next: seedance-mcp wait {id}");
            }
            None => {
                let _ = writeln!(out, "{}", self.next_step);
            }
        }
        out
    }
}

impl Human for GetTaskOutput {
    fn human(&self) -> String {
        let mut out = format!("Task {}: {}", self.task_id, self.status.as_str());
        if let Some(progress) = &self.progress {
            let _ = write!(out, " ({progress})");
        }
        out.push('\n');
        if let Some(story) = &self.story {
            for (n, clip) in story.clip_tasks.iter().enumerate() {
                let status = clip.status.map_or("sending", |s| s.as_str());
                let id = clip.task_id.as_deref().unwrap_or("-");
                let _ = writeln!(out, "Clip {} of {}: {id} {status}", n + 1, story.clips);
            }
        }
        for file in &self.local_files {
            let _ = writeln!(out, "Saved: {}", file.display());
        }
        if self.local_files.is_empty() {
            for url in &self.result_urls {
                let _ = writeln!(out, "Result: {url}");
            }
        }
        if let Some(error) = &self.download_error {
            let _ = writeln!(out, "Not saved: {error}");
        }
        if let Some(failure) = &self.failure {
            let _ = writeln!(
                out,
                "Failed: {}\nAdvice: {}",
                failure.message, failure.advice
            );
        }
        if let Some(price) = &self.price {
            let refunded = match &self.refunded {
                Some(back) if back.amount > 0.0 => format!(" ({back} refunded)"),
                _ if self.next_step.contains(crate::service::REFUNDED) => " (refunded)".to_owned(),
                _ => String::new(),
            };
            let _ = writeln!(out, "Cost: {price}{refunded}");
        }
        if !self.finished {
            let _ = writeln!(out, "Next: {}", self.next_step);
        }
        out
    }

    fn ended_badly(&self) -> bool {
        self.finished && self.status != crate::domain::TaskStatus::Succeeded
    }
}

impl Human for BalanceOutput {
    fn human(&self) -> String {
        let mut out = format!(
            "{} balance: {}{}\n",
            self.provider.as_str(),
            self.available,
            if self.simulated { " (simulated)" } else { "" }
        );
        if let Some(at) = &self.last_seen_at {
            let _ = writeln!(out, "(as last reported at {at})");
        }
        let _ = writeln!(out, "Pricing: {}", self.pricing);
        out
    }
}

impl Human for crate::service::clips::ExtractFrameOutput {
    fn human(&self) -> String {
        format!(
            "{} ({}x{}, {} bytes)\n",
            self.path.display(),
            self.width,
            self.height,
            self.bytes
        )
    }
}

impl Human for crate::service::clips::StitchVideosOutput {
    fn human(&self) -> String {
        let starts: Vec<String> = self
            .starts_seconds
            .iter()
            .map(|s| format!("{s:.2}"))
            .collect();
        format!(
            "{} ({:.2} s, {}; inputs start at {} s)\n",
            self.path.display(),
            self.duration_seconds,
            self.method,
            starts.join(", ")
        )
    }
}

impl Human for UploadImageOutput {
    fn human(&self) -> String {
        format!("{}\n", self.url)
    }
}

impl Human for TaskSummary {
    fn human(&self) -> String {
        let status = self
            .status
            .map_or(self.submit_state.as_str(), |status| status.as_str());
        let mut out = format!(
            "#{:<4} {:<20} {:<11} {:<12} {}\n",
            self.local_id,
            self.created_at,
            status,
            self.provider,
            one_line(&self.prompt, 60)
        );
        let indent = " ".repeat(6);
        if let Some(task_id) = &self.task_id {
            let _ = writeln!(out, "{indent}task {task_id}");
        }
        for file in &self.local_files {
            let _ = writeln!(out, "{indent}{}", file.display());
        }
        if let Some(note) = &self.note {
            let _ = writeln!(out, "{indent}{}", one_line(note, 100));
        }
        out
    }
}

impl Human for ListTasksOutput {
    fn human(&self) -> String {
        if self.tasks.is_empty() {
            return "No tasks in the journal match.\n".to_owned();
        }
        let mut out: String = self.tasks.iter().map(Human::human).collect();
        if let Some(cursor) = &self.next_cursor {
            let _ = writeln!(out, "More: seedance-mcp list --cursor {cursor}");
        }
        out
    }
}

/// The text on one line, cut to `max` characters with an ellipsis.
fn one_line(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TaskStatus;

    #[test]
    fn a_saved_result_shows_its_files_and_no_next_step() {
        let out = GetTaskOutput {
            task_id: "t1".into(),
            provider: crate::domain::test_id("sim"),
            simulated: true,
            status: TaskStatus::Succeeded,
            finished: true,
            result_urls: vec!["https://x/v.mp4".into()],
            local_files: vec!["/out/a.mp4".into()],
            resource_uris: vec![],
            download_urls: vec![],
            last_frame_url: None,
            download_error: None,
            failure: None,
            progress: None,
            price: None,
            refunded: None,
            urls_expire_at: None,
            seed: None,
            usage_tokens: None,
            poll_after_seconds: None,
            provider_trouble: None,
            provider_status: None,
            result: None,
            story: None,
            next_step: "Give the user the files.".into(),
        };
        let text = out.human();
        assert_eq!(text, "Task t1: succeeded\nSaved: /out/a.mp4\n");
    }

    #[test]
    fn long_prompts_are_cut_on_one_line() {
        assert_eq!(one_line("a\nb   c", 10), "a b c");
        assert_eq!(one_line("abcdefghijkl", 5), "abcd…");
    }
}
