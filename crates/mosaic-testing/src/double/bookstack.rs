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

use super::kb_common::{all, multipart, num, status_of};
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

    fn chapter(&self, id: u64, c: &Chapter) -> Value {
        json!({
            "id": id, "book_id": c.book_id, "name": c.name, "slug": slug(&c.name),
            "description": c.description, "priority": id,
            "created_by": 1, "updated_by": 1, "owned_by": 1,
        })
    }

    async fn shelf(&self, id: u64, s: &Shelf) -> Value {
        let mut books = Vec::new();
        for b in &s.books {
            if let Ok(space) = self.kb.get_space(SpaceRef { id: b.to_string() }).await {
                books.push(json!({ "id": b, "name": space.name, "slug": slug(&space.name) }));
            }
        }
        json!({
            "id": id, "name": s.name, "slug": slug(&s.name), "description": s.description,
            "created_by": user(), "updated_by": user(), "owned_by": user(), "books": books,
        })
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

    fn chapter_rec(&self, id: u64) -> Result<Chapter, ApiResponse> {
        self.extra
            .lock()
            .chapters
            .get(&id)
            .cloned()
            .ok_or_else(|| not_found("Chapter"))
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
        // Shelves.
        if r.route("GET", "/api/shelves").is_some() {
            let shelves: Vec<(u64, Shelf)> = self
                .extra
                .lock()
                .shelves
                .iter()
                .map(|(k, v)| (*k, v.clone()))
                .collect();
            let items = shelves
                .iter()
                .map(|(id, s)| {
                    json!({ "id": id, "name": s.name, "slug": slug(&s.name), "description": s.description })
                })
                .collect();
            return Ok(listing(r, items));
        }
        if r.route("POST", "/api/shelves").is_some() {
            let name = text(&body, "name").unwrap_or_default();
            if name.trim().is_empty() {
                return Err(invalid("name", "The name field is required."));
            }
            let shelf = Shelf {
                name,
                description: text(&body, "description").unwrap_or_default(),
                books: self.known_books(&body).await?,
            };
            let id = {
                let mut x = self.extra.lock();
                let id = x.next();
                x.shelves.insert(id, shelf.clone());
                id
            };
            return Ok(ApiResponse::ok(&self.shelf(id, &shelf).await));
        }
        if let Some(c) = r.route("GET", "/api/shelves/{id}") {
            let id = id_of(&c[0], "Shelf")?;
            let shelf = self.shelf_rec(id)?;
            return Ok(ApiResponse::ok(&self.shelf(id, &shelf).await));
        }
        if let Some(c) = r.route("PUT", "/api/shelves/{id}") {
            let id = id_of(&c[0], "Shelf")?;
            let mut shelf = self.shelf_rec(id)?;
            if let Some(n) = text(&body, "name") {
                if n.trim().is_empty() {
                    return Err(invalid("name", "The name field is required."));
                }
                shelf.name = n;
            }
            if let Some(d) = text(&body, "description") {
                shelf.description = d;
            }
            if body.get("books").is_some() {
                shelf.books = self.known_books(&body).await?;
            }
            self.extra.lock().shelves.insert(id, shelf.clone());
            return Ok(ApiResponse::ok(&self.shelf(id, &shelf).await));
        }
        if let Some(c) = r.route("DELETE", "/api/shelves/{id}") {
            let id = id_of(&c[0], "Shelf")?;
            return match self.extra.lock().shelves.remove(&id) {
                Some(_) => Ok(ApiResponse::empty(StatusCode::NO_CONTENT)),
                None => Err(not_found("Shelf")),
            };
        }
        // Chapters.
        if r.route("GET", "/api/chapters").is_some() {
            let items = {
                let x = self.extra.lock();
                x.chapters
                    .iter()
                    .map(|(id, c)| self.chapter(*id, c))
                    .collect()
            };
            return Ok(listing(r, items));
        }
        if r.route("POST", "/api/chapters").is_some() {
            let book_id = number(&body, "book_id")
                .ok_or_else(|| invalid("book_id", "The book id field is required."))?;
            self.kb
                .get_space(SpaceRef {
                    id: book_id.to_string(),
                })
                .await
                .map_err(|_| invalid("book_id", "The selected book id is invalid."))?;
            let name = text(&body, "name").unwrap_or_default();
            if name.trim().is_empty() {
                return Err(invalid("name", "The name field is required."));
            }
            let ch = Chapter {
                book_id,
                name,
                description: text(&body, "description").unwrap_or_default(),
            };
            let id = {
                let mut x = self.extra.lock();
                let id = x.next();
                x.chapters.insert(id, ch.clone());
                id
            };
            return Ok(ApiResponse::ok(&self.chapter(id, &ch)));
        }
        if let Some(c) = r.route("GET", "/api/chapters/{id}") {
            let id = id_of(&c[0], "Chapter")?;
            let ch = self.chapter_rec(id)?;
            let mut v = self.chapter(id, &ch);
            let pages = self.all_pages(Some(ch.book_id)).await.map_err(fail)?;
            let inside: Vec<Value> = pages
                .iter()
                .filter(|p| {
                    let pid = num(&p.id).unwrap_or(0);
                    self.extra.lock().page_chapter.get(&pid) == Some(&id)
                })
                .map(|p| self.page(p))
                .collect();
            v["pages"] = json!(inside);
            return Ok(ApiResponse::ok(&v));
        }
        if let Some(c) = r.route("DELETE", "/api/chapters/{id}") {
            let id = id_of(&c[0], "Chapter")?;
            self.chapter_rec(id)?;
            let pages: Vec<u64> = {
                let x = self.extra.lock();
                x.page_chapter
                    .iter()
                    .filter(|(_, ch)| **ch == id)
                    .map(|(p, _)| *p)
                    .collect()
            };
            for p in pages {
                let _ = self.kb.delete_page(KbPageRef { id: p.to_string() }).await;
            }
            let mut x = self.extra.lock();
            x.chapters.remove(&id);
            x.page_chapter.retain(|_, ch| *ch != id);
            return Ok(ApiResponse::empty(StatusCode::NO_CONTENT));
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

    fn shelf_rec(&self, id: u64) -> Result<Shelf, ApiResponse> {
        self.extra
            .lock()
            .shelves
            .get(&id)
            .cloned()
            .ok_or_else(|| not_found("Shelf"))
    }

    /// The `books` ids of a shelf body; an unknown book is a 422.
    async fn known_books(&self, body: &Value) -> Result<Vec<u64>, ApiResponse> {
        let mut out = Vec::new();
        for b in body
            .get("books")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let id = b
                .as_u64()
                .ok_or_else(|| invalid("books", "The books must be ids."))?;
            self.kb
                .get_space(SpaceRef { id: id.to_string() })
                .await
                .map_err(|_| invalid("books", &format!("Book {id} does not exist.")))?;
            out.push(id);
        }
        Ok(out)
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

    async fn attach(&self, r: &ApiRequest) -> Reply {
        let ctype = r.header("content-type").unwrap_or_default();
        let parts = multipart(ctype, &r.body)
            .ok_or_else(|| invalid("file", "The request is not multipart/form-data."))?;
        let field = |n: &str| parts.iter().find(|p| p.0 == n);
        let page = field("uploaded_to")
            .and_then(|p| num(&String::from_utf8_lossy(&p.2)))
            .ok_or_else(|| invalid("uploaded_to", "The uploaded to field is required."))?;
        let (_, filename, content) = field("file")
            .ok_or_else(|| invalid("file", "The file field is required."))?
            .clone();
        let name = field("name")
            .map(|p| String::from_utf8_lossy(&p.2).into_owned())
            .or(filename.clone())
            .unwrap_or_default();
        let a = self
            .kb
            .upload_attachment(UploadAttachment {
                page_id: page.to_string(),
                filename: name.clone(),
                media_type: None,
                content,
            })
            .await
            .map_err(fail)?;
        let extension = filename
            .as_deref()
            .and_then(|f| f.rsplit_once('.'))
            .map(|(_, e)| e.to_owned())
            .unwrap_or_default();
        Ok(ApiResponse::ok(&json!({
            "id": num(&a.id).unwrap_or(0), "name": name, "extension": extension,
            "uploaded_to": page, "external": false, "order": 1,
            "created_by": 1, "updated_by": 1,
        })))
    }

    async fn search(&self, r: &ApiRequest) -> Reply {
        let raw = r.query("query").unwrap_or_default();
        let mut types: Option<Vec<String>> = None;
        let mut terms = Vec::new();
        for word in raw.split_whitespace() {
            if let Some(f) = word.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
                if let Some(t) = f.strip_prefix("type:") {
                    types = Some(t.split('|').map(str::to_owned).collect());
                }
            } else if !(word.starts_with('[') && word.ends_with(']')) {
                terms.push(word);
            }
        }
        if terms.is_empty() {
            return Err(invalid("query", "The query field is required."));
        }
        let wants_pages = types.is_none_or(|t| t.iter().any(|t| t == "page"));
        let hits = if wants_pages {
            let query = terms.join(" ");
            all(|page| {
                self.kb.search(SearchKb {
                    query: query.clone(),
                    space_id: None,
                    page,
                })
            })
            .await
            .map_err(fail)?
        } else {
            Vec::new()
        };
        let count: usize = r.query_num("count", 100).clamp(1, 100);
        let page_no: usize = r.query_num("page", 1).max(1);
        let (slice, _) = super::page_of(&hits, page_no, count);
        let data: Vec<Value> = slice
            .iter()
            .map(|h| {
                json!({
                    "id": num(&h.page_id).unwrap_or(0),
                    "name": h.title,
                    "slug": slug(&h.title),
                    "book_id": h.space_id.as_deref().and_then(num),
                    "type": "page",
                    "url": format!("{}/link/{}", r.origin, h.page_id),
                    "preview_html": { "name": h.title, "content": h.excerpt.clone().unwrap_or_default() },
                    "tags": [],
                })
            })
            .collect();
        Ok(ApiResponse::ok(
            &json!({ "data": data, "total": hits.len() }),
        ))
    }

    fn comment(&self, c: &KbComment, page: u64, with_html: bool) -> Value {
        let mut v = json!({
            "id": num(&c.id).unwrap_or(0),
            "commentable_id": page,
            "commentable_type": "page",
            "parent_id": null,
            "local_id": num(&c.id).unwrap_or(0),
            "created_by": if with_html { user() } else { json!(1) },
            "updated_by": if with_html { user() } else { json!(1) },
            "created_at": c.created_at,
            "updated_at": c.created_at,
            "content_ref": "",
            "archived": false,
        });
        if with_html {
            v["html"] = json!(c.body);
        }
        v
    }

    async fn add_comment(&self, body: &Value) -> Reply {
        let page = number(body, "page_id")
            .ok_or_else(|| invalid("page_id", "The page id field is required."))?;
        self.get_page(page).await?;
        let html = text(body, "html").unwrap_or_default();
        if html.trim().is_empty() {
            return Err(invalid("html", "The html field is required."));
        }
        let c = self
            .kb
            .add_comment(AddKbComment {
                page_id: page.to_string(),
                body: html,
            })
            .await
            .map_err(fail)?;
        self.extra
            .lock()
            .comment_page
            .insert(num(&c.id).unwrap_or(0), page);
        Ok(ApiResponse::ok(&self.comment(&c, page, true)))
    }

    async fn comments_of(&self, page: u64) -> Result<Vec<KbComment>, ApiResponse> {
        all(|p| {
            self.kb.list_comments(ListKbComments {
                page_id: page.to_string(),
                page: p,
            })
        })
        .await
        .map_err(fail)
    }

    async fn list_comments(&self, r: &ApiRequest) -> Reply {
        let pages: Vec<u64> = match r.query("filter[commentable_id]").and_then(num) {
            Some(p) => vec![p],
            None => {
                let mut v: Vec<u64> = self.extra.lock().comment_page.values().copied().collect();
                v.sort_unstable();
                v.dedup();
                v
            }
        };
        let mut items = Vec::new();
        for page in pages {
            let Ok(list) = self.comments_of(page).await else {
                continue;
            };
            items.extend(list.iter().map(|c| self.comment(c, page, false)));
        }
        Ok(listing(r, items))
    }

    async fn read_comment(&self, id: u64) -> Reply {
        let page = self
            .extra
            .lock()
            .comment_page
            .get(&id)
            .copied()
            .ok_or_else(|| not_found("Comment"))?;
        let list = self
            .comments_of(page)
            .await
            .map_err(|_| not_found("Comment"))?;
        let c = list
            .iter()
            .find(|c| num(&c.id) == Some(id))
            .ok_or_else(|| not_found("Comment"))?;
        Ok(ApiResponse::ok(&self.comment(c, page, true)))
    }

    async fn audit_log(&self, r: &ApiRequest) -> Reply {
        if r.query("filter[loggable_type]")
            .is_some_and(|t| t != "page")
        {
            return Ok(listing(r, Vec::new()));
        }
        let page = r
            .query("filter[loggable_id]")
            .and_then(num)
            .ok_or_else(|| invalid("filter", "this double lists one page's events"))?;
        let revs = match all(|p| {
            self.kb.list_revisions(ListRevisions {
                page_id: page.to_string(),
                page: p,
            })
        })
        .await
        {
            Ok(v) => v,
            Err(_) => return Ok(listing(r, Vec::new())),
        };
        let mut items: Vec<Value> = revs
            .iter()
            .map(|rev| {
                json!({
                    "id": num(&rev.id).unwrap_or(0),
                    "type": if rev.version == 1 { "page_create" } else { "page_update" },
                    "detail": rev.message,
                    "user_id": 1,
                    "loggable_id": page,
                    "loggable_type": "page",
                    "ip": "127.0.0.1",
                    "created_at": rev.created_at,
                    "user": user(),
                })
            })
            .collect();
        // The fake lists newest first.
        if r.query("sort").is_some_and(|s| !s.starts_with('-')) {
            items.reverse();
        }
        let count: usize = r.query_num("count", 100).clamp(1, 500);
        let offset: usize = r.query_num("offset", 0);
        let total = items.len();
        let data: Vec<Value> = items.into_iter().skip(offset).take(count).collect();
        Ok(ApiResponse::ok(&json!({ "data": data, "total": total })))
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
