//! Markdown (CommonMark with GitHub's strikethrough and tables) to and
//! from the [document model](super::model).
//!
//! Parsing uses `pulldown-cmark`. Elements outside the model — tables,
//! images, HTML, footnotes — become [`Raw`] nodes holding their exact
//! Markdown source, and are written back unchanged. The source of an
//! element inside a block quote or list item is taken without the
//! quote markers and indentation of its containers (the renderer writes
//! those again), so a round trip never adds a level. A fenced code block
//! whose language is `raw:<format>` (how other formats' raw nodes are
//! carried through Markdown) becomes a [`Raw`] node of that format again.
//!
//! Nesting is bounded by [`MAX_DEPTH`]: a block quote or list that would
//! nest deeper is kept as a [`Raw`] node of its source (kind `blockquote`
//! or `list`), and emphasis, strong, strikethrough and links nested
//! deeper lose their markup but keep their text. So every input is read
//! in bounded stack space (`pulldown-cmark` itself does not recurse),
//! and such a document round-trips like any other.
//!
//! Rendering produces Markdown that parses back to the same model: text
//! is escaped where it would otherwise be read as syntax, consecutive
//! lists alternate their markers so they stay separate, and code uses a
//! fence longer than any backtick run inside it.

use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, Event, LinkType, Options, Parser, Tag};

use super::model::{
    Block, Document, Inline, List, ListItem, ListKind, MAX_DEPTH, Raw, RawFormat, merge_text,
};

mod render;
pub use render::{render, render_with_report};

/// The pulldown-cmark extensions Mosaic reads.
fn options() -> Options {
    Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES
}

/// Parse Markdown into a document. Never fails: every input is Markdown;
/// what the model does not cover is kept as [`Raw`] Markdown, and what
/// nests deeper than [`MAX_DEPTH`] is kept as described in the module
/// documentation.
pub fn parse(source: &str) -> Document {
    let events: Vec<(Event<'_>, Range<usize>)> = Parser::new_ext(source, options())
        .into_offset_iter()
        .collect();
    let mut p = MdParser {
        src: source,
        ev: events,
        pos: 0,
        containers: Vec::new(),
        inline_depth: 0,
    };
    let blocks = p.blocks();
    Document { blocks }
}

struct MdParser<'a> {
    src: &'a str,
    ev: Vec<(Event<'a>, Range<usize>)>,
    pos: usize,
    /// The block quotes and list items around the current event,
    /// outermost first; its length is the block nesting depth.
    containers: Vec<Container>,
    /// Inline elements around the current event.
    inline_depth: usize,
}

/// A container whose markers start the continuation lines of what it
/// holds.
#[derive(Debug, Clone, Copy)]
enum Container {
    /// `>` (after up to three spaces), then one optional space.
    Quote,
    /// Indentation up to the column where the item's content starts.
    Item { content_col: usize },
}

/// The column of byte `at` (tabs advance to the next multiple of four).
fn column(src: &str, at: usize) -> usize {
    let line_start = src[..at].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    src[line_start..at].chars().fold(0, |col, c| {
        if c == '\t' {
            col + 4 - col % 4
        } else {
            col + 1
        }
    })
}

/// `line` with the tabs among its leading spaces and `>` markers turned
/// into the spaces they stand for (a tab can be split between a
/// container's indentation and the content).
fn expand_prefix(line: &str) -> std::borrow::Cow<'_, str> {
    let end = line
        .find(|c: char| !matches!(c, ' ' | '\t' | '>'))
        .unwrap_or(line.len());
    if !line[..end].contains('\t') {
        return line.into();
    }
    let mut out = String::with_capacity(line.len() + 8);
    for c in line[..end].chars() {
        if c == '\t' {
            let n = 4 - out.len() % 4;
            out.extend(std::iter::repeat_n(' ', n));
        } else {
            out.push(c);
        }
    }
    out.push_str(&line[end..]);
    out.into()
}

/// Skip spaces from column `col` up to column `to`; returns the rest and
/// its column.
fn skip_indent(mut s: &str, mut col: usize, to: usize) -> (&str, usize) {
    while col < to && s.starts_with(' ') {
        col += 1;
        s = &s[1..];
    }
    (s, col)
}

