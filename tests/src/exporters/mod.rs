//! Fixture exporters for the fleet of the deployment design: each serves, on its own 127.0.0.1
//! port, `/metrics` in the text format with the real metric names and label sets of
//! node_exporter, dcgm-exporter, jetson-stats-node-exporter, intel-gpu-exporter or rpi_exporter,
//! with values that move over time so `rate()` and range queries have something to show.

mod dcgm;
mod intel;
mod jetson;
mod node;
mod rpi;
mod text;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::prometheus::ScrapeTarget;
use text::Now;

/// An exporter kind: what it serves, the job Prometheus scrapes it under and the port it listens
/// on in the real fleet (which becomes the port of `instance`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// node_exporter.
    Node,
    /// NVIDIA dcgm-exporter.
    Dcgm,
    /// laminair jetson-stats-node-exporter.
    Jetson,
    /// onedr0p intel-gpu-exporter.
    IntelGpu,
    /// lukasmalkmus rpi_exporter.
    Rpi,
}

impl Family {
    /// The scrape job's name.
    pub fn job(self) -> &'static str {
        match self {
            Family::Node => "node",
            Family::Dcgm => "dcgm",
            Family::Jetson => "jetson",
            Family::IntelGpu => "intel-gpu",
            Family::Rpi => "rpi",
        }
    }

    /// The port the exporter listens on in the fleet.
    pub fn port(self) -> u16 {
        match self {
            Family::Node | Family::Jetson => 9100,
            Family::Dcgm => 9400,
            Family::IntelGpu => 8080,
            Family::Rpi => 9110,
        }
    }

    fn render(self, host: &Host, now: Now) -> String {
        match self {
            Family::Node => node::render(host, now),
            Family::Dcgm => dcgm::render(host, now),
            Family::Jetson => jetson::render(host, now),
            Family::IntelGpu => intel::render(now),
            Family::Rpi => rpi::render(host, now),
        }
    }
}

/// One machine of the fleet and the exporters it runs.
#[derive(Debug)]
pub struct Host {
    pub name: &'static str,
    pub hardware: &'static Hardware,
    pub exporters: &'static [Family],
}

/// What node_exporter would find on a machine.
#[derive(Debug)]
pub struct Hardware {
    pub model: &'static str,
    /// `uname -m`.
    pub machine: &'static str,
    /// `uname -r`.
    pub kernel: &'static str,
    pub cpus: u32,
    /// Typical fraction of the CPUs busy, `0..1`.
    pub load: f64,
    pub memory_gib: f64,
    pub swap_gib: f64,
    pub filesystems: &'static [Filesystem],
    pub nics: &'static [&'static str],
    /// `(chip, chip_name, sensor)` of each `node_hwmon_temp_celsius`.
    pub hwmon: &'static [(&'static str, &'static str, &'static str)],
    /// `type` of each thermal zone, in zone order.
    pub thermal_zones: &'static [&'static str],
}

/// One mounted filesystem.
#[derive(Debug)]
pub struct Filesystem {
    pub device: &'static str,
    pub mountpoint: &'static str,
    pub fstype: &'static str,
    pub size_gb: f64,
}

const MEERKAT: Hardware = Hardware {
    model: "System76 Meerkat (i5-1340P)",
    machine: "x86_64",
    kernel: "6.1.0-28-amd64",
    cpus: 16,
    load: 0.25,
    memory_gib: 32.0,
    swap_gib: 2.0,
    filesystems: &[
        Filesystem {
            device: "/dev/nvme0n1p2",
            mountpoint: "/",
            fstype: "ext4",
            size_gb: 982.0,
        },
        Filesystem {
            device: "/dev/nvme0n1p1",
            mountpoint: "/boot/efi",
            fstype: "vfat",
            size_gb: 0.5,
        },
    ],
    nics: &["enp86s0", "wlo1"],
    hwmon: &[
        ("platform_coretemp_0", "coretemp", "temp1"),
        ("platform_coretemp_0", "coretemp", "temp2"),
        ("nvme_nvme0", "nvme", "temp1"),
    ],
    thermal_zones: &["acpitz", "x86_pkg_temp"],
};

