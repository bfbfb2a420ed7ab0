//! Markdown (CommonMark with GitHub's strikethrough and tables) to and
//! from the [document model](super::model).
//!
//! Parsing uses `pulldown-cmark`. Elements outside the model — tables,
//! images, HTML, footnotes — become [`Raw`] nodes holding their exact
//! Markdown source, and are written back unchanged. A fenced code block
//! whose language is `raw:<format>` (how other formats' raw nodes are
//! carried through Markdown) becomes a [`Raw`] node of that format again.
//!
//! Rendering produces Markdown that parses back to the same model: text
//! is escaped where it would otherwise be read as syntax, consecutive
//! lists alternate their markers so they stay separate, and code uses a
//! fence longer than any backtick run inside it.

use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, Event, LinkType, Options, Parser, Tag};

use super::model::{Block, Document, Inline, List, ListItem, ListKind, Raw, RawFormat, merge_text};
use super::report::{ConversionReport, Converted, NoteKind};

/// The pulldown-cmark extensions Mosaic reads.
fn options() -> Options {
    Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES
}

/// Parse Markdown into a document. Never fails: every input is Markdown;
/// what the model does not cover is kept as [`Raw`] Markdown.
pub fn parse(source: &str) -> Document {
    let events: Vec<(Event<'_>, Range<usize>)> = Parser::new_ext(source, options())
        .into_offset_iter()
        .collect();
    let mut p = MdParser {
        src: source,
        ev: events,
        pos: 0,
    };
    let blocks = p.blocks();
    Document { blocks }
}

struct MdParser<'a> {
    src: &'a str,
    ev: Vec<(Event<'a>, Range<usize>)>,
    pos: usize,
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

    /// The source of the element starting at the current event; skips it.
    fn take_raw(&mut self) -> (String, Range<usize>) {
        let range = self.ev[self.pos].1.clone();
        self.pos += 1;
        while let Some((_, r)) = self.peek() {
            if r.start < range.end && r.start >= range.start {
                self.pos += 1;
            } else {
                break;
            }
        }
        let text = self
            .src
            .get(range.clone())
            .unwrap_or_default()
            .trim_end_matches(['\n', '\r'])
            .to_owned();
        (text, range)
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
    fn blocks(&mut self) -> Vec<Block> {
        let mut out = Vec::new();
        while let Some((e, _)) = self.peek() {
            if is_inline_event(e) {
                let content = self.inlines();
                out.push(Block::Paragraph(content));
                continue;
            }
            match e.clone() {
                Event::End(_) => break,
                Event::Start(Tag::Paragraph) => {
                    self.pos += 1;
                    let content = self.inlines();
                    self.close();
                    out.push(Block::Paragraph(content));
                }
                Event::Start(Tag::Heading { level, .. }) => {
                    self.pos += 1;
                    let content = self.inlines();
                    self.close();
                    out.push(Block::Heading {
                        level: level as u8,
                        content,
                    });
                }
                Event::Start(Tag::BlockQuote(None)) => {
                    self.pos += 1;
                    let inner = self.blocks();
                    self.close();
                    out.push(Block::BlockQuote(inner));
                }
                Event::Start(Tag::CodeBlock(kind)) => {
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
                        Some(format) => out.push(Block::Unsupported(Raw::new(
                            format,
                            if rest.is_empty() { "block" } else { rest },
                            code,
                        ))),
                        None => out.push(Block::CodeBlock { language, code }),
                    }
                }
                Event::Start(Tag::List(start)) => {
                    self.pos += 1;
                    let mut items = Vec::new();
                    loop {
                        match self.peek() {
                            Some((Event::Start(Tag::Item), _)) => {
                                self.pos += 1;
                                let blocks = self.blocks();
                                self.close();
                                items.push(ListItem { blocks });
                            }
                            Some((Event::End(_), _)) | None => break,
                            // Anything else inside a list is unexpected:
                            // keep it as an item of its own.
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
                    out.push(Block::List(List { kind, items }));
                }
                Event::Rule => {
                    self.pos += 1;
                    out.push(Block::Rule);
                }
                Event::Start(t) => {
                    let kind = match t {
                        Tag::Table(_) => "table",
                        Tag::HtmlBlock => "html",
                        Tag::FootnoteDefinition(_) => "footnote",
                        Tag::BlockQuote(Some(_)) => "alert",
                        Tag::MetadataBlock(_) => "metadata",
                        Tag::DefinitionList => "definition_list",
                        _ => "block",
                    };
                    let (text, _) = self.take_raw();
                    out.push(Block::Unsupported(Raw::new(
                        RawFormat::Markdown,
                        kind,
                        text,
                    )));
                }
                _ => {
                    let (text, _) = self.take_raw();
                    if !text.trim().is_empty() {
                        out.push(Block::Unsupported(Raw::new(
                            RawFormat::Markdown,
                            "block",
                            text,
                        )));
                    }
                }
            }
        }
        out
    }

    /// Inline content until a non-inline event (not consumed).
    fn inlines(&mut self) -> Vec<Inline> {
        let mut out = Vec::new();
        while let Some((e, _)) = self.peek() {
            if !is_inline_event(e) {
                break;
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
                    out.push(Inline::Unsupported(Raw::new(
                        RawFormat::Markdown,
                        "html",
                        h.to_string(),
                    )));
                }
                Event::Start(Tag::Emphasis) => {
                    self.pos += 1;
                    let c = self.inlines();
                    self.close();
                    out.push(Inline::Emphasis(c));
                }
                Event::Start(Tag::Strong) => {
                    self.pos += 1;
                    let c = self.inlines();
                    self.close();
                    out.push(Inline::Strong(c));
                }
                Event::Start(Tag::Strikethrough) => {
                    self.pos += 1;
                    let c = self.inlines();
                    self.close();
                    out.push(Inline::Strikethrough(c));
                }
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    ..
                }) => {
                    self.pos += 1;
                    let c = self.inlines();
                    self.close();
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
}

/// Render a document as Markdown.
pub fn render(doc: &Document) -> String {
    render_with_report(doc).value
}

/// Render a document as Markdown, reporting what had to be simplified
/// (inline elements of other formats written as their text).
pub fn render_with_report(doc: &Document) -> Converted<String> {
    let mut r = Renderer {
        report: ConversionReport::new(),
    };
    let mut s = r.blocks(&doc.blocks, "/blocks");
    if !s.is_empty() {
        s.push('\n');
    }
    Converted::new(s, r.report)
}

struct Renderer {
    report: ConversionReport,
}

/// Whether a list can be written tight (no blank lines between items).
fn is_tight(list: &List) -> bool {
    list.items.iter().all(|i| match i.blocks.as_slice() {
        [] | [_] => true,
        // Only a bullet list or a list starting at 1 may follow a
        // paragraph without a blank line.
        // (an empty first item would turn the paragraph into a heading).
        [Block::Paragraph(_), Block::List(l)] => {
            matches!(l.kind, ListKind::Bullet | ListKind::Ordered(1))
                && l.items.first().is_some_and(|i| !i.blocks.is_empty())
        }
        _ => false,
    })
}

fn indent(text: &str, first: &str, rest: &str) -> String {
    let mut out = String::new();
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let prefix = if n == 0 { first } else { rest };
        if line.is_empty() {
            out.push_str(prefix.trim_end());
        } else {
            out.push_str(prefix);
            out.push_str(line);
        }
    }
    out
}

fn longest_run(s: &str, c: char) -> usize {
    let mut best = 0;
    let mut cur = 0;
    for ch in s.chars() {
        if ch == c {
            cur += 1;
            best = best.max(cur);
        } else {
            cur = 0;
        }
    }
    best
}

fn fence(code: &str, info: &str) -> String {
    // Info strings take backslash escapes and entities: keep them literal.
    let mut escaped = String::with_capacity(info.len());
    for (idx, c) in info.char_indices() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '&' if looks_like_entity(&info[idx + 1..]) => escaped.push_str("\\&"),
            _ => escaped.push(c),
        }
    }
    let info = escaped.as_str();
    let use_tilde = info.contains('`');
    let c = if use_tilde { '~' } else { '`' };
    let n = (longest_run(code, c) + 1).max(3);
    let f: String = std::iter::repeat_n(c, n).collect();
    if code.is_empty() {
        format!("{f}{info}\n{f}")
    } else {
        format!("{f}{info}\n{code}\n{f}")
    }
}

impl Renderer {
    fn blocks(&mut self, blocks: &[Block], at: &str) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut last_list: Option<(bool, usize)> = None;
        for (n, b) in blocks.iter().enumerate() {
            let at = format!("{at}/{n}");
            let text = match b {
                Block::List(l) => {
                    let ordered = matches!(l.kind, ListKind::Ordered(_));
                    let variant = match last_list {
                        Some((o, v)) if o == ordered => (v + 1) % 2,
                        _ => 0,
                    };
                    last_list = Some((ordered, variant));
                    self.list(l, variant, &at)
                }
                other => {
                    last_list = None;
                    self.block(other, &at)
                }
            };
            parts.push(text);
        }
        parts.join("\n\n")
    }

    fn block(&mut self, b: &Block, at: &str) -> String {
        match b {
            Block::Heading { level, content } => {
                let level = (*level).clamp(1, 6) as usize;
                let text = self.inlines(content, Ctx::heading(), at);
                let hashes = "#".repeat(level);
                if text.is_empty() {
                    hashes
                } else {
                    format!("{hashes} {text}")
                }
            }
            Block::Paragraph(content) => {
                let mut content = content.as_slice();
                while let [rest @ .., Inline::LineBreak] = content {
                    content = rest;
                }
                self.inlines(content, Ctx::paragraph(), at)
            }
            Block::CodeBlock { language, code } => {
                fence(code, language.as_deref().unwrap_or("").trim())
            }
            Block::BlockQuote(inner) => {
                let text = self.blocks(inner, &format!("{at}/blocks"));
                if text.is_empty() {
                    ">".to_owned()
                } else {
                    indent(&text, "> ", "> ")
                }
            }
            Block::Rule => "___".to_owned(),
            Block::List(l) => self.list(l, 0, at),
            Block::Unsupported(raw) => match raw.format {
                RawFormat::Markdown => raw.content.clone(),
                _ => {
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
                    let kind: String = raw
                        .kind
                        .chars()
                        .map(|c| if c.is_whitespace() { '-' } else { c })
                        .collect();
                    fence(
                        &raw.content,
                        &format!("{} {kind}", raw.format.fence_language()),
                    )
                }
            },
        }
    }

    fn list(&mut self, l: &List, variant: usize, at: &str) -> String {
        let tight = is_tight(l);
        let mut items = Vec::new();
        for (n, item) in l.items.iter().enumerate() {
            let marker = match l.kind {
                ListKind::Bullet => (if variant == 0 { "-" } else { "*" }).to_owned(),
                ListKind::Ordered(start) => format!(
                    "{}{}",
                    start.saturating_add(n as u64),
                    if variant == 0 { "." } else { ")" }
                ),
            };
            let at = format!("{at}/items/{n}");
            let body = {
                let mut parts = Vec::new();
                let mut last_list: Option<(bool, usize)> = None;
                for (k, b) in item.blocks.iter().enumerate() {
                    let at = format!("{at}/{k}");
                    parts.push(match b {
                        Block::List(l) => {
                            let ordered = matches!(l.kind, ListKind::Ordered(_));
                            let v = match last_list {
                                Some((o, v)) if o == ordered => (v + 1) % 2,
                                _ => 0,
                            };
                            last_list = Some((ordered, v));
                            self.list(l, v, &at)
                        }
                        other => {
                            last_list = None;
                            self.block(other, &at)
                        }
                    });
                }
                parts.join(if tight { "\n" } else { "\n\n" })
            };
            let pad = " ".repeat(marker.len() + 1);
            if body.is_empty() {
                items.push(marker);
            } else {
                items.push(indent(&body, &format!("{marker} "), &pad));
            }
        }
        items.join(if tight { "\n" } else { "\n\n" })
    }

    fn inlines(&mut self, inlines: &[Inline], ctx: Ctx, at: &str) -> String {
        let mut out = String::new();
        let inlines = super::model::hoist_spaces(inlines.to_vec());
        self.inline_seq(&inlines, ctx, at, &mut out, None);
        out
    }

    fn inline_seq(
        &mut self,
        inlines: &[Inline],
        ctx: Ctx,
        at: &str,
        out: &mut String,
        parent: Option<&str>,
    ) {
        let last = inlines.len().saturating_sub(1);
        for (n, i) in inlines.iter().enumerate() {
            match i {
                Inline::Text(t) => {
                    let line_start = out.is_empty() || out.ends_with('\n');
                    escape_text(t, ctx, line_start, out);
                }
                Inline::Code(c) => code_span(c, out),
                Inline::LineBreak => {
                    if ctx.heading {
                        self.report.note(
                            NoteKind::Simplified,
                            at,
                            "line break in a heading",
                            "Markdown headings are one line: written as a space",
                        );
                        out.push(' ');
                    } else {
                        out.push_str("\\\n");
                    }
                }
                Inline::Strong(c) => {
                    out.push_str("**");
                    self.inline_seq(c, ctx, at, out, Some("**"));
                    out.push_str("**");
                }
                Inline::Emphasis(c) => {
                    // `*` next to `**` would read as `***`: use `_` there.
                    // (and next to a sibling's `*` delimiter).
                    let touches_strong = (parent == Some("**") && (n == 0 || n == last))
                        || matches!(c.first(), Some(Inline::Strong(_)))
                        || matches!(c.last(), Some(Inline::Strong(_)))
                        || (out.ends_with('*') && !out.ends_with("\\*"))
                        || matches!(
                            inlines.get(n + 1),
                            Some(Inline::Strong(_) | Inline::Emphasis(_))
                        );
                    // `_` cannot open or close inside a word.
                    let intraword = out.chars().last().is_some_and(char::is_alphanumeric)
                        || matches!(
                            inlines.get(n + 1),
                            Some(Inline::Text(t)) if t.chars().next().is_some_and(char::is_alphanumeric)
                        );
                    let d = if touches_strong && !intraword {
                        "_"
                    } else {
                        "*"
                    };
                    out.push_str(d);
                    self.inline_seq(c, ctx, at, out, Some(d));
                    out.push_str(d);
                }
                Inline::Strikethrough(c) => {
                    out.push_str("~~");
                    self.inline_seq(c, ctx, at, out, Some("~~"));
                    out.push_str("~~");
                }
                Inline::Link {
                    url,
                    title,
                    content,
                } => {
                    // `!` right before a link would make it an image.
                    if out.ends_with('!') && !out.ends_with("\\!") {
                        out.pop();
                        out.push_str("\\!");
                    }
                    out.push('[');
                    self.inline_seq(content, ctx, at, out, Some("["));
                    out.push_str("](");
                    link_destination(url, out);
                    if let Some(t) = title {
                        out.push_str(" \"");
                        for ch in t.chars() {
                            if matches!(ch, '"' | '\\') {
                                out.push('\\');
                            }
                            out.push(ch);
                        }
                        out.push('"');
                    }
                    out.push(')');
                }
                Inline::Unsupported(raw) => match raw.format {
                    RawFormat::Markdown | RawFormat::Html => out.push_str(&raw.content),
                    _ => {
                        self.report.note(
                            NoteKind::Simplified,
                            at,
                            raw.kind.clone(),
                            format!("{} inline element written as text", raw.format),
                        );
                        match &raw.text {
                            Some(t) => {
                                let line_start = out.is_empty() || out.ends_with('\n');
                                escape_text(t, ctx, line_start, out)
                            }
                            None => code_span(&raw.content, out),
                        }
                    }
                },
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Ctx {
    heading: bool,
}

impl Ctx {
    fn heading() -> Self {
        Ctx { heading: true }
    }
    fn paragraph() -> Self {
        Ctx { heading: false }
    }
}

fn looks_like_entity(rest: &str) -> bool {
    let body: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '#')
        .collect();
    !body.is_empty() && rest[body.len()..].starts_with(';')
}

fn escape_text(text: &str, ctx: Ctx, mut line_start: bool, out: &mut String) {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut k = 0;
    while k < chars.len() {
        let (idx, ch) = chars[k];
        if ch == '\n' {
            if ctx.heading {
                out.push(' ');
            } else {
                out.push_str("\\\n");
                line_start = true;
            }
            k += 1;
            continue;
        }
        if line_start {
            line_start = false;
            if matches!(ch, '#' | '-' | '+' | '>' | '=') {
                out.push('\\');
                out.push(ch);
                k += 1;
                continue;
            }
            if ch.is_ascii_digit() {
                // `12.` or `12)` at a line start would open a list.
                let mut j = k;
                while j < chars.len() && chars[j].1.is_ascii_digit() {
                    j += 1;
                }
                let digits = &text[idx..chars.get(j).map_or(text.len(), |c| c.0)];
                out.push_str(digits);
                if j < chars.len() && matches!(chars[j].1, '.' | ')') {
                    out.push('\\');
                    out.push(chars[j].1);
                    j += 1;
                }
                k = j;
                continue;
            }
        }
        match ch {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '~' | '|' => {
                out.push('\\');
                out.push(ch);
            }
            '#' if ctx.heading => out.push_str("\\#"),
            '&' if looks_like_entity(&text[idx + 1..]) => out.push_str("\\&"),
            '!' if text[idx + 1..].starts_with('[') => out.push_str("\\!"),
            _ => out.push(ch),
        }
        k += 1;
    }
}

fn code_span(code: &str, out: &mut String) {
    if code.is_empty() {
        return;
    }
    let code = code.replace(['\n', '\r'], " ");
    let n = longest_run(&code, '`') + 1;
    let ticks: String = std::iter::repeat_n('`', n).collect();
    let all_space = code.chars().all(|c| c == ' ');
    let pad = !all_space
        && (code.starts_with('`')
            || code.ends_with('`')
            || (code.starts_with(' ') && code.ends_with(' ')));
    out.push_str(&ticks);
    if pad {
        out.push(' ');
    }
    out.push_str(&code);
    if pad {
        out.push(' ');
    }
    out.push_str(&ticks);
}

fn link_destination(url: &str, out: &mut String) {
    let plain = !url.is_empty()
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '(' | ')' | '<' | '>'));
    if plain {
        for (idx, c) in url.char_indices() {
            match c {
                '\\' => out.push_str("\\\\"),
                '&' if looks_like_entity(&url[idx + 1..]) => out.push_str("\\&"),
                _ => out.push(c),
            }
        }
    } else {
        out.push('<');
        for (idx, c) in url.char_indices() {
            match c {
                '<' | '>' | '\\' => {
                    out.push('\\');
                    out.push(c);
                }
                '\n' | '\r' => out.push_str("%0A"),
                '&' if looks_like_entity(&url[idx + 1..]) => out.push_str("\\&"),
                _ => out.push(c),
            }
        }
        out.push('>');
    }
}
