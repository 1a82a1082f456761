//! The display schedule: the screen is off from `screen.off_at` until `screen.on_at`, every
//! day, switched by a shell command that depends on the session (cage/wlroots or X11) unless
//! configured. Only changes are acted on, so a person who switches the screen on by hand at
//! night is not overruled until the next scheduled change.

use kiosk_config::{ScreenConfig, parse_hhmm};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Power {
    On,
    Off,
}

/// The graphical session the app runs in, which decides the default commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Session {
    /// cage or another wlroots compositor: the wlr output-power protocol, via `wlopm`.
    Wayland,
    /// An X server: DPMS, via `xset`.
    X11,
}

impl Session {
    /// From the environment the compositor or X server gave the app.
    pub fn detect(wayland_display: Option<&str>, display: Option<&str>) -> Option<Session> {
        let set = |v: Option<&str>| v.is_some_and(|v| !v.is_empty());
        if set(wayland_display) {
            Some(Session::Wayland)
        } else if set(display) {
            Some(Session::X11)
        } else {
            None
        }
    }

    fn command(self, power: Power) -> &'static str {
        match (self, power) {
            (Session::Wayland, Power::Off) => "wlopm --off '*'",
            (Session::Wayland, Power::On) => "wlopm --on '*'",
            (Session::X11, Power::Off) => "xset dpms force off",
            (Session::X11, Power::On) => "xset dpms force on",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Screen {
    off_at: u16,
    on_at: u16,
    off_command: String,
    on_command: String,
    applied: Option<Power>,
}

impl Screen {
    /// `None` when no schedule is configured, or no command is known for this session.
    pub fn from_config(config: &ScreenConfig, session: Option<Session>) -> Option<Screen> {
        let off_at = parse_hhmm(&config.off_at)?;
        let on_at = parse_hhmm(&config.on_at)?;
        let command = |configured: &str, power| {
            if configured.is_empty() {
                session.map(|s| s.command(power).to_owned())
            } else {
                Some(configured.to_owned())
            }
        };
        Some(Screen {
            off_at,
            on_at,
            off_command: command(&config.off_command, Power::Off)?,
            on_command: command(&config.on_command, Power::On)?,
            applied: None,
        })
    }

    /// What the schedule wants at `minute` after local midnight.
    pub fn wanted(&self, minute: u16) -> Power {
        let off = if self.off_at < self.on_at {
            (self.off_at..self.on_at).contains(&minute)
        } else {
            // Across midnight: 22:00 → 07:00.
            minute >= self.off_at || minute < self.on_at
        };
        if off { Power::Off } else { Power::On }
    }

    /// The command to run now, when the schedule changed (or at the first call).
    pub fn due(&mut self, minute: u16) -> Option<(Power, &str)> {
        let wanted = self.wanted(minute);
        if self.applied == Some(wanted) {
            return None;
        }
        self.applied = Some(wanted);
        Some(match wanted {
            Power::Off => (Power::Off, self.off_command.as_str()),
            Power::On => (Power::On, self.on_command.as_str()),
        })
    }
}

/// Minutes after local midnight, in the system's time zone.
pub fn minute_of_day() -> u16 {
    let now = jiff::Zoned::now();
    (now.hour() as u16) * 60 + now.minute() as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(off: &str, on: &str) -> ScreenConfig {
        ScreenConfig {
            off_at: off.into(),
            on_at: on.into(),
            ..Default::default()
        }
    }

    const fn at(h: u16, m: u16) -> u16 {
        h * 60 + m
    }

    #[test]
    fn overnight_schedule() {
        let screen = Screen::from_config(&config("22:00", "07:00"), Some(Session::X11)).unwrap();
        assert_eq!(screen.wanted(at(21, 59)), Power::On);
        assert_eq!(screen.wanted(at(22, 0)), Power::Off);
        assert_eq!(screen.wanted(at(3, 0)), Power::Off);
        assert_eq!(screen.wanted(at(6, 59)), Power::Off);
        assert_eq!(screen.wanted(at(7, 0)), Power::On);
    }

    #[test]
    fn daytime_off_schedule() {
        let screen = Screen::from_config(&config("12:00", "13:30"), Some(Session::X11)).unwrap();
        assert_eq!(screen.wanted(at(11, 59)), Power::On);
        assert_eq!(screen.wanted(at(12, 30)), Power::Off);
        assert_eq!(screen.wanted(at(13, 30)), Power::On);
    }

    #[test]
    fn acts_only_on_changes() {
        let mut screen =
            Screen::from_config(&config("22:00", "07:00"), Some(Session::Wayland)).unwrap();
        assert_eq!(screen.due(at(12, 0)), Some((Power::On, "wlopm --on '*'")));
        assert_eq!(screen.due(at(13, 0)), None);
        assert_eq!(screen.due(at(22, 0)), Some((Power::Off, "wlopm --off '*'")));
        assert_eq!(screen.due(at(23, 0)), None);
        assert_eq!(screen.due(at(7, 0)), Some((Power::On, "wlopm --on '*'")));
    }

    #[test]
    fn configured_commands_win_and_a_session_is_needed_otherwise() {
        let mut cfg = config("22:00", "07:00");
        assert!(Screen::from_config(&cfg, None).is_none());
        cfg.off_command = "vcgencmd display_power 0".into();
        cfg.on_command = "vcgencmd display_power 1".into();
        let mut screen = Screen::from_config(&cfg, None).unwrap();
        assert_eq!(
            screen.due(at(23, 0)),
            Some((Power::Off, "vcgencmd display_power 0"))
        );
        let x11 = Screen::from_config(&config("22:00", "07:00"), Some(Session::X11)).unwrap();
        assert_eq!(x11.off_command, "xset dpms force off");
        assert!(Screen::from_config(&ScreenConfig::default(), Some(Session::X11)).is_none());
    }

    #[test]
    fn session_from_environment() {
        assert_eq!(
            Session::detect(Some("wayland-0"), Some(":0")),
            Some(Session::Wayland)
        );
        assert_eq!(Session::detect(None, Some(":1")), Some(Session::X11));
        assert_eq!(Session::detect(Some(""), None), None);
    }
}
