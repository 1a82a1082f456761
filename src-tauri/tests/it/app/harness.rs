//! The harness of the app proofs: a real X server (Xvfb) with an optional window manager, the
//! real `kiosk run` started by WebKitWebDriver (`TAURI_WEBVIEW_AUTOMATION=true`) so a WebDriver
//! session drives its webview, a fake systemd notification socket, and the X server's own view
//! of the screen: root-window pixels and the XFixes cursor image.

use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use x11rb::connection::Connection;
use x11rb::protocol::xfixes::ConnectionExt as _;
use x11rb::protocol::xproto::{ConnectionExt as _, ImageFormat};

use kiosk_supervisor::memory::descendants;

use crate::support::World;
use crate::wallboard::pixels::{self, Metrics, Raw};

const XVFB: &str = "/usr/bin/Xvfb";
const WINDOW_MANAGER: &str = "/usr/bin/matchbox-window-manager";
const WEBDRIVER: &str = "/usr/bin/WebKitWebDriver";
/// The monitor: not 800x600 (the size of an unsized window) and not the common 1920x1080.
pub const WIDTH: u16 = 1600;
pub const HEIGHT: u16 = 900;
/// Longest wait for a process we start to say it is ready.
const START_LIMIT: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(200);

/// The app proofs take the machine one at a time: WebKit renders in software on two cores, and
/// the healing proofs measure time.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Whether the app proofs run (`KIOSK_TEST_APP=1`); when on, a missing part is a failure.
pub fn enabled() -> bool {
    if std::env::var("KIOSK_TEST_APP").as_deref() != Ok("1") {
        static SAID: std::sync::Once = std::sync::Once::new();
        SAID.call_once(|| println!("skipped: set KIOSK_TEST_APP=1"));
        return false;
    }
    for (path, package) in [
        (XVFB, "xvfb"),
        (WINDOW_MANAGER, "matchbox-window-manager"),
        (WEBDRIVER, "webkit2gtk-driver"),
    ] {
        assert!(
            Path::new(path).exists(),
            "KIOSK_TEST_APP=1 but {path} is missing: install the Debian package {package}"
        );
    }
    true
}

/// Xvfb on a display number it picks itself, optionally with a window manager.
pub struct Display {
    pub name: String,
    _server: Child,
    _wm: Option<Child>,
}

