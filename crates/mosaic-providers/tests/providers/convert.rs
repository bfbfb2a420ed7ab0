#![cfg(feature = "convert")]
//! Content conversion: golden examples per format, raw-node preservation,
//! reports, malformed input, and round-trip properties on the common
//! elements.

use mosaic_core::ErrorKind;
use mosaic_providers::convert::model::{LinkTarget, Marks, Span, SpanContent, from_spans};
use mosaic_providers::convert::{
    self, Block, Document, Inline, List, ListItem, ListKind, NoteKind, Raw, RawFormat, adf,
    confluence, html, markdown, notion,
};
use proptest::prelude::*;
use serde_json::json;

fn t(s: &str) -> Inline {
    Inline::Text(s.to_owned())
}

fn p(inl: Vec<Inline>) -> Block {
    Block::Paragraph(inl)
}

// ---------------------------------------------------------------- Markdown

#[test]
fn markdown_parses_the_common_elements() {
    let md = "# Title\n\nSome *em*, **strong**, ~~gone~~, `code` and [a link](https://x.test \"T\").\\\nNext line.\n\n- one\n  1. nested\n- two\n\n> quoted\n\n___\n\n```rust\nfn main() {}\n```\n";
    let doc = markdown::parse(md);
    assert_eq!(
        doc.blocks,
        vec![
            Block::Heading {
                level: 1,
                content: vec![t("Title")]
            },
            p(vec![
                t("Some "),
                Inline::Emphasis(vec![t("em")]),
                t(", "),
                Inline::Strong(vec![t("strong")]),
                t(", "),
                Inline::Strikethrough(vec![t("gone")]),
                t(", "),
                Inline::Code("code".into()),
                t(" and "),
                Inline::Link {
                    url: "https://x.test".into(),
                    title: Some("T".into()),
                    content: vec![t("a link")]
                },
                t("."),
                Inline::LineBreak,
                t("Next line."),
            ]),
            Block::List(List {
                kind: ListKind::Bullet,
                items: vec![
                    ListItem {
                        blocks: vec![
                            p(vec![t("one")]),
                            Block::List(List {
                                kind: ListKind::Ordered(1),
                                items: vec![ListItem {
                                    blocks: vec![p(vec![t("nested")])]
                                }]
                            })
                        ]
                    },
                    ListItem {
                        blocks: vec![p(vec![t("two")])]
                    },
                ]
            }),
            Block::BlockQuote(vec![p(vec![t("quoted")])]),
            Block::Rule,
            Block::CodeBlock {
                language: Some("rust".into()),
                code: "fn main() {}".into()
            },
        ]
    );
    assert_eq!(markdown::render(&doc), md);
}

#[test]
fn markdown_keeps_tables_images_and_html_verbatim() {
    let md = "| a | b |\n|---|---|\n| 1 | 2 |\n\nSee ![logo](https://x.test/l.png) and <kbd>K</kbd>.\n\n<div>\nraw\n</div>\n";
    let doc = markdown::parse(md);
    assert!(
        matches!(&doc.blocks[0], Block::Unsupported(r) if r.kind == "table" && r.format == RawFormat::Markdown)
    );
    let Block::Paragraph(inl) = &doc.blocks[1] else {
        panic!("{:?}", doc.blocks)
    };
    assert!(inl.iter().any(
        |i| matches!(i, Inline::Unsupported(r) if r.kind == "image" && r.text.as_deref() == Some("logo"))
    ));
    assert_eq!(markdown::render(&doc), md);
}

#[test]
fn markdown_escapes_what_would_be_syntax() {
    let doc = Document::new(vec![
        p(vec![t(
            "1. not a list * nor _em_ [x] <b> a&amp; ~~s~~ | `c`",
        )]),
        p(vec![t("# not a heading")]),
        p(vec![t("- not a bullet")]),
        p(vec![t("a"), Inline::LineBreak, t("> not a quote")]),
    ]);
    let md = markdown::render(&doc);
    assert_eq!(markdown::parse(&md), doc, "{md}");
}

