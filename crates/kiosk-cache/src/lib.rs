//! The gateway's offline cache: Grafana's successful answers on disk, keyed by request, so a
//! wallboard keeps showing its dashboards while Grafana is unreachable. Bounded by a byte budget
//! (oldest entries evicted), written atomically, and read back after a restart.
//!
//! Layout: one file per entry in the cache directory, named by the hex sha256 of its key (see
//! [`get_key`] and [`query_key`]); files being written are `.tmp-*` and never read as entries.
//! The directory belongs to one [`Cache`] (one gateway process): `open` deletes the temp files
//! it finds there.

mod format;
mod key;
mod store;

pub use key::{get_key, query_key};
pub use store::Cache;

use std::time::SystemTime;

/// One cached answer of Grafana.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub status: u16,
    /// The response headers the gateway chose to keep, in order, as given.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// When the answer was received. Kept to the millisecond on disk, so a time read back is
    /// the stored one truncated to whole milliseconds.
    pub stored_at: SystemTime,
}
