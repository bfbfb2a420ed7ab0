//! [`KnowledgeBaseProvider`] for [`Notion`].

use async_trait::async_trait;
use mosaic_core::kb::*;
use mosaic_core::{Capabilities, Error, Page, PageRequest, Result};
use serde_json::{Map, Value, json};

use super::{Notion, PAGE_SIZE, PROVIDER, named, wire};
use crate::convert::{self, notion as nconv};
use crate::http::path::segment;
use crate::kb_support::{export_from_markdown, import_to_markdown, token_page};
use crate::params::require_for;

/// Plain text of a rich-text array (the `plain_text` fields, or the
/// content of text items).
fn plain(rich: &[Value]) -> String {
    rich.iter()
        .filter_map(|r| {
            r.get("plain_text")
                .and_then(Value::as_str)
                .or_else(|| r.get("text")?.get("content")?.as_str())
        })
        .collect()
}

/// Rich text for a plain string (titles, descriptions).
fn rich(text: &str) -> Value {
    json!([{ "type": "text", "text": { "content": text } }])
}

/// The name of the title property in a property map.
fn title_property(props: &Map<String, Value>) -> Option<&str> {
    props
        .iter()
        .find(|(_, v)| v.get("type").and_then(Value::as_str) == Some("title"))
        .map(|(k, _)| k.as_str())
}

fn page_title(props: &Map<String, Value>) -> String {
    title_property(props)
        .and_then(|k| props.get(k))
        .and_then(|p| p.get("title"))
        .and_then(Value::as_array)
        .map(|a| plain(a))
        .unwrap_or_default()
}

fn space(db: wire::Database) -> Space {
    Space {
        id: db.id,
        key: None,
        name: plain(&db.title),
        description: Some(plain(&db.description)).filter(|d| !d.is_empty()),
        web_url: db.url,
    }
}

fn kb_page(p: wire::Page, body: Option<String>) -> KbPage {
    let (space_id, parent_id) = match p.parent.kind.as_str() {
        "database_id" => (p.parent.database_id.unwrap_or_default(), None),
        "page_id" => {
            let id = p.parent.page_id.unwrap_or_default();
            (id.clone(), Some(id))
        }
        "block_id" => {
            let id = p.parent.block_id.unwrap_or_default();
            (id.clone(), Some(id))
        }
        _ => (String::new(), None),
    };
    KbPage {
        title: page_title(&p.properties),
        id: p.id,
        space_id,
        parent_id,
        body,
        version: None,
        web_url: p.url,
        created_at: p.created_time,
        updated_at: p.last_edited_time,
    }
}

/// The JSON body of a paginated POST.
fn paging(page: &PageRequest, mut body: Map<String, Value>) -> Value {
    body.insert(
        "page_size".into(),
        json!(page.size_or(PAGE_SIZE.default, PAGE_SIZE.max)),
    );
    if let Some(c) = &page.cursor {
        body.insert("start_cursor".into(), json!(c.as_str()));
    }
    Value::Object(body)
}

impl Notion {
    async fn database(&self, id: &str) -> Result<wire::Database> {
        require_for(PROVIDER, "id", id)?;
        self.http
            .get(&format!("/databases/{}", segment(id)))
            .send_json()
            .await
    }

    async fn page(&self, id: &str) -> Result<wire::Page> {
        require_for(PROVIDER, "id", id)?;
        self.http
            .get(&format!("/pages/{}", segment(id)))
            .send_json()
            .await
    }

    /// The page's body as Markdown.
    async fn body(&self, id: &str) -> Result<String> {
        let blocks = self.tree(id.to_owned(), 0).await?;
        let md = convert::notion_to_markdown(&blocks).map_err(named)?;
        md.report.trace(PROVIDER, "notion blocks to markdown");
        Ok(md.value)
    }

    fn blocks_of(markdown: &str) -> Vec<Value> {
        let out = convert::markdown_to_notion(markdown);
        out.report.trace(PROVIDER, "markdown to notion blocks");
        out.value
    }

