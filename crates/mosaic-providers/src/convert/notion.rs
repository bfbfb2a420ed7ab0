//! The document model to and from Notion blocks (API version 2022-06-28).
//!
//! Blocks are JSON objects of the shape Notion reads and writes:
//! `{"type": "paragraph", "paragraph": {"rich_text": [...]}}`. Children
//! (list nesting, quote bodies) sit inside the type object under
//! `children`, exactly as the append-children endpoint takes them; an
//! adapter that reads a page fills them in the same place.
//!
//! | model | Notion |
//! |---|---|
//! | heading 1–3 | `heading_1`…`heading_3` (4–6 are written as `heading_3` and reported) |
//! | paragraph | `paragraph` |
//! | list items | `bulleted_list_item` / `numbered_list_item`, nested lists as `children` |
//! | code block | `code` with `language` (unknown languages become `plain text`, reported) |
//! | block quote | `quote` (first paragraph as its text, the rest as `children`) |
//! | rule | `divider` |
//! | strong, emphasis, strikethrough, code | rich-text `annotations` |
//! | link | rich-text `text.link.url` |
//! | line break | `\n` inside rich text |
//!
//! Every other block (to-dos, toggles, callouts, tables, images, child
//! pages…) and every other rich-text object (mentions, equations) is kept
//! as a [`Raw`] node holding its JSON and written back unchanged.
//! Underline and colours have no place in the model and are reported.

use mosaic_core::{Error, Result};
use serde_json::{Map, Value, json};

use super::model::{
    Block, Document, Inline, LinkTarget, List, ListItem, ListKind, MAX_DEPTH, Marks, Raw,
    RawFormat, Span, SpanContent, from_spans, inline_text, to_spans, trim_spans_at_breaks,
};
use super::report::{ConversionReport, Converted, NoteKind};

mod write;
pub use write::{plain_text, to_blocks, to_rich_text};

/// The longest `text.content` Notion accepts in one rich-text object.
pub const MAX_TEXT_LEN: usize = 2000;

/// The code languages Notion accepts.
pub const LANGUAGES: &[&str] = &[
    "abap",
    "abc",
    "agda",
    "arduino",
    "ascii art",
    "assembly",
    "bash",
    "basic",
    "bnf",
    "c",
    "c#",
    "c++",
    "clojure",
    "coffeescript",
    "coq",
    "css",
    "dart",
    "dhall",
    "diff",
    "docker",
    "ebnf",
    "elixir",
    "elm",
    "erlang",
    "f#",
    "flow",
    "fortran",
    "gherkin",
    "glsl",
    "go",
    "graphql",
    "groovy",
    "haskell",
    "hcl",
    "html",
    "idris",
    "java",
    "javascript",
    "json",
    "julia",
    "kotlin",
    "latex",
    "less",
    "lisp",
    "livescript",
    "llvm ir",
    "lua",
    "makefile",
    "markdown",
    "markup",
    "matlab",
    "mathematica",
    "mermaid",
    "nix",
    "notion formula",
    "objective-c",
    "ocaml",
    "pascal",
    "perl",
    "php",
    "plain text",
    "powershell",
    "prolog",
    "protobuf",
    "purescript",
    "python",
    "r",
    "racket",
    "reason",
    "ruby",
    "rust",
    "sass",
    "scala",
    "scheme",
    "scss",
    "shell",
    "smalltalk",
    "solidity",
    "sql",
    "swift",
    "toml",
    "typescript",
    "vb.net",
    "verilog",
    "vhdl",
    "visual basic",
    "webassembly",
    "xml",
    "yaml",
    "java/c/c++/c#",
];

/// Notion's name for a Markdown language tag, if it has one.
pub fn notion_language(tag: &str) -> Option<&'static str> {
    let t = tag.trim().to_ascii_lowercase();
    let alias = match t.as_str() {
        "js" | "jsx" | "node" => "javascript",
        "ts" | "tsx" => "typescript",
        "sh" | "zsh" | "console" => "shell",
        "py" => "python",
        "rb" => "ruby",
        "rs" => "rust",
        "yml" => "yaml",
        "md" => "markdown",
        "cs" | "csharp" => "c#",
        "cpp" | "cxx" | "hpp" => "c++",
        "fs" | "fsharp" => "f#",
        "golang" => "go",
        "dockerfile" => "docker",
        "text" | "txt" | "plain" | "plaintext" => "plain text",
        "objc" => "objective-c",
        "tex" => "latex",
        "kt" => "kotlin",
        "wasm" => "webassembly",
        "proto" => "protobuf",
        "make" => "makefile",
        "ps1" | "pwsh" => "powershell",
        "vb" => "visual basic",
        other => other,
    };
    LANGUAGES.iter().copied().find(|l| *l == alias)
}

