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
