//! The one clock of a command: a moment no solve may run past, made once
//! at the edge from `--time-limit`, so that a plan, its levels, its
//! alternatives and its diagnosis all end by the limit the user gave.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

thread_local! {
    /// Set while this thread solves for someone who may leave (a client of
    /// `seqplan serve`): once it is raised, every deadline has passed.
    static CANCEL: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
}

/// Runs `work` on this thread so that every solve in it stops, as if its
/// time had run out, as soon as `cancel` is raised.
pub fn cancellable<T>(cancel: Arc<AtomicBool>, work: impl FnOnce() -> T) -> T {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            CANCEL.with(|c| *c.borrow_mut() = None);
        }
    }
    CANCEL.with(|c| *c.borrow_mut() = Some(cancel));
    let _reset = Reset;
    work()
}

/// Raised when the whole process is stopping (`seqplan serve` on Ctrl-C):
/// every cancellable work stops.
static STOPPING: AtomicBool = AtomicBool::new(false);

/// Stops every work run through [`cancellable`], now and later.
pub fn stop_all() {
    STOPPING.store(true, Ordering::Relaxed);
}

/// Whether the work of this thread was cancelled.
fn cancelled() -> bool {
    CANCEL.with(|c| {
        c.borrow()
            .as_ref()
            .is_some_and(|flag| flag.load(Ordering::Relaxed) || STOPPING.load(Ordering::Relaxed))
    })
}

/// A moment no solve may run past, or none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Deadline(Option<Instant>);

impl Deadline {
    /// No limit.
    pub const NONE: Deadline = Deadline(None);

    /// `limit` from now (none without a limit).
    pub fn after(limit: Option<Duration>) -> Self {
        Deadline(limit.map(|limit| Instant::now() + limit))
    }

    /// Whether there is a limit.
    pub fn is_set(self) -> bool {
        self.0.is_some()
    }

    /// The time left (zero once passed, or once cancelled); `None` without
    /// a limit.
    pub fn left(self) -> Option<Duration> {
        if cancelled() {
            return Some(Duration::ZERO);
        }
        self.0.map(|d| d.saturating_duration_since(Instant::now()))
    }

    /// Whether the moment has come (or the work was cancelled: see
    /// [`cancellable`]).
    pub fn passed(self) -> bool {
        cancelled() || self.0.is_some_and(|d| Instant::now() >= d)
    }

    /// A moment `fraction` of the time left from now (none without a
    /// limit): a first phase's share of the command.
    #[must_use]
    pub fn share(self, fraction: f64) -> Self {
        match self.left() {
            Some(left) => Deadline::after(Some(left.mul_f64(fraction))),
            None => self,
        }
    }

    /// This deadline, or `cap` from now when there is none: a part of a
    /// command that must not stall the rest when the user set no limit.
    #[must_use]
    pub fn or_after(self, cap: Duration) -> Self {
        match self.0 {
            Some(_) => self,
            None => Deadline::after(Some(cap)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_counts_down_and_passes() {
        assert_eq!(Deadline::NONE.left(), None);
        assert!(!Deadline::NONE.passed());
        let soon = Deadline::after(Some(Duration::from_secs(3600)));
        assert!(soon
            .left()
            .is_some_and(|left| left > Duration::from_secs(3500)));
        assert_eq!(soon.or_after(Duration::from_secs(1)), soon);
        let now = Deadline::after(Some(Duration::ZERO));
        assert!(now.passed());
        assert_eq!(now.left(), Some(Duration::ZERO));
        assert!(Deadline::NONE.or_after(Duration::from_secs(5)).is_set());
        assert_eq!(Deadline::NONE.share(0.5), Deadline::NONE);
        let half = soon.share(0.5).left().unwrap_or_default();
        assert!(half > Duration::from_secs(1700) && half <= Duration::from_secs(1800));
    }

    #[test]
    fn a_cancelled_thread_sees_every_deadline_passed() {
        let soon = Deadline::after(Some(Duration::from_secs(3600)));
        let flag = Arc::new(AtomicBool::new(false));
        cancellable(Arc::clone(&flag), || {
            assert!(!soon.passed() && !Deadline::NONE.passed());
            flag.store(true, Ordering::Relaxed);
            assert!(soon.passed() && Deadline::NONE.passed());
            assert_eq!(soon.left(), Some(Duration::ZERO));
        });
        // Outside, nothing was cancelled.
        assert!(!soon.passed());
    }
}
