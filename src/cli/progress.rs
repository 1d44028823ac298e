//! Waiting on a terminal: a bar that fills towards the task's typical duration,
//! with its status and elapsed time; plain lines on stderr when it is not a terminal.

use std::{io::IsTerminal, time::Duration};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::service::{ProgressSink, WaitProgress};

/// Progress of a CLI wait, drawn on stderr (stdout is kept for the result).
pub struct StderrProgress {
    /// `None` when stderr is not a terminal: then each report is one line.
    bar: Option<ProgressBar>,
}

impl StderrProgress {
    /// A bar when stderr is a terminal, plain lines otherwise.
    pub fn new(task_id: &str) -> Self {
        if !std::io::stderr().is_terminal() {
            return Self { bar: None };
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        let style =
            ProgressStyle::with_template("{spinner} {prefix} [{bar:30}] {elapsed:>4} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner())
                .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(task_id.to_owned());
        bar.set_message("checking");
        bar.enable_steady_tick(Duration::from_millis(200));
        Self { bar: Some(bar) }
    }

    /// Removes the bar before the result is printed.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[async_trait::async_trait]
impl ProgressSink for StderrProgress {
    async fn report(&self, progress: &WaitProgress) {
        let Some(bar) = &self.bar else {
            eprintln!("{}", progress.message());
            return;
        };
        let typical = progress.typical.as_secs().max(1);
        let age = progress.age.as_secs();
        bar.set_length(typical);
        // A task past its typical time keeps a full bar; the message says by how much.
        bar.set_position(age.min(typical));
        // Reports come every few seconds; the bar's own clock shows the time between.
        bar.set_message(format!(
            "{}, usually done in about {typical} s",
            progress.status.as_str()
        ));
    }
}
