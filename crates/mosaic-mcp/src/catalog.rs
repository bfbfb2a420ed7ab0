//! The tool catalog: one [`ToolSpec`] per operation of every family, made
//! from the families' operation tables (names, classes, doc text and
//! parameter types) rather than written by hand.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use mosaic::ai::AiOp;
use mosaic::cicd::CiCdOp;
use mosaic::git::GitOp;
use mosaic::kb::KbOp;
use mosaic::project::ProjectOp;
use mosaic::workflow::WorkflowOp;
use mosaic::{Family, core::Access, core::OpKind, core::OpMeta};
use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use serde_json::Value;

use crate::policy::is_destructive;

/// The MCP tool name of an operation: its name with `_` for `.`
/// (`git.pull_request.list` → `git_pull_request_list`), which fits the
/// character set every MCP client accepts.
///
/// ```
/// assert_eq!(mosaic_mcp::tool_name("git.pull_request.list"), "git_pull_request_list");
/// ```
pub fn tool_name(operation: &str) -> String {
    operation.replace('.', "_")
}

/// One operation as an MCP tool: its family, names, class, description and
/// input schema.
#[derive(Debug, Clone)]
pub struct ToolSpec {
    family: Family,
    operation: &'static str,
    tool: String,
    meta: OpMeta,
    destructive: bool,
    doc: &'static str,
    input_schema: Arc<JsonObject>,
}

impl ToolSpec {
    /// The family.
    pub fn family(&self) -> Family {
        self.family
    }

    /// The operation name (`git.pull_request.list`).
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The tool name (`git_pull_request_list`).
    pub fn tool_name(&self) -> &str {
        &self.tool
    }

    /// The operation's class (read or write, idempotent, cacheable).
    pub fn meta(&self) -> OpMeta {
        self.meta
    }

    /// Whether it only reads.
    pub fn is_read(&self) -> bool {
        self.meta.access == Access::Read
    }

    /// Whether it is a destructive write (see
    /// [`is_destructive`](crate::is_destructive)).
    pub fn is_destructive(&self) -> bool {
        self.destructive
    }

    /// The operation's doc text from its family table.
    pub fn doc(&self) -> &'static str {
        self.doc
    }

    /// The JSON Schema of the tool's arguments: the operation's parameters
    /// type, as it deserializes.
    pub fn input_schema(&self) -> &Arc<JsonObject> {
        &self.input_schema
    }

    /// The tool as MCP lists it: name, title, description, input schema and
    /// the read-only / destructive / idempotent hints.
    pub fn to_tool(&self) -> Tool {
        let class = match (self.is_read(), self.destructive, self.meta.idempotent) {
            (true, _, _) => "read",
            (false, true, _) => "destructive write",
            (false, false, true) => "idempotent write",
            (false, false, false) => "write",
        };
        let description = format!(
            "{}\n\nMosaic operation `{}` ({class}); runs through the deployment's routing, \
             failover, retries, limits and cache.",
            self.doc, self.operation
        );
        Tool::new(self.tool.clone(), description, self.input_schema.clone())
            .with_title(self.operation)
            .annotate(
                ToolAnnotations::new()
                    .read_only(self.is_read())
                    .destructive(!self.is_read() && self.destructive)
                    .idempotent(self.meta.idempotent)
                    .open_world(true),
            )
    }
}

/// Every operation of every family as a [`ToolSpec`], in family then
/// table order, and the lookup by tool name.
#[derive(Debug)]
pub struct Catalog {
    specs: Vec<ToolSpec>,
    by_tool: HashMap<String, usize>,
}

