//! intake against frictionless-py, the reference for Table Schema validation: on each file of
//! fixtures/frictionless/, the (row, field, kind) that intake finds must equal what
//! `frictionless validate` found (recorded in expected/ by record.py), but for the deliberate
//! differences listed here.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::{Workspace, fixture};

type Finding = (u64, String, String);

/// Kinds compared by row alone: the field they name differs by design between the two tools.
const ROW_LEVEL: [&str; 3] = ["missing-cell", "extra-cell", "unique"];

/// What frictionless reports and intake deliberately does not: intake reads numbers as people
/// write them (grouping, currency), yes/no booleans, slashed ISO dates, month names and
/// Excel's whole numbers written 12.0. See docs/validation.md.
const DELIBERATE: [(&str, u64, &str, &str); 7] = [
    ("messy", 2, "price", "type"),
    ("messy", 2, "active", "type"),
    ("messy", 2, "released", "type"),
    ("messy", 2, "quantity", "type"),
    ("messy", 3, "price", "type"),
    ("messy", 3, "active", "type"),
    ("messy", 3, "released", "type"),
];

fn expected(name: &str) -> BTreeSet<Finding> {
    let text = std::fs::read_to_string(fixture(&format!("frictionless/expected/{name}.json")))
        .expect("recorded answers");
    let recorded: Value = serde_json::from_str(&text).expect("JSON");
    recorded["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|error| {
            (
                error[0].as_u64().expect("row"),
                error[1].as_str().expect("field").to_string(),
                error[2].as_str().expect("kind").to_string(),
            )
        })
        .filter(|(row, field, kind)| {
            !DELIBERATE.contains(&(name, *row, field.as_str(), kind.as_str()))
        })
        .collect()
}

fn found(workspace: &Workspace, name: &str) -> BTreeSet<Finding> {
    let data = fixture(&format!("frictionless/{name}.csv"));
    let schema = fixture(&format!("frictionless/{name}.schema.json"));
    let run = workspace.run(&["validate", &data, "--schema", &schema, "--format", "json"]);
    assert!(run.code == 0 || run.code == 1, "{name}: {}", run.stderr);
    run.json()["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|error| {
            let kind = error["code"].as_str().expect("code").to_string();
            let field = if ROW_LEVEL.contains(&kind.as_str()) {
                String::new()
            } else {
                error["field"].as_str().unwrap_or_default().to_string()
            };
            (error["row"].as_u64().expect("row"), field, kind)
        })
        .collect()
}

#[test]
fn intake_finds_what_frictionless_finds() {
    let workspace = Workspace::new();
    let names = [
        "strings",
        "integers",
        "numbers",
        "booleans",
        "dates",
        "datetimes",
        "unique",
        "cells",
        "formats",
        "enums",
        "messy",
    ];
    let mut compared = 0;
    for name in names {
        let expected = expected(name);
        let found = found(&workspace, name);
        assert_eq!(
            found, expected,
            "{name}: intake (left) and frictionless (right) differ"
        );
        compared += expected.len();
    }
    assert!(compared >= 40, "the files hold {compared} findings");
}