const NITRO_V15: Hardware = Hardware {
    model: "Acer Nitro V 15 (RTX 4050)",
    machine: "x86_64",
    kernel: "6.1.0-28-amd64",
    cpus: 12,
    load: 0.45,
    memory_gib: 16.0,
    swap_gib: 1.0,
    filesystems: &[
        Filesystem {
            device: "/dev/nvme0n1p2",
            mountpoint: "/",
            fstype: "ext4",
            size_gb: 491.0,
        },
        Filesystem {
            device: "/dev/nvme0n1p1",
            mountpoint: "/boot/efi",
            fstype: "vfat",
            size_gb: 0.5,
        },
    ],
    nics: &["enp3s0", "wlp0s20f3"],
    hwmon: &[
        ("platform_coretemp_0", "coretemp", "temp1"),
        ("acpitz", "acpitz", "temp1"),
    ],
    thermal_zones: &["acpitz", "INT3400 Thermal", "x86_pkg_temp"],
};

const DESKTOP: Hardware = Hardware {
    model: "desktop (Ryzen 7 5700X)",
    machine: "x86_64",
    kernel: "6.1.0-28-amd64",
    cpus: 16,
    load: 0.15,
    memory_gib: 64.0,
    swap_gib: 8.0,
    filesystems: &[
        Filesystem {
            device: "/dev/nvme0n1p2",
            mountpoint: "/",
            fstype: "ext4",
            size_gb: 1_967.0,
        },
        Filesystem {
            device: "/dev/sda1",
            mountpoint: "/srv/data",
            fstype: "xfs",
            size_gb: 3_998.0,
        },
    ],
    nics: &["enp5s0"],
    hwmon: &[
        ("pci0000:00_0000:00:18_3", "k10temp", "temp1"),
        ("nvme_nvme0", "nvme", "temp1"),
    ],
    thermal_zones: &[],
};

const GEEKOM_GT1_MEGA: Hardware = Hardware {
    model: "GEEKOM GT1 Mega (Core Ultra 9 185H, Intel Arc)",
    machine: "x86_64",
    kernel: "6.12.9-amd64",
    cpus: 22,
    load: 0.2,
    memory_gib: 32.0,
    swap_gib: 1.0,
    filesystems: &[
        Filesystem {
            device: "/dev/nvme0n1p2",
            mountpoint: "/",
            fstype: "ext4",
            size_gb: 1_967.0,
        },
        Filesystem {
            device: "/dev/nvme0n1p1",
            mountpoint: "/boot/efi",
            fstype: "vfat",
            size_gb: 0.5,
        },
    ],
    nics: &["enp2s0", "enp3s0", "wlp4s0"],
    hwmon: &[
        ("platform_coretemp_0", "coretemp", "temp1"),
        ("nvme_nvme0", "nvme", "temp1"),
    ],
    thermal_zones: &["acpitz", "x86_pkg_temp"],
};

const JETSON_AGX_ORIN: Hardware = Hardware {
    model: "NVIDIA Jetson AGX Orin 64GB",
    machine: "aarch64",
    kernel: "5.15.148-tegra",
    cpus: 12,
    load: 0.3,
    memory_gib: 61.4,
    swap_gib: 30.7,
    filesystems: &[Filesystem {
        device: "/dev/mmcblk0p1",
        mountpoint: "/",
        fstype: "ext4",
        size_gb: 57.8,
    }],
    nics: &["eth0", "wlan0"],
    hwmon: &[],
    thermal_zones: &["cpu-thermal", "gpu-thermal", "soc0-thermal", "tj-thermal"],
};

