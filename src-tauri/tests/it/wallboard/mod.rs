//! Browser-level proofs of the wallboard runtime (docs/wallboard.md): the real `kiosk serve`
//! against the Grafana simulator, shown by a real headless Chromium through chromedriver, and
//! checked by the shell's DOM and by screenshot pixels. On when `KIOSK_TEST_BROWSER=1`.

pub mod boards;
pub mod browser;
pub mod pixels;

mod outages;
mod rotation;
mod secrets;
mod touch;
