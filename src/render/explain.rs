//! Explanations in words: text, JSON and Markdown renderings of the same
//! [`Explanation`].

use serde::Serialize;

use crate::chance::Probability;
use serde_json::Value;

use super::code;
use super::json::{num, to_json};
use super::words;
use crate::explain::{Explanation, MoveExplanation, Via, WhyNotEarlier};
use crate::model::Instance;
use crate::numbers::fmt_num;
use crate::report::{PlanReport, Status};

/// The sentence saying why a move does not start a round earlier.
fn reason_lines(instance: &Instance, m: &MoveExplanation, report: &PlanReport) -> Vec<String> {
    let unit = &instance.model.round_unit;
    match &m.why_not_earlier {
        WhyNotEarlier::FirstPossible { first } => {
            vec![format!("it starts in {unit} {first}, the first it may")]
        }
        WhyNotEarlier::Breaks(violations) => violations
            .iter()
            .map(|v| words::violation(instance, v))
            .collect(),
        WhyNotEarlier::LessReliable { chance, level } => vec![format!(
            "nothing breaks, but the plan would work only {} of the time, short of the {} asked",
            super::chance::percent(chance.value),
            super::chance::percent(*level)
        )],
        WhyNotEarlier::Objective { earlier } => {
            let scores: Vec<String> = earlier
                .iter()
                .zip(&report.objectives)
                .filter(|(e, now)| (e.value - now.value).abs() > 1e-9)
                .map(|(e, now)| {
                    format!(
                        "{} {} instead of {}",
                        e.name,
                        fmt_num(e.value),
                        fmt_num(now.value)
                    )
                })
                .collect();
            // Only the solver's proven optimum was placed by the objective.
            match (report.status == Status::Optimal, scores.is_empty()) {
                (true, true) => vec!["nothing breaks: the objective placed it here".to_owned()],
                (true, false) => vec![format!(
                    "nothing breaks, but the plan would score {}: the objective placed it here",
                    scores.join(", ")
                )],
                (false, true) => vec![
                    "nothing breaks, and this plan is not proven optimal: an earlier start is not ruled out"
                        .to_owned(),
                ],
                (false, false) => vec![format!(
                    "nothing breaks, and this plan is not proven optimal: an earlier start is not ruled out (the plan would score {})",
                    scores.join(", ")
                )],
            }
        }
    }
}

fn unlock_phrase(instance: &Instance, m: &MoveExplanation) -> Vec<String> {
    let model = instance.model;
    let unit = &model.round_unit;
    m.unlocks
        .iter()
        .map(|u| {
            let how: Vec<String> = u
                .via
                .iter()
                .map(|via| match *via {
                    Via::Requires { .. } => "requires it".to_owned(),
                    Via::NotBefore { red_line } => {
                        format!(
                            "red line {} waits for it",
                            code(&model.red_lines[red_line].id)
                        )
                    }
                    Via::Meter { meter } => format!("needs {}", model.meters[meter].id),
                })
                .collect();
            format!(
                "{} ({unit} {}: {})",
                model.actions[u.action].id,
                u.round,
                how.join(", ")
            )
        })
        .collect()
}

fn partner_list(instance: &Instance, m: &MoveExplanation) -> String {
    m.moved_with
        .iter()
        .map(|&a| code(&instance.model.actions[a].id))
        .collect::<Vec<_>>()
        .join(", ")
}

fn heading(instance: &Instance) -> String {
    let scenario = instance
        .scenario_id()
        .map_or("base scenario".to_owned(), |s| {
            format!("scenario {}", code(s))
        });
    format!(
        "Why each move is in its {}: {} ({scenario})",
        instance.model.round_unit, instance.model.name
    )
}

