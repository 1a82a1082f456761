//! Screenshots as evidence: decodes a PNG and measures the dashboard area, so a painted
//! dashboard is told from a blank frame (one colour) and from a loading or half-drawn one (greys
//! only: the simulator paints loading panels and spinners grey, painted panels in colour).

use std::path::PathBuf;

/// The dashboard area is the top of the screen: the overlay's bar (bottom 5 %) and the badges
/// stacked above it (up to ~17 % with two badges) are left out.
const AREA: f64 = 0.80;
/// Every `STRIDE`-th pixel of every `STRIDE`-th row is sampled.
const STRIDE: usize = 3;
/// A pixel this close (per channel) to the dominant colour counts as that colour.
const TOLERANCE: i32 = 12;
/// A pixel is chromatic when its channels spread more than this.
const CHROMA: i32 = 40;

/// A frame is blank when at least this share of the area is one colour.
pub const BLANK_SHARE: f64 = 0.97;
/// A frame is grey-only (loading, half-drawn) below this share of chromatic pixels.
pub const CHROMATIC_MIN: f64 = 0.01;
/// A painted page must be far above [`CHROMATIC_MIN`] for the classifier to mean anything.
pub const CALIBRATION_MIN: f64 = 0.05;

/// What one screenshot shows in the dashboard area.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metrics {
    pub width: u32,
    pub height: u32,
    /// Share of sampled pixels within [`TOLERANCE`] of the most common colour.
    pub dominant: f64,
    /// Share of sampled pixels whose channels spread more than [`CHROMA`].
    pub chromatic: f64,
}

impl Metrics {
    /// Why the frame is not a painted dashboard, if it is not.
    pub fn bad(&self) -> Option<&'static str> {
        if self.dominant >= BLANK_SHARE {
            Some("blank")
        } else if self.chromatic < CHROMATIC_MIN {
            Some("grey only (loading or half drawn)")
        } else {
            None
        }
    }
}

/// Decodes `png` and measures it.
pub fn measure(png: &[u8]) -> Metrics {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().expect("screenshot is a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("PNG size")];
    let info = reader.next_frame(&mut buf).expect("PNG decodes");
    let channels = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("unexpected screenshot colour type {other:?}"),
    };
    measure_raw(&Raw {
        width: info.width,
        height: info.height,
        channels,
        line_size: info.line_size,
        data: &buf,
        order: [0, 1, 2],
    })
}

/// Pixels straight from a frame buffer: `channels` bytes per pixel, rows `line_size` apart,
/// red/green/blue at the byte offsets in `order` (X11's 24-bit images are `[2, 1, 0]`).
pub struct Raw<'a> {
    pub width: u32,
    pub height: u32,
    pub channels: usize,
    pub line_size: usize,
    pub data: &'a [u8],
    pub order: [usize; 3],
}

/// Measures the dashboard area of a decoded frame.
pub fn measure_raw(raw: &Raw) -> Metrics {
    let (buf, channels, [r, g, b]) = (raw.data, raw.channels, raw.order);
    let width = raw.width as usize;
    let rows = (f64::from(raw.height) * AREA) as usize;
    // The sampled pixels, as [r, g, b] (the proofs run unoptimized: one pass, no closures).
    let mut samples: Vec<[i32; 3]> = Vec::with_capacity((rows / STRIDE + 1) * (width / STRIDE + 1));
    for y in (0..rows).step_by(STRIDE) {
        let row = &buf[y * raw.line_size..y * raw.line_size + width * channels];
        for px in row.chunks_exact(channels * STRIDE) {
            samples.push([i32::from(px[r]), i32::from(px[g]), i32::from(px[b])]);
        }
    }

    // The dominant colour: the fullest bin of 4 bits per channel, then its mean.
    let mut counts = vec![0u32; 4096];
    let mut chromatic = 0usize;
    for &[r, g, b] in &samples {
        counts[((r >> 4) << 8 | (g >> 4) << 4 | (b >> 4)) as usize] += 1;
        if r.max(g).max(b) - r.min(g).min(b) > CHROMA {
            chromatic += 1;
        }
    }
    let fullest = (0..counts.len()).max_by_key(|&i| counts[i]).unwrap() as i32;
    let mut sum = [0i64; 3];
    let mut n = 0i64;
    for &[r, g, b] in &samples {
        if ((r >> 4) << 8 | (g >> 4) << 4 | (b >> 4)) == fullest {
            sum = [
                sum[0] + i64::from(r),
                sum[1] + i64::from(g),
                sum[2] + i64::from(b),
            ];
            n += 1;
        }
    }
    let mean = sum.map(|s| (s / n.max(1)) as i32);
    let near = samples
        .iter()
        .filter(|p| (0..3).all(|c| (p[c] - mean[c]).abs() <= TOLERANCE))
        .count();
    let total = samples.len().max(1) as f64;
    Metrics {
        width: raw.width,
        height: raw.height,
        dominant: near as f64 / total,
        chromatic: chromatic as f64 / total,
    }
}

