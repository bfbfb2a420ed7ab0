//! A small XML/HTML fragment parser with source positions, enough for
//! Confluence storage format (XHTML with `ac:`/`ri:` elements and CDATA)
//! and the HTML that wikis store. Every element remembers its byte range
//! in the input so an element the model does not cover can be kept
//! verbatim.
//!
//! Two modes: *strict* (Confluence storage, which is well-formed XML:
//! unclosed or mismatched tags are errors) and *lenient* (HTML: void
//! elements need no `/>`, stray end tags are ignored, unclosed elements
//! end with their parent).
//!
//! Elements may nest [`MAX_SOURCE_DEPTH`] deep; deeper input is refused,
//! so that nothing that walks the tree afterwards (text extraction,
//! cloning, dropping) recurses without bound.

use std::fmt;
use std::ops::Range;

use super::model::MAX_SOURCE_DEPTH;

/// A parse failure at a byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct XmlError {
    /// Byte offset in the input.
    pub(crate) offset: usize,
    /// What was wrong.
    pub(crate) message: String,
    /// Elements nest deeper than [`MAX_SOURCE_DEPTH`] (well-formed input
    /// the parser will not hold, rather than malformed input).
    pub(crate) too_deep: bool,
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.message, self.offset)
    }
}

impl std::error::Error for XmlError {}

/// A node of the parsed fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    /// An element.
    Element(Element),
    /// Text with entities decoded.
    Text(String),
    /// A CDATA section's content.
    CData(String),
    /// A comment, with its source range.
    Comment(Range<usize>),
}

/// An element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Element {
    /// Tag name as written (`p`, `ac:structured-macro`), lower-cased in
    /// lenient mode.
    pub(crate) name: String,
    /// Attributes with entities decoded.
    pub(crate) attrs: Vec<(String, String)>,
    /// Children.
    pub(crate) children: Vec<Node>,
    /// The element's source, from `<` of the start tag to `>` of the end tag.
    pub(crate) range: Range<usize>,
}

impl Element {
    /// An attribute's value.
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Child elements.
    pub(crate) fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// All text below this element (text and CDATA), undecorated.
    pub(crate) fn text(&self) -> String {
        let mut s = String::new();
        collect_text(&self.children, &mut s);
        s
    }
}

fn collect_text(nodes: &[Node], out: &mut String) {
    for n in nodes {
        match n {
            Node::Text(t) | Node::CData(t) => out.push_str(t),
            Node::Element(e) => collect_text(&e.children, out),
            Node::Comment(_) => {}
        }
    }
}

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, ':' | '-' | '_' | '.')
}

