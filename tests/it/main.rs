//! One integration-test binary for the whole product: drives the real `kiosk` binary against the
//! Grafana simulator.

mod dashboard_data;
mod sim_contract;
mod sim_pages;
