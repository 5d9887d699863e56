//! E-mail addresses, yes/no words and the text style of a column.

use super::DateOrder;

/// True for an e-mail address of the plain ASCII form that validator's check accepts: a user part
/// of up to 64 of its characters, `@`, a domain of up to 255 made of dot-separated labels of
/// letters, digits and inner hyphens, each 1 to 63 long. Anything else is for validator to judge
/// (international domains, IP literals). validator matches with regular expressions shared by
/// every thread, whose caches the threads queue for; this answers most addresses without them.
pub(crate) fn plain_email(text: &str) -> bool {
    let bytes = text.as_bytes();
    let Some(at) = memchr::memrchr(b'@', bytes) else {
        return false;
    };
    let (user, domain) = (&bytes[..at], &bytes[at + 1..]);
    if !(1..=64).contains(&user.len())
        || domain.len() > 255
        || !user.iter().all(|&byte| EMAIL_USER_BYTES[usize::from(byte)])
    {
        return false;
    }
    // One pass over the domain: the length of the label so far and the byte before.
    let mut label = 0;
    let mut previous = b'.';
    for &byte in domain {
        match byte {
            b'.' if label > 0 && previous != b'-' => label = 0,
            b'-' if label > 0 => label += 1,
            _ if byte.is_ascii_alphanumeric() => label += 1,
            _ => return false,
        }
        if label > 63 {
            return false;
        }
        previous = byte;
    }
    label > 0 && previous != b'-'
}

/// The bytes of the user part of a plain e-mail address: ASCII letters, digits and
/// `.!#$%&'*+/=?^_`{|}~-`.
const EMAIL_USER_BYTES: [bool; 256] = {
    let symbols = b".!#$%&'*+/=?^_`{|}~-";
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = (byte as u8).is_ascii_alphanumeric();
        byte += 1;
    }
    let mut index = 0;
    while index < symbols.len() {
        table[symbols[index] as usize] = true;
        index += 1;
    }
    table
};

/// How a column writes numbers and dates: decided per column from its values (see `profile`),
/// or by the user's `--decimal-comma` and `--date-order`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct TextStyle {
    pub decimal_comma: bool,
    /// `None`: only dates that read one way are accepted.
    pub date_order: Option<DateOrder>,
    /// The column is of intake's own rejects file, whose formula guard (`'` before `=`, `+`,
    /// `-`, `@`) is taken off again, so that a fixed rejects file imports what the user wrote.
    pub guarded: bool,
}

/// A cell as it was before `report::neutralise` put a `'` in front of it.
pub(crate) fn unguarded(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => text,
    }
}

/// Words for true and false (not 1 and 0, which are numbers too).
pub(crate) fn parse_boolean_word(text: &str) -> Option<bool> {
    // English, then the usual words of German, French, Spanish, Italian, Dutch and Portuguese
    // spreadsheets (`ja`, `oui`, `sí`, `sì`, `sim`, and `S` for either; `nein`, `non`, `nee`,
    // `não`).
    const TRUE: [&str; 18] = [
        "true",
        "t",
        "yes",
        "y",
        "s",
        "on",
        "ja",
        "j",
        "wahr",
        "oui",
        "vrai",
        "si",
        "sí",
        "sì",
        "verdadero",
        "vero",
        "sim",
        "waar",
    ];
    const FALSE: [&str; 14] = [
        "false", "f", "no", "n", "off", "nein", "falsch", "non", "faux", "falso", "nee", "onwaar",
        "não", "nao",
    ];
    if text.len() > 10 {
        return None;
    }
    let same = |word: &&str| {
        if text.is_ascii() {
            word.eq_ignore_ascii_case(text)
        } else {
            text.to_lowercase() == **word
        }
    };
    if TRUE.iter().any(same) {
        Some(true)
    } else if FALSE.iter().any(same) {
        Some(false)
    } else {
        None
    }
}

/// A boolean in a field's own words (`trueValues`, `falseValues`); a side left out keeps the
/// usual words.
pub(crate) fn parse_boolean_with(
    text: &str,
    true_values: Option<&[String]>,
    false_values: Option<&[String]>,
) -> Result<bool, String> {
    let matches = |words: &[String]| words.iter().any(|word| word.eq_ignore_ascii_case(text));
    let is_true = true_values.map_or_else(|| parse_boolean(text) == Ok(true), matches);
    let is_false = false_values.map_or_else(|| parse_boolean(text) == Ok(false), matches);
    match (is_true, is_false) {
        (true, false) => Ok(true),
        (false, true) => Ok(false),
        _ => {
            let shown = |words: Option<&[String]>, usual: &str| {
                words.map_or_else(|| usual.to_string(), |words| words.join(", "))
            };
            Err(format!(
                "expected one of: {} (true) or {} (false)",
                shown(true_values, "true, yes, y, 1"),
                shown(false_values, "false, no, n, 0")
            ))
        }
    }
}

pub(crate) fn parse_boolean(text: &str) -> Result<bool, String> {
    match text {
        "1" => Ok(true),
        "0" => Ok(false),
        _ => parse_boolean_word(text)
            .ok_or_else(|| "expected true or false (also yes/no, y/n, 1/0)".to_string()),
    }
}
