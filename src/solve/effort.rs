//! The command's budget of search work (`--effort N`): branch-and-bound
//! nodes, shared by every solve of the command as the [`Deadline`] is, and
//! counted rather than timed, so that the same command gives the same plan
//! on any machine, however loaded.
//!
//! [`Deadline`]: super::Deadline

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Branch-and-bound nodes left to the command, or no limit.
#[derive(Debug, Clone, Default)]
pub struct Effort(Option<Arc<AtomicU64>>);

impl Effort {
    /// No limit.
    pub const UNLIMITED: Effort = Effort(None);

    /// A budget of `nodes` branch-and-bound nodes.
    pub fn nodes(nodes: u64) -> Self {
        Effort(Some(Arc::new(AtomicU64::new(nodes))))
    }

    /// Whether there is a limit.
    pub fn is_set(&self) -> bool {
        self.0.is_some()
    }

    /// The nodes left; `None` without a limit.
    pub fn left(&self) -> Option<u64> {
        self.0.as_ref().map(|left| left.load(Ordering::Relaxed))
    }

    /// Whether the budget is used up.
    pub fn spent(&self) -> bool {
        self.left() == Some(0)
    }

    /// Counts `nodes` against the budget (never below zero).
    pub fn spend(&self, nodes: u64) {
        if let Some(left) = &self.0 {
            // The closure never declines, so the update cannot fail.
            let _ = left.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                Some(n.saturating_sub(nodes))
            });
        }
    }
}

/// Two budgets are equal when they are the same budget (or both none).
impl PartialEq for Effort {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_is_shared_by_its_copies_and_runs_down_to_zero() {
        assert_eq!(Effort::UNLIMITED.left(), None);
        Effort::UNLIMITED.spend(5);
        assert!(!Effort::UNLIMITED.spent());
        let budget = Effort::nodes(10);
        let copy = budget.clone();
        copy.spend(4);
        assert_eq!(budget.left(), Some(6));
        assert_eq!(budget, copy);
        assert_ne!(budget, Effort::nodes(6));
        budget.spend(100);
        assert!(copy.spent());
    }
}
