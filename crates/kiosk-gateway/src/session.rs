//! Who may use the gateway: one-time secrets (printed in the shell URL) that a browser trades
//! for an HttpOnly `kiosk_session` cookie; every other request must carry that cookie.

use std::collections::VecDeque;
use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::HeaderMap;
use http::header::COOKIE;
use rand::RngCore;

use crate::lock;

/// The gateway's own cookie; never forwarded to Grafana, never accepted from it.
pub(crate) const COOKIE_NAME: &str = "kiosk_session";

/// Live sessions kept; the oldest is forgotten beyond this (a kiosk has one or two browsers).
const MAX_SESSIONS: usize = 32;
/// Secrets not yet redeemed; the oldest is forgotten beyond this.
const MAX_PENDING: usize = 64;

#[derive(Default)]
pub(crate) struct Sessions {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    pending: VecDeque<String>,
    cookies: VecDeque<String>,
}

impl Sessions {
    /// A new one-time secret for a shell URL.
    pub(crate) fn issue_secret(&self) -> String {
        let secret = random_token();
        let mut inner = lock(&self.inner);
        inner.pending.push_back(secret.clone());
        if inner.pending.len() > MAX_PENDING {
            inner.pending.pop_front();
        }
        secret
    }

    /// Trades a valid secret (once) for a new session cookie value.
    pub(crate) fn redeem(&self, secret: &str) -> Option<String> {
        let mut inner = lock(&self.inner);
        let at = find(&inner.pending, secret)?;
        inner.pending.remove(at);
        let cookie = random_token();
        inner.cookies.push_back(cookie.clone());
        if inner.cookies.len() > MAX_SESSIONS {
            inner.cookies.pop_front();
        }
        Some(cookie)
    }

    pub(crate) fn is_valid(&self, cookie: &str) -> bool {
        find(&lock(&self.inner).cookies, cookie).is_some()
    }

    /// Whether the request carries a valid `kiosk_session` cookie.
    pub(crate) fn admits(&self, headers: &HeaderMap) -> bool {
        cookie_values(headers, COOKIE_NAME).any(|value| self.is_valid(value))
    }
}

/// Every value is compared in full, so timing tells nothing about how much of a guess was right.
fn find(values: &VecDeque<String>, candidate: &str) -> Option<usize> {
    let mut found = None;
    for (i, value) in values.iter().enumerate() {
        if constant_time_eq(value.as_bytes(), candidate.as_bytes()) {
            found = Some(i);
        }
    }
    found
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// 32 random bytes from the thread's CSPRNG (seeded by the OS), base64url without padding.
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The `Set-Cookie` value for a new session.
pub(crate) fn set_cookie(value: &str) -> String {
    format!("{COOKIE_NAME}={value}; HttpOnly; SameSite=Strict; Path=/")
}

/// Values of the cookie `name` across all `Cookie` headers.
fn cookie_values<'a>(headers: &'a HeaderMap, name: &'a str) -> impl Iterator<Item = &'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(move |pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key.trim() == name).then_some(value.trim())
        })
}

/// A `Cookie` header value without the gateway's cookie; `None` when nothing else is left.
pub(crate) fn without_own_cookie(value: &str) -> Option<String> {
    let kept: Vec<&str> = value
        .split(';')
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
        .filter(|pair| pair.split('=').next().map(str::trim) != Some(COOKIE_NAME))
        .collect();
    (!kept.is_empty()).then(|| kept.join("; "))
}

/// Whether a `Set-Cookie` value (from Grafana) would overwrite the gateway's cookie.
pub(crate) fn sets_own_cookie(set_cookie: &str) -> bool {
    set_cookie.split(['=', ';']).next().map(str::trim) == Some(COOKIE_NAME)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn a_secret_works_once() {
        let sessions = Sessions::default();
        let secret = sessions.issue_secret();
        assert_eq!(URL_SAFE_NO_PAD.decode(&secret).unwrap().len(), 32);
        let cookie = sessions.redeem(&secret).expect("first use");
        assert_ne!(cookie, secret);
        assert!(sessions.is_valid(&cookie));
        assert!(sessions.redeem(&secret).is_none(), "second use");
        assert!(!sessions.is_valid(&secret), "a secret is not a cookie");
        assert!(sessions.redeem("").is_none());
    }

    #[test]
    fn cookies_are_found_among_others() {
        let sessions = Sessions::default();
        let cookie = sessions.redeem(&sessions.issue_secret()).unwrap();
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("grafana_session=abc"));
        assert!(!sessions.admits(&headers));
        headers.append(
            COOKIE,
            HeaderValue::from_str(&format!("a=1; {COOKIE_NAME}={cookie}; b=2")).unwrap(),
        );
        assert!(sessions.admits(&headers));
        let mut wrong = HeaderMap::new();
        wrong.append(
            COOKIE,
            HeaderValue::from_str(&format!("{COOKIE_NAME}={cookie}x")).unwrap(),
        );
        assert!(!sessions.admits(&wrong));
    }

    #[test]
    fn own_cookie_is_removed_from_what_grafana_sees() {
        assert_eq!(
            without_own_cookie("a=1; kiosk_session=s; grafana_session=g").as_deref(),
            Some("a=1; grafana_session=g")
        );
        assert_eq!(without_own_cookie("kiosk_session=s"), None);
        assert!(sets_own_cookie("kiosk_session=x; Path=/"));
        assert!(!sets_own_cookie("grafana_session=x; Path=/"));
    }

    #[test]
    fn comparison_needs_equal_length_and_bytes() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn cookie_attributes() {
        let value = set_cookie("v");
        assert!(value.contains("HttpOnly"));
        assert!(value.contains("SameSite=Strict"));
        assert!(value.contains("Path=/"));
    }
}
