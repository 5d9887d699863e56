//! How a header or a name is read as words: accents folded, camelCase, acronyms and
//! letters against digits split, `#` and `N°` as "number", abbreviations expanded, compounds of
//! two known words split, a table alias or a vendor's prefix set aside, German without umlauts
//! and unknown plurals read as the known word; units in brackets kept as evidence, other
//! bracketed words as notes.

use std::sync::LazyLock;

use regex::Regex;
use unicode_normalization::UnicodeNormalization;

use super::{Reading, Vocabulary};

impl Vocabulary {
    /// Reads a header or a name as words: see the module's comment.
    pub(crate) fn read(&self, text: &str) -> Reading {
        let mut reading = Reading {
            question: text.trim_end().ends_with('?'),
            ..Reading::default()
        };
        // A one-letter prefix of a technical name ("v_products_model", "s.town") names the
        // export's table alias, not the column; an abbreviation ("Q.tà") is no prefix: what
        // follows the alias is a word of three letters or more.
        // So is a letter and a digit (TOTVS Protheus's "B1_COD", "A1_NOME": the tables SB1, SA1).
        let trimmed = text.trim_start();
        let word_after = |start: usize| {
            trimmed[start..]
                .chars()
                .take_while(|character| character.is_alphanumeric())
                .count()
                >= 3
        };
        let text = match trimmed.as_bytes() {
            [letter, b'_' | b'.', ..] if letter.is_ascii_alphabetic() && word_after(2) => {
                &trimmed[2..]
            }
            [letter, digit, b'_', ..]
                if letter.is_ascii_alphabetic() && digit.is_ascii_digit() && word_after(3) =>
            {
                &trimmed[3..]
            }
            _ => text,
        };
        let text = letters_and_locales(text);
        for (segment, bracketed) in segments(&text) {
            let mut words = Vec::new();
            push_words(&segment, &mut words);
            if bracketed {
                // A note in brackets ("(kg)", "(0/1)", "(HTML)") is not part of the name; a unit
                // in it is kept as evidence, and its other words as a note. Taxes included or
                // not are part of the name ("Amount (ex tax)" is a subtotal).
                let mut read = Vec::new();
                for word in words {
                    match self.units.get(&word) {
                        Some(unit) => reading.units.push(unit.clone()),
                        None => self.push_read(&word, &mut read),
                    }
                }
                if read.iter().any(|word| word == "incl" || word == "excl") {
                    reading.words.extend(read);
                } else {
                    reading.notes.extend(read);
                }
                continue;
            }
            // Two words that make a known word are that word ("VerkaufsPreis" is the name
            // "Verkaufspreis").
            let mut index = 0;
            while index + 1 < words.len() {
                let joined = format!("{}{}", words[index], words[index + 1]);
                if self.known.contains(&joined) {
                    words.splice(index..index + 2, [joined]);
                }
                index += 1;
            }
            for (index, word) in words.iter().enumerate() {
                // "No" before a tax is "without" ("p_priceNoTax"), not a number.
                let before_tax = words.get(index + 1).is_some_and(|next| {
                    self.synonyms.get(next).map_or(next == "tax", |read| {
                        read.first().is_some_and(|first| first == "tax")
                    })
                });
                if word == "no" && before_tax {
                    reading.words.push("excl".to_string());
                } else {
                    self.push_read(word, &mut reading.words);
                }
            }
        }
        // A trailing unit word ("weight_kg", "Price USD") is a unit, when something is left.
        while reading.words.len() > 1
            && let Some(unit) = reading
                .words
                .last()
                .filter(|word| word.len() >= 2 && !AMBIGUOUS_UNITS.contains(&word.as_str()))
                .and_then(|word| self.units.get(word))
        {
            reading.units.push(unit.clone());
            reading.words.pop();
        }
        reading
    }

    /// One word, with its synonyms applied and a compound of two known words split.
    fn push_read(&self, word: &str, out: &mut Vec<String>) {
        if let Some(replacement) = self.synonyms.get(word) {
            out.extend(replacement.iter().cloned());
            return;
        }
        // German written without umlauts ("Waehrung", "Faelligkeit"): the folded spelling.
        if !self.known.contains(word) && ["ae", "oe", "ue"].iter().any(|pair| word.contains(pair)) {
            let folded = word
                .replace("ae", "a")
                .replace("oe", "o")
                .replace("ue", "u");
            if self.known.contains(&folded) || self.split_compound(&folded).is_some() {
                return self.push_read(&folded, out);
            }
        }
        // A vendor's two-letter prefix run into a known word ("OXARTNUM", "OXTITLE"), when it
        // is none of the language's own ("restock", "unit").
        if word.chars().count() >= 5
            && !self.known.contains(word)
            && word.is_ascii()
            && !WORD_PREFIXES.contains(&&word[..2])
        {
            let rest = &word[2..];
            if self.known.contains(rest) || self.synonyms.contains_key(rest) {
                return self.push_read(rest, out);
            }
            if let Some((first, second)) = self.split_compound(rest)
                && !self.known.contains(&word[..2])
            {
                for part in [first, second] {
                    self.push_read(&part, out);
                }
                return;
            }
        }
        // A plural the vocabulary does not know, of a word it knows ("Purchases"); but codes are
        // several codes ("CATEGORY_CODES" is a list, no category).
        if word.chars().count() >= 5
            && word != "codes"
            && !self.known.contains(word)
            && let Some(singular) = word.strip_suffix('s')
            && self.known.contains(singular)
        {
            out.push(singular.to_string());
            return;
        }
        // Known words are split too when they are compounds of two (a name written
        // `Artikelnummer` and a header written `Artikel-Nr.` must read the same).
        if word.chars().count() < 6 {
            out.push(word.to_string());
            return;
        }
        match self.split_compound(word) {
            Some((first, second)) => {
                for part in [first, second] {
                    match self.synonyms.get(&part) {
                        Some(replacement) => out.extend(replacement.iter().cloned()),
                        None => out.push(part),
                    }
                }
            }
            None => out.push(word.to_string()),
        }
    }

