//! Test support for kiosk's end-to-end tests: a Grafana simulator that follows Grafana's HTTP API
//! contract, and a grafana.com catalog simulator serving fixture revisions.

pub mod grafana_com;
pub mod grafana_sim;
mod server;
