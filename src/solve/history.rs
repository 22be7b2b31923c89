//! What the search found as it went: each better plan or tighter bound of
//! a stage, after how much work, for the progress line, `-v` and the
//! JSON `"history"`. Shared by every solve of a command, as the deadline
//! and the effort are.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use crate::report::BoundSource;

/// One step of the search: the incumbent's value on each level of the
/// stage being solved, and the best bound, after `work` nodes of the
/// command.
#[derive(Debug, Clone, PartialEq)]
pub struct Improvement {
    /// Branch-and-bound nodes of the whole command so far.
    pub work: u64,
    /// The levels of the stage (`tie-break` for the implicit one).
    pub levels: Vec<&'static str>,
    /// The incumbent's value on each of those levels.
    pub values: Vec<f64>,
    /// Whether the stage is proven optimal.
    pub proven: bool,
    /// When it is not: the first level the bound leaves open and the
    /// bound on it (`None` when the backend reports no bound).
    pub bound: Option<LevelBound>,
}

/// A valid bound on one objective level (a lower bound where smaller is
/// better, an upper bound for `maximize`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LevelBound {
    /// The level's index within its stage.
    pub level: usize,
    pub bound: f64,
    /// Where it comes from.
    pub source: BoundSource,
}

/// The improvements of a command, in order, and the nodes it has spent.
#[derive(Debug, Clone)]
pub struct History(Arc<Shared>);

#[derive(Debug)]
struct Shared {
    started: Instant,
    /// Whether improvements are kept without being logged or shown.
    silent: bool,
    work: AtomicU64,
    entries: Mutex<Vec<Improvement>>,
}

impl Default for History {
    fn default() -> Self {
        History::starting(false)
    }
}

impl History {
    /// A history that keeps its improvements without logging them or
    /// showing them on the progress line: that of a search within the
    /// search (a neighbourhood's small program), whose bounds hold for the
    /// small program only.
    pub fn silent() -> Self {
        History::starting(true)
    }

    /// An empty history, its clock started now.
    fn starting(silent: bool) -> Self {
        History(Arc::new(Shared {
            started: Instant::now(),
            silent,
            work: AtomicU64::new(0),
            entries: Mutex::new(Vec::new()),
        }))
    }

    /// Whether improvements are kept without being logged or shown.
    pub fn is_silent(&self) -> bool {
        self.0.silent
    }

    /// Counts `nodes` of search work.
    pub fn add_work(&self, nodes: u64) {
        self.0.work.fetch_add(nodes, Ordering::Relaxed);
    }

    /// The nodes spent so far.
    pub fn work(&self) -> u64 {
        self.0.work.load(Ordering::Relaxed)
    }

    /// How many improvements were recorded so far (a mark for
    /// [`History::since`]).
    pub fn len(&self) -> usize {
        self.entries().len()
    }

    /// Whether none was recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The improvements recorded from `mark` on.
    pub fn since(&self, mark: usize) -> Vec<Improvement> {
        self.entries()
            .get(mark..)
            .map(<[_]>::to_vec)
            .unwrap_or_default()
    }

    /// Records `improvement` unless it repeats the last one, logs it with
    /// the time since the command began, and shows it on the progress line.
    pub fn record(&self, improvement: Improvement) {
        let mut entries = self.entries();
        let last = entries.last();
        let repeats = |l: &Improvement| {
            (&l.levels, &l.values, l.proven, l.bound)
                == (
                    &improvement.levels,
                    &improvement.values,
                    improvement.proven,
                    improvement.bound,
                )
        };
        if last.is_some_and(repeats) {
            return;
        }
        if self.0.silent {
            entries.push(improvement);
            return;
        }
        let summary = improvement.summary();
        tracing::info!(
            work = improvement.work,
            seconds = %format!("{:.2}", self.0.started.elapsed().as_secs_f64()),
            "{summary}"
        );
        crate::progress::set_detail(summary);
        entries.push(improvement);
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Vec<Improvement>> {
        self.0
            .entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Improvement {
    /// "earliest 4, cheapest 75; bound on cheapest 20 (gap 73%)".
    pub fn summary(&self) -> String {
        let values: Vec<String> = self
            .levels
            .iter()
            .zip(&self.values)
            .map(|(name, value)| format!("{name} {}", crate::numbers::fmt_num(*value)))
            .collect();
        let mut out = values.join(", ");
        match self.bound.filter(|_| !self.proven) {
            _ if self.proven => out.push_str("; proven optimal"),
            Some(LevelBound { level, bound, .. }) => {
                let value = self.values[level];
                let gap = (value - bound).abs() / value.abs().max(1e-9);
                out.push_str(&format!(
                    "; bound on {} {} (gap {}%)",
                    self.levels[level],
                    crate::numbers::fmt_num(bound),
                    crate::numbers::fmt_num((gap * 1000.0).round() / 10.0)
                ));
            }
            None => out.push_str("; no bound reported"),
        }
        out
    }
}

/// Two histories are equal when they are the same one.
impl PartialEq for History {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}
