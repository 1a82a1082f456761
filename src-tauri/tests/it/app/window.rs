//! The window as a viewer and an intruder meet it: the first page fills the monitor (with and
//! without a window manager), no cursor over the page, no way to another origin, no devtools
//! and no context menu.

use std::time::Duration;

use super::harness::{App, HEIGHT, Launch, WIDTH, enabled};
use super::wall_world;

const FIRST_PAINT: Duration = Duration::from_secs(30);

/// Without a window manager `fullscreen` does nothing on X11; the window must still cover the
/// whole monitor, not sit at 800x600 in a corner.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_page_fills_the_monitor_without_a_window_manager() {
    if !enabled() {
        return;
    }
    let world = wall_world("30s").await;
    let app = App::start(world, App::display(false).await, Launch::default()).await;
    let shot = app.wait_painted(FIRST_PAINT, "first page").await;
    let path = shot.save("first-page-no-wm");
    // Beyond 800x600: the right half and the bottom-right of the page area are the page too.
    let right = shot.region(usize::from(WIDTH) / 2, 0, usize::from(WIDTH) / 2, 700);
    assert_eq!(
        right.bad(),
        None,
        "right half: {right:?} ({})",
        path.display()
    );
    // And the X server has one window, covering the monitor exactly.
    let windows = app.display.viewable_windows();
    assert!(
        windows.contains(&format!("{WIDTH}x{HEIGHT}+0+0")),
        "a window at the monitor's size: {windows:?}"
    );
    let size = app
        .client()
        .execute("return [window.innerWidth, window.innerHeight];", vec![])
        .await
        .expect("viewport size");
    assert_eq!(
        size,
        serde_json::json!([WIDTH, HEIGHT]),
        "the webview is the monitor's size"
    );
    app.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_cursor_over_the_page() {
    if !enabled() {
        return;
    }
    let world = wall_world("30s").await;
    let display = App::display(true).await;
    // Calibration: over the bare root window the X server shows its default cursor.
    display.0.move_pointer(400, 300);
    let (_, _, bare) = display.0.cursor();
    assert!(bare > 0, "the default cursor has visible pixels");
    let app = App::start(world, display, Launch::default()).await;
    app.wait_painted(FIRST_PAINT, "first page").await;
    // Before any motion: the window appeared under a resting pointer that WebKit has not seen
    // move, so the window's own cursor shows there (the X arrow, until the mouse moved).
    let (_, _, resting) = app.display.cursor();
    assert_eq!(
        resting, 0,
        "no cursor where the pointer rested when the wall appeared"
    );
    // Every motion makes WebKit pick a cursor from the page's CSS.
    for (x, y) in [(800, 450), (100, 100), (1500, 850)] {
        app.display.move_pointer(x, y);
        let cursor = app
            .wait_for("the cursor hidden", Duration::from_secs(5), || async {
                let (w, h, visible) = app.display.cursor();
                (visible == 0).then_some((w, h))
            })
            .await;
        println!("cursor over ({x}, {y}): {cursor:?}, no visible pixel");
    }
    app.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn navigation_to_another_origin_is_refused() {
    if !enabled() {
        return;
    }
    // Elsewhere: a loopback server that counts the connections it gets.
    let elsewhere = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let elsewhere_url = format!("http://{}/", elsewhere.local_addr().unwrap());
    let knocks = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = knocks.clone();
    let listener = tokio::spawn(async move {
        while let Ok((_socket, _)) = elsewhere.accept().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    });

    let world = wall_world("30s").await;
    let app = App::start(world, App::display(true).await, Launch::default()).await;
    app.wait_painted(FIRST_PAINT, "first page").await;
    let client = app.client();
    let home = client.current_url().await.expect("current URL");
    client
        .execute(
            &format!("window.location.href = '{elsewhere_url}'; return 1;"),
            vec![],
        )
        .await
        .expect("script runs");
    // A page inside the shell's frame tries too.
    client
        .execute(
            &format!("document.querySelector('iframe').contentWindow.location.href = '{elsewhere_url}'; return 1;"),
            vec![],
        )
        .await
        .expect("script runs");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let now = client.current_url().await.expect("current URL");
    assert_eq!(
        now.origin(),
        home.origin(),
        "the top document stayed on the gateway"
    );
    assert_eq!(
        knocks.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "nothing reached the other origin"
    );
    assert!(
        app.log_contains("navigation refused"),
        "{}",
        app.log_tail(20)
    );
    app.wait_painted(Duration::from_secs(5), "the wall after the attempt")
        .await;
    listener.abort();
    app.close().await;
}

/// Ctrl+Shift+I and F12 open WebKit's inspector when developer extras are on, and a right click
/// opens a context menu (with "Inspect Element"); neither may appear.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_devtools_and_no_context_menu() {
    if !enabled() {
        return;
    }
    let world = wall_world("30s").await;
    let app = App::start(world, App::display(true).await, Launch::default()).await;
    app.wait_painted(FIRST_PAINT, "first page").await;
    let before = app.display.viewable_windows();
    // Real X input events (xdotool through XTEST), as a keyboard and a mouse would send them.
    app.display.xdotool(&["mousemove", "800", "400"]);
    app.display.xdotool(&["key", "ctrl+shift+i"]);
    app.display.xdotool(&["key", "F12"]);
    app.display.xdotool(&["click", "3"]);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = app.display.viewable_windows();
    assert_eq!(
        after,
        before,
        "no inspector or menu window appeared\n{}",
        app.display.windows()
    );
    // And WebKit itself has its developer extras (the inspector) off.
    assert!(
        app.log_contains("webview created devtools=false"),
        "{}",
        app.log_tail(30)
    );
    assert!(!app.log_contains("devtools=true"));
    app.close().await;
}