/// Parse a fragment. `strict` selects XML rules (see the module docs).
pub(crate) fn parse(src: &str, strict: bool) -> Result<Vec<Node>, XmlError> {
    struct Open {
        el: Element,
    }
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Vec<Node> = Vec::new();
    let push = |stack: &mut Vec<Open>, root: &mut Vec<Node>, n: Node| match stack.last_mut() {
        Some(o) => o.el.children.push(n),
        None => root.push(n),
    };
    let err = |offset: usize, message: String| XmlError {
        offset,
        message,
        too_deep: false,
    };
    let mut pos = 0usize;
    let bytes = src.as_bytes();
    while pos < src.len() {
        let rest = &src[pos..];
        if let Some(body) = rest.strip_prefix("<!--") {
            let end = body
                .find("-->")
                .ok_or_else(|| err(pos, "unterminated comment".into()))?;
            let stop = pos + 4 + end + 3;
            push(&mut stack, &mut root, Node::Comment(pos..stop));
            pos = stop;
        } else if let Some(body) = rest.strip_prefix("<![CDATA[") {
            let end = body
                .find("]]>")
                .ok_or_else(|| err(pos, "unterminated CDATA section".into()))?;
            push(
                &mut stack,
                &mut root,
                Node::CData(rest[9..9 + end].to_owned()),
            );
            pos += 9 + end + 3;
        } else if rest.starts_with("<?") {
            let end = rest
                .find("?>")
                .ok_or_else(|| err(pos, "unterminated processing instruction".into()))?;
            pos += end + 2;
        } else if rest.starts_with("<!") {
            let end = rest
                .find('>')
                .ok_or_else(|| err(pos, "unterminated declaration".into()))?;
            pos += end + 1;
        } else if rest.starts_with("</") {
            let end = rest
                .find('>')
                .ok_or_else(|| err(pos, "unterminated end tag".into()))?;
            let mut name = rest[2..end].trim().to_owned();
            if !strict {
                name = name.to_ascii_lowercase();
            }
            let stop = pos + end + 1;
            match stack.iter().rposition(|o| o.el.name == name) {
                Some(i) if i + 1 == stack.len() || !strict => {
                    // Close everything above the match (lenient), then it.
                    while stack.len() > i {
                        let Some(mut o) = stack.pop() else { break };
                        o.el.range.end = if stack.len() == i { stop } else { pos };
                        push(&mut stack, &mut root, Node::Element(o.el));
                    }
                }
                _ if strict => {
                    let expected = stack
                        .last()
                        .map(|o| format!("</{}>", o.el.name))
                        .unwrap_or_else(|| "no end tag".into());
                    return Err(err(
                        pos,
                        format!("unexpected </{name}>, expected {expected}"),
                    ));
                }
                _ => {} // stray end tag in HTML: ignored
            }
            pos = stop;
        } else if rest.starts_with('<') && rest[1..].chars().next().is_some_and(char::is_alphabetic)
        {
            let start = pos;
            let mut i = pos + 1;
            while i < src.len() && src[i..].chars().next().is_some_and(is_name_char) {
                i += src[i..].chars().next().map_or(1, char::len_utf8);
            }
            let mut name = src[pos + 1..i].to_owned();
            if !strict {
                name = name.to_ascii_lowercase();
            }
            let mut attrs = Vec::new();
            let mut self_closing = false;
            loop {
                while i < src.len() && bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                if i >= src.len() {
                    return Err(err(start, format!("unterminated start tag <{name}>")));
                }
                if src[i..].starts_with("/>") {
                    self_closing = true;
                    i += 2;
                    break;
                }
                if bytes[i] == b'>' {
                    i += 1;
                    break;
                }
                let an_start = i;
                while i < src.len()
                    && !bytes[i].is_ascii_whitespace()
                    && !matches!(bytes[i], b'=' | b'>' | b'/')
                {
                    i += src[i..].chars().next().map_or(1, char::len_utf8);
                }
                if i == an_start {
                    if strict {
                        return Err(err(i, format!("unexpected character in <{name}>")));
                    }
                    i += 1; // a stray `/` or similar
                    continue;
                }
                let aname = src[an_start..i].to_owned();
                while i < src.len() && bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                let mut value = String::new();
                if i < src.len() && bytes[i] == b'=' {
                    i += 1;
                    while i < src.len() && bytes[i].is_ascii_whitespace() {
                        i += 1;
                    }
                    if i < src.len() && (bytes[i] == b'"' || bytes[i] == b'\'') {
                        let q = bytes[i] as char;
                        let vend = src[i + 1..].find(q).ok_or_else(|| {
                            err(i, format!("unterminated attribute value in <{name}>"))
                        })?;
                        value = decode_entities(&src[i + 1..i + 1 + vend]);
                        i += vend + 2;
                    } else if strict {
                        return Err(err(i, format!("unquoted attribute value in <{name}>")));
                    } else {
                        let vs = i;
                        while i < src.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                            i += 1;
                        }
                        value = decode_entities(&src[vs..i]);
                    }
                } else if strict {
                    return Err(err(i, format!("attribute `{aname}` without a value")));
                }
                attrs.push((
                    if strict {
                        aname
                    } else {
                        aname.to_ascii_lowercase()
                    },
                    value,
                ));
            }
            let el = Element {
                name: name.clone(),
                attrs,
                children: Vec::new(),
                range: start..i,
            };
            if self_closing || VOID.contains(&name.as_str()) {
                push(&mut stack, &mut root, Node::Element(el));
            } else if stack.len() >= MAX_SOURCE_DEPTH {
                return Err(XmlError {
                    offset: start,
                    message: format!(
                        "<{name}> nests deeper than {MAX_SOURCE_DEPTH} elements, the limit"
                    ),
                    too_deep: true,
                });
            } else {
                stack.push(Open { el });
            }
            pos = i;
        } else {
            // Text up to the next tag (a lone `<` is text).
            let skip = rest.chars().next().map_or(1, char::len_utf8);
            let next = rest[skip..].find('<').map_or(src.len(), |n| pos + skip + n);
            let raw = &src[pos..next];
            if strict && raw.starts_with('<') {
                return Err(err(pos, "`<` that starts no tag".into()));
            }
            push(&mut stack, &mut root, Node::Text(decode_entities(raw)));
            pos = next;
        }
    }
    if let Some(o) = stack.last()
        && strict
    {
        return Err(err(
            o.el.range.start,
            format!("<{}> is never closed", o.el.name),
        ));
    }
    while let Some(mut o) = stack.pop() {
        o.el.range.end = src.len();
        push(&mut stack, &mut root, Node::Element(o.el));
    }
    Ok(root)
}

