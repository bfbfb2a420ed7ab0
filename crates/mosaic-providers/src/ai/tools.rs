//! Assembling streamed tool-call fragments into complete calls.

use std::collections::BTreeMap;

use mosaic_core::ai::{ToolCall, ToolCallDelta};
use mosaic_core::{Error, ErrorKind, Result};

/// Collects [`ToolCallDelta`]s by index (parallel calls interleave freely)
/// and hands out the complete [`ToolCall`]s.
///
/// A completed call always has an id, a name and JSON arguments: when the
/// fragments never carried an id one is made up (`call_<index>`), and
/// arguments that stayed empty become `{}`. Whatever the completion fills
/// in is also returned as one closing fragment, so that the fragments of a
/// stream always add up exactly to its complete calls.
///
/// ```
/// use mosaic_core::ai::ToolCallDelta;
/// use mosaic_providers::ai::ToolCallAssembler;
///
/// let mut calls = ToolCallAssembler::new();
/// let frag = |index, id: Option<&str>, name: Option<&str>, args: &str| ToolCallDelta {
///     index, id: id.map(Into::into), name: name.map(Into::into), arguments: args.into(),
/// };
/// calls.push(&frag(0, Some("call_a"), Some("weather"), "{\"city\":"));
/// calls.push(&frag(1, Some("call_b"), Some("time"), ""));
/// calls.push(&frag(0, None, None, "\"Paris\"}"));
/// let done = calls.complete_all()?;
/// assert_eq!(done[0].call.arguments, r#"{"city":"Paris"}"#);
/// assert_eq!(done[1].call.arguments, "{}");
/// assert_eq!(done[1].closing.as_ref().unwrap().arguments, "{}");
/// # Ok::<(), mosaic_core::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct ToolCallAssembler {
    calls: BTreeMap<u32, Partial>,
}

#[derive(Debug, Clone, Default)]
struct Partial {
    id: Option<String>,
    name: Option<String>,
    arguments: String,
}

/// A call completed by [`ToolCallAssembler`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedCall {
    /// The position of the call among the answer's calls.
    pub index: u32,
    /// The complete call.
    pub call: ToolCall,
    /// A last fragment carrying what completion filled in (a made-up id,
    /// `{}` for empty arguments), when it filled anything in.
    pub closing: Option<ToolCallDelta>,
}

impl ToolCallAssembler {
    /// No calls yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a fragment. The id and the name are taken from the fragments
    /// that carry them; argument pieces are appended in order.
    pub fn push(&mut self, delta: &ToolCallDelta) {
        let p = self.calls.entry(delta.index).or_default();
        if let Some(id) = delta.id.as_deref().filter(|s| !s.is_empty()) {
            p.id = Some(id.to_owned());
        }
        if let Some(name) = delta.name.as_deref().filter(|s| !s.is_empty()) {
            p.name = Some(name.to_owned());
        }
        p.arguments.push_str(&delta.arguments);
    }

    /// Whether no call is being assembled.
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }

    /// How many calls are being assembled.
    pub fn len(&self) -> usize {
        self.calls.len()
    }

    /// Complete the call at `index` (when its last fragment has arrived).
    /// `Ok(None)` when no fragment of that index was seen; a `Decode`
    /// error when the fragments never named the tool.
    pub fn complete(&mut self, index: u32) -> Result<Option<CompletedCall>> {
        match self.calls.remove(&index) {
            Some(p) => finish(index, p).map(Some),
            None => Ok(None),
        }
    }

    /// Complete every call being assembled, in index order.
    pub fn complete_all(&mut self) -> Result<Vec<CompletedCall>> {
        std::mem::take(&mut self.calls)
            .into_iter()
            .map(|(i, p)| finish(i, p))
            .collect()
    }
}

fn finish(index: u32, p: Partial) -> Result<CompletedCall> {
    let Some(name) = p.name else {
        return Err(Error::new(
            ErrorKind::Decode,
            format!("streamed tool call #{index} never named its tool"),
        ));
    };
    let mut closing = ToolCallDelta {
        index,
        ..Default::default()
    };
    let id = match p.id {
        Some(id) => id,
        None => {
            let id = format!("call_{index}");
            closing.id = Some(id.clone());
            id
        }
    };
    let arguments = if p.arguments.trim().is_empty() {
        closing.arguments = "{}".to_owned();
        if !p.arguments.is_empty() {
            // Whitespace-only arguments: the fragments cannot be made to
            // add up to `{}`, so keep what was sent.
            closing.arguments.clear();
            p.arguments
        } else {
            "{}".to_owned()
        }
    } else {
        p.arguments
    };
    let filled = closing.id.is_some() || !closing.arguments.is_empty();
    Ok(CompletedCall {
        index,
        call: ToolCall {
            id,
            name,
            arguments,
        },
        closing: filled.then_some(closing),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(index: u32, id: Option<&str>, name: Option<&str>, args: &str) -> ToolCallDelta {
        ToolCallDelta {
            index,
            id: id.map(Into::into),
            name: name.map(Into::into),
            arguments: args.into(),
        }
    }

    #[test]
    fn interleaved_parallel_calls() {
        let mut a = ToolCallAssembler::new();
        a.push(&d(1, Some("b"), Some("time"), "{\"tz\""));
        a.push(&d(0, Some("a"), Some("weather"), "{\"c\""));
        a.push(&d(1, None, None, ":\"UTC\"}"));
        a.push(&d(0, None, None, ":1}"));
        assert_eq!(a.len(), 2);
        let done = a.complete_all().unwrap();
        assert!(a.is_empty());
        assert_eq!(done[0].call.id, "a");
        assert_eq!(done[0].call.arguments, "{\"c\":1}");
        assert_eq!(done[1].call.name, "time");
        assert_eq!(done[1].call.arguments, "{\"tz\":\"UTC\"}");
        assert!(done.iter().all(|c| c.closing.is_none()));
    }

    #[test]
    fn missing_id_is_made_up_and_reported() {
        let mut a = ToolCallAssembler::new();
        a.push(&d(2, None, Some("f"), ""));
        let c = a.complete(2).unwrap().unwrap();
        assert_eq!(c.call.id, "call_2");
        assert_eq!(c.call.arguments, "{}");
        let closing = c.closing.unwrap();
        assert_eq!(closing.id.as_deref(), Some("call_2"));
        assert_eq!(closing.arguments, "{}");
        assert!(a.complete(2).unwrap().is_none());
    }

    #[test]
    fn nameless_call_is_a_decode_error() {
        let mut a = ToolCallAssembler::new();
        a.push(&d(0, Some("x"), None, "{}"));
        assert_eq!(a.complete(0).unwrap_err().kind(), ErrorKind::Decode);
    }
}
