//! From a tool call to the family client's service and back: the JSON
//! arguments become the family's request enum variant, which is sent with
//! the call's context through the deployment's whole stack (routing,
//! failover, retries, breakers, limits, cache); the answer comes back as
//! JSON.

use mosaic::ai::{AiOp, AiRequest, AiResponse};
use mosaic::cicd::{CiCdOp, CiCdRequest};
use mosaic::git::{GitOp, GitRequest};
use mosaic::kb::{KbOp, KbRequest};
use mosaic::project::{ProjectOp, ProjectRequest};
use mosaic::workflow::{WorkflowOp, WorkflowRequest};
use mosaic::{Error, ErrorKind, Family, Mosaic, RequestContext, Result};
use serde_json::Value;

/// Call `operation` of `family` with `arguments` (the operation's
/// parameters as JSON) through `mosaic`'s client of that family.
///
/// `InvalidInput` when the arguments do not fit the parameters type;
/// otherwise whatever the stack answers.
pub(crate) async fn invoke(
    mosaic: &Mosaic,
    family: Family,
    operation: &str,
    arguments: Value,
    context: RequestContext,
) -> Result<Value> {
    macro_rules! call {
        ($client:expr, $Kind:ty, $Req:ty) => {{
            let client = $client?;
            let request =
                <$Req>::from_json(kind(<$Kind>::from_name(operation), operation)?, arguments)
                    .map_err(|e| bad_arguments(operation, &e))?;
            let response = client.call_with(context, request).await?;
            encode(operation, response.to_json())
        }};
    }
    match family {
        Family::Git => call!(mosaic.git(), GitOp, GitRequest),
        Family::CiCd => call!(mosaic.cicd(), CiCdOp, CiCdRequest),
        Family::KnowledgeBase => call!(mosaic.kb(), KbOp, KbRequest),
        Family::Workflow => call!(mosaic.workflow(), WorkflowOp, WorkflowRequest),
        Family::Project => call!(mosaic.projects(), ProjectOp, ProjectRequest),
        Family::Ai => {
            let client = mosaic.ai()?;
            let request =
                AiRequest::from_json(kind(AiOp::from_name(operation), operation)?, arguments)
                    .map_err(|e| bad_arguments(operation, &e))?;
            let model = match &request {
                AiRequest::ChatStream(chat) => chat.model.clone(),
                _ => String::new(),
            };
            match client.call_with(context, request).await? {
                // A tool answers once: the stream is drained into the whole
                // answer (restarts on failover included).
                AiResponse::ChatStream(stream) => {
                    let answer = stream.collect_response(model).await?;
                    encode(operation, serde_json::to_value(answer))
                }
                other => encode(operation, other.to_json()),
            }
        }
        // `Family` may grow; a family this build does not know has no tools.
        #[allow(unreachable_patterns)]
        _ => Err(Error::new(
            ErrorKind::Unsupported,
            format!("`{operation}`: family `{family}` is not served over MCP"),
        )),
    }
}

/// The kind `from_name` found, or `Internal` (the catalog and the tables
/// disagree).
fn kind<K>(found: Option<K>, operation: &str) -> Result<K> {
    found.ok_or_else(|| Error::internal(format!("`{operation}` is in no family table")))
}

fn encode(operation: &str, value: serde_json::Result<Value>) -> Result<Value> {
    value.map_err(|e| Error::internal(format!("`{operation}`: cannot encode the answer: {e}")))
}

/// `InvalidInput` naming what is wrong with the arguments, without the
/// values serde quotes (they may be secrets the caller sent).
fn bad_arguments(operation: &str, e: &serde_json::Error) -> Error {
    let message = unquoted(&e.to_string());
    Error::invalid_input(
        "arguments",
        format!("the arguments do not fit `{operation}`: {message}"),
    )
}

/// `text` with every double-quoted run replaced by `"…"`.
fn unquoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut parts = text.split('"');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    let rest: Vec<&str> = parts.collect();
    // Pairs of (quoted, following); an unpaired quote keeps its text.
    let mut i = 0;
    while i < rest.len() {
        if i + 1 < rest.len() {
            out.push_str("\"…\"");
            out.push_str(rest[i + 1]);
        } else {
            out.push('"');
            out.push_str(rest[i]);
        }
        i += 2;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_are_hidden() {
        assert_eq!(
            unquoted(r#"invalid type: string "s3cr3t", expected u32 at line 1"#),
            r#"invalid type: string "…", expected u32 at line 1"#
        );
        assert_eq!(unquoted("missing field `owner`"), "missing field `owner`");
        assert_eq!(unquoted(r#"a "b" c "d"#), r#"a "…" c "d"#);
    }

    #[test]
    fn every_operation_name_finds_its_kind() {
        for op in Family::Git.operation_names() {
            let k = kind(GitOp::from_name(op), op).expect("found");
            assert_eq!(mosaic::core::OpKind::name(k), *op);
        }
        assert!(kind(GitOp::from_name("kb.search"), "kb.search").is_err());
    }
}
