#![cfg(feature = "convert")]
//! Rendering what was parsed gives a document that parses the same.
use mosaic_providers::convert::model::normalize_inlines;
use mosaic_providers::convert::{Block, Document, Inline, confluence, markdown};

/// What Markdown can say: headings are one line (breaks become spaces,
/// edges are trimmed).
fn one_line_headings(doc: Document) -> Document {
    fn fix(blocks: Vec<Block>) -> Vec<Block> {
        blocks
            .into_iter()
            .map(|b| match b {
                Block::Heading { level, content } => {
                    let mut c: Vec<Inline> = content
                        .into_iter()
                        .map(|i| {
                            if i == Inline::LineBreak {
                                Inline::Text(" ".into())
                            } else {
                                i
                            }
                        })
                        .collect();
                    c = normalize_inlines(&c);
                    if let Some(Inline::Text(t)) = c.first_mut() {
                        *t = t.trim_start().to_owned();
                    }
                    if let Some(Inline::Text(t)) = c.last_mut() {
                        *t = t.trim_end().to_owned();
                    }
                    Block::Heading {
                        level,
                        content: normalize_inlines(&c),
                    }
                }
                Block::BlockQuote(b) => Block::BlockQuote(fix(b)),
                Block::List(mut l) => {
                    for i in l.items.iter_mut() {
                        i.blocks = fix(std::mem::take(&mut i.blocks));
                    }
                    Block::List(l)
                }
                other => other,
            })
            .collect()
    }
    Document::new(fix(doc.blocks))
}
use proptest::prelude::*;

fn md_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            // Words stand apart: Markdown cannot mark up part of a word next
            // to punctuation (`a*~~x~~*`), so such input is not generated.
            " a ",
            " b c ",
            " ",
            "\n",
            "\n\n",
            "*",
            "**",
            "_",
            "__",
            "`",
            "```",
            "~~",
            "[",
            "]",
            "(",
            ")",
            " http://x.y ",
            "# ",
            "## ",
            "- ",
            "1. ",
            "2) ",
            "> ",
            "    ",
            "\\",
            "<",
            ">",
            "&amp;",
            "!",
            "|",
            "---",
            " 1 ",
            " x_y ",
            " é ",
        ]),
        0..40,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256)))]
    #[test]
    fn markdown_render_is_a_fixed_point(src in md_text()) {
        let doc = one_line_headings(markdown::parse(&src).normalized());
        let md = markdown::render(&doc);
        prop_assert_eq!(markdown::parse(&md).normalized(), doc, "source:\n{}\nrendered:\n{}", src, md);
    }

    #[test]
    fn storage_render_is_a_fixed_point(src in md_text()) {
        // One trip applies HTML's whitespace rules; from then on nothing changes.
        let first = markdown::parse(&src).normalized();
        let doc = confluence::from_storage(&confluence::to_storage(&first).value).unwrap().value.normalized();
        let s = confluence::to_storage(&doc).value;
        let back = confluence::from_storage(&s).unwrap().value.normalized();
        prop_assert_eq!(back, doc, "source:\n{}\nstorage:\n{}", src, s);
    }
}
