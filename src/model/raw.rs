//! The serde types of the model format (version 1), as close to the JSON as
//! possible. Nothing here is checked beyond its JSON type: `validate` turns a
//! [`RawModel`] into a [`crate::model::Model`] with ids resolved to indices.
//!
//! They are also the way to build a model in code: every type has a
//! `Default`, so `RawModel { seqplan: 1, name: .., ..Default::default() }`
//! reads like the JSON (see `examples/build_model.rs`).

use std::collections::BTreeMap;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// A seqplan model (format version 1): parties, meters, moves, expectations
/// and red lines of a negotiation. See docs/format.md.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "seqplan model")]
pub struct RawModel {
    /// For editors: the JSON Schema this file follows. Ignored by seqplan.
    #[serde(rename = "$schema")]
    pub schema: Option<String>,
    /// Format version; must be 1.
    #[schemars(range(min = 1, max = 1))]
    pub seqplan: u32,
    /// Title of the model.
    pub name: String,
    /// One paragraph for readers: what the sequence is and why.
    pub summary: Option<String>,
    /// Citation of the report or paper the model is drawn from.
    pub source: Option<String>,
    /// H, the number of rounds; rounds are 1..H.
    #[schemars(range(min = 1, max = 10_000))]
    pub horizon: u32,
    /// Name of a round ("month", "week") used in messages and output; default "round".
    pub round: Option<String>,
    /// Who makes moves (at least one).
    #[schemars(length(min = 1))]
    pub parties: Vec<RawParty>,
    /// Quantities tracked round by round (trust, standing, backlash).
    #[serde(default)]
    pub meters: Vec<RawMeter>,
    /// The moves (at least one).
    #[schemars(length(min = 1))]
    pub actions: Vec<RawAction>,
    /// Groups of action ids that start in the same rounds, or not at all.
    #[serde(default)]
    pub together: Vec<Vec<String>>,
    /// Changes to meters that happen whatever the plan.
    #[serde(default)]
    pub events: Vec<RawEvent>,
    /// What a plan must achieve, by when.
    #[serde(default)]
    pub expectations: Vec<RawExpectation>,
    /// What a plan must never do.
    #[serde(default)]
    pub red_lines: Vec<RawRedLine>,
    /// Caps on the number of actions in progress per round.
    pub limits: Option<RawLimits>,
    /// What "best" means, in order of priority; default ["earliest", "cheapest"].
    // The schema shows this text as it is written here.
    #[allow(clippy::doc_link_with_quotes)]
    pub objective: Option<Vec<RawObjective>>,
    /// Named variants of the model (`seqplan plan --scenario ID`).
    #[serde(default)]
    pub scenarios: Vec<RawScenario>,
}

/// A party: who makes a move.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(rename = "Party")]
#[serde(deny_unknown_fields)]
pub struct RawParty {
    /// Unique among parties: lower-case letters, digits and underscores.
    #[schemars(pattern(r"^[a-z0-9_]+$"))]
    pub id: String,
    /// Display name; defaults to the id.
    pub name: Option<String>,
    /// The passage of the source the party comes from.
    pub cite: Option<String>,
}

/// A numeric meter (trust, standing, backlash).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(rename = "Meter")]
#[serde(deny_unknown_fields)]
pub struct RawMeter {
    /// Unique among meters: lower-case letters, digits and underscores.
    #[schemars(pattern(r"^[a-z0-9_]+$"))]
    pub id: String,
    /// Display name; defaults to the id.
    pub name: Option<String>,
    /// The value before round 1; default 0.
    #[schemars(range(min = -100_000, max = 100_000))]
    pub initial: Option<f64>,
    /// Share of the previous value lost each round, 0 to 1; default 0.
    #[schemars(range(min = 0, max = 1))]
    pub decay: Option<f64>,
    /// The passage of the source the meter and its scale come from.
    pub cite: Option<String>,
}

