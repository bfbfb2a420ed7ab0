//! Cutting a log at a byte offset.

use mosaic_core::cicd::Log;

/// The part of `text` from byte `offset` on, as a [`Log`] whose
/// `next_offset` is the length of `text`.
///
/// An offset inside a multi-byte character moves forward to the next
/// character boundary; an offset past the end yields no text and keeps
/// `next_offset` at the end of what exists.
pub fn slice(text: &str, offset: u64, complete: bool) -> Log {
    let len = text.len();
    let mut start = usize::try_from(offset).unwrap_or(usize::MAX).min(len);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    Log {
        text: text[start..].to_owned(),
        next_offset: len as u64,
        complete,
    }
}

/// Like [`slice()`] for raw bytes (invalid UTF-8 is replaced after cutting,
/// so offsets stay byte offsets of the original).
pub fn slice_bytes(bytes: &[u8], offset: u64, complete: bool) -> Log {
    let len = bytes.len();
    let start = usize::try_from(offset).unwrap_or(usize::MAX).min(len);
    Log {
        text: String::from_utf8_lossy(&bytes[start..]).into_owned(),
        next_offset: len as u64,
        complete,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_at_offsets() {
        let l = slice("hello world", 6, true);
        assert_eq!(
            (l.text.as_str(), l.next_offset, l.complete),
            ("world", 11, true)
        );
        let l = slice("hello", 0, false);
        assert_eq!((l.text.as_str(), l.next_offset), ("hello", 5));
        let l = slice("hello", 99, false);
        assert_eq!((l.text.as_str(), l.next_offset), ("", 5));
        let l = slice("hello", u64::MAX, false);
        assert_eq!(l.text, "");
    }

    #[test]
    fn never_splits_a_character() {
        // "é" is two bytes: offset 1 lands inside it.
        let l = slice("éa", 1, false);
        assert_eq!((l.text.as_str(), l.next_offset), ("a", 3));
        let l = slice_bytes("éa".as_bytes(), 2, false);
        assert_eq!(l.text, "a");
    }
}
