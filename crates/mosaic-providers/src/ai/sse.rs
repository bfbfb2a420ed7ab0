//! An incremental decoder of `text/event-stream` (server-sent events).
//!
//! It follows the WHATWG event-stream interpretation rules: lines end with
//! CRLF, LF or CR; a line starting with `:` is a comment; `field: value`
//! (one optional space after the colon); `data` lines of one event are
//! joined with `\n`; a blank line dispatches the event; a leading byte
//! order mark is skipped. Bytes may arrive split anywhere, including
//! inside a CRLF pair or a multi-byte UTF-8 character: the decoder keeps
//! the unfinished line and carries on with the next bytes.

use std::fmt;

use mosaic_core::{Error, ErrorKind, Result};

/// The longest line, and the longest data of one event, the decoders
/// accept before they give up with a `Decode` error, so that a server
/// that never ends a line (or an event) cannot exhaust memory.
///
/// A line is measured without its line ending; an event's data is its
/// `data` values joined with `\n`. The limits hold whatever the
/// chunking: a body is accepted or refused alike in one piece or split
/// at any byte.
pub const MAX_EVENT_BYTES: usize = 16 * 1024 * 1024;

/// One dispatched server-sent event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// The `event` field; empty when the event had none (the default
    /// type, `message`).
    pub event: String,
    /// The `data` lines, joined with `\n`.
    pub data: String,
    /// The last event id seen so far on the stream, if any.
    pub id: Option<String>,
    /// The reconnection time the server asked for, in milliseconds.
    pub retry: Option<u64>,
}

impl SseEvent {
    /// The event type: the `event` field, or `message` when it was absent.
    pub fn event_type(&self) -> &str {
        if self.event.is_empty() {
            "message"
        } else {
            &self.event
        }
    }
}

/// Decodes a byte stream into [`SseEvent`]s, whatever the chunking.
///
/// ```
/// use mosaic_providers::ai::SseDecoder;
///
/// let mut events = Vec::new();
/// let mut dec = SseDecoder::new();
/// // A CRLF pair and an event split across three reads.
/// for part in [&b"event: ping\r"[..], b"\ndata: {\"a\"", b":1}\r\n\r\n"] {
///     dec.push(part, |e| { events.push(e.clone()); Ok(()) })?;
/// }
/// dec.finish(|e| { events.push(e.clone()); Ok(()) })?;
/// assert_eq!(events.len(), 1);
/// assert_eq!(events[0].event_type(), "ping");
/// assert_eq!(events[0].data, r#"{"a":1}"#);
/// # Ok::<(), mosaic_core::Error>(())
/// ```
pub struct SseDecoder {
    /// The longest line and event data accepted ([`MAX_EVENT_BYTES`]).
    max: usize,
    /// Bytes of the unfinished line.
    line: Vec<u8>,
    /// The previous read ended with CR: skip an LF that starts the next one.
    skip_lf: bool,
    /// The first line has been seen (a BOM can only come before it).
    bom_checked: bool,
    /// The event being read (its buffers are reused from event to event;
    /// `id` and `retry` persist, as the specification says).
    ev: SseEvent,
    has_data: bool,
}

impl fmt::Debug for SseDecoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SseDecoder")
            .field("buffered", &(self.line.len() + self.ev.data.len()))
            .field("last_id", &self.ev.id)
            .finish_non_exhaustive()
    }
}

impl Default for SseDecoder {
    fn default() -> Self {
        SseDecoder {
            max: MAX_EVENT_BYTES,
            line: Vec::new(),
            skip_lf: false,
            bom_checked: false,
            ev: SseEvent::default(),
            has_data: false,
        }
    }
}

