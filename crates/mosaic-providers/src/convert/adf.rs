//! The document model to and from Atlassian Document Format (ADF), the
//! JSON that Jira Cloud (REST v3) and Confluence use for rich text.
//!
//! | model | ADF |
//! |---|---|
//! | document | `{"type": "doc", "version": 1, "content": [...]}` |
//! | heading | `heading` with `attrs.level` |
//! | paragraph | `paragraph` |
//! | lists | `bulletList` / `orderedList` (`attrs.order`) of `listItem` |
//! | code block | `codeBlock` with `attrs.language` |
//! | block quote | `blockquote` |
//! | rule | `rule` |
//! | text marks | `strong`, `em`, `strike`, `code`, `link` (`attrs.href`, `attrs.title`) |
//! | line break | `hardBreak` |
//!
//! Other nodes (panels, tables, media, mentions, emoji, status…) are kept
//! as [`Raw`] nodes holding their JSON and written back unchanged; a
//! mention or emoji shows as its text in other formats. Marks outside the
//! model (underline, colours, sub/superscript) are reported. ADF allows
//! `code` only together with `link`: other marks on inline code are
//! dropped on writing and reported.

use mosaic_core::{Error, Result};
use serde_json::{Map, Value, json};

use super::model::{
    Block, Document, Inline, LinkTarget, List, ListItem, ListKind, MAX_DEPTH, Marks, Raw,
    RawFormat, Span, SpanContent, from_spans, to_spans, trim_spans_at_breaks,
};
use super::report::{ConversionReport, Converted, NoteKind};

#[derive(Debug)]
struct Malformed(String);

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Malformed {}

fn malformed(at: &str, what: impl Into<String>) -> Error {
    Error::decode(
        format!(
            "`{}` of the ADF document",
            if at.is_empty() { "/" } else { at }
        ),
        Malformed(what.into()),
    )
}

// ----------------------------------------------------------------------
// ADF → model

/// Read an ADF document (`type: doc`). A node without a `type`, content
/// that is not an array, or a text node without text is a `Decode` error
/// naming its JSON pointer; JSON nested deeper than
/// [`MAX_SOURCE_DEPTH`](super::MAX_SOURCE_DEPTH) is an `InvalidInput`
/// error naming it. A list or block quote nested deeper than
/// [`MAX_DEPTH`] is kept as a [`Raw`] node.
pub fn from_adf(doc: &Value) -> Result<Converted<Document>> {
    super::depth::check_json(doc, "", "the ADF document")?;
    let obj = doc
        .as_object()
        .ok_or_else(|| malformed("", "an ADF document must be an object"))?;
    match obj.get("type").and_then(Value::as_str) {
        Some("doc") => {}
        Some(other) => {
            return Err(malformed(
                "/type",
                format!("expected a `doc` node, found `{other}`"),
            ));
        }
        None => return Err(malformed("/type", "missing node type")),
    }
    let mut r = Reader {
        report: ConversionReport::new(),
        depth: 0,
    };
    let blocks = r.blocks(obj.get("content"), "/content")?;
    Ok(Converted::new(Document { blocks }, r.report))
}

struct Reader {
    report: ConversionReport,
    /// Lists and block quotes around the current node.
    depth: usize,
}

fn content<'v>(v: Option<&'v Value>, at: &str) -> Result<&'v [Value]> {
    match v {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(malformed(at, "content must be an array")),
    }
}

fn node_type<'v>(n: &'v Value, at: &str) -> Result<(&'v str, &'v Map<String, Value>)> {
    let obj = n
        .as_object()
        .ok_or_else(|| malformed(at, "a node must be an object"))?;
    let t = obj
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| malformed(&format!("{at}/type"), "missing node type"))?;
    Ok((t, obj))
}

fn attr<'v>(obj: &'v Map<String, Value>, name: &str) -> Option<&'v Value> {
    obj.get("attrs").and_then(|a| a.get(name))
}

