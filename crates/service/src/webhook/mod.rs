//! Webhooks: dashboards register a URL and a secret and are told of every publication.
//!
//! This module is the pure part: how a body is signed and a signature checked, how long to wait
//! before the next attempt, what a valid URL and secret are. The [`worker`] sends the deliveries
//! the publishing transaction queued.
//!
//! # For receivers
//!
//! Every request is a `POST` with the event as its JSON body and these headers:
//!
//! * `X-Kaoping-Event`: the event's name, e.g. `round.published`;
//! * `X-Kaoping-Delivery`: the delivery's id. A delivery may arrive more than once (a worker that
//!   died after the POST but before recording it), so receivers should ignore ids they have seen;
//! * `X-Kaoping-Signature-256`: `sha256=` and the lower-case hex HMAC-SHA256 of the exact body
//!   bytes, keyed with the secret given when the webhook was registered.
//!
//! Check the signature over the raw body, before parsing it, and in constant time:
//!
//! ```
//! use kaoping_service::webhook::{sign, verify};
//!
//! let secret = "a-secret-of-at-least-16-chars";
//! let body = br#"{"event":"round.published","round_id":1,"version":1}"#;
//! let header = sign(secret, body); // what kaoping sends
//! assert!(verify(secret, body, &header));
//! assert!(!verify(secret, b"{}", &header));
//! ```
//!
//! Answer any 2xx once the event is stored; anything else (or no answer within the timeout) is
//! retried with exponential backoff until the attempts run out.

pub mod worker;

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub use worker::{WebhookConfig, WebhookNotifier, WebhookWorker};

/// The signature header's scheme prefix.
pub const SIGNATURE_PREFIX: &str = "sha256=";
/// Longest webhook URL accepted.
pub const MAX_URL_CHARS: usize = 2000;
/// Shortest secret accepted: shorter ones are guessable.
pub const MIN_SECRET_CHARS: usize = 16;
/// Longest secret accepted.
pub const MAX_SECRET_CHARS: usize = 256;

type HmacSha256 = Hmac<Sha256>;

/// SHA-256 processes 64-byte blocks; HMAC's key is one block.
const BLOCK: usize = 64;

/// The HMAC keyed with `secret`. RFC 2104 §2 takes keys of any length: a longer key is hashed
/// first, a shorter one padded with zeros to the block. Doing that here gives a fixed-size key,
/// so no "invalid length" error (which HMAC never raises) has to be handled.
fn mac(secret: &[u8]) -> HmacSha256 {
    let mut key = [0u8; BLOCK];
    if secret.len() > BLOCK {
        key[..32].copy_from_slice(&Sha256::digest(secret));
    } else {
        key[..secret.len()].copy_from_slice(secret);
    }
    <HmacSha256 as hmac::digest::KeyInit>::new(&key.into())
}

fn hmac_sha256(secret: &[u8], body: &[u8]) -> [u8; 32] {
    let mut m = mac(secret);
    m.update(body);
    m.finalize().into_bytes().into()
}

/// The `X-Kaoping-Signature-256` value for `body`: `sha256=<lower-case hex HMAC-SHA256>`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let digest = hmac_sha256(secret.as_bytes(), body);
    let mut out = String::with_capacity(SIGNATURE_PREFIX.len() + 64);
    out.push_str(SIGNATURE_PREFIX);
    out.push_str(&crate::hex(&digest));
    out
}

/// Whether `header` is the signature of `body` under `secret`. The comparison takes the same
/// time wherever the first wrong byte is, so a receiver using it leaks nothing about the right
/// signature. Upper- or lower-case hex is accepted; anything else malformed is false.
pub fn verify(secret: &str, body: &[u8], header: &str) -> bool {
    let Some(given) = header
        .trim()
        .strip_prefix(SIGNATURE_PREFIX)
        .and_then(decode_hex32)
    else {
        return false;
    };
    let expected = hmac_sha256(secret.as_bytes(), body);
    bool::from(expected.ct_eq(&given))
}

