//! [`FakeKnowledgeBase`]: an in-memory wiki with text search.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use mosaic_core::kb::*;
use mosaic_core::{Capabilities, Error, ErrorKind, Page, Result};
use parking_lot::Mutex;
use serde::Serialize;

use super::{Core, fake_controls, require};

mod seed;

pub use seed::{PageSeed, SpaceSeed};

const DEFAULT_PAGE: u32 = 25;

/// An in-memory knowledge base implementing every
/// [`KnowledgeBaseProvider`] operation.
///
/// Spaces hold pages in a tree (`parent_id`); page titles are unique within
/// a space (`Conflict` otherwise), space keys are unique. Every change of a
/// page's title or body bumps its version and records a revision; an update
/// carrying a stale `version` is a `Conflict`. Deleting a page deletes its
/// subtree, deleting a space deletes its pages. Search is case-insensitive
/// over titles and bodies: every word of the query must occur, title hits
/// rank first, and the excerpt shows the first match. Export offers
/// Markdown, HTML and plain text (PDF is `Unsupported`); import reads
/// Markdown, HTML and plain text.
///
/// ```
/// use mosaic_core::kb::{CreateKbPage, CreateSpace, KnowledgeBaseProvider, Search};
/// use mosaic_testing::FakeKnowledgeBase;
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let kb = FakeKnowledgeBase::new();
/// let space = kb.create_space(CreateSpace { name: "Engineering".into(), ..Default::default() }).await?;
/// kb.create_page(CreateKbPage {
///     space_id: space.id.clone(),
///     title: "Deploying".into(),
///     body: "Run the release pipeline, then watch the dashboards.".into(),
///     ..Default::default()
/// }).await?;
/// let hits = kb.search(Search { query: "release pipeline".into(), ..Default::default() }).await?;
/// assert_eq!(hits.items[0].title, "Deploying");
/// # Ok::<(), mosaic_core::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct FakeKnowledgeBase {
    core: Arc<Core>,
    state: Arc<Mutex<KbState>>,
}

struct PageRec {
    page: KbPage,
    seq: u64,
    revisions: Vec<Revision>,
    comments: Vec<Comment>,
    attachments: Vec<(Attachment, Vec<u8>)>,
}

struct KbState {
    login: String,
    host: String,
    next_id: u64,
    spaces: BTreeMap<u64, Space>,
    pages: BTreeMap<u64, PageRec>,
}

impl fmt::Debug for FakeKnowledgeBase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.lock();
        f.debug_struct("FakeKnowledgeBase")
            .field("name", &self.core.name())
            .field("spaces", &s.spaces.len())
            .field("pages", &s.pages.len())
            .finish()
    }
}

impl Default for FakeKnowledgeBase {
    fn default() -> Self {
        Self::new()
    }
}

fake_controls!(FakeKnowledgeBase, KbOp, "fake-kb");

/// Markdown to plain text: markers removed, link targets dropped.
pub(crate) fn markdown_to_text(md: &str) -> String {
    let mut out = String::new();
    for line in md.lines() {
        let mut l = line.trim_start();
        l = l.trim_start_matches('#').trim_start();
        l = l.strip_prefix("> ").unwrap_or(l);
        if let Some(rest) = l.strip_prefix("- ").or_else(|| l.strip_prefix("* ")) {
            l = rest;
        }
        if l.starts_with("```") {
            continue;
        }
        let mut text = String::new();
        let mut chars = l.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '*' | '_' | '`' => {}
                '[' => {
                    let label: String = chars.by_ref().take_while(|c| *c != ']').collect();
                    text.push_str(&label);
                    if chars.peek() == Some(&'(') {
                        for c in chars.by_ref() {
                            if c == ')' {
                                break;
                            }
                        }
                    }
                }
                c => text.push(c),
            }
        }
        out.push_str(&text);
        out.push('\n');
    }
    out
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Markdown to HTML (headings, paragraphs, lists, code blocks).
pub(crate) fn markdown_to_html(md: &str) -> String {
    let mut out = String::new();
    let mut in_list = false;
    let mut in_code = false;
    let mut para: Vec<String> = Vec::new();
    let flush = |para: &mut Vec<String>, out: &mut String| {
        if !para.is_empty() {
            out.push_str(&format!("<p>{}</p>\n", para.join(" ")));
            para.clear();
        }
    };
    for line in md.lines() {
        if line.trim_start().starts_with("```") {
            flush(&mut para, &mut out);
            out.push_str(if in_code {
                "</code></pre>\n"
            } else {
                "<pre><code>"
            });
            in_code = !in_code;
            continue;
        }
        if in_code {
            out.push_str(&escape_html(line));
            out.push('\n');
            continue;
        }
        let t = line.trim();
        let item = t.strip_prefix("- ").or_else(|| t.strip_prefix("* "));
        if item.is_none() && in_list {
            out.push_str("</ul>\n");
            in_list = false;
        }
        if t.is_empty() {
            flush(&mut para, &mut out);
        } else if let Some(item) = item {
            flush(&mut para, &mut out);
            if !in_list {
                out.push_str("<ul>\n");
                in_list = true;
            }
            out.push_str(&format!("<li>{}</li>\n", escape_html(item)));
        } else if t.starts_with('#') {
            flush(&mut para, &mut out);
            let level = t.chars().take_while(|c| *c == '#').count().min(6);
            let text = t[level..].trim();
            out.push_str(&format!("<h{level}>{}</h{level}>\n", escape_html(text)));
        } else {
            para.push(escape_html(t));
        }
    }
    flush(&mut para, &mut out);
    if in_list {
        out.push_str("</ul>\n");
    }
    if in_code {
        out.push_str("</code></pre>\n");
    }
    out
}

