//! The shell and the agent: the files of `ui/`, embedded in the binary at build time (read
//! from the source tree in debug builds, which is what rust-embed does there).

use axum::body::Body;
use axum::extract::Path;
use axum::response::Response;
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderValue, StatusCode};

use kiosk_display::Page;

use crate::offline;
use crate::waiting::escape;

#[derive(rust_embed::Embed)]
#[folder = "../../ui/"]
// The shell's own tests and type-checking config are not served.
#[exclude = "test/*"]
#[exclude = "*.json"]
struct Ui;

/// `GET /__kiosk/`: `ui/index.html`, its first frame already loading `first` (the plan's first
/// page) so that the page loads while the shell's scripts do; shell.js adopts it.
pub(crate) fn index(first: Option<&Page>) -> Response {
    match Ui::get("index.html") {
        Some(file) => {
            let html = String::from_utf8_lossy(&file.data);
            let html = match first {
                Some(page) => starting(&html, page),
                None => html.into_owned(),
            };
            let mut response = file_response("index.html", html.into_bytes());
            response
                .headers_mut()
                .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        None => offline::plain(
            StatusCode::NOT_FOUND,
            "kiosk: ui/index.html is missing from this build",
        ),
    }
}

/// The first frame of `html` with `page` as its source and its plan id beside it.
fn starting(html: &str, page: &Page) -> String {
    html.replacen(
        FIRST_FRAME,
        &format!(
            r#"{FIRST_FRAME} src="{}" data-page="{}""#,
            escape(&page.url),
            escape(&page.id)
        ),
        1,
    )
}

const FIRST_FRAME: &str = r#"<iframe id="frame-a""#;

/// `GET /__kiosk/ui/<file>`.
pub(crate) async fn file(Path(name): Path<String>) -> Response {
    // rust-embed refuses to leave the folder too; this keeps the rule visible here.
    let escapes = name.starts_with('/') || name.split(['/', '\\']).any(|part| part == "..");
    let found = if escapes { None } else { Ui::get(&name) };
    match found {
        Some(file) => {
            let mut response = file_response(&name, file.data.into_owned());
            // Revalidated on every load, so a new build's shell is picked up on the next one.
            response
                .headers_mut()
                .insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            response
        }
        None => offline::plain(StatusCode::NOT_FOUND, "kiosk: no such file in ui/"),
    }
}

fn file_response(name: &str, data: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(data));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type(name)));
    response
}

/// The few types `ui/` holds; JavaScript must be served as such for ES modules to load.
fn content_type(name: &str) -> &'static str {
    let extension = name.rsplit_once('.').map_or("", |(_, ext)| ext);
    match extension.to_ascii_lowercase().as_str() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::{Ui, content_type, starting};

    #[test]
    fn the_first_frame_starts_loading_the_first_page() {
        let page = kiosk_display::Page {
            id: "fleet-overview".into(),
            title: "Fleet".into(),
            url: r#"/d/fleet-overview?kiosk&var-host="a""#.into(),
            dwell_ms: 30_000,
            windows: Vec::new(),
        };
        let html = String::from_utf8(Ui::get("index.html").unwrap().data.into_owned()).unwrap();
        let started = starting(&html, &page);
        assert!(
            started.contains(
                r#"<iframe id="frame-a" src="/d/fleet-overview?kiosk&amp;var-host=&quot;a&quot;" data-page="fleet-overview" class="frame""#
            ),
            "{started}"
        );
        assert!(started.contains(r#"<iframe id="frame-b" class="frame""#));
    }

    #[test]
    fn modules_are_javascript() {
        assert_eq!(content_type("agent.js"), "text/javascript; charset=utf-8");
        assert_eq!(
            content_type("selectors.mjs"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type("style.CSS"), "text/css; charset=utf-8");
        assert_eq!(content_type("README"), "application/octet-stream");
    }
}