/// A move a party can make.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(rename = "Action")]
#[serde(deny_unknown_fields)]
pub struct RawAction {
    /// Unique among actions: lower-case letters, digits and underscores.
    #[schemars(pattern(r"^[a-z0-9_]+$"))]
    pub id: String,
    /// Display name; defaults to the id.
    pub name: Option<String>,
    /// The party (id) that makes the move.
    pub by: String,
    /// Cost of each use; default 0.
    #[schemars(range(min = 0, max = 1_000_000_000))]
    pub cost: Option<f64>,
    /// Rounds the move is in progress; default 1.
    #[schemars(range(min = 1, max = 10_000))]
    pub duration: Option<u32>,
    /// How many times the action may be started; default 1.
    #[schemars(range(min = 1))]
    pub uses: Option<u32>,
    /// First round it may start; default 1.
    #[schemars(range(min = 1, max = 10_000))]
    pub earliest: Option<u32>,
    /// Last round it may start; default the horizon.
    #[schemars(range(min = 1, max = 10_000))]
    pub latest: Option<u32>,
    /// Actions that must have completed before it starts: an id (lag 1) or {"action", "lag"}.
    #[serde(default)]
    pub requires: Vec<RawRequirement>,
    /// Meter bands that must hold (at the end of the previous round) before it starts.
    #[serde(default)]
    pub when: Vec<RawCondition>,
    /// What the move adds to meters when it completes.
    #[serde(default)]
    pub effects: Vec<RawEffect>,
    /// The probability (above 0, at most 1) that one started use succeeds,
    /// drawn for each use when it starts; default 1. A failed use costs its
    /// cost and is in progress for its duration, but none of its effects
    /// land and it does not count as completed.
    #[schemars(range(max = 1), extend("exclusiveMinimum" = 0))]
    pub success: Option<f64>,
    /// The passage of the source the move comes from.
    pub cite: Option<String>,
}

/// A `requires` item: an action id, or `{"action": id, "lag": k}`.
#[derive(Debug, Clone, Default)]
pub struct RawRequirement {
    pub action: String,
    pub lag: Option<u32>,
}

/// `{"action": id, "lag": k}`: the action completed in a round <= start - k.
#[derive(Deserialize, JsonSchema)]
#[schemars(rename = "RequirementObject")]
#[serde(deny_unknown_fields)]
struct RawRequirementObject {
    /// The action (id) needed.
    action: String,
    /// Rounds between its completion and this start; default 1.
    #[schemars(range(max = 10_000))]
    lag: Option<u32>,
}

/// A `requires` item: an action id (completed in an earlier round), or
/// `{"action": id, "lag": k}`.
#[allow(dead_code)] // only its schema is used
#[derive(JsonSchema)]
#[serde(untagged)]
enum RequirementForms {
    /// An action id: that action completed in an earlier round (lag 1).
    Id(String),
    Object(RawRequirementObject),
}

impl JsonSchema for RawRequirement {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Requirement".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        RequirementForms::json_schema(generator)
    }
}

impl From<&str> for RawRequirement {
    /// A plain action id: completed in an earlier round (lag 1).
    fn from(action: &str) -> Self {
        RawRequirement {
            action: action.to_owned(),
            lag: None,
        }
    }
}