/// HTML to Markdown: headings, list items and paragraphs kept, other tags
/// dropped, entities decoded.
pub(crate) fn html_to_markdown(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let tag = rest[start + 1..start + end].trim().to_lowercase();
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let closing = tag.starts_with('/');
        match (name.as_str(), closing) {
            (h, false) if h.len() == 2 && h.starts_with('h') => {
                let level = h[1..].parse::<usize>().unwrap_or(1).clamp(1, 6);
                out.push_str(&format!("\n{} ", "#".repeat(level)));
            }
            ("li", false) => out.push_str("\n- "),
            ("p" | "br" | "div", _) | ("ul" | "ol" | "pre", true) => out.push('\n'),
            (h, true) if h.len() == 2 && h.starts_with('h') => out.push('\n'),
            _ => {}
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    let decoded = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&");
    // collapse runs of blank lines
    let mut md = String::new();
    let mut blank = 0;
    for line in decoded.lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            blank += 1;
            if blank == 1 && !md.is_empty() {
                md.push('\n');
            }
        } else {
            blank = 0;
            md.push_str(line.trim_start());
            md.push('\n');
        }
    }
    md
}

impl FakeKnowledgeBase {
    /// An empty knowledge base named `fake-kb`, user `fake-user`.
    pub fn new() -> Self {
        Self::named("fake-kb")
    }

    /// An empty knowledge base whose errors carry provider name `name`.
    pub fn named(name: &str) -> Self {
        FakeKnowledgeBase {
            core: Arc::new(Core::new::<KbOp>(name)),
            state: Arc::new(Mutex::new(KbState {
                login: "fake-user".to_owned(),
                host: format!("{name}.invalid"),
                next_id: 1,
                spaces: BTreeMap::new(),
                pages: BTreeMap::new(),
            })),
        }
    }

    /// Every page (with body), in creation order.
    pub fn pages(&self) -> Vec<KbPage> {
        self.state
            .lock()
            .pages
            .values()
            .map(|r| r.page.clone())
            .collect()
    }

    /// An attachment's bytes.
    pub fn attachment_content(&self, page_id: &str, filename: &str) -> Option<Vec<u8>> {
        let s = self.state.lock();
        let id: u64 = page_id.parse().ok()?;
        s.pages
            .get(&id)?
            .attachments
            .iter()
            .find(|(a, _)| a.filename == filename)
            .map(|(_, c)| c.clone())
    }

    async fn run<P: Serialize, T>(
        &self,
        op: KbOp,
        params: P,
        f: impl FnOnce(&mut KbState, P, &str) -> Result<T>,
    ) -> Result<T> {
        self.core.enter(op, &params).await?;
        let now = self.core.clock().now();
        f(&mut self.state.lock(), params, &now).map_err(|e| self.core.tag(e))
    }
}

