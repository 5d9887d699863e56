//! What one text says of its kind: a number and its separators, a date and its order, a phone
//! number, a URL, a country or currency code.

use polars::prelude::AnyValue;

use crate::value;

use super::*;

pub(super) fn any_text(value: Option<AnyValue<'_>>) -> Option<String> {
    match value? {
        AnyValue::String(text) => Some(text.to_string()),
        AnyValue::StringOwned(text) => Some(text.to_string()),
        _ => None,
    }
}

pub(super) fn day_text(value: Option<AnyValue<'_>>) -> Option<String> {
    let days = match value? {
        AnyValue::Int32(days) => days,
        _ => return None,
    };
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?;
    let date = epoch.checked_add_signed(chrono::Duration::days(i64::from(days)))?;
    Some(date.format("%Y-%m-%d").to_string())
}

pub(super) fn looks_like_url(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("www."))
        && !text.contains(char::is_whitespace)
}

/// What a numeric text says about the decimal separator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DecimalEvidence {
    /// No separator that could be decimal: `1234`, `1 234`.
    None,
    Point,
    Comma,
    /// `1,234` or `1.234`: a thousands separator, or a decimal one with three places.
    Either,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NumberEvidence {
    pub decimal: DecimalEvidence,
    pub thousands: Option<char>,
    /// Reads as a whole number under the evidence (no fraction in any reading).
    pub integer: bool,
}

/// Whether text is a number as people write them (sign, currency, parentheses, grouping), and
/// what it says about the separators.
pub(crate) fn number_evidence(text: &str) -> Option<NumberEvidence> {
    let (_, core) = value::strip_number_decoration(text)?;
    let digits_only =
        |part: &str| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit());
    const SPACES: [char; 4] = [' ', '\u{a0}', '\u{202f}', '\''];
    // Most numbers have no space in them: the text is used as it is, without a copy.
    let grouped_by_space = core.contains(SPACES);
    let core: std::borrow::Cow<'_, str> = if grouped_by_space {
        let spaced: Vec<&str> = core.split(SPACES).collect();
        if !spaced[1..]
            .iter()
            .all(|group| group.len() == 3 || group.contains([',', '.']))
        {
            return None;
        }
        spaced.concat().into()
    } else {
        core.into()
    };
    let thousands_space = grouped_by_space.then_some(' ');
    let commas = core.matches(',').count();
    let points = core.matches('.').count();
    match (commas, points) {
        (0, 0) => digits_only(&core).then_some(NumberEvidence {
            decimal: DecimalEvidence::None,
            thousands: thousands_space,
            integer: true,
        }),
        (0, _) | (_, 0) => {
            let separator = if commas > 0 { ',' } else { '.' };
            let parts: Vec<&str> = core.split(separator).collect();
            let plain = parts.iter().all(|part| digits_only(part));
            let leading_separator =
                parts.len() == 2 && parts[0].is_empty() && digits_only(parts[1]);
            if !(plain || leading_separator) {
                return None;
            }
            let as_decimal = if separator == ',' {
                DecimalEvidence::Comma
            } else {
                DecimalEvidence::Point
            };
            let other = if separator == ',' {
                DecimalEvidence::Point
            } else {
                DecimalEvidence::Comma
            };
            if parts.len() > 2 {
                // 1,234,567: only thousands; the decimal separator is the other one.
                let groups_ok =
                    parts[0].len() <= 3 && parts[1..].iter().all(|part| part.len() == 3);
                return groups_ok.then_some(NumberEvidence {
                    decimal: other,
                    thousands: Some(separator),
                    integer: true,
                });
            }
            let (whole, fraction) = (parts[0], parts[1]);
            let could_group = fraction.len() == 3
                && (1..=3).contains(&whole.len())
                && !whole.starts_with('0')
                && thousands_space.is_none();
            Some(NumberEvidence {
                decimal: if could_group {
                    DecimalEvidence::Either
                } else {
                    as_decimal
                },
                thousands: thousands_space,
                integer: fraction.bytes().all(|byte| byte == b'0'),
            })
        }
        _ => {
            // Both: the last one is decimal, the other groups thousands.
            let last_comma = core.rfind(',').unwrap_or(0);
            let last_point = core.rfind('.').unwrap_or(0);
            let (decimal, thousands) = if last_comma > last_point {
                (',', '.')
            } else {
                ('.', ',')
            };
            let (whole, fraction) = core.rsplit_once(decimal)?;
            if whole.contains(decimal) || !digits_only(fraction) {
                return None;
            }
            let groups: Vec<&str> = whole.split(thousands).collect();
            let groups_ok = digits_only(groups[0])
                && groups[0].len() <= 3
                && groups[1..]
                    .iter()
                    .all(|group| group.len() == 3 && digits_only(group));
            groups_ok.then_some(NumberEvidence {
                decimal: if decimal == ',' {
                    DecimalEvidence::Comma
                } else {
                    DecimalEvidence::Point
                },
                thousands: Some(thousands),
                integer: fraction.bytes().all(|byte| byte == b'0'),
            })
        }
    }
}

