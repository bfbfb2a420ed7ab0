#![cfg(feature = "convert")]
//! The converters on hostile and awkward input: deeply nested documents
//! are read in bounded stack space (each parser on a 256 KiB thread, the
//! test profile being unoptimized), with source nesting past
//! `MAX_SOURCE_DEPTH` refused as `InvalidInput` naming the limit and the
//! place, and containers past `MAX_DEPTH` kept verbatim; and every
//! format reaches a fixed point after one round trip from Markdown.

use mosaic_core::{Error, ErrorKind};
use mosaic_providers::convert::{
    self, Block, Document, Inline, MAX_DEPTH, MAX_SOURCE_DEPTH, RawFormat, adf, confluence, html,
    markdown, notion,
};
use proptest::prelude::*;
use proptest::test_runner::{RngAlgorithm, RngSeed};
use serde_json::{Map, Value, json};

/// Run `f` on a thread with a 256 KiB stack.
fn on_small_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn_scoped(s, f)
            .expect("spawn")
            .join()
            .expect("the conversion finished")
    })
}

/// How deep block quotes and lists nest in `blocks`, and how deep inline
/// elements nest in any one block.
fn depths(blocks: &[Block]) -> (usize, usize) {
    fn inline_depth(inlines: &[Inline]) -> usize {
        inlines
            .iter()
            .map(|i| match i {
                Inline::Emphasis(c) | Inline::Strong(c) | Inline::Strikethrough(c) => {
                    1 + inline_depth(c)
                }
                Inline::Link { content, .. } => 1 + inline_depth(content),
                _ => 0,
            })
            .max()
            .unwrap_or(0)
    }
    let mut block = 0;
    let mut inline = 0;
    for b in blocks {
        let (bd, id) = match b {
            Block::BlockQuote(inner) => {
                let (b, i) = depths(inner);
                (b + 1, i)
            }
            Block::List(l) => l.items.iter().fold((1, 0), |(b, i), item| {
                let (ib, ii) = depths(&item.blocks);
                (b.max(ib + 1), i.max(ii))
            }),
            Block::Paragraph(c) | Block::Heading { content: c, .. } => (0, inline_depth(c)),
            _ => (0, 0),
        };
        block = block.max(bd);
        inline = inline.max(id);
    }
    (block, inline)
}

/// The innermost raw node of a chain of single-block containers.
fn innermost_raw(mut blocks: &[Block]) -> &convert::Raw {
    loop {
        match blocks {
            [Block::BlockQuote(inner)] => blocks = inner,
            [Block::List(l)] => blocks = &l.items.last().expect("an item").blocks,
            [Block::Paragraph(_), Block::List(l)] => blocks = &l.items[0].blocks,
            [Block::Unsupported(raw)] | [Block::Paragraph(_), Block::Unsupported(raw)] => {
                return raw;
            }
            other => panic!("unexpected blocks: {other:?}"),
        }
    }
}

fn assert_too_deep(e: &Error, place: &str) {
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    let field = e.field().expect("the error names where");
    assert!(field.contains(place), "`{place}` not in `{field}`");
    assert!(
        e.message()
            .contains(&format!("deeper than {MAX_SOURCE_DEPTH}")),
        "the limit is not named: {e}"
    );
}

// ------------------------------------------------------------- Markdown

#[test]
fn deep_block_quotes_are_kept_verbatim_past_the_limit() {
    // Regression: 1.6 KB of `> ` overflowed the stack.
    let src = "> ".repeat(800) + "x\n";
    let (doc, md) = on_small_stack(|| {
        let doc = markdown::parse(&src);
        let md = markdown::render(&doc);
        (doc, md)
    });
    assert_eq!(depths(&doc.blocks), (MAX_DEPTH, 0));
    let raw = innermost_raw(&doc.blocks);
    assert_eq!(
        (raw.format, raw.kind.as_str()),
        (RawFormat::Markdown, "blockquote")
    );
    assert_eq!(raw.content, "> ".repeat(800 - MAX_DEPTH) + "x");
    // Nothing lost: the Markdown comes back as it was.
    assert_eq!(md, src);
}

