//! [`KnowledgeBaseProvider`] for [`BookStack`].

use async_trait::async_trait;
use mosaic_core::kb::*;
use mosaic_core::{Capabilities, Cursor, Error, ErrorKind, Page, PageRequest, Result};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::{BookStack, PAGE_SIZE, PROVIDER, SEARCH_PAGE, named, wire};
use crate::convert;
use crate::http::RequestSpec;
use crate::http::multipart::Form;
use crate::kb_support::plain_text_to_markdown;
use crate::params::require_for;

fn id(field: &str, value: &str) -> Result<u64> {
    value.trim().parse::<u64>().map_err(|_| {
        named(Error::invalid_input(
            field,
            format!("`{value}` is not a BookStack id (a number)"),
        ))
    })
}

/// The offset a cursor stands for.
fn offset(page: &PageRequest) -> Result<u64> {
    match &page.cursor {
        None => Ok(0),
        Some(c) => c.as_str().parse().map_err(|_| {
            named(Error::invalid_input(
                "page.cursor",
                "not a cursor of this listing",
            ))
        }),
    }
}

/// One page of a listing from `offset` (`count`/`offset` asked,
/// `{"data", "total"}` read), with its total.
async fn list<T: DeserializeOwned>(
    req: RequestSpec<'_>,
    page: &PageRequest,
    offset: u64,
) -> Result<Page<T>> {
    let list: wire::List<T> = req
        .query(
            PAGE_SIZE.param,
            page.size_or(PAGE_SIZE.default, PAGE_SIZE.max),
        )
        .query("offset", offset)
        .send_json()
        .await?;
    let next = offset + list.data.len() as u64;
    let next = (!list.data.is_empty() && next < list.total).then(|| Cursor::new(next.to_string()));
    Ok(Page::new(list.data, next).with_total(list.total))
}

/// A page's body as Markdown: its Markdown source, or its HTML converted.
pub(super) fn body_markdown(p: &wire::Page) -> Result<String> {
    if let Some(md) = p.markdown.as_deref().filter(|m| !m.trim().is_empty()) {
        return Ok(md.replace("\r\n", "\n"));
    }
    let html = p.html.as_deref().unwrap_or("");
    let out = convert::html_to_markdown(html).map_err(named)?;
    out.report.trace(PROVIDER, "page html to markdown");
    Ok(out.value)
}

/// Plain text of an HTML fragment (search highlights).
fn html_text(html: &str) -> String {
    convert::html::from_html(html)
        .map(|d| d.value.plain_text())
        .unwrap_or_else(|_| html.to_owned())
}

impl BookStack {
    fn space(&self, b: wire::Book) -> Space {
        Space {
            id: b.id.to_string(),
            web_url: (!b.slug.is_empty()).then(|| format!("{}/books/{}", self.web, b.slug)),
            key: Some(b.slug).filter(|s| !s.is_empty()),
            name: b.name,
            description: b.description.filter(|d| !d.is_empty()),
        }
    }

    fn page(&self, p: wire::Page, with_body: bool) -> Result<KbPage> {
        let body = if with_body {
            Some(body_markdown(&p)?)
        } else {
            None
        };
        Ok(KbPage {
            id: p.id.to_string(),
            space_id: p.book_id.to_string(),
            parent_id: (p.chapter_id != 0).then(|| p.chapter_id.to_string()),
            title: p.name,
            body,
            version: p.revision_count,
            web_url: Some(format!("{}/link/{}", self.web, p.id)),
            created_at: p.created_at,
            updated_at: p.updated_at,
        })
    }

    async fn read_page(&self, page_id: u64) -> Result<wire::Page> {
        self.http
            .get(&format!("/pages/{page_id}"))
            .send_json()
            .await
    }

    async fn create(
        &self,
        space_id: &str,
        parent_id: Option<&str>,
        title: &str,
        content: (&str, String),
    ) -> Result<KbPage> {
        require_for(PROVIDER, "title", title)?;
        let mut body = json!({ "name": title });
        match parent_id {
            Some(ch) => body["chapter_id"] = json!(id("parent_id", ch)?),
            None => body["book_id"] = json!(id("space_id", space_id)?),
        }
        body[content.0] = json!(content.1);
        let p: wire::Page = self.http.post("/pages").json(&body).send_json().await?;
        self.page(p, true)
    }
}

#[async_trait]
impl KnowledgeBaseProvider for BookStack {
    fn capabilities(&self) -> Capabilities {
        BookStack::operations()
    }