/// What a date text says about the order of day and month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DateEvidence {
    /// Decided by this value alone (`ymd` for ISO, `dmy` for 31/01/2024, `mdy` for 01/31/2024).
    pub order: Option<DateOrder>,
    /// Both readings are valid and differ (03/04/2024).
    pub ambiguous: bool,
    pub with_time: bool,
}

/// Whether text is a date (or date and time) and what it says about the order.
pub(crate) fn date_evidence(text: &str) -> Option<DateEvidence> {
    let (date_part, with_time) = value::split_date_time(text)?;
    if value::iso_date(date_part).is_some() {
        return Some(DateEvidence {
            order: Some(DateOrder::Ymd),
            ambiguous: false,
            with_time,
        });
    }
    if value::textual_date(date_part).is_some() {
        return Some(DateEvidence {
            order: None,
            ambiguous: false,
            with_time,
        });
    }
    let day_first = value::parse_date_in_order(date_part, DateOrder::Dmy).is_some();
    let month_first = value::parse_date_in_order(date_part, DateOrder::Mdy).is_some();
    let same = day_first
        && month_first
        && value::parse_date_in_order(date_part, DateOrder::Dmy)
            == value::parse_date_in_order(date_part, DateOrder::Mdy);
    match (day_first, month_first) {
        (false, false) => None,
        (true, false) => Some(DateEvidence {
            order: Some(DateOrder::Dmy),
            ambiguous: false,
            with_time,
        }),
        (false, true) => Some(DateEvidence {
            order: Some(DateOrder::Mdy),
            ambiguous: false,
            with_time,
        }),
        (true, true) => Some(DateEvidence {
            order: None,
            ambiguous: !same,
            with_time,
        }),
    }
}

/// A telephone number as people write one: 6 to 15 digits, grouped or prefixed by at least one of
/// `+ ( ) - . /` or a space, and nothing else (a bare run of digits is a number, not evidence).
pub(super) fn looks_like_phone(text: &str) -> bool {
    let digits = text.bytes().filter(u8::is_ascii_digit).count();
    (6..=15).contains(&digits)
        && text
            .bytes()
            .all(|byte| byte.is_ascii_digit() || b"+()-./ ".contains(&byte))
        && text.bytes().any(|byte| b"+()-./ ".contains(&byte))
        && !text.contains("..")
        && date_evidence(text).is_none()
        && !text.bytes().filter(|byte| *byte == b'.').count().eq(&1)
}

/// ISO 3166-1 alpha-2, the officially assigned codes (and `UK`, `EU`, which exports use).
pub(super) const COUNTRY_CODES: &[&str] = &[
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "EU", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE",
    "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK",
    "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE",
    "JM", "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB",
    "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH",
    "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ",
    "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF",
    "PG", "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU",
    "RW", "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR",
    "SS", "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN",
    "TO", "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UK", "UM", "US", "UY", "UZ", "VA", "VC", "VE",
    "VG", "VI", "VN", "VU", "WF", "WS", "XK", "YE", "YT", "ZA", "ZM", "ZW",
];

/// ISO 4217 codes of the currencies in use.
pub(super) const CURRENCY_CODES: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD",
    "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ",
    "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD",
    "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR",
    "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
    "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN",
    "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR",
    "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB",
    "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS",
    "VES", "VND", "VUV", "WST", "XAF", "XCD", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWL",
];
