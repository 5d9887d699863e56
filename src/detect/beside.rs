//! Columns read beside each other: what one header means depends on its neighbours. The fuller
//! of two descriptions (`descr` and `fulldescr`), and the halves of a person's name (`Vorname`
//! beside `Name`).

use std::collections::HashMap;

use super::INSTEAD_SCORE;
use super::score::{FieldNames, HeaderNames, Method};
use crate::vocabulary::{QUALIFIED_SCORE, VOCABULARY};

/// Words that make a name the fuller of two ("fulldescr" beside "descr", "Description longue"
/// beside "Description"), in the seven languages (folded), first or last.
const FULLER_WORDS: [&str; 19] = [
    "full",
    "long",
    "detailed",
    "complete",
    "extended",
    "lang",
    "ausfuhrlich",
    "longue",
    "detaillee",
    "larga",
    "completa",
    "detallada",
    "lunga",
    "estesa",
    "lange",
    "volledige",
    "uitgebreide",
    "longa",
    "detalhada",
];

/// Two columns named the same but for a word that makes one the fuller ("descr" and
/// "fulldescr"): the plain one is the shorter, and takes nothing the fuller one may take; it
/// names what the fuller one's concept says its plain one names, less surely ("Description"
/// beside "Long Description" is the product's name).
pub(super) fn the_fuller_of_two(
    known: &[FieldNames],
    read: &[HeaderNames],
    pairs: &mut [Vec<(f64, Method, bool)>],
) {
    // Each fuller header and the words it has besides its fuller word.
    let fuller: Vec<(usize, &[String])> = read
        .iter()
        .enumerate()
        .filter_map(|(index, header)| {
            let words = header.reading.words.as_slice();
            match words {
                [first, rest @ ..]
                    if !rest.is_empty() && FULLER_WORDS.contains(&first.as_str()) =>
                {
                    Some((index, rest))
                }
                [rest @ .., last] if !rest.is_empty() && FULLER_WORDS.contains(&last.as_str()) => {
                    Some((index, rest))
                }
                _ => None,
            }
        })
        .collect();
    if fuller.is_empty() {
        return;
    }
    // The columns by their words, looked up once (a file may have thousands of columns).
    let mut by_words: HashMap<&[String], Vec<usize>> = HashMap::new();
    for (index, header) in read.iter().enumerate() {
        by_words
            .entry(header.reading.words.as_slice())
            .or_default()
            .push(index);
    }
    for (fuller, rest) in fuller {
        for &plain in by_words.get(rest).into_iter().flatten() {
            if plain == fuller {
                continue;
            }
            for field in 0..pairs[plain].len() {
                if !pairs[fuller][field].2 {
                    continue;
                }
                pairs[plain][field].2 = false;
                let named = known[field]
                    .concepts
                    .iter()
                    .filter_map(|&concept| VOCABULARY.concepts[concept].plain);
                for concept in named.collect::<Vec<usize>>() {
                    for (other, names) in known.iter().enumerate() {
                        if names.concepts.contains(&concept) && !pairs[plain][other].2 {
                            pairs[plain][other] = (INSTEAD_SCORE, Method::Alias, true);
                        }
                    }
                }
            }
        }
    }
}

/// The halves of a person's name read together. A "Name" beside a "First name" and no last
/// name is the last name ("Vorname", "Name"); beside a "Last name" and no first name, the first
/// name (only when one column alone is named so). And a word that means a half only among other
/// things ("Nom": also a product's name; "Nombre") is that half only beside the other half: alone
/// it may name a company or a whole name, and stays open.
pub(super) fn names_of_a_person(
    known: &[FieldNames],
    read: &[HeaderNames],
    pairs: &mut [Vec<(f64, Method, bool)>],
) {
    let vocabulary = &*VOCABULARY;
    let concept = |id: &str| {
        vocabulary
            .concepts
            .iter()
            .position(|concept| concept.id == id)
    };
    let (Some(full), Some(first), Some(last)) = (
        concept("customer.name"),
        concept("customer.first_name"),
        concept("customer.last_name"),
    ) else {
        return;
    };
    let reaches = |column: usize, wanted: usize| {
        read[column]
            .concepts
            .iter()
            .any(|found| !found.weak && found.concept == wanted)
    };
    let columns_of = |wanted: usize| -> Vec<usize> {
        (0..read.len())
            .filter(|&column| reaches(column, wanted))
            .collect()
    };
    let field_of = |wanted: usize| {
        known
            .iter()
            .position(|names| names.concepts.contains(&wanted))
    };
    if let [column] = columns_of(full).as_slice() {
        for (present, absent) in [(first, last), (last, first)] {
            if columns_of(present).iter().any(|other| other != column)
                && columns_of(absent).is_empty()
                && let Some(field) = field_of(absent)
            {
                pairs[*column][field] = (QUALIFIED_SCORE, Method::Alias, true);
            }
        }
    }
    for (half, other) in [(first, last), (last, first)] {
        let Some(field) = field_of(half) else {
            continue;
        };
        if !columns_of(other).is_empty() {
            continue;
        }
        for column in columns_of(half) {
            let words = &read[column].reading.words;
            if let [word] = words.as_slice()
                && vocabulary.meanings(word) > 1
            {
                pairs[column][field].2 = false;
            }
        }
    }
}