/// The explanation as text, ending with a newline.
pub fn text(instance: &Instance, report: &PlanReport, explanation: &Explanation) -> String {
    let model = instance.model;
    let unit = &model.round_unit;
    let mut out = format!("{}\n", heading(instance));
    if let Some(note) = unproven_note(report) {
        out.push_str(&format!("{note}\n"));
    }
    for m in &explanation.moves {
        let action = &model.actions[m.action];
        out.push_str(&format!(
            "\n{unit} {}: {} ({})\n",
            m.round, action.id, model.parties[action.by].id
        ));
        let reasons = reason_lines(instance, m, report);
        let label = match m.why_not_earlier {
            WhyNotEarlier::FirstPossible { .. } => "  earlier: ".to_owned(),
            _ => format!("  not in {unit} {}: ", m.round - 1),
        };
        if !m.moved_with.is_empty()
            && !matches!(m.why_not_earlier, WhyNotEarlier::FirstPossible { .. })
        {
            out.push_str(&format!(
                "  (it starts together with {}, so they move as one)\n",
                partner_list(instance, m)
            ));
        }
        for (i, reason) in reasons.iter().enumerate() {
            let lead = if i == 0 {
                label.clone()
            } else {
                " ".repeat(label.chars().count())
            };
            out.push_str(&format!("{lead}{reason}\n"));
        }
        let unlocks = unlock_phrase(instance, m);
        if !unlocks.is_empty() {
            out.push_str(&format!("  unlocks: {}\n", unlocks.join("; ")));
        }
        if let Some(line) = insurance_line(report, m) {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out
}

/// For a move that buys reliability in a plan chosen to hold with a
/// stated probability: the plan's chance without it.
fn insurance(report: &PlanReport, m: &MoveExplanation) -> Option<Probability> {
    report
        .reliability
        .as_ref()?
        .insurance
        .iter()
        .find(|i| i.at.action == m.action && i.at.round == m.round)
        .map(|i| i.without)
}

/// "buys reliability: …" for a move that does.
fn insurance_line(report: &PlanReport, m: &MoveExplanation) -> Option<String> {
    let without = insurance(report, m)?;
    let with = report
        .odds
        .as_ref()
        .map(|odds| format!(" instead of {}", super::chance::percent(odds.all.value)))
        .unwrap_or_default();
    Some(format!(
        "buys reliability: in case another use fails; without it the plan works {}{with}",
        super::chance::percent(without.value)
    ))
}

/// For a plan not proven optimal, a sentence saying that its placements
/// are not settled.
fn unproven_note(report: &PlanReport) -> Option<String> {
    if report.status == Status::Optimal {
        return None;
    }
    let gap = report
        .gap
        .map(|g| format!(" (gap {}%)", fmt_num(g * 100.0)))
        .unwrap_or_default();
    Some(format!(
        "This plan is the best found {}, not proven optimal{gap}: where nothing stops a move from starting earlier, the optimum may place it elsewhere.",
        super::found_when(report.solver_failed)
    ))
}

/// The explanation as a Markdown table, ending with a newline.
pub fn markdown(instance: &Instance, report: &PlanReport, explanation: &Explanation) -> String {
    let model = instance.model;
    let unit = super::capitalise(&model.round_unit);
    let note = unproven_note(report)
        .map(|n| format!("{}\n\n", escape_cell(&n)))
        .unwrap_or_default();
    let mut out = format!(
        "### {}\n\n{note}| {} | Move | Party | Why not earlier | Unlocks |\n|---:|---|---|---|---|\n",
        crate::escape::markdown_keeping_code(&heading(instance)),
        escape_cell(&unit)
    );
    for m in &explanation.moves {
        let action = &model.actions[m.action];
        let cell = |items: Vec<String>| {
            items
                .iter()
                .map(|s| crate::escape::markdown_keeping_code(s))
                .collect::<Vec<_>>()
                .join("<br>")
        };
        out.push_str(&format!(
            "| {} | `{}` | {} | {} | {} |\n",
            m.round,
            action.id,
            escape_cell(&model.parties[action.by].name),
            cell(with_partners(
                instance,
                m,
                reason_lines(instance, m, report)
            )),
            cell(
                unlock_phrase(instance, m)
                    .into_iter()
                    .chain(insurance_line(report, m))
                    .collect()
            ),
        ));
    }
    out
}

fn with_partners(instance: &Instance, m: &MoveExplanation, mut lines: Vec<String>) -> Vec<String> {
    if !m.moved_with.is_empty() && !matches!(m.why_not_earlier, WhyNotEarlier::FirstPossible { .. })
    {
        lines.insert(0, format!("(moves with {})", partner_list(instance, m)));
    }
    lines
}

/// Makes text safe inside Markdown (a table cell, a heading, a line): see
/// [`crate::escape::markdown`].
pub fn escape_cell(text: &str) -> String {
    crate::escape::markdown(text)
}

#[derive(Serialize)]
struct ExplanationJson<'a> {
    seqplan: u32,
    model: &'a str,
    scenario: Option<&'a str>,
    /// `optimal`, or `feasible` for the best plan found within the limit.
    status: &'static str,
    gap: Value,
    moves: Vec<MoveJson<'a>>,
}

#[derive(Serialize)]
struct MoveJson<'a> {
    action: &'a str,
    party: &'a str,
    round: u32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    moved_with: Vec<&'a str>,
    earlier: EarlierJson,
    unlocks: Vec<UnlockJson<'a>>,
    /// In a plan chosen to hold with a stated probability, for a move that
    /// buys reliability: the plan's chance without it.
    #[serde(skip_serializing_if = "Option::is_none")]
    without_it: Option<Value>,
}

#[derive(Serialize)]
struct EarlierJson {
    /// `first_possible`, `breaks` or `objective`.
    kind: &'static str,
    reasons: Vec<ReasonJson>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    objectives: Vec<ObjectiveJson>,
}

#[derive(Serialize)]
struct ReasonJson {
    round: Option<u32>,
    rule: &'static str,
    message: String,
}

#[derive(Serialize)]
struct ObjectiveJson {
    name: &'static str,
    value: Value,
}

#[derive(Serialize)]
struct UnlockJson<'a> {
    action: &'a str,
    round: u32,
    via: Vec<ViaJson<'a>>,
}