impl Display {
    pub async fn start(window_manager: bool) -> Display {
        // -displayfd 1: Xvfb picks a free display and writes its number to stdout when ready.
        // -nolisten tcp: the Unix socket only.
        let mut server = Command::new(XVFB)
            .args(["-displayfd", "1", "-nolisten", "tcp", "-screen", "0"])
            .arg(format!("{WIDTH}x{HEIGHT}x24"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("Xvfb starts");
        let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
        let number = tokio::time::timeout(START_LIMIT, lines.next_line())
            .await
            .expect("Xvfb says its display number")
            .expect("Xvfb's stdout")
            .expect("a display number");
        let name = format!(":{}", number.trim());
        let wm = window_manager.then(|| {
            Command::new(WINDOW_MANAGER)
                .args(["-use_titlebar", "no"])
                .env("DISPLAY", &name)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .expect("matchbox-window-manager starts")
        });
        Display {
            name,
            _server: server,
            _wm: wm,
        }
    }

    fn connect(&self) -> (x11rb::rust_connection::RustConnection, u32) {
        // A server that has just said its number may still refuse the first connection.
        let mut last = None;
        for _ in 0..50 {
            match x11rb::connect(Some(&self.name)) {
                Ok((conn, screen)) => {
                    let root = conn.setup().roots[screen].root;
                    return (conn, root);
                }
                Err(e) => last = Some(e),
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("no X connection to {}: {last:?}", self.name);
    }

    /// The whole screen as the X server has it, measured like the browser proofs' frames.
    pub fn screenshot(&self) -> Shot {
        let (conn, root) = self.connect();
        let image = conn
            .get_image(ImageFormat::Z_PIXMAP, root, 0, 0, WIDTH, HEIGHT, !0)
            .expect("GetImage")
            .reply()
            .expect("GetImage reply");
        let channels = image.data.len() / (usize::from(WIDTH) * usize::from(HEIGHT));
        Shot {
            data: image.data,
            channels,
        }
    }

    /// Moves the pointer to `(x, y)` on the root window.
    pub fn move_pointer(&self, x: i16, y: i16) {
        let (conn, root) = self.connect();
        conn.warp_pointer(x11rb::NONE, root, 0, 0, 0, 0, x, y)
            .expect("WarpPointer");
        conn.flush().expect("flush");
    }

    /// The cursor image the X server currently shows: `(width, height, visible pixels)`, where
    /// a visible pixel has a non-zero alpha.
    pub fn cursor(&self) -> (u16, u16, usize) {
        let (conn, _) = self.connect();
        conn.xfixes_query_version(5, 0)
            .expect("XFixes")
            .reply()
            .expect("XFixes version");
        let image = conn
            .xfixes_get_cursor_image()
            .expect("GetCursorImage")
            .reply()
            .expect("GetCursorImage reply");
        let visible = image
            .cursor_image
            .iter()
            .filter(|argb| *argb >> 24 != 0)
            .count();
        (image.width, image.height, visible)
    }

    /// The viewable children of the root window (top-level windows, menus and popups), as
    /// `WIDTHxHEIGHT+X+Y`, sorted.
    pub fn viewable_windows(&self) -> Vec<String> {
        let (conn, root) = self.connect();
        let tree = conn
            .query_tree(root)
            .expect("QueryTree")
            .reply()
            .expect("tree");
        let mut found = Vec::new();
        for window in tree.children {
            let Ok(attributes) = conn.get_window_attributes(window).map(|c| c.reply()) else {
                continue;
            };
            let viewable = attributes
                .is_ok_and(|a| a.map_state == x11rb::protocol::xproto::MapState::VIEWABLE);
            if let (true, Ok(Ok(g))) = (viewable, conn.get_geometry(window).map(|c| c.reply())) {
                found.push(format!("{}x{}+{}+{}", g.width, g.height, g.x, g.y));
            }
        }
        found.sort();
        found
    }

    /// Runs xdotool on this display (real X input events, through XTEST).
    pub fn xdotool(&self, args: &[&str]) {
        let status = std::process::Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &self.name)
            .status()
            .expect("xdotool runs (Debian package xdotool)");
        assert!(status.success(), "xdotool {args:?}: {status}");
    }

    /// Names and sizes of the top-level windows, for failure messages.
    pub fn windows(&self) -> String {
        let output = std::process::Command::new("xwininfo")
            .args(["-root", "-tree", "-display", &self.name])
            .output();
        match output {
            Ok(out) => String::from_utf8_lossy(&out.stdout).into_owned(),
            Err(e) => format!("(xwininfo: {e})"),
        }
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        // SIGTERM, so Xvfb removes its lock and socket (kill_on_drop's SIGKILL would not).
        for child in [Some(&self._server), self._wm.as_ref()]
            .into_iter()
            .flatten()
        {
            if let Some(pid) = child.id() {
                let _ = std::process::Command::new("kill")
                    .arg(pid.to_string())
                    .status();
            }
        }
    }
}

/// One frame of the X screen (ZPixmap, 32 bits per pixel: blue, green, red, pad).
pub struct Shot {
    data: Vec<u8>,
    channels: usize,
}

impl Shot {
    fn raw(&self) -> Raw<'_> {
        Raw {
            width: u32::from(WIDTH),
            height: u32::from(HEIGHT),
            channels: self.channels,
            line_size: usize::from(WIDTH) * self.channels,
            data: &self.data,
            order: [2, 1, 0],
        }
    }

    pub fn metrics(&self) -> Metrics {
        pixels::measure_raw(&self.raw())
    }

    /// The measure of the rectangle at `(x, y)`, `width` by `height` pixels.
    pub fn region(&self, x: usize, y: usize, width: usize, height: usize) -> Metrics {
        let line_size = usize::from(WIDTH) * self.channels;
        pixels::measure_raw(&Raw {
            width: width as u32,
            // measure_raw looks at the top 80 % (the page above the overlay): give it all.
            height: (height as f64 / 0.8).floor() as u32,
            channels: self.channels,
            line_size,
            data: &self.data[y * line_size + x * self.channels..],
            order: [2, 1, 0],
        })
    }

    /// Saves the frame as a PNG under the temp dir (evidence for a failure message or the docs).
    pub fn save(&self, name: &str) -> PathBuf {
        let mut rgb = Vec::with_capacity(usize::from(WIDTH) * usize::from(HEIGHT) * 3);
        for px in self.data.chunks_exact(self.channels) {
            rgb.extend_from_slice(&[px[2], px[1], px[0]]);
        }
        let mut png = Vec::new();
        let mut encoder = png::Encoder::new(&mut png, u32::from(WIDTH), u32::from(HEIGHT));
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("PNG header");
        writer.write_image_data(&rgb).expect("PNG data");
        writer.finish().expect("PNG end");
        pixels::keep("app", &[(name.to_owned(), &png)])
            .pop()
            .expect("one path")
    }
}

/// A fake `NOTIFY_SOCKET`: every datagram the app sends, with when it arrived.
pub struct Notifications {
    pub path: PathBuf,
    seen: Arc<Mutex<Vec<(Instant, String)>>>,
    _dir: tempfile::TempDir,
}

impl Notifications {
    pub fn listen() -> Notifications {
        let dir = tempfile::tempdir().expect("socket dir");
        let path = dir.path().join("notify");
        let socket = UnixDatagram::bind(&path).expect("notify socket binds");
        socket
            .set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::downgrade(&seen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // Ends when the Notifications (and so the Vec) are dropped.
            while let Some(seen) = sink.upgrade() {
                if let Ok(n) = socket.recv(&mut buf) {
                    let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                    seen.lock().unwrap().push((Instant::now(), text));
                }
            }
        });
        Notifications {
            path,
            seen,
            _dir: dir,
        }
    }

    /// Messages containing `needle` (a line such as `WATCHDOG=1`), with their arrival times.
    pub fn times_of(&self, needle: &str) -> Vec<Instant> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, text)| text.lines().any(|l| l == needle))
            .map(|(at, _)| *at)
            .collect()
    }

    pub fn all(&self) -> Vec<String> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|(_, t)| t.replace('\n', " "))
            .collect()
    }
}

