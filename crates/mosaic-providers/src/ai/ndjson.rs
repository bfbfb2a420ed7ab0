//! An incremental decoder of newline-delimited JSON (one value a line).

use std::fmt;

use mosaic_core::{Error, ErrorKind, Result};

use super::sse::MAX_EVENT_BYTES;

/// Splits a byte stream into lines, whatever the chunking: each complete,
/// non-blank line (without its `\n` or `\r\n`) is handed to a callback.
/// A line longer than [`MAX_EVENT_BYTES`] (without its `\n`) is a
/// `Decode` error, however the bytes arrive.
///
/// ```
/// use mosaic_providers::ai::NdjsonDecoder;
///
/// let mut lines = Vec::new();
/// let mut dec = NdjsonDecoder::new();
/// for part in [&b"{\"a\":1}\n{\"a\""[..], b":2}\r\n\n{\"a\":3}"] {
///     dec.push(part, |l| { lines.push(l.to_vec()); Ok(()) })?;
/// }
/// dec.finish(|l| { lines.push(l.to_vec()); Ok(()) })?;
/// assert_eq!(lines, [&b"{\"a\":1}"[..], b"{\"a\":2}", b"{\"a\":3}"]);
/// # Ok::<(), mosaic_core::Error>(())
/// ```
pub struct NdjsonDecoder {
    /// The longest line accepted ([`MAX_EVENT_BYTES`]).
    max: usize,
    line: Vec<u8>,
}

impl Default for NdjsonDecoder {
    fn default() -> Self {
        NdjsonDecoder {
            max: MAX_EVENT_BYTES,
            line: Vec::new(),
        }
    }
}

impl fmt::Debug for NdjsonDecoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NdjsonDecoder")
            .field("buffered", &self.line.len())
            .finish()
    }
}

impl NdjsonDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// A decoder with a smaller limit than [`MAX_EVENT_BYTES`] (tests
    /// reach it with small inputs).
    #[cfg(test)]
    fn with_limit(max: usize) -> Self {
        NdjsonDecoder {
            max,
            line: Vec::new(),
        }
    }

    /// Decode the next bytes, calling `on_line` for every line they
    /// complete. An error from `on_line` stops decoding and is returned.
    pub fn push(
        &mut self,
        mut bytes: &[u8],
        mut on_line: impl FnMut(&[u8]) -> Result<()>,
    ) -> Result<()> {
        while let Some(end) = memchr::memchr(b'\n', bytes) {
            if self.line.is_empty() {
                // The whole line is here: the same limit as a line
                // gathered from several reads.
                if end > self.max {
                    return Err(too_long(self.max));
                }
                emit(&bytes[..end], &mut on_line)?;
            } else {
                self.buffer(&bytes[..end])?;
                let r = emit(&self.line, &mut on_line);
                self.line.clear();
                r?;
            }
            bytes = &bytes[end + 1..];
        }
        self.buffer(bytes)
    }

    /// The stream ended: a last line without a newline is handed over too.
    pub fn finish(&mut self, mut on_line: impl FnMut(&[u8]) -> Result<()>) -> Result<()> {
        let line = std::mem::take(&mut self.line);
        emit(&line, &mut on_line)
    }

    fn buffer(&mut self, bytes: &[u8]) -> Result<()> {
        if self.line.len() + bytes.len() > self.max {
            return Err(too_long(self.max));
        }
        self.line.extend_from_slice(bytes);
        Ok(())
    }
}

fn too_long(max: usize) -> Error {
    Error::new(
        ErrorKind::Decode,
        format!("JSON line longer than {max} bytes"),
    )
}

fn emit(line: &[u8], on_line: &mut impl FnMut(&[u8]) -> Result<()>) -> Result<()> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    on_line(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(parts: &[&[u8]]) -> Vec<String> {
        let mut out = Vec::new();
        let mut d = NdjsonDecoder::new();
        let mut f = |l: &[u8]| {
            out.push(String::from_utf8_lossy(l).into_owned());
            Ok(())
        };
        for p in parts {
            d.push(p, &mut f).unwrap();
        }
        d.finish(&mut f).unwrap();
        out
    }

    #[test]
    fn every_split_gives_the_same_lines() {
        let text = b"{\"x\":\"\xc3\xa9\"}\r\n\n  \n{\"y\":2}\n{\"z\":3}";
        let whole = lines(&[text]);
        assert_eq!(whole, ["{\"x\":\"\u{e9}\"}", "{\"y\":2}", "{\"z\":3}"]);
        for i in 0..=text.len() {
            assert_eq!(lines(&[&text[..i], &text[i..]]), whole, "split at {i}");
        }
    }

    /// The lines and the outcome of decoding `parts` with limit `max`.
    fn outcome(max: usize, parts: &[&[u8]]) -> (Vec<Vec<u8>>, Option<String>) {
        let mut out = Vec::new();
        let mut d = NdjsonDecoder::with_limit(max);
        let mut f = |l: &[u8]| {
            out.push(l.to_vec());
            Ok(())
        };
        let mut r = Ok(());
        for p in parts {
            r = d.push(p, &mut f);
            if r.is_err() {
                break;
            }
        }
        if r.is_ok() {
            r = d.finish(&mut f);
        }
        (out, r.err().map(|e| e.message().to_owned()))
    }

    #[test]
    fn the_limit_holds_however_the_bytes_arrive() {
        // Regression: a line 12 bytes over the limit was accepted in one
        // read (the limit was not checked there) and refused when split.
        let mut long = vec![b' '; MAX_EVENT_BYTES + 12];
        long[0] = b'1';
        long.push(b'\n');
        for parts in [&[&long[..]][..], &[&long[..5], &long[5..]]] {
            let (lines, err) = outcome(MAX_EVENT_BYTES, parts);
            assert!(lines.is_empty());
            assert!(err.is_some_and(|e| e.contains("line longer than")));
        }
        let mut exact = vec![b' '; MAX_EVENT_BYTES];
        exact[0] = b'1';
        exact.push(b'\n');
        for parts in [&[&exact[..]][..], &[&exact[..5], &exact[5..]]] {
            let (lines, err) = outcome(MAX_EVENT_BYTES, parts);
            assert_eq!((lines.len(), err), (1, None));
        }
    }

    fn arb_lines() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            Just(b"\n".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b"{}".to_vec()),
            Just(b" ".to_vec()),
            (1usize..24).prop_map(|n| vec![b'x'; n]),
        ];
        proptest::collection::vec(piece, 0..16).prop_map(|v| v.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: 512,
            rng_algorithm: proptest::test_runner::RngAlgorithm::ChaCha,
            rng_seed: proptest::test_runner::RngSeed::Fixed(0x5EED_0002),
            failure_persistence: None,
            ..proptest::test_runner::Config::default()
        })]

        /// Near the limit (a small one), every split into two or three
        /// reads gives the lines and the outcome of one read.
        #[test]
        fn every_split_gives_the_same_outcome_at_the_limit(
            body in arb_lines(),
            max in 2usize..20,
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
