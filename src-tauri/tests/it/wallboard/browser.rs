//! The harness of the browser proofs: a real chromedriver and headless Chromium per test
//! ([`Browser`]), and [`Wall`]: a [`World`], its `kiosk serve` and a browser showing the shell,
//! with the questions the proofs ask of it (which page is on screen, what the badges say, what a
//! frame's document holds) and a bounded [`Wall::wait_for`].

use std::future::Future;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions, PointerAction, TouchActions};
use fantoccini::{Client, ClientBuilder};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::support::World;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The browser window; screenshots are this size.
pub const WIDTH: u32 = 1280;
pub const HEIGHT: u32 = 720;
/// How often [`Wall::wait_for`] asks again.
const POLL: Duration = Duration::from_millis(150);
/// Longest wait for a process we start to say it is ready.
const START_LIMIT: Duration = Duration::from_secs(20);
/// Longest wait for the screen to be ours alone (see [`Turn`]).
const TURN_LIMIT: Duration = Duration::from_secs(180);

/// Browsers share two cores. A proof that samples the screen as fast as it can has the machine
/// to itself: it waits for the walls that are up and holds back new ones while it samples.
static SCREEN: RwLock<()> = RwLock::const_new(());

/// A wall's claim on the machine: a share of it, or all of it. Held while the wall is up.
struct Turn {
    _shared: Option<RwLockReadGuard<'static, ()>>,
    _alone: Option<RwLockWriteGuard<'static, ()>>,
}

impl Turn {
    async fn take(alone: bool) -> Turn {
        let turn = async {
            if alone {
                Turn {
                    _shared: None,
                    _alone: Some(SCREEN.write().await),
                }
            } else {
                Turn {
                    _shared: Some(SCREEN.read().await),
                    _alone: None,
                }
            }
        };
        tokio::time::timeout(TURN_LIMIT, turn)
            .await
            .unwrap_or_else(|_| panic!("the screen was not free within {TURN_LIMIT:?}"))
    }
}

/// Whether the browser proofs run (`KIOSK_TEST_BROWSER=1`); says "skipped" once otherwise. When
/// on, a missing Chromium or chromedriver is a failure, not a skip.
pub fn enabled() -> bool {
    if std::env::var("KIOSK_TEST_BROWSER").as_deref() != Ok("1") {
        static SAID: Once = Once::new();
        SAID.call_once(|| println!("skipped: set KIOSK_TEST_BROWSER=1"));
        return false;
    }
    for (path, package) in [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")] {
        assert!(
            Path::new(path).exists(),
            "KIOSK_TEST_BROWSER=1 but {path} is missing: install the Debian package {package}"
        );
    }
    true
}

/// Lines a child process wrote, kept for failure messages.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    /// Reads `from` line by line into the log until it ends.
    fn drain(&self, from: impl AsyncRead + Unpin + Send + 'static) {
        let log = self.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(from).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                log.0.lock().unwrap().push(line);
            }
        });
    }

    fn tail(&self, n: usize) -> String {
        let lines = self.0.lock().unwrap();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }
}