impl KbState {
    fn next(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn space(&self, id: &str) -> Result<&Space> {
        require("space_id", id)?;
        id.parse::<u64>()
            .ok()
            .and_then(|n| self.spaces.get(&n))
            .ok_or_else(|| Error::not_found(format!("space `{id}` not found")))
    }

    fn page(&self, id: &str) -> Result<&PageRec> {
        require("id", id)?;
        id.parse::<u64>()
            .ok()
            .and_then(|n| self.pages.get(&n))
            .ok_or_else(|| Error::not_found(format!("page `{id}` not found")))
    }

    fn page_mut(&mut self, id: &str) -> Result<&mut PageRec> {
        require("id", id)?;
        id.parse::<u64>()
            .ok()
            .and_then(|n| self.pages.get_mut(&n))
            .ok_or_else(|| Error::not_found(format!("page `{id}` not found")))
    }

    fn create_space(&mut self, p: CreateSpace, _now: &str) -> Result<Space> {
        require("name", &p.name)?;
        if let Some(k) = &p.key {
            if k.is_empty()
                || k.len() > 10
                || !k
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                || !k.starts_with(|c: char| c.is_ascii_uppercase())
            {
                return Err(Error::invalid_input(
                    "key",
                    format!(
                        "`{k}` is not a space key (1-10 of A-Z and 0-9, starting with a letter)"
                    ),
                ));
            }
            if self.spaces.values().any(|s| s.key.as_deref() == Some(k)) {
                return Err(Error::conflict(format!("space key `{k}` is taken")));
            }
        }
        if let Some(parent) = &p.parent
            && self.page(parent).is_err()
        {
            return Err(Error::invalid_input(
                "parent",
                format!("no page `{parent}`"),
            ));
        }
        let id = self.next();
        let space = Space {
            id: id.to_string(),
            web_url: Some(format!("https://{}/spaces/{id}", self.host)),
            key: p.key,
            name: p.name,
            description: p.description,
        };
        self.spaces.insert(id, space.clone());
        Ok(space)
    }

    fn title_taken(&self, space_id: &str, title: &str, except: Option<u64>) -> bool {
        self.pages.iter().any(|(id, r)| {
            Some(*id) != except
                && r.page.space_id == space_id
                && r.page.title.eq_ignore_ascii_case(title)
        })
    }

    fn create_page(&mut self, p: CreateKbPage, message: &str, now: &str) -> Result<KbPage> {
        self.space(&p.space_id)?;
        require("title", &p.title)?;
        if let Some(parent) = &p.parent_id {
            let ok = self
                .page(parent)
                .is_ok_and(|r| r.page.space_id == p.space_id);
            if !ok {
                return Err(Error::invalid_input(
                    "parent_id",
                    format!("no page `{parent}` in space `{}`", p.space_id),
                ));
            }
        }
        if self.title_taken(&p.space_id, &p.title, None) {
            return Err(Error::conflict(format!(
                "a page titled `{}` already exists in space `{}`",
                p.title, p.space_id
            )));
        }
        let id = self.next();
        let rev = self.next();
        let page = KbPage {
            id: id.to_string(),
            space_id: p.space_id,
            parent_id: p.parent_id,
            title: p.title,
            body: Some(p.body),
            version: Some(1),
            web_url: Some(format!("https://{}/pages/{id}", self.host)),
            created_at: Some(now.to_owned()),
            updated_at: Some(now.to_owned()),
        };
        self.pages.insert(
            id,
            PageRec {
                page: page.clone(),
                seq: id,
                revisions: vec![Revision {
                    id: rev.to_string(),
                    version: 1,
                    author: Some(self.login.clone()),
                    message: Some(message.to_owned()),
                    created_at: Some(now.to_owned()),
                }],
                comments: Vec::new(),
                attachments: Vec::new(),
            },
        );
        Ok(page)
    }

    /// The page and every page below it.
    fn subtree(&self, root: u64) -> BTreeSet<u64> {
        let mut out = BTreeSet::from([root]);
        loop {
            let more: Vec<u64> = self
                .pages
                .iter()
                .filter(|(id, r)| {
                    !out.contains(id)
                        && r.page
                            .parent_id
                            .as_deref()
                            .and_then(|p| p.parse::<u64>().ok())
                            .is_some_and(|p| out.contains(&p))
                })
                .map(|(id, _)| *id)
                .collect();
            if more.is_empty() {
                return out;
            }
            out.extend(more);
        }
    }

    fn search(&self, p: &Search) -> Result<Vec<SearchHit>> {
        require("query", &p.query)?;
        if let Some(space) = &p.space_id {
            self.space(space)?;
        }
        let terms: Vec<String> = p
            .query
            .split_whitespace()
            .map(|t| t.to_lowercase())
            .collect();
        let mut hits: Vec<(usize, u64, SearchHit)> = Vec::new();
        for r in self.pages.values() {
            if p.space_id.as_ref().is_some_and(|s| *s != r.page.space_id) {
                continue;
            }
            let title = r.page.title.to_lowercase();
            let body = r.page.body.as_deref().unwrap_or("").to_lowercase();
            if !terms
                .iter()
                .all(|t| title.contains(t.as_str()) || body.contains(t.as_str()))
            {
                continue;
            }
            let score = terms
                .iter()
                .map(|t| 10 * title.matches(t.as_str()).count() + body.matches(t.as_str()).count())
                .sum::<usize>();
            let excerpt = terms.iter().find_map(|t| body.find(t.as_str())).map(|at| {
                let text = r.page.body.as_deref().unwrap_or("");
                let mut start = at.saturating_sub(40);
                while !text.is_char_boundary(start) {
                    start -= 1;
                }
                let mut end = (at + 80).min(text.len());
                while !text.is_char_boundary(end) {
                    end += 1;
                }
                let mut e = text[start..end].replace('\n', " ");
                if start > 0 {
                    e.insert(0, '…');
                }
                if end < text.len() {
                    e.push('…');
                }
                e
            });
            hits.push((
                score,
                r.seq,
                SearchHit {
                    page_id: r.page.id.clone(),
                    space_id: Some(r.page.space_id.clone()),
                    title: r.page.title.clone(),
                    excerpt,
                    web_url: r.page.web_url.clone(),
                },
            ));
        }
        hits.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        Ok(hits.into_iter().map(|(_, _, h)| h).collect())
    }
}

fn listed(page: &KbPage) -> KbPage {
    KbPage {
        body: None,
        ..page.clone()
    }
}

#[async_trait]
impl KnowledgeBaseProvider for FakeKnowledgeBase {
    fn capabilities(&self) -> Capabilities {
        self.core.capabilities()
    }

