//! What every HTTP client of Grafana shares — this crate's API client and the wallboard
//! gateway's proxy: how the connection is set up (the extra CA, the insecure switch, no
//! redirects) and how the configured credentials become request headers.

use kiosk_config::{Credentials, GrafanaConfig};
use reqwest::RequestBuilder;
use reqwest::header::{AUTHORIZATION, HeaderValue};

use crate::Error;

/// A client builder for Grafana: the configured extra CA, `insecure_skip_verify`, kiosk's user
/// agent, and no redirects (one could carry the `Authorization` header to another origin).
/// Timeouts are the caller's: a websocket lives longer than an API call.
pub fn builder(config: &GrafanaConfig) -> Result<reqwest::ClientBuilder, Error> {
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("kiosk/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none());
    if let Some(path) = &config.ca_file {
        let pem =
            std::fs::read(path).map_err(|e| Error::Setup(format!("{}: {e}", path.display())))?;
        let cert = reqwest::Certificate::from_pem(&pem)
            .map_err(|e| Error::Setup(format!("{}: not a PEM certificate: {e}", path.display())))?;
        builder = builder.add_root_certificate(cert);
    }
    if config.insecure_skip_verify {
        tracing::warn!("TLS certificate verification is off (grafana.insecure_skip_verify)");
        builder = builder.danger_accept_invalid_certs(true);
    }
    Ok(builder)
}

/// The headers that authenticate a request to Grafana, built once (the token file is read
/// now, so a bad path is reported before any request). The `Authorization` value is marked
/// sensitive, so it never shows in Debug output.
#[derive(Clone)]
pub struct AuthHeaders {
    authorization: Option<HeaderValue>,
    org_id: Option<HeaderValue>,
}

impl std::fmt::Debug for AuthHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthHeaders")
            .field("authorization", &self.authorization.as_ref().map(|_| "***"))
            .field("org_id", &self.org_id)
            .finish()
    }
}

impl AuthHeaders {
    pub fn new(config: &GrafanaConfig) -> Result<AuthHeaders, Error> {
        let credentials = config
            .credentials()
            .map_err(|e| Error::Setup(e.to_string()))?;
        let authorization = match &credentials {
            Credentials::Anonymous => None,
            Credentials::Bearer(token) => Some(format!("Bearer {}", token.expose())),
            Credentials::Basic { username, password } => {
                use base64::Engine as _;
                let pair = format!("{username}:{}", password.expose());
                Some(format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(pair)
                ))
            }
        };
        let authorization = authorization
            .map(|value| {
                let mut value = HeaderValue::from_str(&value).map_err(|_| {
                    Error::Setup(
                        "the Grafana credentials contain characters not allowed in a header".into(),
                    )
                })?;
                value.set_sensitive(true);
                Ok::<_, Error>(value)
            })
            .transpose()?;
        let org_id = config
            .org_id
            .map(|id| HeaderValue::from_str(&id.to_string()).expect("digits are a header value"));
        Ok(AuthHeaders {
            authorization,
            org_id,
        })
    }

    /// Adds the credentials and `X-Grafana-Org-Id`. Only for requests to Grafana's own origin.
    pub fn apply(&self, mut request: RequestBuilder) -> RequestBuilder {
        if let Some(value) = &self.authorization {
            request = request.header(AUTHORIZATION, value.clone());
        }
        if let Some(value) = &self.org_id {
            request = request.header("x-grafana-org-id", value.clone());
        }
        request
    }
}