    async fn create(
        &self,
        space_id: &str,
        parent_id: Option<&str>,
        title: &str,
        body: &str,
    ) -> Result<KbPage> {
        require_for(PROVIDER, "title", title)?;
        let (parent, title_key) = match parent_id {
            Some(p) => (json!({ "page_id": p }), "title".to_owned()),
            None => {
                require_for(PROVIDER, "space_id", space_id)?;
                let db = self.database(space_id).await?;
                let key = title_property(&db.properties)
                    .ok_or_else(|| {
                        named(Error::new(
                            mosaic_core::ErrorKind::Provider,
                            format!("database `{space_id}` has no title property"),
                        ))
                    })?
                    .to_owned();
                (json!({ "database_id": space_id }), key)
            }
        };
        let mut props = Map::new();
        props.insert(title_key, json!({ "title": rich(title) }));
        let created: wire::Page = self
            .http
            .post("/pages")
            .json(&json!({ "parent": parent, "properties": props }))
            .send_json()
            .await?;
        let blocks = Self::blocks_of(body);
        if !blocks.is_empty() {
            self.append(created.id.clone(), blocks).await?;
        }
        let md = convert::markdown::render(&convert::markdown::parse(body));
        Ok(kb_page(created, Some(md)))
    }
}

#[async_trait]
impl KnowledgeBaseProvider for Notion {
    fn capabilities(&self) -> Capabilities {
        Notion::operations()
    }

    /// `POST /v1/databases` under the page `params.parent`, with a `Name`
    /// title property.
    async fn create_space(&self, params: CreateSpace) -> Result<Space> {
        require_for(PROVIDER, "name", &params.name)?;
        let parent = params.parent.as_deref().ok_or_else(|| {
            named(Error::invalid_input(
                "parent",
                "Notion creates databases inside a page: give the parent page id",
            ))
        })?;
        let mut body = json!({
            "parent": { "type": "page_id", "page_id": parent },
            "title": rich(&params.name),
            "properties": { "Name": { "title": {} } },
        });
        if let Some(d) = &params.description {
            body["description"] = rich(d);
        }
        let db: wire::Database = self.http.post("/databases").json(&body).send_json().await?;
        Ok(space(db))
    }

    /// `GET /v1/databases/{id}`.
    async fn get_space(&self, params: SpaceRef) -> Result<Space> {
        Ok(space(self.database(&params.id).await?))
    }

    /// `PATCH /v1/databases/{id}` with the new title and description.
    async fn update_space(&self, params: UpdateSpace) -> Result<Space> {
        require_for(PROVIDER, "id", &params.id)?;
        let mut body = Map::new();
        if let Some(n) = &params.name {
            require_for(PROVIDER, "name", n)?;
            body.insert("title".into(), rich(n));
        }
        if let Some(d) = &params.description {
            body.insert("description".into(), rich(d));
        }
        let db: wire::Database = self
            .http
            .patch(&format!("/databases/{}", segment(&params.id)))
            .json(&Value::Object(body))
            .send_json()
            .await?;
        Ok(space(db))
    }

    /// `DELETE /v1/blocks/{id}`: the database (a block of its parent page)
    /// is archived.
    async fn delete_space(&self, params: SpaceRef) -> Result<()> {
        require_for(PROVIDER, "id", &params.id)?;
        self.http
            .delete(&format!("/blocks/{}", segment(&params.id)))
            .send_unit()
            .await
    }

    /// `POST /v1/search` filtered to databases.
    async fn list_spaces(&self, params: ListSpaces) -> Result<Page<Space>> {
        let mut body = Map::new();
        body.insert(
            "filter".into(),
            json!({ "property": "object", "value": "database" }),
        );
        let list = self
            .http
            .post("/search")
            .json(&paging(&params.page, body))
            .send_page_as::<wire::List<wire::Database>>()
            .await?;
        Ok(list.map(space))
    }

    /// `POST /v1/pages` (in the database `space_id`, or under the page
    /// `parent_id`), then the body's blocks appended.
    async fn create_page(&self, params: CreateKbPage) -> Result<KbPage> {
        self.create(
            &params.space_id,
            params.parent_id.as_deref(),
            &params.title,
            &params.body,
        )
        .await
    }

