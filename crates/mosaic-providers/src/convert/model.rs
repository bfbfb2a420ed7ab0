//! The document model every conversion goes through.
//!
//! A [`Document`] is a list of [`Block`]s; blocks hold [`Inline`] content.
//! The model covers the elements every supported format shares (headings,
//! paragraphs, nested lists, code blocks, block quotes, rules, links,
//! emphasis, strong, strikethrough, inline code, hard line breaks).
//! Anything else is kept as an explicit [`Raw`] node carrying its source
//! text, so a format-specific element (a Confluence macro, a Notion
//! callout, a Markdown table) survives a round trip through its own
//! format unchanged, and is written into another format as a visible,
//! reported fallback rather than vanishing.
//!
//! Inline content has a *canonical* form: the tree [`from_spans`] builds
//! (links outermost, then strong, emphasis, strikethrough; adjacent text
//! merged). Formats whose inline content is a flat list of annotated runs
//! (Notion rich text, ADF marks) convert through [`Span`]s, and
//! [`Document::normalized`] brings any document into canonical form so two
//! documents can be compared by meaning.

use std::fmt;

mod spans;
pub use spans::{
    LinkTarget, Marks, Span, SpanContent, from_spans, hoist_spaces, inline_text, normalize_inlines,
    to_spans,
};
pub(crate) use spans::{merge_text, trim_inlines, trim_spans_at_breaks};

/// The deepest nesting of block containers (block quotes, list items)
/// the parsers build, and, within a block, of inline elements
/// (emphasis, strong, strikethrough, links).
///
/// Past it, nothing is lost and nothing fails: each parser keeps a
/// deeper block quote or list as a [`Raw`] node of its source (Markdown,
/// HTML, storage format, ADF or Notion JSON), and drops the markup of
/// deeper inline elements, keeping their text. Every document a parser
/// returns therefore nests at most this deep, and the renderers, which
/// recurse once per level, run in bounded stack space on it (within a
/// 256 KiB thread stack with room to spare, even unoptimized). A
/// document built in code is rendered as deep as it is.
///
/// A document nested this deep still fits every format's source limit
/// ([`MAX_SOURCE_DEPTH`]): ADF, the most verbose, spends four JSON levels
/// on each list level.
pub const MAX_DEPTH: usize = 24;

/// The deepest nesting of source elements (HTML or XML elements, JSON
/// arrays and objects) the parsers accept: deeper input is an
/// `InvalidInput` error naming the limit and where it was passed (a
/// byte offset or a JSON pointer).
///
/// It bounds what the parsers walk but do not turn into the model, such
/// as tables inside layouts inside macros kept as [`Raw`] nodes. For JSON
/// it is `serde_json`'s own parsing limit, so any document that
/// `serde_json` parsed is accepted.
pub const MAX_SOURCE_DEPTH: usize = 128;

/// A whole document: a sequence of blocks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Document {
    /// The top-level blocks, in order.
    pub blocks: Vec<Block>,
}

/// A block-level element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A heading of `level` 1–6.
    Heading {
        /// 1 (largest) to 6.
        level: u8,
        /// Heading text.
        content: Vec<Inline>,
    },
    /// A paragraph.
    Paragraph(Vec<Inline>),
    /// A bullet or ordered list.
    List(List),
    /// A code block.
    CodeBlock {
        /// Language tag (`rust`, `python`), if any.
        language: Option<String>,
        /// The code, without a trailing newline.
        code: String,
    },
    /// A block quote.
    BlockQuote(Vec<Block>),
    /// A horizontal rule.
    Rule,
    /// An element the model does not cover, kept verbatim.
    Unsupported(Raw),
}

/// A list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List {
    /// Bullets or numbers.
    pub kind: ListKind,
    /// The items.
    pub items: Vec<ListItem>,
}

/// Whether a list is bulleted or numbered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// Bullets.
    Bullet,
    /// Numbers, starting at the given number.
    Ordered(u64),
}

/// One list item: its blocks (usually a paragraph, then nested lists).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListItem {
    /// The item's content.
    pub blocks: Vec<Block>,
}