/// A free loopback port, for programs that want a number rather than port 0.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// The real app on a display, started by WebKitWebDriver, with a WebDriver session on its
/// webview.
pub struct App {
    /// Kept for its simulator and files, which live as long as the app.
    _world: World,
    pub display: Display,
    pub notify: Notifications,
    pub client: Option<Client>,
    pub metrics_port: u16,
    driver: Child,
    stderr: Arc<Mutex<Vec<String>>>,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

/// How the app is started.
#[derive(Default)]
pub struct Launch<'a> {
    /// Extra kiosk.toml tables (`[app]`, `[screen]`; the world has the others).
    pub tables: &'a str,
    /// Runs `kiosk run` through `sh -c '…; echo $? > STATUS'` so its exit status is kept.
    pub keep_status: Option<&'a Path>,
    /// Points the app at this Grafana URL instead of the world's simulator.
    pub grafana_url: Option<&'a str>,
}

impl App {
    /// Takes the app proofs' turn and starts Xvfb (with matchbox when `window_manager`).
    pub async fn display(window_manager: bool) -> (Display, tokio::sync::MutexGuard<'static, ()>) {
        let turn = tokio::time::timeout(Duration::from_secs(600), TURN.lock())
            .await
            .expect("the app proofs take turns within 10 minutes");
        (Display::start(window_manager).await, turn)
    }

