//! [`KnowledgeBaseProvider`] for [`Confluence`].

use async_trait::async_trait;
use mosaic_core::kb::*;
use mosaic_core::{Capabilities, Error, ErrorKind, Page, PageRequest, Result};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::{Confluence, PAGE_SIZE, PROVIDER, named, wire};
use crate::convert;
use crate::http::RequestSpec;
use crate::http::multipart::Form;
use crate::http::path::segment;
use crate::kb_support::{export_from_markdown, import_to_markdown, token_page};
use crate::params::require_for;

fn id_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Strip search highlight markers.
fn unhighlight(s: &str) -> String {
    s.replace("@@@hl@@@", "").replace("@@@endhl@@@", "")
}

/// Markdown to storage format (the report is logged).
fn storage_of(markdown: &str) -> String {
    let out = convert::markdown_to_storage(markdown);
    out.report.trace(PROVIDER, "markdown to storage");
    out.value
}

/// Storage format to Markdown (the report is logged).
fn markdown_of(storage: &str) -> Result<String> {
    let out = convert::storage_to_markdown(storage).map_err(named)?;
    out.report.trace(PROVIDER, "storage to markdown");
    Ok(out.value)
}

/// A space key from a name: its ASCII letters and digits, upper-cased.
fn key_from_name(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .take(32)
        .collect::<String>()
        .to_ascii_uppercase()
}

impl Confluence {
    fn web(&self, links: &wire::Links) -> Option<String> {
        let path = links.webui.as_deref()?;
        if path.starts_with("http://") || path.starts_with("https://") {
            return Some(path.to_owned());
        }
        let base = links.base.clone().unwrap_or_else(|| {
            self.http
                .base_url()
                .as_str()
                .trim_end_matches('/')
                .to_owned()
        });
        Some(format!("{}{path}", base.trim_end_matches('/')))
    }

    fn space(&self, s: wire::Space) -> Space {
        Space {
            id: id_string(&s.id),
            web_url: self.web(&s.links),
            key: Some(s.key),
            name: s.name,
            description: s
                .description
                .and_then(|d| d.plain)
                .map(|p| p.value)
                .filter(|d| !d.is_empty()),
        }
    }

    fn page(&self, p: wire::Page) -> Result<KbPage> {
        let body = match p.body.as_ref().and_then(|b| b.storage.as_ref()) {
            Some(s) => Some(markdown_of(&s.value)?),
            None => None,
        };
        Ok(KbPage {
            web_url: self.web(&p.links),
            id: p.id,
            space_id: p.space_id.unwrap_or_default(),
            parent_id: p.parent_id,
            title: p.title,
            body,
            version: p.version.as_ref().map(|v| v.number),
            created_at: p.created_at,
            updated_at: p.version.and_then(|v| v.created_at),
        })
    }

    async fn v2_space(&self, id: &str) -> Result<wire::Space> {
        require_for(PROVIDER, "id", id)?;
        self.http
            .get(&format!("/api/v2/spaces/{}", segment(id)))
            .query("description-format", "plain")
            .send_json()
            .await
    }

    async fn v2_page(&self, id: &str, format: &str) -> Result<wire::Page> {
        require_for(PROVIDER, "id", id)?;
        self.http
            .get(&format!("/api/v2/pages/{}", segment(id)))
            .query("body-format", format)
            .send_json()
            .await
    }

    async fn create(
        &self,
        space_id: &str,
        parent_id: Option<&str>,
        title: &str,
        markdown: &str,
    ) -> Result<KbPage> {
        require_for(PROVIDER, "space_id", space_id)?;
        require_for(PROVIDER, "title", title)?;
        let storage = storage_of(markdown);
        let mut body = json!({
            "spaceId": space_id,
            "status": "current",
            "title": title,
            "body": { "representation": "storage", "value": storage },
        });
        if let Some(p) = parent_id {
            body["parentId"] = json!(p);
        }
        let mut page: wire::Page = self
            .http
            .post("/api/v2/pages")
            .json(&body)
            .send_json()
            .await?;
        if page
            .body
            .as_ref()
            .and_then(|b| b.storage.as_ref())
            .is_none()
        {
            page.body = Some(wire::Body {
                storage: Some(wire::Value { value: storage }),
                export_view: None,
            });
        }
        self.page(page)
    }

    /// One page of a v2 listing (`limit`, `cursor`, `_links.next`).
    async fn list<T: DeserializeOwned>(
        &self,
        req: RequestSpec<'_>,
        page: &PageRequest,
    ) -> Result<Page<T>> {
        token_page(req, PAGE_SIZE, "cursor", page)
            .send_page_as::<wire::List<T>>()
            .await
    }
}

#[async_trait]
impl KnowledgeBaseProvider for Confluence {
    fn capabilities(&self) -> Capabilities {
        Confluence::operations()
    }

