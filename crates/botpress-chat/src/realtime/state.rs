//! Where a listener's connection stands, as a UI shows it: one state, moved
//! by the listening loop's events ([`Event`]) and the platform's network
//! state.

use crate::realtime::driver::Event;

/// A listener's connection state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionState {
    /// Opening its first connection.
    Connecting,
    /// Live.
    Connected,
    /// The connection ended; reopening it (backoff, then new attempts).
    Reconnecting,
    /// Reconnecting while the platform says it is offline: the next attempt
    /// starts as soon as it is back online.
    Offline,
    /// Stopped by its owner.
    Closed,
    /// Ended by a final error (or by any error with reconnecting off).
    Failed,
}

impl ConnectionState {
    /// The name JS sees (`"reconnecting"`).
    pub fn name(self) -> &'static str {
        match self {
            ConnectionState::Connecting => "connecting",
            ConnectionState::Connected => "connected",
            ConnectionState::Reconnecting => "reconnecting",
            ConnectionState::Offline => "offline",
            ConnectionState::Closed => "closed",
            ConnectionState::Failed => "failed",
        }
    }

    /// `@botpress/chat`'s three-valued `status` for this state.
    pub fn status(self) -> &'static str {
        match self {
            ConnectionState::Connected => "connected",
            ConnectionState::Connecting | ConnectionState::Reconnecting | ConnectionState::Offline => "connecting",
            ConnectionState::Closed | ConnectionState::Failed => "disconnected",
        }
    }

    /// The state after `event`; `online` tells the platform's
    /// ([`Host::online`](crate::host::Host::online)), asked only while
    /// reconnecting (not for each signal).
    pub fn after<T>(self, event: &Event<T>, online: impl FnOnce() -> bool) -> ConnectionState {
        use ConnectionState::*;
        let away = || if online() { Reconnecting } else { Offline };
        match event {
            // Each attempt of a reconnection stays "reconnecting".
            Event::Connecting if matches!(self, Reconnecting | Offline) => away(),
            Event::Connecting => Connecting,
            Event::Connected => Connected,
            Event::Reconnecting { .. } => away(),
            Event::Failed(_) => Failed,
            Event::Signal(_) | Event::Reconnected { .. } => self,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ConnectionState::*;
    use super::*;
    use crate::error::Error;

    #[test]
    fn the_loop_s_events_move_the_state() {
        let reconnecting = || Event::<()>::Reconnecting { attempt: 1, delay_ms: 10, error: Error::network("cut") };
        let mut s = Closed;
        let mut seen = Vec::new();
        for (event, online) in [
            (Event::Connecting, true),
            (Event::Connected, true),
            (Event::Signal(()), true),
            (reconnecting(), true),
            (Event::Connecting, true),
            (reconnecting(), false),
            (Event::Connecting, false),
            (Event::Connecting, true),
            (Event::Connected, true),
            (Event::Reconnected { attempt: 2, missed: 0 }, true),
            (Event::Failed(Error::network("gone")), true),
        ] {
            s = s.after(&event, || online);
            seen.push(s.name());
        }
        assert_eq!(
            seen,
            [
                "connecting",
                "connected",
                "connected",
                "reconnecting",
                "reconnecting",
                "offline",
                "offline",
                "reconnecting",
                "connected",
                "connected",
                "failed"
            ]
        );
    }

    #[test]
    fn signals_do_not_ask_the_platform() {
        let asked = std::cell::Cell::new(0);
        let online = || {
            asked.set(asked.get() + 1);
            true
        };
        assert_eq!(Connected.after(&Event::Signal(()), online), Connected);
        assert_eq!(asked.get(), 0);
    }

    #[test]
    fn the_official_status_of_each_state() {
        let all = [Connecting, Connected, Reconnecting, Offline, Closed, Failed];
        let status: Vec<_> = all.iter().map(|s| s.status()).collect();
        assert_eq!(status, ["connecting", "connected", "connecting", "connecting", "disconnected", "disconnected"]);
    }
}
