//! Numbers as people write them, read exactly: separators, grouping, signs, accounting
//! parentheses, currencies, scientific notation.

use std::str::FromStr;

use rust_decimal::Decimal;

use super::TextStyle;

/// Takes off what surrounds the digits of a number as people write it: a sign or accounting
/// parentheses, a currency symbol or code before or after. Gives the sign and the rest.
pub(crate) fn strip_number_decoration(text: &str) -> Option<(bool, &str)> {
    const CURRENCIES: [&str; 10] = ["$", "€", "£", "¥", "₹", "USD", "EUR", "GBP", "CHF", "CAD"];
    let mut rest = text.trim();
    // Most numbers start and end with a digit: nothing to take off (every sign, parenthesis
    // and currency starts or ends with something else).
    let bytes = rest.as_bytes();
    if bytes.first().is_some_and(u8::is_ascii_digit) && bytes.last().is_some_and(u8::is_ascii_digit)
    {
        return Some((false, rest));
    }
    let mut negative = false;
    if let Some(inner) = rest
        .strip_prefix('(')
        .and_then(|inner| inner.strip_suffix(')'))
    {
        negative = true;
        rest = inner.trim();
    }
    for _ in 0..2 {
        if let Some(after) = rest.strip_prefix(['-', '\u{2212}']) {
            negative = !negative;
            rest = after.trim_start();
        } else if let Some(after) = rest.strip_prefix('+') {
            rest = after.trim_start();
        }
        for currency in CURRENCIES {
            if let Some(after) = rest.strip_prefix(currency) {
                rest = after.trim_start();
            }
            if let Some(before) = rest.strip_suffix(currency) {
                rest = before.trim_end();
            }
        }
    }
    if let Some(before) = rest.strip_suffix('-') {
        // Trailing minus, as some ledgers write it.
        negative = !negative;
        rest = before.trim_end();
    }
    let starts_with_digit = rest.starts_with(|character: char| {
        character.is_ascii_digit() || character == '.' || character == ','
    });
    (starts_with_digit && rest.ends_with(|character: char| character.is_ascii_digit()))
        .then_some((negative, rest))
}

/// Reads a number in the column's style: its decimal separator, any thousands grouping (the
/// other of point and comma, a space, a non-breaking space or an apostrophe, in groups of three),
/// a sign, accounting parentheses, a currency. Exact: a `Decimal`, never a float.
pub(crate) fn parse_decimal(text: &str, style: &TextStyle) -> Result<Decimal, String> {
    // The common case, `-1234.5` in a decimal-point column (or digits alone in any column), read
    // directly without the general path's allocations.
    if (!style.decimal_comma || !text.contains('.'))
        && let Some(number) = plain_decimal(text)
    {
        return Ok(number);
    }
    let (decimal, grouping) = if style.decimal_comma {
        (',', '.')
    } else {
        ('.', ',')
    };
    let expected = || {
        format!(
            "expected a number such as {} (decimal {})",
            if style.decimal_comma {
                "1.234,56"
            } else {
                "1,234.56"
            },
            if style.decimal_comma {
                "comma"
            } else {
                "point"
            }
        )
    };
    if let Some(number) = parse_scientific(text) {
        return Ok(number);
    }
    let (negative, core) = strip_number_decoration(text).ok_or_else(expected)?;
    let (whole, fraction) = match core.rsplit_once(decimal) {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (core, None),
    };
    if whole.contains(decimal)
        || fraction.is_some_and(|fraction| !fraction.bytes().all(|byte| byte.is_ascii_digit()))
    {
        return Err(expected());
    }
    let groups: Vec<&str> = whole
        .split([grouping, ' ', '\u{a0}', '\u{202f}', '\''])
        .collect();
    let digits_only = |group: &str| group.bytes().all(|byte| byte.is_ascii_digit());
    let grouped = groups.len() > 1;
    let groups_ok = groups.iter().all(|group| digits_only(group))
        && (!grouped
            || (!groups[0].is_empty()
                && groups[0].len() <= 3
                && groups[1..].iter().all(|group| group.len() == 3)));
    if !groups_ok || (whole.is_empty() && fraction.is_none_or(str::is_empty)) {
        return Err(expected());
    }
    let plain = format!(
        "{}{}{}{}",
        if negative { "-" } else { "" },
        if whole.is_empty() {
            "0".to_string()
        } else {
            groups.concat()
        },
        if fraction.is_some() { "." } else { "" },
        fraction.unwrap_or_default()
    );
    Decimal::from_str_exact(&plain)
        .map_err(|_| "is too large or too precise for a number".to_string())
}

/// `-?digits(.digits)?`, nothing else: read by `Decimal` itself.
pub(crate) fn plain_decimal(text: &str) -> Option<Decimal> {
    let bytes = text.as_bytes();
    let negative = bytes.first() == Some(&b'-');
    let digits = if negative { &bytes[1..] } else { bytes };
    if digits.is_empty() || digits.len() > 28 {
        return None;
    }
    let mut point = None;
    // Up to 18 digits fit a u64: the decimal is made from them directly.
    let mut mantissa: u64 = 0;
    for (index, &byte) in digits.iter().enumerate() {
        if byte == b'.' {
            if point.is_some() || index == 0 || index == digits.len() - 1 {
                return None;
            }
            point = Some(index);
        } else if byte.is_ascii_digit() {
            mantissa = mantissa
                .wrapping_mul(10)
                .wrapping_add(u64::from(byte - b'0'));
        } else {
            return None;
        }
    }
    let count = digits.len() - usize::from(point.is_some());
    if count > 18 {
        return Decimal::from_str_exact(text).ok();
    }
    let scale = point.map_or(0, |point| digits.len() - point - 1) as u32;
    Some(Decimal::from_parts(
        mantissa as u32,
        (mantissa >> 32) as u32,
        0,
        negative,
        scale,
    ))
}

/// `1.5e3`, `-2E-4`: scientific notation, as some exports write large or small numbers.
fn parse_scientific(text: &str) -> Option<Decimal> {
    let (mantissa, exponent) = text.split_once(['e', 'E'])?;
    let unsigned = mantissa.strip_prefix(['-', '+']).unwrap_or(mantissa);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    let exponent_digits = exponent.strip_prefix(['-', '+']).unwrap_or(exponent);
    if whole.is_empty() && fraction.is_empty()
        || !digits(whole)
        || !digits(fraction)
        || exponent_digits.is_empty()
        || !digits(exponent_digits)
    {
        return None;
    }
    Decimal::from_scientific(text).ok()
}

pub(crate) fn parse_integer(text: &str, style: &TextStyle) -> Result<i64, String> {
    let bytes = text.as_bytes();
    let digits = bytes.strip_prefix(b"-").unwrap_or(bytes);
    if !digits.is_empty() && digits.len() <= 18 && digits.iter().all(u8::is_ascii_digit) {
        return text
            .parse()
            .map_err(|_| "expected a whole number such as 42".to_string());
    }
    let decimal =
        parse_decimal(text, style).map_err(|_| "expected a whole number such as 42".to_string())?;
    if !decimal.fract().is_zero() {
        return Err("expected a whole number, not a fraction".to_string());
    }
    i64::from_str(&decimal.trunc().normalize().to_string())
        .map_err(|_| "is too large for a whole number".to_string())
}