    pub async fn start(
        world: World,
        (display, turn): (Display, tokio::sync::MutexGuard<'static, ()>),
        launch: Launch<'_>,
    ) -> App {
        let metrics_port = free_port();
        if !launch.tables.is_empty() {
            world.append_config(launch.tables);
        }
        let notify = Notifications::listen();
        let kiosk = env!("CARGO_BIN_EXE_kiosk");
        let config = world.config().display().to_string();
        let (binary, args) = match launch.keep_status {
            None => (
                kiosk.to_owned(),
                vec!["--config".into(), config, "run".into()],
            ),
            Some(status) => (
                "/bin/sh".to_owned(),
                vec![
                    "-c".into(),
                    format!("\"$0\" \"$@\"; echo $? > '{}'", status.display()),
                    kiosk.into(),
                    "--config".into(),
                    config,
                    "run".into(),
                ],
            ),
        };
        let port = free_port();
        // WebKitWebDriver binds loopback by default (`--host` is `local`) and passes its
        // environment on to the app it starts.
        let mut driver = Command::new(WEBDRIVER)
            .arg(format!("--port={port}"))
            .env("DISPLAY", &display.name)
            .env_remove("WAYLAND_DISPLAY")
            .env("TAURI_WEBVIEW_AUTOMATION", "true")
            .env("NOTIFY_SOCKET", &notify.path)
            .env("RUST_LOG", "info")
            .env("TZ", "UTC")
            .envs(launch.grafana_url.map(|url| ("KIOSK_GRAFANA_URL", url)))
            .env(
                "KIOSK_GATEWAY_METRICS_LISTEN",
                format!("127.0.0.1:{metrics_port}"),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .expect("WebKitWebDriver starts");
        let stderr = Arc::new(Mutex::new(Vec::new()));
        {
            let stderr = stderr.clone();
            let mut lines = BufReader::new(driver.stderr.take().unwrap()).lines();
            tokio::spawn(async move {
                while let Ok(Some(line)) = lines.next_line().await {
                    stderr.lock().unwrap().push(line);
                }
            });
        }
        let capabilities = json!({
            "webkitgtk:browserOptions": { "binary": binary, "args": args },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let url = format!("http://127.0.0.1:{port}");
        let mut app = App {
            _world: world,
            display,
            notify,
            client: None,
            metrics_port,
            driver,
            stderr,
            _turn: turn,
        };
        let deadline = Instant::now() + START_LIMIT;
        let mut last = String::new();
        while Instant::now() < deadline {
            let mut builder = ClientBuilder::rustls().expect("rustls");
            builder.capabilities(capabilities.clone());
            let connect = builder.connect(&url);
            match tokio::time::timeout(START_LIMIT, connect).await {
                Ok(Ok(client)) => {
                    app.client = Some(client);
                    return app;
                }
                // The driver may not listen yet.
                Ok(Err(e)) => last = e.to_string(),
                Err(_) => last = "timed out".into(),
            }
            tokio::time::sleep(POLL).await;
        }
        panic!(
            "no WebDriver session with the app: {last}\n{}",
            app.log_tail(40)
        );
    }

    pub fn client(&self) -> &Client {
        self.client.as_ref().expect("a WebDriver session")
    }

    /// The app's log (it writes to stderr, which WebKitWebDriver passes through).
    pub fn log_tail(&self, n: usize) -> String {
        let lines = self.stderr.lock().unwrap();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    pub fn log_contains(&self, needle: &str) -> bool {
        self.stderr
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains(needle))
    }

    /// `kiosk` below the driver (directly, or below `sh` with `keep_status`).
    pub fn kiosk_pid(&self) -> Option<i32> {
        let driver = self.driver.id()? as i32;
        descendants(driver)
            .into_iter()
            .find(|(_, comm)| comm == "kiosk")
            .map(|(pid, _)| pid)
    }

    /// WebKit's web processes below the app.
    pub fn web_processes(&self) -> Vec<i32> {
        self.kiosk_pid()
            .map(kiosk_supervisor::memory::web_processes)
            .unwrap_or_default()
    }

    /// `/metrics` from the app's metrics listener.
    pub async fn metrics(&self) -> String {
        let url = format!("http://127.0.0.1:{}/metrics", self.metrics_port);
        match reqwest::get(&url).await {
            Ok(response) => response.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// The value of one metric line (`name{labels}`), 0 when absent.
    pub async fn metric(&self, series: &str) -> f64 {
        let text = self.metrics().await;
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
            .unwrap_or(0.0)
    }

    /// Waits until the X screen shows a painted page, and returns that frame.
    pub async fn wait_painted(&self, limit: Duration, what: &str) -> Shot {
        let deadline = Instant::now() + limit;
        loop {
            let shot = self.display.screenshot();
            if shot.metrics().bad().is_none() {
                return shot;
            }
            if Instant::now() > deadline {
                let path = shot.save(&format!("not-painted-{}", what.replace(' ', "-")));
                panic!(
                    "{what}: no painted page on screen within {limit:?} ({:?}, saved {})\n{}\n{}",
                    shot.metrics(),
                    path.display(),
                    self.display.windows(),
                    self.log_tail(30)
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Polls `check` until it yields, at most `limit`.
    pub async fn wait_for<T, F, Fut>(&self, what: &str, limit: Duration, mut check: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(value) = check().await {
                return value;
            }
            if Instant::now() > deadline {
                panic!("{what}: not within {limit:?}\n{}", self.log_tail(30));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Ends the session (WebKitWebDriver then ends the app) and the driver.
    pub async fn close(mut self) {
        if let Some(client) = self.client.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
        }
        self.kill_driver_group();
    }

    fn kill_driver_group(&mut self) {
        if let Some(pid) = self.driver.id() {
            // The app and its web processes are in the driver's process group.
            let _ = std::process::Command::new("kill")
                .args(["-s", "KILL", "--", &format!("-{pid}")])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        self.kill_driver_group();
    }
}
