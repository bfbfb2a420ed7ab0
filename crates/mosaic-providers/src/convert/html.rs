//! The document model to and from HTML (as wikis such as BookStack and
//! Wiki.js store rendered pages).
//!
//! The mapping is the one of [`confluence`](super::confluence) with HTML
//! code blocks (`<pre><code class="language-…">`). Parsing is lenient, as
//! browsers are: void elements without `/>`, stray end tags and unclosed
//! elements are accepted. Elements outside the model (tables, images,
//! `div`s) are kept as [`Raw`](super::model::Raw) HTML.

use mosaic_core::Result;

use super::model::Document;
use super::report::Converted;
use super::xhtml::{self, Dialect};

/// Parse HTML.
pub fn from_html(html: &str) -> Result<Converted<Document>> {
    xhtml::parse(html, Dialect::Html)
}

/// Render HTML.
pub fn to_html(doc: &Document) -> Converted<String> {
    xhtml::render(doc, Dialect::Html)
}
