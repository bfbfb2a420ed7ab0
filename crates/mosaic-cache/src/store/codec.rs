//! The byte format of an entry in a shared store (format version 1).
//!
//! ```text
//! offset  size  field
//! 0       2     magic "mc"
//! 2       1     format version (1)
//! 3       1     kind: 0 = value, 1 = remembered NotFound
//! 4       4     stale window in milliseconds (u32, big endian): how long the
//!               entry is kept after it stops being fresh
//! 8       ..    payload: the response as compact JSON (kind 0), or
//!               {"message", "provider", "status"} of the NotFound (kind 1)
//! ```
//!
//! Freshness is not stored as a time: the store's own key expiry (`PX`) is
//! the end of the stale window, so the remaining time to live minus the
//! stale window is the remaining freshness. No clocks need to agree.
//!
//! Anything that does not parse — another magic, another version, a
//! truncated header, a payload of another shape — decodes to `None` and is
//! treated as a miss.

use std::time::Duration;

use mosaic_core::{Error, Result};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use crate::entry::{Cached, Entry};

/// First bytes of every encoded entry.
pub(crate) const MAGIC: [u8; 2] = *b"mc";
/// The format this module writes and reads.
pub(crate) const FORMAT_VERSION: u8 = 1;
const HEADER: usize = 8;
const KIND_VALUE: u8 = 0;
const KIND_NOT_FOUND: u8 = 1;

#[derive(Serialize, Deserialize)]
struct NotFound {
    message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
}

/// Encode `entry`; returns the bytes and the time to live to set, or
/// `None` when the entry is already past its stale window.
pub(crate) fn encode<V: Serialize>(
    entry: &Entry<V>,
    now: Instant,
) -> Result<Option<(Vec<u8>, u64)>> {
    let ttl = entry.stale_until.saturating_duration_since(now);
    let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
    if ttl_ms == 0 {
        return Ok(None);
    }
    let stale = entry
        .stale_until
        .saturating_duration_since(entry.fresh_until);
    let stale_ms = u32::try_from(stale.as_millis()).unwrap_or(u32::MAX);
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(&MAGIC);
    out.push(FORMAT_VERSION);
    match &entry.value {
        Cached::Value(v) => {
            out.push(KIND_VALUE);
            out.extend_from_slice(&stale_ms.to_be_bytes());
            serde_json::to_writer(&mut out, v)
                .map_err(|e| Error::decode("cache entry (encode)", e))?;
        }
        Cached::NotFound(e) => {
            out.push(KIND_NOT_FOUND);
            out.extend_from_slice(&stale_ms.to_be_bytes());
            let nf = NotFound {
                message: e.message().to_owned(),
                provider: e.provider().map(str::to_owned),
                status: e.status(),
            };
            serde_json::to_writer(&mut out, &nf)
                .map_err(|e| Error::decode("cache entry (encode)", e))?;
        }
    }
    Ok(Some((out, ttl_ms)))
}

