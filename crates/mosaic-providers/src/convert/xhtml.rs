//! The engine behind [`confluence`](super::confluence) and
//! [`html`](super::html): the document model to and from (X)HTML.

use mosaic_core::{Error, Result};

use super::model::{
    Block, Document, Inline, List, ListItem, ListKind, MAX_DEPTH, RAW_LANGUAGE_PREFIX, Raw,
    RawFormat,
};
use super::report::{ConversionReport, Converted, NoteKind};
use super::xml::{self, Element, Node, escape_attr, escape_text};

/// Which flavour of markup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// Confluence storage format: strict XML, code as the `code` macro.
    Confluence,
    /// HTML: lenient parsing, code as `<pre><code class="language-…">`.
    Html,
}

impl Dialect {
    fn format(self) -> RawFormat {
        match self {
            Dialect::Confluence => RawFormat::Confluence,
            Dialect::Html => RawFormat::Html,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Dialect::Confluence => "Confluence storage",
            Dialect::Html => "HTML",
        }
    }
}

const BLOCK_ELEMENTS: &[&str] = &[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "pre",
    "blockquote",
    "hr",
    "div",
    "table",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "aside",
    "figure",
    "details",
    "dl",
    "form",
    "fieldset",
    "address",
    "ac:layout",
    "ac:layout-section",
    "ac:layout-cell",
    "ac:task-list",
    "ac:adf-extension",
    "ac:structured-macro",
];

/// Presentational inline wrappers: their content is kept, the wrapper is
/// reported.
const WRAPPERS: &[&str] = &[
    "span",
    "u",
    "ac:inline-comment-marker",
    "font",
    "mark",
    "small",
    "big",
    "abbr",
    "cite",
    "q",
    "var",
    "samp",
    "ins",
];

fn is_block(e: &Element) -> bool {
    BLOCK_ELEMENTS.contains(&e.name.as_str())
}

/// Parse markup into a document.
pub(crate) fn parse(src: &str, dialect: Dialect) -> Result<Converted<Document>> {
    let nodes = xml::parse(src, dialect == Dialect::Confluence).map_err(|e| {
        let place = format!("byte {} of the {} document", e.offset, dialect.name());
        if e.too_deep {
            Error::invalid_input(place, e.message)
        } else {
            Error::decode(place, e)
        }
    })?;
    let mut p = HtmlParser {
        src,
        dialect,
        report: ConversionReport::new(),
        depth: 0,
        inline_depth: 0,
    };
    let blocks = p.blocks(&nodes, "");
    Ok(Converted::new(Document { blocks }, p.report))
}

struct HtmlParser<'a> {
    src: &'a str,
    dialect: Dialect,
    report: ConversionReport,
    /// Block quotes and list items around the current node; see
    /// [`MAX_DEPTH`].
    depth: usize,
    /// Inline elements around the current node.
    inline_depth: usize,
}

