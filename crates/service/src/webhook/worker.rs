//! The delivery worker: one thread per server that sends due deliveries and records every
//! attempt.
//!
//! The queue is the `webhook_deliveries` table, so nothing is lost to a restart: a delivery
//! waiting for its next attempt stays pending, and one a killed worker held is taken again when
//! its lease runs out. Several servers on one database share the queue safely (see
//! [`Store::claim_due`]); an event reaches a receiver once, or — only when a worker dies between
//! the POST and recording it — again with the same `X-Kaoping-Delivery` id.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::Utc;

use super::{sign, Backoff, WebhookError};
use kaoping_store::{micros, AttemptOutcome, ClaimedDelivery, NewAttempt, Store};

/// `User-Agent` of every webhook request.
pub const USER_AGENT: &str = concat!("kaoping-webhook/", env!("CARGO_PKG_VERSION"));
/// The event's name, e.g. `round.published`.
pub const EVENT_HEADER: &str = "X-Kaoping-Event";
/// The delivery's id: the same on every attempt, for receivers to drop repeats.
pub const DELIVERY_HEADER: &str = "X-Kaoping-Delivery";
/// `sha256=<hex HMAC-SHA256 of the body>`, see [`super::sign`].
pub const SIGNATURE_HEADER: &str = "X-Kaoping-Signature-256";

/// Deliveries claimed at once: few, so a stopping worker holds little and others share the load.
const BATCH: usize = 16;

/// How the worker polls, retries and times out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookConfig {
    /// How often to look for due deliveries when not woken (default 1 s).
    pub poll_interval: Duration,
    /// Wait after the first failed attempt, doubled after each further one (default 2 s).
    pub base_backoff: Duration,
    /// Longest wait between attempts (default 1 h).
    pub max_backoff: Duration,
    /// Attempts before a delivery is failed (default 10).
    pub max_attempts: u32,
    /// Time allowed for one POST, connecting included (default 10 s).
    pub timeout: Duration,
    /// How long a claim holds a delivery against other workers (default 60 s). It must outlast a
    /// POST, so it is never taken as less than twice the timeout.
    pub lease: Duration,
    /// False for an instance that leaves sending to the others (deliveries stay queued for
    /// them), and for in-process test servers that are never stopped (default true).
    pub enabled: bool,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            poll_interval: Duration::from_secs(1),
            base_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(3600),
            max_attempts: 10,
            timeout: Duration::from_secs(10),
            lease: Duration::from_secs(60),
            enabled: true,
        }
    }
}

impl WebhookConfig {
    pub fn backoff(&self) -> Backoff {
        Backoff::new(self.base_backoff, self.max_backoff, self.max_attempts)
    }

    /// The lease as used: long enough that a claim cannot run out during its POST, which is
    /// what keeps two workers from sending one delivery at once.
    pub fn effective_lease(&self) -> Duration {
        self.lease.max(self.timeout.saturating_mul(2))
    }
}

#[derive(Debug, Default)]
struct Flags {
    wake: bool,
    stop: bool,
}

/// What the worker waits on: a wake-up (something was queued) or the order to stop.
#[derive(Debug, Default)]
struct Signal {
    flags: Mutex<Flags>,
    cv: Condvar,
}

impl Signal {
    fn set(&self, f: impl FnOnce(&mut Flags)) {
        // the flags are two booleans, valid whatever a panicking holder left
        let mut flags = self.flags.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut flags);
        self.cv.notify_all();
    }

    fn stopped(&self) -> bool {
        self.flags
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .stop
    }

    /// Waits up to `timeout` for a wake-up or stop and consumes the wake-up; false when the
    /// worker is to stop. A wake-up sent while the worker was busy is not lost: it is a flag.
    fn wait(&self, timeout: Duration) -> bool {
        let flags = self.flags.lock().unwrap_or_else(PoisonError::into_inner);
        let (mut flags, _) = self
            .cv
            .wait_timeout_while(flags, timeout, |f| !f.wake && !f.stop)
            .unwrap_or_else(PoisonError::into_inner);
        flags.wake = false;
        !flags.stop
    }
}

/// Wakes the worker when something was queued, so a publication is sent at once rather than at
/// the next poll. The [`crate::Service`] holds it; when the last clone of the service
/// is dropped (the HTTP server stopped), the worker is told to stop too, so it never outlives
/// the server it belongs to even when nobody calls [`WebhookWorker::stop`].
#[derive(Debug, Default)]
pub struct WebhookNotifier {
    signal: Arc<Signal>,
}

impl WebhookNotifier {
    pub fn new() -> Self {
        Self::default()
    }