    /// `artikelnummer` → `artikel` + `nummer`, `rechnungsdatum` → `rechnung` + `datum` (a
    /// linking s), `stockqty` → `stock` + `qty`: both parts known words of three letters or more.
    fn split_compound(&self, word: &str) -> Option<(String, String)> {
        let characters: Vec<char> = word.chars().collect();
        let is_known = |part: &str| self.known.contains(part) || self.synonyms.contains_key(part);
        // The longest known second part first: "kundennummer" is kunden + nummer.
        for split in 3..=characters.len().saturating_sub(2) {
            let first: String = characters[..split].iter().collect();
            let second: String = characters[split..].iter().collect();
            // A second part of two letters only as an abbreviation (Kundennr) or an id
            // ("categoryid").
            let long_enough = characters.len() - split >= 3
                || self.synonyms.contains_key(&second)
                || second == "id";
            if !long_enough || !is_known(&second) {
                continue;
            }
            if is_known(&first) {
                return Some((first, second));
            }
            if let Some(stem) = first.strip_suffix('s')
                && stem.chars().count() >= 3
                && is_known(stem)
            {
                return Some((stem.to_string(), second));
            }
        }
        None
    }
}

/// Two letters that begin words of the languages themselves, never taken for a vendor's prefix.
const WORD_PREFIXES: [&str; 15] = [
    "re", "un", "in", "im", "de", "di", "ex", "co", "en", "em", "up", "bi", "pr", "ne", "id",
];

/// Unit words that are also ordinary words, taken as units only in brackets.
const AMBIGUOUS_UNITS: [&str; 4] = ["in", "m", "g", "ft"];

pub(super) fn canonical_unit(unit: &str) -> String {
    match unit {
        "kgs" | "kilograms" | "kilogram" | "kilogramm" | "kilo" | "kilos" => "kg",
        "gr" | "grams" | "gram" | "gramm" | "gramme" | "grammes" | "grammi" | "gramos"
        | "gramas" => "g",
        "lbs" | "pounds" => "lb",
        "ounces" => "oz",
        "inch" | "inches" => "in",
        other => other,
    }
    .to_string()
}

/// Letters written one by one are one word ("P.V.P." is PVP, "Z i p" is Zip), and a locale tag
/// ("name-en_US", "Titel de_DE") is a note, as if in brackets: the language of a column, not
/// its name.
fn letters_and_locales(text: &str) -> std::borrow::Cow<'_, str> {
    static DOTTED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\b(?:\p{L}\.)+\p{L}\b\.?").expect("a valid pattern"));
    static SPACED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\b\p{L}(?: \p{L}){2,}\b").expect("a valid pattern"));
    static LOCALE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"[a-z]{2}[_-][A-Z]{2}").expect("a valid pattern"));
    let joined = |found: &regex::Captures<'_>| {
        found[0]
            .chars()
            .filter(|character| character.is_alphabetic())
            .collect::<String>()
    };
    // Most headers have none of these: the patterns run only where they may match.
    let text = if text.contains('.') {
        DOTTED.replace_all(text, joined)
    } else {
        std::borrow::Cow::Borrowed(text)
    };
    let text = match text {
        text if !text.contains(' ') => text,
        std::borrow::Cow::Borrowed(text) => SPACED.replace_all(text, joined),
        std::borrow::Cow::Owned(changed) => {
            std::borrow::Cow::Owned(SPACED.replace_all(&changed, joined).into_owned())
        }
    };
    if !text.contains(['_', '-']) {
        return text;
    }
    // A locale tag stands alone: no letter or digit touches it.
    let alone = |text: &str, start: usize, end: usize| {
        !text[..start]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
            && !text[end..]
                .chars()
                .next()
                .is_some_and(char::is_alphanumeric)
    };
    let tags: Vec<(usize, usize)> = LOCALE
        .find_iter(&text)
        .map(|found| (found.start(), found.end()))
        .filter(|&(start, end)| alone(&text, start, end))
        .collect();
    if tags.is_empty() {
        return text;
    }
    let mut noted = String::with_capacity(text.len() + 4 * tags.len());
    let mut from = 0;
    for (start, end) in tags {
        noted.push_str(&text[from..start]);
        noted.push_str(" (");
        noted.push_str(&text[start..end]);
        noted.push_str(") ");
        from = end;
    }
    noted.push_str(&text[from..]);
    std::borrow::Cow::Owned(noted)
}

