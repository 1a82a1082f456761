//! laminair jetson-stats-node-exporter on a Jetson AGX Orin: jtop's readings under the names the
//! Python client gives them (the unit appended: `cpu_Hz`, `ram_kB`, `temperature_C`, …). Like
//! jtop, clocks are in kHz whatever the name says, and memory in kB.

use super::Host;
use super::text::{Now, Text};

/// jtop's name for the Orin's integrated GPU.
const GPU: &str = "gpu";

pub(super) fn render(host: &Host, now: Now) -> String {
    let hw = host.hardware;
    let mut text = Text::default();
    let busy = now.wave(0.45, 0.35, 47.0, 0.0);

    text.family(
        "cpu_Hz",
        "gauge",
        "CPU Statistics from Jetson Stats (ARMv8 Processor rev 1 (v8l))",
    );
    for core in 0..hw.cpus {
        let core_label = core.to_string();
        let load = now
            .wave(busy, 0.15, 13.0, f64::from(core) / 12.0)
            .clamp(0.0, 1.0);
        // The governor picks one of the OPPs between 115.2 MHz and 2.2016 GHz.
        let freq = (115_200.0 + 2_086_400.0 * load) / 38_400.0;
        for (statistic, value) in [
            ("freq", freq.round() * 38_400.0),
            ("min_freq", 115_200.0),
            ("max_freq", 2_201_600.0),
            ("val", ((1.0 - load) * 100.0 * 10.0).round() / 10.0),
        ] {
            text.sample(
                "cpu_Hz",
                &[("core", &core_label), ("statistic", statistic)],
                value,
            );
        }
    }

    text.family(
        "gpu_utilization_percentage_Hz",
        "gauge",
        "GPU Statistics from Jetson Stats",
    );
    for (kind, value) in [
        ("freq", (306_000.0 + 994_500.0 * busy).round()),
        ("min_freq", 306_000.0),
        ("max_freq", 1_300_500.0),
    ] {
        text.sample(
            "gpu_utilization_percentage_Hz",
            &[("statistic", GPU), ("nvidia_gpu", kind)],
            value,
        );
    }

    let total_kb = (hw.memory_gib * 1024.0 * 1024.0).round();
    let used_kb = (total_kb * now.wave(0.4, 0.15, 71.0, 0.1)).round();
    let shared_kb = (used_kb * 0.3).round();
    text.family(
        "ram_kB",
        "gauge",
        "Memory Statistics from Jetson Stats (unit: kB)",
    );
    for (statistic, value) in [
        ("total", total_kb),
        ("used", used_kb),
        ("buffers", (total_kb * 0.01).round()),
        ("cached", (total_kb * 0.2).round()),
        ("lfb", 1_024.0),
        ("free", total_kb - used_kb - (total_kb * 0.21).round()),
    ] {
        text.sample("ram_kB", &[("statistic", statistic)], value);
    }

    text.family(
        "gpuram_kB",
        "gauge",
        "Video Memory Statistics from Jetson Stats",
    )
    .sample(
        "gpuram_kB",
        &[("statistic", GPU), ("nvidia_gpu", "mem")],
        shared_kb,
    );

    let swap_kb = (hw.swap_gib * 1024.0 * 1024.0).round();
    text.family("swap_kB", "gauge", "Swap Statistics from Jetson Stats");
    for (statistic, value) in [
        ("total", swap_kb),
        ("used", (swap_kb * now.wave(0.02, 0.01, 97.0, 0.0)).round()),
        ("cached", 0.0),
    ] {
        text.sample("swap_kB", &[("statistic", statistic)], value);
    }

    // The exporter reuses the total/used/cached labels for the EMC's cur/max/min clocks.
    text.family("emc_Hz", "gauge", "EMC Statistics from Jetson Stats");
    for (statistic, value) in [
        ("total", if busy > 0.3 { 3_199_000.0 } else { 2_133_000.0 }),
        ("used", 3_199_000.0),
        ("cached", 204_000.0),
    ] {
        text.sample("emc_Hz", &[("statistic", statistic)], value);
    }

    text.family(
        "temperature_C",
        "gauge",
        "Temperature Statistics from Jetson Stats (unit: °C)",
    );
    for (i, sensor) in [
        "cpu", "cv0", "cv1", "cv2", "gpu", "soc0", "soc1", "soc2", "tj",
    ]
    .into_iter()
    .enumerate()
    {
        let temp = 40.0 + 18.0 * busy + now.wave(0.0, 1.5, 11.0, i as f64 / 9.0);
        text.sample(
            "temperature_C",
            &[("statistic", sensor)],
            (temp * 1000.0).round() / 1000.0,
        );
    }

    let rails = [
        ("VDD_GPU_SOC", 2_000.0 + 9_000.0 * busy),
        ("VDD_CPU_CV", 800.0 + 6_000.0 * busy),
        ("VIN_SYS_5V0", 3_500.0 + 1_200.0 * busy),
        ("VDDQ_VDD2_1V8AO", 600.0 + 700.0 * busy),
    ];
    text.family(
        "integrated_power",
        "gauge",
        "Power Statistics from internal power sensors (unit: mW/mV/mA)",
    );
    for (rail, power) in rails {
        let power = power.round();
        let volt = if rail == "VIN_SYS_5V0" {
            5_008.0
        } else {
            4_984.0
        };
        for (statistic, value) in [
            ("voltage", volt),
            ("current", (power * 1000.0 / volt).round()),
            ("critical", 32_000.0),
            ("power", power),
            ("avg_power", (power * 0.95).round()),
        ] {
            text.sample(
                "integrated_power",
                &[("statistic", statistic), ("machine_part", rail)],
                value,
            );
        }
    }
    let total: f64 = rails.iter().map(|(_, p)| p.round()).sum();
    text.family(
        "integrated_power_mW",
        "gauge",
        "Power Statistics from internal power sensors (unit: mW)",
    );
    text.sample("integrated_power_mW", &[("statistic", "power")], total);
    text.sample(
        "integrated_power_mW",
        &[("statistic", "avg_power")],
        (total * 0.95).round(),
    );

    // The exporter puts total/used/free/percent in the `mountpoint` label (of `/`).
    let disk = hw.filesystems.first().map_or(57.8, |fs| fs.size_gb);
    let used = disk * 0.62;
    text.family(
        "disk_GB",
        "gauge",
        "Local Storage Statistics from Jetson Stats (unit: GB)",
    );
    for (mountpoint, value) in [
        ("total", disk),
        ("used", used),
        ("free", disk - used),
        ("percent", 62.0),
    ] {
        text.sample(
            "disk_GB",
            &[("mountpoint", mountpoint)],
            (value * 100.0).round() / 100.0,
        );
    }

    let uptime = (7.0 + 14.0 * now.seed) * 86_400.0 + now.t;
    text.family(
        "uptime_s",
        "gauge",
        "Machine Uptime Statistics from Jetson Stats",
    )
    .sample(
        "uptime_s",
        &[("statistic", "alive")],
        (uptime * 1000.0).round() / 1000.0,
    );
    text.finish()
}