/// 64 hex digits as 32 bytes.
fn decode_hex32(s: &str) -> Option<[u8; 32]> {
    let digits = s.as_bytes();
    if digits.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        *byte = u8::try_from(hi * 16 + lo).ok()?;
    }
    Some(out)
}

/// When to try again: `base · factor^(n-1)` after the n-th failed attempt, never more than
/// `cap`, and no attempt after the `max_attempts`-th. Receivers that are down for a while are
/// not hammered, and one that is back is reached within `cap`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub factor: u32,
    pub cap: Duration,
    pub max_attempts: u32,
}

impl Backoff {
    /// Doubling from `base` up to `cap`.
    pub fn new(base: Duration, cap: Duration, max_attempts: u32) -> Self {
        Backoff {
            base,
            factor: 2,
            cap,
            max_attempts,
        }
    }

    /// The wait after failed attempt `attempt` (1 for the first); saturates rather than
    /// overflowing.
    pub fn delay(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1);
        let multiplier = self.factor.checked_pow(exponent).unwrap_or(u32::MAX);
        self.base
            .checked_mul(multiplier)
            .unwrap_or(Duration::MAX)
            .min(self.cap)
    }

    /// After failed attempt `attempt`, the delivery is given up.
    pub fn exhausted(&self, attempt: u32) -> bool {
        attempt >= self.max_attempts
    }
}

/// What goes wrong with webhooks: input refused, or the worker unable to start.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The URL is refused; the message says why.
    #[error("{0}")]
    Url(String),
    /// The secret is refused; the message says why and never repeats it.
    #[error("{0}")]
    Secret(String),
    #[error("cannot start the webhook worker thread")]
    Spawn(#[source] std::io::Error),
    #[error("cannot build the webhook HTTP client")]
    Client(#[source] reqwest::Error),
    #[error("the webhook worker thread ended while starting")]
    Died,
}

impl WebhookError {
    /// The input field at fault, for the error envelope's `details.field`.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            WebhookError::Url(_) => Some("url"),
            WebhookError::Secret(_) => Some("secret"),
            _ => None,
        }
    }
}

/// An absolute `http://` or `https://` URL with a host, at most [`MAX_URL_CHARS`] characters.
pub fn validate_url(url: &str) -> Result<(), WebhookError> {
    if url.chars().count() > MAX_URL_CHARS {
        return Err(WebhookError::Url(format!(
            "the URL is longer than {MAX_URL_CHARS} characters"
        )));
    }
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| WebhookError::Url(format!("not an absolute URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(WebhookError::Url(format!(
            "the URL must be http:// or https://, not {}://",
            parsed.scheme()
        )));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(WebhookError::Url("the URL has no host".into()));
    }
    Ok(())
}

