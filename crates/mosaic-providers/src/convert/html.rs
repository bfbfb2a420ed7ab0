//! The document model to and from HTML (as wikis such as BookStack and
//! Wiki.js store rendered pages).
//!
//! The mapping is the one of [`confluence`](super::confluence) with HTML
//! code blocks (`<pre><code class="language-…">`). Parsing is lenient, as
//! browsers are: void elements without `/>`, stray end tags and unclosed
//! elements are accepted. Elements outside the model (tables, images,
//! `div`s) are kept as [`Raw`](super::model::Raw) HTML.
//!
//! Elements may nest [`MAX_SOURCE_DEPTH`](super::MAX_SOURCE_DEPTH) deep
//! (deeper is an `InvalidInput` error naming the byte offset); lists and
//! quotes nested deeper than [`MAX_DEPTH`](super::MAX_DEPTH) are kept as
//! raw HTML, and inline elements nested deeper keep only their text.

use mosaic_core::Result;

use super::model::Document;
use super::report::Converted;
use super::xhtml::{self, Dialect};

/// Parse HTML. Elements nested deeper than
/// [`MAX_SOURCE_DEPTH`](super::MAX_SOURCE_DEPTH) are an `InvalidInput`
/// error naming the byte offset.
pub fn from_html(html: &str) -> Result<Converted<Document>> {
    xhtml::parse(html, Dialect::Html)
}

/// Render HTML.
pub fn to_html(doc: &Document) -> Converted<String> {
    xhtml::render(doc, Dialect::Html)
}