    /// Wakes the worker now; a no-op without one.
    pub fn notify(&self) {
        self.signal.set(|f| f.wake = true);
    }
}

impl Drop for WebhookNotifier {
    fn drop(&mut self) {
        self.signal.set(|f| f.stop = true);
    }
}

/// The running worker. [`WebhookWorker::stop`] ends it cleanly; dropping the handle leaves it
/// running until its notifier is dropped.
#[derive(Debug)]
pub struct WebhookWorker {
    signal: Arc<Signal>,
    thread: Option<JoinHandle<()>>,
}

impl WebhookWorker {
    /// Starts the worker thread on `store`, woken by `notifier`. Fails when the thread or its
    /// HTTP client cannot be made, so a server does not start without its webhooks.
    pub fn spawn(
        store: Store,
        config: WebhookConfig,
        notifier: &WebhookNotifier,
    ) -> Result<WebhookWorker, WebhookError> {
        let signal = notifier.signal.clone();
        if !config.enabled {
            return Ok(WebhookWorker {
                signal,
                thread: None,
            });
        }
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread_signal = signal.clone();
        // the blocking client is made and dropped on the worker's own thread: reqwest refuses
        // both inside an async runtime, which is where a server starts
        let thread = std::thread::Builder::new()
            .name("kaoping-webhooks".into())
            .spawn(move || {
                let client = match client(&config) {
                    Ok(c) => {
                        let _ = ready_tx.send(Ok(()));
                        c
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                Worker {
                    store,
                    backoff: config.backoff(),
                    config,
                    client,
                    signal: thread_signal,
                }
                .run();
            })
            .map_err(WebhookError::Spawn)?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(WebhookWorker {
                signal,
                thread: Some(thread),
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(WebhookError::Client(e))
            }
            Err(_) => {
                let _ = thread.join();
                Err(WebhookError::Died)
            }
        }
    }

    /// Wakes the worker now.
    pub fn notify(&self) {
        self.signal.set(|f| f.wake = true);
    }

    /// Stops the worker: a POST under way finishes and is recorded, deliveries claimed but not
    /// yet sent are given back for the next start, and the thread is joined.
    pub fn stop(mut self) {
        self.signal.set(|f| f.stop = true);
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                tracing::error!("the webhook worker panicked");
            }
        }
    }
}

fn client(config: &WebhookConfig) -> Result<reqwest::blocking::Client, reqwest::Error> {
    reqwest::blocking::Client::builder()
        .user_agent(USER_AGENT)
        .timeout(config.timeout)
        .connect_timeout(config.timeout)
        // a redirect is a failure: following it would send the signed event somewhere the
        // admin did not register
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

struct Worker {
    store: Store,
    config: WebhookConfig,
    backoff: Backoff,
    client: reqwest::blocking::Client,
    signal: Arc<Signal>,
}

impl Worker {
    fn run(&self) {
        tracing::debug!("webhook worker started");
        while !self.signal.stopped() {
            self.drain();
            if !self.signal.wait(self.config.poll_interval) {
                break;
            }
        }
        tracing::debug!("webhook worker stopped");
    }

    /// Sends what is due, a batch at a time, until a batch comes back short.
    fn drain(&self) {
        let lease = i64::try_from(self.config.effective_lease().as_micros()).unwrap_or(i64::MAX);
        loop {
            let claimed = match self
                .store
                .claim_due(micros(Utc::now()), lease, BATCH as i64)
            {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %kaoping_domain::error_chain(&e), "cannot claim webhook deliveries");
                    return;
                }
            };
            let full = claimed.len() == BATCH;
            let mut queue = claimed.into_iter();
            while let Some(d) = queue.next() {
                if self.signal.stopped() {
                    for unsent in std::iter::once(d).chain(queue) {
                        if let Err(e) = self.store.release_claim(&unsent) {
                            // its lease runs out and another start sends it
                            tracing::warn!(delivery = unsent.id, error = %kaoping_domain::error_chain(&e), "cannot release a webhook delivery");
                        }
                    }
                    return;
                }
                self.deliver(&d);
            }
            if !full {
                return;
            }
        }
    }

    /// One POST of one delivery, and its record.
    fn deliver(&self, d: &ClaimedDelivery) {
        let at = micros(Utc::now());
        let started = Instant::now();
        let sent = self
            .client
            .post(&d.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(EVENT_HEADER, &d.event)
            .header(DELIVERY_HEADER, d.id.to_string())
            .header(SIGNATURE_HEADER, sign(&d.secret, d.payload.as_bytes()))
            .body(d.payload.clone())
            .send();
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let (status_code, error) = match sent {
            Ok(r) if r.status().is_success() => (Some(r.status()), None),
            Ok(r) => (
                Some(r.status()),
                Some(format!("the receiver answered {}", r.status())),
            ),
            Err(e) => (e.status(), Some(redact(&describe(e), &d.secret))),
        };
        let attempt = u32::try_from(d.attempts).unwrap_or(0).saturating_add(1);
        let outcome = if error.is_none() {
            AttemptOutcome::Delivered
        } else if self.backoff.exhausted(attempt) {
            AttemptOutcome::GiveUp
        } else {
            let delay = i64::try_from(self.backoff.delay(attempt).as_micros()).unwrap_or(i64::MAX);
            AttemptOutcome::Retry {
                next_attempt_at: micros(Utc::now()).saturating_add(delay),
            }
        };
        let record = NewAttempt {
            at,
            status_code: status_code.map(|s| i32::from(s.as_u16())),
            error,
            duration_ms,
        };
        let status = record.status_code;
        match self.store.record_attempt(d, &record, outcome) {
            Ok(true) => match outcome {
                AttemptOutcome::Delivered => tracing::info!(
                    webhook = d.webhook_id,
                    delivery = d.id,
                    attempt,
                    status,
                    duration_ms,
                    "webhook delivered"
                ),
                AttemptOutcome::Retry { .. } => tracing::warn!(
                    webhook = d.webhook_id,
                    delivery = d.id,
                    attempt,
                    status,
                    error = record.error.as_deref().unwrap_or(""),
                    "webhook attempt failed; will retry"
                ),
                AttemptOutcome::GiveUp => tracing::error!(
                    webhook = d.webhook_id,
                    delivery = d.id,
                    attempt,
                    status,
                    error = record.error.as_deref().unwrap_or(""),
                    "webhook delivery failed for good"
                ),
            },
            Ok(false) => tracing::warn!(
                webhook = d.webhook_id,
                delivery = d.id,
                "webhook lease ran out during the attempt; another worker has the delivery"
            ),
            // the lease runs out and the delivery is sent again: at least once, never lost
            Err(e) => tracing::error!(
                webhook = d.webhook_id, delivery = d.id, error = %kaoping_domain::error_chain(&e),
                "cannot record a webhook attempt"
            ),
        }
    }
}

