use super::*;

fn planned(row: usize, action: Action, name: &str, old: Option<&str>) -> PlannedRow {
    PlannedRow {
        row,
        action,
        values: vec![
            Value::Text(format!("K-{row}").into()),
            Value::Text(name.into()),
        ],
        changed: old.map(|_| "name".to_string()).into_iter().collect(),
        old: old.map(|old| Value::Text(old.into())).into_iter().collect(),
    }
}

#[test]
fn a_plan_planned_again_differs_where_its_rows_do() {
    let columns = vec!["key".to_string(), "name".to_string()];
    let confirmed = Plan {
        writes: vec![
            planned(2, Action::Update, "new", Some("old")),
            planned(3, Action::Insert, "three", None),
            planned(4, Action::Insert, "four", None),
            planned(5, Action::Update, "five", Some("was")),
        ],
        ..Plan::default()
    };
    let mut check = PlanCheck::new(&confirmed, 1);
    check.check(
        &columns,
        &[
            // The same update: no difference.
            planned(2, Action::Update, "new", Some("old")),
            // Row 3 exists now: an update, not an insert.
            planned(3, Action::Update, "three", Some("someone's")),
            // Row 5's stored name changed since.
            planned(5, Action::Update, "five", Some("edited")),
            // Row 6 was unchanged when confirmed.
            planned(6, Action::Update, "six", Some("six before")),
        ],
    );
    // Row 4 is not planned again: the table holds it as the file has it now.
    check.finish();
    assert_eq!(check.count, 4);
    assert_eq!(
        check.differences,
        vec![
            "row 3 (K-3): planned as an insert, now an update",
            "row 5 (K-5): name held \"was\" when you confirmed, it holds \"edited\" now",
            "row 6 (K-6): not in the plan you confirmed, now an update",
            "row 4 (K-4): planned as an insert, now nothing to write",
        ]
    );

    let mut same = PlanCheck::new(&confirmed, 1);
    same.check(&columns, &confirmed.writes);
    same.finish();
    assert_eq!((same.count, same.differences.len()), (0, 0));
}