    /// `POST /api/books`; with `parent`, the book is then added to that
    /// shelf (`PUT /api/shelves/{id}` with the shelf's books and the new one).
    async fn create_space(&self, params: CreateSpace) -> Result<Space> {
        require_for(PROVIDER, "name", &params.name)?;
        let shelf = params
            .parent
            .as_deref()
            .map(|s| id("parent", s))
            .transpose()?;
        let mut body = json!({ "name": params.name });
        if let Some(d) = &params.description {
            body["description"] = json!(d);
        }
        let book: wire::Book = self.http.post("/books").json(&body).send_json().await?;
        if let Some(shelf) = shelf {
            let current: wire::Shelf = self
                .http
                .get(&format!("/shelves/{shelf}"))
                .send_json()
                .await?;
            let mut books: Vec<u64> = current.books.iter().map(|b| b.id).collect();
            books.push(book.id);
            self.http
                .put(&format!("/shelves/{shelf}"))
                .json(&json!({ "books": books }))
                .send_unit()
                .await?;
        }
        Ok(self.space(book))
    }

    /// `GET /api/books/{id}`.
    async fn get_space(&self, params: SpaceRef) -> Result<Space> {
        let b: wire::Book = self
            .http
            .get(&format!("/books/{}", id("id", &params.id)?))
            .send_json()
            .await?;
        Ok(self.space(b))
    }

    /// `PUT /api/books/{id}`.
    async fn update_space(&self, params: UpdateSpace) -> Result<Space> {
        let book = id("id", &params.id)?;
        let mut body = serde_json::Map::new();
        if let Some(n) = &params.name {
            require_for(PROVIDER, "name", n)?;
            body.insert("name".into(), json!(n));
        }
        if let Some(d) = &params.description {
            body.insert("description".into(), json!(d));
        }
        let b: wire::Book = self
            .http
            .put(&format!("/books/{book}"))
            .json(&Value::Object(body))
            .send_json()
            .await?;
        Ok(self.space(b))
    }

    /// `DELETE /api/books/{id}` (to the recycle bin).
    async fn delete_space(&self, params: SpaceRef) -> Result<()> {
        self.http
            .delete(&format!("/books/{}", id("id", &params.id)?))
            .send_unit()
            .await
    }

    /// `GET /api/books`.
    async fn list_spaces(&self, params: ListSpaces) -> Result<Page<Space>> {
        let req = self.http.get("/books").query("sort", "+id");
        let list = list::<wire::Book>(req, &params.page, offset(&params.page)?).await?;
        Ok(list.map(|b| self.space(b)))
    }

    /// `POST /api/pages` with the body as `markdown`, in the book
    /// `space_id` or the chapter `parent_id`.
    async fn create_page(&self, params: CreateKbPage) -> Result<KbPage> {
        self.create(
            &params.space_id,
            params.parent_id.as_deref(),
            &params.title,
            ("markdown", params.body.clone()),
        )
        .await
    }

    /// `GET /api/pages/{id}`.
    async fn get_page(&self, params: KbPageRef) -> Result<KbPage> {
        let p = self.read_page(id("id", &params.id)?).await?;
        self.page(p, true)
    }

    /// `PUT /api/pages/{id}` with `name` and `markdown`. With `version`,
    /// the page's revision count is checked first: a mismatch is `Conflict`.
    async fn update_page(&self, params: UpdateKbPage) -> Result<KbPage> {
        let page_id = id("id", &params.id)?;
        if let Some(v) = params.version {
            let current = self.read_page(page_id).await?;
            let now = current.revision_count.unwrap_or(0);
            if now != v {
                return Err(named(Error::conflict(format!(
                    "page `{page_id}` is at revision {now}, not {v}"
                ))));
            }
        }
        let mut body = serde_json::Map::new();
        if let Some(t) = &params.title {
            require_for(PROVIDER, "title", t)?;
            body.insert("name".into(), json!(t));
        }
        if let Some(b) = &params.body {
            body.insert("markdown".into(), json!(b));
        }
        let p: wire::Page = self
            .http
            .put(&format!("/pages/{page_id}"))
            .json(&Value::Object(body))
            .send_json()
            .await?;
        self.page(p, true)
    }

    /// `DELETE /api/pages/{id}` (to the recycle bin).
    async fn delete_page(&self, params: KbPageRef) -> Result<()> {
        self.http
            .delete(&format!("/pages/{}", id("id", &params.id)?))
            .send_unit()
            .await
    }

    /// `PUT /api/pages/{id}` with `chapter_id` (a new parent chapter) or
    /// `book_id` (a book root: the new space, or the current one).
    async fn move_page(&self, params: MoveKbPage) -> Result<KbPage> {
        let page_id = id("id", &params.id)?;
        let body = match (&params.parent_id, &params.space_id) {
            (Some(ch), _) => json!({ "chapter_id": id("parent_id", ch)? }),
            (None, Some(book)) => json!({ "book_id": id("space_id", book)? }),
            (None, None) => {
                let current = self.read_page(page_id).await?;
                json!({ "book_id": current.book_id })
            }
        };
        let p: wire::Page = self
            .http
            .put(&format!("/pages/{page_id}"))
            .json(&body)
            .send_json()
            .await?;
        self.page(p, true)
    }

