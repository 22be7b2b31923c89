//! A diagnosis in words: text, Markdown and JSON renderings of the same
//! [`Diagnosis`].

use super::doc::{Block, Doc};
use crate::diagnose::{Binding, Diagnosis, Infeasibility};
use crate::model::Instance;
use crate::numbers::fmt_num;
use crate::report::PlanReport;

mod json;
mod sentences;

pub use json::{json, json_value};
pub use sentences::relaxation_sentence;
use sentences::{
    bound_sentence, closest_lines, conflict_lines, cut_short_note, describe, heading, moves_line,
    objectives_phrase,
};

/// The diagnosis as text, ending with a newline.
pub fn text(instance: &Instance, diagnosis: &Diagnosis) -> String {
    doc(instance, diagnosis).text()
}

/// The diagnosis as Markdown, ending with a newline: each section a bold
/// lead, its members and changes a list.
pub fn markdown(instance: &Instance, diagnosis: &Diagnosis) -> String {
    super::markdown::tidy(&doc(instance, diagnosis).markdown())
}

/// The diagnosis as blocks.
fn doc(instance: &Instance, diagnosis: &Diagnosis) -> Doc {
    let mut doc = Doc::default();
    doc.push(Block::Title {
        text: heading(instance),
        prefix: "Diagnosis: ",
    });
    match diagnosis {
        Diagnosis::Unknown => doc.push(Block::Lead(
            "The time or effort limit ran out before the solver could tell whether a plan exists."
                .into(),
        )),
        Diagnosis::Feasible {
            report, binding, ..
        } => feasible_blocks(instance, report, binding, &mut doc),
        Diagnosis::Infeasible(found) => infeasible_blocks(instance, found, &mut doc),
    }
    doc
}

