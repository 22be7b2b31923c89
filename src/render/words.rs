//! The wording of simulator findings, shared by every text-like renderer.

use super::code;
use crate::model::Instance;
use crate::numbers::fmt_num;
use crate::simulate::{Violation, ViolationKind};

/// "month 3", "round 3": a round in the model's unit.
pub fn round(instance: &Instance, round: u32) -> String {
    format!("{} {round}", instance.model.round_unit)
}

/// When a prerequisite of a move in `round` must have completed.
fn completed_by(unit: &str, round: u32, lag: u32) -> String {
    match lag {
        0 => format!("by the same {unit}"),
        1 => format!("in an earlier {unit}"),
        k => format!(
            "at least {k} {unit}s earlier (by {unit} {})",
            i64::from(round) - i64::from(k)
        ),
    }
}

/// One sentence describing a broken rule, naming the model's ids.
pub fn violation(instance: &Instance, v: &Violation) -> String {
    let model = instance.model;
    let action = |a: usize| code(&model.actions[a].id);
    let line = |r: usize| code(&model.red_lines[r].id);
    let when = round(instance, v.round);
    let unit = &model.round_unit;
    let text = match &v.kind {
        ViolationKind::OutsideHorizon { action: a } => {
            format!(
                "{} starts outside rounds 1..{} and has no effect",
                action(*a),
                instance.horizon
            )
        }
        ViolationKind::BeforeEarliest {
            action: a,
            earliest,
        } => {
            format!(
                "{} starts before its earliest {unit} {earliest}",
                action(*a)
            )
        }
        ViolationKind::AfterLatest { action: a, latest } => {
            format!("{} starts after its latest {unit} {latest}", action(*a))
        }
        ViolationKind::CompletesAfterHorizon {
            action: a,
            completion,
        } => format!(
            "{} would complete in {unit} {completion}, after the horizon ({unit} {})",
            action(*a),
            instance.horizon
        ),
        ViolationKind::TooManyUses { action: a, uses } => {
            format!("{} is started more than its {uses} use(s)", action(*a))
        }
        ViolationKind::Overlap {
            action: a,
            previous,
        } if *previous == v.round => {
            format!("{} cannot start twice in the same {unit}", action(*a))
        }
        ViolationKind::Overlap {
            action: a,
            previous,
        } => format!(
            "{} starts again while its use started in {unit} {previous} is still in progress",
            action(*a)
        ),
        ViolationKind::Forbidden { action: a } => {
            format!("{} is forbidden in this scenario", action(*a))
        }
        ViolationKind::Never {
            action: a,
            red_line,
        } => {
            format!(
                "{} crosses red line {} (never)",
                action(*a),
                line(*red_line)
            )
        }
        ViolationKind::MissingRequirement {
            action: a,
            required,
            lag,
        } => format!(
            "{} requires {} completed {}",
            action(*a),
            action(*required),
            completed_by(unit, v.round, *lag)
        ),
        ViolationKind::NotBefore {
            action: a,
            before,
            lag,
            red_line,
        } => format!(
            "{} crosses red line {}: not before {} has completed {}",
            action(*a),
            line(*red_line),
            action(*before),
            completed_by(unit, v.round, *lag)
        ),
        ViolationKind::ConditionUnmet {
            action: a,
            meter,
            value,
            at_least,
            at_most,
        } => {
            let band = match (at_least, at_most) {
                (Some(lo), Some(hi)) => format!("between {} and {}", fmt_num(*lo), fmt_num(*hi)),
                (Some(lo), None) => format!("≥ {}", fmt_num(*lo)),
                (None, Some(hi)) => format!("≤ {}", fmt_num(*hi)),
                (None, None) => String::new(),
            };
            let when_read = if v.round <= 1 {
                "at the start".to_owned()
            } else {
                format!("after {unit} {}", v.round - 1)
            };
            format!(
                "{} needs {} {band}, but it is {} {when_read}",
                action(*a),
                model.meters[*meter].id,
                fmt_num(*value),
            )
        }
        ViolationKind::TogetherBroken {
            action: a, missing, ..
        } => format!(
            "{} must start together with {}, which does not start in the same {unit}",
            action(*a),
            action(*missing)
        ),
        ViolationKind::MovesPerRound { count, cap } => {
            format!("{count} actions in progress, above limits.moves_per_round {cap}")
        }
        ViolationKind::PerParty { party, count, cap } => format!(
            "{count} actions of {} in progress, above its limit {cap}",
            code(&model.parties[*party].id)
        ),
        ViolationKind::CostCap {
            red_line,
            party,
            cost,
            cap,
        } => format!(
            "{} spends {} in all, crossing red line {} (cost_at_most {})",
            code(&model.parties[*party].id),
            fmt_num(*cost),
            line(*red_line),
            fmt_num(*cap)
        ),
        ViolationKind::MeterCrossed {
            red_line,
            meter,
            until,
            worst,
            worst_round,
            level,
        } => {
            let kind = model.red_lines[*red_line].kind.keyword();
            let meter = &model.meters[*meter].id;
            let crossed = format!("red line {} ({kind} {})", line(*red_line), fmt_num(*level));
            if *until == v.round {
                format!("{meter} = {} crosses {crossed}", fmt_num(*worst))
            } else {
                format!(
                    "{meter} crosses {crossed} through {unit} {until}; worst {} in {unit} {worst_round}",
                    fmt_num(*worst),
                )
            }
        }
        ViolationKind::ExpectationUnmet {
            expectation,
            met_round,
        } => {
            let e = &model.expectations[*expectation];
            match met_round {
                Some(r) => format!(
                    "expectation {} is met only from {unit} {r}, after its deadline",
                    code(&e.id)
                ),
                None => format!("expectation {} is not met", code(&e.id)),
            }
        }
    };
    format!("{when}: {text}")
}

/// "1 month", "3 months": a count with its noun in the right number.
pub fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A whole number with commas between thousands: "10,000".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count of rounds in the model's unit: "1 month", "2 months".
pub fn rounds(n: impl Into<u64>, unit: &str) -> String {
    count(n, unit, &format!("{unit}s"))
}

/// "trust ≥ 2", "backlash ≤ 3", "1 ≤ trust ≤ 3": what a meter
/// expectation asks of its meter.
pub fn band(
    model: &crate::model::Model,
    meter: crate::model::MeterIdx,
    band: &crate::model::Band,
) -> String {
    let id = &model.meters[meter].id;
    match (band.at_least, band.at_most) {
        (Some(low), Some(high)) => format!("{} ≤ {id} ≤ {}", fmt_num(low), fmt_num(high)),
        (Some(low), None) => format!("{id} ≥ {}", fmt_num(low)),
        (None, Some(high)) => format!("{id} ≤ {}", fmt_num(high)),
        (None, None) => id.clone(),
    }
}

/// "trust never below 1": a meter red line as a rule.
pub fn meter_rule(
    model: &crate::model::Model,
    kind: &crate::model::RedLineKind,
    meter: crate::model::MeterIdx,
    level: f64,
) -> String {
    let side = match kind {
        crate::model::RedLineKind::NeverAbove { .. } => "above",
        _ => "below",
    };
    format!("{} never {side} {}", model.meters[meter].id, fmt_num(level))
}
