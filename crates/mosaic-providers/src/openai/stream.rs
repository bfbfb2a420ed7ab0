//! Decoding a streamed chat completion (`data: {chunk}` events ending with
//! `data: [DONE]`) into normalized chunks.
//!
//! A stream is complete with `data: [DONE]`. Some compatible servers close
//! the stream without it; their answer is taken as complete once nothing
//! can be missing: the finish reason has come and, when usage was asked
//! for (`stream_options.include_usage`: the last chunk before `[DONE]`
//! carries it), the usage too. Anything shorter is a truncated stream, an
//! `Unavailable` error naming what is missing.

use std::fmt;

use mosaic_core::Result;
use mosaic_core::ai::{ChatChunk, FinishReason, ToolCallDelta, Usage};
use serde_json::Value;

use super::{PROVIDER, map, wire};
use crate::ai::{
    ChunkDecoder, SseDecoder, SseEvent, ToolCallAssembler, cut_short, decode_event, is_json,
};

/// The [`ChunkDecoder`] of OpenAI-style streams (also vLLM, llama.cpp,
/// LM Studio and Azure OpenAI).
///
/// Text deltas pass through; tool-call fragments are passed on and
/// assembled by index, and the complete calls come out with the choice's
/// finish reason; the last chunk carries the finish reason and the usage
/// of the final usage-only event (`stream_options.include_usage`).
///
/// `data: [DONE]` completes a stream. A body that ends without it is
/// complete only when nothing can be missing: the finish reason has come
/// and, if the request asked for usage ([`usage_requested`], on by
/// default), the usage chunk too. Anything shorter was cut off: an
/// `Unavailable` error naming what is missing.
///
/// [`usage_requested`]: StreamDecoder::usage_requested
///
/// ```
/// use mosaic_providers::ai::decode_all;
/// use mosaic_providers::openai::StreamDecoder;
///
/// let body = concat!(
///     "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n",
///     "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
///     "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1}}\n\n",
///     "data: [DONE]\n\n",
/// );
/// let chunks = decode_all(&mut StreamDecoder::new(), body.as_bytes())?;
/// assert_eq!(chunks[0].delta, "Hi");
/// let last = chunks.last().unwrap();
/// assert_eq!(last.usage.unwrap().input_tokens, 5);
/// # Ok::<(), mosaic_core::Error>(())
/// ```
pub struct StreamDecoder {
    sse: SseDecoder,
    state: State,
    /// The request asked for a final usage chunk.
    usage_requested: bool,
}

impl Default for StreamDecoder {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Default)]
struct State {
    tools: ToolCallAssembler,
    /// The index and id of the last fragment, for servers that omit the
    /// index.
    last_tool: Option<(u32, Option<String>)>,
    next_tool: u32,
    saw_tools: bool,
    refused: bool,
    finish: Option<FinishReason>,
    usage: Option<Usage>,
    done: bool,
}

impl fmt::Debug for StreamDecoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamDecoder")
            .field("sse", &self.sse)
            .field("done", &self.state.done)
            .finish_non_exhaustive()
    }
}

impl StreamDecoder {
    /// A decoder at the start of a stream whose request asked for usage
    /// (`stream_options.include_usage`, as [`OpenAi`](super::OpenAi) does
    /// unless `stream_usage` is off).
    pub fn new() -> Self {
        StreamDecoder {
            sse: SseDecoder::new(),
            state: State::default(),
            usage_requested: true,
        }
    }

    /// Whether the request asked for usage: a stream that ends without
    /// `[DONE]` is complete only with its usage chunk when it did.
    pub fn usage_requested(mut self, requested: bool) -> Self {
        self.usage_requested = requested;
        self
    }
}

fn is_empty(c: &ChatChunk) -> bool {
    c.delta.is_empty()
        && c.tool_call_deltas.is_empty()
        && c.tool_calls.is_empty()
        && c.finish_reason.is_none()
        && c.usage.is_none()
}

