use super::*;

#[test]
fn locations() {
    for (url, expected) in [
        ("sqlite://intake.db", Some("intake.db")),
        ("sqlite:///tmp/a.db", Some("/tmp/a.db")),
        ("sqlite:data/x.sqlite?mode=rwc", Some("data/x.sqlite")),
        ("shop.db", Some("shop.db")),
        (
            "postgres://shop:secret@localhost:5432/shop",
            Some("postgres://shop@localhost:5432/shop"),
        ),
        ("mysql://host/db", None),
        (
            "POSTGRES://shop:secret@localhost/shop?password=secret",
            Some("postgres://shop@localhost/shop?password=***"),
        ),
        ("sqlite://", None),
    ] {
        let parsed = parse_location(url)
            .ok()
            .map(|location| location.to_string());
        assert_eq!(parsed.as_deref(), expected, "{url}");
    }
}

#[test]
fn identifiers_are_quoted() {
    assert_eq!(quote("price"), "\"price\"");
    assert_eq!(
        quote("a\"; DROP TABLE x; --"),
        "\"a\"\"; DROP TABLE x; --\""
    );
}

#[test]
fn placeholders_per_dialect() {
    assert_eq!(Dialect::Sqlite.tuples(2, 2), "(?, ?), (?, ?)");
    assert_eq!(Dialect::Postgres.tuples(2, 2), "($1, $2), ($3, $4)");
}
