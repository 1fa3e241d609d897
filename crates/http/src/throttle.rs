//! Slowing down repeated failed authentications (issue 8).
//!
//! A client address that has sent `max_failures` unknown, revoked or malformed bearer tokens
//! within `window` gets 429 `too_many_requests`, with `Retry-After`, for every further failed
//! attempt until that window ends. The limiter is consulted only after a token failed: a valid
//! token is always accepted, even from a throttled address, so an address shared by many people
//! (a NAT, the reverse proxy in front of the service) never locks out those with a token. Tokens
//! carry 256 random bits, so this is not what keeps them from being guessed; it keeps scanners
//! and misconfigured clients from hammering the database and the log, and tells them to back off.
//!
//! The address is the TCP peer's (`HttpRequest::peer_addr`), never a forwarded-for header, which
//! any client can write. Memory is bounded: at most `max_clients` addresses are remembered; when
//! that many are, finished windows are forgotten first, then the oldest.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How failed authentications are throttled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthThrottleConfig {
    /// Failed attempts an address may make within `window` before further ones answer 429.
    pub max_failures: u32,
    /// How long failures are counted from an address's first one.
    pub window: Duration,
    /// Addresses remembered at most.
    pub max_clients: usize,
}

impl Default for AuthThrottleConfig {
    fn default() -> Self {
        AuthThrottleConfig {
            max_failures: 10,
            window: Duration::from_secs(60),
            max_clients: 10_000,
        }
    }
}

/// One address's failures in its current window.
#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    failures: u32,
}

/// The failures of every address, shared by all workers of a server.
#[derive(Default)]
pub struct FailureLog {
    clients: Mutex<HashMap<IpAddr, Window>>,
}

/// Only the count: the addresses are nobody's business in a `Debug` dump of the configuration.
impl std::fmt::Debug for FailureLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.clients.lock().map_or(0, |m| m.len());
        f.debug_struct("FailureLog").field("clients", &n).finish()
    }
}

impl FailureLog {
    /// Records a failed attempt from `ip` at `now`; returns how long the client must wait when
    /// it has failed too often (the attempt is then answered 429 instead of 401).
    pub fn fail(&self, cfg: &AuthThrottleConfig, ip: IpAddr, now: Instant) -> Option<Duration> {
        // a poisoned lock only means another request panicked while holding it; the counts are
        // still usable
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        let expired = |w: &Window| now.saturating_duration_since(w.started) >= cfg.window;
        if !clients.contains_key(&ip) && clients.len() >= cfg.max_clients.max(1) {
            clients.retain(|_, w| !expired(w));
            if clients.len() >= cfg.max_clients.max(1) {
                let oldest = clients
                    .iter()
                    .min_by_key(|(_, w)| w.started)
                    .map(|(ip, _)| *ip);
                if let Some(oldest) = oldest {
                    clients.remove(&oldest);
                }
            }
        }
        let w = clients.entry(ip).or_insert(Window {
            started: now,
            failures: 0,
        });
        if expired(w) {
            *w = Window {
                started: now,
                failures: 0,
            };
        }
        w.failures = w.failures.saturating_add(1);
        if w.failures <= cfg.max_failures {
            return None;
        }
        if w.failures == cfg.max_failures.saturating_add(1) {
            tracing::warn!(
                client = %ip,
                failures = w.failures,
                window_secs = cfg.window.as_secs(),
                "repeated authentication failures: further failed attempts answer 429 until the window ends"
            );
        }
        Some((w.started + cfg.window).saturating_duration_since(now))
    }

    /// Addresses remembered now.
    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.clients.lock().map_or(0, |m| m.len())
    }
}

/// Whole seconds to announce in `Retry-After`, rounded up and at least 1: "0" would invite an
/// immediate retry that is still refused.
pub fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(max_failures: u32, window_secs: u64, max_clients: usize) -> AuthThrottleConfig {
        AuthThrottleConfig {
            max_failures,
            window: Duration::from_secs(window_secs),
            max_clients,
        }
    }

    fn ip(n: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, n])
    }

    #[test]
    fn the_failure_after_the_limit_waits_for_the_window_to_end() {
        let (log, c, t0) = (FailureLog::default(), cfg(3, 60, 100), Instant::now());
        for n in 0..3 {
            assert_eq!(log.fail(&c, ip(1), t0 + Duration::from_secs(n)), None);
        }
        let wait = log.fail(&c, ip(1), t0 + Duration::from_secs(10));
        assert_eq!(wait, Some(Duration::from_secs(50)));
        // another address is not affected
        assert_eq!(log.fail(&c, ip(2), t0 + Duration::from_secs(10)), None);
        // the window ends: counting starts again
        assert_eq!(log.fail(&c, ip(1), t0 + Duration::from_secs(60)), None);
    }

    #[test]
    fn memory_is_bounded_by_forgetting_finished_then_oldest_windows() {
        let (log, c, t0) = (FailureLog::default(), cfg(1, 60, 3), Instant::now());
        for n in 0..3 {
            log.fail(&c, ip(n), t0 + Duration::from_secs(u64::from(n)));
        }
        assert_eq!(log.tracked(), 3);
        // full, nothing finished: the oldest (ip 0) goes
        log.fail(&c, ip(9), t0 + Duration::from_secs(5));
        assert_eq!(log.tracked(), 3);
        assert_eq!(log.fail(&c, ip(0), t0 + Duration::from_secs(6)), None);
        // much later every window has finished: all are forgotten at once
        log.fail(&c, ip(42), t0 + Duration::from_secs(600));
        assert_eq!(log.tracked(), 1);
    }

    #[test]
    fn retry_after_is_whole_seconds_rounded_up() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(2500)), 3);
        assert_eq!(retry_after_secs(Duration::from_secs(60)), 60);
    }
}
