//! Inline content as flat runs of marked text ([`Span`]s) and back, and
//! the normalizations built on them.

use super::{Inline, Raw};

/// Link target and title of a [`Span`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LinkTarget {
    /// URL.
    pub url: String,
    /// Title.
    pub title: Option<String>,
}

/// The marks of a [`Span`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Marks {
    /// Bold.
    pub strong: bool,
    /// Italics.
    pub emphasis: bool,
    /// Strikethrough.
    pub strike: bool,
    /// Link.
    pub link: Option<LinkTarget>,
}

/// What a [`Span`] holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpanContent {
    /// Text.
    Text(String),
    /// Inline code.
    Code(String),
    /// A hard line break.
    LineBreak,
    /// An element kept verbatim.
    Raw(Raw),
}

/// A run of inline content with its marks: the flat form of [`Inline`]
/// content, as annotated-run formats (Notion, ADF) hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// The content.
    pub content: SpanContent,
    /// The marks on it.
    pub marks: Marks,
}

impl Span {
    /// A text span.
    pub fn text(text: impl Into<String>, marks: Marks) -> Self {
        Span {
            content: SpanContent::Text(text.into()),
            marks,
        }
    }
}

/// Flatten inline content into annotated runs.
pub fn to_spans(inlines: &[Inline]) -> Vec<Span> {
    let mut out = Vec::new();
    flatten(inlines, &Marks::default(), &mut out);
    out
}

fn flatten(inlines: &[Inline], marks: &Marks, out: &mut Vec<Span>) {
    for i in inlines {
        match i {
            Inline::Text(t) => out.push(Span::text(t.clone(), marks.clone())),
            Inline::Code(c) => out.push(Span {
                content: SpanContent::Code(c.clone()),
                marks: marks.clone(),
            }),
            Inline::LineBreak => out.push(Span {
                content: SpanContent::LineBreak,
                marks: marks.clone(),
            }),
            Inline::Unsupported(r) => out.push(Span {
                content: SpanContent::Raw(r.clone()),
                marks: marks.clone(),
            }),
            Inline::Emphasis(c) => {
                let m = Marks {
                    emphasis: true,
                    ..marks.clone()
                };
                flatten(c, &m, out)
            }
            Inline::Strong(c) => {
                let m = Marks {
                    strong: true,
                    ..marks.clone()
                };
                flatten(c, &m, out)
            }
            Inline::Strikethrough(c) => {
                let m = Marks {
                    strike: true,
                    ..marks.clone()
                };
                flatten(c, &m, out)
            }
            Inline::Link {
                url,
                title,
                content,
            } => {
                // The innermost link wins (nested links cannot exist in
                // any supported format).
                let m = Marks {
                    link: Some(LinkTarget {
                        url: url.clone(),
                        title: title.clone(),
                    }),
                    ..marks.clone()
                };
                flatten(content, &m, out)
            }
        }
    }
}

/// Build canonical inline content from annotated runs: links outermost,
/// then strong, emphasis and strikethrough; adjacent text runs with the
/// same marks are merged and empty text runs dropped.
pub fn from_spans(mut spans: Vec<Span>) -> Vec<Inline> {
    // A line break carries no marks of its own: it takes those of its
    // neighbours when both agree, none otherwise.
    for i in 0..spans.len() {
        if spans[i].content != SpanContent::LineBreak {
            continue;
        }
        let is_break = |s: &Span| s.content == SpanContent::LineBreak;
        let prev = spans[..i].iter().rev().find(|s| !is_break(s));
        let next = spans[i + 1..].iter().find(|s| !is_break(s));
        let marks = match (prev, next) {
            (Some(p), Some(n)) if p.marks == n.marks => p.marks.clone(),
            _ => Marks::default(),
        };
        spans[i].marks = marks;
    }
    // Merge adjacent text with equal marks; drop empty text.
    let mut merged: Vec<Span> = Vec::with_capacity(spans.len());
    for s in spans {
        if let SpanContent::Text(t) = &s.content {
            if t.is_empty() {
                continue;
            }
            if let Some(last) = merged.last_mut()
                && last.marks == s.marks
                && let SpanContent::Text(prev) = &mut last.content
            {
                prev.push_str(t);
                continue;
            }
        }
        merged.push(s);
    }
    build(&merged, 0)
}