    /// `GET /api/pages?filter[book_id]=…` (and `filter[chapter_id]` with
    /// `parent_id`). Bodies are not fetched.
    async fn list_pages(&self, params: ListKbPages) -> Result<Page<KbPage>> {
        let book = id("space_id", &params.space_id)?;
        let off = offset(&params.page)?;
        let chapter = params
            .parent_id
            .as_deref()
            .map(|c| id("parent_id", c))
            .transpose()?;
        let req = self
            .http
            .get("/pages")
            .query("filter[book_id]", book)
            .query_opt("filter[chapter_id]", chapter)
            .query("sort", "+id");
        let list = list::<wire::Page>(req, &params.page, off).await?;
        let items = list
            .items
            .into_iter()
            .map(|p| self.page(p, false))
            .collect::<Result<_>>()?;
        Ok(Page {
            items,
            next: list.next,
            total: list.total,
        })
    }

    /// `POST /api/attachments` (multipart: `name`, `uploaded_to`, `file`).
    async fn upload_attachment(&self, params: UploadAttachment) -> Result<Attachment> {
        let page_id = id("page_id", &params.page_id)?;
        require_for(PROVIDER, "filename", &params.filename)?;
        let media_type = params
            .media_type
            .clone()
            .unwrap_or_else(|| "application/octet-stream".to_owned());
        let form = Form::new()
            .text("name", params.filename.clone())
            .text("uploaded_to", page_id.to_string())
            .file(
                "file",
                &params.filename,
                &media_type,
                params.content.clone(),
            );
        let a: wire::Attachment = self
            .http
            .post("/attachments")
            .multipart(&form)
            .send_json()
            .await?;
        Ok(Attachment {
            download_url: Some(format!("{}/attachments/{}", self.web, a.id)),
            id: a.id.to_string(),
            page_id: a.uploaded_to.to_string(),
            filename: a.name,
            media_type: params.media_type,
            size: params.content.len() as u64,
        })
    }

    /// `GET /api/search?query=… {type:page}`; the cursor is the next
    /// result page number.
    async fn search(&self, params: Search) -> Result<Page<SearchHit>> {
        require_for(PROVIDER, "query", &params.query)?;
        let book = params
            .space_id
            .as_deref()
            .map(|s| id("space_id", s))
            .transpose()?;
        let page_no: u64 = match &params.page.cursor {
            None => 1,
            Some(c) => c.as_str().parse().ok().filter(|n| *n >= 1).ok_or_else(|| {
                named(Error::invalid_input(
                    "page.cursor",
                    "not a cursor of this listing",
                ))
            })?,
        };
        let count = params.page.size_or(SEARCH_PAGE.default, SEARCH_PAGE.max);
        let list: wire::List<wire::SearchResult> = self
            .http
            .get("/search")
            .query("query", format!("{} {{type:page}}", params.query))
            .query("page", page_no)
            .query("count", count)
            .send_json()
            .await?;
        let got = list.data.len() as u64;
        let next = (got > 0 && page_no * u64::from(count) < list.total)
            .then(|| Cursor::new((page_no + 1).to_string()));
        let hits = list
            .data
            .into_iter()
            .filter(|r| r.kind == "page")
            .filter(|r| book.is_none() || r.book_id == book)
            .map(|r| SearchHit {
                page_id: r.id.to_string(),
                space_id: r.book_id.map(|b| b.to_string()),
                title: r.name,
                excerpt: r
                    .preview_html
                    .content
                    .as_deref()
                    .map(html_text)
                    .filter(|e| !e.is_empty()),
                web_url: r.url,
            })
            .collect();
        let page = Page::new(hits, next);
        Ok(if book.is_none() {
            page.with_total(list.total)
        } else {
            page
        })
    }

    /// `GET /api/pages/{id}/export/{markdown,html,pdf,plaintext}`.
    async fn export_page(&self, params: ExportKbPage) -> Result<ExportedDoc> {
        let page_id = id("id", &params.id)?;
        let kind = match params.format {
            DocFormat::Markdown => "markdown",
            DocFormat::Html => "html",
            DocFormat::Pdf => "pdf",
            DocFormat::PlainText => "plaintext",
        };
        let resp = self
            .http
            .get(&format!("/pages/{page_id}/export/{kind}"))
            .accept("*/*")
            .send()
            .await?;
        Ok(ExportedDoc {
            format: params.format,
            content: resp.body().to_vec(),
        })
    }