#[test]
fn markdown_separates_adjacent_lists() {
    let l = |k| {
        Block::List(List {
            kind: k,
            items: vec![ListItem {
                blocks: vec![p(vec![t("x")])],
            }],
        })
    };
    let doc = Document::new(vec![
        l(ListKind::Bullet),
        l(ListKind::Bullet),
        l(ListKind::Ordered(1)),
        l(ListKind::Ordered(1)),
    ]);
    let md = markdown::render(&doc);
    assert_eq!(markdown::parse(&md), doc, "{md}");
}

// -------------------------------------------------------------- Confluence

#[test]
fn storage_golden() {
    let doc = Document::new(vec![
        Block::Heading {
            level: 2,
            content: vec![t("Intro")],
        },
        p(vec![
            Inline::Strong(vec![t("bold")]),
            t(" & "),
            Inline::Link {
                url: "https://x.test/?a=1&b=2".into(),
                title: None,
                content: vec![Inline::Emphasis(vec![t("it")])],
            },
        ]),
        Block::List(List {
            kind: ListKind::Ordered(3),
            items: vec![ListItem {
                blocks: vec![
                    p(vec![t("three")]),
                    Block::List(List {
                        kind: ListKind::Bullet,
                        items: vec![ListItem {
                            blocks: vec![p(vec![t("sub")])],
                        }],
                    }),
                ],
            }],
        }),
        Block::CodeBlock {
            language: Some("xml".into()),
            code: "<a>]]></a>".into(),
        },
    ]);
    let out = confluence::to_storage(&doc);
    assert!(out.report.is_empty());
    assert_eq!(
        out.value,
        concat!(
            "<h2>Intro</h2>",
            "<p><strong>bold</strong> &amp; <a href=\"https://x.test/?a=1&amp;b=2\"><em>it</em></a></p>",
            "<ol start=\"3\"><li>three<ul><li>sub</li></ul></li></ol>",
            "<ac:structured-macro ac:name=\"code\" ac:schema-version=\"1\">",
            "<ac:parameter ac:name=\"language\">xml</ac:parameter>",
            "<ac:plain-text-body><![CDATA[<a>]]]]><![CDATA[></a>]]></ac:plain-text-body>",
            "</ac:structured-macro>"
        )
    );
    assert_eq!(confluence::from_storage(&out.value).unwrap().value, doc);
}

#[test]
fn storage_preserves_macros_and_reports_what_it_drops() {
    let src = concat!(
        "<p>Hello <ac:link><ri:user ri:account-id=\"42\" /></ac:link> and <u>under</u></p>",
        "<ac:structured-macro ac:name=\"info\" ac:macro-id=\"m1\"><ac:rich-text-body><p>Careful</p></ac:rich-text-body></ac:structured-macro>",
        "<table><tbody><tr><td>1</td></tr></tbody></table>",
        "<ac:structured-macro ac:name=\"code\"><ac:parameter ac:name=\"linenumbers\">true</ac:parameter><ac:plain-text-body><![CDATA[x]]></ac:plain-text-body></ac:structured-macro>",
    );
    let got = confluence::from_storage(src).unwrap();
    let doc = &got.value;
    assert!(matches!(&doc.blocks[1], Block::Unsupported(r) if r.kind == "macro:info"));
    assert!(matches!(&doc.blocks[2], Block::Unsupported(r) if r.kind == "table"));
    let kinds: Vec<(NoteKind, &str)> = got
        .report
        .notes
        .iter()
        .map(|n| (n.kind, n.element.as_str()))
        .collect();
    assert!(
        kinds.contains(&(NoteKind::Dropped, "underline")),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&(NoteKind::Dropped, "code macro parameter `linenumbers`")),
        "{kinds:?}"
    );
    // Back to storage: the macro, the table and the user link are unchanged.
    let back = confluence::to_storage(doc).value;
    assert!(back.contains(
        "<ac:structured-macro ac:name=\"info\" ac:macro-id=\"m1\"><ac:rich-text-body><p>Careful</p></ac:rich-text-body></ac:structured-macro>"
    ));
    assert!(back.contains("<ac:link><ri:user ri:account-id=\"42\" /></ac:link>"));
    assert!(back.contains("<table><tbody><tr><td>1</td></tr></tbody></table>"));

    // Through Markdown and back: the macro survives in a raw block.
    let md = convert::storage_to_markdown(src).unwrap();
    assert!(
        md.value.contains("```raw:confluence macro:info"),
        "{}",
        md.value
    );
    let again = convert::markdown_to_storage(&md.value).value;
    assert!(again.contains(
        "<ac:structured-macro ac:name=\"info\" ac:macro-id=\"m1\"><ac:rich-text-body><p>Careful</p></ac:rich-text-body></ac:structured-macro>"
    ), "{again}");
}

