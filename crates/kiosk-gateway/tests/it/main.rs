//! The gateway's integration tests: a real gateway on 127.0.0.1 in front of the Grafana
//! simulator, or of a small local upstream for exact header and websocket cases.

mod offline;
mod proxy;
mod session;
mod support;
mod surface;
mod upstream;
mod ws;
