//! The one clock of a command: a moment no solve may run past, made once
//! at the edge from `--time-limit`, so that a plan, its levels, its
//! alternatives and its diagnosis all end by the limit the user gave.

use std::time::{Duration, Instant};

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

    /// The time left (zero once passed); `None` without a limit.
    pub fn left(self) -> Option<Duration> {
        self.0.map(|d| d.saturating_duration_since(Instant::now()))
    }

    /// Whether the moment has come.
    pub fn passed(self) -> bool {
        self.0.is_some_and(|d| Instant::now() >= d)
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
    }
}