impl Catalog {
    /// The catalog (built once, on first use).
    pub fn get() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(Catalog::build)
    }

    fn build() -> Catalog {
        let mut specs = Vec::new();
        add::<GitOp>(&mut specs);
        add::<CiCdOp>(&mut specs);
        add::<AiOp>(&mut specs);
        add::<KbOp>(&mut specs);
        add::<WorkflowOp>(&mut specs);
        add::<ProjectOp>(&mut specs);
        let by_tool = specs
            .iter()
            .enumerate()
            .map(|(i, s)| (s.tool.clone(), i))
            .collect();
        Catalog { specs, by_tool }
    }

    /// Every operation.
    pub fn specs(&self) -> &[ToolSpec] {
        &self.specs
    }

    /// The operation behind tool `name`.
    pub fn by_tool(&self, name: &str) -> Option<&ToolSpec> {
        self.by_tool.get(name).map(|&i| &self.specs[i])
    }
}

/// What the catalog needs of a family's operation kind beyond [`OpKind`]:
/// the inherent `doc()` and `params_schema()` that `define_family!`
/// generates.
trait Described: OpKind {
    fn text(self) -> &'static str;
    fn schema(self) -> schemars::Schema;
}

macro_rules! described {
    ($($kind:ty),+ $(,)?) => {$(
        impl Described for $kind {
            fn text(self) -> &'static str {
                <$kind>::doc(self)
            }
            fn schema(self) -> schemars::Schema {
                <$kind>::params_schema(self)
            }
        }
    )+};
}

described!(GitOp, CiCdOp, AiOp, KbOp, WorkflowOp, ProjectOp);

fn add<K: Described>(specs: &mut Vec<ToolSpec>) {
    for &kind in K::ALL {
        let operation = kind.name();
        specs.push(ToolSpec {
            family: K::FAMILY,
            operation,
            tool: tool_name(operation),
            meta: kind.meta(),
            destructive: is_destructive(operation),
            doc: kind.text(),
            input_schema: Arc::new(input_schema(kind.schema())),
        });
    }
}

/// The root of a parameters schema as MCP wants it: an object schema
/// without the Rust type's title and doc (noise to a model; the tool has
/// its own description).
fn input_schema(schema: schemars::Schema) -> JsonObject {
    let mut object = match schema.to_value() {
        Value::Object(o) => o,
        _ => JsonObject::new(),
    };
    object.remove("title");
    object.remove("description");
    object
        .entry("type")
        .or_insert_with(|| Value::String("object".into()));
    object
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_a_tool_with_an_object_schema_and_a_description() {
        let catalog = Catalog::get();
        let total: usize = Family::ALL.iter().map(|f| f.operation_names().len()).sum();
        assert_eq!(catalog.specs().len(), total);
        for spec in catalog.specs() {
            assert_eq!(
                spec.input_schema().get("type"),
                Some(&Value::String("object".into())),
                "{}",
                spec.operation()
            );
            assert!(!spec.doc().is_empty(), "{} has no doc", spec.operation());
            assert!(
                spec.tool_name()
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "{}",
                spec.tool_name()
            );
            assert_eq!(
                catalog.by_tool(spec.tool_name()).map(ToolSpec::operation),
                Some(spec.operation()),
                "tool names are unique"
            );
        }
    }

    #[test]
    fn a_schema_describes_the_parameters_type() {
        let spec = Catalog::get()
            .by_tool("git_pull_request_list")
            .expect("listed");
        let schema = spec.input_schema();
        let props = schema["properties"].as_object().expect("properties");
        assert!(props.contains_key("repo") && props.contains_key("state"));
        assert!(!schema.contains_key("title"));
        assert_eq!(spec.doc(), "List pull requests.");
        assert!(spec.is_read());
        let tool = spec.to_tool();
        let hints = tool.annotations.expect("annotations");
        assert_eq!(hints.read_only_hint, Some(true));
        assert_eq!(hints.destructive_hint, Some(false));
    }

    #[test]
    fn destructive_writes_are_marked() {
        let merge = Catalog::get()
            .by_tool("git_pull_request_merge")
            .expect("listed");
        assert!(merge.is_destructive() && !merge.is_read());
        assert_eq!(
            merge.to_tool().annotations.and_then(|a| a.destructive_hint),
            Some(true)
        );
        let create = Catalog::get()
            .by_tool("git_pull_request_create")
            .expect("listed");
        assert!(!create.is_destructive());
    }
}
