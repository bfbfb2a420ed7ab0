//! Content capture: prompts and completions as JSON text in the GenAI
//! conventions' message schemas (`gen-ai-input-messages.json`,
//! `gen-ai-output-messages.json`, `gen-ai-system-instructions.json`).
//!
//! Only used when the host opted in with
//! [`GenAiTraceLayer::capture_content`](super::GenAiTraceLayer::capture_content).

use std::fmt::Write as _;

use mosaic_core::ai::{AiRequest, FinishReason, Message, Role, ToolCall};

/// A request's captured input.
pub(crate) struct Input {
    /// `gen_ai.system_instructions`.
    pub(crate) system: Option<String>,
    /// `gen_ai.input.messages`.
    pub(crate) messages: String,
}

impl Input {
    /// The input of a chat or completion; `None` for other operations.
    pub(crate) fn of(request: &AiRequest) -> Option<Input> {
        match request {
            AiRequest::Chat(r) | AiRequest::ChatStream(r) => Some(Input {
                system: r.system.as_deref().map(|s| {
                    let mut out = String::from("[");
                    push_text_part(&mut out, s);
                    out.push(']');
                    out
                }),
                messages: input_messages(&r.messages),
            }),
            AiRequest::Complete(r) => {
                let mut messages = String::from(r#"[{"role":"user","parts":["#);
                push_text_part(&mut messages, &r.prompt);
                messages.push_str("]}]");
                Some(Input {
                    system: None,
                    messages,
                })
            }
            _ => None,
        }
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::System => "system",
        Role::User => "user",
        Role::Assistant => "assistant",
        Role::Tool => "tool",
    }
}

fn input_messages(messages: &[Message]) -> String {
    let mut out = String::from("[");
    for (i, m) in messages.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(r#"{"role":"#);
        push_json_str(&mut out, role_name(m.role));
        out.push_str(r#","parts":["#);
        if m.role == Role::Tool {
            out.push_str(r#"{"type":"tool_call_response","id":"#);
            match &m.tool_call_id {
                Some(id) => push_json_str(&mut out, id),
                None => out.push_str("null"),
            }
            out.push_str(r#","response":"#);
            push_json_str(&mut out, &m.content);
            out.push('}');
        } else {
            push_parts(&mut out, &m.content, &m.tool_calls);
        }
        out.push_str("]}");
    }
    out.push(']');
    out
}

/// `gen_ai.output.messages` of one answer: its text and tool calls.
pub(crate) fn chat_output(
    text: &str,
    tool_calls: &[ToolCall],
    finish_reason: Option<&FinishReason>,
) -> String {
    let mut out = String::from(r#"[{"role":"assistant","parts":["#);
    push_parts(&mut out, text, tool_calls);
    out.push_str(r#"],"finish_reason":"#);
    let reason = match finish_reason {
        None | Some(FinishReason::Stop) => "stop",
        Some(FinishReason::Length) => "length",
        Some(FinishReason::ToolCalls) => "tool_call",
        Some(FinishReason::ContentFilter) => "content_filter",
        Some(FinishReason::Other(other)) => other,
    };
    push_json_str(&mut out, reason);
    out.push_str("}]");
    out
}

/// A text part (when there is text) and one part per tool call.
fn push_parts(out: &mut String, text: &str, tool_calls: &[ToolCall]) {
    let mut first = true;
    if !text.is_empty() {
        push_text_part(out, text);
        first = false;
    }
    for call in tool_calls {
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(r#"{"type":"tool_call","id":"#);
        push_json_str(out, &call.id);
        out.push_str(r#","name":"#);
        push_json_str(out, &call.name);
        // The model's argument text, as a string: it need not be valid JSON.
        out.push_str(r#","arguments":"#);
        push_json_str(out, &call.arguments);
        out.push('}');
    }
}

fn push_text_part(out: &mut String, text: &str) {
    out.push_str(r#"{"type":"text","content":"#);
    push_json_str(out, text);
    out.push('}');
}

/// Append `s` as a JSON string literal.
pub(crate) fn push_json_str(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use mosaic_core::ai::{ChatRequest, CompletionRequest};

    fn json(s: &str) -> String {
        let mut out = String::new();
        push_json_str(&mut out, s);
        out
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(json("plain"), r#""plain""#);
        assert_eq!(json("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(json("l1\nl2\r\t"), r#""l1\nl2\r\t""#);
        assert_eq!(json("\u{1}\u{1f}é"), "\"\\u0001\\u001fé\"");
    }

    #[test]
    fn chat_input_follows_the_message_schema() {
        let mut req = ChatRequest::new("m", "hi").system("be brief");
        req.messages.push(Message {
            role: Role::Assistant,
            content: String::new(),
            tool_calls: vec![ToolCall {
                id: "c1".into(),
                name: "weather".into(),
                arguments: r#"{"city":"Paris"}"#.into(),
            }],
            tool_call_id: None,
        });
        req.messages.push(Message::tool_result("c1", "rainy"));
        let input = Input::of(&AiRequest::Chat(req)).unwrap();
        assert_eq!(
            input.system.as_deref(),
            Some(r#"[{"type":"text","content":"be brief"}]"#)
        );
        assert_eq!(
            input.messages,
            concat!(
                r#"[{"role":"user","parts":[{"type":"text","content":"hi"}]},"#,
                r#"{"role":"assistant","parts":[{"type":"tool_call","id":"c1","name":"weather","arguments":"{\"city\":\"Paris\"}"}]},"#,
                r#"{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":"rainy"}]}]"#
            )
        );
    }

    #[test]
    fn completion_input_and_output() {
        let input = Input::of(&AiRequest::Complete(CompletionRequest {
            model: "m".into(),
            prompt: "once".into(),
            ..Default::default()
        }))
        .unwrap();
        assert_eq!(input.system, None);
        assert_eq!(
            input.messages,
            r#"[{"role":"user","parts":[{"type":"text","content":"once"}]}]"#
        );
        assert_eq!(
            chat_output("upon", &[], Some(&FinishReason::Length)),
            r#"[{"role":"assistant","parts":[{"type":"text","content":"upon"}],"finish_reason":"length"}]"#
        );
    }
}
