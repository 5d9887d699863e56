use super::*;
use proptest::prelude::*;

/// Patterns with a DFA and without: each value matches by it as by the regex alone.
const PATTERNS: [&str; 9] = [
    "SKU-[0-9]{7}",
    "[A-Z]{2}[0-9]{3,5}",
    "(a|ab)(c|bcd)",
    "\\w+@\\w+",
    "[[:alpha:]]+",
    "\u{e9}+x?",
    "\\d{2}-\\d{2}",
    "\\bab\\b.*",
    "a|",
];

#[test]
fn small_patterns_have_a_dfa() {
    assert!(
        Pattern::new("SKU-[0-9]{7}")
            .expect("compiles")
            .dfa
            .is_some()
    );
    // A Unicode word boundary is beyond a DFA: the regex alone answers.
    assert!(Pattern::new("\\bab\\b.*").expect("compiles").dfa.is_none());
    let pattern = Pattern::new("SKU-[0-9]{7}").expect("compiles");
    for (text, expected) in [
        ("SKU-0000001", true),
        ("SKU-000000", false),
        ("xSKU-0000001", false),
        ("SKU-0000001 ", false),
        ("", false),
    ] {
        assert_eq!(pattern.matches(text, None), expected, "{text:?}");
    }
}

proptest! {
    #[test]
    fn patterns_match_as_their_regex_does(
        index in 0..PATTERNS.len(),
        text in "[aAbcdxSKU0-9\u{e9}\u{661}@ _-]{0,12}",
    ) {
        let pattern = Pattern::new(PATTERNS[index]).expect("compiles");
        prop_assert_eq!(pattern.matches(&text, None), pattern.regex.is_match(&text), "{} {}", PATTERNS[index], text);
    }
}