#[test]
fn malformed_storage_is_a_decode_error() {
    for bad in ["<p>open", "<p>a</em>", "<ac:x a=b/>", "<p><![CDATA[x</p>"] {
        let e = confluence::from_storage(bad).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode, "{bad}");
        assert!(e.message().contains("byte"), "{e}");
    }
}

#[test]
fn html_reads_wiki_markup() {
    let src = "<h1 id=\"bkmrk-t\">T</h1><p>a<br>b &nbsp;c</p><pre><code class=\"language-rust\">let x = 1;\n</code></pre><ul><li><p>x</p></li></ul><img src=\"i.png\">";
    let got = html::from_html(src).unwrap().value;
    assert_eq!(
        &got.blocks[..4],
        &[
            Block::Heading {
                level: 1,
                content: vec![t("T")]
            },
            p(vec![t("a"), Inline::LineBreak, t("b \u{a0}c")]),
            Block::CodeBlock {
                language: Some("rust".into()),
                code: "let x = 1;".into()
            },
            Block::List(List {
                kind: ListKind::Bullet,
                items: vec![ListItem {
                    blocks: vec![p(vec![t("x")])]
                }]
            }),
        ]
    );
    assert!(
        matches!(&got.blocks[4], Block::Paragraph(i) if matches!(&i[0], Inline::Unsupported(r) if r.kind == "img"))
    );
}

// ------------------------------------------------------------------ Notion

#[test]
fn notion_golden() {
    let md = "## Plan\n\nShip **v2** with [docs](https://x.test).\n\n- a\n  - b\n\n```python\nprint(1)\n```\n\n> said\n\n___\n";
    let out = convert::markdown_to_notion(md);
    assert!(out.report.is_empty(), "{:?}", out.report);
    assert_eq!(
        json!(out.value),
        json!([
            {"object": "block", "type": "heading_2", "heading_2": {"rich_text": [{"type": "text", "text": {"content": "Plan"}}]}},
            {"object": "block", "type": "paragraph", "paragraph": {"rich_text": [
                {"type": "text", "text": {"content": "Ship "}},
                {"type": "text", "text": {"content": "v2"}, "annotations": {"bold": true}},
                {"type": "text", "text": {"content": " with "}},
                {"type": "text", "text": {"content": "docs", "link": {"url": "https://x.test"}}},
                {"type": "text", "text": {"content": "."}}
            ]}},
            {"object": "block", "type": "bulleted_list_item", "bulleted_list_item": {
                "rich_text": [{"type": "text", "text": {"content": "a"}}],
                "children": [{"object": "block", "type": "bulleted_list_item", "bulleted_list_item": {"rich_text": [{"type": "text", "text": {"content": "b"}}]}}]
            }},
            {"object": "block", "type": "code", "code": {"rich_text": [{"type": "text", "text": {"content": "print(1)"}}], "language": "python"}},
            {"object": "block", "type": "quote", "quote": {"rich_text": [{"type": "text", "text": {"content": "said"}}]}},
            {"object": "block", "type": "divider", "divider": {}}
        ])
    );
    assert_eq!(convert::notion_to_markdown(&out.value).unwrap().value, md);
}