/// Decode character references: numeric ones and the named ones wikis
/// use. An unknown name is kept as written.
pub(crate) fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let end = after.find(';').filter(|&e| e > 0 && e <= 32);
        let decoded = end.and_then(|e| {
            let name = &after[..e];
            let c = if let Some(num) = name.strip_prefix('#') {
                let n = match num.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => num.parse::<u32>().ok(),
                };
                n.and_then(char::from_u32)
            } else {
                named_entity(name)
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn named_entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "ndash" => '\u{2013}',
        "mdash" => '\u{2014}',
        "hellip" => '\u{2026}',
        "lsquo" => '\u{2018}',
        "rsquo" => '\u{2019}',
        "ldquo" => '\u{201c}',
        "rdquo" => '\u{201d}',
        "laquo" => '\u{ab}',
        "raquo" => '\u{bb}',
        "bull" => '\u{2022}',
        "middot" => '\u{b7}',
        "copy" => '\u{a9}',
        "reg" => '\u{ae}',
        "trade" => '\u{2122}',
        "times" => '\u{d7}',
        "divide" => '\u{f7}',
        "deg" => '\u{b0}',
        "euro" => '\u{20ac}',
        "pound" => '\u{a3}',
        "yen" => '\u{a5}',
        "cent" => '\u{a2}',
        "sect" => '\u{a7}',
        "para" => '\u{b6}',
        "larr" => '\u{2190}',
        "rarr" => '\u{2192}',
        "uarr" => '\u{2191}',
        "darr" => '\u{2193}',
        "check" => '\u{2713}',
        "zwj" => '\u{200d}',
        "zwnj" => '\u{200c}',
        "shy" => '\u{ad}',
        _ => return None,
    })
}

/// Escape text for element content.
pub(crate) fn escape_text(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
}

/// Escape text for a double-quoted attribute value.
pub(crate) fn escape_attr(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_attributes_cdata_and_ranges() {
        let src = r#"<p class="x">a &amp; b<br/></p><ac:structured-macro ac:name="code"><ac:plain-text-body><![CDATA[x < y]]></ac:plain-text-body></ac:structured-macro>"#;
        let nodes = parse(src, true).unwrap();
        assert_eq!(nodes.len(), 2);
        let Node::Element(p) = &nodes[0] else {
            panic!()
        };
        assert_eq!(p.attr("class"), Some("x"));
        assert_eq!(p.text(), "a & b");
        assert_eq!(&src[p.range.clone()], r#"<p class="x">a &amp; b<br/></p>"#);
        let Node::Element(m) = &nodes[1] else {
            panic!()
        };
        assert_eq!(m.attr("ac:name"), Some("code"));
        assert_eq!(m.text(), "x < y");
        assert_eq!(&src[m.range.clone()], &src[p.range.end..]);
    }

    #[test]
    fn strict_rejects_what_lenient_repairs() {
        for bad in [
            "<p>a",
            "<p>a</b>",
            "<p a=b>x</p>",
            "<p>x</p></p>",
            "<!-- x",
            "<p",
        ] {
            assert!(parse(bad, true).is_err(), "{bad}");
        }
        let nodes = parse("<P>a<br>b</p></div>", false).unwrap();
        let Node::Element(p) = &nodes[0] else {
            panic!()
        };
        assert_eq!(p.name, "p");
        assert_eq!(p.children.len(), 3);
    }

    #[test]
    fn nesting_is_bounded() {
        let ok = "<b>".repeat(MAX_SOURCE_DEPTH) + "x";
        assert!(parse(&ok, false).is_ok());
        let deep = "<b>".repeat(MAX_SOURCE_DEPTH + 1) + "x";
        let e = parse(&deep, false).unwrap_err();
        assert!(e.too_deep);
        assert_eq!(e.offset, 3 * MAX_SOURCE_DEPTH);
        // Void and self-closing elements do not nest.
        let flat = "<p>".repeat(MAX_SOURCE_DEPTH) + &"<br/><hr>".repeat(1000);
        assert!(parse(&flat, false).is_ok());
    }

    #[test]
    fn entities() {
        assert_eq!(
            decode_entities("&lt;&#65;&#x42;&nbsp;&bogus;&"),
            "<AB\u{a0}&bogus;&"
        );
    }
}
