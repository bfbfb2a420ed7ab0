//! Decoding a streamed `/api/chat` answer (one JSON object per line, the
//! last with `"done": true` and the token counts) into normalized chunks.

use std::fmt;

use mosaic_core::Result;
use mosaic_core::ai::{ChatChunk, FinishReason, ToolCall, ToolCallDelta};

use super::{PROVIDER, map, wire};
use crate::ai::{ChunkDecoder, NdjsonDecoder, cut_short, decode_event, is_json};

/// The [`ChunkDecoder`] of Ollama's NDJSON chat streams.
///
/// Ollama sends tool calls whole: each becomes one fragment and, in the
/// same chunk, the complete call (with an id `call_<n>` when the server
/// gives none). The `done` line gives the last chunk with the finish
/// reason and the usage (`prompt_eval_count`, `eval_count`). A stream
/// that ends before it (or inside a line) is an `Unavailable` error.
///
/// ```
/// use mosaic_providers::ai::decode_all;
/// use mosaic_providers::ollama::StreamDecoder;
///
/// let body = concat!(
///     "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"The\"},\"done\":false}\n",
///     "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,",
///     "\"done_reason\":\"stop\",\"prompt_eval_count\":26,\"eval_count\":1}\n",
/// );
/// let chunks = decode_all(&mut StreamDecoder::new(), body.as_bytes())?;
/// assert_eq!(chunks[0].delta, "The");
/// assert_eq!(chunks[1].usage.unwrap().input_tokens, 26);
/// # Ok::<(), mosaic_core::Error>(())
/// ```
#[derive(Default)]
pub struct StreamDecoder {
    lines: NdjsonDecoder,
    state: State,
}

#[derive(Default)]
struct State {
    next_tool: u32,
    done: bool,
}

impl fmt::Debug for StreamDecoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamDecoder")
            .field("lines", &self.lines)
            .field("done", &self.state.done)
            .finish_non_exhaustive()
    }
}

impl StreamDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }
}

impl State {
    fn on_line(&mut self, line: &[u8], out: &mut Vec<ChatChunk>) -> Result<()> {
        if self.done {
            return Ok(());
        }
        let obj: wire::ChatResponse = decode_event(PROVIDER, "chat line", line)?;
        if let Some(err) = &obj.error {
            return Err(map::stream_error(err));
        }
        let mut c = ChatChunk::default();
        if let Some(m) = obj.message {
            c.delta = m.content.unwrap_or_default();
            for t in m.tool_calls.unwrap_or_default() {
                let index = self.next_tool;
                self.next_tool += 1;
                let call = ToolCall {
                    id: map::call_id(t.id, index),
                    name: t.function.name,
                    arguments: map::arguments(t.function.arguments),
                };
                c.tool_call_deltas.push(ToolCallDelta {
                    index,
                    id: Some(call.id.clone()),
                    name: Some(call.name.clone()),
                    arguments: call.arguments.clone(),
                });
                c.tool_calls.push(call);
            }
        }
        if obj.done {
            let mut finish = obj
                .done_reason
                .as_deref()
                .and_then(map::finish_reason)
                .unwrap_or(FinishReason::Stop);
            if self.next_tool > 0 && finish == FinishReason::Stop {
                finish = FinishReason::ToolCalls;
            }
            c.finish_reason = Some(finish);
            c.usage = Some(map::usage(obj.prompt_eval_count, obj.eval_count));
            self.done = true;
        }
        if !(c.delta.is_empty() && c.tool_call_deltas.is_empty() && c.finish_reason.is_none()) {
            out.push(c);
        }
        Ok(())
    }
}

impl ChunkDecoder for StreamDecoder {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn decode(&mut self, bytes: &[u8], out: &mut Vec<ChatChunk>) -> Result<()> {
        let state = &mut self.state;
        self.lines.push(bytes, |l| state.on_line(l, out))
    }

    fn finish(&mut self, out: &mut Vec<ChatChunk>) -> Result<()> {
        let state = &mut self.state;
        self.lines.finish(|l| {
            // A last line without its newline that is not JSON was cut off.
            if !state.done && !is_json(l) {
                return Err(cut_short(PROVIDER, "its `done` line"));
            }
            state.on_line(l, out)
        })?;
        if state.done {
            Ok(())
        } else {
            Err(cut_short(PROVIDER, "its `done` line"))
        }
    }

    fn is_done(&self) -> bool {
        self.state.done
    }
}
