//! Progress of long command-line work (reindex): a bar on a terminal, plain lines every few
//! seconds otherwise (a container's log, a CI job), so neither sees control characters it
//! cannot render nor waits in silence.

use std::{
    io::IsTerminal,
    time::{Duration, Instant},
};

/// How often a line is written when the output is not a terminal.
const EVERY: Duration = Duration::from_secs(5);

/// A progress report on standard error.
pub enum Progress {
    /// On a terminal.
    Bar(indicatif::ProgressBar),
    /// Anywhere else: a line now and then.
    Lines {
        /// What is being done, e.g. `reindexing products`.
        what: &'static str,
        /// When the last line was written.
        last: Option<Instant>,
    },
}

impl Progress {
    /// A report of `what`, as suits standard error.
    pub fn new(what: &'static str) -> Self {
        if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new(0);
            let style = indicatif::ProgressStyle::with_template(
                "{msg} [{bar:40}] {pos}/{len} ({percent}%, {per_sec}, {eta} left)",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
            bar.set_style(style.progress_chars("=> "));
            bar.set_message(what);
            Self::Bar(bar)
        } else {
            Self::Lines { what, last: None }
        }
    }

    /// `done` of `total`.
    pub fn update(&mut self, done: u64, total: u64) {
        match self {
            Self::Bar(bar) => {
                bar.set_length(total);
                bar.set_position(done);
            }
            Self::Lines { what, last } => {
                if done < total && last.is_some_and(|at| at.elapsed() < EVERY) {
                    return;
                }
                *last = Some(Instant::now());
                let percent = (done * 100).checked_div(total).unwrap_or(100);
                eprintln!("{what}: {done}/{total} ({percent}%)");
            }
        }
    }

    /// Ends the report.
    pub fn finish(self) {
        if let Self::Bar(bar) = self {
            bar.finish();
        }
    }
}
