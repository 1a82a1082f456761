//! node_exporter's metrics as a host of the fleet would expose them: CPU time per core and mode,
//! memory, filesystems, network and disk counters, load, boot time and clock, `uname`, hwmon and
//! thermal-zone temperatures. Names and labels are node_exporter's (1.8: filesystems carry
//! `device_error`).

use super::Host;
use super::text::{Now, Text};

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
const MODES: [(&str, f64); 8] = [
    ("idle", 0.0),
    ("iowait", 0.04),
    ("irq", 0.02),
    ("nice", 0.01),
    ("softirq", 0.03),
    ("steal", 0.0),
    ("system", 0.25),
    ("user", 0.65),
];

pub(super) fn render(host: &Host, now: Now) -> String {
    let hw = host.hardware;
    let mut text = Text::default();
    // Up for one to three weeks before the fleet started.
    let uptime0 = (7.0 + 14.0 * now.seed) * 86_400.0;
    let uptime = uptime0 + now.t;
    let boot = (now.unix - uptime).floor();

    text.family(
        "node_cpu_seconds_total",
        "counter",
        "Seconds the CPUs spent in each mode.",
    );
    for cpu in 0..hw.cpus {
        let cpu_label = cpu.to_string();
        let phase = f64::from(cpu) / f64::from(hw.cpus);
        // Every mode but idle follows its own curve; idle is what is left of one second per
        // second, so the modes always add up and idle never goes backwards.
        let busy: Vec<(&str, f64)> = MODES
            .iter()
            .filter(|(mode, _)| *mode != "idle")
            .enumerate()
            .map(|(i, &(mode, share))| {
                let rate = hw.load * share;
                let seconds = now.counter(uptime0 * rate, rate, 23.0, phase + i as f64 / 7.0);
                (mode, seconds)
            })
            .collect();
        let idle = uptime - busy.iter().map(|(_, s)| s).sum::<f64>();
        text.sample(
            "node_cpu_seconds_total",
            &[("cpu", &cpu_label), ("mode", "idle")],
            round2(idle),
        );
        for (mode, seconds) in busy {
            text.sample(
                "node_cpu_seconds_total",
                &[("cpu", &cpu_label), ("mode", mode)],
                round2(seconds),
            );
        }
    }

    let total = hw.memory_gib * GIB;
    let available = total * now.wave(0.55, 0.1, 41.0, 0.0);
    let free = available * 0.4;
    let swap_total = hw.swap_gib * GIB;
    let memory = [
        (
            "MemTotal",
            total,
            "Memory information field MemTotal_bytes.",
        ),
        (
            "MemAvailable",
            available,
            "Memory information field MemAvailable_bytes.",
        ),
        ("MemFree", free, "Memory information field MemFree_bytes."),
        (
            "Buffers",
            total * 0.02,
            "Memory information field Buffers_bytes.",
        ),
        (
            "Cached",
            available - free,
            "Memory information field Cached_bytes.",
        ),
        (
            "SwapTotal",
            swap_total,
            "Memory information field SwapTotal_bytes.",
        ),
        (
            "SwapFree",
            swap_total * now.wave(0.9, 0.05, 97.0, 0.0),
            "Memory information field SwapFree_bytes.",
        ),
    ];
    for (field, value, help) in memory {
        text.gauge(&format!("node_memory_{field}_bytes"), help, kib(value));
    }

    filesystems(&mut text, host, now);

    let nics: Vec<&str> = std::iter::once("lo")
        .chain(hw.nics.iter().copied())
        .collect();
    let counters = [
        (
            "receive_bytes_total",
            400_000.0,
            "Network device statistic receive_bytes.",
        ),
        (
            "transmit_bytes_total",
            120_000.0,
            "Network device statistic transmit_bytes.",
        ),
        (
            "receive_packets_total",
            500.0,
            "Network device statistic receive_packets.",
        ),
        (
            "transmit_packets_total",
            250.0,
            "Network device statistic transmit_packets.",
        ),
        (
            "receive_errs_total",
            0.0,
            "Network device statistic receive_errs.",
        ),
        (
            "receive_drop_total",
            0.01,
            "Network device statistic receive_drop.",
        ),
    ];
    for (i, (name, rate, help)) in counters.into_iter().enumerate() {
        let name = format!("node_network_{name}");
        text.family(&name, "counter", help);
        for (n, device) in nics.iter().enumerate() {
            // The first real NIC carries the traffic; loopback and the rest a little.
            let rate = rate * if n == 1 { 1.0 } else { 0.05 };
            let value = now.counter(rate * uptime0, rate, 31.0, (i + n) as f64 / 5.0);
            text.sample(&name, &[("device", device)], value.floor());
        }
    }

    let disks = disks(host);
    let counters = [
        (
            "read_bytes_total",
            200_000.0,
            "The total number of bytes read successfully.",
        ),
        (
            "written_bytes_total",
            350_000.0,
            "The total number of bytes written successfully.",
        ),
        (
            "io_time_seconds_total",
            0.02,
            "Total seconds spent doing I/Os.",
        ),
    ];
    for (i, (name, rate, help)) in counters.into_iter().enumerate() {
        let name = format!("node_disk_{name}");
        text.family(&name, "counter", help);
        for (d, device) in disks.iter().enumerate() {
            let value = now.counter(rate * uptime0, rate, 19.0, (i + d) as f64 / 4.0);
            text.sample(&name, &[("device", device)], round2(value));
        }
    }

    let load = f64::from(hw.cpus) * hw.load;
    text.gauge(
        "node_load1",
        "1m load average.",
        round2(now.wave(load, load * 0.5, 37.0, 0.0)),
    );
    text.gauge(
        "node_load5",
        "5m load average.",
        round2(now.wave(load, load * 0.3, 120.0, 0.1)),
    );
    text.gauge(
        "node_load15",
        "15m load average.",
        round2(now.wave(load, load * 0.1, 300.0, 0.2)),
    );

    text.gauge(
        "node_boot_time_seconds",
        "Node boot time, in unixtime.",
        boot,
    );
    text.gauge(
        "node_time_seconds",
        "System time in seconds since epoch (1970).",
        (now.unix * 1000.0).round() / 1000.0,
    );
    text.gauge(
        "node_procs_running",
        "Number of processes in runnable state.",
        now.whole(1.0 + load, load, 13.0, 0.0).max(1.0),
    );
    text.family(
        "node_context_switches_total",
        "counter",
        "Total number of context switches.",
    )
    .sample(
        "node_context_switches_total",
        &[],
        now.counter(uptime0 * 3_000.0, 3_000.0, 29.0, 0.0).floor(),
    );

    text.family(
        "node_uname_info",
        "gauge",
        "Labeled system information as provided by the uname system call.",
    )
    .sample(
        "node_uname_info",
        &[
            ("domainname", "(none)"),
            ("machine", hw.machine),
            ("nodename", host.name),
            ("release", hw.kernel),
            ("sysname", "Linux"),
            ("version", "#1 SMP PREEMPT_DYNAMIC Debian"),
        ],
        1.0,
    );

    let cpu_temp = if hw.machine == "aarch64" { 52.0 } else { 55.0 };
    if !hw.hwmon.is_empty() {
        text.family(
            "node_hwmon_chip_names",
            "gauge",
            "Annotation metric for human-readable chip names",
        );
        let mut seen = Vec::new();
        for &(chip, chip_name, _) in hw.hwmon {
            if !seen.contains(&chip) {
                seen.push(chip);
                text.sample(
                    "node_hwmon_chip_names",
                    &[("chip", chip), ("chip_name", chip_name)],
                    1.0,
                );
            }
        }
        text.family(
            "node_hwmon_temp_celsius",
            "gauge",
            "Hardware monitor for temperature (input)",
        );
        for (i, &(chip, chip_name, sensor)) in hw.hwmon.iter().enumerate() {
            let mid = if chip_name == "nvme" { 38.0 } else { cpu_temp };
            let value = now.wave(mid, 6.0, 43.0, i as f64 / 3.0);
            text.sample(
                "node_hwmon_temp_celsius",
                &[("chip", chip), ("sensor", sensor)],
                (value * 1000.0).round() / 1000.0,
            );
        }
    }
    if !hw.thermal_zones.is_empty() {
        text.family(
            "node_thermal_zone_temp",
            "gauge",
            "Zone temperature in Celsius",
        );
        for (zone, kind) in hw.thermal_zones.iter().enumerate() {
            let value = now.wave(cpu_temp - 2.0, 6.0, 43.0, zone as f64 / 5.0);
            text.sample(
                "node_thermal_zone_temp",
                &[("type", kind), ("zone", &zone.to_string())],
                (value * 1000.0).round() / 1000.0,
            );
        }
    }
    text.finish()
}

