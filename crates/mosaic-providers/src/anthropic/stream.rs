//! Decoding a streamed message (`message_start`, `content_block_start`,
//! `content_block_delta`, `content_block_stop`, `message_delta`,
//! `message_stop`, `ping`, `error`) into normalized chunks.

use std::collections::HashMap;
use std::fmt;

use mosaic_core::Result;
use mosaic_core::ai::{ChatChunk, FinishReason, ToolCallDelta};

use super::{PROVIDER, map, wire};
use crate::ai::{
    ChunkDecoder, SseDecoder, SseEvent, ToolCallAssembler, cut_short, decode_event, is_json,
};

/// The [`ChunkDecoder`] of Anthropic's Messages streams.
///
/// Text deltas pass through; a `tool_use` block becomes tool-call
/// fragments (numbered by call, not by content block) and, at its
/// `content_block_stop`, the complete call; `message_stop` gives the last
/// chunk with the stop reason and the usage (the prompt's from
/// `message_start`, the output's from the last `message_delta`). An
/// `error` event (such as `overloaded_error`) is an error, and so is a
/// stream that ends before `message_stop`, the event that ends every
/// message (`Unavailable`: it was cut short).
///
/// ```
/// use mosaic_providers::ai::decode_all;
/// use mosaic_providers::anthropic::StreamDecoder;
///
/// let body = concat!(
///     "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}\n\n",
///     "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
///     "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n",
///     "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
///     "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":2}}\n\n",
///     "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
/// );
/// let chunks = decode_all(&mut StreamDecoder::new(), body.as_bytes())?;
/// assert_eq!(chunks[0].delta, "Hello");
/// let usage = chunks.last().unwrap().usage.unwrap();
/// assert_eq!((usage.input_tokens, usage.output_tokens), (10, 2));
/// # Ok::<(), mosaic_core::Error>(())
/// ```
#[derive(Default)]
pub struct StreamDecoder {
    sse: SseDecoder,
    state: State,
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
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// A decoder for an answer whose structured (JSON) output comes as the
    /// input of the tool `json_tool`: that input is passed on as text.
    pub(crate) fn with_json_tool(json_tool: Option<String>) -> Self {
        StreamDecoder {
            sse: SseDecoder::new(),
            state: State {
                json_tool,
                ..State::default()
            },
        }
    }
}

#[derive(Debug)]
enum Block {
    Text,
    Tool {
        ordinal: u32,
        got_input: bool,
        initial: Option<String>,
    },
    JsonTool {
        got_input: bool,
        initial: Option<String>,
    },
    Ignored,
}

#[derive(Default)]
struct State {
    json_tool: Option<String>,
    blocks: HashMap<u32, Block>,
    tools: ToolCallAssembler,
    next_tool: u32,
    start_usage: Option<wire::Usage>,
    delta_usage: Option<wire::Usage>,
    stop_reason: Option<String>,
    done: bool,
}

fn non_empty_input(input: &serde_json::Value) -> Option<String> {
    match input {
        serde_json::Value::Object(m) if !m.is_empty() => Some(input.to_string()),
        _ => None,
    }
}

impl State {
    fn on_event(&mut self, ev: &SseEvent, out: &mut Vec<ChatChunk>) -> Result<()> {
        if self.done || ev.data.trim().is_empty() {
            return Ok(());
        }
        let event: wire::StreamEvent = decode_event(PROVIDER, "message event", ev.data.as_bytes())?;
        match event {
            wire::StreamEvent::MessageStart { message } => {
                self.start_usage = message.usage;
            }
            wire::StreamEvent::ContentBlockStart {
                index,
                content_block,
            } => self.block_start(index, content_block, out),
            wire::StreamEvent::ContentBlockDelta { index, delta } => {
                self.block_delta(index, delta, out);
            }
            wire::StreamEvent::ContentBlockStop { index } => self.block_stop(index, out)?,
            wire::StreamEvent::MessageDelta { delta, usage } => {
                if delta.stop_reason.is_some() {
                    self.stop_reason = delta.stop_reason;
                }
                if usage.is_some() {
                    self.delta_usage = usage;
                }
            }
            wire::StreamEvent::MessageStop => self.emit_final(out)?,
            wire::StreamEvent::Error { error } => return Err(map::stream_error(&error)),
            wire::StreamEvent::Ping | wire::StreamEvent::Unknown => {}
        }
        Ok(())
    }