/// An inline (span-level) element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    /// Plain text.
    Text(String),
    /// Inline code.
    Code(String),
    /// Emphasis (italics).
    Emphasis(Vec<Inline>),
    /// Strong emphasis (bold).
    Strong(Vec<Inline>),
    /// Strikethrough.
    Strikethrough(Vec<Inline>),
    /// A hyperlink.
    Link {
        /// Target URL.
        url: String,
        /// Title, if any.
        title: Option<String>,
        /// The linked content.
        content: Vec<Inline>,
    },
    /// A hard line break.
    LineBreak,
    /// An inline element the model does not cover, kept verbatim.
    Unsupported(Raw),
}

/// The format a [`Raw`] node was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RawFormat {
    /// CommonMark / GitHub-flavoured Markdown source.
    Markdown,
    /// HTML.
    Html,
    /// Confluence storage format (XHTML with `ac:`/`ri:` elements).
    Confluence,
    /// A Notion block or rich-text object (JSON).
    Notion,
    /// An Atlassian Document Format node (JSON).
    Adf,
}

impl RawFormat {
    /// Every format.
    pub const ALL: [RawFormat; 5] = [
        RawFormat::Markdown,
        RawFormat::Html,
        RawFormat::Confluence,
        RawFormat::Notion,
        RawFormat::Adf,
    ];

    /// The short name (`markdown`, `html`, `confluence`, `notion`, `adf`).
    pub const fn as_str(self) -> &'static str {
        match self {
            RawFormat::Markdown => "markdown",
            RawFormat::Html => "html",
            RawFormat::Confluence => "confluence",
            RawFormat::Notion => "notion",
            RawFormat::Adf => "adf",
        }
    }

    /// The format with this short name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == name)
    }

    /// The code-block language a raw node of this format is written under
    /// when the target format cannot hold it natively (`raw:confluence`).
    /// Every parser turns such a code block back into a [`Raw`] node, so the
    /// element survives a trip through another format.
    pub fn fence_language(self) -> String {
        format!("{RAW_LANGUAGE_PREFIX}{}", self.as_str())
    }

    /// The format named by a `raw:<format>` code-block language.
    pub fn from_fence_language(language: &str) -> Option<Self> {
        language
            .strip_prefix(RAW_LANGUAGE_PREFIX)
            .and_then(Self::from_name)
    }
}

impl fmt::Display for RawFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The prefix of code-block languages that carry a [`Raw`] node.
pub const RAW_LANGUAGE_PREFIX: &str = "raw:";

/// An element kept verbatim in its source format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raw {
    /// The format `content` is in.
    pub format: RawFormat,
    /// What it is (`table`, `image`, `macro:info`, `callout`, `mention`).
    pub kind: String,
    /// The exact source text (Markdown, XHTML, or compact JSON).
    pub content: String,
    /// Readable text of the element, used where it must be shown as text
    /// in another format (a mention's name, an image's alt text).
    pub text: Option<String>,
}

impl Raw {
    /// A raw node.
    pub fn new(format: RawFormat, kind: impl Into<String>, content: impl Into<String>) -> Self {
        Raw {
            format,
            kind: kind.into(),
            content: content.into(),
            text: None,
        }
    }

    /// With a readable text.
    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        let t = text.into();
        self.text = (!t.is_empty()).then_some(t);
        self
    }

    /// A code block that carries this node into a format that cannot hold
    /// it natively (see [`RawFormat::fence_language`]).
    pub fn to_code_block(&self) -> Block {
        Block::CodeBlock {
            language: Some(self.format.fence_language()),
            code: self.content.clone(),
        }
    }
}

impl Document {
    /// A document of these blocks.
    pub fn new(blocks: Vec<Block>) -> Self {
        Document { blocks }
    }

    /// The same document with all inline content in canonical form, spaces
    /// that no format renders (at paragraph edges, around line breaks)
    /// trimmed, and empty paragraphs removed.
    pub fn normalized(&self) -> Document {
        Document {
            blocks: normalize_blocks(&self.blocks),
        }
    }

    /// The document as plain text: blocks separated by blank lines, list
    /// items prefixed with `- ` or their number, code verbatim.
    pub fn plain_text(&self) -> String {
        let mut out = Vec::new();
        for b in &self.blocks {
            plain_block(b, "", &mut out);
        }
        out.join("\n\n")
    }
}

