//! A robust plan: one sequence for several scenarios, shown as a
//! comparison of its scenarios, with the scenarios that bind.

use serde_json::Value;

use super::doc::{Block, Doc};
use super::json::num;
use crate::compare::Comparison;
use crate::numbers::fmt_num;
use crate::report::RobustReport;

/// What binds, in words: one line per binding scenario.
fn binding_lines(report: &RobustReport, scenarios: &[String]) -> Vec<String> {
    report
        .binding
        .iter()
        .map(|b| {
            let changes: Vec<String> = b
                .without
                .iter()
                .zip(&report.objectives)
                .filter(|(w, now)| (w.value - now.value).abs() > 1e-9)
                .map(|(w, now)| {
                    format!(
                        "{} {} instead of {}",
                        w.name,
                        fmt_num(w.value),
                        fmt_num(now.value)
                    )
                })
                .collect();
            format!(
                "{} binds: without it, {}",
                super::code(&scenarios[b.scenario]),
                changes.join(", ")
            )
        })
        .collect()
}

/// The robust plan as text, ending with a newline.
pub fn text(comparison: &Comparison, report: &RobustReport, scenarios: &[String]) -> String {
    doc(comparison, report, scenarios).text()
}

/// The robust plan as a Markdown handout, ending with a newline.
pub fn markdown(comparison: &Comparison, report: &RobustReport, scenarios: &[String]) -> String {
    doc(comparison, report, scenarios).markdown()
}

/// The robust plan as blocks: what it achieves over the scenarios, the
/// scenarios that bind, then the scenarios side by side.
fn doc(comparison: &Comparison, report: &RobustReport, scenarios: &[String]) -> Doc {
    let objectives: Vec<String> = report
        .objectives
        .iter()
        .map(|o| format!("{} {}", o.name, fmt_num(o.value)))
        .collect();
    let unproven = super::unproven_note(report.status, report.gap, report.solver_failed);
    let mut intro = vec![
        format!(
            "One plan for {} scenarios ({}): the same moves meet every expectation and cross no red line in each.",
            scenarios.len(),
            scenarios.join(", ")
        ),
        format!(
            "objectives over all scenarios: {}{unproven}",
            objectives.join(", ")
        ),
    ];
    let lines = binding_lines(report, scenarios);
    match (lines.is_empty(), report.binding_settled) {
        (true, true) => intro.push(
            "No single scenario binds: dropping any one of them would not improve the plan.".into(),
        ),
        (true, false) => intro.push(
            "Whether dropping a scenario would improve the plan was not settled within the limit."
                .into(),
        ),
        (false, _) => {}
    }
    let binding_any = !lines.is_empty();
    intro.extend(lines);
    if binding_any && !report.binding_settled {
        intro
            .push("(Not every scenario was settled within the limit: others may bind too.)".into());
    }
    let mut doc = Doc::default();
    doc.push(Block::Lines(intro));
    doc.push(Block::Blank);
    doc.push(Block::Table {
        text: super::compare::table(comparison),
        markdown: super::compare::markdown(comparison),
    });
    doc
}

/// The robust plan as JSON, ending with a newline.
pub fn json(comparison: &Comparison, report: &RobustReport, scenarios: &[String]) -> String {
    let mut value = super::compare::json_value(comparison);
    if let Value::Object(map) = &mut value {
        map.insert("robust".into(), true.into());
        map.insert("status".into(), report.status.as_str().into());
        let objectives: Vec<Value> = report
            .objectives
            .iter()
            .map(|o| serde_json::json!({"name": o.name, "value": num(o.value)}))
            .collect();
        map.insert("objectives".into(), objectives.into());
        let moves: Vec<Value> = comparison
            .columns
            .first()
            .and_then(|c| match &c.result {
                crate::compare::ColumnResult::Plan(p) => Some(
                    p.rounds
                        .iter()
                        .enumerate()
                        .flat_map(|(i, cell)| cell.iter().map(move |m| serde_json::json!({"action": m.action, "round": i + 1, "party": m.party})))
                        .collect(),
                ),
                crate::compare::ColumnResult::NoPlan { .. } => None,
            })
            .unwrap_or_default();
        map.insert("moves".into(), moves.into());
        let binding: Vec<Value> = report
            .binding
            .iter()
            .map(|b| {
                let without: Vec<Value> = b
                    .without
                    .iter()
                    .map(|o| serde_json::json!({"name": o.name, "value": num(o.value)}))
                    .collect();
                serde_json::json!({"scenario": scenarios[b.scenario], "without": without})
            })
            .collect();
        map.insert("binding".into(), binding.into());
        map.insert("binding_settled".into(), report.binding_settled.into());
    }
    super::json::to_json(&value)
}

