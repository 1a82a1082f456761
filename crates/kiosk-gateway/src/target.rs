//! Where Grafana is, and the URL arithmetic between the gateway's paths and Grafana's: the
//! sub-path prefix, and `Location`/`Referer` rewriting between the two origins.

use url::Url;

use crate::Error;

/// Grafana's configured base URL, taken apart once.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// `http://grafana.lan:3000` (default port left out, as browsers write `Origin`).
    origin: String,
    /// The sub-path without a trailing slash: `""` or `/grafana`.
    prefix: String,
    /// The base URL as the operator sees it in `State.grafana`; never carries credentials.
    shown: String,
}

impl Target {
    pub(crate) fn new(url: &Url) -> Result<Target, Error> {
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::Setup(
                "grafana.url must not carry credentials; use grafana.auth and its keys".into(),
            ));
        }
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(Error::Setup(format!(
                "grafana.url `{url}` is not an http(s) URL with a host"
            )));
        }
        let origin = url.origin().ascii_serialization();
        let prefix = url.path().trim_end_matches('/').to_owned();
        Ok(Target {
            shown: format!("{origin}{prefix}/"),
            origin,
            prefix,
        })
    }

    pub(crate) fn origin(&self) -> &str {
        &self.origin
    }

    pub(crate) fn shown(&self) -> &str {
        &self.shown
    }

    /// Grafana's URL for a gateway path and query. The sub-path is added unless the path
    /// already starts with it: Grafana's frontend under a sub-path asks for `/grafana/public/..`
    /// itself, while plan URLs and probes say `/d/..` and `/api/..`.
    /// Whatever the browser sent, the result is on Grafana's origin: a path not starting with
    /// `/` (`*`, or a crafted request target) gets one, so it cannot extend the authority.
    pub(crate) fn upstream_url(&self, path_and_query: &str) -> String {
        let slash = if path_and_query.starts_with('/') {
            ""
        } else {
            "/"
        };
        let (path, _) = split_query(path_and_query);
        if self.has_prefix(path) {
            format!("{}{slash}{path_and_query}", self.origin)
        } else {
            format!("{}{}{slash}{path_and_query}", self.origin, self.prefix)
        }
    }

    /// The path as Grafana routes it, sub-path removed: `/grafana/api/x` and `/api/x` are both
    /// `/api/x`. Decides caching and auth handling.
    pub(crate) fn route<'a>(&self, path: &'a str) -> &'a str {
        if self.has_prefix(path) {
            let rest = &path[self.prefix.len()..];
            if rest.is_empty() { "/" } else { rest }
        } else {
            path
        }
    }

    fn has_prefix(&self, path: &str) -> bool {
        !self.prefix.is_empty()
            && path.starts_with(&self.prefix)
            && matches!(path.as_bytes().get(self.prefix.len()), None | Some(b'/'))
    }

    /// A redirect to Grafana's own origin becomes gateway-relative (path, query, fragment kept,
    /// so the sub-path survives); anything else is left as it is. `None` means unchanged.
    pub(crate) fn rewrite_location(&self, location: &str) -> Option<String> {
        let absolute = if location.starts_with("//") {
            Url::parse(&format!("{}:{location}", self.scheme())).ok()?
        } else {
            Url::parse(location).ok()?
        };
        if absolute.origin().ascii_serialization() != self.origin {
            return None;
        }
        let mut relative = absolute.path().to_owned();
        if let Some(query) = absolute.query() {
            relative.push('?');
            relative.push_str(query);
        }
        if let Some(fragment) = absolute.fragment() {
            relative.push('#');
            relative.push_str(fragment);
        }
        Some(relative)
    }

    /// The browser's `Referer` (a gateway URL) as the same page on Grafana's origin; `None` when
    /// it cannot be read, and the header is then dropped rather than leak the gateway's address.
    pub(crate) fn rewrite_referer(&self, referer: &str) -> Option<String> {
        let url = Url::parse(referer).ok()?;
        let mut path_and_query = url.path().to_owned();
        if let Some(query) = url.query() {
            path_and_query.push('?');
            path_and_query.push_str(query);
        }
        Some(self.upstream_url(&path_and_query))
    }

    fn scheme(&self) -> &str {
        self.origin.split(':').next().unwrap_or("http")
    }
}

fn split_query(path_and_query: &str) -> (&str, Option<&str>) {
    match path_and_query.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (path_and_query, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str) -> Target {
        Target::new(&Url::parse(url).unwrap()).unwrap()
    }

    #[test]
    fn sub_path_is_added_once() {
        let t = target("https://host/grafana");
        assert_eq!(
            t.upstream_url("/api/health"),
            "https://host/grafana/api/health"
        );
        assert_eq!(
            t.upstream_url("/grafana/public/app.js?v=1"),
            "https://host/grafana/public/app.js?v=1"
        );
        // A path that merely starts with the same letters is not under the sub-path.
        assert_eq!(
            t.upstream_url("/grafanax/y"),
            "https://host/grafana/grafanax/y"
        );
        assert_eq!(t.upstream_url("*"), "https://host/grafana/*");
        assert_eq!(
            t.upstream_url(":99@evil/x"),
            "https://host/grafana/:99@evil/x"
        );
        assert_eq!(t.route("/grafana/api/ds/query"), "/api/ds/query");
        assert_eq!(t.route("/api/ds/query"), "/api/ds/query");
        assert_eq!(t.route("/grafana"), "/");
        assert_eq!(t.shown(), "https://host/grafana/");
    }

    #[test]
    fn root_url_has_no_prefix() {
        let t = target("http://127.0.0.1:3000/");
        assert_eq!(
            t.upstream_url("/d/x?kiosk"),
            "http://127.0.0.1:3000/d/x?kiosk"
        );
        assert_eq!(t.origin(), "http://127.0.0.1:3000");
        assert_eq!(t.shown(), "http://127.0.0.1:3000/");
        let default_port = target("https://grafana.lan:443/");
        assert_eq!(default_port.origin(), "https://grafana.lan");
    }

    #[test]
    fn locations_to_grafana_become_relative() {
        let t = target("https://host/grafana");
        assert_eq!(
            t.rewrite_location("https://host/grafana/login?x=1#f")
                .as_deref(),
            Some("/grafana/login?x=1#f")
        );
        assert_eq!(
            t.rewrite_location("//host/grafana/d/a").as_deref(),
            Some("/grafana/d/a")
        );
        assert_eq!(t.rewrite_location("https://elsewhere/login"), None);
        assert_eq!(t.rewrite_location("http://host/grafana/login"), None);
        assert_eq!(t.rewrite_location("/grafana/login"), None);
    }

    #[test]
    fn referer_points_at_grafana() {
        let t = target("https://host/grafana");
        assert_eq!(
            t.rewrite_referer("http://127.0.0.1:4000/d/x?from=now-6h")
                .as_deref(),
            Some("https://host/grafana/d/x?from=now-6h")
        );
        assert_eq!(t.rewrite_referer("not a url"), None);
    }

    #[test]
    fn credentials_in_the_url_are_refused() {
        let err = Target::new(&Url::parse("https://admin:pw@host/").unwrap()).unwrap_err();
        assert!(!err.to_string().contains("pw"));
    }
}
