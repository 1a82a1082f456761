//! When Grafana goes away or stops accepting the token, the wall keeps showing drawn data,
//! says why on screen, and recovers by itself; a wall restarted while Grafana is down starts
//! from its cache. Never a browser error page.

use std::time::Duration;

use super::boards::{self, Page, assert_drawn, uid_of};
use super::browser::{Swap, Wall, enabled};
use crate::support::TOKEN;

const PAINT_LIMIT: Duration = Duration::from_secs(20);

/// Waits until every page has been on screen once (so each is in the gateway's cache) and one
/// more swap has happened; returns the swaps.
async fn every_page_shown(wall: &Wall, pages: &[Page]) -> Vec<Swap> {
    wall.wait_for(
        "every page shown once while Grafana is up",
        Duration::from_secs(30),
        |w| async move {
            let swaps = w.swaps().await;
            let all = pages
                .iter()
                .all(|p| swaps.iter().any(|s| s.title == p.title));
            (all && swaps.len() > pages.len()).then_some(swaps)
        },
    )
    .await
}

/// Waits for `n` swaps after the first `after` ones, checking meanwhile that the shell and
/// its frames stay ours; every new swap brought a drawn page.
async fn rotates(wall: &Wall, pages: &[Page], after: usize, n: usize, what: &str) -> Vec<Swap> {
    let swaps = wall
        .wait_for(what, Duration::from_secs(20), |w| async move {
            if let Err(problem) = w.ours().await {
                panic!("{what}: {problem}");
            }
            let swaps = w.swaps().await;
            (swaps.len() >= after + n).then_some(swaps)
        })
        .await;
    for swap in &swaps[after..] {
        assert_drawn(swap, pages);
    }
    swaps
}

/// The page on screen is a dashboard with its data, not an error, loading or login page.
async fn assert_front_is_data(wall: &Wall, what: &str) {
    let front = wall
        .frame_js(
            "const count = (sel) => doc.querySelectorAll(sel).length;
             return {
               path: doc.location.pathname,
               panels: count('[data-testid^=\"data-testid Panel header\"]'),
               errors: count('[data-testid=\"data-testid Panel status error\"], [aria-label=\"data-testid Panel status error\"]'),
               login: count('[data-testid=\"data-testid Login button\"], [aria-label=\"data-testid Login button\"]'),
             };",
        )
        .await;
    let path = front["path"].as_str().unwrap_or_default();
    assert!(
        path.starts_with("/d/") && front["panels"].as_u64() > Some(0),
        "{what}: the frame on top is not a dashboard: {front}"
    );
    assert_eq!(
        front["errors"], 0,
        "{what}: panel errors on screen: {front}"
    );
    assert_eq!(front["login"], 0, "{what}: a login form on screen: {front}");
}