    async fn create_space(&self, p: CreateSpace) -> Result<Space> {
        self.run(KbOp::CreateSpace, p, |s, p, now| s.create_space(p, now))
            .await
    }

    async fn get_space(&self, p: SpaceRef) -> Result<Space> {
        self.run(KbOp::GetSpace, p, |s, p, _| {
            require("id", &p.id)?;
            s.space(&p.id).cloned()
        })
        .await
    }

    async fn update_space(&self, p: UpdateSpace) -> Result<Space> {
        self.run(KbOp::UpdateSpace, p, |s, p, _| {
            require("id", &p.id)?;
            s.space(&p.id)?;
            if let Some(n) = &p.name {
                require("name", n)?;
            }
            let space = s
                .spaces
                .get_mut(&p.id.parse::<u64>().expect("checked"))
                .expect("checked");
            if let Some(n) = p.name {
                space.name = n;
            }
            if let Some(d) = p.description {
                space.description = Some(d);
            }
            Ok(space.clone())
        })
        .await
    }

    async fn delete_space(&self, p: SpaceRef) -> Result<()> {
        self.run(KbOp::DeleteSpace, p, |s, p, _| {
            require("id", &p.id)?;
            s.space(&p.id)?;
            s.spaces.remove(&p.id.parse::<u64>().expect("checked"));
            s.pages.retain(|_, r| r.page.space_id != p.id);
            Ok(())
        })
        .await
    }

    async fn list_spaces(&self, p: ListSpaces) -> Result<Page<Space>> {
        self.run(KbOp::ListSpaces, p, |s, p, _| {
            Page::slice(s.spaces.values().cloned().collect(), &p.page, DEFAULT_PAGE)
        })
        .await
    }

    async fn create_page(&self, p: CreateKbPage) -> Result<KbPage> {
        self.run(KbOp::CreatePage, p, |s, p, now| {
            s.create_page(p, "created", now)
        })
        .await
    }

    async fn get_page(&self, p: KbPageRef) -> Result<KbPage> {
        self.run(KbOp::GetPage, p, |s, p, _| Ok(s.page(&p.id)?.page.clone()))
            .await
    }