/// The PNG in chromedriver's answer to `Page.captureScreenshot`
/// (`{"value":{"data":"<base64>"}}`).
pub fn png_of_capture(answer: &[u8]) -> Vec<u8> {
    let json: serde_json::Value = serde_json::from_slice(answer).expect("capture answer is JSON");
    let data = json["value"]["data"].as_str().unwrap_or_else(|| {
        panic!(
            "capture answer has no data: {:.200}",
            String::from_utf8_lossy(answer)
        )
    });
    base64(data)
}

/// Standard base64 (with padding), as CDP sends binary data.
fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c:?}"),
        }
    };
    let bytes = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut word = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            word |= value(c) << (18 - 6 * i);
        }
        let decoded = word.to_be_bytes();
        out.extend_from_slice(&decoded[1..chunk.len()]);
    }
    out
}

/// Writes frames to a directory that outlives the test and returns their paths, for a failure
/// message.
pub fn keep(test: &str, frames: &[(String, &[u8])]) -> Vec<PathBuf> {
    let dir = std::env::temp_dir().join(format!("kiosk-wallboard-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("frames dir");
    frames
        .iter()
        .map(|(name, png)| {
            let path = dir.join(format!("{name}.png"));
            std::fs::write(&path, png).expect("frame written");
            path
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An RGB PNG of the test area's proportions, painted by `paint(x, y)`.
    fn image(paint: impl Fn(usize, usize) -> [u8; 3]) -> Vec<u8> {
        let (w, h) = (320usize, 180usize);
        let mut data = Vec::with_capacity(w * h * 3);
        for y in 0..h {
            for x in 0..w {
                data.extend_from_slice(&paint(x, y));
            }
        }
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, w as u32, h as u32);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder
            .write_header()
            .unwrap()
            .write_image_data(&data)
            .unwrap();
        out
    }

    const CANVAS: [u8; 3] = [0x11, 0x12, 0x17];
    const PANEL: [u8; 3] = [0x18, 0x1b, 0x1f];
    const TEXT: [u8; 3] = [0xcc, 0xcc, 0xdc];
    const GREEN: [u8; 3] = [0x73, 0xbf, 0x69];

    #[test]
    fn one_colour_is_blank() {
        assert_eq!(measure(&image(|_, _| CANVAS)).bad(), Some("blank"));
    }

    #[test]
    fn grey_panels_with_titles_are_not_painted() {
        // Panel boxes with grey title lines: several greys, not one colour, no colour at all.
        let loading = measure(&image(|x, y| match (x % 80, y % 40) {
            (0..4, _) | (_, 0..2) => CANVAS,
            (8..40, 6..12) => TEXT,
            _ => PANEL,
        }));
        assert!(loading.dominant < BLANK_SHARE, "{loading:?}");
        assert_eq!(loading.bad(), Some("grey only (loading or half drawn)"));
    }

    #[test]
    fn coloured_tiles_are_painted() {
        let painted = measure(&image(
            |x, y| if x % 80 < 60 && y < 60 { GREEN } else { PANEL },
        ));
        assert!(painted.chromatic > CALIBRATION_MIN, "{painted:?}");
        assert_eq!(painted.bad(), None);
    }

    #[test]
    fn base64_decodes_all_lengths() {
        assert_eq!(base64("aGVsbG8="), b"hello");
        assert_eq!(base64("aGVsbG8h"), b"hello!");
        assert_eq!(base64("aGk="), b"hi");
        assert_eq!(base64("/+8="), [0xff, 0xef]);
    }
}
