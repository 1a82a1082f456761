//! onedr0p intel-gpu-exporter: unlabelled `igpu_*` gauges read from `intel_gpu_top -J`, for the
//! Arc iGPU of a Core Ultra (engine busy/sema/wait %, frequency, power, RC6, IMC bandwidth).

use super::text::{Now, Text};

pub(super) fn render(now: Now) -> String {
    // Video playback and transcoding in turn: render and video engines follow their own curves.
    let render = now.wave(25.0, 25.0, 43.0, 0.0).max(0.0);
    let video = now.wave(15.0, 15.0, 61.0, 0.3).max(0.0);
    let blitter = render * 0.1;
    let enhance = video * 0.5;
    let busy = (render.max(video) / 50.0).min(1.0);
    let mut text = Text::default();
    for (engine, title, value) in [
        ("blitter_0", "Blitter 0", blitter),
        ("render_3d_0", "Render 3D 0", render),
        ("video_0", "Video 0", video),
        ("video_enhance_0", "Video Enhance 0", enhance),
    ] {
        let value = (value * 100.0).round() / 100.0;
        text.gauge(
            &format!("igpu_engines_{engine}_busy"),
            &format!("{title} busy utilisation %"),
            value,
        );
        text.gauge(
            &format!("igpu_engines_{engine}_sema"),
            &format!("{title} sema utilisation %"),
            0.0,
        );
        text.gauge(
            &format!("igpu_engines_{engine}_wait"),
            &format!("{title} wait utilisation %"),
            (value * 0.02 * 100.0).round() / 100.0,
        );
    }
    let requested = (300.0 + 2_050.0 * busy).round();
    text.gauge(
        "igpu_frequency_actual",
        "Frequency actual MHz",
        (requested * 0.97).round(),
    );
    text.gauge(
        "igpu_frequency_requested",
        "Frequency requested MHz",
        requested,
    );
    text.gauge(
        "igpu_imc_bandwidth_reads",
        "IMC reads MiB/s",
        (1_200.0 + 3_000.0 * busy).round(),
    );
    text.gauge(
        "igpu_imc_bandwidth_writes",
        "IMC writes MiB/s",
        (400.0 + 1_500.0 * busy).round(),
    );
    text.gauge(
        "igpu_interrupts",
        "Interrupts/s",
        (150.0 + 900.0 * busy).round(),
    );
    text.gauge(
        "igpu_period",
        "Period ms",
        now.wave(10_000.0, 3.0, 7.0, 0.0).round(),
    );
    text.gauge(
        "igpu_power_gpu",
        "GPU power W",
        ((0.3 + 11.0 * busy) * 1000.0).round() / 1000.0,
    );
    text.gauge(
        "igpu_power_package",
        "Package power W",
        ((6.0 + 28.0 * busy) * 1000.0).round() / 1000.0,
    );
    text.gauge(
        "igpu_rc6",
        "RC6 %",
        ((1.0 - busy) * 95.0 * 100.0).round() / 100.0,
    );
    text.finish()
}