/// The text split at brackets: each part, and whether it stood inside brackets.
pub(super) fn segments(text: &str) -> Vec<(String, bool)> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    for character in text.chars() {
        match character {
            '(' | '[' | '{' => {
                parts.push((std::mem::take(&mut current), depth > 0));
                depth += 1;
            }
            ')' | ']' | '}' if depth > 0 => {
                parts.push((std::mem::take(&mut current), true));
                depth -= 1;
            }
            other => current.push(other),
        }
    }
    parts.push((current, depth > 0));
    parts.retain(|(part, _)| !part.trim().is_empty());
    parts
}

/// Splits text into folded lower-case words: at spaces and punctuation, camelCase humps
/// (`unitPrice`), the end of an acronym (`POCity`), letters against digits (`Option1`); `#` and
/// `N°` and `N.` read as "number", `%` as "percent", "e mail" as "email".
pub(super) fn push_words(text: &str, words: &mut Vec<String>) {
    let start = words.len();
    let mut current = String::new();
    let characters: Vec<char> = text.chars().collect();
    let finish = |current: &mut String, words: &mut Vec<String>| {
        if !current.is_empty() {
            words.push(fold(current));
            current.clear();
        }
    };
    for (position, &character) in characters.iter().enumerate() {
        let previous = position.checked_sub(1).map(|at| characters[at]);
        let next = characters.get(position + 1).copied();
        if character.is_alphanumeric() && character != 'º' {
            let boundary = match previous {
                Some(previous) if previous.is_alphanumeric() => {
                    // weightKg: a hump after lower-case letters; POCity: the last capital of a
                    // run that starts a word; Option1: letters then digits.
                    (character.is_uppercase()
                        && previous.is_lowercase()
                        && lower_run(&current) >= 2)
                        || (character.is_uppercase()
                            && previous.is_uppercase()
                            && next.is_some_and(char::is_lowercase)
                            && current.chars().count() >= 2)
                        || (character.is_numeric() != previous.is_numeric())
                }
                _ => false,
            };
            if boundary {
                finish(&mut current, words);
            }
            current.push(character);
        } else {
            finish(&mut current, words);
            match character {
                '#' => words.push("number".to_string()),
                '°' | 'º' => {
                    // N° and Nº: the n is part of the sign.
                    if words.len() > start && words.last().is_some_and(|word| word == "n") {
                        words.pop();
                    }
                    words.push("number".to_string());
                }
                '%' => words.push("percent".to_string()),
                // "Total c/ IVA", "Total s/ IVA": with and without, in Spanish and Portuguese.
                '/' if words.len() > start
                    && characters[..position]
                        .last()
                        .is_some_and(|letter| matches!(letter, 'c' | 'C' | 's' | 'S'))
                    && words.last().is_some_and(|word| word == "c" || word == "s") =>
                {
                    let with = words.pop().is_some_and(|word| word == "c");
                    words.push(if with { "incl" } else { "excl" }.to_string());
                }
                // "N. documento": a lone n with a full stop is the number sign.
                '.' if words.len() > start
                    && words.last().is_some_and(|word| word == "n")
                    && characters[..position]
                        .last()
                        .is_some_and(|letter| letter.eq_ignore_ascii_case(&'n')) =>
                {
                    words.pop();
                    words.push("number".to_string());
                }
                _ => {}
            }
        }
    }
    finish(&mut current, words);
    // "e mail" and "e mails" are one word.
    let mut index = start;
    while index + 1 < words.len() {
        if words[index] == "e" && (words[index + 1] == "mail" || words[index + 1] == "mails") {
            let joined = format!("e{}", words[index + 1]);
            words.splice(index..index + 2, [joined]);
        }
        index += 1;
    }
}

/// Lower-case letters at the end of the word being built.
fn lower_run(current: &str) -> usize {
    current
        .chars()
        .rev()
        .take_while(|character| character.is_lowercase())
        .count()
}

/// Lower case without accents: `Référence` → `reference`, `Straße` → `strasse`, `Fällig` →
/// `fallig`.
pub(crate) fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for character in text.nfd() {
        if unicode_normalization::char::is_combining_mark(character) {
            continue;
        }
        match character {
            'ß' => folded.push_str("ss"),
            'æ' | 'Æ' => folded.push_str("ae"),
            'œ' | 'Œ' => folded.push_str("oe"),
            'ø' | 'Ø' => folded.push('o'),
            'ł' | 'Ł' => folded.push('l'),
            'đ' | 'Đ' => folded.push('d'),
            other => folded.extend(other.to_lowercase()),
        }
    }
    folded
}
