//! Markdown's document model to and from Confluence storage format.
//!
//! Storage format is XHTML with Confluence's own elements. Mapping:
//!
//! | model | storage |
//! |---|---|
//! | heading | `<h1>`…`<h6>` |
//! | paragraph | `<p>` |
//! | bullet / ordered list | `<ul>` / `<ol start="n">` with `<li>` |
//! | code block | `<ac:structured-macro ac:name="code">` with `<ac:parameter ac:name="language">` and `<ac:plain-text-body><![CDATA[…]]>` |
//! | block quote | `<blockquote>` |
//! | rule | `<hr />` |
//! | strong, emphasis, strikethrough, code | `<strong>`, `<em>`, `<s>`, `<code>` (`<b>`, `<i>`, `<del>` are read too) |
//! | link | `<a href="…" title="…">` |
//! | line break | `<br />` |
//!
//! Every other element — macros other than `code`, tables, images,
//! `ac:link`s, layouts, task lists — becomes a [`Raw`](super::model::Raw)
//! node holding its exact source and is written back unchanged.
//! Wrappers the model has no place for (`<u>`, styled `<span>`s, inline
//! comment markers) keep their text and are named in the report, as are
//! code macro parameters other than `language`.
//!
//! Elements may nest [`MAX_SOURCE_DEPTH`](super::MAX_SOURCE_DEPTH) deep
//! (deeper is an `InvalidInput` error naming the byte offset); lists and
//! quotes nested deeper than [`MAX_DEPTH`](super::MAX_DEPTH) are kept as
//! raw storage format, and inline elements nested deeper keep only their
//! text.

use mosaic_core::Result;

use super::model::Document;
use super::report::Converted;
use super::xhtml::{self, Dialect};

/// Parse storage format. Malformed XML is a `Decode` error naming the
/// byte offset; elements nested deeper than
/// [`MAX_SOURCE_DEPTH`](super::MAX_SOURCE_DEPTH) are an `InvalidInput`
/// error naming it.
pub fn from_storage(storage: &str) -> Result<Converted<Document>> {
    xhtml::parse(storage, Dialect::Confluence)
}

/// Render storage format.
pub fn to_storage(doc: &Document) -> Converted<String> {
    xhtml::render(doc, Dialect::Confluence)
}
