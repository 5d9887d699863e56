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

/// A transaction's guard dropped without an end rolls back before the next statement, on a real
/// SQLite file; one that commits keeps its row; `finish` of an error rolls back at once.
#[test]
fn a_transaction_dropped_without_an_end_rolls_back() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let folder = tempfile::tempdir().expect("a folder");
        let location = Location::Sqlite(folder.path().join("t.db"));
        let mut database = open_or_create(&location).await.expect("the database");
        database
            .execute("t", "CREATE TABLE t (n INTEGER)")
            .await
            .expect("a table");
        let count = async |database: &mut Database| {
            database
                .fetch_texts(
                    "t",
                    "SELECT CAST(count(*) AS TEXT) FROM t".to_string(),
                    &[],
                    1,
                )
                .await
                .expect("a count")[0][0]
                .clone()
        };
        {
            let mut transaction = database.begin(Begin::Table("t")).await.expect("begun");
            transaction
                .execute("t", "INSERT INTO t VALUES (1)")
                .await
                .expect("a row");
            // Dropped: an error returned with `?` would leave it so.
        }
        assert!(database.rollback_pending);
        assert_eq!(count(&mut database).await.as_deref(), Some("0"));
        assert!(!database.rollback_pending);
        let mut transaction = database.begin(Begin::Write).await.expect("begun");
        transaction
            .execute("t", "INSERT INTO t VALUES (2)")
            .await
            .expect("a row");
        let failed: Result<(), DbError> = Err(DbError::Changed {
            table: "t".to_string(),
            reason: "a test".to_string(),
        });
        assert!(transaction.finish(failed).await.is_err());
        assert!(!database.rollback_pending);
        assert_eq!(count(&mut database).await.as_deref(), Some("0"));
        let mut transaction = database.begin(Begin::Table("t")).await.expect("begun");
        transaction
            .execute("t", "INSERT INTO t VALUES (3)")
            .await
            .expect("a row");
        transaction.commit().await.expect("committed");
        assert_eq!(count(&mut database).await.as_deref(), Some("1"));
    });
}
