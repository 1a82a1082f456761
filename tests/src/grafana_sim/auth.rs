//! Authentication as Grafana does it for `/api` and for pages: service-account bearer tokens, basic
//! auth, optional anonymous viewers (read-only), and the `X-Grafana-Org-Id` org selector.

use std::collections::HashSet;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::Response;

use super::api::ApiError;
use super::{Shared, SharedState, lock};

/// The only org the simulator has.
const ORG_ID: i64 = 1;

/// Who is calling; handlers read it from the request extensions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Identity {
    ServiceAccount,
    User(String),
    Anonymous,
}

impl Identity {
    /// Service accounts and basic users are admins here; anonymous users are viewers.
    pub fn can_write(&self) -> bool {
        !matches!(self, Identity::Anonymous)
    }
}

pub(crate) struct Credentials {
    pub tokens: HashSet<String>,
    pub basic: Vec<(String, String)>,
    pub anonymous: bool,
}

/// Route layer for every `/api` route but health.
pub(crate) async fn require(
    State(shared): State<SharedState>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let identity = identify(&shared, req.headers())?;
    if !identity.can_write() && !is_read(req.method()) && !is_data_query(req.uri().path()) {
        return Err(ApiError::access_denied(permission_for(
            req.method(),
            req.uri().path(),
        )));
    }
    req.extensions_mut().insert(identity);
    Ok(next.run(req).await)
}

/// Who sends these headers, or the 401 `/api` would answer; pages use it to decide on a redirect
/// to the login page.
pub(crate) fn identify(shared: &Shared, headers: &HeaderMap) -> Result<Identity, ApiError> {
    let identity = authenticate(&lock(&shared.credentials), headers)?;
    check_org(headers)?;
    Ok(identity)
}

fn authenticate(credentials: &Credentials, headers: &HeaderMap) -> Result<Identity, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return if credentials.anonymous {
            Ok(Identity::Anonymous)
        } else {
            Err(ApiError::unauthorized())
        };
    };
    let value = value.to_str().map_err(|_| ApiError::unauthorized())?;
    let (scheme, rest) = value
        .trim()
        .split_once(' ')
        .ok_or_else(ApiError::unauthorized)?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return token(credentials, rest);
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(ApiError::unauthorized());
    }
    let decoded = base64_decode(rest)
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| {
            ApiError::unauthorized_because("basic-auth.invalid-header", "Invalid Basic Auth Header")
        })?;
    let (user, password) = decoded.split_once(':').ok_or_else(|| {
        ApiError::unauthorized_because("basic-auth.invalid-header", "Invalid Basic Auth Header")
    })?;
    // Grafana accepts a token as the password of the pseudo-user `api_key`.
    if user == "api_key" {
        return token(credentials, password);
    }
    if credentials
        .basic
        .iter()
        .any(|(u, p)| u == user && p == password)
    {
        Ok(Identity::User(user.to_owned()))
    } else {
        Err(ApiError::unauthorized_because(
            "password-auth.failed",
            "Invalid username or password",
        ))
    }
}

fn token(credentials: &Credentials, token: &str) -> Result<Identity, ApiError> {
    if credentials.tokens.contains(token) {
        Ok(Identity::ServiceAccount)
    } else {
        Err(ApiError::unauthorized_because(
            "api-key.invalid",
            "Invalid API key",
        ))
    }
}

/// Grafana ignores a missing, zero or unparsable header; any other org is one the caller is not in.
fn check_org(headers: &HeaderMap) -> Result<(), ApiError> {
    let requested = headers
        .get("x-grafana-org-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or(0);
    if requested == 0 || requested == ORG_ID {
        Ok(())
    } else {
        Err(ApiError::unauthorized_because(
            "auth.unauthorized",
            "user is not a member of organization",
        ))
    }
}

fn is_read(method: &Method) -> bool {
    *method == Method::GET || *method == Method::HEAD
}

/// Viewers (anonymous ones included) may query data: panels POST `/api/ds/query`.
fn is_data_query(path: &str) -> bool {
    path.strip_prefix("/api").unwrap_or(path) == "/ds/query"
}

/// The RBAC action Grafana names in its 403 for a viewer's write.
fn permission_for(method: &Method, path: &str) -> &'static str {
    let path = path.strip_prefix("/api").unwrap_or(path);
    let delete = *method == Method::DELETE;
    if path.starts_with("/folders") {
        if delete {
            "folders:delete"
        } else {
            "folders:create"
        }
    } else if path.starts_with("/datasources") {
        match *method {
            Method::POST => "datasources:create",
            Method::DELETE => "datasources:delete",
            _ => "datasources:write",
        }
    } else if delete {
        "dashboards:delete"
    } else {
        "dashboards:write"
    }
}

/// Standard base64 with optional padding; `None` on anything else.
fn base64_decode(input: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let input = input.trim_end_matches('=').as_bytes();
    if input.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    for chunk in input.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= value(c)? << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::base64_decode;

    #[test]
    fn base64_decodes_basic_credentials() {
        assert_eq!(base64_decode("YWRtaW46YWRtaW4=").unwrap(), b"admin:admin");
        assert_eq!(base64_decode("YQ==").unwrap(), b"a");
        assert_eq!(base64_decode("YWI").unwrap(), b"ab");
        assert!(base64_decode("Y").is_none());
        assert!(base64_decode("YW*=").is_none());
    }
}