const PI5: Hardware = Hardware {
    model: "Raspberry Pi 5 Model B 8GB",
    machine: "aarch64",
    kernel: "6.6.51+rpt-rpi-2712",
    cpus: 4,
    load: 0.2,
    memory_gib: 7.9,
    swap_gib: 0.5,
    filesystems: &[
        Filesystem {
            device: "/dev/mmcblk0p2",
            mountpoint: "/",
            fstype: "ext4",
            size_gb: 62.5,
        },
        Filesystem {
            device: "/dev/mmcblk0p1",
            mountpoint: "/boot/firmware",
            fstype: "vfat",
            size_gb: 0.5,
        },
    ],
    nics: &["eth0", "wlan0"],
    hwmon: &[
        ("thermal_thermal_zone0", "cpu_thermal", "temp1"),
        ("rp1_adc", "rp1_adc", "temp1"),
    ],
    thermal_zones: &["cpu-thermal"],
};

/// The fleet of the deployment design (`exporter-metrics.md`): eek runs Prometheus and Grafana,
/// ook has an NVIDIA GPU, hog an Intel Arc, ojo is a Jetson without node_exporter, and the two
/// Pis run rpi_exporter next to node_exporter.
pub const FLEET: &[Host] = &[
    Host {
        name: "eek",
        hardware: &MEERKAT,
        exporters: &[Family::Node],
    },
    Host {
        name: "ook",
        hardware: &NITRO_V15,
        exporters: &[Family::Node, Family::Dcgm],
    },
    Host {
        name: "oop",
        hardware: &DESKTOP,
        exporters: &[Family::Node],
    },
    Host {
        name: "hog",
        hardware: &GEEKOM_GT1_MEGA,
        exporters: &[Family::Node, Family::IntelGpu],
    },
    Host {
        name: "ojo",
        hardware: &JETSON_AGX_ORIN,
        exporters: &[Family::Jetson],
    },
    Host {
        name: "rpi1",
        hardware: &PI5,
        exporters: &[Family::Node, Family::Rpi],
    },
    Host {
        name: "rpi2",
        hardware: &PI5,
        exporters: &[Family::Node, Family::Rpi],
    },
];

/// `host:port` as the fleet's Prometheus would label the target.
pub fn instance(host: &str, family: Family) -> String {
    format!("{host}:{}", family.port())
}

/// The fixture exporters of the fleet, each on its own port; they stop when this is dropped.
pub struct Fleet {
    running: Vec<Running>,
}

struct Running {
    target: ScrapeTarget,
    task: JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Exporter {
    host: &'static Host,
    family: Family,
    started: Instant,
    seed: f64,
}

impl Fleet {
    /// Starts every exporter of every host of `FLEET`.
    pub async fn start() -> io::Result<Fleet> {
        Self::start_except(&[]).await
    }

    /// Starts every exporter of `FLEET` but those listed, which something real stands in for
    /// (e.g. `("eek", Family::Node)` when a real node_exporter plays eek).
    pub async fn start_except(real: &[(&str, Family)]) -> io::Result<Fleet> {
        let started = Instant::now();
        let mut running = Vec::new();
        for host in FLEET {
            for &family in host.exporters {
                if real.contains(&(host.name, family)) {
                    continue;
                }
                let exporter = Exporter {
                    host,
                    family,
                    started,
                    seed: text::seed(host.name),
                };
                running.push(serve(exporter).await?);
            }
        }
        Ok(Fleet { running })
    }

    /// What Prometheus must scrape, one target per exporter.
    pub fn targets(&self) -> Vec<ScrapeTarget> {
        self.running.iter().map(|r| r.target.clone()).collect()
    }
}

async fn serve(exporter: Exporter) -> io::Result<Running> {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
    let target = ScrapeTarget {
        job: exporter.family.job().to_owned(),
        instance: instance(exporter.host.name, exporter.family),
        address: listener.local_addr()?,
    };
    let app = Router::new()
        .route("/metrics", get(metrics))
        .with_state(Arc::new(exporter));
    let task = tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, app).await {
            tracing::warn!(%err, "fixture exporter failed");
        }
    });
    Ok(Running { target, task })
}

async fn metrics(State(exporter): State<Arc<Exporter>>) -> impl IntoResponse {
    let unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let now = Now {
        t: exporter.started.elapsed().as_secs_f64(),
        unix,
        seed: exporter.seed,
    };
    (
        [(header::CONTENT_TYPE, text::CONTENT_TYPE)],
        exporter.family.render(exporter.host, now),
    )
}