impl HtmlParser<'_> {
    /// `f` one container deeper.
    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        self.depth += 1;
        let out = f(self);
        self.depth -= 1;
        out
    }

    /// `f` one inline element deeper.
    fn nested_inline<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        self.inline_depth += 1;
        let out = f(self);
        self.inline_depth -= 1;
        out
    }

    fn raw_block(&self, e: &Element, kind: String) -> Block {
        Block::Unsupported(
            Raw::new(self.dialect.format(), kind, &self.src[e.range.clone()])
                .with_text(collapse(&e.text()).trim()),
        )
    }

    // The recursion (blocks → block → list / quote → blocks) goes through
    // small functions; the leaves are functions of their own.
    fn blocks(&mut self, nodes: &[Node], at: &str) -> Vec<Block> {
        let mut out = Vec::new();
        // Inline content between blocks, read as one paragraph.
        let mut run: Vec<&Node> = Vec::new();
        for n in nodes {
            match n {
                Node::Element(e) if is_block(e) => {
                    self.flush(&mut run, at, &mut out);
                    let at = format!("{at}/{}@{}", e.name, e.range.start);
                    if let Some(b) = self.block(e, &at) {
                        out.push(b);
                    }
                }
                Node::Comment(r) => {
                    self.flush(&mut run, at, &mut out);
                    out.push(Block::Unsupported(Raw::new(
                        self.dialect.format(),
                        "comment",
                        &self.src[r.clone()],
                    )));
                }
                other => run.push(other),
            }
        }
        self.flush(&mut run, at, &mut out);
        out
    }

    /// The inline nodes of `run` as a paragraph, if they hold anything.
    fn flush(&mut self, run: &mut Vec<&Node>, at: &str, out: &mut Vec<Block>) {
        if run.is_empty() {
            return;
        }
        let content = self.paragraph(run.drain(..), at);
        if !content.is_empty() {
            out.push(Block::Paragraph(content));
        }
    }

    fn paragraph<'n>(
        &mut self,
        nodes: impl IntoIterator<Item = &'n Node>,
        at: &str,
    ) -> Vec<Inline> {
        let inl = self.inlines(nodes, at);
        super::model::trim_inlines(collapse_inlines(inl))
    }

    fn block(&mut self, e: &Element, at: &str) -> Option<Block> {
        let name = e.name.as_str();
        if !matches!(name, "ul" | "ol" | "li" | "blockquote") {
            return self.leaf(e, at);
        }
        if self.depth >= MAX_DEPTH {
            // Too deep for the model: kept verbatim.
            return Some(self.raw_block(e, name.to_owned()));
        }
        Some(match name {
            "ul" | "ol" => self.list(e, at),
            // An `li` outside a list: a one-item bullet list.
            "li" => Block::List(List {
                kind: ListKind::Bullet,
                items: vec![ListItem {
                    blocks: self.nested(|p| p.blocks(&e.children, at)),
                }],
            }),
            _ => Block::BlockQuote(self.nested(|p| p.blocks(&e.children, at))),
        })
    }

    fn list(&mut self, e: &Element, at: &str) -> Block {
        let kind = if e.name == "ol" {
            ListKind::Ordered(
                e.attr("start")
                    .and_then(|s| s.trim().parse().ok())
                    .unwrap_or(1),
            )
        } else {
            ListKind::Bullet
        };
        let mut items = Vec::new();
        for c in &e.children {
            match c {
                Node::Element(li) if li.name == "li" => {
                    let at = format!("{at}/li@{}", li.range.start);
                    let blocks = self.nested(|p| p.blocks(&li.children, &at));
                    items.push(ListItem { blocks });
                }
                Node::Text(t) if t.trim().is_empty() => {}
                other => {
                    let blocks = self.nested(|p| p.blocks(std::slice::from_ref(other), at));
                    if !blocks.is_empty() {
                        items.push(ListItem { blocks });
                    }
                }
            }
        }
        Block::List(List { kind, items })
    }

    /// A block that holds no other blocks.
    fn leaf(&mut self, e: &Element, at: &str) -> Option<Block> {
        let name = e.name.as_str();
        Some(match name {
            "p" => {
                let c = self.paragraph(&e.children, at);
                if c.is_empty() {
                    return None;
                }
                Block::Paragraph(c)
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => Block::Heading {
                level: name.as_bytes()[1] - b'0',
                content: self.paragraph(&e.children, at),
            },
            "hr" => Block::Rule,
            "pre" => {
                let code_el = e.elements().find(|c| c.name == "code");
                let class = code_el
                    .and_then(|c| c.attr("class"))
                    .or_else(|| e.attr("class"))
                    .unwrap_or("");
                let language = class
                    .split_whitespace()
                    .find_map(|c| {
                        c.strip_prefix("language-")
                            .or_else(|| c.strip_prefix("lang-"))
                    })
                    .map(str::to_owned);
                let mut code = e.text();
                if code.starts_with('\n') {
                    code.remove(0);
                }
                if code.ends_with('\n') {
                    code.pop();
                }
                code_block(language, code, e.attr("data-kind").map(str::to_owned))
            }
            "ac:structured-macro" if e.attr("ac:name") == Some("code") => {
                let mut language = None;
                let mut title = None;
                let mut code = String::new();
                for c in e.elements() {
                    match (c.name.as_str(), c.attr("ac:name")) {
                        ("ac:parameter", Some("language")) => {
                            language = Some(c.text().trim().to_owned()).filter(|l| !l.is_empty())
                        }
                        ("ac:parameter", Some("title")) => title = Some(c.text()),
                        ("ac:parameter", Some(p)) => self.report.note(
                            NoteKind::Dropped,
                            at,
                            format!("code macro parameter `{p}`"),
                            "the document model has no place for it",
                        ),
                        ("ac:plain-text-body", _) => code = c.text(),
                        _ => {}
                    }
                }
                let is_raw = language
                    .as_deref()
                    .is_some_and(|l| l.starts_with(RAW_LANGUAGE_PREFIX));
                if let (Some(t), false) = (&title, is_raw) {
                    self.report.note(
                        NoteKind::Dropped,
                        at,
                        "code macro parameter `title`",
                        format!("title `{t}` has no place in the document model"),
                    );
                }
                code_block(language, code, title)
            }
            "ac:structured-macro" => {
                let kind = format!("macro:{}", e.attr("ac:name").unwrap_or("unknown"));
                self.raw_block(e, kind)
            }
            other => self.raw_block(e, other.to_owned()),
        })
    }

    fn inlines<'n>(&mut self, nodes: impl IntoIterator<Item = &'n Node>, at: &str) -> Vec<Inline> {
        let mut out = Vec::new();
        for n in nodes {
            match n {
                Node::Text(t) | Node::CData(t) => out.push(Inline::Text(t.clone())),
                Node::Comment(r) => out.push(Inline::Unsupported(Raw::new(
                    self.dialect.format(),
                    "comment",
                    &self.src[r.clone()],
                ))),
                Node::Element(e) => self.inline_element(e, at, &mut out),
            }
        }
        out
    }

    fn inline_element(&mut self, e: &Element, at: &str, out: &mut Vec<Inline>) {
        let at_el = format!("{at}/{}@{}", e.name, e.range.start);
        let name = e.name.as_str();
        let recurses = matches!(name, "strong" | "b" | "em" | "i" | "s" | "del" | "strike")
            || (name == "a" && e.attr("href").is_some())
            || WRAPPERS.contains(&name);
        if recurses && self.inline_depth >= MAX_DEPTH {
            // Too deep for the model: the text without its markup.
            out.push(Inline::Text(e.text()));
            return;
        }
        match name {
            "strong" | "b" => out.push(Inline::Strong(
                self.nested_inline(|p| p.inlines(&e.children, at)),
            )),
            "em" | "i" => out.push(Inline::Emphasis(
                self.nested_inline(|p| p.inlines(&e.children, at)),
            )),
            "s" | "del" | "strike" => out.push(Inline::Strikethrough(
                self.nested_inline(|p| p.inlines(&e.children, at)),
            )),
            "code" | "tt" | "kbd" => out.push(Inline::Code(e.text())),
            "br" => out.push(Inline::LineBreak),
            "a" if e.attr("href").is_some() => out.push(Inline::Link {
                url: e.attr("href").unwrap_or_default().to_owned(),
                title: e.attr("title").map(str::to_owned),
                content: self.nested_inline(|p| p.inlines(&e.children, at)),
            }),
            wrapper if WRAPPERS.contains(&wrapper) => {
                // Presentational wrappers: keep the content, report the wrapper.
                let what = match e.name.as_str() {
                    "u" | "ins" => Some("underline".to_owned()),
                    "ac:inline-comment-marker" => Some("inline comment marker".to_owned()),
                    "span" if e.attrs.is_empty() => None,
                    other => Some(format!("<{other}> formatting")),
                };
                if let Some(w) = what {
                    self.report
                        .note(NoteKind::Dropped, at_el, w, "the text is kept without it");
                }
                out.extend(self.nested_inline(|p| p.inlines(&e.children, at)));
            }
            _ => {
                let kind = match e.attr("ac:name") {
                    Some(n) if e.name == "ac:structured-macro" => format!("macro:{n}"),
                    _ => e.name.clone(),
                };
                out.push(Inline::Unsupported(
                    Raw::new(self.dialect.format(), kind, &self.src[e.range.clone()])
                        .with_text(collapse(&e.text()).trim()),
                ));
            }
        }
    }
}