impl State {
    fn on_event(&mut self, ev: &SseEvent, out: &mut Vec<ChatChunk>) -> Result<()> {
        if self.done {
            return Ok(());
        }
        let data = ev.data.trim();
        if data.is_empty() {
            return Ok(());
        }
        if data == "[DONE]" {
            return self.emit_final(out);
        }
        if ev.event == "error" {
            let v: Value = decode_event(PROVIDER, "error event", data.as_bytes())?;
            return Err(map::stream_error(&v));
        }
        let chunk: wire::ChatChunk =
            decode_event(PROVIDER, "chat completion chunk", data.as_bytes())?;
        if let Some(err) = &chunk.error {
            return Err(map::stream_error(&serde_json::json!({ "error": err })));
        }
        if let Some(u) = &chunk.usage {
            self.usage = Some(map::usage(u));
        }
        for choice in chunk.choices.unwrap_or_default() {
            if choice.index != 0 {
                continue;
            }
            let mut c = ChatChunk::default();
            if let Some(d) = choice.delta {
                if let Some(text) = d.content {
                    c.delta = text;
                }
                if let Some(r) = d.refusal.filter(|r| !r.is_empty()) {
                    c.delta.push_str(&r);
                    self.refused = true;
                }
                for tc in d.tool_calls.unwrap_or_default() {
                    let index = self.tool_index(tc.index, tc.id.as_deref());
                    let (name, arguments) = match tc.function {
                        Some(f) => (f.name, f.arguments.unwrap_or_default()),
                        None => (None, String::new()),
                    };
                    let delta = ToolCallDelta {
                        index,
                        id: tc.id.filter(|s| !s.is_empty()),
                        name: name.filter(|s| !s.is_empty()),
                        arguments,
                    };
                    if delta.id.is_none() && delta.name.is_none() && delta.arguments.is_empty() {
                        continue;
                    }
                    self.tools.push(&delta);
                    self.saw_tools = true;
                    c.tool_call_deltas.push(delta);
                }
            }
            if let Some(reason) = choice.finish_reason.as_deref().and_then(map::finish_reason) {
                self.finish = Some(reason);
                self.complete_tools(&mut c)?;
            }
            if !is_empty(&c) {
                out.push(c);
            }
        }
        Ok(())
    }

    /// The index of a fragment: as sent, or (for servers that leave it
    /// out) a new one for a new id and the last one otherwise.
    fn tool_index(&mut self, index: Option<u32>, id: Option<&str>) -> u32 {
        let index = match index {
            Some(i) => i,
            None => match (&self.last_tool, id) {
                (Some((_, last_id)), Some(id)) if last_id.as_deref() != Some(id) => self.next_tool,
                (Some((last, _)), _) => *last,
                (None, _) => 0,
            },
        };
        let id = id.map(str::to_owned).or_else(|| match &self.last_tool {
            Some((i, last_id)) if *i == index => last_id.clone(),
            _ => None,
        });
        self.last_tool = Some((index, id));
        self.next_tool = self.next_tool.max(index + 1);
        index
    }

    fn complete_tools(&mut self, c: &mut ChatChunk) -> Result<()> {
        for done in self
            .tools
            .complete_all()
            .map_err(|e| e.with_provider(PROVIDER))?
        {
            if let Some(closing) = done.closing {
                c.tool_call_deltas.push(closing);
            }
            c.tool_calls.push(done.call);
        }
        Ok(())
    }

    fn emit_final(&mut self, out: &mut Vec<ChatChunk>) -> Result<()> {
        let mut c = ChatChunk::default();
        self.complete_tools(&mut c)?;
        let mut finish = self
            .finish
            .take()
            .unwrap_or_else(|| FinishReason::Other("unspecified".to_owned()));
        if self.saw_tools && matches!(finish, FinishReason::Stop) {
            finish = FinishReason::ToolCalls;
        }
        if self.refused {
            finish = FinishReason::ContentFilter;
        }
        c.finish_reason = Some(finish);
        c.usage = self.usage.take();
        self.done = true;
        out.push(c);
        Ok(())
    }
}

impl ChunkDecoder for StreamDecoder {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn decode(&mut self, bytes: &[u8], out: &mut Vec<ChatChunk>) -> Result<()> {
        let state = &mut self.state;
        self.sse.push(bytes, |ev| state.on_event(ev, out))
    }

    fn finish(&mut self, out: &mut Vec<ChatChunk>) -> Result<()> {
        let state = &mut self.state;
        self.sse.finish(|ev| {
            // An event the body ended in (no blank line after it) whose
            // data is not JSON was cut off.
            let data = ev.data.trim();
            if !state.done && !data.is_empty() && data != "[DONE]" && !is_json(data.as_bytes()) {
                return Err(cut_short(PROVIDER, "its last event was complete"));
            }
            state.on_event(ev, out)
        })?;
        if state.done {
            return Ok(());
        }
        // Some compatible servers close the stream without `[DONE]`: the
        // answer is complete once nothing can be missing.
        match (state.finish.is_some(), state.usage.is_some()) {
            (true, true) => state.emit_final(out),
            (true, false) if !self.usage_requested => state.emit_final(out),
            (true, false) => Err(cut_short(
                PROVIDER,
                "its usage chunk (requested with `stream_options.include_usage`) and `data: [DONE]`",
            )),
            (false, _) => Err(cut_short(
                PROVIDER,
                "the answer was complete (no finish reason, no `data: [DONE]`)",
            )),
        }
    }

    fn is_done(&self) -> bool {
        self.state.done
    }
}