#[derive(Serialize)]
struct ViaJson<'a> {
    /// `requires`, `not_before` or `meter`.
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    meter: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    red_line: Option<&'a str>,
}

fn via_json<'a>(instance: &'a Instance, via: &Via) -> ViaJson<'a> {
    let model = instance.model;
    match *via {
        Via::Requires { .. } => ViaJson {
            kind: "requires",
            meter: None,
            red_line: None,
        },
        Via::NotBefore { red_line } => ViaJson {
            kind: "not_before",
            meter: None,
            red_line: Some(model.red_lines[red_line].id.as_str()),
        },
        Via::Meter { meter } => ViaJson {
            kind: "meter",
            meter: Some(model.meters[meter].id.as_str()),
            red_line: None,
        },
    }
}

/// The explanation as JSON, ending with a newline.
pub fn json(instance: &Instance, report: &PlanReport, explanation: &Explanation) -> String {
    let model = instance.model;
    let moves = explanation
        .moves
        .iter()
        .map(|m| {
            let action = &model.actions[m.action];
            let earlier = match &m.why_not_earlier {
                WhyNotEarlier::FirstPossible { .. } => EarlierJson {
                    kind: "first_possible",
                    reasons: vec![ReasonJson {
                        round: None,
                        rule: "earliest",
                        message: reason_lines(instance, m, report).remove(0),
                    }],
                    objectives: Vec::new(),
                },
                WhyNotEarlier::Breaks(violations) => EarlierJson {
                    kind: "breaks",
                    reasons: violations
                        .iter()
                        .map(|v| ReasonJson {
                            round: Some(v.round),
                            rule: v.kind.rule(),
                            message: words::violation(instance, v),
                        })
                        .collect(),
                    objectives: Vec::new(),
                },
                WhyNotEarlier::LessReliable { .. } => EarlierJson {
                    kind: "reliability",
                    reasons: vec![ReasonJson {
                        round: None,
                        rule: "reliability",
                        message: reason_lines(instance, m, report).remove(0),
                    }],
                    objectives: Vec::new(),
                },
                WhyNotEarlier::Objective { earlier } => EarlierJson {
                    kind: "objective",
                    reasons: vec![ReasonJson {
                        round: None,
                        rule: "objective",
                        message: reason_lines(instance, m, report).remove(0),
                    }],
                    objectives: earlier
                        .iter()
                        .map(|o| ObjectiveJson {
                            name: o.name,
                            value: num(o.value),
                        })
                        .collect(),
                },
            };
            let unlocks = m
                .unlocks
                .iter()
                .map(|u| UnlockJson {
                    action: &model.actions[u.action].id,
                    round: u.round,
                    via: u.via.iter().map(|via| via_json(instance, via)).collect(),
                })
                .collect();
            MoveJson {
                action: &action.id,
                party: &model.parties[action.by].id,
                round: m.round,
                moved_with: m
                    .moved_with
                    .iter()
                    .map(|&a| model.actions[a].id.as_str())
                    .collect(),
                earlier,
                unlocks,
                without_it: insurance(report, m).map(|p| super::chance::probability_json(&p)),
            }
        })
        .collect();
    to_json(&ExplanationJson {
        seqplan: 1,
        model: &model.name,
        scenario: instance.scenario_id(),
        status: report.status.as_str(),
        gap: report.gap.map_or(Value::Null, num),
        moves,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{parse_model, validate, Overrides};
    use crate::solve::{plan, Outcome, SolveOptions};

    /// "The objective placed it here" is said only of a proven optimum.
    #[test]
    fn the_objective_places_moves_only_in_a_proven_optimum() {
        let source = include_str!("../../tests/fixtures/tiny.json");
        let raw = parse_model(source, "tiny.json").expect("the fixture parses");
        let model = validate(&raw, "tiny.json").expect("valid").model;
        let instance = Instance::new(&model, &Overrides::default()).expect("an instance");
        let Ok(Outcome::Plan(mut report)) = plan(&instance, &SolveOptions::default()) else {
            panic!("the fixture has a plan");
        };
        let first = report.moves.as_slice()[0];
        let mut earlier = report.objectives.clone();
        earlier[0].value += 1.0;
        let m = MoveExplanation {
            action: first.action,
            round: first.round,
            why_not_earlier: WhyNotEarlier::Objective { earlier },
            moved_with: Vec::new(),
            unlocks: Vec::new(),
        };
        let optimal = reason_lines(&instance, &m, &report);
        assert_eq!(optimal.len(), 1);
        assert!(
            optimal[0].ends_with("the objective placed it here"),
            "{optimal:?}"
        );
        report.status = Status::Feasible;
        let unproven = reason_lines(&instance, &m, &report);
        assert!(
            unproven[0].starts_with(
                "nothing breaks, and this plan is not proven optimal: an earlier start is not ruled out (the plan would score "
            ),
            "{unproven:?}"
        );
    }
}