impl SseDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// A decoder with a smaller limit than [`MAX_EVENT_BYTES`] (tests
    /// reach it with small inputs).
    #[cfg(test)]
    fn with_limit(max: usize) -> Self {
        SseDecoder {
            max,
            ..Self::default()
        }
    }

    /// Decode the next bytes, calling `on_event` for every event they
    /// complete. An error from `on_event` stops decoding and is returned.
    pub fn push(
        &mut self,
        mut bytes: &[u8],
        mut on_event: impl FnMut(&SseEvent) -> Result<()>,
    ) -> Result<()> {
        if self.skip_lf && !bytes.is_empty() {
            self.skip_lf = false;
            if bytes[0] == b'\n' {
                bytes = &bytes[1..];
            }
        }
        while !bytes.is_empty() {
            let Some(end) = memchr::memchr2(b'\n', b'\r', bytes) else {
                self.buffer(bytes)?;
                break;
            };
            let is_cr = bytes[end] == b'\r';
            if self.line.is_empty() {
                // The whole line is here: the same limit as a line
                // gathered from several reads.
                if end > self.max {
                    return Err(line_too_long(self.max));
                }
                self.line_done(&bytes[..end], &mut on_event)?;
            } else {
                self.buffer(&bytes[..end])?;
                let line = std::mem::take(&mut self.line);
                let r = self.line_done(&line, &mut on_event);
                self.line = line;
                self.line.clear();
                r?;
            }
            let mut next = end + 1;
            if is_cr {
                match bytes.get(next) {
                    Some(b'\n') => next += 1,
                    Some(_) => {}
                    None => self.skip_lf = true,
                }
            }
            bytes = &bytes[next..];
        }
        Ok(())
    }

    /// The stream ended: an unterminated last line is processed, and an
    /// event whose blank line never came is dispatched when it has data
    /// (servers that omit the final blank line lose nothing).
    pub fn finish(&mut self, mut on_event: impl FnMut(&SseEvent) -> Result<()>) -> Result<()> {
        if !self.line.is_empty() {
            let line = std::mem::take(&mut self.line);
            self.line_done(&line, &mut on_event)?;
        }
        self.skip_lf = false;
        if self.has_data {
            self.dispatch(&mut on_event)?;
        }
        self.ev.event.clear();
        Ok(())
    }

    fn buffer(&mut self, bytes: &[u8]) -> Result<()> {
        if self.line.len() + bytes.len() > self.max {
            return Err(line_too_long(self.max));
        }
        self.line.extend_from_slice(bytes);
        Ok(())
    }

    fn line_done(
        &mut self,
        mut line: &[u8],
        on_event: &mut impl FnMut(&SseEvent) -> Result<()>,
    ) -> Result<()> {
        if !self.bom_checked {
            self.bom_checked = true;
            if let Some(rest) = line.strip_prefix(b"\xEF\xBB\xBF") {
                line = rest;
            }
        }
        if line.is_empty() {
            if self.has_data {
                return self.dispatch(on_event);
            }
            self.ev.event.clear();
            return Ok(());
        }
        if line[0] == b':' {
            return Ok(());
        }
        let (field, value) = match memchr::memchr(b':', line) {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (line, &b""[..]),
        };
        match field {
            b"data" => {
                let joined = self.ev.data.len() + usize::from(self.has_data) + value.len();
                if joined > self.max {
                    return Err(Error::new(
                        ErrorKind::Decode,
                        format!("server-sent event data longer than {} bytes", self.max),
                    ));
                }
                if self.has_data {
                    self.ev.data.push('\n');
                }
                push_text(&mut self.ev.data, value);
                self.has_data = true;
            }
            b"event" => {
                self.ev.event.clear();
                push_text(&mut self.ev.event, value);
            }
            b"id" if !value.contains(&0) => {
                let mut id = String::new();
                push_text(&mut id, value);
                self.ev.id = Some(id);
            }
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                self.ev.retry = std::str::from_utf8(value).ok().and_then(|v| v.parse().ok());
            }
            _ => {}
        }
        Ok(())
    }

    fn dispatch(&mut self, on_event: &mut impl FnMut(&SseEvent) -> Result<()>) -> Result<()> {
        let r = on_event(&self.ev);
        self.ev.event.clear();
        self.ev.data.clear();
        self.has_data = false;
        r
    }
}

fn push_text(out: &mut String, bytes: &[u8]) {
    match std::str::from_utf8(bytes) {
        Ok(s) => out.push_str(s),
        Err(_) => out.push_str(&String::from_utf8_lossy(bytes)),
    }
}

