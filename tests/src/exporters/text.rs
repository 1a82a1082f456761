//! Writes the Prometheus text exposition format (version 0.0.4), and the smooth curves fixture
//! values follow so that gauges move and counters only grow.

use std::f64::consts::TAU;
use std::fmt::Write as _;

/// The `Content-Type` Prometheus expects for the text format.
pub(crate) const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// One scrape's worth of metric families, written in order.
#[derive(Default)]
pub(crate) struct Text {
    out: String,
}

impl Text {
    /// Starts a family: its `# HELP` and `# TYPE` lines. Its samples must follow at once.
    pub(crate) fn family(&mut self, name: &str, kind: &str, help: &str) -> &mut Self {
        let help = help.replace('\\', r"\\").replace('\n', r"\n");
        let _ = writeln!(self.out, "# HELP {name} {help}");
        let _ = writeln!(self.out, "# TYPE {name} {kind}");
        self
    }

    /// One sample of the current family.
    pub(crate) fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) -> &mut Self {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (label, value)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                let value = value
                    .replace('\\', r"\\")
                    .replace('"', "\\\"")
                    .replace('\n', r"\n");
                let _ = write!(self.out, "{label}=\"{value}\"");
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {value}");
        self
    }

    /// A family of one unlabelled gauge.
    pub(crate) fn gauge(&mut self, name: &str, help: &str, value: f64) -> &mut Self {
        self.family(name, "gauge", help).sample(name, &[], value)
    }

    pub(crate) fn finish(self) -> String {
        self.out
    }
}

/// Where one exporter is in time when it is scraped: `t` seconds since the fleet started (shifted
/// by a per-exporter phase so hosts do not move in lockstep), and the wall clock.
#[derive(Clone, Copy)]
pub(crate) struct Now {
    pub(crate) t: f64,
    pub(crate) unix: f64,
    /// In `[0, 1)`, fixed per host: spreads levels and phases across the fleet.
    pub(crate) seed: f64,
}

impl Now {
    /// A gauge swinging around `mid` by `amp` with the given period (seconds); `phase` in turns
    /// tells apart several series of one exporter.
    pub(crate) fn wave(&self, mid: f64, amp: f64, period: f64, phase: f64) -> f64 {
        mid + amp * (TAU * (self.t / period + phase + self.seed)).sin()
    }

    /// Like `wave`, rounded to a whole number (temperatures in whole °C, clocks in MHz, …).
    pub(crate) fn whole(&self, mid: f64, amp: f64, period: f64, phase: f64) -> f64 {
        self.wave(mid, amp, period, phase).round()
    }

    /// A counter starting at `base` and growing by `rate` per second on average, faster and
    /// slower in turn but never decreasing, so `rate()` moves too.
    pub(crate) fn counter(&self, base: f64, rate: f64, period: f64, phase: f64) -> f64 {
        let angle = TAU * (self.t / period + phase + self.seed);
        base + rate * self.t
            + 0.5 * rate * period / TAU * (angle.sin() - (TAU * (phase + self.seed)).sin())
    }
}

/// A stable number in `[0, 1)` for a name, so each host gets its own seed.
pub(crate) fn seed(name: &str) -> f64 {
    (hash(name) >> 11) as f64 / (1_u64 << 53) as f64
}

/// A stable, well-mixed 64-bit hash of a name: FNV-1a, then SplitMix64's finalizer so that
/// names differing in one letter differ in every bit.
pub(crate) fn hash(name: &str) -> u64 {
    let fnv = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    let mut z = fnv.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_never_decrease() {
        let mut last = f64::MIN;
        for step in 0..10_000 {
            let now = Now {
                t: f64::from(step) * 0.1,
                unix: 0.0,
                seed: seed("rpi1"),
            };
            let value = now.counter(100.0, 3.0, 17.0, 0.3);
            assert!(value >= last, "counter went down at step {step}");
            last = value;
        }
    }

    #[test]
    fn label_values_are_escaped() {
        let mut text = Text::default();
        text.family("x", "gauge", "help")
            .sample("x", &[("a", "say \"hi\"\\")], 1.5);
        assert_eq!(
            text.finish(),
            "# HELP x help\n# TYPE x gauge\nx{a=\"say \\\"hi\\\"\\\\\"} 1.5\n"
        );
    }
}
