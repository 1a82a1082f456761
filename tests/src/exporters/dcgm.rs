//! NVIDIA dcgm-exporter's default counters (`etc/default-counters.csv`) plus the tensor-core
//! profiling field, for one GPU, labelled as released versions label them: `gpu`, `UUID`,
//! `pci_bus_id`, `device`, `modelName`, `Hostname`.

use super::Host;
use super::text::{self, Now, Text};

/// The GPU each dcgm host has: an RTX 4050 Laptop GPU with 6 GiB.
const MODEL: &str = "NVIDIA GeForce RTX 4050 Laptop GPU";
const FB_TOTAL_MIB: f64 = 6_141.0;

pub(super) fn render(host: &Host, now: Now) -> String {
    let uuid = uuid(host.name);
    let labels = [
        ("gpu", "0"),
        ("UUID", uuid.as_str()),
        ("pci_bus_id", "00000000:01:00.0"),
        ("device", "nvidia0"),
        ("modelName", MODEL),
        ("Hostname", host.name),
    ];
    // One load curve drives the rest, as a real workload would.
    let util = now.wave(55.0, 40.0, 47.0, 0.0).clamp(0.0, 100.0);
    let busy = util / 100.0;
    let fb_used = (FB_TOTAL_MIB * now.wave(0.55, 0.3, 71.0, 0.25)).round();
    let power = 8.0 + 62.0 * busy;
    let fields: [(&str, &str, &str, f64); 16] = [
        (
            "DCGM_FI_DEV_SM_CLOCK",
            "gauge",
            "SM clock frequency (in MHz).",
            (210.0 + 2_160.0 * busy).round(),
        ),
        (
            "DCGM_FI_DEV_MEM_CLOCK",
            "gauge",
            "Memory clock frequency (in MHz).",
            if busy > 0.1 { 8_001.0 } else { 405.0 },
        ),
        (
            "DCGM_FI_DEV_MEMORY_TEMP",
            "gauge",
            "Memory temperature (in C).",
            (44.0 + 20.0 * busy).round(),
        ),
        (
            "DCGM_FI_DEV_GPU_TEMP",
            "gauge",
            "GPU temperature (in C).",
            (42.0 + 33.0 * busy).round(),
        ),
        (
            "DCGM_FI_DEV_POWER_USAGE",
            "gauge",
            "Power draw (in W).",
            (power * 1000.0).round() / 1000.0,
        ),
        (
            "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION",
            "counter",
            "Total energy consumption since boot (in mJ).",
            now.counter(9.0e9, 39_000.0, 47.0, 0.0).floor(),
        ),
        (
            "DCGM_FI_DEV_PCIE_REPLAY_COUNTER",
            "counter",
            "Total number of PCIe retries.",
            0.0,
        ),
        (
            "DCGM_FI_DEV_GPU_UTIL",
            "gauge",
            "GPU utilization (in %).",
            util.round(),
        ),
        (
            "DCGM_FI_DEV_MEM_COPY_UTIL",
            "gauge",
            "Memory utilization (in %).",
            (util * 0.4).round(),
        ),
        (
            "DCGM_FI_DEV_ENC_UTIL",
            "gauge",
            "Encoder utilization (in %).",
            0.0,
        ),
        (
            "DCGM_FI_DEV_DEC_UTIL",
            "gauge",
            "Decoder utilization (in %).",
            0.0,
        ),
        (
            "DCGM_FI_DEV_XID_ERRORS",
            "gauge",
            "Value of the last XID error encountered.",
            0.0,
        ),
        (
            "DCGM_FI_DEV_FB_FREE",
            "gauge",
            "Framebuffer memory free (in MiB).",
            FB_TOTAL_MIB - fb_used,
        ),
        (
            "DCGM_FI_DEV_FB_USED",
            "gauge",
            "Framebuffer memory used (in MiB).",
            fb_used,
        ),
        (
            "DCGM_FI_PROF_GR_ENGINE_ACTIVE",
            "gauge",
            "Ratio of time the graphics engine is active.",
            (busy * 0.95 * 1e4).round() / 1e4,
        ),
        (
            "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE",
            "gauge",
            "Ratio of cycles the tensor (HMMA) pipe is active.",
            (busy * 0.35 * 1e4).round() / 1e4,
        ),
    ];
    let mut text = Text::default();
    for (name, kind, help, value) in fields {
        text.family(name, kind, help).sample(name, &labels, value);
    }
    text.finish()
}

/// A stable GPU UUID per host, shaped like NVIDIA's (`GPU-` and a version-4-looking UUID).
fn uuid(host: &str) -> String {
    let hex = format!(
        "{:016x}{:016x}",
        text::hash(&format!("{host}/gpu0/high")),
        text::hash(&format!("{host}/gpu0/low"))
    );
    format!(
        "GPU-{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
