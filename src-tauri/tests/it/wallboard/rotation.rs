//! The rotation as a viewer sees it: pages in the configured order with their dwells, a slow page
//! held back until it has painted, and no blank or loading frame on screen across many swaps.

use std::time::{Duration, Instant};

use super::boards::{self, FLEET, Page, assert_drawn, dwell_ms, uid_of};
use super::browser::{Wall, enabled};
use super::pixels::{self, CALIBRATION_MIN, Metrics};

const PAINT_LIMIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_rotate_in_order_each_for_its_dwell() {
    if !enabled() {
        return;
    }
    let world = boards::world().await;
    let mut pages = boards::bright_pages(3, "2s");
    pages[1].dwell = "4s";
    boards::configure(&world, &pages, "2m");
    let wall = Wall::open(world).await;
    wall.record_swaps().await;

    // Four dwells: A B C, wrapping to A, then B. Meanwhile the overlay's title and the frame on
    // top must always agree.
    let expected: Vec<&Page> = [0, 1, 2, 0, 1].iter().map(|&i| &pages[i]).collect();
    let n = expected.len();
    let swaps = wall
        .wait_for("five pages shown", Duration::from_secs(40), |w| {
            let pages = &pages;
            async move {
                let v = w.visible().await;
                if !v.front.is_empty() {
                    let page = pages.iter().find(|p| p.title == v.title);
                    let page = page.unwrap_or_else(|| panic!("unknown title on screen: {v:?}"));
                    assert_eq!(uid_of(&v.src), page.uid, "title and frame disagree: {v:?}");
                }
                let swaps = w.swaps().await;
                (swaps.len() >= n).then_some(swaps)
            }
        })
        .await;

    let shown: Vec<&str> = swaps.iter().map(|s| s.title.as_str()).collect();
    let wanted: Vec<&str> = expected.iter().map(|p| p.title).collect();
    assert_eq!(
        shown[..wanted.len()],
        wanted[..],
        "rotation order: {swaps:#?}"
    );
    for swap in &swaps {
        assert_drawn(swap, &pages);
    }
    for pair in swaps.windows(2) {
        assert_ne!(
            pair[0].front, pair[1].front,
            "the two frames take turns: {pair:?}"
        );
    }
    for (i, pair) in swaps.windows(2).take(wanted.len() - 1).enumerate() {
        let stayed = pair[1].at - pair[0].at;
        let dwell = dwell_ms(expected[i].dwell);
        println!("{} stayed {stayed} ms (dwell {dwell} ms)", pair[0].title);
        assert!(
            stayed >= dwell * 8 / 10 && stayed <= dwell + 3_000,
            "{} stayed {stayed} ms, its dwell is {dwell} ms",
            pair[0].title
        );
    }
    wall.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_page_starts_with_the_shell_and_loads_once() {
    if !enabled() {
        return;
    }
    let world = boards::world().await;
    let pages = boards::bright_pages(2, "1m");
    boards::configure(&world, &pages, "2m");
    world.sim.clear_requests();
    let wall = Wall::open(world).await;
    let shown = wall.wait_painted(PAINT_LIMIT).await;
    assert_eq!(shown.title, pages[0].title, "{shown:?}");
    // The gateway served the shell with the first frame already loading that page; the shell
    // kept that load instead of starting another.
    assert_eq!(shown.front, "frame-a", "{shown:?}");
    let started = wall
        .js("return document.getElementById('frame-a').dataset.page ?? null;")
        .await;
    assert_eq!(
        started,
        serde_json::json!(pages[0].uid),
        "data-page of frame-a"
    );
    let document = format!("/d/{}?", pages[0].uid);
    let loads: Vec<String> = wall
        .world
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path.starts_with(&document))
        .map(|r| r.path)
        .collect();
    assert_eq!(loads.len(), 1, "the first page's document, once: {loads:?}");
    wall.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_page_is_shown_only_once_painted() {
    if !enabled() {
        return;
    }
    const DWELL: u64 = 2_000;
    const SLOW: Duration = Duration::from_secs(6);
    let world = boards::world().await;
    let pages = boards::bright_pages(3, "2s");
    boards::configure(&world, &pages, "2m");
    let wall = Wall::open(world).await;
    wall.record_swaps().await;
    wall.wait_painted(PAINT_LIMIT).await;

    // From now on every panel query takes longer than a dwell: the next page that starts
    // loading keeps its loading bars for 6 s, and the page on screen must stay meanwhile.
    wall.world.sim.set_query_latency(SLOW);
    let (held, slow) = wall
        .wait_for(
            "a page held past its dwell while the next one loads",
            Duration::from_secs(20),
            |w| async move {
                let swaps = w.swaps().await;
                let last = swaps.last()?.clone();
                let back = w
                    .js("const f = document.querySelector('.frame:not(.front)');
                         const d = f.contentDocument;
                         return [f.getAttribute('src') || '',
                                 d ? d.querySelectorAll('[aria-label=\"Panel loading bar\"]').length : 0];")
                    .await;
                let loading = back[1].as_u64().unwrap_or(0) > 0;
                let over = w.now().await.saturating_sub(last.at) > DWELL + 2_000;
                (loading && over).then(|| (last, back[0].as_str().unwrap().to_owned()))
            },
        )
        .await;
    assert!(!held.front.is_empty());

    let swap = wall
        .wait_for(
            "the slow page on screen",
            SLOW + Duration::from_secs(10),
            |w| {
                let held = held.clone();
                async move {
                    let swaps = w.swaps().await;
                    let at = swaps
                        .iter()
                        .position(|s| s.at == held.at && s.front == held.front)?;
                    swaps.get(at + 1).cloned()
                }
            },
        )
        .await;
    wall.world.sim.set_query_latency(Duration::ZERO);

    println!(
        "{} stayed {} ms until {} had painted",
        held.title,
        swap.at - held.at,
        swap.title
    );
    assert_eq!(
        swap.src, slow,
        "the page that replaced the held one is the slow one"
    );
    assert_drawn(&swap, &pages);
    assert!(
        swap.at - held.at >= DWELL + 2_000,
        "{} was replaced after {} ms, before the slow page could paint",
        held.title,
        swap.at - held.at
    );
    wall.close().await;
}

/// Screenshots this often at least, or a blank frame could hide between two of them.
const MIN_RATE: f64 = 10.0;
const SWAPS: usize = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_blank_or_loading_frame_across_twenty_swaps() {
    if !enabled() {
        return;
    }
    let world = boards::world().await;
    let mut pages = boards::bright_pages(4, "2s");
    pages.push(Page {
        uid: FLEET,
        title: "Fleet Overview",
        dwell: "2s",
    });
    boards::configure(&world, &pages, "2m");
    // Negative controls of the classifier: the splash, and a dashboard still loading (what a
    // frame would show if swapped in too early). Queries are slow meanwhile, so both are seen.
    world.sim.set_query_latency(Duration::from_secs(3));
    let wall = Wall::open_alone(world).await;
    wall.record_swaps().await;
    let splash = wall.screenshot().await;
    let v = wall.visible().await;
    assert!(v.splash, "the splash is up before the first page: {v:?}");
    let control = pixels::measure(&splash);
    println!("control (splash): {control:?}");
    assert_eq!(control.bad(), Some("blank"), "the splash: {control:?}");
    let loading = pixels::measure(&loading_page(&wall, FLEET).await);
    println!("control (loading dashboard): {loading:?}");
    assert!(
        loading.bad().is_some(),
        "the classifier takes a loading dashboard for a painted one: {loading:?}"
    );

    // Calibration: a frame of a fully painted page is far above the threshold.
    wall.wait_painted(PAINT_LIMIT).await;
    wall.world.sim.set_query_latency(Duration::ZERO);
    let drawn = "return doc.querySelectorAll('[aria-label=\"Panel loading bar\"]').length === 0
                 && doc.querySelectorAll('[data-testid^=\"data-testid Panel header\"]').length > 0;";
    assert_eq!(wall.frame_js(drawn).await, true, "first page drawn");
    let calibration = pixels::measure(&wall.screenshot().await);
    println!(
        "calibration (painted {}): {calibration:?}",
        wall.visible().await.title
    );
    assert!(
        calibration.chromatic > CALIBRATION_MIN && calibration.bad().is_none(),
        "a painted page is not clearly colourful, the classifier would mean nothing: {calibration:?}"
    );

    // Sample as fast as the browser answers until 20 swaps after the first page.
    let http = reqwest::Client::new();
    let session = wall.browser.session().await;
    let browser_start = wall.now().await;
    let start = Instant::now();
    let mut frames: Vec<(Duration, Vec<u8>)> = Vec::new();
    let mut swaps = wall.swaps().await;
    while swaps.len() <= SWAPS {
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "20 swaps did not happen within 90 s: {swaps:#?}"
        );
        frames.push((start.elapsed(), wall.browser.capture(&http, &session).await));
        if frames.len().is_multiple_of(10) {
            swaps = wall.swaps().await;
        }
    }
    let elapsed = start.elapsed();
    let rate = frames.len() as f64 / elapsed.as_secs_f64();
    let gap = frames
        .windows(2)
        .map(|w| w[1].0 - w[0].0)
        .max()
        .unwrap_or_default();
    let visible = wall.visible().await;
    wall.close().await;

    println!(
        "{} frames in {elapsed:.1?}: {rate:.1} Hz, longest gap {gap:?}",
        frames.len()
    );
    assert!(
        rate >= MIN_RATE,
        "sampled at {rate:.1} Hz, below {MIN_RATE} Hz: the proof would not hold"
    );
    assert!(!visible.splash, "the splash came back: {visible:?}");
    for swap in &swaps {
        assert_drawn(swap, &pages);
    }

    let metrics = classify(frames).await;
    // Which page each frame shows, by the browser's clock (to a capture's latency), for the
    // record and to be sure every page was sampled.
    for page in &pages {
        let mine: Vec<f64> = metrics
            .iter()
            .filter(|(at, _, _)| {
                let t = browser_start + at.as_millis() as u64;
                swaps
                    .iter()
                    .rev()
                    .find(|s| s.at <= t)
                    .map(|s| s.title.as_str())
                    == Some(page.title)
            })
            .map(|(_, _, m)| m.chromatic)
            .collect();
        let least = mine.iter().copied().fold(f64::INFINITY, f64::min);
        println!(
            "{}: {} frames, chromatic share min {least:.3}",
            page.title,
            mine.len()
        );
        assert!(!mine.is_empty(), "no frame of {} was sampled", page.title);
    }
    let min = metrics
        .iter()
        .map(|(_, _, m)| m.chromatic)
        .fold(f64::INFINITY, f64::min);
    let max_dominant = metrics
        .iter()
        .map(|(_, _, m)| m.dominant)
        .fold(0.0, f64::max);
    println!("chromatic share: min {min:.3}; dominant colour: max {max_dominant:.3}");
    let bad: Vec<_> = metrics
        .iter()
        .filter(|(_, _, m)| m.bad().is_some())
        .collect();
    if !bad.is_empty() {
        let kept: Vec<(String, &[u8])> = bad
            .iter()
            .map(|(at, png, _)| (format!("{:06}ms", at.as_millis()), png.as_slice()))
            .collect();
        let paths = pixels::keep("twenty-swaps", &kept);
        let lines: Vec<String> = bad
            .iter()
            .zip(&paths)
            .map(|((at, _, m), path)| {
                format!("{at:?} {}: {m:?} {}", m.bad().unwrap(), path.display())
            })
            .collect();
        panic!(
            "{} of {} frames are not a painted dashboard:\n{}\nswaps: {swaps:#?}",
            bad.len(),
            metrics.len(),
            lines.join("\n")
        );
    }
}

/// A screenshot of the page `id` of the plan while its panels are loading, opened at the plan's
/// URL through the gateway in a second window of the wall's browser (same session), which is
/// closed again.
async fn loading_page(wall: &Wall, id: &str) -> Vec<u8> {
    let plan: serde_json::Value = serde_json::from_str(&wall.api("plan").await).expect("plan");
    let page = plan["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id);
    let url = page.unwrap_or_else(|| panic!("no page {id} in the plan: {plan}"))["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let client = &wall.browser.client;
    let shell = client.window().await.expect("shell window");
    let other = client.new_window(false).await.expect("second window");
    client
        .switch_to_window(other.handle)
        .await
        .expect("to the second window");
    wall.browser.goto(&format!("{}{url}", wall.origin)).await;
    let state = "return [document.querySelectorAll('[aria-label=\"Panel loading bar\"]').length,
                         document.querySelectorAll('[data-testid^=\"data-testid Panel header\"]').length];";
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let v = wall.js(state).await;
        if v[0].as_u64() > Some(0) && v[1].as_u64() > Some(0) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the dashboard never showed loading panels: {v}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let png = wall.screenshot().await;
    let after = wall.js(state).await;
    client.close_window().await.expect("second window closed");
    client
        .switch_to_window(shell)
        .await
        .expect("back to the shell");
    assert!(
        after[0].as_u64() > Some(0),
        "the panels finished loading during the screenshot"
    );
    png
}

/// Decodes and measures the frames on two threads.
async fn classify(frames: Vec<(Duration, Vec<u8>)>) -> Vec<(Duration, Vec<u8>, Metrics)> {
    let half = frames.len() / 2;
    let mut frames = frames;
    let second = frames.split_off(half);
    let work = |part: Vec<(Duration, Vec<u8>)>| {
        tokio::task::spawn_blocking(move || {
            part.into_iter()
                .map(|(at, answer)| {
                    let png = pixels::png_of_capture(&answer);
                    let metrics = pixels::measure(&png);
                    (at, png, metrics)
                })
                .collect::<Vec<_>>()
        })
    };
    let (a, b) = tokio::join!(work(frames), work(second));
    let mut all = a.expect("frames measured");
    all.extend(b.expect("frames measured"));
    all
}
