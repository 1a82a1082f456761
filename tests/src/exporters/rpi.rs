//! lukasmalkmus rpi_exporter: SoC temperatures from the thermal zone and `vcgencmd`, CPU clock per
//! core and the VideoCore clocks per component, for a Raspberry Pi 5.

use super::Host;
use super::text::{Now, Text};

pub(super) fn render(host: &Host, now: Now) -> String {
    let mut text = Text::default();
    let temp = now.wave(55.0, 7.0, 43.0, 0.0);
    text.gauge(
        "rpi_cpu_temperature_celsius",
        "CPU temperature in degrees celsius (°C).",
        (temp * 1000.0).round() / 1000.0,
    );
    text.gauge(
        "rpi_gpu_temperature_celsius",
        "GPU temperature in degrees celsius (°C).",
        (temp * 10.0).round() / 10.0,
    );
    text.family(
        "rpi_cpu_frequency_hertz",
        "gauge",
        "CPU Frequency in hertz (Hz).",
    );
    for cpu in 0..host.hardware.cpus {
        // The governor steps between 1.5 and 2.4 GHz in 100 MHz steps.
        let ghz = now.wave(1.95, 0.45, 17.0, f64::from(cpu) / 4.0);
        text.sample(
            "rpi_cpu_frequency_hertz",
            &[("cpu", &cpu.to_string())],
            (ghz * 10.0).round() * 1e8,
        );
    }
    text.family(
        "rpi_gpu_frequency_hertz",
        "gauge",
        "GPU Frequency in hertz (Hz).",
    );
    for (i, (component, mhz)) in [
        ("core", 910.0),
        ("v3d", 960.0),
        ("isp", 910.0),
        ("hevc", 910.0),
    ]
    .into_iter()
    .enumerate()
    {
        let mhz = now
            .wave(mhz * 0.75, mhz * 0.25, 29.0, i as f64 / 4.0)
            .round();
        text.sample(
            "rpi_gpu_frequency_hertz",
            &[("component", component)],
            mhz * 1e6,
        );
    }
    text.finish()
}
