//! The self-healing ladder as a pure state machine: the app reports what it sees (the web
//! process died; the shell's heartbeat age, the web process's memory and the time of day every
//! tick) and the ladder answers with the rung to climb. Each rung is capped per hour, so a page
//! that crashes WebKit every minute ends in a clean restart by systemd instead of a reload loop.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// What the ladder may do, mildest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rung {
    /// Reload the page in the same webview (a new web process).
    Reload,
    /// Destroy the webview and its window and build new ones.
    Recreate,
    /// Exit non-zero: systemd restarts the app, and cage with it.
    Exit,
}

impl Rung {
    pub fn as_str(self) -> &'static str {
        match self {
            Rung::Reload => "reload",
            Rung::Recreate => "recreate",
            Rung::Exit => "exit",
        }
    }
}

/// Why a rung was climbed; a metric label and a log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// WebKit reported the web process terminated (crash, OOM kill, `kill -9`).
    WebProcessGone,
    /// No fresh heartbeat from the shell: the page is frozen or never painted.
    Frozen,
    /// Still no heartbeat after the webview was recreated.
    StillFrozen,
    /// The web process holds more memory than `app.memory_limit`.
    Memory,
    /// `app.recreate_at` came round.
    Scheduled,
    /// The rung this needed was used up for this hour.
    CapReached,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::WebProcessGone => "web_process_gone",
            Reason::Frozen => "frozen",
            Reason::StillFrozen => "still_frozen",
            Reason::Memory => "memory",
            Reason::Scheduled => "scheduled",
            Reason::CapReached => "cap_reached",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub rung: Rung,
    pub reason: Reason,
}

/// The knobs, from `[app]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub heartbeat_timeout: Duration,
    pub max_reloads_per_hour: u32,
    pub max_recreates_per_hour: u32,
    /// Bytes; `None` for no limit.
    pub memory_limit: Option<u64>,
    /// Minutes after local midnight.
    pub recreate_at: Option<u16>,
}

impl Policy {
    pub fn from_config(app: &kiosk_config::AppConfig) -> Policy {
        Policy {
            heartbeat_timeout: app.heartbeat_timeout,
            max_reloads_per_hour: app.max_reloads_per_hour,
            max_recreates_per_hour: app.max_recreates_per_hour,
            memory_limit: (app.memory_limit > 0).then_some(app.memory_limit),
            recreate_at: kiosk_config::parse_hhmm(&app.recreate_at),
        }
    }

    /// How long a fresh webview gets to paint its first page before it counts as frozen: the
    /// shell waits up to a minute for a slow dashboard before it shows anything else.
    fn first_paint_allowance(&self) -> Duration {
        (self.heartbeat_timeout * 2).max(Duration::from_secs(60))
    }
}

/// What the app sees on one tick.
#[derive(Debug, Clone, Copy)]
pub struct Observation {
    pub now: Instant,
    /// Time since the shell's last heartbeat; `None` before the first.
    pub heartbeat_age: Option<Duration>,
    /// Resident bytes of the web process(es), when known.
    pub web_rss: Option<u64>,
    /// Minutes after local midnight.
    pub minute_of_day: u16,
}

const HOUR: Duration = Duration::from_secs(3600);

#[derive(Debug)]
pub struct Ladder {
    policy: Policy,
    /// When the current webview started loading (app start or the last rung).
    since: Instant,
    /// The last rung climbed, if the webview has not painted since.
    pending: Option<Rung>,
    /// Climbs within the last hour, for the caps.
    recent: VecDeque<(Instant, Rung)>,
    /// When the scheduled recreation last ran, so it runs once per day.
    scheduled_at: Option<Instant>,
}

impl Ladder {
    pub fn new(policy: Policy, now: Instant) -> Ladder {
        Ladder {
            policy,
            since: now,
            pending: None,
            recent: VecDeque::new(),
            scheduled_at: None,
        }
    }

    /// The shell's heartbeat is fresh: the page is alive and systemd may be told so.
    pub fn alive(&self, heartbeat_age: Option<Duration>) -> bool {
        heartbeat_age.is_some_and(|age| age <= self.policy.heartbeat_timeout)
    }

    /// WebKit says the web process is gone.
    pub fn web_process_gone(&mut self, now: Instant) -> Decision {
        let decision = if self.available(Rung::Reload, now) {
            Decision {
                rung: Rung::Reload,
                reason: Reason::WebProcessGone,
            }
        } else {
            self.recreate_or_exit(Reason::WebProcessGone, now)
        };
        self.climbed(decision, now);
        decision
    }