    /// `GET /v1/pages/{id}` and its block children, recursively.
    async fn get_page(&self, params: KbPageRef) -> Result<KbPage> {
        let page = self.page(&params.id).await?;
        let body = self.body(&page.id).await?;
        Ok(kb_page(page, Some(body)))
    }

    /// `PATCH /v1/pages/{id}` for the title; a new body replaces the
    /// page's blocks (see the module docs).
    async fn update_page(&self, params: UpdateKbPage) -> Result<KbPage> {
        require_for(PROVIDER, "id", &params.id)?;
        if params.version.is_some() {
            return Err(named(Error::invalid_input(
                "version",
                "Notion pages have no version numbers",
            )));
        }
        let mut page = self.page(&params.id).await?;
        if let Some(title) = &params.title {
            require_for(PROVIDER, "title", title)?;
            let key = title_property(&page.properties)
                .unwrap_or("title")
                .to_owned();
            let mut props = Map::new();
            props.insert(key, json!({ "title": rich(title) }));
            page = self
                .http
                .patch(&format!("/pages/{}", segment(&params.id)))
                .json(&json!({ "properties": props }))
                .send_json()
                .await?;
        }
        if let Some(body) = &params.body {
            self.replace_body(&params.id, Self::blocks_of(body)).await?;
        }
        let body = self.body(&params.id).await?;
        Ok(kb_page(page, Some(body)))
    }

    /// `PATCH /v1/pages/{id}` with `archived: true`.
    async fn delete_page(&self, params: KbPageRef) -> Result<()> {
        require_for(PROVIDER, "id", &params.id)?;
        self.http
            .patch(&format!("/pages/{}", segment(&params.id)))
            .json(&json!({ "archived": true }))
            .send_unit()
            .await
    }

    /// `POST /v1/databases/{id}/query`; with `parent_id`, the page's
    /// `child_page` blocks instead. Bodies are not fetched.
    async fn list_pages(&self, params: ListKbPages) -> Result<Page<KbPage>> {
        if let Some(parent) = &params.parent_id {
            require_for(PROVIDER, "parent_id", parent)?;
            let list = self.children_page(parent, &params.page).await?;
            let mut items = Vec::new();
            for b in list.items {
                if b.get("type").and_then(Value::as_str) != Some("child_page") {
                    continue;
                }
                items.push(KbPage {
                    id: b
                        .get("id")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    space_id: params.space_id.clone(),
                    parent_id: Some(parent.clone()),
                    title: b
                        .pointer("/child_page/title")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    created_at: b
                        .get("created_time")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    updated_at: b
                        .get("last_edited_time")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    ..KbPage::default()
                });
            }
            return Ok(Page::new(items, list.next));
        }
        require_for(PROVIDER, "space_id", &params.space_id)?;
        let list = self
            .http
            .post(&format!("/databases/{}/query", segment(&params.space_id)))
            .json(&paging(&params.page, Map::new()))
            .send_page_as::<wire::List<wire::Page>>()
            .await?;
        Ok(list.map(|p| kb_page(p, None)))
    }

    /// `POST /v1/search` for pages; with `space_id`, a database query
    /// filtered on the title property.
    async fn search(&self, params: Search) -> Result<Page<SearchHit>> {
        if let Some(db_id) = &params.space_id {
            let db = self.database(db_id).await?;
            let key = title_property(&db.properties).unwrap_or("Name").to_owned();
            let mut body = Map::new();
            body.insert(
                "filter".into(),
                json!({ "property": key, "title": { "contains": params.query } }),
            );
            let list = self
                .http
                .post(&format!("/databases/{}/query", segment(db_id)))
                .json(&paging(&params.page, body))
                .send_page_as::<wire::List<wire::Page>>()
                .await?;
            return Ok(list.map(|p| SearchHit {
                title: page_title(&p.properties),
                page_id: p.id,
                space_id: Some(db_id.clone()),
                excerpt: None,
                web_url: p.url,
            }));
        }
        let mut body = Map::new();
        body.insert("query".into(), json!(params.query));
        body.insert(
            "filter".into(),
            json!({ "property": "object", "value": "page" }),
        );
        let list = self
            .http
            .post("/search")
            .json(&paging(&params.page, body))
            .send_page_as::<wire::List<wire::SearchResult>>()
            .await?;
        let hits = list
            .items
            .into_iter()
            .filter(|r| r.object == "page")
            .map(|r| SearchHit {
                title: page_title(&r.properties),
                page_id: r.id,
                space_id: r.parent.database_id.or(r.parent.page_id),
                excerpt: None,
                web_url: r.url,
            })
            .collect();
        Ok(Page::new(hits, list.next))
    }

