//! systemd's notification protocol, as the watchdog ladder uses it: `READY=1` once, after the
//! first painted page; `WATCHDOG=1` only while the page is alive; `STATUS=` for
//! `systemctl status`. Without `NOTIFY_SOCKET` (not under systemd) every call is a no-op.

use sd_notify::NotifyState;

#[derive(Debug, Default)]
pub struct Notifier {
    ready: bool,
}

impl Notifier {
    pub fn new() -> Notifier {
        Notifier::default()
    }

    /// Whether `READY=1` was sent.
    pub fn is_ready(&self) -> bool {
        self.ready
    }

    /// `READY=1` with a status line, the first time only.
    pub fn ready(&mut self, status: &str) {
        if !self.ready {
            self.ready = true;
            send(&[NotifyState::Ready, NotifyState::Status(status)]);
        }
    }

    /// `WATCHDOG=1`: the page is alive.
    pub fn watchdog(&self) {
        send(&[NotifyState::Watchdog]);
    }

    pub fn status(&self, status: &str) {
        send(&[NotifyState::Status(status)]);
    }

    /// `STOPPING=1` with the reason, before a deliberate exit.
    pub fn stopping(&self, status: &str) {
        send(&[NotifyState::Stopping, NotifyState::Status(status)]);
    }
}

fn send(states: &[NotifyState]) {
    if let Err(err) = sd_notify::notify(states) {
        tracing::warn!(%err, "cannot notify systemd");
    }
}

#[cfg(test)]
mod tests {
    // The protocol itself is proven end to end by the app's tests, which read a fake
    // NOTIFY_SOCKET; here only the "once" rule, which needs no socket.
    use super::*;

    #[test]
    fn ready_is_sent_once() {
        let mut notifier = Notifier::new();
        assert!(!notifier.is_ready());
        notifier.ready("showing fleet-overview");
        notifier.ready("showing fleet-overview");
        assert!(notifier.is_ready());
    }
}
