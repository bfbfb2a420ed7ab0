//! Rendering the document model as Markdown that parses back to it.

use std::collections::BTreeSet;

use crate::convert::model::{Block, Document, Inline, List, ListKind, RawFormat, merge_text};
use crate::convert::report::{ConversionReport, Converted, NoteKind};

/// Render a document as Markdown.
pub fn render(doc: &Document) -> String {
    render_with_report(doc).value
}

/// Render a document as Markdown, reporting what had to be simplified
/// (inline elements of other formats written as their text).
pub fn render_with_report(doc: &Document) -> Converted<String> {
    let mut r = Renderer {
        report: ConversionReport::new(),
        inline: InlineState::default(),
        quotes: 0,
    };
    let mut s = r.blocks(&doc.blocks, "/blocks");
    if !s.is_empty() {
        s.push('\n');
    }
    Converted::new(s, r.report)
}

struct Renderer {
    report: ConversionReport,
    /// The inline content being written (one paragraph or heading).
    inline: InlineState,
    /// Block quotes around the block being written.
    quotes: usize,
}

/// What the renderer tracks while it writes one run of inline content.
#[derive(Default)]
struct InlineState {
    /// Emphasis, strong and strikethrough are numbered in document order
    /// (as [`unwrap_wrappers`] counts them).
    next_wrapper: usize,
    /// The delimiters written.
    delimiters: Vec<Delimiters>,
    /// The delimiters open around the current position.
    open: Vec<&'static str>,
    /// The last code span written: its start, end and content. A code
    /// span right after it would merge with it (`` `a``b` `` is one span),
    /// so the two are written as one.
    last_code: Option<(usize, usize, String)>,
}