async fn badges_gone(wall: &Wall, what: &str, limit: Duration) {
    wall.wait_for(what, limit, |w| async move {
        w.badge_text().await.is_empty().then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grafana_down_the_wall_rotates_its_cache_and_recovers() {
    if !enabled() {
        return;
    }
    let world = boards::world().await;
    let pages = boards::bright_pages(3, "2s");
    boards::configure(&world, &pages, "2m");
    let mut wall = Wall::open(world).await;
    wall.record_swaps().await;
    every_page_shown(&wall, &pages).await;

    // Grafana stops: the badge says so and how old the data is.
    wall.world.sim.stop().await;
    let badge = wall
        .wait_for(
            "the offline badge",
            Duration::from_secs(10),
            |w| async move {
                let text = w.badge_text().await;
                (text.contains("offline") && text.contains("data as of")).then_some(text)
            },
        )
        .await;
    println!("offline badge: {badge:?}");
    let least = wall
        .assert_painted_pixels(3, "Grafana down, the page on screen")
        .await;
    println!("offline: least chromatic share {least:.3}");
    assert_front_is_data(&wall, "Grafana down").await;
    let offline_from = wall.swaps().await.len();
    rotates(
        &wall,
        &pages,
        offline_from,
        2,
        "rotation over cached pages while Grafana is down",
    )
    .await;
    assert_front_is_data(&wall, "Grafana down, after two swaps").await;
    wall.ours().await.unwrap();
    let badge = wall.badge_text().await;
    assert!(
        badge.contains("offline"),
        "still offline after two swaps: {badge:?}"
    );

    // Grafana is back on the same port: within 5 s a page loaded since then is on screen,
    // drawn (live data, not the cached copy), and the badge is gone.
    let back_at = wall.now().await;
    wall.world.sim.restart().await.expect("simulator restarts");
    let live = wall
        .wait_for(
            "a page loaded after Grafana came back, on screen",
            Duration::from_secs(5),
            |w| async move {
                let swaps = w.swaps().await;
                swaps.into_iter().find(|s| {
                    s.at >= back_at && s.panels > 0 && s.loading_bars == 0 && s.errors == 0
                })
            },
        )
        .await;
    println!(
        "live again {} ms after Grafana came back: {}",
        live.at - back_at,
        live.title
    );
    badges_gone(
        &wall,
        "the badge gone once Grafana is back",
        Duration::from_secs(5),
    )
    .await;
    let state = wall.api("state").await;
    assert!(
        state.contains("\"state\":\"online\""),
        "state once Grafana is back: {state}"
    );

    // Grafana down again and the wall restarted: it starts from its cache and its saved plan.
    wall.world.sim.stop().await;
    wall.restart_serve().await;
    wall.record_swaps().await;
    let shown = wall
        .wait_for(
            "a cached page after a restart with Grafana down",
            PAINT_LIMIT,
            |w| async move {
                if let Err(problem) = w.ours().await {
                    panic!("restarted with Grafana down: {problem}");
                }
                let v = w.visible().await;
                (!v.splash && !v.front.is_empty()).then_some(v)
            },
        )
        .await;
    assert!(
        pages
            .iter()
            .any(|p| p.title == shown.title && p.uid == uid_of(&shown.src)),
        "a page of the plan: {shown:?}"
    );
    let badge = wall
        .wait_for(
            "the offline badge after the restart",
            Duration::from_secs(10),
            |w| async move {
                let text = w.badge_text().await;
                text.contains("offline").then_some(text)
            },
        )
        .await;
    println!("offline badge after the restart: {badge:?}");
    let least = wall
        .assert_painted_pixels(3, "restarted with Grafana down, the page on screen")
        .await;
    println!("restarted offline: least chromatic share {least:.3}");
    assert_front_is_data(&wall, "restarted with Grafana down").await;
    let swaps = rotates(
        &wall,
        &pages,
        0,
        3,
        "rotation after a restart with Grafana down",
    )
    .await;
    println!(
        "after the restart: {:?}",
        swaps.iter().map(|s| &s.title).collect::<Vec<_>>()
    );
    wall.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_token_is_explained_and_the_data_stays() {
    if !enabled() {
        return;
    }
    let world = boards::world().await;
    let pages = boards::bright_pages(3, "2s");
    boards::configure(&world, &pages, "2m");
    let wall = Wall::open(world).await;
    wall.record_swaps().await;
    every_page_shown(&wall, &pages).await;

    wall.world.sim.revoke_token(TOKEN);
    let badge = wall
        .wait_for(
            "an on-screen reason for the revoked token",
            Duration::from_secs(10),
            |w| async move {
                let text = w.badge_text().await;
                let lower = text.to_lowercase();
                (lower.contains("token") || lower.contains("401") || lower.contains("login"))
                    .then_some(text)
            },
        )
        .await;
    println!(
        "revoked token badge: {badge:?}; state {}",
        wall.api("state").await
    );
    for _ in 0..3 {
        let least = wall
            .assert_painted_pixels(2, "token revoked, the page on screen")
            .await;
        println!("revoked: least chromatic share {least:.3}");
        assert_front_is_data(&wall, "token revoked").await;
        wall.ours().await.unwrap();
        tokio::time::sleep(Duration::from_millis(700)).await;
    }

    wall.world.sim.restore_token(TOKEN);
    let restored_at = wall.swaps().await.len();
    badges_gone(
        &wall,
        "the reason gone once the token is valid again",
        Duration::from_secs(20),
    )
    .await;
    rotates(
        &wall,
        &pages,
        restored_at,
        2,
        "rotation once the token is valid again",
    )
    .await;
    wall.close().await;
}

/// With a long dwell nothing rotates: when Grafana returns, the page on screen (drawn from the
/// cache) is reloaded underneath and swapped in live within 5 s, not at its next dwell.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn back_online_the_page_on_screen_is_reloaded_live() {
    if !enabled() {
        return;
    }
    let world = boards::world().await;
    let pages = boards::bright_pages(2, "5m");
    boards::configure(&world, &pages, "2m");
    let wall = Wall::open(world).await;
    wall.record_swaps().await;
    let first = wall.wait_painted(Duration::from_secs(20)).await;

    wall.world.sim.stop().await;
    wall.wait_for(
        "the offline badge",
        Duration::from_secs(10),
        |w| async move { w.badge_text().await.contains("offline").then_some(()) },
    )
    .await;
    let back_at = wall.now().await;
    wall.world.sim.restart().await.expect("simulator restarts");
    let reloaded = wall
        .wait_for(
            "the same page reloaded live",
            Duration::from_secs(5),
            |w| async move {
                w.swaps().await.into_iter().find(|s| {
                    s.at >= back_at && s.panels > 0 && s.loading_bars == 0 && s.errors == 0
                })
            },
        )
        .await;
    assert_eq!(
        reloaded.title, first.title,
        "the page on screen, not the next one"
    );
    println!(
        "reloaded live {} ms after Grafana came back",
        reloaded.at - back_at
    );
    wall.close().await;
}