    /// One look at the page; `Some` when a rung must be climbed now.
    pub fn tick(&mut self, seen: Observation) -> Option<Decision> {
        let now = seen.now;
        let since = now.saturating_duration_since(self.since);
        // A heartbeat younger than the last rung means the new page painted.
        let painted_since = seen.heartbeat_age.is_some_and(|age| age < since);
        if painted_since {
            self.pending = None;
        }
        let decision = if self.frozen(seen, since, painted_since) {
            if self.pending == Some(Rung::Recreate) {
                Some(Decision {
                    rung: Rung::Exit,
                    reason: Reason::StillFrozen,
                })
            } else {
                Some(self.recreate_or_exit(Reason::Frozen, now))
            }
        } else if painted_since && self.over_memory(seen.web_rss) {
            Some(self.recreate_or_exit(Reason::Memory, now))
        } else if self.schedule_due(seen) {
            self.scheduled_at = Some(now);
            // The daily recreation is routine, not a fault: it does not use up the cap.
            Some(Decision {
                rung: Rung::Recreate,
                reason: Reason::Scheduled,
            })
        } else {
            None
        };
        if let Some(decision) = decision {
            self.climbed(decision, now);
        }
        decision
    }

    fn frozen(&self, seen: Observation, since: Duration, painted_since: bool) -> bool {
        if painted_since {
            return !self.alive(seen.heartbeat_age);
        }
        // Nothing painted since the webview (re)started: give it the first-paint allowance.
        since > self.policy.first_paint_allowance()
    }

    fn over_memory(&self, rss: Option<u64>) -> bool {
        matches!((self.policy.memory_limit, rss), (Some(limit), Some(rss)) if rss > limit)
    }

    fn schedule_due(&self, seen: Observation) -> bool {
        let Some(at) = self.policy.recreate_at else {
            return false;
        };
        let ran_recently = self
            .scheduled_at
            .is_some_and(|last| seen.now.saturating_duration_since(last) < HOUR * 23);
        // Minute resolution with ticks of a few seconds: the minute itself is the window.
        seen.minute_of_day == at && !ran_recently
    }

    fn recreate_or_exit(&mut self, reason: Reason, now: Instant) -> Decision {
        if self.available(Rung::Recreate, now) {
            Decision {
                rung: Rung::Recreate,
                reason,
            }
        } else {
            Decision {
                rung: Rung::Exit,
                reason: Reason::CapReached,
            }
        }
    }

    fn available(&mut self, rung: Rung, now: Instant) -> bool {
        while self
            .recent
            .front()
            .is_some_and(|(at, _)| now.saturating_duration_since(*at) >= HOUR)
        {
            self.recent.pop_front();
        }
        let cap = match rung {
            Rung::Reload => self.policy.max_reloads_per_hour,
            Rung::Recreate => self.policy.max_recreates_per_hour,
            Rung::Exit => return true,
        };
        let used = self.recent.iter().filter(|(_, r)| *r == rung).count();
        used < cap as usize
    }