/// Keys of a block object that Notion sets itself and refuses on input.
const READ_ONLY_KEYS: &[&str] = &[
    "object",
    "id",
    "parent",
    "created_time",
    "last_edited_time",
    "created_by",
    "last_edited_by",
    "has_children",
    "archived",
    "in_trash",
    "request_id",
];

fn malformed(at: &str, what: impl Into<String>) -> Error {
    Error::decode(
        format!(
            "`{}` of the Notion blocks",
            if at.is_empty() { "/" } else { at }
        ),
        Malformed(what.into()),
    )
}

#[derive(Debug)]
struct Malformed(String);

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Malformed {}

/// A block stripped of the fields Notion sets itself, ready to be sent
/// again (children inside the type object are stripped too).
pub fn writable_block(block: &Value) -> Value {
    let Some(obj) = block.as_object() else {
        return block.clone();
    };
    let mut out = Map::new();
    for (k, v) in obj {
        if READ_ONLY_KEYS.contains(&k.as_str()) {
            continue;
        }
        out.insert(k.clone(), v.clone());
    }
    if let Some(t) = obj.get("type").and_then(Value::as_str)
        && let Some(Value::Object(inner)) = out.get_mut(t)
        && let Some(Value::Array(children)) = inner.get_mut("children")
    {
        for c in children.iter_mut() {
            *c = writable_block(c);
        }
    }
    Value::Object(out)
}

// ----------------------------------------------------------------------
// Notion → model

/// Read Notion blocks (each with its children, if any, under
/// `<type>.children`). A block without a `type`, or a rich-text array
/// that is not an array of objects, is a `Decode` error naming its JSON
/// pointer; JSON nested deeper than
/// [`MAX_SOURCE_DEPTH`](super::MAX_SOURCE_DEPTH) is an `InvalidInput`
/// error naming it. A block whose children would nest deeper than
/// [`MAX_DEPTH`] is kept, children and all, as a [`Raw`] node.
pub fn from_blocks(blocks: &[Value]) -> Result<Converted<Document>> {
    for (n, b) in blocks.iter().enumerate() {
        super::depth::check_json(b, &format!("/{n}"), "the Notion blocks")?;
    }
    let mut r = Reader {
        report: ConversionReport::new(),
        depth: 0,
    };
    let blocks = r.blocks(blocks, "")?;
    Ok(Converted::new(Document { blocks }, r.report))
}

/// Read one rich-text array into inline content.
pub fn from_rich_text(rich_text: &Value) -> Result<Converted<Vec<Inline>>> {
    super::depth::check_json(rich_text, "", "the Notion rich text")?;
    let mut r = Reader {
        report: ConversionReport::new(),
        depth: 0,
    };
    let inl = r.rich_text(Some(rich_text), "")?;
    Ok(Converted::new(inl, r.report))
}

struct Reader {
    report: ConversionReport,
    /// Blocks around the current one.
    depth: usize,
}

fn block_type<'v>(b: &'v Value, at: &str) -> Result<(&'v str, &'v Map<String, Value>)> {
    let obj = b
        .as_object()
        .ok_or_else(|| malformed(at, "a block must be an object"))?;
    let t = obj
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| malformed(&format!("{at}/type"), "missing block type"))?;
    let inner = match obj.get(t) {
        Some(Value::Object(m)) => m,
        _ => {
            return Err(malformed(
                &format!("{at}/{t}"),
                format!("a `{t}` block must carry a `{t}` object"),
            ));
        }
    };
    Ok((t, inner))
}

// The recursion (blocks → block → blocks) goes through small functions;
// the leaves are functions of their own.
impl Reader {
    fn blocks(&mut self, blocks: &[Value], at: &str) -> Result<Vec<Block>> {
        let mut out: Vec<Block> = Vec::new();
        for (n, b) in blocks.iter().enumerate() {
            self.block(b, &format!("{at}/{n}"), &mut out)?;
        }
        Ok(out)
    }

