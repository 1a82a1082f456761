//! Test support for kiosk's end-to-end tests: a Grafana simulator that follows Grafana's HTTP API
//! contract, a grafana.com catalog simulator serving fixture revisions, fixture exporters that
//! serve the real metric names of a simulated fleet, and a harness for the real Prometheus and
//! node_exporter binaries.

pub mod exporters;
pub mod grafana_com;
pub mod grafana_sim;
pub mod prometheus;
mod server;