    /// The page body converted to Markdown, HTML or plain text (Notion's
    /// API has no export; PDF is `Unsupported`).
    async fn export_page(&self, params: ExportKbPage) -> Result<ExportedDoc> {
        if params.format == DocFormat::Pdf {
            return Err(named(Error::unsupported("kb.page.export (PDF)")));
        }
        let page = self.page(&params.id).await?;
        let body = self.body(&page.id).await?;
        export_from_markdown(PROVIDER, &body, params.format)
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

    /// `POST /v1/comments` on the page.
    async fn add_comment(&self, params: AddComment) -> Result<Comment> {
        require_for(PROVIDER, "page_id", &params.page_id)?;
        require_for(PROVIDER, "body", &params.body)?;
        let doc = convert::markdown::parse(&params.body);
        let inlines: Vec<convert::Inline> =
            doc.blocks
                .iter()
                .enumerate()
                .flat_map(|(n, b)| {
                    let mut v = if n > 0 {
                        vec![convert::Inline::LineBreak, convert::Inline::LineBreak]
                    } else {
                        Vec::new()
                    };
                    match b {
                        convert::Block::Paragraph(c)
                        | convert::Block::Heading { content: c, .. } => v.extend(c.iter().cloned()),
                        other => v.push(convert::Inline::Text(
                            convert::markdown::render(&convert::Document::new(vec![other.clone()]))
                                .trim_end()
                                .to_owned(),
                        )),
                    }
                    v
                })
                .collect();
        let rt = nconv::to_rich_text(&inlines);
        rt.report.trace(PROVIDER, "comment to rich text");
        let c: wire::Comment = self
            .http
            .post("/comments")
            .json(&json!({ "parent": { "page_id": params.page_id }, "rich_text": rt.value }))
            .send_json()
            .await?;
        comment(c)
    }

    /// `GET /v1/comments?block_id={page}` (open discussions only, as the
    /// API returns them).
    async fn list_comments(&self, params: ListComments) -> Result<Page<Comment>> {
        require_for(PROVIDER, "page_id", &params.page_id)?;
        let req = self
            .http
            .get("/comments")
            .query("block_id", &params.page_id);
        let list = token_page(req, PAGE_SIZE, "start_cursor", &params.page)
            .send_page_as::<wire::List<wire::Comment>>()
            .await?;
        let items = list.items.into_iter().map(comment).collect::<Result<_>>()?;
        Ok(Page::new(items, list.next))
    }
}

fn comment(c: wire::Comment) -> Result<Comment> {
    let inl = nconv::from_rich_text(&Value::Array(c.rich_text)).map_err(named)?;
    // Blank lines (two line breaks) separate paragraphs.
    let mut paragraphs = vec![Vec::new()];
    let mut breaks = 0;
    for i in inl.value {
        if i == convert::Inline::LineBreak {
            breaks += 1;
            continue;
        }
        match breaks {
            0 => {}
            1 => paragraphs
                .last_mut()
                .into_iter()
                .for_each(|p| p.push(convert::Inline::LineBreak)),
            _ => paragraphs.push(Vec::new()),
        }
        breaks = 0;
        if let Some(p) = paragraphs.last_mut() {
            p.push(i);
        }
    }
    let blocks = paragraphs
        .into_iter()
        .map(convert::Block::Paragraph)
        .collect();
    let body = convert::markdown::render(&convert::Document::new(blocks));
    Ok(Comment {
        id: c.id,
        author: c.created_by.map(|u| u.name.unwrap_or(u.id)),
        body: body.trim_end().to_owned(),
        created_at: c.created_time,
    })
}
