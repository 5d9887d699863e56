//! Secrets kept out of what intake shows and stores: a URL's password (in its user info or in a
//! `password=` parameter) is never printed, logged, written into a manifest, a history row or an
//! error message. URLs are read with the `url` crate; one it cannot read is cut by hand, so
//! that even a mistyped URL is echoed without its secret.
//!
//! In detail (the code map of docs/architecture.md keeps the short version):
//! `redact`: secrets out of everything shown or stored. `url` reads a URL with the `url` crate and
//! drops the password of its user info and the value of each secret parameter (`password`,
//! `sslpassword`, `token`, ...); a URL the crate cannot read (`postgres:/...`, no scheme) is cut
//! by hand the same way. `Location`'s display, `BadUrl`, backup manifests, history rows and the
//! LLM endpoint in messages all go through it; `secrets_of_url` and `scrub` take the secrets out of
//! a server's error text. clap hides `DATABASE_URL`'s value in `--help`; an LLM answer has the key
//! replaced before it is read. Server errors are the server's message, detail and hint
//! (`db::server_message`), never sqlx's "at line N" of the server's source.

/// Query parameters whose value is a secret, compared without case.
const SECRET_PARAMETERS: [&str; 10] = [
    "password",
    "passwd",
    "pwd",
    "pass",
    "sslpassword",
    "secret",
    "token",
    "access_token",
    "api_key",
    "apikey",
];

const HIDDEN: &str = "***";

fn is_secret_parameter(name: &str) -> bool {
    SECRET_PARAMETERS
        .iter()
        .any(|secret| secret.eq_ignore_ascii_case(name))
}

/// `text` with the password of its user info left out and each secret parameter's value
/// replaced by `***`: `postgres://shop:pw@host/db?password=pw&sslmode=require` becomes
/// `postgres://shop@host/db?password=***&sslmode=require`.
pub(crate) fn url(text: &str) -> String {
    if let Ok(mut parsed) = url::Url::parse(text)
        && parsed.has_host()
    {
        let _ = parsed.set_password(None);
        if parsed.query().is_some() {
            let pairs: Vec<(String, String)> = parsed
                .query_pairs()
                .map(|(name, value)| {
                    let value = if is_secret_parameter(&name) {
                        HIDDEN.to_string()
                    } else {
                        value.into_owned()
                    };
                    (name.into_owned(), value)
                })
                .collect();
            parsed.query_pairs_mut().clear().extend_pairs(pairs);
        }
        return parsed.to_string();
    }
    by_hand(text)
}

/// The secrets a URL holds (its password and the values of secret parameters, as written and
/// decoded), so that they can be cut out of any text that may echo them, such as a server's
/// error message.
pub(crate) fn secrets_of_url(text: &str) -> Vec<String> {
    let mut secrets = Vec::new();
    if let Ok(parsed) = url::Url::parse(text) {
        if let Some(password) = parsed.password() {
            secrets.push(password.to_string());
            if let Ok(decoded) = percent_decoded(password) {
                secrets.push(decoded);
            }
        }
        for (name, value) in parsed.query_pairs() {
            if is_secret_parameter(&name) {
                secrets.push(value.into_owned());
            }
        }
    }
    // What the hand-made cut would take out, for a URL the parser reads differently.
    if let Some((_, info)) = user_info(text)
        && let Some((_, password)) = info.split_once(':')
    {
        secrets.push(password.to_string());
    }
    for (name, value) in parameters(text) {
        if is_secret_parameter(name) {
            secrets.push(value.to_string());
        }
    }
    secrets.retain(|secret| !secret.is_empty() && secret != HIDDEN);
    secrets.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
    secrets.dedup();
    secrets
}

/// `text` with every one of `secrets` replaced by `***`.
pub(crate) fn scrub(text: &str, secrets: &[String]) -> String {
    let mut text = text.to_string();
    for secret in secrets {
        if !secret.is_empty() {
            text = text.replace(secret.as_str(), HIDDEN);
        }
    }
    text
}

fn percent_decoded(text: &str) -> Result<String, std::string::FromUtf8Error> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = |byte: u8| (byte as char).to_digit(16);
        if bytes[index] == b'%'
            && let (Some(high), Some(low)) = (
                bytes.get(index + 1).copied().and_then(hex),
                bytes.get(index + 2).copied().and_then(hex),
            )
        {
            decoded.push((high * 16 + low) as u8);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded)
}

/// Where user info would be in `text`, and its start: from after the scheme (`x://`, `x:/`, or
/// the start when there is neither) to the last `@` before any `?` or `#`. Generous on purpose:
/// a password holding a `/` is still taken out.
fn user_info(text: &str) -> Option<(usize, &str)> {
    let start = text
        .find("://")
        .map(|at| at + 3)
        .or_else(|| text.find(":/").map(|at| at + 2))
        .unwrap_or(0);
    let rest = &text[start..];
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    let (info, _) = rest[..end].rsplit_once('@')?;
    Some((start, info))
}

/// The `name=value` pairs after the first `?` (or anywhere, split at `&` and `;`).
fn parameters(text: &str) -> impl Iterator<Item = (&str, &str)> {
    let query = text.split_once('?').map_or("", |(_, query)| query);
    query
        .split(['&', ';'])
        .filter_map(|pair| pair.split_once('='))
}

/// The cut for a URL the parser refuses (`postgres:/x`, `user:pw@host`, a stray space): the
/// user info keeps its user only, every secret parameter loses its value.
fn by_hand(text: &str) -> String {
    let mut shown = text.to_string();
    if let Some((start, info)) = user_info(text) {
        let user = info.split(':').next().unwrap_or_default();
        shown.replace_range(start..start + info.len(), user);
    }
    let secrets: Vec<String> = parameters(text)
        .filter(|(name, _)| is_secret_parameter(name))
        .map(|(_, value)| value.to_string())
        .collect();
    for secret in secrets {
        if !secret.is_empty() {
            shown = shown.replace(&secret, HIDDEN);
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_shown() {
        for (given, shown) in [
            (
                "postgres://shop:s3cret@localhost:5432/shop",
                "postgres://shop@localhost:5432/shop",
            ),
            (
                "postgres://shop@localhost/shop?password=s3cret&sslmode=disable",
                "postgres://shop@localhost/shop?password=***&sslmode=disable",
            ),
            (
                "POSTGRES://shop:s3cret@localhost/shop",
                "postgres://shop@localhost/shop",
            ),
            (
                "postgres:/shop:s3cret@localhost/shop",
                "postgres:/shop@localhost/shop",
            ),
            ("shop:s3cret@localhost/shop", "shop@localhost/shop"),
            (
                "postgres://shop:pa/s3cret@localhost",
                "postgres://shop@localhost",
            ),
            ("mysql://root:s3cret@db", "mysql://root@db"),
            (
                "postgres://host/db?PassWord=s3cret",
                "postgres://host/db?PassWord=***",
            ),
            ("sqlite://intake.db", "sqlite://intake.db"),
            ("intake.db", "intake.db"),
        ] {
            assert_eq!(url(given), shown, "{given}");
            assert!(!url(given).contains("s3cret"));
        }
        let secrets = secrets_of_url("postgres://u:p%40ss@h/d?password=other");
        assert_eq!(
            scrub("auth for p%40ss, p@ss and other failed", &secrets),
            "auth for ***, *** and *** failed"
        );
    }
}