/// A free loopback port, for programs that want a number rather than port 0.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// chromedriver in a process group of its own, so that dropping it also ends the Chromium it
/// started (and that browser's helpers), even when a test panics.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    async fn start() -> Driver {
        let mut last = String::new();
        for _ in 0..3 {
            let port = free_port();
            // No --allowed-ips: with it chromedriver listens on every interface; without it,
            // on loopback only, as tests must.
            let mut child = Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .process_group(0)
                .kill_on_drop(true)
                .spawn()
                .unwrap_or_else(|e| panic!("{CHROMEDRIVER} does not start: {e}"));
            let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
            let ready = tokio::time::timeout(START_LIMIT, async {
                while let Ok(Some(line)) = lines.next_line().await {
                    if line.contains("started successfully") {
                        return Ok(());
                    }
                    last = line;
                }
                Err(())
            })
            .await;
            if ready == Ok(Ok(())) {
                // Keep reading, so that chromedriver never blocks on a full pipe.
                let mut rest = lines.into_inner();
                tokio::spawn(
                    async move { tokio::io::copy(&mut rest, &mut tokio::io::sink()).await },
                );
                return Driver { child, port };
            }
            // Most likely the port was taken between our probe and chromedriver's bind.
            let _ = child.kill().await;
        }
        panic!("chromedriver did not start on a free port; it said: {last}");
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(pid) = self.child.id() {
            // The group has the id of its leader, chromedriver; Chromium inherited it.
            let _ = std::process::Command::new("kill")
                .args(["-s", "KILL", "--", &format!("-{pid}")])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// A headless Chromium driven over WebDriver, with a temporary profile.
pub struct Browser {
    pub client: Client,
    driver: Driver,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start() -> Browser {
        let profile = tempfile::tempdir().expect("profile dir");
        let driver = Driver::start().await;
        let args = [
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--no-first-run".to_owned(),
            "--hide-scrollbars".to_owned(),
            format!("--window-size={WIDTH},{HEIGHT}"),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let capabilities = json!({
            "browserName": "chrome",
            // `goto` returns once the document is parsed: frames load by themselves.
            "pageLoadStrategy": "eager",
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let url = format!("http://127.0.0.1:{}", driver.port);
        let connect = async {
            ClientBuilder::rustls()
                .expect("rustls")
                .capabilities(capabilities)
                .connect(&url)
                .await
        };
        let client = tokio::time::timeout(START_LIMIT, connect)
            .await
            .unwrap_or_else(|_| panic!("no WebDriver session within {START_LIMIT:?}"))
            .unwrap_or_else(|e| panic!("WebDriver session with Chromium: {e}"));
        let browser = Browser {
            client,
            driver,
            _profile: profile,
        };
        browser.fit_viewport().await;
        browser
    }

    /// Makes the page area (not the window, which includes the browser's own bars even
    /// headless) WIDTH x HEIGHT.
    async fn fit_viewport(&self) {
        let sizes = self
            .js("return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight];")
            .await;
        let extra = |i: usize| sizes[i].as_u64().expect("window sizes") as u32;
        self.client
            .set_window_size(WIDTH + extra(0), HEIGHT + extra(1))
            .await
            .expect("window resized");
        let inner = self
            .js("return [window.innerWidth, window.innerHeight];")
            .await;
        assert_eq!(inner, json!([WIDTH, HEIGHT]), "viewport size");
    }

    pub async fn goto(&self, url: &str) {
        tokio::time::timeout(START_LIMIT, self.client.goto(url))
            .await
            .unwrap_or_else(|_| panic!("navigation to {url} took over {START_LIMIT:?}"))
            .unwrap_or_else(|e| panic!("navigation to {url}: {e}"));
    }

    /// Runs `script` (a function body; `arguments` as usual) in the top document.
    pub async fn js(&self, script: &str) -> Value {
        match tokio::time::timeout(Duration::from_secs(10), self.client.execute(script, vec![]))
            .await
        {
            Ok(Ok(value)) => value,
            Ok(Err(e)) => panic!("script failed: {e}\n{script}"),
            Err(_) => panic!("script took over 10 s:\n{script}"),
        }
    }

    /// A screenshot with WebDriver's standard command (PNG).
    pub async fn screenshot(&self) -> Vec<u8> {
        self.client.screenshot().await.expect("screenshot")
    }

    /// A screenshot taken as fast as chromedriver can: Chrome's own capture, with its fast PNG
    /// encoder, through the session's `goog/cdp/execute` (measured with a wall rotating on two
    /// cores: the standard command 8–10 Hz, this one 12–15 Hz). Returns chromedriver's raw JSON
    /// answer, decoded later by [`super::pixels::png_of_capture`], so sampling does nothing else.
    pub async fn capture(&self, http: &reqwest::Client, session: &str) -> Vec<u8> {
        let url = format!(
            "http://127.0.0.1:{}/session/{session}/goog/cdp/execute",
            self.driver.port
        );
        let body = json!({
            "cmd": "Page.captureScreenshot",
            "params": { "format": "png", "optimizeForSpeed": true },
        });
        let response = http
            .post(url)
            .json(&body)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .expect("capture");
        response.bytes().await.expect("capture body").to_vec()
    }

    pub async fn session(&self) -> String {
        self.client
            .session_id()
            .await
            .expect("session id")
            .expect("a session")
    }

    /// A finger: down at `from`, moving to `to` over `moving`, held still for `hold`, up.
    pub async fn touch(&self, from: (f64, f64), to: (f64, f64), moving: Duration, hold: Duration) {
        let finger = TouchActions::new("finger".to_owned())
            .then(PointerAction::MoveTo {
                duration: None,
                x: from.0,
                y: from.1,
            })
            .then(PointerAction::Down { button: 0 })
            .then(PointerAction::MoveTo {
                duration: Some(moving),
                x: to.0,
                y: to.1,
            })
            .pause(hold)
            .then(PointerAction::Up { button: 0 });
        self.client
            .perform_actions(finger)
            .await
            .expect("touch actions");
        self.client.release_actions().await.expect("touch released");
    }

    /// Presses and releases one key (a character, or a `fantoccini::key::Key` as char).
    pub async fn key(&self, key: char) {
        let keyboard = KeyActions::new("keyboard".to_owned())
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
        self.client
            .perform_actions(keyboard)
            .await
            .expect("key actions");
    }

    /// Ends the session (Chromium quits), then chromedriver.
    pub async fn close(self) {
        let Browser {
            client,
            driver,
            _profile,
        } = self;
        let _ = tokio::time::timeout(Duration::from_secs(5), client.close()).await;
        drop(driver);
    }
}

/// A running `kiosk serve`: its one-time shell URL and its log.
struct Serve {
    child: Child,
    url: String,
    log: Log,
}

impl Serve {
    async fn start(world: &World) -> Serve {
        let mut child = world
            .command(&["serve"])
            .spawn()
            .expect("kiosk serve starts");
        let log = Log::default();
        log.drain(child.stderr.take().unwrap());
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = tokio::time::timeout(START_LIMIT, lines.next_line()).await;
        let url = match first {
            Ok(Ok(Some(line))) => line.trim().to_owned(),
            other => panic!(
                "kiosk serve printed no URL ({other:?}); stderr:\n{}",
                log.tail(40)
            ),
        };
        assert!(
            url.starts_with("http://127.0.0.1:") && url.contains("/__kiosk/?session="),
            "kiosk serve's first line is not the shell URL: {url}"
        );
        log.drain(lines.into_inner());
        Serve { child, url, log }
    }

    async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// What the shell shows: the overlay's title and the frame on top.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Visible {
    pub title: String,
    /// `frame-a` or `frame-b`; empty before the first page.
    pub front: String,
    /// The `src` the shell gave the front frame (a gateway-relative page URL).
    pub src: String,
    pub splash: bool,
}

/// The front frame as `frame` and its document as `doc` (the frames are same-origin with the
/// shell); both null before the first page.
const FRONT: &str = "const frame = document.querySelector('.frame.front');
const doc = frame ? frame.contentDocument : null;";

/// A wallboard: Grafana (the simulator), `kiosk serve` and Chromium showing the shell.
pub struct Wall {
    pub world: World,
    pub browser: Browser,
    serve: Option<Serve>,
    _turn: Turn,
    /// The shell URL this wall was opened with (one-time; already used).
    pub url: String,
    /// `http://127.0.0.1:PORT` of the gateway.
    pub origin: String,
}

impl Wall {
    /// Starts `kiosk serve` for `world` and a browser, and opens the shell once.
    pub async fn open(world: World) -> Wall {
        Wall::start(world, false).await
    }

    /// [`Wall::open`], with no other wall running meanwhile.
    pub async fn open_alone(world: World) -> Wall {
        Wall::start(world, true).await
    }

    async fn start(world: World, alone: bool) -> Wall {
        let turn = Turn::take(alone).await;
        let (serve, browser) = tokio::join!(Serve::start(&world), Browser::start());
        let url = serve.url.clone();
        let origin = origin_of(&url);
        browser.goto(&url).await;
        Wall {
            world,
            browser,
            serve: Some(serve),
            _turn: turn,
            url,
            origin,
        }
    }

    /// Ends `kiosk serve` and starts another one on the same config and cache; the browser
    /// opens the new one-time URL.
    pub async fn restart_serve(&mut self) {
        if let Some(serve) = self.serve.take() {
            serve.stop().await;
        }
        let serve = Serve::start(&self.world).await;
        self.url = serve.url.clone();
        self.origin = origin_of(&self.url);
        self.serve = Some(serve);
        self.browser.goto(&self.url.clone()).await;
    }

    pub async fn js(&self, script: &str) -> Value {
        self.browser.js(script).await
    }

    /// `script` runs in the shell with the front frame as `frame` and its document as `doc` in
    /// scope (null before the first page).
    pub async fn frame_js(&self, script: &str) -> Value {
        self.js(&format!("{FRONT}\n{script}")).await
    }

    pub async fn visible(&self) -> Visible {
        let value = self
            .frame_js(
                "return {
                    title: document.getElementById('title').textContent,
                    front: frame ? frame.id : '',
                    src: frame ? (frame.getAttribute('src') || '') : '',
                    splash: !document.getElementById('splash').classList.contains('gone'),
                };",
            )
            .await;
        serde_json::from_value(value).expect("visible page")
    }

    pub async fn screenshot(&self) -> Vec<u8> {
        self.browser.screenshot().await
    }

    /// The text of every badge, one per line (empty when there is none).
    pub async fn badge_text(&self) -> String {
        let value = self
            .js("return Array.from(document.querySelectorAll('#badges .badge'), (b) => b.textContent.trim()).join('\\n');")
            .await;
        value.as_str().unwrap_or_default().to_owned()
    }

    /// `/__kiosk/api/<what>` as the shell gets it (with the session cookie): the raw text.
    pub async fn api(&self, what: &str) -> String {
        let value = self
            .js(&format!(
                "return fetch('/__kiosk/api/{what}', {{ cache: 'no-store' }}).then((r) => r.text());"
            ))
            .await;
        value.as_str().expect("api text").to_owned()
    }

    /// Asks `probe` every 150 ms until it answers `Some`, for at most `limit`; panics with `what`
    /// and the wall's situation otherwise.
    pub async fn wait_for<'a, T, F, Fut>(&'a self, what: &str, limit: Duration, mut probe: F) -> T
    where
        F: FnMut(&'a Wall) -> Fut,
        Fut: Future<Output = Option<T>> + 'a,
    {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(found) = probe(self).await {
                return found;
            }
            if Instant::now() >= deadline {
                let situation = self.situation().await;
                panic!("{what}: not within {limit:?}\n{situation}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits for the first painted page: the splash gone and a frame on top.
    pub async fn wait_painted(&self, limit: Duration) -> Visible {
        self.wait_for("the first page on screen", limit, |w| async move {
            let v = w.visible().await;
            (!v.splash && !v.front.is_empty()).then_some(v)
        })
        .await
    }

    /// What is on screen and what the gateway said, for failure messages.
    pub async fn situation(&self) -> String {
        let visible = self.visible().await;
        let badges = self.badge_text().await;
        let log = self
            .serve
            .as_ref()
            .map(|s| s.log.tail(20))
            .unwrap_or_default();
        format!("on screen: {visible:?}\nbadges: {badges:?}\nkiosk serve stderr (tail):\n{log}")
    }

    /// Ends the browser and `kiosk serve` (the World's servers end when it drops).
    pub async fn close(mut self) {
        if let Some(serve) = self.serve.take() {
            serve.stop().await;
        }
        self.browser.close().await;
    }
}

fn origin_of(url: &str) -> String {
    let rest = url.strip_prefix("http://").expect("http URL");
    let host = rest.split('/').next().unwrap();
    format!("http://{host}")
}

/// Records every swap in the shell as it happens (a MutationObserver on the frames' `class`):
/// when, which page, and what the incoming document held at that instant. Read with
/// [`Wall::swaps`].
const RECORDER: &str = "
if (!window.__swaps) {
  window.__swaps = [];
  let last = null;
  const note = () => {
    const frame = document.querySelector('.frame.front');
    if (!frame || frame.id === last) return;
    last = frame.id;
    const doc = frame.contentDocument;
    const count = (sel) => (doc ? doc.querySelectorAll(sel).length : -1);
    window.__swaps.push({
      at: Date.now(),
      front: frame.id,
      src: frame.getAttribute('src') || '',
      title: document.getElementById('title').textContent,
      path: doc ? doc.location.pathname : '',
      panels: count('[data-testid^=\"data-testid Panel header\"]'),
      loading_bars: count('[aria-label=\"Panel loading bar\"], [data-testid=\"Panel loading bar\"]'),
      loading_indicators: count('[aria-label=\"data-testid Loading indicator\"], [data-testid=\"data-testid Loading indicator\"]'),
      errors: count('[data-testid=\"data-testid Panel status error\"], [aria-label=\"data-testid Panel status error\"]'),
      splash: !document.getElementById('splash').classList.contains('gone'),
    });
  };
  for (const id of ['frame-a', 'frame-b']) {
    new MutationObserver(note).observe(document.getElementById(id), { attributes: true, attributeFilter: ['class'] });
  }
  note();
}";

/// One swap as the recorder saw it.
#[derive(Debug, Clone, Deserialize)]
pub struct Swap {
    /// Epoch ms in the browser.
    pub at: u64,
    pub front: String,
    pub src: String,
    pub title: String,
    /// The incoming document's path (`/d/<uid>` for a dashboard).
    pub path: String,
    pub panels: i64,
    pub loading_bars: i64,
    pub loading_indicators: i64,
    pub errors: i64,
    pub splash: bool,
}

impl Wall {
    /// Starts recording swaps (idempotent).
    pub async fn record_swaps(&self) {
        self.js(RECORDER).await;
    }

    pub async fn swaps(&self) -> Vec<Swap> {
        let value = self.js("return window.__swaps || [];").await;
        serde_json::from_value(value).expect("recorded swaps")
    }

    /// Takes `n` screenshots half a second apart; each must be a painted dashboard by its
    /// pixels (see [`super::pixels`]). Returns the smallest chromatic share seen.
    pub async fn assert_painted_pixels(&self, n: usize, what: &str) -> f64 {
        let mut least = f64::INFINITY;
        for i in 0..n {
            if i > 0 {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            let png = self.screenshot().await;
            let metrics = super::pixels::measure(&png);
            if let Some(why) = metrics.bad() {
                let paths = super::pixels::keep("painted", &[(format!("{i}"), png.as_slice())]);
                let situation = self.situation().await;
                panic!(
                    "{what}: screenshot {i} is {why}: {metrics:?} {}\n{situation}",
                    paths[0].display()
                );
            }
            least = least.min(metrics.chromatic);
        }
        least
    }

    /// Whether the shell is ours and no frame holds a browser error page; `Err` says what is
    /// wrong instead.
    pub async fn ours(&self) -> Result<(), String> {
        let value = self
            .js("const problems = [];
                 if (document.title !== 'kiosk' || !document.getElementById('frame-a')) {
                   problems.push('the top document is not the shell: ' + document.title + ' ' + location.href);
                 }
                 for (const f of document.querySelectorAll('iframe')) {
                   const src = f.getAttribute('src');
                   if (!src || src === 'about:blank') continue;
                   const d = f.contentDocument;
                   if (!d) { problems.push(f.id + ': not a document of ours (a browser error page?) ' + src); continue; }
                   if (d.getElementById('main-frame-error') || d.body && d.body.classList.contains('neterror')) {
                     problems.push(f.id + ': the browser error page for ' + src);
                   }
                   if (d.location.origin !== location.origin) problems.push(f.id + ': left the gateway: ' + d.location.href);
                 }
                 return problems;")
            .await;
        let problems: Vec<String> = serde_json::from_value(value).expect("problems");
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    /// The browser's clock, epoch ms.
    pub async fn now(&self) -> u64 {
        self.js("return Date.now();").await.as_u64().unwrap()
    }
}