    async fn update_page(&self, p: UpdateKbPage) -> Result<KbPage> {
        self.run(KbOp::UpdatePage, p, |s, p, now| {
            let current = s.page(&p.id)?.page.clone();
            let version = current.version.unwrap_or(1);
            if let Some(v) = p.version
                && v != version
            {
                return Err(Error::conflict(format!(
                    "page `{}` is at version {version}, not {v}",
                    p.id
                )));
            }
            if let Some(t) = &p.title {
                require("title", t)?;
                let id: u64 = p.id.parse().expect("checked");
                if s.title_taken(&current.space_id, t, Some(id)) {
                    return Err(Error::conflict(format!(
                        "a page titled `{t}` already exists in space `{}`",
                        current.space_id
                    )));
                }
            }
            let changed = p.title.as_ref().is_some_and(|t| *t != current.title)
                || p.body
                    .as_ref()
                    .is_some_and(|b| Some(b) != current.body.as_ref());
            let rev = s.next();
            let login = s.login.clone();
            let r = s.page_mut(&p.id)?;
            if changed {
                if let Some(t) = p.title {
                    r.page.title = t;
                }
                if let Some(b) = p.body {
                    r.page.body = Some(b);
                }
                r.page.version = Some(version + 1);
                r.page.updated_at = Some(now.to_owned());
                r.revisions.push(Revision {
                    id: rev.to_string(),
                    version: version + 1,
                    author: Some(login),
                    message: Some("updated".to_owned()),
                    created_at: Some(now.to_owned()),
                });
            }
            Ok(r.page.clone())
        })
        .await
    }

    async fn delete_page(&self, p: KbPageRef) -> Result<()> {
        self.run(KbOp::DeletePage, p, |s, p, _| {
            s.page(&p.id)?;
            let doomed = s.subtree(p.id.parse().expect("checked"));
            s.pages.retain(|id, _| !doomed.contains(id));
            Ok(())
        })
        .await
    }

    async fn move_page(&self, p: MoveKbPage) -> Result<KbPage> {
        self.run(KbOp::MovePage, p, |s, p, now| {
            let current = s.page(&p.id)?.page.clone();
            let id: u64 = p.id.parse().expect("checked");
            let target_space = p.space_id.clone().unwrap_or(current.space_id.clone());
            if s.space(&target_space).is_err() {
                return Err(Error::invalid_input(
                    "space_id",
                    format!("no space `{target_space}`"),
                ));
            }
            let subtree = s.subtree(id);
            if let Some(parent) = &p.parent_id {
                let ok = s
                    .page(parent)
                    .is_ok_and(|r| r.page.space_id == target_space);
                let pid = parent.parse::<u64>().unwrap_or(0);
                if !ok || subtree.contains(&pid) {
                    return Err(Error::invalid_input(
                        "parent_id",
                        format!("page `{parent}` cannot be the new parent"),
                    ));
                }
            }
            for member in &subtree {
                let title = &s.pages[member].page.title;
                if target_space != current.space_id && s.title_taken(&target_space, title, None) {
                    return Err(Error::conflict(format!(
                        "a page titled `{title}` already exists in space `{target_space}`"
                    )));
                }
            }
            for member in &subtree {
                let r = s.pages.get_mut(member).expect("member");
                r.page.space_id = target_space.clone();
            }
            let r = s.pages.get_mut(&id).expect("checked");
            r.page.parent_id = p.parent_id;
            r.page.updated_at = Some(now.to_owned());
            Ok(r.page.clone())
        })
        .await
    }

    async fn list_pages(&self, p: ListKbPages) -> Result<Page<KbPage>> {
        self.run(KbOp::ListPages, p, |s, p, _| {
            s.space(&p.space_id)?;
            let items = s
                .pages
                .values()
                .filter(|r| r.page.space_id == p.space_id)
                .filter(|r| p.parent_id.is_none() || r.page.parent_id == p.parent_id)
                .map(|r| listed(&r.page))
                .collect();
            Page::slice(items, &p.page, DEFAULT_PAGE)
        })
        .await
    }

    async fn upload_attachment(&self, p: UploadAttachment) -> Result<Attachment> {
        self.run(KbOp::UploadAttachment, p, |s, p, _| {
            require("page_id", &p.page_id)?;
            s.page(&p.page_id)?;
            require("filename", &p.filename)?;
            if p.filename.contains(['/', '\\']) || p.filename.chars().any(|c| c.is_control()) {
                return Err(Error::invalid_input(
                    "filename",
                    format!("`{}` is not a plain file name", p.filename),
                ));
            }
            if p.content.is_empty() {
                return Err(Error::invalid_input("content", "must not be empty"));
            }
            let id = s.next();
            let host = s.host.clone();
            let r = s.page_mut(&p.page_id)?;
            if r.attachments.iter().any(|(a, _)| a.filename == p.filename) {
                return Err(Error::conflict(format!(
                    "page `{}` already has an attachment `{}`",
                    p.page_id, p.filename
                )));
            }
            let a = Attachment {
                id: id.to_string(),
                page_id: p.page_id.clone(),
                download_url: Some(format!(
                    "https://{host}/pages/{}/attachments/{}",
                    p.page_id, p.filename
                )),
                filename: p.filename,
                media_type: p.media_type,
                size: p.content.len() as u64,
            };
            r.attachments.push((a.clone(), p.content));
            Ok(a)
        })
        .await
    }

