//! The serde types of the model format (version 1), as close to the JSON as
//! possible. Nothing here is checked beyond its JSON type: `validate` turns a
//! [`RawModel`] into a [`crate::model::Model`] with ids resolved to indices.

use std::collections::BTreeMap;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// A whole model file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawModel {
    /// Editors' schema pointer; accepted and ignored.
    #[serde(rename = "$schema")]
    pub schema: Option<String>,
    /// Format version; must be 1.
    pub seqplan: u32,
    pub name: String,
    pub summary: Option<String>,
    pub source: Option<String>,
    pub horizon: u32,
    pub round: Option<String>,
    pub parties: Vec<RawParty>,
    #[serde(default)]
    pub meters: Vec<RawMeter>,
    pub actions: Vec<RawAction>,
    #[serde(default)]
    pub together: Vec<Vec<String>>,
    #[serde(default)]
    pub events: Vec<RawEvent>,
    #[serde(default)]
    pub expectations: Vec<RawExpectation>,
    #[serde(default)]
    pub red_lines: Vec<RawRedLine>,
    pub limits: Option<RawLimits>,
    pub objective: Option<Vec<RawObjective>>,
    #[serde(default)]
    pub scenarios: Vec<RawScenario>,
}

/// A party: who makes a move.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawParty {
    pub id: String,
    pub name: Option<String>,
    pub cite: Option<String>,
}

/// A numeric meter (trust, standing, backlash).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMeter {
    pub id: String,
    pub name: Option<String>,
    pub initial: Option<f64>,
    pub decay: Option<f64>,
    pub cite: Option<String>,
}

/// A move a party can make.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAction {
    pub id: String,
    pub name: Option<String>,
    pub by: String,
    pub cost: Option<f64>,
    pub duration: Option<u32>,
    pub uses: Option<u32>,
    pub earliest: Option<u32>,
    pub latest: Option<u32>,
    #[serde(default)]
    pub requires: Vec<RawRequirement>,
    #[serde(default)]
    pub when: Vec<RawCondition>,
    #[serde(default)]
    pub effects: Vec<RawEffect>,
    pub cite: Option<String>,
}

/// A `requires` item: an action id, or `{"action": id, "lag": k}`.
#[derive(Debug, Clone)]
pub struct RawRequirement {
    pub action: String,
    pub lag: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequirementObject {
    action: String,
    lag: Option<u32>,
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
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCondition {
    pub meter: String,
    pub at_least: Option<f64>,
    pub at_most: Option<f64>,
}

/// An effect of a move on a meter.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEffect {
    pub meter: String,
    pub add: f64,
    pub delay: Option<u32>,
}

/// An exogenous change to a meter in a given round.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEvent {
    pub round: u32,
    pub meter: String,
    pub add: f64,
    pub name: Option<String>,
    pub cite: Option<String>,
}

/// A minimum expectation: an action completed, or a meter level sustained.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExpectation {
    pub id: String,
    pub name: Option<String>,
    pub action: Option<String>,
    pub meter: Option<String>,
    pub at_least: Option<f64>,
    pub by: Option<u32>,
    /// How much meeting it matters when not all can be met (default 1).
    pub weight: Option<f64>,
    pub cite: Option<String>,
}

/// A red line; exactly one of the kind fields must be present.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRedLine {
    pub id: String,
    pub name: Option<String>,
    pub owner: Option<String>,
    pub cite: Option<String>,
    pub meter: Option<String>,
    pub never_below: Option<f64>,
    pub never_above: Option<f64>,
    pub action: Option<String>,
    pub not_before: Option<String>,
    pub lag: Option<u32>,
    pub never: Option<String>,
    pub party: Option<String>,
    pub cost_at_most: Option<f64>,
}

/// Caps on the number of actions in progress in one round.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    pub moves_per_round: Option<u32>,
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMaximize {
    maximize: BTreeMap<String, f64>,
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
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub id: String,
    pub name: Option<String>,
    pub cite: Option<String>,
    #[serde(default)]
    pub events: Vec<RawEvent>,
    #[serde(default)]
    pub initial: BTreeMap<String, f64>,
    #[serde(default)]
    pub forbid: Vec<String>,
    pub horizon: Option<u32>,
    #[serde(default)]
    pub deadlines: BTreeMap<String, u32>,
}