fn code_block(language: Option<String>, code: String, kind: Option<String>) -> Block {
    match language.as_deref().and_then(RawFormat::from_fence_language) {
        Some(format) => Block::Unsupported(Raw::new(
            format,
            kind.filter(|k| !k.is_empty())
                .unwrap_or_else(|| "block".to_owned()),
            code,
        )),
        None => Block::CodeBlock { language, code },
    }
}

/// Collapse runs of ASCII whitespace to one space (HTML rendering rules;
/// non-breaking spaces are kept).
fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c') {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    out
}

fn collapse_inlines(inlines: Vec<Inline>) -> Vec<Inline> {
    let mut out: Vec<Inline> = Vec::new();
    for i in inlines {
        let i = match i {
            Inline::Text(t) => Inline::Text(collapse(&t)),
            Inline::Strong(c) => Inline::Strong(collapse_inlines(c)),
            Inline::Emphasis(c) => Inline::Emphasis(collapse_inlines(c)),
            Inline::Strikethrough(c) => Inline::Strikethrough(collapse_inlines(c)),
            Inline::Link {
                url,
                title,
                content,
            } => Inline::Link {
                url,
                title,
                content: collapse_inlines(content),
            },
            other => other,
        };
        if let Inline::Text(t) = &i {
            if t.is_empty() {
                continue;
            }
            if let Some(Inline::Text(prev)) = out.last_mut() {
                prev.push_str(t);
                let c = collapse(prev);
                *prev = c;
                continue;
            }
        }
        out.push(i);
    }
    out
}

