//! A double of the BookStack REST API
//! (<https://demo.bookstackapp.com/api/docs>) over a [`FakeKnowledgeBase`].
//!
//! Served under `/api`: books (the fake's spaces), pages (the fake's
//! pages, Markdown bodies), shelves and chapters (kept by the double, as
//! the fake has no such containers), attachments (multipart upload),
//! `GET /api/search` (the query's `{type:…}` filter honoured, other `{…}`
//! filters and `[tag]` terms ignored), page exports, comments (the
//! v25.07 comments API) and the audit log (page create and update
//! events). Listings page by `count` and `offset`, sort by `id` (`+id`,
//! `-id`), filter on `filter[book_id]`, `filter[chapter_id]`,
//! `filter[commentable_id]` and `filter[loggable_id]`, and answer
//! `{"data": [...], "total": N}`. Every request must carry
//! `Authorization: Token <id>:<secret>` with the token given to
//! [`BookStackApi::new`] (401 otherwise). Errors are
//! `{"error": {"code": N, "message": …}}`, with `validation` on 422.
//!
//! Left out: users, roles, images, the recycle bin (a delete is final),
//! tags, permissions, templates, PDF export (answered 501), ZIP imports,
//! and pages written in the WYSIWYG editor (HTML sent on create is stored
//! as Markdown). Page titles are unique within a book, as the fake
//! requires (BookStack allows duplicates: 409 here).

// Handlers answer an error as the HTTP response itself, once per request.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use http::StatusCode;
use mosaic_core::Error;
use mosaic_core::kb::*;
use parking_lot::Mutex;
use serde_json::{Value, json};

mod activity;
mod containers;

use super::kb_common::{all, num, status_of};
use super::{Api, ApiRequest, ApiResponse};
use crate::FakeKnowledgeBase;

/// The BookStack API over a fake knowledge base; see the [module docs](self).
pub struct BookStackApi {
    kb: FakeKnowledgeBase,
    token: String,
    extra: Mutex<Extra>,
}

impl std::fmt::Debug for BookStackApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BookStackApi").finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Extra {
    next: u64,
    shelves: BTreeMap<u64, Shelf>,
    chapters: BTreeMap<u64, Chapter>,
    /// Page id → chapter id.
    page_chapter: BTreeMap<u64, u64>,
    /// Comment id → page id.
    comment_page: BTreeMap<u64, u64>,
}

#[derive(Clone)]
struct Shelf {
    name: String,
    description: String,
    books: Vec<u64>,
}

#[derive(Clone)]
struct Chapter {
    book_id: u64,
    name: String,
    description: String,
}

impl Extra {
    fn next(&mut self) -> u64 {
        self.next += 1;
        self.next
    }
}

type Reply = Result<ApiResponse, ApiResponse>;

fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

fn user() -> Value {
    json!({ "id": 1, "name": "Fake User", "slug": "fake-user" })
}

/// BookStack's error body.
fn error_body(status: StatusCode, message: &str, field: Option<&str>) -> ApiResponse {
    let mut err = json!({ "code": status.as_u16(), "message": message });
    if let Some(f) = field {
        err["message"] = json!("The given data was invalid.");
        err["validation"] = json!({ f: [message] });
    }
    ApiResponse::json(status, &json!({ "error": err }))
}

fn fail(e: Error) -> ApiResponse {
    let status = status_of(&e);
    let field = (status == StatusCode::UNPROCESSABLE_ENTITY)
        .then(|| e.field().unwrap_or("body").to_owned());
    error_body(status, e.message(), field.as_deref())
}

fn not_found(what: &str) -> ApiResponse {
    error_body(StatusCode::NOT_FOUND, &format!("{what} not found"), None)
}

fn invalid(field: &str, message: &str) -> ApiResponse {
    error_body(StatusCode::UNPROCESSABLE_ENTITY, message, Some(field))
}

fn id_of(seg: &str, what: &str) -> Result<u64, ApiResponse> {
    num(seg).ok_or_else(|| not_found(what))
}

fn text(body: &Value, key: &str) -> Option<String> {
    body.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn number(body: &Value, key: &str) -> Option<u64> {
    match body.get(key)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => num(s),
        _ => None,
    }
}

/// A `{"data": [...], "total": N}` listing of `items` by `count` and
/// `offset` (`sort=-id` reverses the id order).
fn listing(r: &ApiRequest, mut items: Vec<Value>) -> ApiResponse {
    if r.query("sort") == Some("-id") {
        items.reverse();
    }
    let count: usize = r.query_num("count", 100).clamp(1, 500);
    let offset: usize = r.query_num("offset", 0);
    let total = items.len();
    let data: Vec<Value> = items.into_iter().skip(offset).take(count).collect();
    ApiResponse::ok(&json!({ "data": data, "total": total }))
}