/// A continuation line (tabs expanded, see [`expand_prefix`]) without
/// the markers of `containers`. A line that lacks a marker (a lazy
/// continuation line) keeps what is left.
fn strip_line<'s>(line: &'s str, containers: &[Container]) -> &'s str {
    let mut rest = line;
    let mut col = 0;
    for c in containers {
        match *c {
            Container::Quote => {
                let (after, at) = skip_indent(rest, col, col + 3);
                let Some(after) = after.strip_prefix('>') else {
                    return rest;
                };
                rest = after;
                col = at + 1;
                if let Some(after) = rest.strip_prefix(' ') {
                    rest = after;
                    col += 1;
                }
            }
            Container::Item { content_col } => {
                let (after, at) = skip_indent(rest, col, content_col);
                if at < content_col && !after.trim().is_empty() {
                    return rest;
                }
                rest = after;
                col = at;
            }
        }
    }
    rest
}

fn is_inline_tag(t: &Tag<'_>) -> bool {
    matches!(
        t,
        Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Superscript
            | Tag::Subscript
            | Tag::Link { .. }
            | Tag::Image { .. }
    )
}

fn is_inline_event(e: &Event<'_>) -> bool {
    match e {
        Event::Start(t) => is_inline_tag(t),
        Event::Text(_)
        | Event::Code(_)
        | Event::InlineHtml(_)
        | Event::InlineMath(_)
        | Event::FootnoteReference(_)
        | Event::SoftBreak
        | Event::HardBreak
        | Event::TaskListMarker(_) => true,
        _ => false,
    }
}

impl<'a> MdParser<'a> {
    fn peek(&self) -> Option<&(Event<'a>, Range<usize>)> {
        self.ev.get(self.pos)
    }

    /// The source of the element starting at the current event, without
    /// the markers of the containers around it (and without indentation
    /// before it, which its place in the rendered document sets); skips
    /// it.
    fn take_raw(&mut self) -> (String, Range<usize>) {
        let (start, range) = self.ev[self.pos].clone();
        self.pos += 1;
        if matches!(start, Event::Start(_)) {
            self.close();
        }
        let source = self
            .src
            .get(range.clone())
            .unwrap_or_default()
            .trim_end_matches(['\n', '\r']);
        let source = source.trim_start_matches([' ', '\t']);
        (self.strip_containers(source), range)
    }

    /// `source` without the markers of the containers around the current
    /// event on its continuation lines.
    fn strip_containers(&self, source: &str) -> String {
        let mut text = String::with_capacity(source.len());
        for (n, line) in source.split('\n').enumerate() {
            if n > 0 {
                text.push('\n');
                text.push_str(strip_line(&expand_prefix(line), &self.containers));
            } else {
                text.push_str(line);
            }
        }
        text
    }

    /// An HTML block's lines as pulldown-cmark hands them over (without
    /// the markers of its containers); skips it.
    fn take_html_block(&mut self) -> String {
        self.pos += 1;
        let mut text = String::new();
        let mut depth = 0usize;
        while let Some((e, _)) = self.ev.get(self.pos) {
            self.pos += 1;
            match e {
                Event::Html(t) | Event::Text(t) => text.push_str(t),
                Event::Start(_) => depth += 1,
                Event::End(_) if depth == 0 => break,
                Event::End(_) => depth -= 1,
                _ => {}
            }
        }
        text.truncate(text.trim_end_matches(['\n', '\r']).len());
        let indent = text.len() - text.trim_start_matches([' ', '\t']).len();
        text.drain(..indent);
        text
    }