/// What binds the optimum of a model that has a plan.
fn feasible_blocks(instance: &Instance, report: &PlanReport, binding: &[Binding], doc: &mut Doc) {
    doc.push(Block::Lead(format!(
        "A plan exists ({}){}.",
        objectives_phrase(report),
        super::unproven_note(report.status, report.gap, report.solver_failed)
    )));
    if binding.is_empty() {
        doc.push(Block::Lead(
            "It is not pressed against any red line or limit.".into(),
        ));
        return;
    }
    doc.push(Block::Lead(
        "It is pressed against (no margin left):".into(),
    ));
    for b in binding {
        let at = b
            .round
            .map(|r| format!(" (no margin in {} {r})", instance.model.round_unit))
            .unwrap_or_default();
        let buys = match &b.without {
            Some(objectives) => format!(
                "without it: {}",
                objectives
                    .iter()
                    .zip(&report.objectives)
                    .filter(|(w, now)| (w.value - now.value).abs() > 1e-9)
                    .map(|(w, now)| format!(
                        "{} {} instead of {}",
                        w.name,
                        fmt_num(w.value),
                        fmt_num(now.value)
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None if b.settled => "dropping it would not improve the plan".to_owned(),
            None if b.solver_failed => {
                "what dropping it would buy was not settled: the solver failed numerically"
                    .to_owned()
            }
            None => "what dropping it would buy was not settled within the limit".to_owned(),
        };
        doc.push(Block::Item(format!(
            "{}{at}; {buys}",
            describe(instance, b.member.group)
        )));
    }
}

/// Why a model has no plan, and what it would take.
fn infeasible_blocks(instance: &Instance, found: &Infeasibility, doc: &mut Doc) {
    let Infeasibility {
        conflicts,
        relaxations,
        relaxed_plan,
        closest,
        bounds,
        cut_short,
        numerical_failures,
        timed_out,
    } = found;
    doc.push(Block::Lead("No plan exists.".into()));
    if *cut_short {
        doc.push(Block::Lead(cut_short_note(*numerical_failures, *timed_out)));
    }
    for (i, conflict) in conflicts.iter().enumerate() {
        let label = if conflicts.len() == 1 {
            "These cannot all hold together".to_owned()
        } else {
            format!("Conflict {}: these cannot all hold together", i + 1)
        };
        doc.push(Block::Blank);
        doc.push(Block::Lead(format!("{label}:")));
        for line in conflict_lines(instance, conflict) {
            doc.push(Block::Item(line));
        }
        if !conflict.proven_minimal {
            doc.push(Block::Detail(
                "(some checks were undecided: a member may be spare)".into(),
            ));
        }
    }
    if !relaxations.is_empty() {
        doc.push(Block::Blank);
        doc.push(Block::Lead(
            "What would restore a plan (each change on its own):".into(),
        ));
        for r in relaxations {
            doc.push(Block::Item(relaxation_sentence(instance, r)));
        }
    }
    if !bounds.is_empty() {
        doc.push(Block::Blank);
        doc.push(Block::Lead("Why, whatever the order of moves:".into()));
        for b in bounds {
            doc.push(Block::Item(bound_sentence(instance, b)));
        }
    }
    if let Some((relaxation, report)) = relaxed_plan {
        doc.push(Block::Blank);
        doc.push(Block::Lead(format!(
            "The plan with the smallest change ({}): {}{}",
            relaxation_sentence(instance, relaxation),
            objectives_phrase(report),
            super::unproven_note(report.status, report.gap, report.solver_failed)
        )));
        for line in moves_line(instance, &report.moves) {
            doc.push(Block::Detail(line));
        }
    }
    if let Some(closest) = closest.as_ref().filter(|c| !c.missed.is_empty()) {
        doc.push(Block::Blank);
        for line in closest_lines(instance, closest) {
            doc.push(match line.strip_prefix("  ") {
                Some(detail) => Block::Detail(detail.to_owned()),
                None => Block::Lead(super::capitalise(&line)),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::{diagnose, Change, Infeasibility, Unsettled};
    use crate::model::{parse_model, validate, Overrides};
    use crate::report::Status;
    use crate::solve::SolveOptions;
    use serde_json::Value;

    /// A model from `tests/fixtures`, given its text.
    fn fixture(name: &str, source: &str) -> crate::model::Model {
        let raw = parse_model(source, name).expect("the fixture parses");
        validate(&raw, name).expect("the fixture is valid").model
    }

    /// The tiny infeasible fixture's diagnosis, with its relaxed and
    /// closest plans marked as the time limit would leave them.
    fn unproven(gap: Option<f64>) -> (crate::model::Model, Box<Infeasibility>) {
        let model = fixture(
            "tiny_infeasible.json",
            include_str!("../../../tests/fixtures/tiny_infeasible.json"),
        );
        let instance = Instance::new(&model, &Overrides::default()).expect("an instance");
        let Ok(Diagnosis::Infeasible(mut found)) = diagnose(&instance, &SolveOptions::default(), 1)
        else {
            panic!("the fixture has no plan");
        };
        let (_, relaxed) = found.relaxed_plan.as_mut().expect("a relaxed plan");
        relaxed.status = Status::Feasible;
        relaxed.gap = gap;
        let closest = found.closest.as_mut().expect("a closest plan");
        closest.report.status = Status::Feasible;
        closest.report.gap = gap;
        (model, found)
    }

    #[test]
    fn unproven_plans_say_so_with_their_gap() {
        let (model, found) = unproven(Some(0.25));
        let instance = Instance::new(&model, &Overrides::default()).expect("an instance");
        let diagnosis = Diagnosis::Infeasible(found);
        let note = "(the best found within the limit, not proven optimal: gap 25%)";
        let out = text(&instance, &diagnosis);
        let relaxed = out
            .lines()
            .find(|l| l.starts_with("The plan with the smallest change"))
            .expect("a relaxed plan line");
        assert!(relaxed.ends_with(note), "{out}");
        let closest = out
            .lines()
            .find(|l| l.starts_with("The closest plan"))
            .expect("a closest plan line");
        assert!(closest.contains(note), "{out}");
        let value: Value = serde_json::from_str(&json(&instance, &diagnosis)).expect("JSON");
        for part in ["relaxed_plan", "closest"] {
            assert_eq!(value[part]["status"], "feasible", "{value}");
            assert_eq!(value[part]["gap"], 0.25, "{value}");
        }
    }

    /// A binding whose comparison ran out of time is not told as one that
    /// gains nothing.
    #[test]
    fn an_unsettled_binding_is_not_told_as_no_gain() {
        let model = fixture(
            "tiny.json",
            include_str!("../../../tests/fixtures/tiny.json"),
        );
        let instance = Instance::new(&model, &Overrides::default()).expect("an instance");
        let Ok(Diagnosis::Feasible {
            report,
            mut binding,
            ..
        }) = diagnose(&instance, &SolveOptions::default(), 1)
        else {
            panic!("the fixture has a plan");
        };
        assert!(binding.iter().all(|b| b.settled));
        binding[0].settled = false;
        binding[0].without = None;
        let diagnosis = Diagnosis::Feasible {
            report,
            binding,
            numerical_failures: 0,
        };
        let out = text(&instance, &diagnosis);
        assert!(
            out.contains("what dropping it would buy was not settled within the limit"),
            "{out}"
        );
        let value: Value = serde_json::from_str(&json(&instance, &diagnosis)).expect("JSON");
        assert_eq!(value["cut_short"], true, "{value}");
        assert_eq!(value["binding"][0]["settled"], false, "{value}");
    }

    #[test]
    fn an_unproven_plan_without_a_gap_still_says_so() {
        let (model, found) = unproven(None);
        let instance = Instance::new(&model, &Overrides::default()).expect("an instance");
        let out = text(&instance, &Diagnosis::Infeasible(found));
        assert_eq!(
            out.matches("(the best found within the limit, not proven optimal)")
                .count(),
            2,
            "{out}"
        );
    }

    #[test]
    fn numerical_failures_are_not_told_as_time() {
        let (model, mut found) = unproven(None);
        let instance = Instance::new(&model, &Overrides::default()).expect("an instance");
        found.cut_short = true;
        found.numerical_failures = 3;
        found.timed_out = 0;
        found.relaxations[0].change = Change::Undecided(Unsettled::SolverFailed);
        let diagnosis = Diagnosis::Infeasible(found);
        let out = text(&instance, &diagnosis);
        assert!(
            out.contains("(The solver failed numerically on 3 checks of the diagnosis"),
            "{out}"
        );
        assert!(
            out.contains("the solver failed numerically on its check"),
            "{out}"
        );
        assert!(!out.contains("--time-limit"), "{out}");
        let value: Value = serde_json::from_str(&json(&instance, &diagnosis)).expect("JSON");
        assert_eq!(value["numerical_failures"], 3, "{value}");
        assert_eq!(
            value["relaxations"][0]["change"]["why"], "solver_failed",
            "{value}"
        );
    }

    #[test]
    fn both_causes_are_told_when_both_happened() {
        let (model, mut found) = unproven(None);
        let instance = Instance::new(&model, &Overrides::default()).expect("an instance");
        found.cut_short = true;
        found.numerical_failures = 1;
        found.timed_out = 2;
        let out = text(&instance, &Diagnosis::Infeasible(found));
        assert!(
            out.contains(
                "the solver failed numerically on 1 check and 2 checks ran out of the time allowed"
            ),
            "{out}"
        );
        assert!(out.contains("--time-limit"), "{out}");
    }

    #[test]
    fn a_binding_the_solver_failed_on_says_so() {
        let model = fixture(
            "tiny.json",
            include_str!("../../../tests/fixtures/tiny.json"),
        );
        let instance = Instance::new(&model, &Overrides::default()).expect("an instance");
        let Ok(Diagnosis::Feasible {
            report,
            mut binding,
            ..
        }) = diagnose(&instance, &SolveOptions::default(), 1)
        else {
            panic!("the fixture has a plan");
        };
        binding[0].settled = false;
        binding[0].solver_failed = true;
        binding[0].without = None;
        let diagnosis = Diagnosis::Feasible {
            report,
            binding,
            numerical_failures: 1,
        };
        let out = text(&instance, &diagnosis);
        assert!(
            out.contains(
                "what dropping it would buy was not settled: the solver failed numerically"
            ),
            "{out}"
        );
        assert!(!out.contains("within the limit"), "{out}");
    }
}
