//! The chance that a plan works, as a section of the plan and the check:
//! one line for the whole plan, then one item per expectation and red
//! line; and as JSON data.

use serde_json::{Map, Value};

use super::code;
use super::doc::{Block, Doc};
use super::json::num;
use super::words;
use crate::chance::{Method, Odds, Probability};
use crate::model::Instance;
use crate::report::Reliability;

/// A probability as a percentage with one decimal; a value short of 1 (or
/// above 0) never reads as 100 % (or 0 %).
pub fn percent(p: f64) -> String {
    let text = format!("{:.1}", p * 100.0);
    let text = text.strip_suffix(".0").unwrap_or(&text).to_owned();
    match text.as_str() {
        "100" if p < 1.0 => ">99.9%".to_owned(),
        "0" if p > 0.0 => "<0.1%".to_owned(),
        _ => format!("{text}%"),
    }
}

/// A probability, with its interval when it is an estimate.
fn shown(p: &Probability) -> String {
    if p.exact {
        percent(p.value)
    } else {
        format!(
            "{} ({} to {})",
            percent(p.value),
            percent(p.low),
            percent(p.high)
        )
    }
}

/// How the chance was found, for people.
fn method(odds: &Odds) -> String {
    match odds.method {
        Method::Exact { outcomes: 0 } => {
            "exact: nothing this plan does is left to chance".to_owned()
        }
        Method::Exact { outcomes } => format!(
            "exact, over every combination of {} that may go either way",
            words::count(outcomes as u64, "outcome", "outcomes")
        ),
        Method::Sampled { samples, seed } => format!(
            "estimated from {} sampled futures (seed {seed}), with 95% intervals",
            words::thousands(u64::from(samples))
        ),
        Method::Broken => "not rated: the plan breaks a rule as written".to_owned(),
    }
}

/// The section as blocks: a lead line, then one item per expectation and
/// red line.
pub fn blocks(instance: &Instance, odds: &Odds) -> Doc {
    let model = instance.model;
    let unit = &model.round_unit;
    let mut doc = Doc::default();
    doc.push(Block::Lead(format!(
        "Chance the plan works: {} ({})",
        shown(&odds.all),
        method(odds)
    )));
    for ((e, p), by) in model
        .expectations
        .iter()
        .zip(&odds.expectations)
        .zip(&instance.by)
    {
        doc.push(Block::Item(format!(
            "expectation {} met by {unit} {by}: {}",
            code(&e.id),
            shown(p)
        )));
    }
    // The red lines no future crosses share one item, after the others.
    let (certain, uncertain): (Vec<_>, Vec<_>) = model
        .red_lines
        .iter()
        .zip(&odds.red_lines)
        .partition(|(_, p)| p.exact && p.value >= 1.0);
    for (line, p) in &uncertain {
        doc.push(Block::Item(format!(
            "red line {} kept: {}",
            code(&line.id),
            shown(p)
        )));
    }
    match certain.as_slice() {
        [] => {}
        [(line, p)] => doc.push(Block::Item(format!(
            "red line {} kept: {}",
            code(&line.id),
            shown(p)
        ))),
        lines => {
            let ids: Vec<String> = lines.iter().map(|(line, _)| code(&line.id)).collect();
            doc.push(Block::Item(format!(
                "red lines {} kept: 100%",
                ids.join(", ")
            )));
        }
    }
    doc
}

/// A plan chosen to hold with a stated probability: what was asked, how
/// the futures were taken, what the plan does in them, and the moves that
/// buy it.
pub fn reliability_blocks(instance: &Instance, reliability: &Reliability) -> Doc {
    let model = instance.model;
    let asked = &reliability.asked;
    let mut doc = Doc::default();
    let level = percent(asked.level);
    if reliability.exact {
        doc.push(Block::Lead(format!(
            "Reliability asked: {level} (--reliability {}), over every combination of {} that may go either way, and every move succeeding",
            num(asked.level),
            words::count(u64::from(reliability.count), "outcome", "outcomes")
        )));
        doc.push(Block::Item(format!(
            "the plan works {} of the time, as above",
            percent(reliability.works_in)
        )));
    } else {
        doc.push(Block::Lead(format!(
            "Reliability asked: {level} (--reliability {}), in at least {} of {} drawn (seed {}), and every move succeeding",
            num(asked.level),
            num(reliability.required),
            words::count(u64::from(reliability.count), "future", "futures"),
            asked.seed
        )));
        doc.push(Block::Item(format!(
            "the plan works in {} of them; the chance above is from other futures",
            reliability.works_in
        )));
    }
    for insurance in &reliability.insurance {
        doc.push(Block::Item(format!(
            "{} in {} {} buys reliability: without it, the plan works {}",
            code(&model.actions[insurance.at.action].id),
            model.round_unit,
            insurance.at.round,
            shown(&insurance.without)
        )));
    }
    doc
}