impl<'de> Deserialize<'de> for RawRequirement {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RequirementVisitor;
        impl<'de> Visitor<'de> for RequirementVisitor {
            type Value = RawRequirement;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an action id or an object {\"action\": id, \"lag\": k}")
            }
            fn visit_str<E: de::Error>(self, id: &str) -> Result<RawRequirement, E> {
                Ok(RawRequirement {
                    action: id.to_owned(),
                    lag: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawRequirement, A::Error> {
                let object =
                    RawRequirementObject::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(RawRequirement {
                    action: object.action,
                    lag: object.lag,
                })
            }
        }
        deserializer.deserialize_any(RequirementVisitor)
    }
}

/// A `when` item: a meter band that must hold before the move starts.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(rename = "WhenItem")]
#[serde(deny_unknown_fields)]
#[schemars(transform = require_one_of(&[&["at_least"], &["at_most"]], "anyOf"))]
pub struct RawCondition {
    /// The meter (id).
    pub meter: String,
    /// The meter must be at least this.
    pub at_least: Option<f64>,
    /// The meter must be at most this.
    pub at_most: Option<f64>,
}

/// An effect of a move on a meter.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(rename = "Effect")]
#[serde(deny_unknown_fields)]
pub struct RawEffect {
    /// The meter (id).
    pub meter: String,
    /// Added to the meter (negative to lower it).
    #[schemars(range(min = -100_000, max = 100_000))]
    pub add: f64,
    /// Rounds after completion at which it lands; default 0.
    #[schemars(range(max = 10_000))]
    pub delay: Option<u32>,
    /// The amount is uniform on [add − spread, add + spread] for each
    /// landing; default 0.
    #[schemars(range(min = 0, max = 100_000))]
    pub spread: Option<f64>,
}

/// An exogenous change to a meter in a given round.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(rename = "Event")]
#[serde(deny_unknown_fields)]
pub struct RawEvent {
    /// The round at the end of which it lands.
    #[schemars(range(min = 1, max = 10_000))]
    pub round: u32,
    /// The meter (id).
    pub meter: String,
    /// Added to the meter (negative to lower it).
    #[schemars(range(min = -100_000, max = 100_000))]
    pub add: f64,
    /// What happens, for people.
    pub name: Option<String>,
    /// The probability (above 0, at most 1) that the event happens; default 1.
    #[schemars(range(max = 1), extend("exclusiveMinimum" = 0))]
    pub chance: Option<f64>,
    /// The passage of the source the event comes from.
    pub cite: Option<String>,
}

/// A minimum expectation: an action completed, or a meter level sustained.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(rename = "Expectation")]
#[serde(deny_unknown_fields)]
#[schemars(transform = expectation_forms)]
pub struct RawExpectation {
    /// Unique among expectations: lower-case letters, digits and underscores.
    #[schemars(pattern(r"^[a-z0-9_]+$"))]
    pub id: String,
    /// Display name; defaults to the id.
    pub name: Option<String>,
    /// The action (id) whose first use must complete by `by`.
    pub action: Option<String>,
    /// The meter (id) that must stay at or above `at_least` (and/or at or
    /// below `at_most`) from `by` on.
    pub meter: Option<String>,
    /// The level the meter must sustain from `by` on.
    #[schemars(range(min = -100_000, max = 100_000))]
    pub at_least: Option<f64>,
    /// The level the meter must stay under from `by` on.
    #[schemars(range(min = -100_000, max = 100_000))]
    pub at_most: Option<f64>,
    /// Deadline round; default the horizon.
    #[schemars(range(min = 1, max = 10_000))]
    pub by: Option<u32>,
    /// How much meeting it matters when not all can be met; default 1.
    #[schemars(range(max = 100_000))]
    pub weight: Option<f64>,
    /// The passage of the source the expectation comes from.
    pub cite: Option<String>,
}

/// A red line; exactly one of the kind fields must be present.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(rename = "RedLine")]
#[serde(deny_unknown_fields)]
#[schemars(transform = require_one_of(
    &[
        &["never_below", "meter"],
        &["never_above", "meter"],
        &["not_before", "action"],
        &["never"],
        &["cost_at_most", "party"],
    ],
    "oneOf"
))]
pub struct RawRedLine {
    /// Unique among red lines: lower-case letters, digits and underscores.
    #[schemars(pattern(r"^[a-z0-9_]+$"))]
    pub id: String,
    /// Display name; defaults to the id.
    pub name: Option<String>,
    /// Whose red line it is (a party id), for people.
    pub owner: Option<String>,
    /// The passage of the source the red line comes from.
    pub cite: Option<String>,
    /// The meter (id) of a `never_below` or `never_above` line.
    pub meter: Option<String>,
    /// The meter stays at or above this in every round.
    #[schemars(range(min = -100_000, max = 100_000))]
    pub never_below: Option<f64>,
    /// The meter stays at or below this in every round.
    #[schemars(range(min = -100_000, max = 100_000))]
    pub never_above: Option<f64>,
    /// The action (id) of a `not_before` line.
    pub action: Option<String>,
    /// `action` may start only after this action (id) has completed.
    pub not_before: Option<String>,
    /// For `not_before`: rounds between completion and start; default 1.
    #[schemars(range(max = 10_000))]
    pub lag: Option<u32>,
    /// This action (id) is never taken.
    pub never: Option<String>,
    /// The party (id) of a `cost_at_most` line.
    pub party: Option<String>,
    /// The summed cost of the party's moves stays at or below this.
    #[schemars(range(min = 0, max = 1_000_000_000))]
    pub cost_at_most: Option<f64>,
}

/// Caps on the number of actions in progress in one round.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(rename = "Limits")]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    /// Most actions in progress in any one round, all parties together.
    pub moves_per_round: Option<u32>,
    /// The same cap per party (party id to cap); unlisted parties are unlimited.
    #[serde(default)]
    pub per_party: BTreeMap<String, u32>,
}

