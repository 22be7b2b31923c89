//! Minimal conflicts: a deletion filter over the named row groups of the
//! relaxable program, each check a feasibility solve under the per-check cap.

use std::collections::BTreeSet;

use crate::error::Error;
use crate::formulate::Milp;
use crate::solve::{solve_program, Program, SolveOptions};

use super::{check_options, Group, Member, Tally, Unsettled};

/// Whether the program has a plan with only the `active` groups (and the
/// structure) kept, or why that was left undecided.
// Fallible like every step of the diagnosis, so that a check may come to
// fail on its own without changing its callers.
#[allow(clippy::unnecessary_wraps)]
pub(super) fn feasible_with(
    milp: &Milp,
    active: &BTreeSet<Group>,
    options: &SolveOptions,
    tally: &Tally,
) -> Result<Result<bool, Unsettled>, Error> {
    let mut reduced = milp.clone();
    reduced
        .rows
        .retain(|row| Group::of(&row.origin).is_none_or(|g| active.contains(&g)));
    reduced
        .impossible
        .retain(|origin| Group::of(origin).is_none_or(|g| active.contains(&g)));
    // Only feasibility matters; the tie-break (fewest, earliest moves)
    // steers the search toward sparse plans, which are found fastest.
    let tie_break = reduced.levels.pop();
    reduced.levels = tie_break.into_iter().collect();
    // A numerical failure of the backend on one check is not the user's
    // answer: the check counts as undecided.
    Ok(
        match solve_program(&reduced, &[], &check_options(options)) {
            Ok(Program::Solved { .. }) => Ok(true),
            Ok(Program::Infeasible) => Ok(false),
            Ok(Program::Unknown) => Err(tally.record(Unsettled::TimeRanOut)),
            Err(_) => Err(tally.record(Unsettled::SolverFailed)),
        },
    )
}

/// Every group of the program, in a stable order.
pub(super) fn groups(milp: &Milp) -> BTreeSet<Group> {
    milp.rows
        .iter()
        .map(|r| &r.origin)
        .chain(&milp.impossible)
        .filter_map(Group::of)
        .collect()
}

pub(super) fn member(milp: &Milp, group: Group) -> Member {
    let path = milp
        .rows
        .iter()
        .map(|r| &r.origin)
        .chain(&milp.impossible)
        .find(|o| Group::of(o) == Some(group))
        .map_or_else(String::new, |o| o.path.clone());
    Member { group, path }
}

/// A deletion filter: drops each member whose removal keeps the set
/// infeasible; what remains is irreducible (when every check decided).
pub(super) fn minimal_conflict(
    milp: &Milp,
    start: &BTreeSet<Group>,
    options: &SolveOptions,
    tally: &Tally,
) -> Result<Option<(Vec<Group>, bool)>, Error> {
    if feasible_with(milp, start, options, tally)? != Ok(false) {
        return Ok(None);
    }
    let mut set = start.clone();
    let mut proven = true;
    for g in start {
        let mut trial = set.clone();
        trial.remove(g);
        match feasible_with(milp, &trial, options, tally)? {
            Ok(false) => set = trial,
            Ok(true) => {}
            Err(_) => proven = false,
        }
    }
    Ok(Some((set.into_iter().collect(), proven)))
}

/// Up to `count` distinct minimal conflicts: the first from all groups,
/// then from all groups but one member of a conflict already found.
pub(super) fn conflicts(
    milp: &Milp,
    count: usize,
    options: &SolveOptions,
    tally: &Tally,
) -> Result<Vec<(Vec<Group>, bool)>, Error> {
    let all = groups(milp);
    let mut found: Vec<(Vec<Group>, bool)> = Vec::new();
    if let Some(first) = minimal_conflict(milp, &all, options, tally)? {
        found.push(first);
    }
    let mut next = 0;
    while found.len() < count && next < found.len() {
        for g in found[next].0.clone() {
            if found.len() >= count {
                break;
            }
            let mut without = all.clone();
            without.remove(&g);
            if let Some(other) = minimal_conflict(milp, &without, options, tally)? {
                if !found.iter().any(|(members, _)| *members == other.0) {
                    found.push(other);
                }
            }
        }
        next += 1;
    }
    Ok(found)
}