/// Take spaces next to hard breaks off text spans (no format shows
/// them, see [`trim_inlines`]), so that what a break takes from its
/// neighbours ([`from_spans`]) depends on the spans that show.
pub(crate) fn trim_spans_at_breaks(mut spans: Vec<Span>) -> Vec<Span> {
    for i in 0..spans.len() {
        if spans[i].content != SpanContent::LineBreak {
            continue;
        }
        for j in (0..i).rev() {
            let SpanContent::Text(t) = &mut spans[j].content else {
                break;
            };
            t.truncate(t.trim_end_matches(' ').len());
            if !t.is_empty() {
                break;
            }
        }
        for span in &mut spans[i + 1..] {
            let SpanContent::Text(t) = &mut span.content else {
                break;
            };
            let lead = t.len() - t.trim_start_matches(' ').len();
            t.drain(..lead);
            if !t.is_empty() {
                break;
            }
        }
    }
    spans.retain(|s| !matches!(&s.content, SpanContent::Text(t) if t.is_empty()));
    spans
}

/// Levels of nesting, outermost first.
const LEVELS: usize = 4;

fn build(spans: &[Span], level: usize) -> Vec<Inline> {
    if level == LEVELS {
        return spans
            .iter()
            .map(|s| match &s.content {
                SpanContent::Text(t) => Inline::Text(t.clone()),
                SpanContent::Code(c) => Inline::Code(c.clone()),
                SpanContent::LineBreak => Inline::LineBreak,
                SpanContent::Raw(r) => Inline::Unsupported(r.clone()),
            })
            .collect();
    }
    let key = |s: &Span| -> Option<Option<LinkTarget>> {
        match level {
            0 => s.marks.link.clone().map(Some),
            1 => s.marks.strong.then_some(None),
            2 => s.marks.emphasis.then_some(None),
            _ => s.marks.strike.then_some(None),
        }
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < spans.len() {
        let k = key(&spans[i]);
        let mut j = i + 1;
        while j < spans.len() && key(&spans[j]) == k {
            j += 1;
        }
        let inner = build(&spans[i..j], level + 1);
        match k {
            None => out.extend(inner),
            Some(target) => out.push(match level {
                0 => {
                    let t = target.unwrap_or(LinkTarget {
                        url: String::new(),
                        title: None,
                    });
                    Inline::Link {
                        url: t.url,
                        title: t.title,
                        content: inner,
                    }
                }
                1 => Inline::Strong(inner),
                2 => Inline::Emphasis(inner),
                _ => Inline::Strikethrough(inner),
            }),
        }
        i = j;
    }
    out
}

/// Inline content in canonical form (see [`from_spans`]), with spaces at
/// the edges of marks moved outside them ([`hoist_spaces`]).
pub fn normalize_inlines(inlines: &[Inline]) -> Vec<Inline> {
    let canonical = from_spans(to_spans(inlines));
    from_spans(to_spans(&hoist_spaces(canonical)))
}

type Wrap = fn(Vec<Inline>) -> Inline;

/// Move spaces at the edges of emphasis, strong and strikethrough
/// outside them (`**a **` is not bold in Markdown; `**a** ` is). The
/// text is unchanged; only which marks cover the spaces.
pub fn hoist_spaces(inlines: Vec<Inline>) -> Vec<Inline> {
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
                    content: hoist_spaces(content),
                });
                continue;
            }
            other => {
                out.push(other);
                continue;
            }
        };
        let mut content = hoist_spaces(content);
        let mut lead = String::new();
        let mut trail = String::new();
        if let Some(Inline::Text(t)) = content.first_mut() {
            let trimmed = t.trim_start();
            lead = t[..t.len() - trimmed.len()].to_owned();
            *t = trimmed.to_owned();
            if t.is_empty() {
                content.remove(0);
            }
        }
        if let Some(Inline::Text(t)) = content.last_mut() {
            let trimmed = t.trim_end();
            trail = t[trimmed.len()..].to_owned();
            t.truncate(trimmed.len());
            if t.is_empty() {
                content.pop();
            }
        }
        if !lead.is_empty() {
            out.push(Inline::Text(lead));
        }
        if !content.is_empty() {
            out.push(wrap(content));
        }
        if !trail.is_empty() {
            out.push(Inline::Text(trail));
        }
    }
    merge_text(out)
}