#[test]
fn notion_reads_api_blocks_and_keeps_unknown_ones() {
    // Shaped like the "Retrieve block children" response items.
    let blocks = json!([
        {"object": "block", "id": "b1", "has_children": false, "type": "paragraph", "paragraph": {
            "rich_text": [
                {"type": "text", "text": {"content": "Hi ", "link": null}, "annotations": {"bold": false, "italic": true, "strikethrough": false, "underline": true, "code": false, "color": "red"}, "plain_text": "Hi ", "href": null},
                {"type": "mention", "mention": {"type": "user", "user": {"object": "user", "id": "u1"}}, "annotations": {"bold": false, "italic": false, "strikethrough": false, "underline": false, "code": false, "color": "default"}, "plain_text": "@Ada", "href": null}
            ],
            "color": "default"}},
        {"object": "block", "id": "b2", "has_children": false, "type": "to_do", "to_do": {"rich_text": [{"type": "text", "text": {"content": "task"}, "plain_text": "task"}], "checked": true, "color": "default"}}
    ]);
    let got = notion::from_blocks(blocks.as_array().unwrap()).unwrap();
    let Block::Paragraph(inl) = &got.value.blocks[0] else {
        panic!()
    };
    assert_eq!(inl[0], Inline::Emphasis(vec![t("Hi ")]));
    assert!(
        matches!(&inl[1], Inline::Unsupported(r) if r.kind == "mention" && r.text.as_deref() == Some("@Ada"))
    );
    let elements: Vec<&str> = got
        .report
        .notes
        .iter()
        .map(|n| n.element.as_str())
        .collect();
    assert_eq!(elements, ["underline", "color"]);
    let Block::Unsupported(todo) = &got.value.blocks[1] else {
        panic!()
    };
    assert_eq!(todo.kind, "to_do");
    // Written back: the to-do and the mention are what Notion gave, minus read-only fields.
    let back = notion::to_blocks(&got.value).value;
    assert_eq!(
        back[1],
        json!({"type": "to_do", "to_do": {"rich_text": [{"type": "text", "text": {"content": "task"}, "plain_text": "task"}], "checked": true, "color": "default"}})
    );
    assert_eq!(
        back[0]["paragraph"]["rich_text"][1]["mention"]["user"]["id"],
        "u1"
    );
    // In Markdown the mention is its text, reported.
    let md = convert::notion_to_markdown(blocks.as_array().unwrap()).unwrap();
    assert!(md.value.starts_with("*Hi* @Ada\n"), "{}", md.value);
    assert!(md.value.contains("```raw:notion to_do"));
}

#[test]
fn notion_limits_are_respected_and_reported() {
    let long = "x".repeat(4500);
    let doc = Document::new(vec![
        p(vec![t(&long)]),
        Block::Heading {
            level: 5,
            content: vec![t("deep")],
        },
        Block::CodeBlock {
            language: Some("brainfuck".into()),
            code: "+".into(),
        },
    ]);
    let out = notion::to_blocks(&doc);
    let rt = out.value[0]["paragraph"]["rich_text"].as_array().unwrap();
    assert_eq!(rt.len(), 3);
    assert_eq!(rt[0]["text"]["content"].as_str().unwrap().len(), 2000);
    assert_eq!(out.value[1]["type"], "heading_3");
    assert_eq!(out.value[2]["code"]["language"], "plain text");
    assert_eq!(out.report.notes.len(), 2);
    assert!(
        out.report
            .notes
            .iter()
            .all(|n| n.kind == NoteKind::Simplified)
    );
}