    async fn search(&self, p: Search) -> Result<Page<SearchHit>> {
        self.run(KbOp::Search, p, |s, p, _| {
            let hits = s.search(&p)?;
            Page::slice(hits, &p.page, DEFAULT_PAGE)
        })
        .await
    }

    async fn export_page(&self, p: ExportKbPage) -> Result<ExportedDoc> {
        self.run(KbOp::ExportPage, p, |s, p, _| {
            let r = s.page(&p.id)?;
            let body = r.page.body.clone().unwrap_or_default();
            let md = format!("# {}\n\n{body}", r.page.title);
            let content = match p.format {
                DocFormat::Markdown => md.into_bytes(),
                DocFormat::PlainText => markdown_to_text(&md).into_bytes(),
                DocFormat::Html => markdown_to_html(&md).into_bytes(),
                DocFormat::Pdf => {
                    return Err(Error::new(
                        ErrorKind::Unsupported,
                        "this knowledge base does not export PDF",
                    ));
                }
            };
            Ok(ExportedDoc {
                format: p.format,
                content,
            })
        })
        .await
    }

    async fn import_page(&self, p: ImportKbPage) -> Result<KbPage> {
        self.run(KbOp::ImportPage, p, |s, p, now| {
            let text = String::from_utf8(p.content.clone())
                .map_err(|_| Error::invalid_input("content", "is not UTF-8 text"))?;
            let body = match p.format {
                DocFormat::Markdown | DocFormat::PlainText => text,
                DocFormat::Html => html_to_markdown(&text),
                DocFormat::Pdf => {
                    return Err(Error::invalid_input(
                        "format",
                        "PDF documents cannot be imported",
                    ));
                }
            };
            s.create_page(
                CreateKbPage {
                    space_id: p.space_id,
                    parent_id: p.parent_id,
                    title: p.title,
                    body,
                },
                "imported",
                now,
            )
        })
        .await
    }

    async fn add_comment(&self, p: AddComment) -> Result<Comment> {
        self.run(KbOp::AddComment, p, |s, p, now| {
            require("page_id", &p.page_id)?;
            s.page(&p.page_id)?;
            require("body", &p.body)?;
            let id = s.next();
            let login = s.login.clone();
            let c = Comment {
                id: id.to_string(),
                author: Some(login),
                body: p.body,
                created_at: Some(now.to_owned()),
            };
            s.page_mut(&p.page_id)?.comments.push(c.clone());
            Ok(c)
        })
        .await
    }

    async fn list_comments(&self, p: ListComments) -> Result<Page<Comment>> {
        self.run(KbOp::ListComments, p, |s, p, _| {
            require("page_id", &p.page_id)?;
            let items = s.page(&p.page_id)?.comments.clone();
            Page::slice(items, &p.page, DEFAULT_PAGE)
        })
        .await
    }

    async fn list_revisions(&self, p: ListRevisions) -> Result<Page<Revision>> {
        self.run(KbOp::ListRevisions, p, |s, p, _| {
            require("page_id", &p.page_id)?;
            let items = s
                .page(&p.page_id)?
                .revisions
                .iter()
                .rev()
                .cloned()
                .collect();
            Page::slice(items, &p.page, DEFAULT_PAGE)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_markdown() {
        let md = "# Title\n\nSome *bold* [link](http://x) text.\n\n- one\n- two\n";
        assert_eq!(
            markdown_to_text(md),
            "Title\n\nSome bold link text.\n\none\ntwo\n"
        );
        let html = markdown_to_html(md);
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(html.contains("<li>two</li>"), "{html}");
        let back = html_to_markdown("<h2>Intro</h2><p>a &amp; b</p><ul><li>x</li></ul>");
        assert_eq!(back, "## Intro\n\na & b\n\n- x\n");
    }
}
