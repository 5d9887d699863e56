use super::*;

#[test]
fn integers_keep_their_order_in_the_unique_table_but_do_not_pile_up() {
    // Consecutive integers: each aligned run of 16 in 16 neighbouring places.
    const PLACE: u64 = 0x01FF_FFFF_FFFF_FFFF;
    for value in 0..70_000u64 {
        assert_eq!(
            spread(value) & PLACE,
            (spread(value & !15) & PLACE) + (value & 15)
        );
    }
    let tags: std::collections::HashSet<u64> =
        (0..1_000).map(|value| spread(value) >> 57).collect();
    assert!(tags.len() > 100, "{} tags", tags.len());
    // The 62,500 runs of a million ascending ids spread over the 131,072 groups of 16 places
    // of a 2²¹-slot table as random places would (about 49,700 groups taken, not a few).
    let groups: std::collections::HashSet<u64> = (0..1_000_000u64)
        .step_by(16)
        .map(|value| (spread(value) & ((1 << 21) - 1)) >> 4)
        .collect();
    assert!(groups.len() > 48_000, "{} groups", groups.len());
    // Integers that differ only high up land in different places of a 2²¹-slot table.
    for step in [1u64 << 16, 1 << 20, 1 << 21, 1 << 32, 1_000_000_000_000] {
        let places: std::collections::HashSet<u64> = (0..1_000)
            .map(|value| spread(value * step) & ((1 << 21) - 1))
            .collect();
        assert!(places.len() > 950, "step {step}: {} places", places.len());
    }
    // Each integer is its own key: the index tells them apart exactly, whether it has a
    // place near the first one seen or is in the table of the others.
    let mut index = UniqueIndex::integers();
    let key = |value: i64| [value as u64, 0];
    assert_eq!(index.first_row(key(5), 2), None);
    assert_eq!(index.first_row(key(-5), 3), None);
    assert_eq!(index.first_row(key(5), 4), Some(2));
    for (value, row) in [
        (i64::MIN, 5),
        (i64::MAX, 6),
        (5 + (1 << 20), 7),
        (5 - (1 << 20), 8),
    ] {
        assert_eq!(index.first_row(key(value), row), None, "{value}");
    }
    for (value, first) in [
        (i64::MIN, 5),
        (i64::MAX, 6),
        (5 + (1 << 20), 7),
        (5 - (1 << 20), 8),
        (-5, 3),
    ] {
        assert_eq!(index.first_row(key(value), 100), Some(first), "{value}");
    }
    let UniqueIndex::Integers { dense, others } = &index else {
        unreachable!("an index of integers")
    };
    assert_eq!((dense.first_rows.len(), others.len()), ((1 << 19) + 1, 4));
    // Made room for more rows, it gives places further out; a value already in the table
    // stays found there.
    index.reserve(1 << 21);
    assert_eq!(index.first_row(key(5 + (1 << 20)), 101), Some(7));
    assert_eq!(index.first_row(key(5 + (1 << 21)), 102), None);
    assert_eq!(index.first_row(key(5 + (1 << 21)), 103), Some(102));
}