/// Why no plan holds in every scenario, in a sentence per collision:
/// the scenarios with no plan of their own, then the pairs that share
/// none.
pub fn conflict_lines(
    conflict: &crate::solve::RobustConflict,
    scenarios: &[String],
    model_path: &str,
) -> Vec<String> {
    let name = |i: usize| super::code(&scenarios[i]);
    let mut lines: Vec<String> = conflict
        .alone
        .iter()
        .map(|&i| {
            let command = if scenarios[i] == "base" {
                format!("seqplan diagnose {model_path}")
            } else {
                format!("seqplan diagnose {model_path} --scenario {}", scenarios[i])
            };
            format!(
                "{} has no plan even on its own ({} says why)",
                name(i),
                super::code(&command)
            )
        })
        .chain(
            conflict
                .pairs
                .iter()
                .map(|&(i, j)| format!("{} and {} share no plan", name(i), name(j))),
        )
        .collect();
    if lines.is_empty() && conflict.settled {
        lines.push(format!(
            "every scenario has a plan and every two share one: only all {} together collide",
            scenarios.len()
        ));
    }
    if !conflict.settled {
        lines.push(
            "(some checks ran out of time or effort: more scenarios may collide than are listed)"
                .to_owned(),
        );
    }
    lines
}

/// The collisions as JSON: `{"alone": [...], "pairs": [[a, b], ...],
/// "settled": bool}`, by scenario id (`base` for the base model).
pub fn conflict_json(conflict: &crate::solve::RobustConflict, scenarios: &[String]) -> Value {
    serde_json::json!({
        "alone": conflict.alone.iter().map(|&i| &scenarios[i]).collect::<Vec<_>>(),
        "pairs": conflict
            .pairs
            .iter()
            .map(|&(i, j)| vec![&scenarios[i], &scenarios[j]])
            .collect::<Vec<_>>(),
        "settled": conflict.settled,
    })
}

/// The answer when no plan holds in every scenario, in `format`: the
/// sentence `head` and one item per collision (`lines`); `None` for text,
/// where it goes to stderr alone.
pub fn no_robust_plan(
    instance: &crate::model::Instance,
    head: &str,
    lines: &[String],
    conflict_value: Value,
    format: super::Format,
) -> Option<String> {
    use super::Format;
    let status = crate::report::Status::Infeasible;
    let sentence = || {
        let items: Vec<String> = lines.iter().map(|l| format!("  - {l}")).collect();
        format!("{head}:\n{}", items.join("\n"))
    };
    let markdown = || {
        let escape = crate::escape::markdown_keeping_code;
        let items: Vec<String> = lines.iter().map(|l| format!("- {}", escape(l))).collect();
        format!("**{}:**\n\n{}\n", escape(head), items.join("\n"))
    };
    let text = match format {
        Format::Text => return None,
        Format::Json => {
            let message = super::plain(&sentence());
            let mut value = super::json::no_plan(instance, status, &message);
            value.insert("conflict".into(), conflict_value);
            super::json::to_json(&value)
        }
        Format::Svg => super::svg::no_plan(instance, &sentence()),
        Format::Markdown => markdown(),
        Format::Html => super::html::page(&instance.model.name, &[], &markdown()),
    };
    Some(super::finish(&text, format))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Moves;
    use crate::report::{ObjectiveValue, Status};

    fn report(status: Status, binding_settled: bool) -> RobustReport {
        RobustReport {
            status,
            objectives: vec![ObjectiveValue {
                name: "earliest",
                value: 3.0,
            }],
            gap: (status == Status::Feasible).then_some(0.25),
            moves: Moves::new(Vec::new()),
            evaluations: Vec::new(),
            solver_failed: false,
            binding: Vec::new(),
            binding_settled,
        }
    }

    /// "No single scenario binds" only when every scenario was settled.
    #[test]
    fn unsettled_scenarios_are_not_told_as_not_binding() {
        let comparison = crate::compare::compare(&[]);
        let scenarios = ["base".to_owned(), "shock".to_owned()];
        let settled = text(&comparison, &report(Status::Optimal, true), &scenarios);
        assert!(settled.contains("No single scenario binds"), "{settled}");
        let unsettled = text(&comparison, &report(Status::Feasible, false), &scenarios);
        assert!(
            !unsettled.contains("No single scenario binds"),
            "{unsettled}"
        );
        assert!(
            unsettled.contains(
                "earliest 3 (the best found within the limit, not proven optimal: gap 25%)"
            ),
            "{unsettled}"
        );
        assert!(
            unsettled
                .contains("Whether dropping a scenario would improve the plan was not settled"),
            "{unsettled}"
        );
    }

    /// Collisions in words: alone first, then pairs; with none, that only
    /// all together collide; and a note when some check was not decided.
    #[test]
    fn conflict_lines_name_every_collision() {
        use crate::solve::RobustConflict;
        let names: Vec<String> = ["base", "ban", "attack"].map(String::from).to_vec();
        let plain = |c: &RobustConflict| -> Vec<String> {
            conflict_lines(c, &names, "m.json")
                .iter()
                .map(|l| crate::render::plain(l))
                .collect()
        };
        let found = RobustConflict {
            alone: vec![1],
            pairs: vec![(0, 2)],
            settled: true,
        };
        assert_eq!(
            plain(&found),
            [
                "`ban` has no plan even on its own (`seqplan diagnose m.json --scenario ban` says why)",
                "`base` and `attack` share no plan"
            ]
        );
        let only_all = RobustConflict {
            alone: vec![],
            pairs: vec![],
            settled: true,
        };
        assert_eq!(
            plain(&only_all),
            ["every scenario has a plan and every two share one: only all 3 together collide"]
        );
        let unsettled = RobustConflict {
            settled: false,
            ..only_all
        };
        assert_eq!(plain(&unsettled).len(), 1);
        assert!(plain(&unsettled)[0].contains("more scenarios may collide"));
    }
}