    /// v1 `POST /rest/api/space`. Without a key, the name's letters and
    /// digits, upper-cased, are the key.
    async fn create_space(&self, params: CreateSpace) -> Result<Space> {
        require_for(PROVIDER, "name", &params.name)?;
        let key = params
            .key
            .clone()
            .unwrap_or_else(|| key_from_name(&params.name));
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(named(Error::invalid_input(
                "key",
                "a Confluence space key is made of ASCII letters and digits",
            )));
        }
        let mut body = json!({ "key": key, "name": params.name });
        if let Some(d) = &params.description {
            body["description"] = json!({ "plain": { "value": d, "representation": "plain" } });
        }
        let s: wire::Space = self
            .http
            .post("/rest/api/space")
            .json(&body)
            .send_json()
            .await?;
        Ok(self.space(s))
    }

    /// `GET /api/v2/spaces/{id}`.
    async fn get_space(&self, params: SpaceRef) -> Result<Space> {
        let s = self.v2_space(&params.id).await?;
        Ok(self.space(s))
    }

    /// v1 `PUT /rest/api/space/{key}` (the key read with v2 first).
    async fn update_space(&self, params: UpdateSpace) -> Result<Space> {
        let current = self.v2_space(&params.id).await?;
        let name = params.name.clone().unwrap_or(current.name.clone());
        require_for(PROVIDER, "name", &name)?;
        let mut body = json!({ "name": name });
        if let Some(d) = &params.description {
            body["description"] = json!({ "plain": { "value": d, "representation": "plain" } });
        }
        let s: wire::Space = self
            .http
            .put(&format!("/rest/api/space/{}", segment(&current.key)))
            .json(&body)
            .send_json()
            .await?;
        Ok(self.space(s))
    }

    /// v1 `DELETE /rest/api/space/{key}` (Confluence deletes the space in
    /// the background).
    async fn delete_space(&self, params: SpaceRef) -> Result<()> {
        let current = self.v2_space(&params.id).await?;
        self.http
            .delete(&format!("/rest/api/space/{}", segment(&current.key)))
            .send_unit()
            .await
    }

    /// `GET /api/v2/spaces`.
    async fn list_spaces(&self, params: ListSpaces) -> Result<Page<Space>> {
        let req = self
            .http
            .get("/api/v2/spaces")
            .query("description-format", "plain");
        let list = self.list::<wire::Space>(req, &params.page).await?;
        Ok(list.map(|s| self.space(s)))
    }

    /// `POST /api/v2/pages` with the body in storage format.
    async fn create_page(&self, params: CreateKbPage) -> Result<KbPage> {
        self.create(
            &params.space_id,
            params.parent_id.as_deref(),
            &params.title,
            &params.body,
        )
        .await
    }

    /// `GET /api/v2/pages/{id}?body-format=storage`.
    async fn get_page(&self, params: KbPageRef) -> Result<KbPage> {
        let p = self.v2_page(&params.id, "storage").await?;
        self.page(p)
    }

    /// `PUT /api/v2/pages/{id}` with version number `version + 1`. The
    /// current page is read first when the title, body or version is not
    /// given; a `version` that is not the current one is `Conflict`
    /// (locally, or from Confluence's 409).
    async fn update_page(&self, params: UpdateKbPage) -> Result<KbPage> {
        require_for(PROVIDER, "id", &params.id)?;
        let (title, storage, version) = match (&params.title, &params.body, params.version) {
            (Some(t), Some(b), Some(v)) => (t.clone(), storage_of(b), v),
            _ => {
                let current = self.v2_page(&params.id, "storage").await?;
                let number = current.version.as_ref().map(|v| v.number).ok_or_else(|| {
                    named(Error::new(
                        ErrorKind::Provider,
                        "the page has no version number",
                    ))
                })?;
                if let Some(v) = params.version
                    && v != number
                {
                    return Err(named(Error::conflict(format!(
                        "page `{}` is at version {number}, not {v}",
                        params.id
                    ))));
                }
                let storage = match &params.body {
                    Some(b) => storage_of(b),
                    None => current
                        .body
                        .and_then(|b| b.storage)
                        .map(|s| s.value)
                        .unwrap_or_default(),
                };
                (
                    params.title.clone().unwrap_or(current.title),
                    storage,
                    number,
                )
            }
        };
        require_for(PROVIDER, "title", &title)?;
        let mut page: wire::Page = self
            .http
            .put(&format!("/api/v2/pages/{}", segment(&params.id)))
            .json(&json!({
                "id": params.id,
                "status": "current",
                "title": title,
                "body": { "representation": "storage", "value": storage },
                "version": { "number": version + 1 },
            }))
            .send_json()
            .await?;
        if page
            .body
            .as_ref()
            .and_then(|b| b.storage.as_ref())
            .is_none()
        {
            page.body = Some(wire::Body {
                storage: Some(wire::Value { value: storage }),
                export_view: None,
            });
        }
        self.page(page)
    }

    /// `DELETE /api/v2/pages/{id}` (to the trash).
    async fn delete_page(&self, params: KbPageRef) -> Result<()> {
        require_for(PROVIDER, "id", &params.id)?;
        self.http
            .delete(&format!("/api/v2/pages/{}", segment(&params.id)))
            .send_unit()
            .await
    }

    /// v1 `PUT /rest/api/content/{id}/move/append/{target}`: under the new
    /// parent, or under the home page of the (new or current) space.
    async fn move_page(&self, params: MoveKbPage) -> Result<KbPage> {
        require_for(PROVIDER, "id", &params.id)?;
        let target = match &params.parent_id {
            Some(p) => {
                require_for(PROVIDER, "parent_id", p)?;
                p.clone()
            }
            None => {
                let space_id = match &params.space_id {
                    Some(s) => s.clone(),
                    None => self
                        .v2_page(&params.id, "storage")
                        .await?
                        .space_id
                        .unwrap_or_default(),
                };
                self.v2_space(&space_id).await?.homepage_id.ok_or_else(|| {
                    named(Error::invalid_input(
                        "space_id",
                        "the space has no home page to move the page under",
                    ))
                })?
            }
        };
        self.http
            .put(&format!(
                "/rest/api/content/{}/move/append/{}",
                segment(&params.id),
                segment(&target)
            ))
            .send_unit()
            .await?;
        let p = self.v2_page(&params.id, "storage").await?;
        self.page(p)
    }

    /// `GET /api/v2/spaces/{id}/pages`, or `GET /api/v2/pages/{id}/children`
    /// with `parent_id`. Bodies are not fetched.
    async fn list_pages(&self, params: ListKbPages) -> Result<Page<KbPage>> {
        let path = match &params.parent_id {
            Some(p) => {
                require_for(PROVIDER, "parent_id", p)?;
                format!("/api/v2/pages/{}/children", segment(p))
            }
            None => {
                require_for(PROVIDER, "space_id", &params.space_id)?;
                format!("/api/v2/spaces/{}/pages", segment(&params.space_id))
            }
        };
        let list = self
            .list::<wire::Page>(self.http.get(&path), &params.page)
            .await?;
        let mut items = Vec::with_capacity(list.items.len());
        for mut p in list.items {
            p.body = None;
            let mut page = self.page(p)?;
            if page.space_id.is_empty() {
                page.space_id = params.space_id.clone();
            }
            if page.parent_id.is_none() {
                page.parent_id = params.parent_id.clone();
            }
            items.push(page);
        }
        Ok(Page::new(items, list.next))
    }

    /// v1 `POST /rest/api/content/{id}/child/attachment` (multipart `file`).
    async fn upload_attachment(&self, params: UploadAttachment) -> Result<Attachment> {
        require_for(PROVIDER, "page_id", &params.page_id)?;
        require_for(PROVIDER, "filename", &params.filename)?;
        let media_type = params
            .media_type
            .clone()
            .unwrap_or_else(|| "application/octet-stream".to_owned());
        let form = Form::new()
            .file(
                "file",
                &params.filename,
                &media_type,
                params.content.clone(),
            )
            .text("minorEdit", "true");
        let out: wire::Attachments = self
            .http
            .post(&format!(
                "/rest/api/content/{}/child/attachment",
                segment(&params.page_id)
            ))
            .header(
                http::header::HeaderName::from_static("x-atlassian-token"),
                "no-check",
            )
            .multipart(&form)
            .send_json()
            .await?;
        let a = out.results.into_iter().next().ok_or_else(|| {
            named(Error::new(
                ErrorKind::Provider,
                "Confluence returned no attachment",
            ))
        })?;
        let download_url = a
            .links
            .download
            .as_deref()
            .map(|d| format!("{}{d}", self.http.base_url().as_str().trim_end_matches('/')));
        Ok(Attachment {
            id: a.id,
            page_id: params.page_id,
            filename: a.title,
            media_type: a.extensions.media_type.or(params.media_type),
            size: a
                .extensions
                .file_size
                .unwrap_or(params.content.len() as u64),
            download_url,
        })
    }

    /// CQL `type = page AND text ~ "…"` (and `space = KEY`) through v1
    /// `GET /rest/api/search`.
    async fn search(&self, params: Search) -> Result<Page<SearchHit>> {
        require_for(PROVIDER, "query", &params.query)?;
        let escaped = params.query.replace('\\', "\\\\").replace('"', "\\\"");
        let mut cql = format!("type = page AND text ~ \"{escaped}\"");
        if let Some(sid) = &params.space_id {
            let key = self.v2_space(sid).await?.key;
            cql.push_str(&format!(" AND space = \"{key}\""));
        }
        let req = self
            .http
            .get("/rest/api/search")
            .query("cql", &cql)
            .query("expand", "content.space");
        let found: wire::Search = token_page(req, PAGE_SIZE, "cursor", &params.page)
            .send_json()
            .await?;
        let next = found.links.next_cursor();
        let base = self
            .http
            .base_url()
            .as_str()
            .trim_end_matches('/')
            .to_owned();
        let hits = found
            .results
            .into_iter()
            .filter_map(|r| {
                let content = r.content?;
                Some(SearchHit {
                    page_id: content.id,
                    space_id: content
                        .space
                        .and_then(|s| s.id)
                        .map(|v| id_string(&v))
                        .or_else(|| params.space_id.clone()),
                    title: unhighlight(&r.title),
                    excerpt: r.excerpt.map(|e| unhighlight(&e)).filter(|e| !e.is_empty()),
                    web_url: r.url.map(|u| format!("{base}{u}")),
                })
            })
            .collect();
        let page = Page::new(hits, next);
        Ok(match found.total_size {
            Some(t) => page.with_total(t),
            None => page,
        })
    }

    /// Markdown and plain text from the storage body; HTML from
    /// `body-format=export_view`; PDF is `Unsupported`.
    async fn export_page(&self, params: ExportKbPage) -> Result<ExportedDoc> {
        match params.format {
            DocFormat::Pdf => Err(named(Error::unsupported("kb.page.export (PDF)"))),
            DocFormat::Html => {
                let p = self.v2_page(&params.id, "export_view").await?;
                let html = p
                    .body
                    .and_then(|b| b.export_view)
                    .map(|v| v.value)
                    .unwrap_or_default();
                Ok(ExportedDoc {
                    format: DocFormat::Html,
                    content: html.into_bytes(),
                })
            }
            format => {
                let p = self.get_page(KbPageRef { id: params.id }).await?;
                export_from_markdown(PROVIDER, p.body.as_deref().unwrap_or(""), format)
            }
        }
    }

    /// A new page from Markdown, HTML or plain text.
    async fn import_page(&self, params: ImportKbPage) -> Result<KbPage> {
        let md = import_to_markdown(PROVIDER, params.format, &params.content)?;
        self.create(
            &params.space_id,
            params.parent_id.as_deref(),
            &params.title,
            &md,
        )
        .await
    }

    /// `POST /api/v2/footer-comments`.
    async fn add_comment(&self, params: AddComment) -> Result<Comment> {
        require_for(PROVIDER, "page_id", &params.page_id)?;
        require_for(PROVIDER, "body", &params.body)?;
        let storage = storage_of(&params.body);
        let c: wire::Comment = self
            .http
            .post("/api/v2/footer-comments")
            .json(&json!({
                "pageId": params.page_id,
                "body": { "representation": "storage", "value": storage },
            }))
            .send_json()
            .await?;
        comment(c, Some(&storage))
    }

    /// `GET /api/v2/pages/{id}/footer-comments?body-format=storage`.
    async fn list_comments(&self, params: ListComments) -> Result<Page<Comment>> {
        require_for(PROVIDER, "page_id", &params.page_id)?;
        let req = self
            .http
            .get(&format!(
                "/api/v2/pages/{}/footer-comments",
                segment(&params.page_id)
            ))
            .query("body-format", "storage");
        let list = self.list::<wire::Comment>(req, &params.page).await?;
        let items = list
            .items
            .into_iter()
            .map(|c| comment(c, None))
            .collect::<Result<_>>()?;
        Ok(Page::new(items, list.next))
    }

    /// `GET /api/v2/pages/{id}/versions`, newest first.
    async fn list_revisions(&self, params: ListRevisions) -> Result<Page<Revision>> {
        require_for(PROVIDER, "page_id", &params.page_id)?;
        let req = self
            .http
            .get(&format!(
                "/api/v2/pages/{}/versions",
                segment(&params.page_id)
            ))
            .query("sort", "-modified-date");
        let list = self.list::<wire::Version>(req, &params.page).await?;
        Ok(list.map(|v| Revision {
            id: v.number.to_string(),
            version: v.number,
            author: v.author_id,
            message: v.message.filter(|m| !m.is_empty()),
            created_at: v.created_at,
        }))
    }
}

fn comment(c: wire::Comment, sent: Option<&str>) -> Result<Comment> {
    let storage = c
        .body
        .and_then(|b| b.storage)
        .map(|s| s.value)
        .or_else(|| sent.map(str::to_owned))
        .unwrap_or_default();
    let body = markdown_of(&storage)?;
    Ok(Comment {
        id: c.id,
        author: c.version.as_ref().and_then(|v| v.author_id.clone()),
        body: body.trim_end().to_owned(),
        created_at: c.version.and_then(|v| v.created_at),
    })
}
