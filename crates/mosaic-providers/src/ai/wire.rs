//! Request shapes the OpenAI-compatible and Ollama chat APIs share.

use mosaic_core::ai::Tool;
use serde::Serialize;
use serde_json::Value;

/// A function tool definition: `{"type": "function", "function": {...}}`.
#[derive(Debug, Serialize)]
pub(crate) struct RequestTool<'a> {
    /// Always `function`.
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    /// The function.
    pub(crate) function: FunctionDef<'a>,
}

/// `function` of a tool definition.
#[derive(Debug, Serialize)]
pub(crate) struct FunctionDef<'a> {
    /// Name.
    pub(crate) name: &'a str,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<&'a str>,
    /// JSON Schema of the arguments.
    pub(crate) parameters: Value,
}

// Unused when Anthropic is the only AI provider built; `full` builds
// every user, so dead code still shows there.
#[cfg_attr(not(feature = "full"), allow(dead_code))]
impl<'a> RequestTool<'a> {
    /// `tool` as a function definition.
    pub(crate) fn function(tool: &'a Tool) -> Self {
        RequestTool {
            kind: "function",
            function: FunctionDef {
                name: &tool.name,
                description: tool.description.as_deref(),
                parameters: super::tool_schema(&tool.parameters),
            },
        }
    }
}
