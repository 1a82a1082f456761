//! The shell and the agent: the files of `ui/`, embedded in the binary at build time (read
//! from the source tree in debug builds, which is what rust-embed does there).

use axum::body::Body;
use axum::extract::Path;
use axum::response::Response;
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderValue, StatusCode};

use crate::offline;

#[derive(rust_embed::Embed)]
#[folder = "../../ui/"]
// The shell's own tests and type-checking config are not served.
#[exclude = "test/*"]
#[exclude = "*.json"]
struct Ui;

/// `GET /__kiosk/`: `ui/index.html`.
pub(crate) fn index() -> Response {
    match Ui::get("index.html") {
        Some(file) => {
            let mut response = file_response("index.html", file.data.into_owned());
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
    use super::content_type;

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