#[test]
fn deep_lists_are_kept_verbatim_past_the_limit() {
    let src: String = (0..800)
        .map(|i| format!("{}- x\n", "  ".repeat(i)))
        .collect();
    let (doc, md) = on_small_stack(|| {
        let doc = markdown::parse(&src);
        let md = markdown::render(&doc);
        (doc, md)
    });
    assert_eq!(depths(&doc.blocks).0, MAX_DEPTH);
    let raw = innermost_raw(&doc.blocks);
    assert_eq!(raw.kind, "list");
    // The raw list is its source without the indentation of the items
    // around it: written back in place, it is the same text.
    assert!(
        raw.content.starts_with("- x\n  - x\n    - x\n"),
        "{:?}",
        &raw.content[..40]
    );
    assert_eq!(md, src);
}

#[test]
fn deep_emphasis_keeps_its_text_past_the_limit() {
    // Regression: 3,200 emphasis markers overflowed the stack (1,600
    // through an HTML round trip).
    let src = "*".repeat(1600) + "x" + &"*".repeat(1600);
    let doc = on_small_stack(|| markdown::parse(&src));
    assert_eq!(depths(&doc.blocks), (0, MAX_DEPTH));
    assert_eq!(doc.plain_text(), "x");
    let half = "*".repeat(800) + "x" + &"*".repeat(800);
    let back = on_small_stack(|| {
        let h = convert::markdown_to_html(&half).value;
        convert::html_to_markdown(&h).unwrap().value
    });
    assert_eq!(markdown::parse(&back).plain_text(), "x");
}

#[test]
fn deep_markdown_survives_every_format() {
    let quotes = "> ".repeat(800) + "x\n";
    let lists: String = (0..200)
        .map(|i| format!("{}- x\n", "  ".repeat(i)))
        .collect();
    let mixed: String = (0..100)
        .map(|i| format!("{}- > *a [b](https://x.test)*\n", "    ".repeat(i)))
        .collect();
    for src in [quotes, lists, mixed] {
        on_small_stack(|| {
            let n = convert::notion_to_markdown(&convert::markdown_to_notion(&src).value).unwrap();
            let s =
                convert::storage_to_markdown(&convert::markdown_to_storage(&src).value).unwrap();
            let h = convert::html_to_markdown(&convert::markdown_to_html(&src).value).unwrap();
            let a = convert::adf_to_markdown(&convert::markdown_to_adf(&src).value).unwrap();
            // Past the limit the rest rides along verbatim: every format
            // gives the same document back (ADF and Notion in canonical
            // inline form).
            let doc = markdown::parse(&src).normalized();
            for back in [n.value, s.value, h.value, a.value] {
                assert_eq!(markdown::parse(&back).normalized(), doc);
            }
        });
    }
}

// ------------------------------------------------- HTML and storage format

#[test]
fn deep_html_is_refused_past_the_source_limit() {
    for (dialect, open, close) in [
        ("HTML", "<blockquote>", ""),
        ("HTML", "<em>", ""),
        ("HTML", "<div>", ""),
        ("Confluence storage", "<blockquote>", "</blockquote>"),
        ("Confluence storage", "<ul><li>", "</li></ul>"),
    ] {
        let src = open.repeat(50_000) + "x" + &close.repeat(50_000);
        let r = on_small_stack(|| match dialect {
            "HTML" => html::from_html(&src),
            _ => confluence::from_storage(&src),
        });
        let e = r.unwrap_err();
        // The first element past the limit, by byte offset.
        let at = open.len() * (MAX_SOURCE_DEPTH / open.matches('<').count());
        assert_too_deep(&e, &format!("byte {at} of the {dialect} document"));
    }
}

#[test]
fn html_nested_past_the_model_limit_is_kept_verbatim() {
    let quotes = "<blockquote>".repeat(100) + "x" + &"</blockquote>".repeat(100);
    let doc = on_small_stack(|| html::from_html(&quotes).unwrap().value);
    assert_eq!(depths(&doc.blocks), (MAX_DEPTH, 0));
    let raw = innermost_raw(&doc.blocks);
    assert_eq!(
        (raw.format, raw.kind.as_str()),
        (RawFormat::Html, "blockquote")
    );
    assert_eq!(raw.content.matches("<blockquote>").count(), 100 - MAX_DEPTH);
    // Written back as HTML: unchanged.
    assert_eq!(html::to_html(&doc).value, quotes);
    // Inline elements past the limit keep their text.
    let ems =
        "<p>".to_owned() + &"<em><strong>".repeat(60) + "x" + &"</strong></em>".repeat(60) + "</p>";
    let doc = on_small_stack(|| confluence::from_storage(&ems).unwrap().value);
    assert_eq!(depths(&doc.blocks), (0, MAX_DEPTH));
    assert_eq!(doc.plain_text(), "x");
}