#[test]
fn malformed_notion_blocks_are_decode_errors_naming_the_pointer() {
    let cases = [
        (json!([{"type": "paragraph"}]), "/0/paragraph"),
        (json!([{"paragraph": {}}]), "/0/type"),
        (
            json!([{"type": "paragraph", "paragraph": {"rich_text": "x"}}]),
            "/0/paragraph/rich_text",
        ),
        (
            json!([{"type": "paragraph", "paragraph": {"rich_text": [{"type": "text"}]}}]),
            "/0/paragraph/rich_text/0/text",
        ),
        (json!([1]), "/0"),
        (
            json!([{"type": "quote", "quote": {"rich_text": [], "children": [{"type": "code", "code": {"rich_text": [{}]}}]}}]),
            "/0/quote/children/0/code/rich_text/0",
        ),
    ];
    for (v, at) in cases {
        let e = notion::from_blocks(v.as_array().unwrap()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert!(e.message().contains(&format!("`{at}`")), "{at}: {e}");
    }
}

// --------------------------------------------------------------------- ADF

#[test]
fn adf_golden() {
    let md = "### Bug\n\nIt **fails** on `x` — see [log](https://x.test/l).\n\n1. first\n2. second\n\n```js\nthrow 1\n```\n";
    let out = convert::markdown_to_adf(md);
    assert_eq!(
        out.value,
        json!({"type": "doc", "version": 1, "content": [
            {"type": "heading", "attrs": {"level": 3}, "content": [{"type": "text", "text": "Bug"}]},
            {"type": "paragraph", "content": [
                {"type": "text", "text": "It "},
                {"type": "text", "text": "fails", "marks": [{"type": "strong"}]},
                {"type": "text", "text": " on "},
                {"type": "text", "text": "x", "marks": [{"type": "code"}]},
                {"type": "text", "text": " — see "},
                {"type": "text", "text": "log", "marks": [{"type": "link", "attrs": {"href": "https://x.test/l"}}]},
                {"type": "text", "text": "."}
            ]},
            {"type": "orderedList", "attrs": {"order": 1}, "content": [
                {"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "first"}]}]},
                {"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "second"}]}]}
            ]},
            {"type": "codeBlock", "attrs": {"language": "js"}, "content": [{"type": "text", "text": "throw 1"}]}
        ]})
    );
    assert_eq!(convert::adf_to_markdown(&out.value).unwrap().value, md);
}

#[test]
fn adf_keeps_panels_and_mentions_and_reports_marks() {
    let doc = json!({"type": "doc", "version": 1, "content": [
        {"type": "panel", "attrs": {"panelType": "info"}, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "note"}]}]},
        {"type": "paragraph", "content": [
            {"type": "mention", "attrs": {"id": "abc", "text": "@Ada"}},
            {"type": "text", "text": " hi", "marks": [{"type": "underline"}, {"type": "textColor", "attrs": {"color": "#ff0000"}}]}
        ]}
    ]});
    let got = adf::from_adf(&doc).unwrap();
    assert_eq!(got.report.notes.len(), 2);
    assert_eq!(
        adf::to_adf(&got.value).value,
        json!({"type": "doc", "version": 1, "content": [
            {"type": "panel", "attrs": {"panelType": "info"}, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "note"}]}]},
            {"type": "paragraph", "content": [
                {"type": "mention", "attrs": {"id": "abc", "text": "@Ada"}},
                {"type": "text", "text": " hi"}
            ]}
        ]})
    );
    assert_eq!(adf::to_plain_text(&doc).unwrap(), "note\n\n@Ada hi");
}

#[test]
fn adf_code_marks_and_plain_text() {
    let doc = Document::new(vec![p(vec![Inline::Strong(vec![Inline::Code(
        "x".into(),
    )])])]);
    let out = adf::to_adf(&doc);
    assert_eq!(
        out.value["content"][0]["content"][0]["marks"],
        json!([{"type": "code"}])
    );
    assert_eq!(out.report.notes[0].kind, NoteKind::Dropped);

    let v = adf::from_plain_text("line 1\nline 2\n\npara 2");
    assert_eq!(
        v,
        json!({"type": "doc", "version": 1, "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "line 1"}, {"type": "hardBreak"}, {"type": "text", "text": "line 2"}]},
            {"type": "paragraph", "content": [{"type": "text", "text": "para 2"}]}
        ]})
    );
    assert_eq!(adf::to_plain_text(&v).unwrap(), "line 1\nline 2\n\npara 2");
}

#[test]
fn malformed_adf_is_a_decode_error() {
    let cases = [
        (json!([]), "`/`"),
        (json!({"type": "paragraph"}), "`/type`"),
        (json!({"type": "doc", "content": {}}), "`/content`"),
        (
            json!({"type": "doc", "content": [{"type": "heading", "attrs": {"level": 9}}]}),
            "`/content/0/attrs/level`",
        ),
        (
            json!({"type": "doc", "content": [{"type": "paragraph", "content": [{"type": "text"}]}]}),
            "`/content/0/content/0/text`",
        ),
        (
            json!({"type": "doc", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "x", "marks": [{"type": "link"}]}]}]}),
            "`/content/0/content/0/marks/0/attrs/href`",
        ),
    ];
    for (v, at) in cases {
        let e = adf::from_adf(&v).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert!(e.message().contains(at), "{at}: {e}");
    }
}

