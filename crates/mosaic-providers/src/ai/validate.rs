//! Checks every AI provider makes before sending a request, so mistakes
//! are `InvalidInput` naming the field instead of an upstream 400.

use std::collections::HashSet;

use mosaic_core::ai::{ChatRequest, CompletionRequest, EmbeddingRequest, Role, ToolChoice};
use mosaic_core::{Error, Result};

/// Check a chat request: a model, at least one message, tool names that
/// are unique and valid (`[A-Za-z0-9_-]{1,64}`), object schemas, a tool
/// choice naming a listed tool, tool results answering a call, sane
/// sampling values.
pub fn check_chat(req: &ChatRequest) -> Result<()> {
    if req.model.trim().is_empty() {
        return Err(Error::invalid_input("model", "a model is required"));
    }
    if req.messages.is_empty() {
        return Err(Error::invalid_input(
            "messages",
            "at least one message is required",
        ));
    }
    let mut names = HashSet::new();
    for (i, t) in req.tools.iter().enumerate() {
        let ok = !t.name.is_empty()
            && t.name.len() <= 64
            && t.name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !ok {
            return Err(Error::invalid_input(
                format!("tools[{i}].name"),
                "tool names are 1 to 64 letters, digits, `_` or `-`",
            ));
        }
        if !names.insert(t.name.as_str()) {
            return Err(Error::invalid_input(
                format!("tools[{i}].name"),
                format!("tool `{}` is listed twice", t.name),
            ));
        }
        if !(t.parameters.is_object() || t.parameters.is_null()) {
            return Err(Error::invalid_input(
                format!("tools[{i}].parameters"),
                "the parameters must be a JSON Schema object",
            ));
        }
    }
    match &req.tool_choice {
        Some(ToolChoice::Tool(name)) if !names.contains(name.as_str()) => {
            return Err(Error::invalid_input(
                "tool_choice",
                format!("tool `{name}` is not among the request's tools"),
            ));
        }
        Some(ToolChoice::Required) if req.tools.is_empty() => {
            return Err(Error::invalid_input(
                "tool_choice",
                "a tool is required but the request has no tools",
            ));
        }
        _ => {}
    }
    for (i, m) in req.messages.iter().enumerate() {
        if m.role == Role::Tool && m.tool_call_id.as_deref().is_none_or(str::is_empty) {
            return Err(Error::invalid_input(
                format!("messages[{i}].tool_call_id"),
                "a tool result must name the call it answers",
            ));
        }
        for (j, c) in m.tool_calls.iter().enumerate() {
            if c.id.is_empty() || c.name.is_empty() {
                return Err(Error::invalid_input(
                    format!("messages[{i}].tool_calls[{j}]"),
                    "a tool call needs an id and a name",
                ));
            }
        }
    }
    check_sampling(req.temperature, req.top_p, req.max_tokens)
}

/// Check a completion request: a model, sane sampling values.
pub fn check_completion(req: &CompletionRequest) -> Result<()> {
    if req.model.trim().is_empty() {
        return Err(Error::invalid_input("model", "a model is required"));
    }
    check_sampling(req.temperature, None, req.max_tokens)
}

/// Check an embedding request: a model and at least one input.
pub fn check_embedding(req: &EmbeddingRequest) -> Result<()> {
    if req.model.trim().is_empty() {
        return Err(Error::invalid_input("model", "a model is required"));
    }
    if req.inputs.is_empty() {
        return Err(Error::invalid_input(
            "inputs",
            "at least one input is required",
        ));
    }
    if req.dimensions == Some(0) {
        return Err(Error::invalid_input(
            "dimensions",
            "dimensions must be positive",
        ));
    }
    Ok(())
}

fn check_sampling(temperature: Option<f32>, top_p: Option<f32>, max: Option<u32>) -> Result<()> {
    if let Some(t) = temperature
        && !(t.is_finite() && (0.0..=2.0).contains(&t))
    {
        return Err(Error::invalid_input(
            "temperature",
            "temperature must be between 0 and 2",
        ));
    }
    if let Some(p) = top_p
        && !(p.is_finite() && (0.0..=1.0).contains(&p))
    {
        return Err(Error::invalid_input(
            "top_p",
            "top_p must be between 0 and 1",
        ));
    }
    if max == Some(0) {
        return Err(Error::invalid_input(
            "max_tokens",
            "max_tokens must be positive",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mosaic_core::ai::{Message, Tool};

    fn tool(name: &str) -> Tool {
        Tool {
            name: name.into(),
            description: None,
            parameters: serde_json::json!({"type": "object"}),
        }
    }

    #[test]
    fn fields_are_named() {
        let field = |r: ChatRequest| check_chat(&r).unwrap_err().field().map(str::to_owned);
        assert_eq!(field(ChatRequest::new("", "x")).as_deref(), Some("model"));
        let mut r = ChatRequest::new("m", "x");
        r.messages.clear();
        assert_eq!(field(r).as_deref(), Some("messages"));
        let r = ChatRequest::new("m", "x").tool(tool("a b"));
        assert_eq!(field(r).as_deref(), Some("tools[0].name"));
        let r = ChatRequest::new("m", "x").tool(tool("a")).tool(tool("a"));
        assert_eq!(field(r).as_deref(), Some("tools[1].name"));
        let mut r = ChatRequest::new("m", "x").tool(tool("a"));
        r.tool_choice = Some(ToolChoice::Tool("b".into()));
        assert_eq!(field(r).as_deref(), Some("tool_choice"));
        let mut r = ChatRequest::new("m", "x");
        r.messages.push(Message {
            role: Role::Tool,
            ..Default::default()
        });
        assert_eq!(field(r).as_deref(), Some("messages[1].tool_call_id"));
        let mut r = ChatRequest::new("m", "x");
        r.temperature = Some(f32::NAN);
        assert_eq!(field(r).as_deref(), Some("temperature"));
        assert!(check_chat(&ChatRequest::new("m", "x").tool(tool("ok_1-2"))).is_ok());
        let e = EmbeddingRequest {
            model: "m".into(),
            ..Default::default()
        };
        assert_eq!(check_embedding(&e).unwrap_err().field(), Some("inputs"));
    }
}
