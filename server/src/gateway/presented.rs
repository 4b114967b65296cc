//! The consumer credential a gateway forwards, parsed without touching the database:
//! `x-api-key: <secret>`, `Authorization: Basic base64(<public key>:<secret>)` or
//! `Authorization: Bearer <access token>`. Anything else, both headers at once, a header sent
//! twice, a header too long to be a credential, or a secret or token whose checksum is wrong, is
//! malformed, and malformed gets no detail. So a mistyped or made-up secret is refused before any
//! lookup.

use app::credentials::keys::{self, SecretKind};
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine as _;

/// No credential Portico issues comes near this; longer headers are refused unread.
const MAX_CREDENTIAL_HEADER_BYTES: usize = 512;

#[derive(Debug, PartialEq, Eq)]
pub enum Presented {
    ApiKey { secret: String },
    Basic { public_key: String, secret: String },
    Bearer { token: String },
}

#[derive(Debug, PartialEq, Eq)]
pub struct Malformed;

pub fn from_headers(headers: &HeaderMap) -> Result<Presented, Malformed> {
    let header_text = |value: &axum::http::HeaderValue| {
        if value.len() > MAX_CREDENTIAL_HEADER_BYTES {
            return Err(Malformed);
        }
        value.to_str().map(str::to_owned).map_err(|_| Malformed)
    };
    match (single(headers, "x-api-key")?, single(headers, AUTHORIZATION.as_str())?) {
        (Some(api_key), None) => Ok(Presented::ApiKey {
            secret: well_formed(SecretKind::ApiSecret, header_text(api_key)?)?,
        }),
        (None, Some(authorization)) => parse_authorization(&header_text(authorization)?),
        _ => Err(Malformed),
    }
}

/// The header's one value; a header sent twice is malformed.
fn single<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a axum::http::HeaderValue>, Malformed> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (Some(value), None) => Ok(Some(value)),
        (None, _) => Ok(None),
        (Some(_), Some(_)) => Err(Malformed),
    }
}

fn parse_authorization(value: &str) -> Result<Presented, Malformed> {
    let (scheme, rest) = value.split_once(' ').ok_or(Malformed)?;
    let rest = rest.trim_start_matches(' ');
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest)
            .map_err(|_| Malformed)?;
        let decoded = String::from_utf8(decoded).map_err(|_| Malformed)?;
        // RFC 7617: the user id cannot contain a colon; everything after the first one is the
        // password, colons included.
        let (public_key, secret) = decoded.split_once(':').ok_or(Malformed)?;
        Ok(Presented::Basic {
            public_key: public_key.to_owned(),
            secret: well_formed(SecretKind::ApiSecret, secret.to_owned())?,
        })
    } else if scheme.eq_ignore_ascii_case("bearer") {
        Ok(Presented::Bearer {
            token: well_formed(SecretKind::AccessToken, rest.to_owned())?,
        })
    } else {
        Err(Malformed)
    }
}

/// `candidate` if it has the kind's prefix and a matching checksum.
fn well_formed(kind: SecretKind, candidate: String) -> Result<String, Malformed> {
    match keys::check(kind, &candidate) {
        Ok(_) => Ok(candidate),
        Err(_) => Err(Malformed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::credentials::keys::PlainSecret;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn basic(user_and_password: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(user_and_password)
        )
    }

    fn secret() -> String {
        PlainSecret::generate(SecretKind::ApiSecret, "sandbox")
            .expose()
            .to_owned()
    }

    /// The same text with its last character changed, so that its checksum no longer matches.
    fn mistyped(secret: &str) -> String {
        let (body, last) = secret.split_at(secret.len() - 1);
        format!("{body}{}", if last == "A" { "B" } else { "A" })
    }

    #[test]
    fn each_documented_form_is_understood() {
        let secret = secret();
        let token = PlainSecret::generate(SecretKind::AccessToken, "sandbox")
            .expose()
            .to_owned();
        assert_eq!(
            from_headers(&headers(&[("x-api-key", &secret)])),
            Ok(Presented::ApiKey { secret: secret.clone() })
        );
        assert_eq!(
            from_headers(&headers(&[("authorization", &basic(&format!("pk_a:{secret}")))])),
            Ok(Presented::Basic {
                public_key: "pk_a".into(),
                secret: secret.clone()
            })
        );
        assert_eq!(
            from_headers(&headers(&[("authorization", &format!("bearer {token}"))])),
            Ok(Presented::Bearer { token })
        );
    }

    #[test]
    fn basic_credentials_split_at_the_first_colon() {
        // RFC 7617: here the secret is everything after the first colon, so it starts with a
        // colon and is refused; a split at the last colon would have accepted it.
        let secret = secret();
        assert_eq!(parse_authorization(&basic(&format!("pk_a::{secret}"))), Err(Malformed));
        assert_eq!(
            parse_authorization(&basic(&format!("pk_a:{secret}"))),
            Ok(Presented::Basic {
                public_key: "pk_a".into(),
                secret
            })
        );
    }

    #[test]
    fn secrets_and_tokens_with_a_wrong_checksum_are_refused_unread() {
        let secret = secret();
        let token = PlainSecret::generate(SecretKind::AccessToken, "sandbox")
            .expose()
            .to_owned();
        let cases = [
            headers(&[("x-api-key", &mistyped(&secret))]),
            headers(&[("authorization", &basic(&format!("pk_a:{}", mistyped(&secret))))]),
            headers(&[("authorization", &format!("Bearer {}", mistyped(&token)))]),
            // The right checksum on the wrong kind: a token is not an API secret.
            headers(&[("x-api-key", &token)]),
            headers(&[("authorization", &format!("Bearer {secret}"))]),
        ];
        for case in cases {
            assert_eq!(from_headers(&case), Err(Malformed), "{case:?}");
        }
    }

    #[test]
    fn malformed_headers_are_refused() {
        let cases: Vec<HeaderMap> = vec![
            headers(&[]),
            headers(&[("authorization", "Basic !!!not-base64")]),
            headers(&[("authorization", &basic("no-colon-here"))]),
            headers(&[("authorization", "Digest abc")]),
            headers(&[("authorization", "Basic")]),
            headers(&[("x-api-key", "sk_a"), ("authorization", "Bearer at_b")]),
            headers(&[("x-api-key", "sk_a"), ("x-api-key", "sk_b")]),
            headers(&[("x-api-key", &"a".repeat(10_000))]),
        ];
        for case in cases {
            assert_eq!(from_headers(&case), Err(Malformed), "{case:?}");
        }
        let mut invalid_utf8 = HeaderMap::new();
        invalid_utf8.insert("x-api-key", HeaderValue::from_bytes(b"sk_\xff").unwrap());
        assert_eq!(from_headers(&invalid_utf8), Err(Malformed));
        let not_utf8_inside = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(b"pk_a:\xff\xfe")
        );
        assert_eq!(
            from_headers(&headers(&[("authorization", &not_utf8_inside)])),
            Err(Malformed)
        );
    }
}