// -------------------------------------------------------------- properties

/// What a target format can hold exactly, for the generators.
#[derive(Debug, Clone, Copy)]
struct Caps {
    max_heading: u8,
    any_list_start: bool,
    link_titles: bool,
    marks_on_code: bool,
    /// Formats a raw node may come from (carried in a code block).
    raw_from: &'static [RawFormat],
    /// Whether raw nodes keep their kind.
    raw_kind: bool,
    languages: &'static [&'static str],
    separate_lists: bool,
}

const ALL_FORMATS: &[RawFormat] = &[
    RawFormat::Html,
    RawFormat::Confluence,
    RawFormat::Notion,
    RawFormat::Adf,
];
const LANGS: &[&str] = &[
    "rust",
    "python",
    "javascript",
    "go",
    "shell",
    "json",
    "c++",
    "c#",
];

const MARKDOWN: Caps = Caps {
    max_heading: 6,
    any_list_start: true,
    link_titles: true,
    marks_on_code: true,
    raw_from: ALL_FORMATS,
    raw_kind: true,
    languages: LANGS,
    separate_lists: false,
};

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z0-9]{1,8}",
        1 => prop::sample::select(vec![
            "x*y", "a_b", "[c]", "<d>", "e&f;", "g#h", "i`j", "k\\l", "m~n", "o|p", "q!r",
            "1.", "2)", "-", "#", "+", ">", "=", "&amp;", "it's", "\"q\"", "ü", "a.b", "(p)",
        ])
        .prop_map(str::to_owned),
    ]
}

fn words() -> impl Strategy<Value = String> {
    prop::collection::vec(word(), 1..4).prop_map(|w| w.join(" "))
}

fn span(c: Caps) -> impl Strategy<Value = Span> {
    let code = prop::collection::vec("[a-z0-9`*_<&]{1,6}", 1..3).prop_map(|w| w.join(" "));
    let content = prop_oneof![
        4 => words().prop_map(SpanContent::Text),
        1 => code.prop_map(SpanContent::Code),
    ];
    let link = prop::option::weighted(
        0.25,
        ("[a-z]{0,6}", prop::option::of("[a-z]{1,5}")).prop_map(move |(path, title)| LinkTarget {
            url: format!("https://example.com/{path}"),
            title: title.filter(|_| c.link_titles),
        }),
    );
    (content, any::<(bool, bool, bool)>(), link).prop_map(move |(content, (s, e, k), link)| {
        let code = matches!(content, SpanContent::Code(_));
        let allow = !code || c.marks_on_code;
        Span {
            content,
            marks: Marks {
                strong: s && allow,
                emphasis: e && allow,
                strike: k && allow,
                link,
            },
        }
    })
}

fn inlines(c: Caps, breaks: bool) -> impl Strategy<Value = Vec<Inline>> {
    prop::collection::vec((span(c), any::<bool>()), 1..4).prop_map(move |spans| {
        let mut out = Vec::new();
        for (n, (s, br)) in spans.into_iter().enumerate() {
            if n > 0 {
                out.push(if br && breaks {
                    Span {
                        content: SpanContent::LineBreak,
                        marks: Marks::default(),
                    }
                } else {
                    Span::text(" ", Marks::default())
                });
            }
            out.push(s);
        }
        from_spans(out)
    })
}

fn code_block(c: Caps) -> impl Strategy<Value = Block> {
    (
        prop::option::of(prop::sample::select(c.languages.to_vec())),
        prop::collection::vec("[a-z <>&`~\\]]{0,10}", 0..4),
    )
        .prop_map(|(language, lines)| Block::CodeBlock {
            language: language.map(str::to_owned),
            code: lines.join("\n"),
        })
}