fn filesystems(text: &mut Text, host: &Host, now: Now) {
    let hw = host.hardware;
    // node_exporter also reports tmpfs; /run is on every host.
    let run = ("tmpfs", "/run", "tmpfs", hw.memory_gib / 10.0 * GIB / 1e9);
    let mounts: Vec<(&str, &str, &str, f64)> = hw
        .filesystems
        .iter()
        .map(|fs| (fs.device, fs.mountpoint, fs.fstype, fs.size_gb))
        .chain(std::iter::once(run))
        .collect();
    let gauges = [
        ("size_bytes", "Filesystem size in bytes."),
        (
            "avail_bytes",
            "Filesystem space available to non-root users in bytes.",
        ),
        ("free_bytes", "Filesystem free space in bytes."),
        ("files", "Filesystem total file nodes."),
        ("files_free", "Filesystem total free file nodes."),
        ("readonly", "Filesystem read-only status."),
        (
            "device_error",
            "Whether an error occurred while getting statistics for the given device.",
        ),
    ];
    for (name, help) in gauges {
        let name = format!("node_filesystem_{name}");
        text.family(&name, "gauge", help);
        for (i, &(device, mountpoint, fstype, size_gb)) in mounts.iter().enumerate() {
            // Block-aligned sizes, usage between a quarter and most of the disk, drifting.
            let size = (size_gb * 1e9 / 4096.0).floor() * 4096.0;
            let used = 0.25 + 0.5 * (now.seed + i as f64 * 0.37).fract();
            let free = size * (1.0 - used - now.wave(0.0, 0.002, 53.0, i as f64 / 3.0));
            let value = match name.as_str() {
                "node_filesystem_size_bytes" => size,
                "node_filesystem_free_bytes" => (free / 4096.0).floor() * 4096.0,
                // ext4 reserves 5% for root.
                "node_filesystem_avail_bytes" => {
                    ((free - size * 0.05).max(0.0) / 4096.0).floor() * 4096.0
                }
                "node_filesystem_files" => (size / 16384.0).floor(),
                "node_filesystem_files_free" => (size / 16384.0 * (1.0 - used / 4.0)).floor(),
                _ => 0.0,
            };
            text.sample(
                &name,
                &[
                    ("device", device),
                    ("device_error", ""),
                    ("fstype", fstype),
                    ("mountpoint", mountpoint),
                ],
                value,
            );
        }
    }
}

/// Block devices under the filesystems: `/dev/nvme0n1p2` → `nvme0n1`, `/dev/sda1` → `sda`.
fn disks(host: &Host) -> Vec<String> {
    let mut disks: Vec<String> = Vec::new();
    for fs in host.hardware.filesystems {
        let Some(name) = fs.device.strip_prefix("/dev/") else {
            continue;
        };
        let disk = match name.rfind('p') {
            Some(at) if name.starts_with("nvme") || name.starts_with("mmcblk") => &name[..at],
            _ => name.trim_end_matches(|c: char| c.is_ascii_digit()),
        };
        if !disks.iter().any(|d| d == disk) {
            disks.push(disk.to_owned());
        }
    }
    disks
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// Memory figures come from /proc/meminfo in kB.
fn kib(bytes: f64) -> f64 {
    (bytes / 1024.0).floor() * 1024.0
}
