//! grafana.com's dashboard catalog: downloads of pinned revisions. A separate origin from the
//! Grafana being provisioned, so it never receives Grafana's credentials.

use std::time::Duration;

use url::Url;

use crate::{Error, send_with_retries};

/// A client for `https://grafana.com/api/dashboards/...` (or a local stand-in in tests).
#[derive(Debug, Clone)]
pub struct Catalog {
    http: reqwest::Client,
    base: Url,
    retries: u32,
}

impl Catalog {
    pub fn new(base: &Url, timeout: Duration, retries: u32) -> Result<Catalog, Error> {
        let mut base = base.clone();
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("kiosk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Setup(format!("http client: {e}")))?;
        Ok(Catalog {
            http,
            base,
            retries,
        })
    }

    /// The download URL of one revision, for messages.
    pub fn download_url(&self, id: u64, revision: u32) -> Url {
        self.base
            .join(&format!(
                "api/dashboards/{id}/revisions/{revision}/download"
            ))
            .expect("a relative path always joins")
    }

    /// The revision's JSON exactly as served (decompressed): the bytes kiosk hashes.
    #[tracing::instrument(skip(self))]
    pub async fn download(&self, id: u64, revision: u32) -> Result<Vec<u8>, Error> {
        let url = self.download_url(id, revision);
        send_with_retries(self.retries, &url, || self.http.get(url.clone())).await
    }
}
