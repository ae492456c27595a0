//! Limits on how fast clients may call the API.

use std::time::Instant;

/// A token bucket: `capacity` requests at once, refilled at `rate` tokens a second.
pub struct RateLimiter {
    capacity: f64,
    rate: f64,
    tokens: f64,
    last: Instant,
}

impl RateLimiter {
    pub fn new(capacity: f64, rate: f64) -> Self {
        RateLimiter { capacity, rate, tokens: capacity, last: Instant::now() }
    }

    /// Take one token if there is one; false means the caller must slow down.
    pub fn try_acquire(&mut self) -> bool {
        let now = Instant::now();
        let elapsed = now.duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.capacity);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// CRC-32 (IEEE) of `data`, bit by bit: enough for the small job payloads it guards.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in data {
        crc ^= *byte as u32;
        for _ in 0..8 {
            let mask = (!(crc & 1)).wrapping_add(1);
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}