/// A transport error in words, without the URL (it may carry credentials or a token).
fn describe(e: reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else if e.is_builder() {
        "cannot build the request"
    } else {
        "request failed"
    };
    let e = e.without_url();
    let mut out = format!("{what}: {e}");
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// The text with the secret blanked out, wherever an error might have echoed it.
fn redact(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        text.to_string()
    } else {
        text.replace(secret, "<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_ones() {
        let c = WebhookConfig::default();
        assert_eq!(c.poll_interval, Duration::from_secs(1));
        assert_eq!(c.base_backoff, Duration::from_secs(2));
        assert_eq!(c.max_backoff, Duration::from_secs(3600));
        assert_eq!(c.max_attempts, 10);
        assert_eq!(c.timeout, Duration::from_secs(10));
        assert_eq!(c.lease, Duration::from_secs(60));
        assert_eq!(c.effective_lease(), Duration::from_secs(60));
        let slow = WebhookConfig {
            timeout: Duration::from_secs(45),
            ..WebhookConfig::default()
        };
        assert_eq!(slow.effective_lease(), Duration::from_secs(90));
        assert_eq!(c.backoff().delay(3), Duration::from_secs(8));
        assert!(USER_AGENT.starts_with("kaoping-webhook/"));
    }

    #[test]
    fn a_wake_up_is_kept_until_the_worker_waits() {
        let n = WebhookNotifier::new();
        n.notify();
        // already woken: returns at once, and consumes the wake-up
        let t = Instant::now();
        assert!(n.signal.wait(Duration::from_secs(5)));
        assert!(t.elapsed() < Duration::from_secs(1));
        let t = Instant::now();
        assert!(n.signal.wait(Duration::from_millis(30)));
        assert!(t.elapsed() >= Duration::from_millis(30));
    }

    #[test]
    fn dropping_the_notifier_stops_the_worker() {
        let n = WebhookNotifier::new();
        let signal = n.signal.clone();
        assert!(!signal.stopped());
        drop(n);
        assert!(signal.stopped());
        assert!(!signal.wait(Duration::from_secs(5)));
    }

    #[test]
    fn redact_blanks_the_secret() {
        let s = "0123456789abcdef-secret";
        assert_eq!(
            redact(&format!("bad header {s}!"), s),
            "bad header <redacted>!"
        );
        assert_eq!(redact("nothing here", ""), "nothing here");
    }
}
