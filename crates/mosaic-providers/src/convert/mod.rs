//! Content conversion between Markdown and the rich-text formats of
//! knowledge bases and trackers, through one [document model](model).
//!
//! Page and issue bodies are Markdown in Mosaic's domain types; each
//! adapter converts them to and from its provider's format:
//!
//! * [`markdown`]: CommonMark (+ strikethrough, tables) ⇄ model;
//! * [`notion`]: Notion blocks and rich text ⇄ model;
//! * [`confluence`]: Confluence storage format (XHTML + macros) ⇄ model;
//! * [`html`]: HTML (BookStack, Wiki.js) ⇄ model;
//! * [`adf`]: Atlassian Document Format (Jira Cloud) ⇄ model, and plain
//!   text ⇄ ADF.
//!
//! The common elements — headings, paragraphs, nested lists, code blocks
//! with language, block quotes, rules, links, emphasis, strong,
//! strikethrough, inline code, line breaks — convert exactly. Everything
//! else is never dropped silently: it is kept as a [`model::Raw`] node
//! holding its source, written back unchanged into its own format, and
//! carried through other formats in a `raw:<format>` code block, which
//! every parser turns back into the raw node. Attributes that have no
//! place in the model (underline, colours, a code block's title) are
//! named in the [`ConversionReport`] every conversion returns.
//!
//! Every parser reads any input in bounded stack space: source nesting
//! past [`MAX_SOURCE_DEPTH`] is an `InvalidInput` error, and containers
//! nested past [`MAX_DEPTH`] are kept verbatim (see there).
//!
//! ```
//! use mosaic_providers::convert;
//!
//! let md = "# Setup\n\nRun **cargo** with `--release`:\n\n```sh\ncargo build\n```\n";
//!
//! let storage = convert::markdown_to_storage(md).value;
//! assert!(storage.starts_with("<h1>Setup</h1><p>Run <strong>cargo</strong> with <code>--release</code>:</p>"));
//! assert!(storage.contains(r#"<ac:parameter ac:name="language">sh</ac:parameter>"#));
//!
//! // …and back, unchanged.
//! assert_eq!(convert::storage_to_markdown(&storage)?.value, md);
//!
//! // A Confluence macro the model does not know survives the round trip.
//! let with_macro = r#"<p>Hi</p><ac:structured-macro ac:name="info"><ac:rich-text-body><p>Note</p></ac:rich-text-body></ac:structured-macro>"#;
//! let md = convert::storage_to_markdown(with_macro)?.value;
//! assert_eq!(convert::markdown_to_storage(&md).value, with_macro);
//! # Ok::<(), mosaic_core::Error>(())
//! ```

pub mod adf;
pub mod confluence;
mod depth;
pub mod html;
pub mod markdown;
pub mod model;
pub mod notion;
pub mod report;
mod xhtml;
mod xml;

use mosaic_core::Result;
use serde_json::Value;

pub use model::{
    Block, Document, Inline, List, ListItem, ListKind, MAX_DEPTH, MAX_SOURCE_DEPTH, Raw, RawFormat,
};
pub use report::{ConversionReport, Converted, Note, NoteKind};

/// Markdown → Notion blocks.
pub fn markdown_to_notion(markdown: &str) -> Converted<Vec<Value>> {
    notion::to_blocks(&markdown::parse(markdown))
}

/// Notion blocks → Markdown.
pub fn notion_to_markdown(blocks: &[Value]) -> Result<Converted<String>> {
    let doc = notion::from_blocks(blocks)?;
    Ok(to_markdown(doc))
}

/// Markdown → Confluence storage format.
pub fn markdown_to_storage(markdown: &str) -> Converted<String> {
    confluence::to_storage(&markdown::parse(markdown))
}

/// Confluence storage format → Markdown.
pub fn storage_to_markdown(storage: &str) -> Result<Converted<String>> {
    Ok(to_markdown(confluence::from_storage(storage)?))
}

/// Markdown → HTML.
pub fn markdown_to_html(markdown: &str) -> Converted<String> {
    html::to_html(&markdown::parse(markdown))
}

/// HTML → Markdown.
pub fn html_to_markdown(html: &str) -> Result<Converted<String>> {
    Ok(to_markdown(html::from_html(html)?))
}

/// Markdown → ADF.
pub fn markdown_to_adf(markdown: &str) -> Converted<Value> {
    adf::to_adf(&markdown::parse(markdown))
}

/// ADF → Markdown.
pub fn adf_to_markdown(doc: &Value) -> Result<Converted<String>> {
    Ok(to_markdown(adf::from_adf(doc)?))
}

fn to_markdown(doc: Converted<Document>) -> Converted<String> {
    let mut report = doc.report;
    let md = markdown::render_with_report(&doc.value);
    report.extend(md.report);
    Converted::new(md.value, report)
}
