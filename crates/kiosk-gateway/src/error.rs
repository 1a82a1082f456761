//! The gateway's errors: all are about starting or stopping it; request-time failures become
//! HTTP answers, never errors of the gateway.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "refusing to listen on {addr}: not a loopback address (set gateway.allow_remote = true to allow it)"
    )]
    NotLoopback { addr: SocketAddr },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },
    /// A bad Grafana URL, CA file or credential; the message names it (never a secret).
    #[error("{0}")]
    Setup(String),
    #[error("cannot open the offline cache at {}: {source}", dir.display())]
    Cache {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("serving on {addr} failed: {source}")]
    Serve {
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },
}
