//! The document model written as Notion blocks and rich text.

use super::*;

/// Write a document as Notion blocks (children nested under
/// `<type>.children`).
pub fn to_blocks(doc: &Document) -> Converted<Vec<Value>> {
    let mut w = Writer {
        report: ConversionReport::new(),
    };
    let blocks = w.blocks(&doc.blocks, "/blocks");
    Converted::new(blocks, w.report)
}

/// Write inline content as a rich-text array.
pub fn to_rich_text(inlines: &[Inline]) -> Converted<Vec<Value>> {
    let mut w = Writer {
        report: ConversionReport::new(),
    };
    let rt = w.rich_text(inlines, "");
    Converted::new(rt, w.report)
}

struct Writer {
    report: ConversionReport,
}

fn block(t: &str, mut inner: Map<String, Value>, children: Vec<Value>) -> Value {
    if !children.is_empty() {
        inner.insert("children".into(), Value::Array(children));
    }
    let mut m = Map::new();
    m.insert("object".into(), json!("block"));
    m.insert("type".into(), json!(t));
    m.insert(t.into(), Value::Object(inner));
    Value::Object(m)
}

fn rich_only(rt: Vec<Value>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("rich_text".into(), Value::Array(rt));
    m
}

fn text_items(content: &str) -> Vec<Value> {
    chunks(content)
        .into_iter()
        .map(|c| json!({"type": "text", "text": {"content": c}}))
        .collect()
}

/// Split text into pieces Notion accepts (at most [`MAX_TEXT_LEN`] characters).
fn chunks(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return Vec::new();
    }
    chars
        .chunks(MAX_TEXT_LEN)
        .map(|c| c.iter().collect())
        .collect()
}

fn is_absolute_url(u: &str) -> bool {
    let lower = u.to_ascii_lowercase();
    ["http://", "https://", "mailto:", "tel:"]
        .iter()
        .any(|p| lower.starts_with(p))
}

// The recursion (blocks → list / quote → blocks) goes through small
// functions; the leaves are functions of their own.
impl Writer {
    fn blocks(&mut self, blocks: &[Block], at: &str) -> Vec<Value> {
        let mut out = Vec::with_capacity(blocks.len());
        for (n, b) in blocks.iter().enumerate() {
            let at = format!("{at}/{n}");
            let v = match b {
                Block::List(l) => {
                    self.list(l, &at, &mut out);
                    continue;
                }
                Block::BlockQuote(inner) => self.with_children("quote", inner, &at),
                Block::Heading { level, content } => self.heading(*level, content, &at),
                Block::Paragraph(c) => {
                    let rt = self.rich_text(c, &at);
                    block("paragraph", rich_only(rt), Vec::new())
                }
                Block::CodeBlock { language, code } => self.code(language.as_deref(), code, &at),
                Block::Rule => block("divider", Map::new(), Vec::new()),
                Block::Unsupported(raw) => self.raw_block(raw, &at),
            };
            out.push(v);
        }
        out
    }

    fn list(&mut self, l: &List, at: &str, out: &mut Vec<Value>) {
        let t = match l.kind {
            ListKind::Bullet => "bulleted_list_item",
            ListKind::Ordered(start) => {
                if start != 1 {
                    self.report.note(
                        NoteKind::Simplified,
                        at,
                        "list start number",
                        format!("Notion numbers lists from 1, not {start}"),
                    );
                }
                "numbered_list_item"
            }
        };
        for (k, item) in l.items.iter().enumerate() {
            let at = format!("{at}/items/{k}");
            out.push(self.with_children(t, &item.blocks, &at));
        }
    }

    /// A block of type `t` whose text is the first paragraph of `blocks`
    /// and whose children are the rest.
    fn with_children(&mut self, t: &str, blocks: &[Block], at: &str) -> Value {
        let (rt, rest) = match blocks {
            [Block::Paragraph(c), rest @ ..] => (self.rich_text(c, at), rest),
            all => (Vec::new(), all),
        };
        let children = self.blocks(rest, at);
        block(t, rich_only(rt), children)
    }

    fn heading(&mut self, level: u8, content: &[Inline], at: &str) -> Value {
        let l = level.clamp(1, 6);
        if l > 3 {
            self.report.note(
                NoteKind::Simplified,
                at,
                format!("heading level {l}"),
                "Notion has three heading levels: written as heading_3",
            );
        }
        let t = format!("heading_{}", l.min(3));
        let rt = self.rich_text(content, at);
        block(&t, rich_only(rt), Vec::new())
    }

