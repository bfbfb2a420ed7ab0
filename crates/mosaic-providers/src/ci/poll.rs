//! Bounded polling on tokio's clock.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How an adapter waits for something the CI system creates
/// asynchronously: ask every `interval_ms`, give up after `timeout_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PollSettings {
    /// Pause between two looks, in milliseconds.
    pub interval_ms: u64,
    /// Longest total wait, in milliseconds.
    pub timeout_ms: u64,
}

impl Default for PollSettings {
    fn default() -> Self {
        PollSettings {
            interval_ms: 1_000,
            timeout_ms: 60_000,
        }
    }
}

impl PollSettings {
    /// Settings with the given pause and limit.
    pub fn new(interval: Duration, timeout: Duration) -> Self {
        PollSettings {
            interval_ms: interval.as_millis().try_into().unwrap_or(u64::MAX),
            timeout_ms: timeout.as_millis().try_into().unwrap_or(u64::MAX),
        }
    }

    /// The pause between two looks (at least 1 ms).
    pub fn interval(&self) -> Duration {
        Duration::from_millis(self.interval_ms.max(1))
    }

    /// The longest total wait.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }
}

#[cfg_attr(not(feature = "full"), allow(dead_code))]
/// Call `look` until it yields `Some`, pausing `settings.interval()`
/// between calls (tokio's clock), and stop with `None` once the next pause
/// would end after `settings.timeout()`. The first look happens at once;
/// an error from `look` ends the wait.
pub(crate) async fn poll_until<T, F, Fut>(
    settings: PollSettings,
    mut look: F,
) -> mosaic_core::Result<Option<T>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = mosaic_core::Result<Option<T>>>,
{
    let start = tokio::time::Instant::now();
    let limit = settings.timeout();
    loop {
        if let Some(v) = look().await? {
            return Ok(Some(v));
        }
        if start.elapsed() + settings.interval() > limit {
            return Ok(None);
        }
        tokio::time::sleep(settings.interval()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn looks_until_found_or_out_of_time() {
        let s = PollSettings::new(Duration::from_secs(2), Duration::from_secs(10));
        let start = tokio::time::Instant::now();
        let mut n = 0;
        let got = poll_until(s, || {
            n += 1;
            let hit = n == 3;
            async move { Ok(hit.then_some(n)) }
        })
        .await
        .unwrap();
        assert_eq!(got, Some(3));
        assert_eq!(start.elapsed(), Duration::from_secs(4));

        let start = tokio::time::Instant::now();
        let mut looks = 0;
        let got: Option<()> = poll_until(s, || {
            looks += 1;
            async { Ok(None) }
        })
        .await
        .unwrap();
        assert_eq!(got, None);
        // looks at 0, 2, 4, 6, 8 and 10 s
        assert_eq!(looks, 6);
        assert_eq!(start.elapsed(), Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn an_error_ends_the_wait() {
        let err = poll_until::<(), _, _>(PollSettings::default(), || async {
            Err(mosaic_core::Error::unavailable("down"))
        })
        .await
        .unwrap_err();
        assert_eq!(err.kind(), mosaic_core::ErrorKind::Unavailable);
    }
}