    /// The column where the content of the item starting at the current
    /// event begins: after the marker and the spaces that follow it (one
    /// space when the item starts blank or with indented code).
    fn item_content_col(&self) -> usize {
        let start = self.ev[self.pos].1.start;
        let rest = &self.src[start..];
        let line = &rest[..rest.find(['\n', '\r']).unwrap_or(rest.len())];
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        let digits = line[indent..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        let marker_end = (indent + digits + 1).min(line.len());
        let marker_col = column(self.src, start + marker_end);
        let after = &line[marker_end..];
        let spaces = after.len() - after.trim_start_matches([' ', '\t']).len();
        if after.trim().is_empty() {
            return marker_col + 1;
        }
        let content_col = column(self.src, start + marker_end + spaces);
        if content_col - marker_col > 4 {
            marker_col + 1
        } else {
            content_col
        }
    }

    /// Skip events up to and including the next `End` at this level.
    fn close(&mut self) {
        let mut depth = 0usize;
        while let Some((e, _)) = self.ev.get(self.pos) {
            self.pos += 1;
            match e {
                Event::Start(_) => depth += 1,
                Event::End(_) if depth == 0 => return,
                Event::End(_) => depth -= 1,
                _ => {}
            }
        }
    }

    /// Blocks until an `End` (not consumed) or the end of input.
    ///
    /// The recursion (blocks → block → quote / list → blocks) goes
    /// through small functions; the leaves are functions of their own.
    fn blocks(&mut self) -> Vec<Block> {
        let mut out = Vec::new();
        while let Some((e, _)) = self.peek() {
            if matches!(e, Event::End(_)) {
                break;
            }
            if let Some(b) = self.block() {
                out.push(b);
            }
        }
        out
    }

    /// The block at the current event (consumed), unless it holds nothing.
    fn block(&mut self) -> Option<Block> {
        let deep = self.containers.len() >= MAX_DEPTH;
        match &self.ev[self.pos].0 {
            Event::Start(Tag::BlockQuote(None)) if deep => Some(self.raw_block("blockquote")),
            Event::Start(Tag::List(_)) if deep => Some(self.raw_block("list")),
            Event::Start(Tag::BlockQuote(None)) => Some(self.quote()),
            Event::Start(Tag::List(start)) => {
                let start = *start;
                Some(self.list(start))
            }
            _ => self.leaf(),
        }
    }

    fn quote(&mut self) -> Block {
        self.pos += 1;
        self.containers.push(Container::Quote);
        let inner = self.blocks();
        self.containers.pop();
        self.close();
        Block::BlockQuote(inner)
    }

    fn list(&mut self, start: Option<u64>) -> Block {
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            match self.peek() {
                Some((Event::Start(Tag::Item), _)) => {
                    let content_col = self.item_content_col();
                    self.pos += 1;
                    self.containers.push(Container::Item { content_col });
                    let blocks = self.blocks();
                    self.containers.pop();
                    self.close();
                    items.push(ListItem { blocks });
                }
                Some((Event::End(_), _)) | None => break,
                // Anything else inside a list is unexpected: keep it as
                // an item of its own.
                Some(_) => {
                    let blocks = self.blocks();
                    if blocks.is_empty() {
                        self.pos += 1;
                    } else {
                        items.push(ListItem { blocks });
                    }
                }
            }
        }
        self.close();
        let kind = match start {
            Some(n) => ListKind::Ordered(n),
            None => ListKind::Bullet,
        };
        Block::List(List { kind, items })
    }

    /// The element at the current event, kept as raw Markdown of `kind`.
    fn raw_block(&mut self, kind: &str) -> Block {
        let (text, _) = self.take_raw();
        Block::Unsupported(Raw::new(RawFormat::Markdown, kind, text))
    }

    /// A block that holds no other blocks.
    fn leaf(&mut self) -> Option<Block> {
        let (e, _) = &self.ev[self.pos];
        if is_inline_event(e) {
            return Some(Block::Paragraph(self.inlines()));
        }
        Some(match e.clone() {
            Event::Start(Tag::Paragraph) => {
                self.pos += 1;
                let content = self.inlines();
                self.close();
                Block::Paragraph(content)
            }
            Event::Start(Tag::Heading { level, .. }) => {
                self.pos += 1;
                let content = self.inlines();
                self.close();
                Block::Heading {
                    level: level as u8,
                    content,
                }
            }
            Event::Start(Tag::CodeBlock(kind)) => self.code_block(kind),
            Event::Rule => {
                self.pos += 1;
                Block::Rule
            }
            Event::Start(Tag::HtmlBlock) => {
                let text = self.take_html_block();
                Block::Unsupported(Raw::new(RawFormat::Markdown, "html", text))
            }
            Event::Start(t) => self.raw_block(match t {
                Tag::Table(_) => "table",
                Tag::FootnoteDefinition(_) => "footnote",
                Tag::BlockQuote(Some(_)) => "alert",
                Tag::MetadataBlock(_) => "metadata",
                Tag::DefinitionList => "definition_list",
                _ => "block",
            }),
            _ => {
                let (text, _) = self.take_raw();
                if text.trim().is_empty() {
                    return None;
                }
                Block::Unsupported(Raw::new(RawFormat::Markdown, "block", text))
            }
        })
    }

    fn code_block(&mut self, kind: CodeBlockKind<'_>) -> Block {
        self.pos += 1;
        let mut code = String::new();
        while let Some((Event::Text(t), _)) = self.peek() {
            code.push_str(t);
            self.pos += 1;
        }
        self.close();
        if code.ends_with('\n') {
            code.pop();
        }
        let info = match kind {
            CodeBlockKind::Fenced(info) => info.trim().to_owned(),
            CodeBlockKind::Indented => String::new(),
        };
        let mut words = info.splitn(2, char::is_whitespace);
        let language = words.next().filter(|l| !l.is_empty()).map(str::to_owned);
        let rest = words.next().map(str::trim).unwrap_or("");
        match language.as_deref().and_then(RawFormat::from_fence_language) {
            Some(format) => Block::Unsupported(Raw::new(
                format,
                if rest.is_empty() { "block" } else { rest },
                code,
            )),
            None => Block::CodeBlock { language, code },
        }
    }