/// Where a wrapper's delimiters were written.
#[derive(Debug, Clone, Copy)]
struct Delimiters {
    wrapper: usize,
    open: usize,
    close: usize,
    len: usize,
    /// A delimiter of the same character is open around this one.
    nested_in_same: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CharClass {
    Space,
    Punctuation,
    Other,
}

fn class(c: Option<char>) -> CharClass {
    match c {
        None => CharClass::Space,
        Some(c) if c.is_whitespace() => CharClass::Space,
        Some(c) if c.is_ascii_punctuation() || (!c.is_ascii() && !c.is_alphanumeric()) => {
            CharClass::Punctuation
        }
        Some(_) => CharClass::Other,
    }
}

type Wrap = fn(Vec<Inline>) -> Inline;

/// `inlines` without the emphasis, strong and strikethrough numbered
/// (in document order, from `next`) in `drop`: their content takes their
/// place.
fn unwrap_wrappers(inlines: Vec<Inline>, drop: &BTreeSet<usize>, next: &mut usize) -> Vec<Inline> {
    let mut out = Vec::with_capacity(inlines.len());
    for i in inlines {
        let (wrap, content): (Wrap, Vec<Inline>) = match i {
            Inline::Strong(c) => (Inline::Strong, c),
            Inline::Emphasis(c) => (Inline::Emphasis, c),
            Inline::Strikethrough(c) => (Inline::Strikethrough, c),
            Inline::Link {
                url,
                title,
                content,
            } => {
                out.push(Inline::Link {
                    url,
                    title,
                    content: unwrap_wrappers(content, drop, next),
                });
                continue;
            }
            other => {
                out.push(other);
                continue;
            }
        };
        let id = *next;
        *next += 1;
        let content = unwrap_wrappers(content, drop, next);
        if drop.contains(&id) {
            out.extend(content);
        } else {
            out.push(wrap(content));
        }
    }
    merge_text(out)
}

/// Whether the delimiters in `s` open and close emphasis as written, by
/// CommonMark's flanking rules: `*a*` does, `a*.b*` does not (an opening
/// run followed by punctuation needs space or punctuation before it).
fn delimits(s: &str, d: &Delimiters) -> bool {
    let before = |i: usize| class(s[..i].chars().next_back());
    let after = |i: usize| class(s[i..].chars().next());
    let left = |prev: CharClass, next: CharClass| {
        next != CharClass::Space && (next != CharClass::Punctuation || prev != CharClass::Other)
    };
    let right = |prev: CharClass, next: CharClass| {
        prev != CharClass::Space && (prev != CharClass::Punctuation || next != CharClass::Other)
    };
    // A delimiter right next to the same character would be part of a
    // longer run (`***`), read otherwise.
    let Some(ch) = s[d.open..].chars().next() else {
        return false;
    };
    let joins_before = |i: usize| {
        let head = &s[..i];
        head.ends_with(ch) && !escapes(&head[..head.len() - ch.len_utf8()])
    };
    let joins_after = |i: usize| s[i..].starts_with(ch);
    if joins_before(d.open)
        || joins_after(d.open + d.len)
        || joins_before(d.close)
        || joins_after(d.close + d.len)
    {
        return false;
    }
    let underscore = ch == '_';
    let (p, n) = (before(d.open), after(d.open + d.len));
    let opens = left(p, n) && (!underscore || !right(p, n) || p == CharClass::Punctuation);
    // An opener that could also close would close the one around it.
    let could_close = right(p, n) && (!underscore || !left(p, n) || n == CharClass::Punctuation);
    if d.nested_in_same && could_close {
        return false;
    }
    let (p, n) = (before(d.close), after(d.close + d.len));
    let closes = right(p, n) && (!underscore || !left(p, n) || n == CharClass::Punctuation);
    opens && closes
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
        // The same for a list kept verbatim (nested past `MAX_DEPTH`).
        [Block::Paragraph(_), Block::Unsupported(r)]
            if r.format == RawFormat::Markdown && r.kind == "list" =>
        {
            let first = r.content.lines().next().unwrap_or("");
            let marker = ["- ", "* ", "+ ", "1. ", "1) "]
                .iter()
                .find(|m| first.starts_with(*m));
            marker.is_some_and(|m| !first[m.len()..].trim().is_empty())
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
                // Spaces and tabs around a heading's text are not part of
                // it (a leading line break becomes one).
                let text = text.trim_matches([' ', '\t']);
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
                // Spaces that end a paragraph are not part of it.
                let mut text = self.inlines(content, Ctx::paragraph(), at);
                text.truncate(text.trim_end_matches([' ', '\t']).len());
                text
            }
            Block::CodeBlock { language, code } => {
                fence(code, language.as_deref().unwrap_or("").trim())
            }
            Block::BlockQuote(inner) => {
                self.quotes += 1;
                let text = self.blocks(inner, &format!("{at}/blocks"));
                self.quotes -= 1;
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
                        Block::List(inner) => {
                            let ordered = matches!(inner.kind, ListKind::Ordered(_));
                            let v = match last_list {
                                Some((o, v)) if o == ordered => (v + 1) % 2,
                                // A bullet list that starts on this item's
                                // line takes the other bullet: `- - -`
                                // would be a thematic break.
                                None if k == 0 && !ordered && l.kind == ListKind::Bullet => {
                                    (variant + 1) % 2
                                }
                                _ => 0,
                            };
                            last_list = Some((ordered, v));
                            self.list(inner, v, &at)
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

    /// Inline content as Markdown. Emphasis, strong or strikethrough
    /// that Markdown cannot delimit where it is (`*` after a letter and
    /// before punctuation) is written without its delimiters, and
    /// reported: written, it would read back as literal asterisks.
    fn inlines(&mut self, inlines: &[Inline], ctx: Ctx, at: &str) -> String {
        let mut inlines = crate::convert::model::hoist_spaces(inlines.to_vec());
        let notes = self.report.notes.len();
        let mut dropped = 0;
        loop {
            self.inline = InlineState::default();
            let mut out = String::new();
            self.inline_seq(&inlines, ctx, at, &mut out, None);
            let state = std::mem::take(&mut self.inline);
            let failed: BTreeSet<usize> = state
                .delimiters
                .iter()
                .filter(|d| !delimits(&out, d))
                .map(|d| d.wrapper)
                .collect();
            if failed.is_empty() {
                if dropped > 0 {
                    self.report.note(
                        NoteKind::Simplified,
                        at,
                        "emphasis",
                        format!(
                            "{dropped} emphasis, strong or strikethrough span(s) that Markdown cannot delimit here written without it"
                        ),
                    );
                }
                return out;
            }
            // Again without the spans that did not delimit: the content
            // as it will read back (delimiters are chosen by neighbours),
            // and without the notes of the attempt.
            dropped += failed.len();
            let mut next = 0;
            inlines = unwrap_wrappers(inlines, &failed, &mut next);
            self.report.notes.truncate(notes);
        }
    }

    /// Write `content` inside delimiters `d`.
    fn wrapped(
        &mut self,
        d: &'static str,
        content: &[Inline],
        ctx: Ctx,
        at: &str,
        out: &mut String,
    ) {
        let wrapper = self.inline.next_wrapper;
        self.inline.next_wrapper += 1;
        let nested_in_same = self
            .inline
            .open
            .iter()
            .any(|o| o.as_bytes()[0] == d.as_bytes()[0]);
        let open = out.len();
        out.push_str(d);
        self.inline.open.push(d);
        self.inline_seq(content, ctx, at, out, Some(d));
        self.inline.open.pop();
        let close = out.len();
        out.push_str(d);
        self.inline.delimiters.push(Delimiters {
            wrapper,
            open,
            close,
            len: d.len(),
            nested_in_same,
        });
    }

    /// A code span; one right after another code span joins it.
    fn code(&mut self, code: &str, out: &mut String) {
        if code.is_empty() {
            return;
        }
        let joined = match self.inline.last_code.take() {
            Some((start, end, prev)) if end == out.len() => {
                out.truncate(start);
                prev + code
            }
            _ => code.to_owned(),
        };
        let start = out.len();
        code_span(&joined, out);
        self.inline.last_code = Some((start, out.len(), joined));
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
                Inline::Code(c) => self.code(c, out),
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
                        hard_break(out);
                    }
                }
                // Strong in strong takes the other delimiter.
                Inline::Strong(c) if parent == Some("**") => self.wrapped("__", c, ctx, at, out),
                Inline::Strong(c) => self.wrapped("**", c, ctx, at, out),
                Inline::Emphasis(c) => {
                    // `*` next to `**` would read as `***`: use `_` there.
                    // (and next to a sibling's `*` delimiter).
                    let touches_strong = (parent == Some("**") && (n == 0 || n == last))
                        || matches!(c.first(), Some(Inline::Strong(_)))
                        || matches!(c.last(), Some(Inline::Strong(_)))
                        || ends_with_unescaped(out, '*')
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
                    let d = match parent {
                        // Emphasis in emphasis takes the other delimiter
                        // (at an edge, `*` and `*` would be one run).
                        Some("*") => "_",
                        Some("_") => "*",
                        _ if touches_strong && !intraword => "_",
                        _ => "*",
                    };
                    self.wrapped(d, c, ctx, at, out);
                }
                Inline::Strikethrough(c) => self.wrapped("~~", c, ctx, at, out),
                Inline::Link {
                    url,
                    title,
                    content,
                } => {
                    // `!` right before a link would make it an image.
                    if ends_with_unescaped(out, '!') {
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
                    RawFormat::Markdown | RawFormat::Html => {
                        // After a hard break, a tag at the start of the
                        // line could open an HTML block; indented by four
                        // spaces it stays inline (continuation lines of a
                        // paragraph lose their indentation).
                        if out.ends_with('\n') && raw.content.starts_with('<') {
                            out.push_str("    ");
                        }
                        // A declaration (`<!X …>`) ends at the first `>`:
                        // in a block quote, the `>` starting its next
                        // line. It is written on one line there.
                        let declaration = raw
                            .content
                            .strip_prefix("<!")
                            .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_alphabetic()));
                        if self.quotes > 0 && declaration && raw.content.contains('\n') {
                            out.push_str(&raw.content.replace('\n', " "));
                        } else {
                            out.push_str(&raw.content)
                        }
                    }
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
                            None => self.code(&raw.content, out),
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

/// A hard line break (`\` at the end of the line). Spaces before it are
/// not part of the text (no format shows them): they are left out.
fn hard_break(out: &mut String) {
    out.truncate(out.trim_end_matches([' ', '\t']).len());
    out.push_str("\\\n");
}

/// Whether `s` ends with `c` that no backslash escapes (`\\!` ends with
/// a `!` that is syntax, `\!` with one that is not).
fn ends_with_unescaped(s: &str, c: char) -> bool {
    s.strip_suffix(c).is_some_and(|head| !escapes(head))
}

/// Whether `s` ends with a backslash that escapes what follows (an odd
/// number of them).
fn escapes(s: &str) -> bool {
    !(s.len() - s.trim_end_matches('\\').len()).is_multiple_of(2)
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
                hard_break(out);
                line_start = true;
            }
            k += 1;
            continue;
        }
        // (A heading's text starts after `## `, where none of this is
        // syntax.)
        if line_start && !ctx.heading {
            // Spaces that start a line of a paragraph are not part of it.
            if matches!(ch, ' ' | '\t') {
                k += 1;
                continue;
            }
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