fn raw_block(c: Caps) -> impl Strategy<Value = Block> {
    (
        prop::sample::select(c.raw_from.to_vec()),
        "[a-z]{1,6}(:[a-z]{1,4})?",
        prop::collection::vec("[a-z <>\"{}:]{1,10}", 1..3),
    )
        .prop_map(move |(format, kind, lines)| {
            Block::Unsupported(Raw::new(
                format,
                if c.raw_kind { kind } else { "block".to_owned() },
                lines.join("\n"),
            ))
        })
}

fn leaf_block(c: Caps) -> impl Strategy<Value = Block> {
    prop_oneof![
        3 => inlines(c, true).prop_map(Block::Paragraph),
        1 => (1..=c.max_heading, inlines(c, false))
            .prop_map(|(level, content)| Block::Heading { level, content }),
        1 => code_block(c),
        1 => Just(Block::Rule),
        1 => raw_block(c),
    ]
}

fn block(c: Caps) -> impl Strategy<Value = Block> {
    leaf_block(c).prop_recursive(3, 24, 4, move |inner| {
        let item = (inlines(c, true), prop::option::weighted(0.4, inner.clone())).prop_map(
            |(first, rest)| {
                let mut blocks = vec![Block::Paragraph(first)];
                if let Some(b @ (Block::List(_) | Block::CodeBlock { .. } | Block::Paragraph(_))) =
                    rest
                {
                    blocks.push(b);
                }
                ListItem { blocks }
            },
        );
        let start = if c.any_list_start {
            0u64..1000
        } else {
            1u64..2
        };
        prop_oneof![
            2 => (any::<bool>(), start, prop::collection::vec(item, 1..4)).prop_map(
                |(ordered, start, items)| Block::List(List {
                    kind: if ordered { ListKind::Ordered(start) } else { ListKind::Bullet },
                    items,
                })
            ),
            1 => prop::collection::vec(inner, 1..3)
                .prop_map(move |b| Block::BlockQuote(separate(b, c.separate_lists))),
        ]
    })
}

/// Put a rule between adjacent lists of the same kind, for formats where
/// they would merge.
fn separate(blocks: Vec<Block>, on: bool) -> Vec<Block> {
    if !on {
        return blocks;
    }
    let mut out: Vec<Block> = Vec::new();
    for b in blocks {
        if let (Some(Block::List(a)), Block::List(n)) = (out.last(), &b)
            && std::mem::discriminant(&a.kind) == std::mem::discriminant(&n.kind)
        {
            out.push(Block::Rule);
        }
        out.push(b);
    }
    out
}

