//! The rules on what a plan must achieve: expectations, red lines, limits
//! and objective levels.

use crate::error::did_you_mean;
use crate::model::raw::{RawExpectation, RawLimits, RawObjective, RawRedLine};
use crate::model::{
    Band, Expectation, ExpectationKind, Limits, MeterIdx, Objective, PartyIdx, RedLine, RedLineKind,
};

use super::{Checker, Ids, Refs};

impl Checker {
    pub(super) fn expectation(
        &mut self,
        raw: &RawExpectation,
        i: usize,
        horizon: u32,
        refs: &Refs,
    ) -> Expectation {
        let path = format!("expectations[{i}]");
        let level = raw.at_least.is_some() || raw.at_most.is_some();
        let kind = match (&raw.action, &raw.meter, level) {
            (Some(action), None, false) => ExpectationKind::Action(self.resolve(
                refs.actions,
                action,
                &format!("{path}.action"),
            )),
            (None, Some(meter), true) => {
                if let (Some(lo), Some(hi)) = (raw.at_least, raw.at_most) {
                    if lo > hi {
                        self.error(
                            &path,
                            format!("empty band: at_least {lo} is above at_most {hi}"),
                        );
                    }
                }
                ExpectationKind::Meter {
                    meter: self.resolve(refs.meters, meter, &format!("{path}.meter")),
                    band: Band {
                        at_least: raw.at_least,
                        at_most: raw.at_most,
                    },
                }
            }
            (None, Some(_), false) => {
                self.error(
                    &path,
                    "an expectation on a meter needs `at_least` (a floor to sustain), `at_most` (a ceiling to keep under) or both",
                );
                ExpectationKind::Action(0)
            }
            (Some(_), None, true) => {
                let field = if raw.at_least.is_some() {
                    "at_least"
                } else {
                    "at_most"
                };
                self.error(
                    format!("{path}.{field}"),
                    format!(
                        "`{field}` goes with `meter`; an expectation on an action takes no level"
                    ),
                );
                ExpectationKind::Action(0)
            }
            (Some(_), _, _) => {
                self.error(
                    &path,
                    "an expectation names either `action` or `meter` (with `at_least`, `at_most` or both), not both",
                );
                ExpectationKind::Action(0)
            }
            (None, None, _) => {
                self.error(
                    &path,
                    "an expectation needs `action`, or `meter` with `at_least`, `at_most` or both",
                );
                ExpectationKind::Action(0)
            }
        };
        if let Some(by) = raw.by {
            self.round_in(by, horizon, &format!("{path}.by"));
        }
        let weight = raw.weight.unwrap_or(1.0);
        if weight <= 0.0 {
            self.error(
                format!("{path}.weight"),
                format!("weight {weight} must be above 0"),
            );
        }
        Expectation {
            id: raw.id.clone(),
            name: raw.name.clone().unwrap_or_else(|| raw.id.clone()),
            kind,
            by: raw.by,
            weight,
        }
    }

    pub(super) fn red_line(&mut self, raw: &RawRedLine, i: usize, refs: &Refs) -> RedLine {
        let path = format!("red_lines[{i}]");
        let owner = raw
            .owner
            .as_ref()
            .map(|o| self.resolve(refs.parties, o, &format!("{path}.owner")));
        let kinds: Vec<&str> = [
            ("never_below", raw.never_below.is_some()),
            ("never_above", raw.never_above.is_some()),
            ("not_before", raw.not_before.is_some()),
            ("never", raw.never.is_some()),
            ("cost_at_most", raw.cost_at_most.is_some()),
        ]
        .iter()
        .filter(|(_, present)| *present)
        .map(|(k, _)| *k)
        .collect();
        let placeholder = RedLineKind::Never { action: 0 };
        let kind = match kinds.as_slice() {
            [] => {
                self.error(&path, "a red line needs one kind: `never_below`, `never_above`, `not_before`, `never` or `cost_at_most`");
                placeholder
            }
            [_, _, ..] => {
                self.error(
                    &path,
                    format!(
                        "a red line has exactly one kind, found {}",
                        kinds
                            .iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(" and ")
                    ),
                );
                placeholder
            }
            [kind] => self.red_line_kind(raw, kind, &path, refs),
        };
        RedLine {
            id: raw.id.clone(),
            name: raw.name.clone().unwrap_or_else(|| raw.id.clone()),
            owner,
            kind,
        }
    }