/// Trim spaces at the start and end of a paragraph and around line
/// breaks: no format renders them (Markdown and HTML drop them).
pub(crate) fn trim_inlines(mut inlines: Vec<Inline>) -> Vec<Inline> {
    fn trim_edge(inlines: &mut Vec<Inline>, front: bool) {
        loop {
            let idx = if front {
                0
            } else {
                match inlines.len() {
                    0 => return,
                    n => n - 1,
                }
            };
            let Some(node) = inlines.get_mut(idx) else {
                return;
            };
            match node {
                Inline::Text(t) => {
                    let trimmed = if front {
                        t.trim_start_matches(' ')
                    } else {
                        t.trim_end_matches(' ')
                    };
                    if trimmed.is_empty() {
                        inlines.remove(idx);
                        continue;
                    }
                    *t = trimmed.to_owned();
                    return;
                }
                Inline::Strong(c) | Inline::Emphasis(c) | Inline::Strikethrough(c) => {
                    trim_edge(c, front);
                    if c.is_empty() {
                        inlines.remove(idx);
                        continue;
                    }
                    return;
                }
                Inline::Link { content, .. } => {
                    trim_edge(content, front);
                    return;
                }
                _ => return,
            }
        }
    }
    trim_edge(&mut inlines, true);
    trim_edge(&mut inlines, false);
    // Spaces next to a hard break are not rendered either.
    let mut out: Vec<Inline> = Vec::with_capacity(inlines.len());
    let mut after_break = false;
    for i in inlines {
        match i {
            Inline::LineBreak => {
                if let Some(Inline::Text(prev)) = out.last_mut() {
                    let t = prev.trim_end_matches(' ').to_owned();
                    if t.is_empty() {
                        out.pop();
                    } else {
                        *prev = t;
                    }
                }
                out.push(Inline::LineBreak);
                after_break = true;
            }
            Inline::Text(t) if after_break => {
                after_break = false;
                let t = t.trim_start_matches(' ');
                if !t.is_empty() {
                    out.push(Inline::Text(t.to_owned()));
                } else {
                    after_break = true;
                }
            }
            other => {
                after_break = false;
                out.push(other);
            }
        }
    }
    out
}

/// Merge adjacent text nodes; drop empty ones.
pub(crate) fn merge_text(inlines: Vec<Inline>) -> Vec<Inline> {
    let mut out: Vec<Inline> = Vec::with_capacity(inlines.len());
    for i in inlines {
        if let Inline::Text(t) = &i {
            if t.is_empty() {
                continue;
            }
            if let Some(Inline::Text(prev)) = out.last_mut() {
                prev.push_str(t);
                continue;
            }
        }
        out.push(i);
    }
    out
}

/// The readable text of inline content (marks removed, raw nodes as their
/// text, line breaks as `\n`).
pub fn inline_text(inlines: &[Inline]) -> String {
    let mut s = String::new();
    for span in to_spans(inlines) {
        match span.content {
            SpanContent::Text(t) | SpanContent::Code(t) => s.push_str(&t),
            SpanContent::LineBreak => s.push('\n'),
            SpanContent::Raw(r) => s.push_str(r.text.as_deref().unwrap_or("")),
        }
    }
    s
}
