//! Proofs of the appliance app, `kiosk run`: the real binary under a real X server (Xvfb, with
//! and without a window manager), started and driven by WebKitWebDriver, judged by the X
//! server's own pixels and cursor, by /proc, and by a fake systemd notification socket. On
//! when `KIOSK_TEST_APP=1`.

mod harness;

mod healing;
mod schedule;
mod window;

use crate::support::World;
use crate::wallboard::boards;

/// A synced world whose wall rotates the bright pages, each for `dwell`.
async fn wall_world(dwell: &'static str) -> World {
    let world = boards::world().await;
    boards::configure(&world, &boards::bright_pages(2, dwell), "2m");
    world
}
