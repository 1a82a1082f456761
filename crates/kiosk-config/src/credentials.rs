//! The credential Grafana requests carry, resolved from `[grafana]` (reading the token file
//! when that is the method), so the client never interprets auth keys itself.

use std::path::Path;

use crate::error::ConfigError;
use crate::schema::{AuthMethod, GrafanaConfig};
use crate::secret::Secret;

/// What goes into the `Authorization` header. Debug never shows a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    Anonymous,
    Bearer(Secret),
    Basic { username: String, password: Secret },
}

impl GrafanaConfig {
    /// Resolves `auth` into credentials. Reads the token file now, so a missing or empty file
    /// is reported at start rather than as a 401 later.
    pub fn credentials(&self) -> Result<Credentials, ConfigError> {
        let method = self.auth.as_str();
        let required = |key: &str| ConfigError::Invalid {
            key: key.to_owned(),
            message: format!("is required when grafana.auth = \"{method}\""),
        };
        match self.auth {
            AuthMethod::Anonymous => Ok(Credentials::Anonymous),
            AuthMethod::Token => {
                let token = self
                    .token
                    .clone()
                    .ok_or_else(|| required("grafana.token"))?;
                Ok(Credentials::Bearer(token))
            }
            AuthMethod::TokenFile => {
                let path = self
                    .token_file
                    .as_deref()
                    .ok_or_else(|| required("grafana.token_file"))?;
                read_token_file(path).map(Credentials::Bearer)
            }
            AuthMethod::Basic => Ok(Credentials::Basic {
                username: self
                    .username
                    .clone()
                    .ok_or_else(|| required("grafana.username"))?,
                password: self
                    .password
                    .clone()
                    .ok_or_else(|| required("grafana.password"))?,
            }),
        }
    }
}

fn read_token_file(path: &Path) -> Result<Secret, ConfigError> {
    let problem = |message: String| ConfigError::Credentials {
        path: path.to_owned(),
        message,
    };
    let text =
        std::fs::read_to_string(path).map_err(|err| problem(format!("cannot read: {err}")))?;
    // Editors and `echo` add a trailing newline; it is not part of the token.
    let token = text.trim();
    if token.is_empty() {
        return Err(problem("the file is empty".to_owned()));
    }
    // A second line or a stray space would make an invalid header; say so here, without
    // printing what the file holds.
    if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(problem(
            "the token contains whitespace or control characters; the file must hold only the token"
                .to_owned(),
        ));
    }
    Ok(Secret::new(token))
}