/// A secret of [`MIN_SECRET_CHARS`] to [`MAX_SECRET_CHARS`] characters. The message never
/// repeats the secret.
pub fn validate_secret(secret: &str) -> Result<(), WebhookError> {
    let n = secret.chars().count();
    if !(MIN_SECRET_CHARS..=MAX_SECRET_CHARS).contains(&n) {
        return Err(WebhookError::Secret(format!(
            "the secret must be {MIN_SECRET_CHARS} to {MAX_SECRET_CHARS} characters, got {n}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn hmac_hex(key: &[u8], data: &[u8]) -> String {
        crate::hex(&hmac_sha256(key, data))
    }

    #[test]
    fn rfc4231_test_vectors() {
        // Test Case 1: a 20-byte key
        assert_eq!(
            hmac_hex(&[0x0b; 20], b"Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        // Test Case 2: a key shorter than the output
        assert_eq!(
            hmac_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test Case 6: a 131-byte key, longer than the block, is hashed first
        assert_eq!(
            hmac_hex(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            ),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
        // Test Case 7: long key and long data
        let data = unhex(concat!(
            "5468697320697320612074657374207573696e672061206c6172676572207468",
            "616e20626c6f636b2d73697a65206b657920616e642061206c61726765722074",
            "68616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565",
            "647320746f20626520686173686564206265666f7265206265696e6720757365",
            "642062792074686520484d414320616c676f726974686d2e"
        ));
        assert_eq!(
            hmac_hex(&[0xaa; 131], &data),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
        );
    }

    #[test]
    fn block_sized_key_matches_the_hmac_crate() {
        // exactly one block: used as it is, neither hashed nor padded
        let key = [0x5c; 64];
        let mut reference = HmacSha256::new_from_slice(&key).unwrap();
        reference.update(b"body");
        let expected: [u8; 32] = reference.finalize().into_bytes().into();
        assert_eq!(hmac_sha256(&key, b"body"), expected);
    }

    #[test]
    fn sign_gives_the_prefixed_lower_case_hex() {
        let s = sign("Jefe", b"what do ya want for nothing?");
        assert_eq!(
            s,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn verify_accepts_only_the_right_signature() {
        let secret = "0123456789abcdef-secret";
        let body = br#"{"event":"round.published"}"#;
        let good = sign(secret, body);
        assert!(verify(secret, body, &good));
        assert!(verify(
            secret,
            body,
            &good.to_uppercase().replace("SHA256=", "sha256=")
        ));
        assert!(verify(secret, body, &format!(" {good} ")));
        // another body, another secret, a flipped digit, a wrong length, no prefix, not hex
        assert!(!verify(secret, br#"{"event":"round.published" }"#, &good));
        assert!(!verify("another-secret-0123", body, &good));
        let mut flipped = good.clone().into_bytes();
        let last = flipped.len() - 1;
        flipped[last] = if flipped[last] == b'0' { b'1' } else { b'0' };
        assert!(!verify(secret, body, &String::from_utf8(flipped).unwrap()));
        assert!(!verify(secret, body, &good[..good.len() - 2]));
        assert!(!verify(secret, body, good.trim_start_matches("sha256=")));
        assert!(!verify(
            secret,
            body,
            &format!("sha256={}", "zz".repeat(32))
        ));
        assert!(!verify(secret, body, "sha256=é"));
        assert!(!verify(secret, body, ""));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_and_stops() {
        let b = Backoff::new(Duration::from_secs(2), Duration::from_secs(3600), 10);
        let delays: Vec<u64> = (1..=12).map(|n| b.delay(n).as_secs()).collect();
        assert_eq!(
            delays,
            [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 3600]
        );
        assert_eq!(b.delay(0), Duration::from_secs(2));
        assert_eq!(b.delay(u32::MAX), Duration::from_secs(3600));
        assert!(!b.exhausted(9));
        assert!(b.exhausted(10));
        assert!(b.exhausted(11));
        let huge = Backoff::new(Duration::MAX, Duration::MAX, 3);
        assert_eq!(huge.delay(40), Duration::MAX);
    }

    #[test]
    fn urls() {
        for ok in [
            "http://127.0.0.1:8081/hook",
            "https://dashboard.example.gov.cn/api/kaoping?x=1",
            "http://[::1]:9000/",
        ] {
            assert!(validate_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "dashboard.example.com/hook",
            "/hook",
            "ftp://example.com/hook",
            "file:///etc/passwd",
            "mailto:a@example.com",
            "http://",
            "http://:80/hook",
        ] {
            let e = validate_url(bad).expect_err(bad);
            assert_eq!(e.field(), Some("url"));
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_CHARS));
        assert!(validate_url(&long).is_err());
        let edge = format!("https://e.cn/{}", "a".repeat(MAX_URL_CHARS - 13));
        assert_eq!(edge.chars().count(), MAX_URL_CHARS);
        assert!(validate_url(&edge).is_ok());
    }

    #[test]
    fn secrets() {
        assert!(validate_secret(&"s".repeat(16)).is_ok());
        assert!(validate_secret(&"密".repeat(256)).is_ok());
        for bad in ["", "short", &"s".repeat(15), &"s".repeat(257)] {
            let e = validate_secret(bad).expect_err("refused");
            assert_eq!(e.field(), Some("secret"));
            assert!(bad.is_empty() || !e.to_string().contains(bad));
        }
    }
}