/// The readable text of an inline node outside the model.
fn inline_fallback(t: &str, obj: &Map<String, Value>) -> String {
    let s = |k: &str| attr(obj, k).and_then(Value::as_str).map(str::to_owned);
    match t {
        "mention" => s("text").unwrap_or_default(),
        "emoji" => s("text").or_else(|| s("shortName")).unwrap_or_default(),
        "inlineCard" => s("url").unwrap_or_default(),
        "status" => s("text").unwrap_or_default(),
        "date" => s("timestamp").unwrap_or_default(),
        _ => String::new(),
    }
}

fn text_of(nodes: &[Value]) -> String {
    let mut s = String::new();
    for n in nodes {
        if let Some(t) = n.get("text").and_then(Value::as_str) {
            s.push_str(t);
        }
        if let Some(Value::Array(c)) = n.get("content") {
            s.push_str(&text_of(c));
        }
    }
    s
}

impl Reader {
    fn raw(&self, t: &str, obj: &Map<String, Value>) -> Raw {
        let content = serde_json::to_string(&Value::Object(obj.clone())).unwrap_or_default();
        let text = match obj.get("content") {
            Some(Value::Array(c)) => text_of(c),
            _ => inline_fallback(t, obj),
        };
        Raw::new(RawFormat::Adf, t, content).with_text(text)
    }