    pub(super) fn red_line_kind(
        &mut self,
        raw: &RawRedLine,
        kind: &str,
        path: &str,
        refs: &Refs,
    ) -> RedLineKind {
        // The fields each kind takes besides its own keyword.
        let allowed: &[&str] = match kind {
            "never_below" | "never_above" => &["meter"],
            "not_before" => &["action", "lag"],
            "cost_at_most" => &["party"],
            _ => &[],
        };
        for (field, present) in [
            ("meter", raw.meter.is_some()),
            ("action", raw.action.is_some()),
            ("lag", raw.lag.is_some()),
            ("party", raw.party.is_some()),
        ] {
            if present && !allowed.contains(&field) {
                self.error(
                    format!("{path}.{field}"),
                    format!("a `{kind}` red line does not take `{field}`"),
                );
            }
        }
        let meter = |c: &mut Self| {
            if let Some(m) = &raw.meter {
                c.resolve(refs.meters, m, &format!("{path}.meter"))
            } else {
                c.error(path, format!("a `{kind}` red line needs `meter`"));
                0
            }
        };
        match kind {
            "never_below" => RedLineKind::NeverBelow {
                meter: meter(self),
                level: raw.never_below.unwrap_or(0.0),
            },
            "never_above" => RedLineKind::NeverAbove {
                meter: meter(self),
                level: raw.never_above.unwrap_or(0.0),
            },
            "not_before" => {
                let before_id = raw.not_before.as_deref().unwrap_or_default();
                let before = self.resolve(refs.actions, before_id, &format!("{path}.not_before"));
                let action = if let Some(a) = &raw.action {
                    if a == before_id {
                        self.error(path, format!("action `{a}` cannot be `not_before` itself"));
                    }
                    self.resolve(refs.actions, a, &format!("{path}.action"))
                } else {
                    self.error(path, "a `not_before` red line needs `action`");
                    0
                };
                {
                    let lag = raw.lag.unwrap_or(1);
                    self.at_most_max_rounds(lag, &format!("{path}.lag"), "a lag");
                    RedLineKind::NotBefore {
                        action,
                        before,
                        lag,
                    }
                }
            }
            "never" => RedLineKind::Never {
                action: self.resolve(
                    refs.actions,
                    raw.never.as_deref().unwrap_or_default(),
                    &format!("{path}.never"),
                ),
            },
            _ => {
                let cap = raw.cost_at_most.unwrap_or(0.0);
                if cap < 0.0 {
                    self.error(
                        format!("{path}.cost_at_most"),
                        format!("cost cap {cap} must be at least 0"),
                    );
                }
                let party = if let Some(p) = &raw.party {
                    self.resolve(refs.parties, p, &format!("{path}.party"))
                } else {
                    self.error(path, "a `cost_at_most` red line needs `party`");
                    0
                };
                RedLineKind::CostAtMost { party, cap }
            }
        }
    }

    pub(super) fn limits(&mut self, raw: &RawLimits, parties: &Ids) -> Limits {
        let mut per_party: Vec<(PartyIdx, u32)> = raw
            .per_party
            .iter()
            .map(|(id, &cap)| {
                (
                    self.resolve(parties, id, &format!("limits.per_party.{id}")),
                    cap,
                )
            })
            .collect();
        per_party.sort_unstable();
        Limits {
            moves_per_round: raw.moves_per_round,
            per_party,
        }
    }

    pub(super) fn objective(&mut self, raw: &RawObjective, i: usize, meters: &Ids) -> Objective {
        let path = format!("objective[{i}]");
        match raw {
            RawObjective::Named(name) => match name.as_str() {
                "earliest" => Objective::Earliest,
                "cheapest" => Objective::Cheapest,
                "fewest" => Objective::Fewest,
                "maximize" => {
                    self.error(
                        &path,
                        "`maximize` names meters with weights: {\"maximize\": {\"meter\": 1}}",
                    );
                    Objective::Earliest
                }
                other => {
                    let hint = did_you_mean(other, ["earliest", "cheapest", "fewest", "maximize"]);
                    self.error(&path, format!("unknown objective `{other}`{hint} (expected `earliest`, `cheapest`, `fewest` or {{\"maximize\": {{meter: weight}}}})"));
                    Objective::Earliest
                }
            },
            RawObjective::Maximize(weights) => {
                if weights.is_empty() {
                    self.error(
                        format!("{path}.maximize"),
                        "`maximize` needs at least one meter with a weight",
                    );
                }
                let mut terms: Vec<(MeterIdx, f64)> = weights
                    .iter()
                    .map(|(id, &w)| {
                        (
                            self.resolve(meters, id, &format!("{path}.maximize.{id}")),
                            w,
                        )
                    })
                    .collect();
                terms.sort_by_key(|t| t.0);
                Objective::Maximize(terms)
            }
        }
    }
}
