//! Integration tests of kiosk-config through its public API: layering, error positions,
//! credentials, redaction, and the docs and example file staying in step with the schema.

mod credentials;
mod docs;
mod errors;
mod layering;
mod secrets;

use std::path::{Path, PathBuf};

use kiosk_config::LoadOptions;

/// Writes `text` to `name` inside `dir` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Options that read nothing from the machine running the tests.
pub fn isolated() -> LoadOptions {
    LoadOptions {
        config_file: None,
        system_files: Vec::new(),
        env: Vec::new(),
        overrides: Vec::new(),
    }
}

pub fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}