/// Decode bytes read at `now` with `ttl_ms` left to live; `None` for
/// anything that is not a valid version-1 entry.
pub(crate) fn decode<V: for<'de> Deserialize<'de>>(
    bytes: &[u8],
    ttl_ms: i64,
    now: Instant,
) -> Option<Entry<V>> {
    if bytes.len() < HEADER || bytes[..2] != MAGIC || bytes[2] != FORMAT_VERSION || ttl_ms <= 0 {
        return None;
    }
    let stale_ms = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
    let payload = &bytes[HEADER..];
    let value = match bytes[3] {
        KIND_VALUE => Cached::Value(serde_json::from_slice(payload).ok()?),
        KIND_NOT_FOUND => {
            let nf: NotFound = serde_json::from_slice(payload).ok()?;
            let mut e = Error::not_found(nf.message);
            if let Some(p) = nf.provider {
                e = e.with_provider(p);
            }
            if let Some(s) = nf.status {
                e = e.with_status(s);
            }
            Cached::NotFound(e)
        }
        _ => return None,
    };
    let ttl = Duration::from_millis(ttl_ms.unsigned_abs());
    let stale = Duration::from_millis(u64::from(stale_ms));
    let stale_until = now + ttl;
    // fresh_until = stale_until - stale window (in the past when stale)
    let fresh_until = stale_until.checked_sub(stale).unwrap_or(now);
    Some(Entry {
        value,
        fresh_until,
        stale_until,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use mosaic_core::git::{GitResponse, Repository};

    fn repo() -> GitResponse {
        GitResponse::GetRepository(Repository {
            full_name: "acme/tools".into(),
            description: Some("d".into()),
            ..Default::default()
        })
    }

    #[tokio::test(start_paused = true)]
    async fn a_value_round_trips_with_its_freshness() {
        let now = Instant::now();
        let entry = Entry::new(
            Cached::Value(repo()),
            now,
            Duration::from_secs(10),
            Duration::from_secs(50),
        );
        let (bytes, ttl) = encode(&entry, now).unwrap().unwrap();
        assert_eq!(&bytes[..4], b"mc\x01\x00");
        assert_eq!(ttl, 60_000);
        // read back 4 s later: 56 s to live, of which 6 s fresh
        tokio::time::advance(Duration::from_secs(4)).await;
        let later = Instant::now();
        let back: Entry<GitResponse> = decode(&bytes, 56_000, later).unwrap();
        assert_eq!(back.fresh_until, later + Duration::from_secs(6));
        assert_eq!(back.stale_until, later + Duration::from_secs(56));
        let Cached::Value(GitResponse::GetRepository(r)) = back.value else {
            panic!("wrong value")
        };
        assert_eq!(r.full_name, "acme/tools");
        // read 30 s to live: stale for 20 s already
        let stale: Entry<GitResponse> = decode(&bytes, 30_000, later).unwrap();
        assert!(!stale.is_fresh(later));
        assert!(stale.is_within(later, Duration::from_secs(21)));
        assert!(!stale.is_within(later, Duration::from_secs(20)));
    }

    #[tokio::test(start_paused = true)]
    async fn a_not_found_round_trips() {
        let now = Instant::now();
        let err = Error::not_found("repository acme/ghost")
            .with_provider("github")
            .with_status(404);
        let entry = Entry::<GitResponse>::new(
            Cached::NotFound(err),
            now,
            Duration::from_secs(5),
            Duration::ZERO,
        );
        let (bytes, ttl) = encode(&entry, now).unwrap().unwrap();
        assert_eq!(ttl, 5_000);
        let back: Entry<GitResponse> = decode(&bytes, 5_000, now).unwrap();
        let Cached::NotFound(e) = back.value else {
            panic!("not a NotFound")
        };
        assert!(e.is_not_found());
        assert_eq!(e.message(), "repository acme/ghost");
        assert_eq!(e.provider(), Some("github"));
        assert_eq!(e.status(), Some(404));
    }

    #[tokio::test(start_paused = true)]
    async fn anything_foreign_is_a_miss() {
        let now = Instant::now();
        let entry = Entry::new(
            Cached::Value(repo()),
            now,
            Duration::from_secs(10),
            Duration::ZERO,
        );
        let (good, _) = encode(&entry, now).unwrap().unwrap();
        let miss = |bytes: &[u8], ttl: i64| decode::<GitResponse>(bytes, ttl, now).is_none();
        assert!(!miss(&good, 1000));
        assert!(miss(b"", 1000));
        assert!(miss(b"hello world", 1000));
        assert!(miss(b"{\"json\": true}", 1000));
        let mut v2 = good.clone();
        v2[2] = 2;
        assert!(miss(&v2, 1000), "another format version");
        let mut kind = good.clone();
        kind[3] = 9;
        assert!(miss(&kind, 1000), "an unknown kind");
        assert!(miss(&good[..good.len() - 3], 1000), "a truncated payload");
        assert!(miss(&good[..5], 1000), "a truncated header");
        assert!(miss(&good, -1), "no expiry: not written by Mosaic");
        assert!(miss(&good, -2), "gone");
        // a payload of another family's shape
        let mut other = good[..8].to_vec();
        other.extend_from_slice(br#"{"Chat":{"id":"x"}}"#);
        assert!(miss(&other, 1000));
    }

    #[test]
    fn an_entry_past_its_window_is_not_written() {
        let now = Instant::now();
        let entry = Entry::new(Cached::Value(repo()), now, Duration::ZERO, Duration::ZERO);
        assert!(encode(&entry, now).unwrap().is_none());
    }
}
