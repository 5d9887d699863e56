use super::*;

fn check_error(text: &str, expected: &str) {
    let error = parse_mapping(text, "t", "t.toml").expect_err(text);
    assert_eq!(error.to_string(), expected);
}

#[test]
fn shipped_schemas_parse() {
    for (name, _) in SHIPPED {
        let schema = resolve(name).expect(name);
        assert_eq!(schema.table, *name);
        assert!(!schema.key.is_empty(), "{name} has a key");
    }
}

#[test]
fn bad_schemas() {
    check_error(
        "key = \"id\"\n[[fields]]\nname = \"id\"\ntype = \"money\"",
        "t.toml: field \"id\": type \"money\" is not one of string, integer, number, boolean, date, datetime",
    );
    check_error(
        "key = \"nope\"\n[[fields]]\nname = \"id\"",
        "t.toml: the key names \"nope\", which is not a field",
    );
    check_error(
        "[[fields]]\nname = \"id\"\npattern = \"(\"",
        "t.toml: field \"id\": pattern \"(\" does not compile: unclosed group",
    );
    check_error(
        "[[fields]]\nname = \"n\"\ntype = \"integer\"\nminimum = 5\nmaximum = 1",
        "t.toml: field \"n\": minimum 5 is above maximum 1",
    );
    check_error(
        "[[fields]]\nname = \"d\"\ntype = \"date\"\nminimum = \"yesterday\"",
        "t.toml: field \"d\": minimum \"yesterday\" is not a valid date: expected a date such as 2024-01-31",
    );
}

#[test]
fn rules_are_read_and_checked_whole() {
    let base = "[[fields]]\nname = \"issued\"\ntype = \"date\"\n[[fields]]\nname = \"due\"\ntype = \"date\"\n[[fields]]\nname = \"amount\"\ntype = \"number\"\n";
    let schema = parse_mapping(&format!("{base}[[rules]]\ncheck = \"due >= issued\"\n[[rules]]\ncheck = \"amount != 0\"\nmessage = \"zero\""), "t", "t.toml").expect("parses");
    assert_eq!(schema.rules.len(), 2);
    assert_eq!(
        (schema.rules[0].left, schema.rules[0].operator),
        (1, Operator::GreaterOrEqual)
    );
    assert!(matches!(schema.rules[0].right, Operand::Field(0)));
    assert!(
        matches!(&schema.rules[1].right, Operand::Constant(Value::Decimal(zero)) if zero.is_zero())
    );
    assert_eq!(schema.rules[1].message.as_deref(), Some("zero"));
    for (check, expected) in [
        (
            "due",
            "t.toml: rule \"due\": no comparison: write FIELD OP FIELD or FIELD OP VALUE, with OP one of < <= > >= == !=",
        ),
        (
            "paid >= issued",
            "t.toml: rule \"paid >= issued\": \"paid\" is not a field",
        ),
        (
            "due > soon",
            "t.toml: rule \"due > soon\": \"soon\" is neither a field nor a date value (expected a date such as 2024-01-31)",
        ),
    ] {
        let error = parse_mapping(
            &format!("{base}[[rules]]\ncheck = \"{check}\""),
            "t",
            "t.toml",
        )
        .expect_err(check);
        assert_eq!(error.to_string(), expected);
    }
    for (operator, ordering, holds) in [
        (Operator::Less, Ordering::Less, true),
        (Operator::Less, Ordering::Equal, false),
        (Operator::LessOrEqual, Ordering::Equal, true),
        (Operator::Greater, Ordering::Equal, false),
        (Operator::GreaterOrEqual, Ordering::Greater, true),
        (Operator::Equal, Ordering::Less, false),
        (Operator::NotEqual, Ordering::Less, true),
    ] {
        assert_eq!(operator.holds(ordering), holds, "{operator:?} {ordering:?}");
    }
}

#[test]
fn table_schema_names_table_after_file() {
    let text = r#"{"fields": [{"name": "id", "type": "integer", "title": "Identifier"},
        {"name": "mail", "format": "email", "constraints": {"required": true}}],
        "primaryKey": "id"}"#;
    let schema = parse_table_schema(text, "people", "people.schema.json").expect("parses");
    assert_eq!(schema.table, "people");
    assert_eq!(schema.key, vec!["id"]);
    assert_eq!(schema.fields[0].aliases, vec!["Identifier"]);
    assert!(schema.fields[0].unique && schema.fields[0].required);
    assert_eq!(schema.fields[1].format.as_deref(), Some("email"));
    assert!(schema.fields[1].required);
}