    /// `POST /api/pages` with the document as `html` or `markdown` (plain
    /// text becomes Markdown paragraphs; PDF cannot be imported).
    async fn import_page(&self, params: ImportKbPage) -> Result<KbPage> {
        let text = std::str::from_utf8(&params.content).map_err(|_| {
            named(Error::invalid_input(
                "content",
                "the document is not valid UTF-8",
            ))
        });
        let content = match params.format {
            DocFormat::Html => ("html", text?.to_owned()),
            DocFormat::Markdown => ("markdown", text?.to_owned()),
            DocFormat::PlainText => ("markdown", plain_text_to_markdown(text?)),
            DocFormat::Pdf => {
                return Err(named(Error::invalid_input(
                    "format",
                    "a PDF cannot be imported: use Markdown, HTML or plain text",
                )));
            }
        };
        self.create(
            &params.space_id,
            params.parent_id.as_deref(),
            &params.title,
            content,
        )
        .await
    }

    /// `POST /api/comments` with the body as HTML.
    async fn add_comment(&self, params: AddComment) -> Result<Comment> {
        let page_id = id("page_id", &params.page_id)?;
        require_for(PROVIDER, "body", &params.body)?;
        let html = convert::markdown_to_html(&params.body);
        html.report.trace(PROVIDER, "comment to html");
        let c: wire::Comment = self
            .http
            .post("/comments")
            .json(&json!({ "page_id": page_id, "html": html.value }))
            .send_json()
            .await?;
        comment(c, Some(&html.value))
    }

    /// `GET /api/comments?filter[commentable_type]=page&filter[commentable_id]=…`,
    /// then each comment (`GET /api/comments/{id}`) for its body.
    async fn list_comments(&self, params: ListComments) -> Result<Page<Comment>> {
        let page_id = id("page_id", &params.page_id)?;
        let off = offset(&params.page)?;
        let req = self
            .http
            .get("/comments")
            .query("filter[commentable_type]", "page")
            .query("filter[commentable_id]", page_id)
            .query("sort", "+id");
        let list = list::<wire::Comment>(req, &params.page, off).await?;
        let mut items = Vec::with_capacity(list.items.len());
        for c in list.items {
            let full: wire::Comment = self
                .http
                .get(&format!("/comments/{}", c.id))
                .send_json()
                .await?;
            items.push(comment(full, None)?);
        }
        Ok(Page {
            items,
            next: list.next,
            total: list.total,
        })
    }

    /// Page create/update/restore events of the audit log, newest first;
    /// version numbers count down from the page's `revision_count`.
    async fn list_revisions(&self, params: ListRevisions) -> Result<Page<Revision>> {
        let page_id = id("page_id", &params.page_id)?;
        // Cursor: "<audit offset>:<revisions already listed>:<revision count>".
        let (off, seen, count) = match &params.page.cursor {
            None => {
                let p = self.read_page(page_id).await?;
                (0u64, 0u64, p.revision_count.unwrap_or(0))
            }
            Some(c) => {
                let parts: Vec<u64> = c
                    .as_str()
                    .split(':')
                    .map(str::parse)
                    .collect::<std::result::Result<_, _>>()
                    .map_err(|_| {
                        named(Error::invalid_input(
                            "page.cursor",
                            "not a cursor of this listing",
                        ))
                    })?;
                match parts.as_slice() {
                    [o, s, n] => (*o, *s, *n),
                    _ => {
                        return Err(named(Error::invalid_input(
                            "page.cursor",
                            "not a cursor of this listing",
                        )));
                    }
                }
            }
        };
        let req = self
            .http
            .get("/audit-log")
            .query("filter[loggable_type]", "page")
            .query("filter[loggable_id]", page_id)
            .query("sort", "-created_at");
        let list = list::<wire::Activity>(req, &params.page, off).await?;
        let mut seen = seen;
        let mut items = Vec::new();
        for a in list.items {
            if !matches!(
                a.kind.as_str(),
                "page_create" | "page_update" | "revision_restore" | "page_restore"
            ) {
                continue;
            }
            let version = count.saturating_sub(seen);
            seen += 1;
            items.push(Revision {
                id: a.id.to_string(),
                version,
                author: a.user.map(|u| u.display()),
                message: a.detail.filter(|d| !d.is_empty()),
                created_at: a.created_at,
            });
        }
        let next = list
            .next
            .map(|c| Cursor::new(format!("{}:{seen}:{count}", c.as_str())));
        Ok(Page::new(items, next))
    }
}

fn comment(c: wire::Comment, sent: Option<&str>) -> Result<Comment> {
    let html = c.html.as_deref().or(sent).unwrap_or("");
    let md = convert::html_to_markdown(html).map_err(named)?;
    if md.value.is_empty() && html.trim().is_empty() && sent.is_none() {
        return Err(named(Error::new(
            ErrorKind::Provider,
            "BookStack returned a comment without a body",
        )));
    }
    Ok(Comment {
        id: c.id.to_string(),
        author: c.created_by.map(|u| u.display()),
        body: md.value.trim_end().to_owned(),
        created_at: c.created_at,
    })
}
