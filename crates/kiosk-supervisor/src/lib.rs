//! What keeps the wall alive, with no GUI dependency: the self-healing ladder's decisions
//! (`ladder`), systemd notifications (`notify`), the web process's memory (`memory`) and the
//! screen schedule (`screen`). The Tauri app feeds it observations and carries out its
//! decisions.

pub mod ladder;
pub mod memory;
pub mod notify;
pub mod screen;

pub use ladder::{Decision, Ladder, Observation, Policy, Reason, Rung};
pub use notify::Notifier;
pub use screen::{Power, Screen, Session};
