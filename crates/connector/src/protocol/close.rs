//! WebSocket close codes: the standard ones the server uses and its own, from 4000 up.
//!
//! `docs/protocol.md` has the same table for people; [`CloseReason::ALL`] keeps this
//! list and that table comparable in tests.

/// Why the server closes a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// 1000: the client closed, or the server answered the client's close.
    Normal,
    /// 1001: the server is shutting down.
    GoingAway,
    /// 4001: the secret was missing or wrong.
    Unauthorized,
    /// 4002: no valid auth arrived in time.
    AuthTimeout,
    /// 4003: the session reached `max_messages`.
    SessionLimitReached,
    /// 4004: the session was idle past `session_timeout`.
    SessionExpired,
    /// 4005: a frame or message was larger than `max_message_size`.
    MessageTooLarge,
    /// 4006: the client did not read its events fast enough.
    SlowConsumer,
    /// 4007: the peer answered no ping within `ping_timeout`.
    PingTimeout,
    /// 4008: the server failed (its store, usually).
    Internal,
}

impl CloseReason {
    pub const ALL: [CloseReason; 10] = [
        CloseReason::Normal,
        CloseReason::GoingAway,
        CloseReason::Unauthorized,
        CloseReason::AuthTimeout,
        CloseReason::SessionLimitReached,
        CloseReason::SessionExpired,
        CloseReason::MessageTooLarge,
        CloseReason::SlowConsumer,
        CloseReason::PingTimeout,
        CloseReason::Internal,
    ];

    pub fn code(self) -> u16 {
        match self {
            CloseReason::Normal => 1000,
            CloseReason::GoingAway => 1001,
            CloseReason::Unauthorized => 4001,
            CloseReason::AuthTimeout => 4002,
            CloseReason::SessionLimitReached => 4003,
            CloseReason::SessionExpired => 4004,
            CloseReason::MessageTooLarge => 4005,
            CloseReason::SlowConsumer => 4006,
            CloseReason::PingTimeout => 4007,
            CloseReason::Internal => 4008,
        }
    }

    /// The close frame's reason text (short: it must fit in 123 bytes).
    pub fn text(self) -> &'static str {
        match self {
            CloseReason::Normal => "normal closure",
            CloseReason::GoingAway => "going away",
            CloseReason::Unauthorized => "unauthorized",
            CloseReason::AuthTimeout => "auth timeout",
            CloseReason::SessionLimitReached => "session limit reached",
            CloseReason::SessionExpired => "session expired",
            CloseReason::MessageTooLarge => "message too large",
            CloseReason::SlowConsumer => "slow consumer",
            CloseReason::PingTimeout => "ping timeout",
            CloseReason::Internal => "internal error",
        }
    }

    /// Whether a client should reconnect (and resume its session where it can).
    pub fn reconnect(self) -> bool {
        !matches!(self, CloseReason::Normal | CloseReason::Unauthorized)
    }
}

#[cfg(test)]
mod tests {
    use super::CloseReason;

    /// Every close code is a row of the table in `docs/protocol.md`, with the same
    /// reason text and the same advice on reconnecting.
    #[test]
    fn the_documented_table_matches() {
        let doc = include_str!("../../../../docs/protocol.md");
        for reason in CloseReason::ALL {
            let prefix = format!("| {} | `{}` |", reason.code(), reason.text());
            let row = doc
                .lines()
                .find(|line| line.starts_with(&prefix))
                .unwrap_or_else(|| panic!("docs/protocol.md has no row starting `{prefix}`"));
            let advice = row
                .trim_end_matches('|')
                .rsplit('|')
                .next()
                .unwrap_or("")
                .trim();
            assert_eq!(advice.starts_with("yes"), reason.reconnect(), "{row}");
        }
    }
}