    fn climbed(&mut self, decision: Decision, now: Instant) {
        self.since = now;
        self.pending = Some(decision.rung);
        if decision.reason != Reason::Scheduled {
            self.recent.push_back((now, decision.rung));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy {
            heartbeat_timeout: Duration::from_secs(30),
            max_reloads_per_hour: 2,
            max_recreates_per_hour: 2,
            memory_limit: Some(1000),
            recreate_at: Some(4 * 60),
        }
    }

    /// A clock and a shell: `heartbeat` marks the page as having reported, `after` moves time.
    struct Wall {
        ladder: Ladder,
        now: Instant,
        last_heartbeat: Option<Instant>,
        rss: Option<u64>,
        minute: u16,
    }

    impl Wall {
        fn new(policy: Policy) -> Wall {
            let now = Instant::now();
            Wall {
                ladder: Ladder::new(policy, now),
                now,
                last_heartbeat: None,
                rss: Some(10),
                minute: 12 * 60,
            }
        }
        fn after(&mut self, secs: u64) -> Option<Decision> {
            self.now += Duration::from_secs(secs);
            self.ladder.tick(Observation {
                now: self.now,
                heartbeat_age: self.last_heartbeat.map(|at| self.now - at),
                web_rss: self.rss,
                minute_of_day: self.minute,
            })
        }
        fn heartbeat(&mut self) {
            self.last_heartbeat = Some(self.now);
        }
        /// Heartbeats every 5 s for `secs`, asserting the ladder stays put.
        fn healthy_for(&mut self, secs: u64) {
            for _ in 0..secs / 5 {
                self.heartbeat();
                assert_eq!(self.after(5), None);
            }
        }
        fn crash(&mut self) -> Decision {
            self.ladder.web_process_gone(self.now)
        }
    }

    fn d(rung: Rung, reason: Reason) -> Option<Decision> {
        Some(Decision { rung, reason })
    }

    #[test]
    fn a_healthy_page_is_left_alone_and_alive() {
        let mut wall = Wall::new(policy());
        wall.after(3);
        wall.healthy_for(600);
        assert!(wall.ladder.alive(Some(Duration::from_secs(5))));
        assert!(!wall.ladder.alive(Some(Duration::from_secs(31))));
        assert!(!wall.ladder.alive(None));
    }

    #[test]
    fn a_crashed_web_process_is_reloaded_until_the_cap_then_recreated_then_exit() {
        let mut wall = Wall::new(policy());
        wall.healthy_for(60);
        assert_eq!(Some(wall.crash()), d(Rung::Reload, Reason::WebProcessGone));
        wall.healthy_for(60);
        assert_eq!(Some(wall.crash()), d(Rung::Reload, Reason::WebProcessGone));
        wall.healthy_for(60);
        assert_eq!(
            Some(wall.crash()),
            d(Rung::Recreate, Reason::WebProcessGone)
        );
        wall.healthy_for(60);
        assert_eq!(
            Some(wall.crash()),
            d(Rung::Recreate, Reason::WebProcessGone)
        );
        wall.healthy_for(60);
        assert_eq!(Some(wall.crash()), d(Rung::Exit, Reason::CapReached));
    }

    #[test]
    fn caps_are_per_hour() {
        let mut wall = Wall::new(policy());
        wall.healthy_for(10);
        wall.crash();
        wall.healthy_for(10);
        wall.crash();
        wall.healthy_for(3600);
        assert_eq!(Some(wall.crash()), d(Rung::Reload, Reason::WebProcessGone));
    }

    #[test]
    fn a_frozen_page_gets_a_new_webview_then_the_app_exits() {
        let mut wall = Wall::new(policy());
        wall.healthy_for(60);
        // Heartbeats stop: nothing until the timeout has passed.
        assert_eq!(wall.after(25), None);
        assert_eq!(wall.after(10), d(Rung::Recreate, Reason::Frozen));
        // The new webview gets its first-paint allowance (60 s) before the next rung.
        assert_eq!(wall.after(55), None);
        assert_eq!(wall.after(10), d(Rung::Exit, Reason::StillFrozen));
    }

    #[test]
    fn a_recreated_webview_that_paints_resets_the_ladder() {
        let mut wall = Wall::new(policy());
        wall.healthy_for(60);
        assert_eq!(wall.after(35), d(Rung::Recreate, Reason::Frozen));
        wall.after(4);
        wall.healthy_for(120);
        // Frozen again later: recreate again (cap 2), not exit.
        assert_eq!(wall.after(35), d(Rung::Recreate, Reason::Frozen));
    }

    #[test]
    fn a_page_that_never_paints_counts_as_frozen_after_the_allowance() {
        let mut wall = Wall::new(policy());
        assert_eq!(wall.after(59), None);
        assert_eq!(wall.after(2), d(Rung::Recreate, Reason::Frozen));
    }

    #[test]
    fn memory_above_the_limit_recreates_once_painted() {
        let mut wall = Wall::new(policy());
        wall.rss = Some(5000);
        // Not while the first page is still loading.
        assert_eq!(wall.after(5), None);
        wall.heartbeat();
        assert_eq!(wall.after(1), d(Rung::Recreate, Reason::Memory));
        wall.rss = Some(10);
        wall.after(3);
        wall.healthy_for(60);
    }

    #[test]
    fn the_daily_recreation_runs_once_at_its_minute_and_does_not_use_the_cap() {
        let mut wall = Wall::new(policy());
        wall.healthy_for(30);
        wall.minute = 4 * 60;
        assert_eq!(wall.after(1), d(Rung::Recreate, Reason::Scheduled));
        wall.after(2);
        wall.healthy_for(55);
        wall.minute = 4 * 60 + 1;
        wall.healthy_for(60);
        // Two freezes still get two recreations (cap 2) despite the scheduled one.
        assert_eq!(wall.after(35), d(Rung::Recreate, Reason::Frozen));
        wall.after(2);
        wall.healthy_for(30);
        assert_eq!(wall.after(35), d(Rung::Recreate, Reason::Frozen));
        wall.after(2);
        wall.healthy_for(30);
        assert_eq!(wall.after(35), d(Rung::Exit, Reason::CapReached));
    }

    #[test]
    fn the_configured_knobs_become_the_policy() {
        let policy = Policy::from_config(&kiosk_config::AppConfig {
            memory_limit: 0,
            recreate_at: String::new(),
            ..Default::default()
        });
        assert_eq!(policy.memory_limit, None);
        assert_eq!(policy.recreate_at, None);
        let policy = Policy::from_config(&kiosk_config::AppConfig::default());
        assert_eq!(policy.recreate_at, Some(4 * 60));
        assert_eq!(policy.memory_limit, Some(1 << 30));
    }
}
