//! What the knowledge-base adapters share: import and
//! export through the document model, and the paging of token cursors.

use mosaic_core::kb::{DocFormat, ExportedDoc};
use mosaic_core::{Error, PageRequest, Result};

use crate::convert::{self, Block, Document, Inline};
use crate::http::{PageSize, RequestSpec};

/// One page of a listing continued by an opaque token (Notion's
/// `start_cursor`, Confluence's `cursor`): the size under `size` and the
/// token of `page` as the query parameter `cursor_param`.
#[cfg_attr(not(any(feature = "notion", feature = "confluence")), allow(dead_code))]
pub(crate) fn token_page<'t>(
    req: RequestSpec<'t>,
    size: PageSize,
    cursor_param: &str,
    page: &PageRequest,
) -> RequestSpec<'t> {
    req.query(size.param, page.size_or(size.default, size.max))
        .cursor_param(cursor_param, page)
}

/// Plain text as Markdown: paragraphs at blank lines, line breaks kept,
/// nothing read as markup.
pub(crate) fn plain_text_to_markdown(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let mut blocks = Vec::new();
    for para in text.split("\n\n") {
        let para = para.trim_matches('\n');
        if para.trim().is_empty() {
            continue;
        }
        let mut inl = Vec::new();
        for (k, line) in para.split('\n').enumerate() {
            if k > 0 {
                inl.push(Inline::LineBreak);
            }
            if !line.is_empty() {
                inl.push(Inline::Text(line.to_owned()));
            }
        }
        blocks.push(Block::Paragraph(inl));
    }
    convert::markdown::render(&Document::new(blocks))
}

#[cfg_attr(not(any(feature = "notion", feature = "confluence")), allow(dead_code))]
fn utf8(content: &[u8]) -> Result<&str> {
    std::str::from_utf8(content)
        .map_err(|_| Error::invalid_input("content", "the document is not valid UTF-8"))
}

#[cfg_attr(not(any(feature = "notion", feature = "confluence")), allow(dead_code))]
/// An imported document as Markdown (Markdown, HTML or plain text; PDF
/// cannot be imported).
pub(crate) fn import_to_markdown(
    provider: &'static str,
    format: DocFormat,
    content: &[u8],
) -> Result<String> {
    match format {
        DocFormat::Markdown => Ok(utf8(content)?.to_owned()),
        DocFormat::PlainText => Ok(plain_text_to_markdown(utf8(content)?)),
        DocFormat::Html => {
            let md = convert::html_to_markdown(utf8(content)?)?;
            md.report.trace(provider, "import html");
            Ok(md.value)
        }
        DocFormat::Pdf => Err(Error::invalid_input(
            "format",
            "a PDF cannot be imported: use Markdown, HTML or plain text",
        )
        .with_provider(provider)),
    }
}

#[cfg_attr(
    not(any(feature = "notion", feature = "confluence", feature = "wikijs")),
    allow(dead_code)
)]
/// A page body (Markdown) exported as `format`; PDF is `Unsupported`.
pub(crate) fn export_from_markdown(
    provider: &'static str,
    markdown: &str,
    format: DocFormat,
) -> Result<ExportedDoc> {
    let content = match format {
        DocFormat::Markdown => markdown.as_bytes().to_vec(),
        DocFormat::PlainText => convert::markdown::parse(markdown).plain_text().into_bytes(),
        DocFormat::Html => {
            let html = convert::markdown_to_html(markdown);
            html.report.trace(provider, "export html");
            html.value.into_bytes()
        }
        DocFormat::Pdf => {
            return Err(Error::unsupported("kb.page.export (PDF)").with_provider(provider));
        }
    };
    Ok(ExportedDoc { format, content })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_not_markup() {
        let md = plain_text_to_markdown("# not *bold*\nline 2\n\npara");
        assert_eq!(md, "\\# not \\*bold\\*\\\nline 2\n\npara\n");
        let back = convert::markdown::parse(&md).plain_text();
        assert_eq!(back, "# not *bold*\nline 2\n\npara");
    }

    #[test]
    fn import_and_export() {
        assert_eq!(
            import_to_markdown("x", DocFormat::Html, b"<h1>T</h1><p>a <b>b</b></p>").unwrap(),
            "# T\n\na **b**\n"
        );
        assert_eq!(
            import_to_markdown("x", DocFormat::Pdf, b"%PDF")
                .unwrap_err()
                .field(),
            Some("format")
        );
        assert!(import_to_markdown("x", DocFormat::Markdown, &[0xff]).is_err());
        let e = export_from_markdown("x", "# T", DocFormat::Html).unwrap();
        assert_eq!(e.content, b"<h1>T</h1>");
        let e = export_from_markdown("x", "# T\n\n*a*", DocFormat::PlainText).unwrap();
        assert_eq!(e.content, b"T\n\na");
        assert!(
            export_from_markdown("x", "a", DocFormat::Pdf)
                .unwrap_err()
                .is_unsupported()
        );
    }
}