    /// Inline content until a non-inline event (not consumed).
    fn inlines(&mut self) -> Vec<Inline> {
        let mut out = Vec::new();
        // Inline elements opened past the depth limit: their markup is
        // dropped (their content joins this level) until their end.
        let mut flattened = 0usize;
        while let Some((e, _)) = self.peek() {
            if flattened > 0 && matches!(e, Event::End(_)) {
                flattened -= 1;
                self.pos += 1;
                continue;
            }
            if !is_inline_event(e) {
                break;
            }
            if self.inline_depth >= MAX_DEPTH
                && matches!(
                    e,
                    Event::Start(
                        Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Link { .. }
                    )
                )
            {
                flattened += 1;
                self.pos += 1;
                continue;
            }
            match e.clone() {
                Event::Text(t) => {
                    self.pos += 1;
                    out.push(Inline::Text(t.to_string()));
                }
                Event::Code(c) => {
                    self.pos += 1;
                    out.push(Inline::Code(c.to_string()));
                }
                Event::SoftBreak => {
                    self.pos += 1;
                    out.push(Inline::Text(" ".to_owned()));
                }
                Event::HardBreak => {
                    self.pos += 1;
                    out.push(Inline::LineBreak);
                }
                Event::InlineHtml(h) => {
                    self.pos += 1;
                    // pulldown-cmark hands over comments, declarations and
                    // processing instructions that span lines with the
                    // markers of the containers on their continuation
                    // lines (tags come without): take those off too.
                    let h = if h.starts_with("<!") || h.starts_with("<?") {
                        let mut stripped = self.strip_containers(&h);
                        // (A quote's `>` that ended it stays its end.)
                        if h.ends_with('>') && !stripped.ends_with('>') {
                            stripped.push('>');
                        }
                        stripped
                    } else {
                        h.to_string()
                    };
                    out.push(Inline::Unsupported(Raw::new(
                        RawFormat::Markdown,
                        "html",
                        h,
                    )));
                }
                Event::Start(Tag::Emphasis) => {
                    self.pos += 1;
                    let c = self.nested_inlines();
                    out.push(Inline::Emphasis(c));
                }
                Event::Start(Tag::Strong) => {
                    self.pos += 1;
                    let c = self.nested_inlines();
                    out.push(Inline::Strong(c));
                }
                Event::Start(Tag::Strikethrough) => {
                    self.pos += 1;
                    let c = self.nested_inlines();
                    out.push(Inline::Strikethrough(c));
                }
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    ..
                }) => {
                    self.pos += 1;
                    let c = self.nested_inlines();
                    let url = if link_type == LinkType::Email && !dest_url.starts_with("mailto:") {
                        format!("mailto:{dest_url}")
                    } else {
                        dest_url.to_string()
                    };
                    out.push(Inline::Link {
                        url,
                        title: (!title.is_empty()).then(|| title.to_string()),
                        content: c,
                    });
                }
                Event::Start(Tag::Image { .. }) => {
                    let start = self.pos + 1;
                    let (text, _) = self.take_raw();
                    let alt: String = self.ev[start..self.pos]
                        .iter()
                        .filter_map(|(e, _)| match e {
                            Event::Text(t) | Event::Code(t) => Some(t.to_string()),
                            _ => None,
                        })
                        .collect();
                    out.push(Inline::Unsupported(
                        Raw::new(RawFormat::Markdown, "image", text).with_text(alt),
                    ));
                }
                _ => {
                    let kind = match e {
                        Event::FootnoteReference(_) => "footnote_reference",
                        Event::InlineMath(_) => "math",
                        Event::TaskListMarker(_) => "task_marker",
                        _ => "inline",
                    };
                    let (text, _) = self.take_raw();
                    out.push(Inline::Unsupported(Raw::new(
                        RawFormat::Markdown,
                        kind,
                        text,
                    )));
                }
            }
        }
        merge_text(out)
    }

    /// The content of an inline element whose start was just consumed,
    /// up to and including its end.
    fn nested_inlines(&mut self) -> Vec<Inline> {
        self.inline_depth += 1;
        let c = self.inlines();
        self.inline_depth -= 1;
        self.close();
        c
    }
}
