//! End-to-end tests of the `kiosk` binary against the Grafana simulator (tests/ crate): one
//! integration-test binary, one module per area.

#[cfg(feature = "gui")]
mod app;
mod config;
mod faults;
mod product;
mod secrets;
mod serve;
mod shapes;
mod support;
mod sync;
mod vendor;
mod wallboard;
mod watch;
