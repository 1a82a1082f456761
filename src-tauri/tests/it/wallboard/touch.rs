//! The viewer's hands: swipes move through the pages, a tap pauses (and the pause ends by
//! itself), a long press opens the status card; the keyboard does the same.

use std::time::{Duration, Instant};

use fantoccini::key::Key;

use super::boards;
use super::browser::{Wall, enabled};

const SHORT: Duration = Duration::from_secs(10);

async fn title(wall: &Wall) -> String {
    wall.visible().await.title
}

async fn wait_title(wall: &Wall, what: &str, wanted: &str) {
    wall.wait_for(what, SHORT, |w| async move {
        (title(w).await == wanted).then_some(())
    })
    .await;
}

async fn paused(wall: &Wall) -> bool {
    wall.js("return document.querySelector('#badges .badge.paused') !== null;")
        .await
        .as_bool()
        .unwrap()
}

/// The status card's text while it is open.
async fn card(wall: &Wall) -> Option<String> {
    let value = wall
        .js("const c = document.getElementById('card');
             return c.hidden || getComputedStyle(c).display === 'none' ? null : c.textContent;")
        .await;
    value.as_str().map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn touch_and_keys_drive_the_rotation() {
    if !enabled() {
        return;
    }
    let world = boards::world().await;
    // Pages stay a minute: every change seen here comes from a gesture.
    let pages = boards::bright_pages(3, "60s");
    boards::configure(&world, &pages, "3s");
    let grafana = world.sim.url();
    let wall = Wall::open(world).await;
    let first = wall.wait_painted(Duration::from_secs(20)).await;
    assert_eq!(first.title, pages[0].title);
    let b = &wall.browser;
    let (left, right, middle) = ((1000.0, 300.0), (280.0, 300.0), (640.0, 300.0));
    let quick = Duration::from_millis(200);

    b.touch(left, right, quick, Duration::ZERO).await;
    wait_title(&wall, "swipe left shows the next page", pages[1].title).await;
    b.touch(right, left, quick, Duration::ZERO).await;
    wait_title(&wall, "swipe right shows the previous page", pages[0].title).await;

    // A tap pauses; the pause ends by itself after pause_resume (3 s).
    b.touch(middle, middle, Duration::ZERO, Duration::ZERO)
        .await;
    let tapped = Instant::now();
    wall.wait_for(
        "a tap shows the pause badge",
        Duration::from_secs(3),
        |w| async move { paused(w).await.then_some(()) },
    )
    .await;
    let badge = wall.badge_text().await;
    assert!(badge.contains("paused"), "pause badge text: {badge:?}");
    wall.wait_for("the pause ends by itself", SHORT, |w| async move {
        (!paused(w).await).then_some(())
    })
    .await;
    let lasted = tapped.elapsed();
    assert!(
        lasted >= Duration::from_millis(2_500),
        "the pause ended after {lasted:?}, pause_resume is 3 s"
    );
    assert_eq!(
        title(&wall).await,
        pages[0].title,
        "a tap does not change the page"
    );

    // A long press opens the status card, which names Grafana.
    b.touch(middle, middle, Duration::ZERO, Duration::from_millis(1_000))
        .await;
    let text = wall
        .wait_for(
            "a long press opens the status card",
            Duration::from_secs(3),
            card,
        )
        .await;
    assert!(
        text.contains(&grafana),
        "the status card names {grafana}: {text:?}"
    );
    assert!(!paused(&wall).await, "a long press does not pause");
    // A tap on an open card closes it, and does not pause.
    b.touch(middle, middle, Duration::ZERO, Duration::ZERO)
        .await;
    wall.wait_for(
        "a tap closes the card",
        Duration::from_secs(3),
        |w| async move { card(w).await.is_none().then_some(()) },
    )
    .await;
    assert!(!paused(&wall).await, "closing the card does not pause");

    // The keyboard twins.
    b.key(Key::Right.into()).await;
    wait_title(&wall, "ArrowRight shows the next page", pages[1].title).await;
    b.key(' ').await;
    wall.wait_for("Space pauses", Duration::from_secs(3), |w| async move {
        paused(w).await.then_some(())
    })
    .await;
    b.key('i').await;
    let text = wall
        .wait_for("`i` opens the status card", Duration::from_secs(3), card)
        .await;
    assert!(
        text.contains(&grafana),
        "the status card names {grafana}: {text:?}"
    );
    assert_eq!(title(&wall).await, pages[1].title);
    wall.close().await;
}