impl BookStackApi {
    /// The API over `kb`, accepting the token `token_id:token_secret`.
    pub fn new(kb: FakeKnowledgeBase, token_id: &str, token_secret: &str) -> Self {
        BookStackApi {
            kb,
            token: format!("Token {token_id}:{token_secret}"),
            extra: Mutex::new(Extra::default()),
        }
    }

    fn book(&self, s: &Space) -> Value {
        json!({
            "id": num(&s.id).unwrap_or(0),
            "name": s.name,
            "slug": slug(&s.name),
            "description": s.description.clone().unwrap_or_default(),
            "created_by": 1, "updated_by": 1, "owned_by": 1,
            "default_template_id": null,
        })
    }

    fn page(&self, p: &KbPage) -> Value {
        let id = num(&p.id).unwrap_or(0);
        let chapter = self
            .extra
            .lock()
            .page_chapter
            .get(&id)
            .copied()
            .unwrap_or(0);
        json!({
            "id": id,
            "book_id": num(&p.space_id).unwrap_or(0),
            "chapter_id": chapter,
            "name": p.title,
            "slug": slug(&p.title),
            "priority": id,
            "draft": false,
            "template": false,
            "revision_count": p.version.unwrap_or(1),
            "editor": "markdown",
            "created_at": p.created_at,
            "updated_at": p.updated_at,
            "created_by": 1, "updated_by": 1, "owned_by": 1,
        })
    }

    /// A single page read: the listing fields, the Markdown source, its
    /// HTML and the users expanded.
    async fn page_read(&self, p: &KbPage) -> Value {
        let mut v = self.page(p);
        let md = p.body.clone().unwrap_or_default();
        let html = self
            .kb
            .export_page(ExportKbPage {
                id: p.id.clone(),
                format: DocFormat::Html,
            })
            .await
            .map(|d| String::from_utf8_lossy(&d.content).into_owned())
            .unwrap_or_default();
        v["markdown"] = json!(md);
        v["html"] = json!(html);
        v["raw_html"] = json!(html);
        v["created_by"] = user();
        v["updated_by"] = user();
        v["owned_by"] = user();
        v["tags"] = json!([]);
        v
    }

    async fn all_pages(&self, book: Option<u64>) -> Result<Vec<KbPage>, Error> {
        let books = match book {
            Some(b) => vec![b.to_string()],
            None => all(|page| self.kb.list_spaces(ListSpaces { page }))
                .await?
                .into_iter()
                .map(|s| s.id)
                .collect(),
        };
        let mut out = Vec::new();
        for space_id in books {
            out.extend(
                all(|page| {
                    self.kb.list_pages(ListKbPages {
                        space_id: space_id.clone(),
                        parent_id: None,
                        page,
                    })
                })
                .await?,
            );
        }
        out.sort_by_key(|p| num(&p.id));
        Ok(out)
    }

    async fn get_page(&self, id: u64) -> Result<KbPage, ApiResponse> {
        self.kb
            .get_page(KbPageRef { id: id.to_string() })
            .await
            .map_err(|_| not_found("Page"))
    }

