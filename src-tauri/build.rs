//! With the `gui` feature, tauri-build reads tauri.conf.json for `tauri::generate_context!`.

fn main() {
    #[cfg(feature = "gui")]
    tauri_build::build();
}