fn document(c: Caps) -> impl Strategy<Value = Document> {
    prop::collection::vec(block(c), 0..6)
        .prop_map(move |b| Document::new(separate(b, c.separate_lists)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn markdown_round_trips(doc in document(MARKDOWN)) {
        let md = markdown::render(&doc);
        prop_assert_eq!(markdown::parse(&md), doc, "markdown:\n{}", md);
    }

    #[test]
    fn confluence_round_trips(doc in document(Caps {
        raw_from: &[RawFormat::Markdown, RawFormat::Html, RawFormat::Notion, RawFormat::Adf],
        ..MARKDOWN
    })) {
        let out = confluence::to_storage(&doc);
        let back = confluence::from_storage(&out.value).unwrap();
        prop_assert!(back.report.is_empty(), "{:?}", back.report);
        prop_assert_eq!(back.value, doc, "storage:\n{}", out.value);
    }

    #[test]
    fn html_round_trips(doc in document(Caps {
        raw_from: &[RawFormat::Markdown, RawFormat::Confluence, RawFormat::Notion, RawFormat::Adf],
        ..MARKDOWN
    })) {
        let out = html::to_html(&doc);
        let back = html::from_html(&out.value).unwrap();
        prop_assert_eq!(back.value, doc, "html:\n{}", out.value);
    }

    #[test]
    fn notion_round_trips(doc in document(Caps {
        max_heading: 3,
        any_list_start: false,
        link_titles: false,
        raw_from: &[RawFormat::Markdown, RawFormat::Html, RawFormat::Confluence, RawFormat::Adf],
        separate_lists: true,
        ..MARKDOWN
    })) {
        let out = notion::to_blocks(&doc);
        let back = notion::from_blocks(&out.value).unwrap();
        prop_assert!(back.report.is_empty(), "{:?}", back.report);
        prop_assert_eq!(back.value, doc, "blocks:\n{}", serde_json::to_string_pretty(&out.value).unwrap());
    }

    #[test]
    fn adf_round_trips(doc in document(Caps {
        marks_on_code: false,
        raw_from: &[RawFormat::Markdown, RawFormat::Html, RawFormat::Confluence, RawFormat::Notion],
        raw_kind: false,
        ..MARKDOWN
    })) {
        let out = adf::to_adf(&doc);
        let back = adf::from_adf(&out.value).unwrap();
        prop_assert_eq!(back.value, doc, "adf:\n{}", serde_json::to_string_pretty(&out.value).unwrap());
    }

    /// Markdown → every format → Markdown keeps the document.
    #[test]
    fn markdown_through_every_format(doc in document(Caps {
        max_heading: 3,
        any_list_start: false,
        link_titles: false,
        marks_on_code: false,
        raw_from: &[RawFormat::Html],
        raw_kind: false,
        separate_lists: true,
        ..MARKDOWN
    })) {
        let md = markdown::render(&doc);
        let n = convert::notion_to_markdown(&convert::markdown_to_notion(&md).value).unwrap().value;
        let s = convert::storage_to_markdown(&convert::markdown_to_storage(&n).value).unwrap().value;
        let a = convert::adf_to_markdown(&convert::markdown_to_adf(&s).value).unwrap().value;
        prop_assert_eq!(markdown::parse(&a), doc);
    }

    #[test]
    fn parsers_never_panic(s in "\\PC{0,200}") {
        let _ = markdown::parse(&s);
        let _ = confluence::from_storage(&s);
        let _ = html::from_html(&s);
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&s) {
            let _ = adf::from_adf(&v);
            if let Some(a) = v.as_array() {
                let _ = notion::from_blocks(a);
            }
        }
    }

    #[test]
    fn markup_fragments_never_panic(parts in prop::collection::vec(prop::sample::select(vec![
        "<p>", "</p>", "<ac:structured-macro ac:name=\"code\">", "</ac:structured-macro>",
        "<![CDATA[", "]]>", "<!--", "-->", "&amp;", "&#x110000;", "<br>", "<a href='x'>", "</a>",
        "<ul>", "<li>", "</li>", "x", " ", "\n", "<", ">", "&", "\"", "ü", "<pre>", "</pre>",
    ]), 0..30)) {
        let s: String = parts.concat();
        let _ = confluence::from_storage(&s);
        if let Ok(d) = html::from_html(&s) {
            let _ = markdown::render(&d.value);
        }
    }

    #[test]
    fn json_never_panics(v in arb_json()) {
        let _ = adf::from_adf(&v);
        let _ = adf::from_adf(&json!({"type": "doc", "content": [v.clone()]}));
        let _ = notion::from_blocks(std::slice::from_ref(&v));
        let _ = notion::from_blocks(&[json!({"type": "paragraph", "paragraph": {"rich_text": [v]}})]);
    }
}

/// Cases per property: 256, or `PROPTEST_CASES` for longer runs.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(256)
}

fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(json!(null)),
        any::<bool>().prop_map(|b| json!(b)),
        any::<i64>().prop_map(|n| json!(n)),
        prop::sample::select(vec![
            "text",
            "paragraph",
            "heading",
            "doc",
            "link",
            "code",
            "bulletList",
            "listItem",
            "mention",
            "rich_text",
            "type",
            "content",
            "x",
        ])
        .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "type",
                    "content",
                    "text",
                    "attrs",
                    "marks",
                    "level",
                    "order",
                    "href",
                    "paragraph",
                    "rich_text",
                    "annotations",
                    "children",
                    "language",
                    "code",
                    "quote",
                    "bold",
                ]),
                inner,
                0..4
            )
            .prop_map(|m| serde_json::Value::Object(
                m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}