    async fn route(&self, r: &ApiRequest) -> Reply {
        if r.header("authorization") != Some(self.token.as_str()) {
            return Err(error_body(
                StatusCode::UNAUTHORIZED,
                "No authorization token found on the request",
                None,
            ));
        }
        let body: Value = if r.body.is_empty()
            || r.header("content-type")
                .is_some_and(|c| c.starts_with("multipart/"))
        {
            Value::Null
        } else {
            r.json()?
        };
        // Books.
        if r.route("GET", "/api/books").is_some() {
            let spaces = all(|page| self.kb.list_spaces(ListSpaces { page }))
                .await
                .map_err(fail)?;
            return Ok(listing(r, spaces.iter().map(|s| self.book(s)).collect()));
        }
        if r.route("POST", "/api/books").is_some() {
            let s = self
                .kb
                .create_space(CreateSpace {
                    key: None,
                    name: text(&body, "name").unwrap_or_default(),
                    description: text(&body, "description"),
                    parent: None,
                })
                .await
                .map_err(fail)?;
            return Ok(ApiResponse::ok(&self.book(&s)));
        }
        if let Some(c) = r.route("GET", "/api/books/{id}") {
            let id = id_of(&c[0], "Book")?;
            let s = self
                .kb
                .get_space(SpaceRef { id: id.to_string() })
                .await
                .map_err(|_| not_found("Book"))?;
            let mut v = self.book(&s);
            let pages = self.all_pages(Some(id)).await.map_err(fail)?;
            let mut contents: Vec<Value> = {
                let x = self.extra.lock();
                x.chapters
                    .iter()
                    .filter(|(_, ch)| ch.book_id == id)
                    .map(|(cid, ch)| {
                        let mut v = self.chapter(*cid, ch);
                        v["type"] = json!("chapter");
                        v
                    })
                    .collect()
            };
            for p in pages.iter().filter(|p| {
                let pid = num(&p.id).unwrap_or(0);
                !self.extra.lock().page_chapter.contains_key(&pid)
            }) {
                let mut v = self.page(p);
                v["type"] = json!("page");
                contents.push(v);
            }
            v["contents"] = json!(contents);
            v["created_by"] = user();
            v["tags"] = json!([]);
            return Ok(ApiResponse::ok(&v));
        }
        if let Some(c) = r.route("PUT", "/api/books/{id}") {
            let id = id_of(&c[0], "Book")?;
            let s = self
                .kb
                .update_space(UpdateSpace {
                    id: id.to_string(),
                    name: text(&body, "name"),
                    description: text(&body, "description"),
                })
                .await
                .map_err(fail)?;
            return Ok(ApiResponse::ok(&self.book(&s)));
        }
        if let Some(c) = r.route("DELETE", "/api/books/{id}") {
            let id = id_of(&c[0], "Book")?;
            self.kb
                .delete_space(SpaceRef { id: id.to_string() })
                .await
                .map_err(|_| not_found("Book"))?;
            let mut x = self.extra.lock();
            let gone: Vec<u64> = x
                .chapters
                .iter()
                .filter(|(_, ch)| ch.book_id == id)
                .map(|(k, _)| *k)
                .collect();
            x.chapters.retain(|k, _| !gone.contains(k));
            x.page_chapter.retain(|_, ch| !gone.contains(ch));
            for s in x.shelves.values_mut() {
                s.books.retain(|b| *b != id);
            }
            return Ok(ApiResponse::empty(StatusCode::NO_CONTENT));
        }
        if let Some(resp) = self.containers(r, &body).await? {
            return Ok(resp);
        }
        // Pages.
        if r.route("GET", "/api/pages").is_some() {
            let book = r.query("filter[book_id]").and_then(num);
            let chapter = r.query("filter[chapter_id]").and_then(num);
            let pages = self.all_pages(book).await.map_err(fail)?;
            let items = pages
                .iter()
                .map(|p| self.page(p))
                .filter(|v| chapter.is_none_or(|c| v["chapter_id"] == json!(c)))
                .collect();
            return Ok(listing(r, items));
        }
        if r.route("POST", "/api/pages").is_some() {
            return self.create_page(&body).await;
        }
        if let Some(c) = r.route("GET", "/api/pages/{id}") {
            let p = self.get_page(id_of(&c[0], "Page")?).await?;
            return Ok(ApiResponse::ok(&self.page_read(&p).await));
        }
        if let Some(c) = r.route("PUT", "/api/pages/{id}") {
            return self.update_page(id_of(&c[0], "Page")?, &body).await;
        }
        if let Some(c) = r.route("DELETE", "/api/pages/{id}") {
            let id = id_of(&c[0], "Page")?;
            self.kb
                .delete_page(KbPageRef { id: id.to_string() })
                .await
                .map_err(|_| not_found("Page"))?;
            self.extra.lock().page_chapter.remove(&id);
            return Ok(ApiResponse::empty(StatusCode::NO_CONTENT));
        }
        if let Some(c) = r.route("GET", "/api/pages/{id}/export/{kind}") {
            let id = id_of(&c[0], "Page")?;
            let (format, ctype) = match c[1].as_str() {
                "markdown" => (DocFormat::Markdown, "text/markdown"),
                "html" => (DocFormat::Html, "text/html"),
                "plaintext" => (DocFormat::PlainText, "text/plain"),
                "pdf" => (DocFormat::Pdf, "application/pdf"),
                _ => return Err(not_found("Export format")),
            };
            let doc = self
                .kb
                .export_page(ExportKbPage {
                    id: id.to_string(),
                    format,
                })
                .await
                .map_err(fail)?;
            return Ok(ApiResponse::bytes(StatusCode::OK, ctype, doc.content));
        }
        // Attachments, search, comments, audit log.
        if r.route("POST", "/api/attachments").is_some() {
            return self.attach(r).await;
        }
        if r.route("GET", "/api/search").is_some() {
            return self.search(r).await;
        }
        if r.route("POST", "/api/comments").is_some() {
            return self.add_comment(&body).await;
        }
        if r.route("GET", "/api/comments").is_some() {
            return self.list_comments(r).await;
        }
        if let Some(c) = r.route("GET", "/api/comments/{id}") {
            return self.read_comment(id_of(&c[0], "Comment")?).await;
        }
        if r.route("GET", "/api/audit-log").is_some() {
            return self.audit_log(r).await;
        }
        Err(not_found("Route"))
    }

