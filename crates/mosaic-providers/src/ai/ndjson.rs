//! An incremental decoder of newline-delimited JSON (one value a line).

use std::fmt;

use mosaic_core::{Error, ErrorKind, Result};

use super::sse::MAX_EVENT_BYTES;

/// Splits a byte stream into lines, whatever the chunking: each complete,
/// non-blank line (without its `\n` or `\r\n`) is handed to a callback.
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
#[derive(Default)]
pub struct NdjsonDecoder {
    line: Vec<u8>,
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

    /// Decode the next bytes, calling `on_line` for every line they
    /// complete. An error from `on_line` stops decoding and is returned.
    pub fn push(
        &mut self,
        mut bytes: &[u8],
        mut on_line: impl FnMut(&[u8]) -> Result<()>,
    ) -> Result<()> {
        while let Some(end) = memchr::memchr(b'\n', bytes) {
            if self.line.is_empty() {
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
        if self.line.len() + bytes.len() > MAX_EVENT_BYTES {
            return Err(Error::new(
                ErrorKind::Decode,
                format!("JSON line longer than {MAX_EVENT_BYTES} bytes"),
            ));
        }
        self.line.extend_from_slice(bytes);
        Ok(())
    }
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
}