    fn block_start(&mut self, index: u32, block: wire::ContentBlock, out: &mut Vec<ChatChunk>) {
        let state = match block {
            wire::ContentBlock::Text { text } => {
                if !text.is_empty() {
                    out.push(ChatChunk {
                        delta: text,
                        ..Default::default()
                    });
                }
                Block::Text
            }
            wire::ContentBlock::ToolUse { name, input, .. }
                if Some(name.as_str()) == self.json_tool.as_deref() =>
            {
                Block::JsonTool {
                    got_input: false,
                    initial: non_empty_input(&input),
                }
            }
            wire::ContentBlock::ToolUse { id, name, input } => {
                let ordinal = self.next_tool;
                self.next_tool += 1;
                let delta = ToolCallDelta {
                    index: ordinal,
                    id: Some(id),
                    name: Some(name),
                    arguments: String::new(),
                };
                self.tools.push(&delta);
                out.push(ChatChunk {
                    tool_call_deltas: vec![delta],
                    ..Default::default()
                });
                Block::Tool {
                    ordinal,
                    got_input: false,
                    initial: non_empty_input(&input),
                }
            }
            wire::ContentBlock::Other => Block::Ignored,
        };
        self.blocks.insert(index, state);
    }

    fn block_delta(&mut self, index: u32, delta: wire::BlockDelta, out: &mut Vec<ChatChunk>) {
        let Some(block) = self.blocks.get_mut(&index) else {
            return;
        };
        match (block, delta) {
            (Block::Text, wire::BlockDelta::TextDelta { text }) if !text.is_empty() => {
                out.push(ChatChunk {
                    delta: text,
                    ..Default::default()
                });
            }
            (
                Block::Tool {
                    ordinal, got_input, ..
                },
                wire::BlockDelta::InputJsonDelta { partial_json },
            ) => {
                *got_input = true;
                if partial_json.is_empty() {
                    return;
                }
                let delta = ToolCallDelta {
                    index: *ordinal,
                    id: None,
                    name: None,
                    arguments: partial_json,
                };
                self.tools.push(&delta);
                out.push(ChatChunk {
                    tool_call_deltas: vec![delta],
                    ..Default::default()
                });
            }
            (
                Block::JsonTool { got_input, .. },
                wire::BlockDelta::InputJsonDelta { partial_json },
            ) => {
                *got_input = true;
                if !partial_json.is_empty() {
                    out.push(ChatChunk {
                        delta: partial_json,
                        ..Default::default()
                    });
                }
            }
            _ => {}
        }
    }

    fn block_stop(&mut self, index: u32, out: &mut Vec<ChatChunk>) -> Result<()> {
        match self.blocks.remove(&index) {
            Some(Block::Tool {
                ordinal,
                got_input,
                initial,
            }) => {
                let mut c = ChatChunk::default();
                if let (false, Some(args)) = (got_input, initial) {
                    let delta = ToolCallDelta {
                        index: ordinal,
                        id: None,
                        name: None,
                        arguments: args,
                    };
                    self.tools.push(&delta);
                    c.tool_call_deltas.push(delta);
                }
                if let Some(done) = self
                    .tools
                    .complete(ordinal)
                    .map_err(|e| e.with_provider(PROVIDER))?
                {
                    c.tool_call_deltas.extend(done.closing);
                    c.tool_calls.push(done.call);
                }
                out.push(c);
            }
            Some(Block::JsonTool {
                got_input: false,
                initial: Some(text),
            }) => out.push(ChatChunk {
                delta: text,
                ..Default::default()
            }),
            _ => {}
        }
        Ok(())
    }

    fn emit_final(&mut self, out: &mut Vec<ChatChunk>) -> Result<()> {
        let mut c = ChatChunk::default();
        for done in self
            .tools
            .complete_all()
            .map_err(|e| e.with_provider(PROVIDER))?
        {
            c.tool_call_deltas.extend(done.closing);
            c.tool_calls.push(done.call);
        }
        let finish = self
            .stop_reason
            .as_deref()
            .map(|s| map::finish_reason(s, self.json_tool.is_some()))
            .unwrap_or_else(|| FinishReason::Other("unspecified".to_owned()));
        // `message_delta` usage is cumulative; fields it leaves out keep
        // their `message_start` values.
        let start = self.start_usage.take().unwrap_or_default();
        let delta = self.delta_usage.take().unwrap_or_default();
        let merged = wire::Usage {
            input_tokens: delta.input_tokens.or(start.input_tokens),
            output_tokens: delta.output_tokens.or(start.output_tokens),
            cache_creation_input_tokens: delta
                .cache_creation_input_tokens
                .or(start.cache_creation_input_tokens),
            cache_read_input_tokens: delta
                .cache_read_input_tokens
                .or(start.cache_read_input_tokens),
        };
        c.finish_reason = Some(finish);
        c.usage = Some(map::usage(&merged));
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
            if !state.done && !data.is_empty() && !is_json(data.as_bytes()) {
                return Err(cut_short(PROVIDER, "`message_stop`"));
            }
            state.on_event(ev, out)
        })?;
        if state.done {
            return Ok(());
        }
        // `message_stop` ends every message; without it (even after a
        // `message_delta` with the stop reason) the stream was cut.
        Err(cut_short(
            PROVIDER,
            if state.stop_reason.is_some() {
                "`message_stop` (after the stop reason)"
            } else {
                "`message_stop`"
            },
        ))
    }

    fn is_done(&self) -> bool {
        self.state.done
    }
}
