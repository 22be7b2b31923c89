//! Bad input never panics: arbitrary bytes, and the tiny model with any
//! field replaced by an arbitrary JSON value, either load or give an error.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use proptest::prelude::*;
use seqplan::model::{parse_model, validate, Instance, Overrides};
use seqplan::{simulate, Moves};
use serde_json::Value;

fn tiny() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every JSON path of a value (objects and arrays), as pointer strings.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match value {
        Value::Object(map) => map
            .iter()
            .for_each(|(k, v)| pointers(v, format!("{at}/{k}"), out)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| pointers(v, format!("{at}/{i}"), out)),
        _ => {}
    }
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        prop_oneof![
            Just(0.0),
            Just(-1.5),
            Just(1e300),
            Just(0.5),
            Just(4294967296.0)
        ]
        .prop_map(Value::from),
        "[a-z_]{0,8}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Loads a model text as the CLI does, simulates the empty plan, plans.
fn exercise(text: &str) {
    if let Ok(raw) = parse_model(text, "fuzz.json") {
        if let Ok(validated) = validate(&raw, "fuzz.json") {
            let instance = Instance::new(&validated.model, &Overrides::default()).unwrap();
            let _ = simulate(&instance, &Moves::default());
            // Any outcome, even an error, but no panic.
            let _ = seqplan::plan(&instance, &seqplan::SolveOptions::default());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(text) = std::str::from_utf8(&bytes) {
            exercise(text);
        }
    }

    #[test]
    fn any_field_replaced_never_panics(index in any::<prop::sample::Index>(), value in arbitrary_json()) {
        let mut model = tiny();
        let mut paths = Vec::new();
        pointers(&model, String::new(), &mut paths);
        let path = &paths[index.index(paths.len())];
        if path.is_empty() {
            model = value;
        } else {
            *model.pointer_mut(path).unwrap() = value;
        }
        exercise(&model.to_string());
    }
}
