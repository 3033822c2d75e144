//! How long to wait between reconnect attempts: exponential backoff with jitter,
//! bounded in attempts, so a fleet of clients does not reconnect in lockstep.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How the socket reconnects after the connection drops.
#[derive(Debug, Clone, PartialEq)]
pub struct ReconnectOptions {
    /// Attempts after a drop before giving up; `0` turns reconnecting off.
    pub max_attempts: u32,
    /// The delay before the first attempt.
    pub initial_delay: Duration,
    /// No delay is longer than this.
    pub max_delay: Duration,
    /// Each delay is the previous one times this.
    pub multiplier: f64,
    /// The share of each delay that is random, from `0.0` (none) to `1.0` (all).
    pub jitter: f64,
    /// How long one connection attempt (handshake included) may take.
    pub connect_timeout: Duration,
}

impl Default for ReconnectOptions {
    fn default() -> ReconnectOptions {
        ReconnectOptions {
            max_attempts: 10,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            multiplier: 2.0,
            jitter: 0.2,
            connect_timeout: Duration::from_secs(10),
        }
    }
}

impl ReconnectOptions {
    /// Never reconnect: the first drop ends the socket.
    pub fn disabled() -> ReconnectOptions {
        ReconnectOptions {
            max_attempts: 0,
            ..ReconnectOptions::default()
        }
    }

    /// The delay before attempt `attempt` (1-based), with `random` in `[0, 1)` choosing
    /// where in the jitter band it falls.
    pub fn delay(&self, attempt: u32, random: f64) -> Duration {
        let exponent = attempt.saturating_sub(1).min(64) as i32;
        let base = self.initial_delay.as_secs_f64() * self.multiplier.max(1.0).powi(exponent);
        let base = base.min(self.max_delay.as_secs_f64());
        let jitter = self.jitter.clamp(0.0, 1.0);
        let seconds = base * (1.0 - jitter * random.clamp(0.0, 1.0));
        Duration::from_secs_f64(seconds.max(0.0))
    }
}

/// A small xorshift generator for jitter: good enough to spread clients apart, and it
/// needs no extra dependency.
#[derive(Debug)]
pub struct Jitter(u64);

impl Jitter {
    pub fn new() -> Jitter {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let address = &nanos as *const u64 as u64;
        Jitter((nanos ^ address.rotate_left(32)) | 1)
    }

    /// A number in `[0, 1)`.
    pub fn sample(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

impl Default for Jitter {
    fn default() -> Jitter {
        Jitter::new()
    }
}