    /// `f` one container deeper.
    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        self.depth += 1;
        let out = f(self);
        self.depth -= 1;
        out
    }

    // The recursion (blocks → block → list → blocks) goes through small
    // functions; the leaves are functions of their own.
    fn blocks(&mut self, v: Option<&Value>, at: &str) -> Result<Vec<Block>> {
        let nodes = content(v, at)?;
        let mut out = Vec::with_capacity(nodes.len());
        for (n, node) in nodes.iter().enumerate() {
            if let Some(b) = self.block(node, &format!("{at}/{n}"))? {
                out.push(b);
            }
        }
        Ok(out)
    }

    fn block(&mut self, node: &Value, at: &str) -> Result<Option<Block>> {
        let (t, obj) = node_type(node, at)?;
        let container = matches!(t, "bulletList" | "orderedList" | "blockquote");
        if container && self.depth >= MAX_DEPTH {
            // Too deep for the model: kept verbatim.
            return Ok(Some(Block::Unsupported(self.raw(t, obj))));
        }
        Ok(Some(match t {
            "bulletList" | "orderedList" => self.list(t, obj, at)?,
            "blockquote" => {
                let inner = format!("{at}/content");
                Block::BlockQuote(self.nested(|r| r.blocks(obj.get("content"), &inner))?)
            }
            _ => return self.leaf(t, obj, at),
        }))
    }

    fn list(&mut self, t: &str, obj: &Map<String, Value>, at: &str) -> Result<Block> {
        let kind = if t == "bulletList" {
            ListKind::Bullet
        } else {
            let order = match attr(obj, "order") {
                None | Some(Value::Null) => 1,
                Some(o) => o.as_u64().ok_or_else(|| {
                    malformed(&format!("{at}/attrs/order"), "order must be a number")
                })?,
            };
            ListKind::Ordered(order)
        };
        let inner = format!("{at}/content");
        let mut items = Vec::new();
        for (k, item) in content(obj.get("content"), &inner)?.iter().enumerate() {
            let at = format!("{inner}/{k}");
            let (it, iobj) = node_type(item, &at)?;
            let blocks = if it == "listItem" {
                self.nested(|r| r.blocks(iobj.get("content"), &format!("{at}/content")))?
            } else {
                // Not a list item: a list item of its own.
                self.nested(|r| r.block(item, &at))?.into_iter().collect()
            };
            items.push(ListItem { blocks });
        }
        Ok(Block::List(List { kind, items }))
    }

    fn leaf(&mut self, t: &str, obj: &Map<String, Value>, at: &str) -> Result<Option<Block>> {
        let inner = format!("{at}/content");
        Ok(Some(match t {
            "paragraph" => {
                let c = self.inlines(obj.get("content"), &inner)?;
                if c.is_empty() {
                    return Ok(None);
                }
                Block::Paragraph(c)
            }
            "heading" => {
                let level = match attr(obj, "level") {
                    Some(l) => l.as_u64().filter(|l| (1..=6).contains(l)).ok_or_else(|| {
                        malformed(&format!("{at}/attrs/level"), "level must be 1 to 6")
                    })? as u8,
                    None => 1,
                };
                Block::Heading {
                    level,
                    content: self.inlines(obj.get("content"), &inner)?,
                }
            }
            "codeBlock" => {
                let mut code = String::new();
                for (k, c) in content(obj.get("content"), &inner)?.iter().enumerate() {
                    let s = c.get("text").and_then(Value::as_str).ok_or_else(|| {
                        malformed(&format!("{inner}/{k}/text"), "code text missing")
                    })?;
                    code.push_str(s);
                }
                let language = attr(obj, "language")
                    .and_then(Value::as_str)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned);
                match language.as_deref().and_then(RawFormat::from_fence_language) {
                    Some(f) => Block::Unsupported(Raw::new(f, "block", code)),
                    None => Block::CodeBlock { language, code },
                }
            }
            "rule" => Block::Rule,
            _ => Block::Unsupported(self.raw(t, obj)),
        }))
    }

    fn inlines(&mut self, v: Option<&Value>, at: &str) -> Result<Vec<Inline>> {
        let nodes = content(v, at)?;
        let mut spans = Vec::new();
        for (n, node) in nodes.iter().enumerate() {
            let at = format!("{at}/{n}");
            let (t, obj) = node_type(node, &at)?;
            let marks = self.marks(obj, &at)?;
            let (marks, code) = marks;
            match t {
                "text" => {
                    let s = obj.get("text").and_then(Value::as_str).ok_or_else(|| {
                        malformed(&format!("{at}/text"), "a text node needs text")
                    })?;
                    if code {
                        spans.push(Span {
                            content: SpanContent::Code(s.to_owned()),
                            marks,
                        });
                    } else {
                        for (k, line) in s.split('\n').enumerate() {
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
                "hardBreak" => spans.push(Span {
                    content: SpanContent::LineBreak,
                    marks,
                }),
                _ => spans.push(Span {
                    content: SpanContent::Raw(self.raw(t, obj)),
                    marks,
                }),
            }
        }
        Ok(from_spans(trim_spans_at_breaks(spans)))
    }

    fn marks(&mut self, obj: &Map<String, Value>, at: &str) -> Result<(Marks, bool)> {
        let mut m = Marks::default();
        let mut code = false;
        let list = match obj.get("marks") {
            None | Some(Value::Null) => return Ok((m, false)),
            Some(Value::Array(a)) => a,
            Some(_) => return Err(malformed(&format!("{at}/marks"), "marks must be an array")),
        };
        for (k, mark) in list.iter().enumerate() {
            let at = format!("{at}/marks/{k}");
            let (t, mobj) = node_type(mark, &at)?;
            match t {
                "strong" => m.strong = true,
                "em" => m.emphasis = true,
                "strike" => m.strike = true,
                "code" => code = true,
                "link" => {
                    let href = attr(mobj, "href").and_then(Value::as_str).ok_or_else(|| {
                        malformed(&format!("{at}/attrs/href"), "a link mark needs href")
                    })?;
                    m.link = Some(LinkTarget {
                        url: href.to_owned(),
                        title: attr(mobj, "title")
                            .and_then(Value::as_str)
                            .map(str::to_owned),
                    });
                }
                other => self.report.note(
                    NoteKind::Dropped,
                    at,
                    other.to_owned(),
                    "mark not kept: the text is kept without it",
                ),
            }
        }
        Ok((m, code))
    }
}

// ----------------------------------------------------------------------
// model → ADF

/// Write a document as ADF (`{"type": "doc", "version": 1, ...}`).
pub fn to_adf(doc: &Document) -> Converted<Value> {
    let mut w = Writer {
        report: ConversionReport::new(),
    };
    let content = w.blocks(&doc.blocks, "/blocks");
    let mut v = node_with("doc", None, content);
    v["version"] = json!(1);
    Converted::new(v, w.report)
}

struct Writer {
    report: ConversionReport,
}

fn node(t: &str, content: Vec<Value>) -> Value {
    node_with(t, None, content)
}

/// A node of type `t` with `attrs` and `content`. (`content` is moved in:
/// `json!` would serialize a copy of it, the whole subtree at every
/// level.)
fn node_with(t: &str, attrs: Option<Value>, content: Vec<Value>) -> Value {
    let mut v = Map::new();
    v.insert("type".into(), Value::from(t));
    if let Some(a) = attrs {
        v.insert("attrs".into(), a);
    }
    v.insert("content".into(), Value::Array(content));
    Value::Object(v)
}

fn rule() -> Value {
    json!({"type": "rule"})
}

fn ordered_list(order: u64, items: Vec<Value>) -> Value {
    node_with("orderedList", Some(json!({ "order": order })), items)
}

fn code_block(language: Option<&str>, code: &str) -> Value {
    let mut v = Map::new();
    v.insert("type".into(), json!("codeBlock"));
    if let Some(l) = language {
        v.insert("attrs".into(), json!({"language": l}));
    }
    let content: Vec<Value> = if code.is_empty() {
        Vec::new()
    } else {
        vec![json!({"type": "text", "text": code})]
    };
    v.insert("content".into(), Value::Array(content));
    Value::Object(v)
}

// The recursion (blocks → block → list → blocks) goes through small
// functions; the leaves are functions of their own.
impl Writer {
    fn blocks(&mut self, blocks: &[Block], at: &str) -> Vec<Value> {
        let mut out = Vec::with_capacity(blocks.len());
        for (n, b) in blocks.iter().enumerate() {
            out.push(self.block(b, &format!("{at}/{n}")));
        }
        out
    }

    fn block(&mut self, b: &Block, at: &str) -> Value {
        match b {
            Block::List(l) => self.list(l, at),
            Block::BlockQuote(inner) => node("blockquote", self.blocks(inner, at)),
            Block::Heading { level, content } => self.heading(*level, content, at),
            Block::Paragraph(c) => node("paragraph", self.inlines(c, at)),
            Block::CodeBlock { language, code } => code_block(language.as_deref(), code),
            Block::Rule => rule(),
            Block::Unsupported(raw) => self.raw_block(raw, at),
        }
    }

    fn list(&mut self, l: &List, at: &str) -> Value {
        let mut items = Vec::with_capacity(l.items.len());
        for (k, i) in l.items.iter().enumerate() {
            let content = self.blocks(&i.blocks, &format!("{at}/items/{k}"));
            items.push(node("listItem", content));
        }
        match l.kind {
            ListKind::Bullet => node("bulletList", items),
            ListKind::Ordered(order) => ordered_list(order, items),
        }
    }

    fn heading(&mut self, level: u8, content: &[Inline], at: &str) -> Value {
        let content = self.inlines(content, at);
        node_with(
            "heading",
            Some(json!({ "level": level.clamp(1, 6) })),
            content,
        )
    }

    fn raw_block(&mut self, raw: &Raw, at: &str) -> Value {
        let native = (raw.format == RawFormat::Adf)
            .then(|| serde_json::from_str::<Value>(&raw.content).ok())
            .flatten()
            .filter(|v| v.get("type").is_some());
        if let Some(v) = native {
            return v;
        }
        self.report.note(
            NoteKind::Preserved,
            at,
            raw.kind.clone(),
            format!(
                "{} element kept verbatim in a `{}` code block",
                raw.format,
                raw.format.fence_language()
            ),
        );
        code_block(Some(&raw.format.fence_language()), &raw.content)
    }

    fn inlines(&mut self, inlines: &[Inline], at: &str) -> Vec<Value> {
        let mut out = Vec::new();
        for s in to_spans(inlines) {
            let code = matches!(s.content, SpanContent::Code(_));
            let mut marks = Vec::new();
            if code && (s.marks.strong || s.marks.emphasis || s.marks.strike) {
                self.report.note(
                    NoteKind::Dropped,
                    at,
                    "marks on inline code",
                    "ADF allows only links on code: bold, italics and strikethrough left out",
                );
            } else {
                if s.marks.strong {
                    marks.push(json!({"type": "strong"}));
                }
                if s.marks.emphasis {
                    marks.push(json!({"type": "em"}));
                }
                if s.marks.strike {
                    marks.push(json!({"type": "strike"}));
                }
            }
            if code {
                marks.push(json!({"type": "code"}));
            }
            if let Some(l) = &s.marks.link {
                let mut attrs = Map::new();
                attrs.insert("href".into(), json!(l.url));
                if let Some(t) = &l.title {
                    attrs.insert("title".into(), json!(t));
                }
                let mut link = Map::new();
                link.insert("type".into(), json!("link"));
                link.insert("attrs".into(), Value::Object(attrs));
                marks.push(Value::Object(link));
            }
            let with_marks = |mut v: Map<String, Value>| {
                if !marks.is_empty() {
                    v.insert("marks".into(), Value::Array(marks.clone()));
                }
                Value::Object(v)
            };
            match s.content {
                SpanContent::Text(t) | SpanContent::Code(t) => {
                    if t.is_empty() {
                        continue;
                    }
                    let mut v = Map::new();
                    v.insert("type".into(), json!("text"));
                    v.insert("text".into(), json!(t));
                    out.push(with_marks(v));
                }
                SpanContent::LineBreak => out.push(json!({"type": "hardBreak"})),
                SpanContent::Raw(raw) => {
                    let native = (raw.format == RawFormat::Adf)
                        .then(|| serde_json::from_str::<Value>(&raw.content).ok())
                        .flatten()
                        .filter(|v| v.get("type").is_some());
                    match native {
                        Some(v) => out.push(v),
                        None => {
                            self.report.note(
                                NoteKind::Simplified,
                                at,
                                raw.kind.clone(),
                                format!("{} inline element written as text", raw.format),
                            );
                            let t = raw.text.unwrap_or(raw.content);
                            if !t.is_empty() {
                                let mut v = Map::new();
                                v.insert("type".into(), json!("text"));
                                v.insert("text".into(), json!(t));
                                out.push(with_marks(v));
                            }
                        }
                    }
                }
            }
        }
        out
    }
}

// ----------------------------------------------------------------------
// plain text

/// Plain text as ADF: paragraphs split at blank lines, single newlines as
/// hard breaks. No markup is interpreted.
pub fn from_plain_text(text: &str) -> Value {
    let text = text.replace("\r\n", "\n");
    let mut paragraphs = Vec::new();
    for para in text.split("\n\n") {
        let para = para.trim_matches('\n');
        if para.trim().is_empty() {
            continue;
        }
        let mut content = Vec::new();
        for (k, line) in para.split('\n').enumerate() {
            if k > 0 {
                content.push(json!({"type": "hardBreak"}));
            }
            if !line.is_empty() {
                content.push(json!({"type": "text", "text": line}));
            }
        }
        paragraphs.push(node("paragraph", content));
    }
    let mut v = node("doc", paragraphs);
    v["version"] = json!(1);
    v
}

/// The plain text of an ADF document (see [`Document::plain_text`]).
pub fn to_plain_text(doc: &Value) -> Result<String> {
    Ok(from_adf(doc)?.value.plain_text())
}