    /// Read block `b` (at `at`) and its children onto `out`.
    fn block(&mut self, b: &Value, at: &str, out: &mut Vec<Block>) -> Result<()> {
        let (t, inner) = block_type(b, at)?;
        let at_t = format!("{at}/{t}");
        let children = match inner.get("children") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(c)) if c.is_empty() => Vec::new(),
            Some(Value::Array(_)) if self.depth >= MAX_DEPTH => {
                // Too deep for the model: kept verbatim.
                out.push(self.raw_block(t, inner, b, &at_t));
                return Ok(());
            }
            Some(Value::Array(c)) => {
                self.depth += 1;
                let children = self.blocks(c, &format!("{at_t}/children"));
                self.depth -= 1;
                children?
            }
            Some(_) => return Err(malformed(&format!("{at_t}/children"), "must be an array")),
        };
        self.with_children(t, inner, b, at, children, out)
    }

    /// Read block `b` of type `t`, whose children have been read.
    fn with_children(
        &mut self,
        t: &str,
        inner: &Map<String, Value>,
        b: &Value,
        at: &str,
        children: Vec<Block>,
        out: &mut Vec<Block>,
    ) -> Result<()> {
        let at_t = format!("{at}/{t}");
        let rich =
            |this: &mut Self| this.rich_text(inner.get("rich_text"), &format!("{at_t}/rich_text"));
        match t {
            "paragraph" => {
                let c = rich(self)?;
                if !c.is_empty() {
                    out.push(Block::Paragraph(c));
                }
                if !children.is_empty() {
                    self.report.note(
                        NoteKind::Simplified,
                        at,
                        "indented blocks",
                        "blocks nested under a paragraph follow it instead",
                    );
                    out.extend(children);
                }
            }
            "heading_1" | "heading_2" | "heading_3"
                if !inner
                    .get("is_toggleable")
                    .and_then(Value::as_bool)
                    .unwrap_or(false) =>
            {
                out.push(Block::Heading {
                    level: t.as_bytes()[8] - b'0',
                    content: rich(self)?,
                })
            }
            "bulleted_list_item" | "numbered_list_item" => {
                let kind = if t == "bulleted_list_item" {
                    ListKind::Bullet
                } else {
                    ListKind::Ordered(1)
                };
                let mut blocks = Vec::new();
                let c = rich(self)?;
                if !c.is_empty() {
                    blocks.push(Block::Paragraph(c));
                }
                blocks.extend(children);
                let item = ListItem { blocks };
                match out.last_mut() {
                    Some(Block::List(l)) if l.kind == kind => l.items.push(item),
                    _ => out.push(Block::List(List {
                        kind,
                        items: vec![item],
                    })),
                }
            }
            "quote" => {
                let mut blocks = Vec::new();
                let c = rich(self)?;
                if !c.is_empty() {
                    blocks.push(Block::Paragraph(c));
                }
                blocks.extend(children);
                out.push(Block::BlockQuote(blocks));
            }
            "divider" => out.push(Block::Rule),
            "code" => out.push(self.code(inner, at, &at_t)?),
            _ => out.push(self.raw_block(t, inner, b, &at_t)),
        }
        Ok(())
    }

    fn code(&mut self, inner: &Map<String, Value>, at: &str, at_t: &str) -> Result<Block> {
        let code = plain(inner.get("rich_text"), &format!("{at_t}/rich_text"))?;
        let caption = plain(inner.get("caption"), &format!("{at_t}/caption"))?;
        let language = inner
            .get("language")
            .and_then(Value::as_str)
            .filter(|l| *l != "plain text")
            .map(str::to_owned);
        let raw = caption.strip_prefix("raw:").and_then(|rest| {
            let mut w = rest.splitn(2, ' ');
            let f = RawFormat::from_name(w.next().unwrap_or(""))?;
            Some((f, w.next().unwrap_or("block").to_owned()))
        });
        Ok(match raw {
            Some((format, kind)) => Block::Unsupported(Raw::new(format, kind, code)),
            None => {
                if !caption.is_empty() {
                    self.report.note(
                        NoteKind::Dropped,
                        at,
                        "code caption",
                        format!("caption `{caption}` has no place in the document model"),
                    );
                }
                Block::CodeBlock { language, code }
            }
        })
    }

    /// A block kept verbatim (writable: without the fields Notion sets).
    fn raw_block(&self, t: &str, inner: &Map<String, Value>, b: &Value, at_t: &str) -> Block {
        let text = match inner.get("rich_text") {
            Some(rt @ Value::Array(_)) => {
                plain(Some(rt), &format!("{at_t}/rich_text")).unwrap_or_default()
            }
            _ => String::new(),
        };
        let content = serde_json::to_string(&writable_block(b)).unwrap_or_default();
        Block::Unsupported(Raw::new(RawFormat::Notion, t, content).with_text(text))
    }

    fn rich_text(&mut self, v: Option<&Value>, at: &str) -> Result<Vec<Inline>> {
        let items = match v {
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(Value::Array(a)) => a,
            Some(_) => return Err(malformed(at, "rich text must be an array")),
        };
        let mut spans = Vec::new();
        for (n, item) in items.iter().enumerate() {
            let at = format!("{at}/{n}");
            let obj = item
                .as_object()
                .ok_or_else(|| malformed(&at, "a rich-text item must be an object"))?;
            let kind = obj
                .get("type")
                .and_then(Value::as_str)
                .ok_or_else(|| malformed(&format!("{at}/type"), "missing rich-text type"))?;
            let ann = obj.get("annotations").and_then(Value::as_object);
            let flag = |k: &str| {
                ann.and_then(|a| a.get(k))
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
            };
            if flag("underline") {
                self.report.note(
                    NoteKind::Dropped,
                    format!("{at}/annotations/underline"),
                    "underline",
                    "the text is kept without it",
                );
            }
            if let Some(c) = ann
                .and_then(|a| a.get("color"))
                .and_then(Value::as_str)
                .filter(|c| *c != "default")
            {
                self.report.note(
                    NoteKind::Dropped,
                    format!("{at}/annotations/color"),
                    "color",
                    format!("colour `{c}` is not kept"),
                );
            }
            let mut marks = Marks {
                strong: flag("bold"),
                emphasis: flag("italic"),
                strike: flag("strikethrough"),
                link: None,
            };
            if kind != "text" {
                let text = obj
                    .get("plain_text")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let content = serde_json::to_string(item).unwrap_or_default();
                spans.push(Span {
                    content: SpanContent::Raw(
                        Raw::new(RawFormat::Notion, kind, content).with_text(text),
                    ),
                    marks,
                });
                continue;
            }
            let text = obj
                .get("text")
                .and_then(Value::as_object)
                .ok_or_else(|| malformed(&format!("{at}/text"), "a text item needs `text`"))?;
            let content = text
                .get("content")
                .and_then(Value::as_str)
                .ok_or_else(|| malformed(&format!("{at}/text/content"), "missing text content"))?;
            let url = text
                .get("link")
                .and_then(|l| l.get("url"))
                .and_then(Value::as_str)
                .or_else(|| obj.get("href").and_then(Value::as_str));
            marks.link = url.map(|u| LinkTarget {
                url: u.to_owned(),
                title: None,
            });
            if flag("code") {
                spans.push(Span {
                    content: SpanContent::Code(content.to_owned()),
                    marks,
                });
            } else {
                for (k, line) in content.split('\n').enumerate() {
                    if k > 0 {
                        spans.push(Span {
                            content: SpanContent::LineBreak,
                            marks: marks.clone(),
                        });
                    }
                    if !line.is_empty() {
                        spans.push(Span::text(line, marks.clone()));
                    }
                }
            }
        }
        Ok(from_spans(trim_spans_at_breaks(spans)))
    }
}

/// The plain text of a rich-text array.
fn plain(v: Option<&Value>, at: &str) -> Result<String> {
    match v {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::Array(items)) => {
            let mut s = String::new();
            for (n, i) in items.iter().enumerate() {
                let t = i
                    .get("text")
                    .and_then(|t| t.get("content"))
                    .and_then(Value::as_str)
                    .or_else(|| i.get("plain_text").and_then(Value::as_str))
                    .ok_or_else(|| malformed(&format!("{at}/{n}"), "rich text without text"))?;
                s.push_str(t);
            }
            Ok(s)
        }
        Some(_) => Err(malformed(at, "rich text must be an array")),
    }
}