/// One level of the lexicographic objective.
#[derive(Debug, Clone, PartialEq)]
pub enum RawObjective {
    /// A named level: `earliest`, `cheapest` or `fewest` (checked later).
    Named(String),
    /// `{"maximize": {"meter": weight}}`.
    Maximize(BTreeMap<String, f64>),
}

/// `{"maximize": {"meter": weight}}`: maximise the weighted meters at the horizon.
#[derive(Deserialize, JsonSchema)]
#[schemars(rename = "Maximize")]
#[serde(deny_unknown_fields)]
struct RawMaximize {
    /// Meter id to weight; at least one.
    #[schemars(length(min = 1))]
    maximize: BTreeMap<String, f64>,
}

/// The named objective levels, for the schema.
#[allow(dead_code)] // only its schema is used
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
enum NamedObjective {
    /// Minimise R, the round by which every expectation is met.
    Earliest,
    /// Minimise the total cost of the moves.
    Cheapest,
    /// Minimise the number of moves.
    Fewest,
}

/// One level of the objective: "earliest", "cheapest", "fewest", or
/// `{"maximize": {"meter": weight}}`.
#[allow(dead_code)] // only its schema is used
#[derive(JsonSchema)]
#[serde(untagged)]
enum ObjectiveForms {
    Named(NamedObjective),
    Maximize(RawMaximize),
}

impl JsonSchema for RawObjective {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Objective".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        ObjectiveForms::json_schema(generator)
    }
}

impl<'de> Deserialize<'de> for RawObjective {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectiveVisitor;
        impl<'de> Visitor<'de> for ObjectiveVisitor {
            type Value = RawObjective;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "\"earliest\", \"cheapest\", \"fewest\" or {\"maximize\": {\"meter\": weight}}",
                )
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<RawObjective, E> {
                Ok(RawObjective::Named(name.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawObjective, A::Error> {
                let object = RawMaximize::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(RawObjective::Maximize(object.maximize))
            }
        }
        deserializer.deserialize_any(ObjectiveVisitor)
    }
}

/// A named variant of the model: overrides applied to the base.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(rename = "Scenario")]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Unique among scenarios (and not `base`): lower-case letters, digits and underscores.
    #[schemars(pattern(r"^[a-z0-9_]+$"))]
    pub id: String,
    /// Display name; defaults to the id.
    pub name: Option<String>,
    /// The passage of the source the scenario comes from.
    pub cite: Option<String>,
    /// Events added to the base events.
    #[serde(default)]
    pub events: Vec<RawEvent>,
    /// Replaces the initial values of the meters it names (meter id to value).
    #[serde(default)]
    pub initial: BTreeMap<String, f64>,
    /// Actions (ids) made unavailable.
    #[serde(default)]
    pub forbid: Vec<String>,
    /// Replaces the horizon.
    #[schemars(range(min = 1, max = 10_000))]
    pub horizon: Option<u32>,
    /// Replaces the deadlines of the expectations it names (expectation id to round).
    #[serde(default)]
    pub deadlines: BTreeMap<String, u32>,
}

/// The JSON Schema of the model format, derived from the types above so it
/// cannot drift from what `seqplan` accepts; `seqplan schema` prints it and
/// models/schema.json is a copy.
pub fn model_schema() -> Schema {
    schemars::schema_for!(RawModel)
}

/// The two forms of an expectation: an action, or a meter with a floor, a
/// ceiling or both.
fn expectation_forms(schema: &mut Schema) {
    let forms = serde_json::json!([
        {
            "required": ["action"],
            "not": {"anyOf": [{"required": ["meter"]}, {"required": ["at_least"]}, {"required": ["at_most"]}]}
        },
        {
            "required": ["meter"],
            "anyOf": [{"required": ["at_least"]}, {"required": ["at_most"]}],
            "not": {"required": ["action"]}
        }
    ]);
    schema.insert("oneOf".to_owned(), forms);
}

/// Adds `anyOf`/`oneOf` alternatives to an object's schema, each naming
/// fields that must be present together: a red line has exactly one kind, an
/// expectation one of its two forms, a `when` item at least one bound.
fn require_one_of(
    alternatives: &'static [&'static [&'static str]],
    keyword: &'static str,
) -> impl Fn(&mut Schema) {
    move |schema: &mut Schema| {
        let forms: Vec<serde_json::Value> = alternatives
            .iter()
            .map(|fields| serde_json::json!({ "required": fields }))
            .collect();
        schema.insert(keyword.to_owned(), forms.into());
    }
}