    fn code(&mut self, language: Option<&str>, code: &str, at: &str) -> Value {
        let lang = match language {
            None => "plain text",
            Some(l) => match notion_language(l) {
                Some(n) => n,
                None => {
                    self.report.note(
                        NoteKind::Simplified,
                        at,
                        format!("code language `{l}`"),
                        "not a Notion language: written as plain text",
                    );
                    "plain text"
                }
            },
        };
        let mut inner = rich_only(text_items(code));
        inner.insert("language".into(), json!(lang));
        block("code", inner, Vec::new())
    }

    fn raw_block(&mut self, raw: &Raw, at: &str) -> Value {
        let native = (raw.format == RawFormat::Notion)
            .then(|| serde_json::from_str::<Value>(&raw.content).ok())
            .flatten()
            .filter(|v| v.get("type").is_some());
        if let Some(v) = native {
            return writable_block(&v);
        }
        self.report.note(
            NoteKind::Preserved,
            at,
            raw.kind.clone(),
            format!(
                "{} element kept verbatim in a code block captioned `raw:{}`",
                raw.format, raw.format
            ),
        );
        let mut inner = rich_only(text_items(&raw.content));
        inner.insert("language".into(), json!("plain text"));
        inner.insert(
            "caption".into(),
            Value::Array(text_items(&format!("raw:{} {}", raw.format, raw.kind))),
        );
        block("code", inner, Vec::new())
    }

    fn rich_text(&mut self, inlines: &[Inline], at: &str) -> Vec<Value> {
        // Line breaks become "\n" inside the neighbouring text.
        let mut spans: Vec<Span> = Vec::new();
        for s in to_spans(inlines) {
            match s.content {
                SpanContent::LineBreak => {
                    if let Some(Span {
                        content: SpanContent::Text(t),
                        ..
                    }) = spans.last_mut()
                    {
                        t.push('\n');
                    } else {
                        spans.push(Span::text("\n", Marks::default()));
                    }
                }
                SpanContent::Text(t) => {
                    if let Some(Span {
                        content: SpanContent::Text(prev),
                        marks,
                    }) = spans.last_mut()
                        && *marks == s.marks
                    {
                        prev.push_str(&t);
                    } else {
                        spans.push(Span::text(t, s.marks));
                    }
                }
                other => spans.push(Span {
                    content: other,
                    marks: s.marks,
                }),
            }
        }
        let mut out = Vec::new();
        for s in spans {
            let code = matches!(s.content, SpanContent::Code(_));
            let text = match s.content {
                SpanContent::Text(t) | SpanContent::Code(t) => t,
                SpanContent::LineBreak => "\n".to_owned(),
                SpanContent::Raw(raw) => {
                    let native = (raw.format == RawFormat::Notion)
                        .then(|| serde_json::from_str::<Value>(&raw.content).ok())
                        .flatten();
                    match native {
                        Some(v) => {
                            out.push(v);
                            continue;
                        }
                        None => {
                            self.report.note(
                                NoteKind::Simplified,
                                at,
                                raw.kind.clone(),
                                format!("{} inline element written as text", raw.format),
                            );
                            raw.text.unwrap_or(raw.content)
                        }
                    }
                }
            };
            let mut ann = Map::new();
            for (k, on) in [
                ("bold", s.marks.strong),
                ("italic", s.marks.emphasis),
                ("strikethrough", s.marks.strike),
                ("code", code),
            ] {
                if on {
                    ann.insert(k.into(), json!(true));
                }
            }
            let link = match &s.marks.link {
                Some(l) if is_absolute_url(&l.url) => {
                    if l.title.is_some() {
                        self.report.note(
                            NoteKind::Dropped,
                            at,
                            "link title",
                            "Notion links have no title",
                        );
                    }
                    Some(json!({"url": l.url}))
                }
                Some(l) => {
                    self.report.note(
                        NoteKind::Simplified,
                        at,
                        "link",
                        format!(
                            "Notion accepts only absolute links: `{}` kept as text",
                            l.url
                        ),
                    );
                    None
                }
                None => None,
            };
            for c in chunks(&text) {
                let mut t = Map::new();
                t.insert("content".into(), json!(c));
                if let Some(l) = &link {
                    t.insert("link".into(), l.clone());
                }
                let mut item = Map::new();
                item.insert("type".into(), json!("text"));
                item.insert("text".into(), Value::Object(t));
                if !ann.is_empty() {
                    item.insert("annotations".into(), Value::Object(ann.clone()));
                }
                out.push(Value::Object(item));
            }
        }
        out
    }
}

/// The plain text of inline content, as Notion shows it (used for titles).
pub fn plain_text(inlines: &[Inline]) -> String {
    inline_text(inlines)
}