fn line_too_long(max: usize) -> Error {
    Error::new(
        ErrorKind::Decode,
        format!("server-sent event line longer than {max} bytes"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_parts(parts: &[&[u8]]) -> Vec<SseEvent> {
        let mut out = Vec::new();
        let mut d = SseDecoder::new();
        for p in parts {
            d.push(p, |e| {
                out.push(e.clone());
                Ok(())
            })
            .unwrap();
        }
        d.finish(|e| {
            out.push(e.clone());
            Ok(())
        })
        .unwrap();
        out
    }

    fn decode(text: &str) -> Vec<SseEvent> {
        decode_parts(&[text.as_bytes()])
    }

    #[test]
    fn fields_comments_and_multi_line_data() {
        let ev = decode(": comment\nevent: add\ndata: a\ndata:b\ndata\nid: 7\nretry: 100\n\n");
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].event, "add");
        assert_eq!(ev[0].data, "a\nb\n");
        assert_eq!(ev[0].id.as_deref(), Some("7"));
        assert_eq!(ev[0].retry, Some(100));
    }

    #[test]
    fn blank_lines_without_data_dispatch_nothing() {
        assert!(decode("\n\n\nevent: x\n\n: only a comment\n\n").is_empty());
        let ev = decode("data:\n\n");
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].data, "");
        assert_eq!(ev[0].event_type(), "message");
    }

    #[test]
    fn all_line_endings_and_bom() {
        for text in [
            "\u{feff}data: x\r\n\r\ndata: y\r\n\r\n",
            "data: x\r\rdata: y\r\r",
            "data: x\n\ndata: y\n\n",
            "data: x\r\n\rdata: y\n\r\n",
        ] {
            let ev = decode(text);
            let data: Vec<&str> = ev.iter().map(|e| e.data.as_str()).collect();
            assert_eq!(data, ["x", "y"], "{text:?}");
        }
    }

    #[test]
    fn split_inside_crlf_and_utf8() {
        let text = "data: h\u{e9}llo \u{1f600}\r\n\r\ndata: two\r\n\r\n".as_bytes();
        let whole = decode_parts(&[text]);
        for i in 0..=text.len() {
            for j in i..=text.len() {
                let got = decode_parts(&[&text[..i], &text[i..j], &text[j..]]);
                assert_eq!(got, whole, "split at {i},{j}");
            }
        }
        assert_eq!(whole[0].data, "h\u{e9}llo \u{1f600}");
    }

    #[test]
    fn final_event_without_blank_line_is_kept() {
        let ev = decode("data: a\n\ndata: b");
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[1].data, "b");
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        let ev = decode_parts(&[b"data: \xff\xfe\n\n"]);
        assert_eq!(ev[0].data, "\u{fffd}\u{fffd}");
    }

    #[test]
    fn callback_errors_stop_decoding() {
        let mut d = SseDecoder::new();
        let mut n = 0;
        let r = d.push(b"data: 1\n\ndata: 2\n\n", |_| {
            n += 1;
            Err(Error::internal("stop"))
        });
        assert!(r.is_err());
        assert_eq!(n, 1);
    }

    /// The events and the outcome of decoding `parts` with limit `max`
    /// (the error's message, if decoding failed).
    fn outcome(max: usize, parts: &[&[u8]]) -> (Vec<SseEvent>, Option<String>) {
        let mut out = Vec::new();
        let mut d = SseDecoder::with_limit(max);
        let mut push = |e: &SseEvent| {
            out.push(e.clone());
            Ok(())
        };
        let mut r = Ok(());
        for p in parts {
            r = d.push(p, &mut push);
            if r.is_err() {
                break;
            }
        }
        if r.is_ok() {
            r = d.finish(&mut push);
        }
        (out, r.err().map(|e| e.message().to_owned()))
    }

    #[test]
    fn the_limits_hold_however_the_bytes_arrive() {
        // Regression: a `data:` value of `MAX_EVENT_BYTES - 3` bytes makes
        // a line 3 bytes too long; it was accepted in one read and refused
        // when split.
        let long = format!("data: {}\n\n", "a".repeat(MAX_EVENT_BYTES - 3));
        let bytes = long.as_bytes();
        for parts in [
            &[bytes][..],
            &[&bytes[..10], &bytes[10..]],
            &[&bytes[..bytes.len() - 3], &bytes[bytes.len() - 3..]],
        ] {
            let (events, err) = outcome(MAX_EVENT_BYTES, parts);
            assert!(events.is_empty());
            assert!(
                err.is_some_and(|e| e.contains("line longer than")),
                "{} parts",
                parts.len()
            );
        }
        // A line of exactly the limit is accepted either way.
        let exact = format!("data: {}\n\n", "a".repeat(MAX_EVENT_BYTES - 6));
        let bytes = exact.as_bytes();
        for parts in [&[bytes][..], &[&bytes[..7], &bytes[7..]]] {
            let (events, err) = outcome(MAX_EVENT_BYTES, parts);
            assert_eq!(err, None);
            assert_eq!(events[0].data.len(), MAX_EVENT_BYTES - 6);
        }
    }

    #[test]
    fn event_data_is_limited_as_joined() {
        // Lines of 10 bytes; data of 4 + `\n` + 4 = 9 bytes, then 14.
        let (ev, err) = outcome(12, &[b"data: aaaa\ndata: bbbb\n\n"]);
        assert_eq!((ev.len(), err), (1, None));
        let (ev, err) = outcome(12, &[b"data: aaaa\ndata: bbbb\ndata: cccc\n\n"]);
        assert!(ev.is_empty());
        assert!(err.is_some_and(|e| e.contains("data longer than 12 bytes")));
    }

    fn arb_stream() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            Just(b"data:".to_vec()),
            Just(b"data: ".to_vec()),
            Just(b"event: e".to_vec()),
            Just(b": c".to_vec()),
            Just(b"\n".to_vec()),
            Just(b"\r".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b"\n\n".to_vec()),
            Just("\u{e9}".as_bytes().to_vec()),
            (1usize..24).prop_map(|n| vec![b'x'; n]),
        ];
        proptest::collection::vec(piece, 0..16).prop_map(|v| v.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: 512,
            rng_algorithm: proptest::test_runner::RngAlgorithm::ChaCha,
            rng_seed: proptest::test_runner::RngSeed::Fixed(0x5EED_0001),
            failure_persistence: None,
            ..proptest::test_runner::Config::default()
        })]

        /// Near the limits (a small one, so lines reach it), every split
        /// into two or three reads gives the events and the outcome of one
        /// read.
        #[test]
        fn every_split_gives_the_same_outcome_at_the_limits(
            body in arb_stream(),
            max in 4usize..20,
            second in 0usize..64,
        ) {
            let whole = outcome(max, &[&body]);
            for i in 0..=body.len() {
                let j = (i + second).min(body.len());
                proptest::prop_assert_eq!(&outcome(max, &[&body[..i], &body[i..]]), &whole, "split at {}", i);
                proptest::prop_assert_eq!(&outcome(max, &[&body[..i], &body[i..j], &body[j..]]), &whole, "split at {}, {}", i, j);
            }
        }
    }
}