    /// The book and chapter a page body names (`chapter_id` wins).
    fn placement(&self, body: &Value) -> Result<Option<(u64, Option<u64>)>, ApiResponse> {
        if let Some(ch) = number(body, "chapter_id").filter(|c| *c != 0) {
            let rec = self
                .chapter_rec(ch)
                .map_err(|_| invalid("chapter_id", "The selected chapter id is invalid."))?;
            return Ok(Some((rec.book_id, Some(ch))));
        }
        Ok(number(body, "book_id").map(|b| (b, None)))
    }

    async fn create_page(&self, body: &Value) -> Reply {
        let (book, chapter) = self.placement(body)?.ok_or_else(|| {
            invalid(
                "book_id",
                "The book id field is required when chapter id is not present.",
            )
        })?;
        let name = text(body, "name").unwrap_or_default();
        if name.trim().is_empty() {
            return Err(invalid("name", "The name field is required."));
        }
        if self
            .kb
            .get_space(SpaceRef {
                id: book.to_string(),
            })
            .await
            .is_err()
        {
            return Err(invalid("book_id", "The selected book id is invalid."));
        }
        let page = match (text(body, "markdown"), text(body, "html")) {
            (Some(md), _) => {
                self.kb
                    .create_page(CreateKbPage {
                        space_id: book.to_string(),
                        parent_id: None,
                        title: name,
                        body: md,
                    })
                    .await
            }
            (None, Some(html)) => {
                self.kb
                    .import_page(ImportKbPage {
                        space_id: book.to_string(),
                        parent_id: None,
                        title: name,
                        format: DocFormat::Html,
                        content: html.into_bytes(),
                    })
                    .await
            }
            (None, None) => {
                return Err(invalid(
                    "html",
                    "The html field is required when markdown is not present.",
                ));
            }
        }
        .map_err(fail)?;
        if let Some(ch) = chapter {
            self.extra
                .lock()
                .page_chapter
                .insert(num(&page.id).unwrap_or(0), ch);
        }
        Ok(ApiResponse::ok(&self.page_read(&page).await))
    }

    async fn update_page(&self, id: u64, body: &Value) -> Reply {
        let mut page = self.get_page(id).await?;
        if let Some((book, chapter)) = self.placement(body)? {
            if book.to_string() != page.space_id {
                page = self
                    .kb
                    .move_page(MoveKbPage {
                        id: id.to_string(),
                        space_id: Some(book.to_string()),
                        parent_id: None,
                    })
                    .await
                    .map_err(|e| invalid("book_id", e.message()))?;
            }
            let mut x = self.extra.lock();
            match chapter {
                Some(ch) => x.page_chapter.insert(id, ch),
                None => x.page_chapter.remove(&id),
            };
        }
        let name = text(body, "name");
        if name.as_deref().is_some_and(|n| n.trim().is_empty()) {
            return Err(invalid("name", "The name field is required."));
        }
        let content = match (text(body, "markdown"), text(body, "html")) {
            (Some(md), _) => Some(md),
            (None, Some(html)) => Some(html_to_md(&html)),
            (None, None) => None,
        };
        if name.is_some() || content.is_some() {
            page = self
                .kb
                .update_page(UpdateKbPage {
                    id: id.to_string(),
                    title: name,
                    body: content,
                    version: None,
                })
                .await
                .map_err(fail)?;
        }
        Ok(ApiResponse::ok(&self.page_read(&page).await))
    }
}

/// HTML sent on update, reduced to Markdown paragraphs.
fn html_to_md(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                if !out.ends_with('\n') {
                    out.push('\n');
                }
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[async_trait::async_trait]
impl Api for BookStackApi {
    async fn handle(&self, request: ApiRequest) -> ApiResponse {
        match self.route(&request).await {
            Ok(r) | Err(r) => r,
        }
    }
}
