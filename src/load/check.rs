//! A confirmed plan checked against the same file planned again inside the commit's
//! transaction, run by run: what differs is said row by row (the first few in full).

use std::collections::HashMap;

use super::{Action, Plan, PlannedRow, same_values};
use crate::exit::Refused;
use crate::value::Value;

/// Compares the rows of a plan the user confirmed with the same file planned again inside the
/// commit's transaction, run by run: every row written differently (another action, other
/// values, other stored values), written now but not then, or then but not now.
pub(crate) struct PlanCheck<'p> {
    /// The confirmed plan's writes not yet met again, by file row.
    expected: HashMap<usize, &'p PlannedRow>,
    key_count: usize,
    /// The first differences, described.
    pub differences: Vec<String>,
    /// How many rows differ in all.
    pub count: usize,
}

/// Differences described in full; the rest are counted.
const DIFFERENCES_SHOWN: usize = 5;

impl<'p> PlanCheck<'p> {
    pub(crate) fn new(confirmed: &'p Plan, key_count: usize) -> PlanCheck<'p> {
        PlanCheck {
            expected: confirmed
                .writes
                .iter()
                .map(|planned| (planned.row, planned))
                .collect(),
            key_count,
            differences: Vec::new(),
            count: 0,
        }
    }

    /// Checks a run of rows planned again.
    pub(crate) fn check(&mut self, columns: &[String], writes: &[PlannedRow]) {
        for planned in writes {
            let then = self.expected.remove(&planned.row);
            if let Some(difference) = describe_difference(then, planned, columns, self.key_count) {
                self.note(difference);
            }
        }
    }

    /// Adds the confirmed rows that were not planned again: they would not be written now.
    pub(crate) fn finish(&mut self) {
        let mut left: Vec<&PlannedRow> = self.expected.drain().map(|(_, row)| row).collect();
        left.sort_by_key(|planned| planned.row);
        for planned in left {
            let difference = format!(
                "row {} ({}): planned as {}, now nothing to write",
                planned.row,
                key_label(&planned.values[..self.key_count]),
                action_name(planned.action)
            );
            self.note(difference);
        }
    }

    fn note(&mut self, difference: String) {
        self.count += 1;
        if self.differences.len() < DIFFERENCES_SHOWN {
            self.differences.push(difference);
        }
    }
}

/// How a row planned again differs from the confirmed one, if it does.
fn describe_difference(
    then: Option<&PlannedRow>,
    now: &PlannedRow,
    columns: &[String],
    key_count: usize,
) -> Option<String> {
    let row = format!("row {} ({})", now.row, key_label(&now.values[..key_count]));
    let Some(then) = then else {
        return Some(format!(
            "{row}: not in the plan you confirmed, now {}",
            action_name(now.action)
        ));
    };
    if then.action != now.action {
        return Some(format!(
            "{row}: planned as {}, now {}",
            action_name(then.action),
            action_name(now.action)
        ));
    }
    if !same_values(&then.values, &now.values) {
        return Some(format!("{row}: the file's values changed since the plan"));
    }
    // The same new values: what the table holds now differs.
    fn stored<'a>(planned: &'a PlannedRow, column: &str) -> Option<&'a Value> {
        planned
            .changed
            .iter()
            .position(|changed| changed == column)
            .map(|index| &planned.old[index])
    }
    for (index, column) in columns.iter().enumerate() {
        let (before, after) = (stored(then, column), stored(now, column));
        let differs = match (before, after) {
            (Some(before), Some(after)) => !before.same_as(after),
            (None, None) => false,
            _ => true,
        };
        if differs {
            let shown = |value: Option<&Value>| {
                value.map_or_else(|| now.values[index].to_string(), Value::to_string)
            };
            return Some(format!(
                "{row}: {column} held {:?} when you confirmed, it holds {:?} now",
                shown(before),
                shown(after)
            ));
        }
    }
    None
}

fn key_label(key: &[Value]) -> String {
    key.iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn action_name(action: Action) -> &'static str {
    match action {
        Action::Insert => "an insert",
        Action::Update => "an update",
        Action::Unchanged => "unchanged",
        Action::Skip => "skipped",
    }
}

/// Why a confirmed plan must not be written: the same file planned again inside the commit's
/// transaction is not the plan the user confirmed (the table or the file changed meanwhile).
pub(crate) fn changed_since(
    confirmed: &Plan,
    now: &Plan,
    check: Option<PlanCheck<'_>>,
) -> Option<Refused> {
    let (count, differences) =
        check.map_or((0, Vec::new()), |check| (check.count, check.differences));
    if count == 0 && confirmed.id() == now.id() {
        return None;
    }
    let mut shown = differences.join("; ");
    if count > differences.len() {
        shown.push_str(&format!("; and {} more", count - differences.len()));
    }
    if shown.is_empty() {
        shown = format!(
            "it was {} new, {} changed and {} unchanged rows, it is now {}, {} and {}",
            confirmed.insert,
            confirmed.update,
            confirmed.unchanged,
            now.insert,
            now.update,
            now.unchanged
        );
    }
    Some(Refused(format!(
        "the table changed since the plan you confirmed, so nothing was written: {shown}; run the import again to see the new plan"
    )))
}