// ------------------------------------------------------------ ADF, Notion

/// `inner` wrapped `levels` times as `{"type": t, key: [inner]}`, built
/// without recursion.
fn wrapped(mut inner: Value, levels: usize, t: &str, key: &str) -> Value {
    for _ in 0..levels {
        let mut m = Map::new();
        m.insert("type".into(), json!(t));
        m.insert(key.into(), Value::Array(vec![inner]));
        inner = Value::Object(m);
    }
    inner
}

/// Drop a deep value without recursion.
fn dismantle(v: Value) {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(a) => stack.extend(a),
            Value::Object(m) => stack.extend(m.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

fn adf_paragraph() -> Value {
    json!({"type": "paragraph", "content": [{"type": "text", "text": "x"}]})
}

fn notion_quote(inner: Value) -> Value {
    let mut quote = Map::new();
    quote.insert("rich_text".into(), json!([]));
    quote.insert("children".into(), Value::Array(vec![inner]));
    let mut b = Map::new();
    b.insert("type".into(), json!("quote"));
    b.insert("quote".into(), Value::Object(quote));
    Value::Object(b)
}

fn notion_paragraph() -> Value {
    json!({"type": "paragraph", "paragraph": {"rich_text": [{"type": "text", "text": {"content": "x"}}]}})
}

#[test]
fn deep_adf_is_refused_past_the_source_limit() {
    // Regression: JSON nested 50,000 deep overflowed `adf_to_markdown`.
    let deep = wrapped(adf_paragraph(), 50_000, "blockquote", "content");
    let doc = wrapped(deep, 1, "doc", "content");
    let e = on_small_stack(|| convert::adf_to_markdown(&doc)).unwrap_err();
    assert_too_deep(&e, "`/content/0/content/0/content/0/");
    assert_too_deep(&e, "` of the ADF document");
    // The pointer stops at the first value past the limit.
    assert_eq!(e.field().unwrap().matches('/').count(), MAX_SOURCE_DEPTH);
    dismantle(doc);
}

#[test]
fn adf_nested_past_the_model_limit_is_kept_verbatim() {
    // 60 block quotes: 122 JSON levels, within the source limit.
    let doc = wrapped(
        wrapped(adf_paragraph(), 60, "blockquote", "content"),
        1,
        "doc",
        "content",
    );
    let (model, md) = on_small_stack(|| {
        let model = adf::from_adf(&doc).unwrap().value;
        let md = convert::adf_to_markdown(&doc).unwrap().value;
        (model, md)
    });
    assert_eq!(depths(&model.blocks).0, MAX_DEPTH);
    let raw = innermost_raw(&model.blocks);
    assert_eq!(
        (raw.format, raw.kind.as_str()),
        (RawFormat::Adf, "blockquote")
    );
    // Back to ADF, unchanged.
    assert_eq!(
        on_small_stack(|| adf::to_adf(&model).value)["content"],
        doc["content"]
    );
    assert!(md.contains("```raw:adf blockquote"), "{md}");
    // And a list at the limit still fits the source limit, through
    // every format.
    let lists: String = (0..MAX_DEPTH)
        .map(|i| format!("{}- **x**\n", "  ".repeat(i)))
        .collect();
    let a = convert::markdown_to_adf(&lists).value;
    assert_eq!(
        convert::adf_to_markdown(&a).unwrap().value,
        markdown::render(&markdown::parse(&lists))
    );
}

#[test]
fn deep_notion_blocks_are_refused_past_the_source_limit() {
    // Regression: blocks nested 50,000 deep overflowed `notion_to_markdown`.
    let mut deep = notion_paragraph();
    for _ in 0..50_000 {
        deep = notion_quote(deep);
    }
    let blocks = vec![deep];
    let e = on_small_stack(|| convert::notion_to_markdown(&blocks)).unwrap_err();
    assert_too_deep(&e, "`/0/quote/children/0/quote/children/0/");
    assert_too_deep(&e, "` of the Notion blocks");
    blocks.into_iter().for_each(dismantle);
}

#[test]
fn notion_blocks_nested_past_the_model_limit_are_kept_verbatim() {
    let mut deep = notion_paragraph();
    for _ in 0..40 {
        deep = notion_quote(deep);
    }
    let blocks = vec![deep];
    let model = on_small_stack(|| notion::from_blocks(&blocks).unwrap().value);
    assert_eq!(depths(&model.blocks).0, MAX_DEPTH);
    let raw = innermost_raw(&model.blocks);
    assert_eq!(
        (raw.format, raw.kind.as_str()),
        (RawFormat::Notion, "quote")
    );
    let back = on_small_stack(|| notion::to_blocks(&model).value);
    let writable = |v: &[Value]| v.iter().map(notion::writable_block).collect::<Vec<_>>();
    assert_eq!(writable(&back), writable(&blocks));
}

// ------------------------------------------------------- round trips

type Trip = fn(&str) -> String;

/// Markdown → each format → Markdown.
const TRIPS: &[(&str, Trip)] = &[
    ("markdown", |m| markdown::render(&markdown::parse(m))),
    ("notion", |m| {
        convert::notion_to_markdown(&convert::markdown_to_notion(m).value)
            .unwrap()
            .value
    }),
    ("storage", |m| {
        convert::storage_to_markdown(&convert::markdown_to_storage(m).value)
            .unwrap()
            .value
    }),
    ("html", |m| {
        convert::html_to_markdown(&convert::markdown_to_html(m).value)
            .unwrap()
            .value
    }),
    ("adf", |m| {
        convert::adf_to_markdown(&convert::markdown_to_adf(m).value)
            .unwrap()
            .value
    }),
];

#[test]
fn an_html_block_in_a_quote_gains_no_level() {
    // Regression: the block's source was copied with the `> ` of the
    // quote, so every round trip added a level.
    for src in [
        "> <div>\n> a\n",
        "- x\n\n  <div>\n  a\n",
        "> | a |\n> |---|\n> | 1 |\n",
    ] {
        for (name, trip) in TRIPS {
            let m1 = trip(src);
            let m2 = trip(&m1);
            let m3 = trip(&m2);
            assert_eq!((&m2, &m3), (&m1, &m1), "{name}: {src:?}");
            assert_eq!(
                markdown::parse(&m1),
                markdown::parse(src),
                "{name}: {src:?}"
            );
        }
    }
}

/// One line of generated Markdown: container markers, then inline atoms.
fn md_line() -> impl Strategy<Value = String> {
    let prefix = prop::sample::select(vec![
        "", "", "> ", "> > ", "- ", "  ", "1. ", "   ", "* ", "  - ", ">", "    ", "\t", "- > ",
        "> - ", "2) ", "## ",
    ]);
    let atom = prop::sample::select(vec![
        "a",
        " b ",
        " ",
        "*",
        "**",
        "_",
        "__",
        "`",
        "```",
        "~~",
        "[a](u)",
        "![i](x)",
        "<div>",
        "</div>",
        "<span>",
        "</span>",
        "<!-- c -->",
        "| a | b |",
        "|---|---|",
        "# ",
        "---",
        "&amp;",
        "\\",
        "<",
        ">",
        "x_y",
        "1. ",
        "- ",
        "(",
        ")",
        "[",
        "]",
        "!",
        " http://x.y ",
        " é ",
    ]);
    (prefix, prop::collection::vec(atom, 0..8)).prop_map(|(p, a)| format!("{p}{}", a.concat()))
}

fn md_document() -> impl Strategy<Value = String> {
    prop::collection::vec(md_line(), 0..12).prop_map(|l| l.join("\n"))
}

/// Cases: 1,500, or `PROPTEST_CASES` for longer runs.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(1_500)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(0x5EED_0003),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Markdown → X → Markdown → X → Markdown: the second and third
    /// Markdown are the same, for every format.
    #[test]
    fn every_format_reaches_a_fixed_point_after_one_round_trip(src in md_document()) {
        for (name, trip) in TRIPS {
            let m1 = trip(&src);
            let m2 = trip(&m1);
            prop_assert_eq!(&m2, &m1, "{} from {:?}", name, src);
        }
    }
}

#[test]
fn a_document_at_the_limits_round_trips_unchanged() {
    // Depth exactly `MAX_DEPTH`: nothing is flattened.
    let quotes = "> ".repeat(MAX_DEPTH) + "x\n";
    let doc = markdown::parse(&quotes);
    assert_eq!(depths(&doc.blocks), (MAX_DEPTH, 0));
    assert!(matches!(innermost_block(&doc), Block::Paragraph(_)));
    for (name, trip) in TRIPS {
        assert_eq!(trip(&quotes), quotes, "{name}");
    }
}

fn innermost_block(doc: &Document) -> &Block {
    let mut b = &doc.blocks[0];
    while let Block::BlockQuote(inner) = b {
        b = &inner[0];
    }
    b
}