fn normalize_blocks(blocks: &[Block]) -> Vec<Block> {
    blocks
        .iter()
        .filter_map(|b| match b {
            Block::Heading { level, content } => Some(Block::Heading {
                level: *level,
                content: normalize_inlines(&trim_inlines(normalize_inlines(content))),
            }),
            Block::Paragraph(c) => {
                let c = normalize_inlines(&trim_inlines(normalize_inlines(c)));
                (!c.is_empty()).then_some(Block::Paragraph(c))
            }
            Block::List(l) => Some(Block::List(List {
                kind: l.kind,
                items: l
                    .items
                    .iter()
                    .map(|i| ListItem {
                        blocks: normalize_blocks(&i.blocks),
                    })
                    .collect(),
            })),
            Block::BlockQuote(b) => Some(Block::BlockQuote(normalize_blocks(b))),
            other => Some(other.clone()),
        })
        .collect()
}

fn plain_block(b: &Block, indent: &str, out: &mut Vec<String>) {
    let text = match b {
        Block::Heading { content, .. } | Block::Paragraph(content) => inline_text(content),
        Block::CodeBlock { code, .. } => code.clone(),
        Block::Rule => "----".to_owned(),
        Block::Unsupported(r) => r.text.clone().unwrap_or_else(|| r.content.clone()),
        Block::BlockQuote(blocks) => {
            let mut inner = Vec::new();
            for b in blocks {
                plain_block(b, "", &mut inner);
            }
            inner
                .join("\n\n")
                .lines()
                .map(|l| format!("> {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        }
        Block::List(l) => {
            let mut lines = Vec::new();
            for (n, item) in l.items.iter().enumerate() {
                let marker = match l.kind {
                    ListKind::Bullet => "- ".to_owned(),
                    ListKind::Ordered(start) => format!("{}. ", start + n as u64),
                };
                let mut inner = Vec::new();
                for b in &item.blocks {
                    plain_block(b, "", &mut inner);
                }
                let body = inner.join("\n");
                let pad = " ".repeat(marker.len());
                for (k, line) in body.lines().enumerate() {
                    if k == 0 {
                        lines.push(format!("{marker}{line}"));
                    } else {
                        lines.push(format!("{pad}{line}"));
                    }
                }
                if body.is_empty() {
                    lines.push(marker.trim_end().to_owned());
                }
            }
            lines.join("\n")
        }
    };
    let text = if indent.is_empty() {
        text
    } else {
        text.lines()
            .map(|l| format!("{indent}{l}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    out.push(text);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Inline {
        Inline::Text(s.to_owned())
    }

    #[test]
    fn spans_round_trip_in_canonical_order() {
        // em(strong(a)) is not canonical; strong(em(a)) is.
        let x = vec![Inline::Emphasis(vec![Inline::Strong(vec![t("a")])])];
        assert_eq!(
            normalize_inlines(&x),
            vec![Inline::Strong(vec![Inline::Emphasis(vec![t("a")])])]
        );
        // a link inside strong moves outside.
        let x = vec![Inline::Strong(vec![Inline::Link {
            url: "u".into(),
            title: None,
            content: vec![t("a")],
        }])];
        assert_eq!(
            normalize_inlines(&x),
            vec![Inline::Link {
                url: "u".into(),
                title: None,
                content: vec![Inline::Strong(vec![t("a")])]
            }]
        );
        // adjacent text merges, empty text goes.
        let x = vec![t("a"), t(""), t("b"), Inline::Strong(vec![t("c"), t("d")])];
        assert_eq!(
            normalize_inlines(&x),
            vec![t("ab"), Inline::Strong(vec![t("cd")])]
        );
    }

    #[test]
    fn plain_text_lists_and_quotes() {
        let d = Document::new(vec![
            Block::Heading {
                level: 1,
                content: vec![t("Title")],
            },
            Block::List(List {
                kind: ListKind::Ordered(3),
                items: vec![
                    ListItem {
                        blocks: vec![Block::Paragraph(vec![Inline::Strong(vec![t("x")])])],
                    },
                    ListItem {
                        blocks: vec![Block::Paragraph(vec![t("y")])],
                    },
                ],
            }),
            Block::BlockQuote(vec![Block::Paragraph(vec![t("q")])]),
        ]);
        assert_eq!(d.plain_text(), "Title\n\n3. x\n4. y\n\n> q");
    }

    #[test]
    fn raw_fence_language_round_trips() {
        for f in RawFormat::ALL {
            assert_eq!(RawFormat::from_fence_language(&f.fence_language()), Some(f));
        }
        assert_eq!(RawFormat::from_fence_language("rust"), None);
    }
}