/// Render a document as markup.
pub(crate) fn render(doc: &Document, dialect: Dialect) -> Converted<String> {
    let mut r = HtmlRenderer {
        dialect,
        report: ConversionReport::new(),
        out: String::new(),
    };
    r.blocks(&doc.blocks, "/blocks");
    Converted::new(r.out, r.report)
}

struct HtmlRenderer {
    dialect: Dialect,
    report: ConversionReport,
    out: String,
}

impl HtmlRenderer {
    fn blocks(&mut self, blocks: &[Block], at: &str) {
        for (n, b) in blocks.iter().enumerate() {
            self.block(b, &format!("{at}/{n}"));
        }
    }

    fn code(&mut self, language: Option<&str>, code: &str, kind: Option<&str>) {
        match self.dialect {
            Dialect::Confluence => {
                self.out
                    .push_str(r#"<ac:structured-macro ac:name="code" ac:schema-version="1">"#);
                if let Some(l) = language.filter(|l| !l.is_empty()) {
                    self.out.push_str(r#"<ac:parameter ac:name="language">"#);
                    escape_text(l, &mut self.out);
                    self.out.push_str("</ac:parameter>");
                }
                if let Some(k) = kind {
                    self.out.push_str(r#"<ac:parameter ac:name="title">"#);
                    escape_text(k, &mut self.out);
                    self.out.push_str("</ac:parameter>");
                }
                self.out.push_str("<ac:plain-text-body><![CDATA[");
                self.out.push_str(&code.replace("]]>", "]]]]><![CDATA[>"));
                self.out
                    .push_str("]]></ac:plain-text-body></ac:structured-macro>");
            }
            Dialect::Html => {
                self.out.push_str("<pre");
                if let Some(k) = kind {
                    self.out.push_str(" data-kind=\"");
                    escape_attr(k, &mut self.out);
                    self.out.push('"');
                }
                self.out.push_str("><code");
                if let Some(l) = language.filter(|l| !l.is_empty()) {
                    self.out.push_str(" class=\"language-");
                    escape_attr(l, &mut self.out);
                    self.out.push('"');
                }
                self.out.push('>');
                // A newline right after <pre> is dropped by parsers: keep a
                // leading newline of the code by doubling it.
                if code.starts_with('\n') {
                    self.out.push('\n');
                }
                escape_text(code, &mut self.out);
                // …and one trailing newline is dropped on reading.
                if code.ends_with('\n') {
                    self.out.push('\n');
                }
                self.out.push_str("</code></pre>");
            }
        }
    }

    fn block(&mut self, b: &Block, at: &str) {
        match b {
            Block::Heading { level, content } => {
                let l = (*level).clamp(1, 6);
                self.out.push_str(&format!("<h{l}>"));
                self.inlines(content, at);
                self.out.push_str(&format!("</h{l}>"));
            }
            Block::Paragraph(c) => {
                self.out.push_str("<p>");
                self.inlines(c, at);
                self.out.push_str("</p>");
            }
            Block::List(l) => {
                match l.kind {
                    ListKind::Bullet => self.out.push_str("<ul>"),
                    ListKind::Ordered(1) => self.out.push_str("<ol>"),
                    ListKind::Ordered(n) => self.out.push_str(&format!("<ol start=\"{n}\">")),
                }
                for (k, item) in l.items.iter().enumerate() {
                    let at = format!("{at}/items/{k}");
                    self.out.push_str("<li>");
                    let mut rest = item.blocks.as_slice();
                    if let [Block::Paragraph(c), tail @ ..] = rest {
                        self.inlines(c, &at);
                        rest = tail;
                    }
                    self.blocks(rest, &at);
                    self.out.push_str("</li>");
                }
                self.out.push_str(match l.kind {
                    ListKind::Bullet => "</ul>",
                    ListKind::Ordered(_) => "</ol>",
                });
            }
            Block::CodeBlock { language, code } => self.code(language.as_deref(), code, None),
            Block::BlockQuote(inner) => {
                self.out.push_str("<blockquote>");
                self.blocks(inner, at);
                self.out.push_str("</blockquote>");
            }
            Block::Rule => self.out.push_str("<hr />"),
            Block::Unsupported(raw) if raw.format == self.dialect.format() => {
                self.out.push_str(&raw.content)
            }
            Block::Unsupported(raw) => {
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
                self.code(
                    Some(&raw.format.fence_language()),
                    &raw.content,
                    Some(&raw.kind),
                );
            }
        }
    }

    fn inlines(&mut self, inlines: &[Inline], at: &str) {
        for i in inlines {
            match i {
                Inline::Text(t) => escape_text(t, &mut self.out),
                Inline::Code(c) => {
                    self.out.push_str("<code>");
                    escape_text(c, &mut self.out);
                    self.out.push_str("</code>");
                }
                Inline::Strong(c) => self.wrap("strong", c, at),
                Inline::Emphasis(c) => self.wrap("em", c, at),
                Inline::Strikethrough(c) => self.wrap("s", c, at),
                Inline::Link {
                    url,
                    title,
                    content,
                } => {
                    self.out.push_str("<a href=\"");
                    escape_attr(url, &mut self.out);
                    self.out.push('"');
                    if let Some(t) = title {
                        self.out.push_str(" title=\"");
                        escape_attr(t, &mut self.out);
                        self.out.push('"');
                    }
                    self.out.push('>');
                    self.inlines(content, at);
                    self.out.push_str("</a>");
                }
                Inline::LineBreak => self.out.push_str("<br />"),
                Inline::Unsupported(raw) if raw.format == self.dialect.format() => {
                    self.out.push_str(&raw.content)
                }
                Inline::Unsupported(raw) => {
                    self.report.note(
                        NoteKind::Simplified,
                        at,
                        raw.kind.clone(),
                        format!("{} inline element written as text", raw.format),
                    );
                    match &raw.text {
                        Some(t) => escape_text(t, &mut self.out),
                        None => {
                            self.out.push_str("<code>");
                            escape_text(&raw.content, &mut self.out);
                            self.out.push_str("</code>");
                        }
                    }
                }
            }
        }
    }

    fn wrap(&mut self, tag: &str, c: &[Inline], at: &str) {
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push('>');
        self.inlines(c, at);
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
    }
}