/// A plan's reliability as JSON: `asked`, how the futures were taken
/// (`exact`, with `outcomes`, or `futures` and `seed`), `works_in` (the
/// probability, or the count of futures), and per move that buys it, the
/// chance without it.
pub fn reliability_json(instance: &Instance, reliability: &Reliability) -> Value {
    let model = instance.model;
    let asked = &reliability.asked;
    let mut out = Map::new();
    out.insert("asked".into(), num(asked.level));
    out.insert("exact".into(), reliability.exact.into());
    if reliability.exact {
        out.insert("outcomes".into(), reliability.count.into());
    } else {
        out.insert("futures".into(), reliability.count.into());
        out.insert("seed".into(), asked.seed.into());
        out.insert("required".into(), num(reliability.required));
    }
    out.insert("works_in".into(), num(reliability.works_in));
    let insurance: Vec<Value> = reliability
        .insurance
        .iter()
        .map(|i| {
            serde_json::json!({
                "action": model.actions[i.at.action].id,
                "round": i.at.round,
                "without": probability_json(&i.without),
            })
        })
        .collect();
    out.insert("insurance".into(), insurance.into());
    Value::Object(out)
}

/// A probability as JSON: `value`, `low`, `high`, `exact`.
pub fn probability_json(p: &Probability) -> Value {
    let mut out = Map::new();
    out.insert("value".into(), num(p.value));
    out.insert("low".into(), num(p.low));
    out.insert("high".into(), num(p.high));
    out.insert("exact".into(), p.exact.into());
    Value::Object(out)
}

/// The whole plan's probability as JSON, with how it was found: `method`
/// (`exact`, `sampled` or `broken`), and `outcomes` or `samples` and `seed`.
pub fn success_json(odds: &Odds) -> Value {
    let mut out = match probability_json(&odds.all) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    match odds.method {
        Method::Exact { outcomes } => {
            out.insert("method".into(), "exact".into());
            out.insert("outcomes".into(), outcomes.into());
        }
        Method::Sampled { samples, seed } => {
            out.insert("method".into(), "sampled".into());
            out.insert("samples".into(), samples.into());
            out.insert("seed".into(), seed.into());
        }
        Method::Broken => {
            out.insert("method".into(), "broken".into());
        }
    }
    Value::Object(out)
}

/// Why `--reliability` found no plan, in a sentence.
pub fn unreached(found: &crate::solve::Reliable, level: f64) -> String {
    let asked = format!(
        "a chance of {} (--reliability {})",
        percent(level),
        num(level)
    );
    match found {
        crate::solve::Reliable::Unreachable { most, exact } => {
            let most = match (most, exact) {
                (Some(most), true) => format!("; the most any plan reaches is {}", percent(*most)),
                (Some(most), false) => format!(
                    "; the most any plan reaches on the futures drawn is {}",
                    percent(*most)
                ),
                (None, _) => String::new(),
            };
            format!("no plan reaches {asked} and works when every move succeeds{most}")
        }
        crate::solve::Reliable::NoneHeld { drawn } => format!(
            "no plan found that reaches {asked} on fresh futures: those that did on the {drawn} drawn fell short on others (draw more with --futures)"
        ),
        crate::solve::Reliable::Plan(_) | crate::solve::Reliable::Unknown => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::percent;

    #[test]
    fn percentages_never_round_to_certainty() {
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(0.9996), ">99.9%");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(0.0004), "<0.1%");
        assert_eq!(percent(0.729), "72.9%");
        assert_eq!(percent(0.5), "50%");
    }
}
