//! Reconnect policy: exponential backoff with full jitter, capped; some
//! errors are final.

use crate::error::{ApiErrorType, Error, ErrorKind};

/// Exponential backoff with full jitter: the n-th retry waits a uniformly
/// random time in `[0, min(cap, base * 2^n)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Backoff {
    /// The first retry's upper bound, in milliseconds.
    pub base_ms: u32,
    /// The longest wait, in milliseconds.
    pub cap_ms: u32,
    attempt: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new(500, 30_000)
    }
}

impl Backoff {
    /// A backoff starting at `base_ms` and capped at `cap_ms` (at least `base_ms`).
    pub fn new(base_ms: u32, cap_ms: u32) -> Self {
        Backoff { base_ms, cap_ms: cap_ms.max(base_ms), attempt: 0 }
    }

    /// Retries since the last [`reset`](Self::reset).
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The upper bound of the next delay.
    pub fn ceiling(&self) -> u32 {
        let exp = 1u64 << self.attempt.min(31);
        (u64::from(self.base_ms) * exp).min(u64::from(self.cap_ms)) as u32
    }

    /// The next delay in ms; `random` is uniform in `[0, 1)` (values outside
    /// are clamped, NaN counts as 0).
    pub fn next_delay(&mut self, random: f64) -> u32 {
        let r = if random.is_nan() { 0.0 } else { random.clamp(0.0, 1.0) };
        let delay = (f64::from(self.ceiling()) * r) as u32;
        self.attempt = self.attempt.saturating_add(1);
        delay
    }

    /// A connection proved healthy: start over.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

/// Whether retrying cannot help: the key is refused (401), the user is not a
/// participant or was removed (403), the conversation or user is gone (404),
/// or the client is misconfigured.
pub fn is_final(err: &Error) -> bool {
    match err.kind {
        ErrorKind::Config | ErrorKind::Aborted => true,
        ErrorKind::Api(t) => {
            matches!(t, ApiErrorType::Unauthorized | ApiErrorType::Forbidden | ApiErrorType::ResourceNotFound)
                || matches!(err.code, 401 | 403 | 404)
        }
        ErrorKind::Http => matches!(err.code, 401 | 403 | 404),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_exponentially_and_caps() {
        let mut b = Backoff::new(100, 1000);
        let ceilings: Vec<u32> = (0..6)
            .map(|_| {
                let c = b.ceiling();
                let d = b.next_delay(0.999);
                assert!(d <= c && d >= c * 99 / 100, "{d} vs {c}");
                c
            })
            .collect();
        assert_eq!(ceilings, vec![100, 200, 400, 800, 1000, 1000]);
        assert_eq!(b.attempt(), 6);
        b.reset();
        assert_eq!(b.ceiling(), 100);
    }

    #[test]
    fn full_jitter_bounds() {
        let mut b = Backoff::new(500, 30_000);
        for i in 0..100 {
            let c = b.ceiling();
            let d = b.next_delay((i as f64 * 0.37) % 1.0);
            assert!(d <= c);
        }
        assert_eq!(b.ceiling(), 30_000);
        assert_eq!(Backoff::new(10, 20).next_delay(f64::NAN), 0);
        assert_eq!(Backoff::new(10, 20).next_delay(7.0), 10);
    }

    #[test]
    fn final_errors() {
        assert!(is_final(&Error::api(ApiErrorType::Unauthorized, "x")));
        assert!(is_final(&Error::api(ApiErrorType::Forbidden, "x")));
        assert!(is_final(&Error::api(ApiErrorType::ResourceNotFound, "x")));
        assert!(is_final(&Error::config("x")));
        assert!(!is_final(&Error::network("x")));
        assert!(!is_final(&Error::timeout("x")));
        assert!(!is_final(&Error::api(ApiErrorType::Internal, "x")));
        assert!(!is_final(&Error::api(ApiErrorType::RateLimited, "x")));
    }
}
