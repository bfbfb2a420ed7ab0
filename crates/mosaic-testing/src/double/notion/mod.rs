//! A double of the Notion API (`Notion-Version: 2022-06-28`,
//! <https://developers.notion.com/reference>) over a
//! [`FakeKnowledgeBase`], served under `/v1`.
//!
//! Databases are the fake's spaces (each with one title property,
//! `Name`), pages its pages (in a database, or under a page, where they
//! are listed among the parent's children as `child_page` blocks, as a
//! database made in a page is as a `child_database` block). A page's
//! content is a tree of blocks kept by the double as they were sent
//! (with `id`, `parent`, `has_children` and times added, rich text given
//! its `plain_text`), so the adapter's own Markdown ⇄ block conversion is
//! what gets checked; the fake's page body is kept in step as the plain
//! text of the blocks, one paragraph per block, which is what search and
//! export see there. Served: `POST /v1/databases`, `GET`/`PATCH
//! /v1/databases/{id}`, `POST /v1/databases/{id}/query` (a `title` or
//! `rich_text` filter on the title property with `equals`, `contains` or
//! `starts_with`), `POST /v1/pages`, `GET`/`PATCH /v1/pages/{id}`
//! (`properties`, `archived`, `in_trash`), `GET`/`PATCH
//! /v1/blocks/{id}/children`, `GET`/`DELETE /v1/blocks/{id}`, `POST
//! /v1/search` (titles only, as Notion's search), `POST`/`GET
//! /v1/comments`. Lists take `page_size` (at most 100) and
//! `start_cursor`, and answer `next_cursor` and `has_more`. Requests must
//! carry `Authorization: Bearer <token>` with the token given to
//! [`NotionApi::new`] and a `Notion-Version` header. Errors are
//! `{"object": "error", "status", "code", "message"}`.
//!
//! As in Notion, an archived (deleted) page or database can still be read
//! (with `archived: true`, a page's blocks too) and is left out of
//! queries and search. Left
//! out: users, properties other than the title, file uploads, database
//! rows' other property types, block updates in place, `after` on
//! append, and sorting.

// Handlers answer an error as the HTTP response itself, once per request.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use http::StatusCode;
use mosaic_core::kb::*;
use mosaic_core::{Error, ErrorKind};
use parking_lot::Mutex;
use serde_json::{Value, json};

mod blocks;

use super::kb_common::{all, cursor_of, num, offset_of};
use super::{Api, ApiRequest, ApiResponse};
use crate::FakeKnowledgeBase;
use blocks::fill_rich;

/// The Notion API over a fake knowledge base; see the [module docs](self).
pub struct NotionApi {
    kb: FakeKnowledgeBase,
    token: String,
    state: Mutex<State>,
}

impl std::fmt::Debug for NotionApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotionApi").finish_non_exhaustive()
    }
}

#[derive(Default)]
struct State {
    next: u64,
    /// Block id → its JSON (no children) and its parent (page or block).
    blocks: BTreeMap<String, (Value, String)>,
    /// Page or block id → child block ids, in order.
    children: BTreeMap<String, Vec<String>>,
    /// Database id → the page it was made in.
    db_parent: BTreeMap<String, String>,
    /// Archived pages and databases, as last seen.
    archived: BTreeMap<String, Value>,
    /// Comment id → rich text.
    comments: BTreeMap<String, Value>,
    /// `child_page` and `child_database` blocks (their ids are the page's
    /// or database's), listed among their parent page's children.
    links: BTreeMap<String, Value>,
}

type Reply = Result<ApiResponse, ApiResponse>;

const USER: &str = "00000000-0000-4000-8000-00000000fa4e";

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> ApiResponse {
    ApiResponse::json(
        status,
        &json!({ "object": "error", "status": status.as_u16(), "code": code, "message": message.into() }),
    )
}

fn not_found(id: &str) -> ApiResponse {
    error(
        StatusCode::NOT_FOUND,
        "object_not_found",
        format!(
            "Could not find block with ID: {id}. Make sure the relevant pages and databases are shared with your integration."
        ),
    )
}

fn invalid(message: impl Into<String>) -> ApiResponse {
    error(StatusCode::BAD_REQUEST, "validation_error", message)
}

fn fail(e: Error) -> ApiResponse {
    match e.kind() {
        ErrorKind::NotFound => error(StatusCode::NOT_FOUND, "object_not_found", e.message()),
        ErrorKind::Conflict => error(StatusCode::CONFLICT, "conflict_error", e.message()),
        ErrorKind::InvalidInput => invalid(e.message()),
        _ => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_server_error",
            e.message(),
        ),
    }
}

/// The plain text of a rich-text array.
fn plain(rich: &Value) -> String {
    rich.as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| {
            r.get("plain_text")
                .or_else(|| r.pointer("/text/content"))
                .and_then(Value::as_str)
        })
        .collect()
}

fn rich(text: &str) -> Value {
    json!([{
        "type": "text",
        "text": { "content": text, "link": null },
        "annotations": { "bold": false, "italic": false, "strikethrough": false, "underline": false, "code": false, "color": "default" },
        "plain_text": text,
        "href": null,
    }])
}

/// The title of a page's properties (the property of type `title`, or
/// any property holding a `title` array).
fn title_of(props: &Value) -> Option<String> {
    props
        .as_object()?
        .values()
        .find_map(|p| p.get("title").filter(|t| t.is_array()))
        .map(plain)
}

/// One page of a Notion list by `page_size` and `start_cursor`.
fn list_page(items: Vec<Value>, size: Option<u64>, cursor: Option<&str>) -> Reply {
    let size = size.unwrap_or(100);
    if !(1..=100).contains(&size) {
        return Err(invalid("body.page_size should be ≤ `100` and ≥ `1`."));
    }
    let offset = match cursor {
        None => 0,
        Some(c) => offset_of(c).ok_or_else(|| invalid("start_cursor should be a valid cursor."))?,
    };
    let size = size as usize;
    let total = items.len();
    let results: Vec<Value> = items.into_iter().skip(offset).take(size).collect();
    let more = offset + size < total;
    Ok(ApiResponse::ok(&json!({
        "object": "list",
        "results": results,
        "next_cursor": more.then(|| cursor_of(offset + size)),
        "has_more": more,
        "type": "page_or_database",
        "page_or_database": {},
    })))
}

impl State {
    /// List page or database `id` among the children of page `parent`.
    fn link(&mut self, parent: &str, id: &str, kind: &str, title: &str) {
        let block = json!({
            "object": "block",
            "id": id,
            "parent": { "type": "page_id", "page_id": parent },
            "type": kind,
            kind: { "title": title },
            "created_by": { "object": "user", "id": USER },
            "has_children": true,
            "archived": false,
            "in_trash": false,
        });
        self.links.insert(id.to_owned(), block);
        self.children
            .entry(parent.to_owned())
            .or_default()
            .push(id.to_owned());
    }

    /// Take page or database `id` out of its parent's children.
    fn unlink(&mut self, id: &str) {
        if let Some(link) = self.links.remove(id)
            && let Some(parent) = link.pointer("/parent/page_id").and_then(Value::as_str)
            && let Some(list) = self.children.get_mut(parent)
        {
            list.retain(|c| c != id);
        }
    }
}

impl NotionApi {
    /// The API over `kb`, accepting the integration token `token`.
    pub fn new(kb: FakeKnowledgeBase, token: &str) -> Self {
        NotionApi {
            kb,
            token: format!("Bearer {token}"),
            state: Mutex::new(State::default()),
        }
    }

    fn database(&self, s: &Space) -> Value {
        json!({
            "object": "database",
            "id": s.id,
            "created_time": "2024-01-01T00:00:00.000Z",
            "last_edited_time": "2024-01-01T00:00:00.000Z",
            "title": rich(&s.name),
            "description": rich(s.description.as_deref().unwrap_or_default()),
            "properties": { "Name": { "id": "title", "name": "Name", "type": "title", "title": {} } },
            "parent": match self.state.lock().db_parent.get(&s.id) {
                Some(p) => json!({ "type": "page_id", "page_id": p }),
                None => json!({ "type": "workspace", "workspace": true }),
            },
            "url": format!("https://www.notion.so/{}", s.id),
            "archived": false,
            "in_trash": false,
            "is_inline": false,
        })
    }

    fn page(&self, p: &KbPage) -> Value {
        let (parent, key) = match &p.parent_id {
            Some(parent) => (json!({ "type": "page_id", "page_id": parent }), "title"),
            None => (
                json!({ "type": "database_id", "database_id": p.space_id }),
                "Name",
            ),
        };
        let stamp = |t: &Option<String>| {
            t.as_deref()
                .and_then(|t| t.strip_suffix('Z'))
                .map(|t| format!("{t}.000Z"))
        };
        json!({
            "object": "page",
            "id": p.id,
            "created_time": stamp(&p.created_at),
            "last_edited_time": stamp(&p.updated_at),
            "created_by": { "object": "user", "id": USER },
            "last_edited_by": { "object": "user", "id": USER },
            "parent": parent,
            "archived": false,
            "in_trash": false,
            "properties": { key: { "id": "title", "type": "title", "title": rich(&p.title) } },
            "url": format!("https://www.notion.so/{}", p.id),
        })
    }

    fn archived(&self, id: &str) -> Option<Value> {
        self.state.lock().archived.get(id).cloned()
    }

    async fn live_page(&self, id: &str) -> Result<KbPage, ApiResponse> {
        self.kb
            .get_page(KbPageRef { id: id.to_owned() })
            .await
            .map_err(|_| not_found(id))
    }

    async fn live_db(&self, id: &str) -> Result<Space, ApiResponse> {
        self.kb
            .get_space(SpaceRef { id: id.to_owned() })
            .await
            .map_err(|_| not_found(id))
    }

    async fn route(&self, r: &ApiRequest) -> Reply {
        if r.header("authorization") != Some(self.token.as_str()) {
            return Err(error(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "API token is invalid.",
            ));
        }
        if r.header("notion-version").is_none() {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "missing_version",
                "Notion-Version header failed validation: Notion-Version header should be defined.",
            ));
        }
        let body: Value = if r.body.is_empty() {
            json!({})
        } else {
            r.json().map_err(|_| invalid("Error parsing JSON body."))?
        };
        let size = || body.get("page_size").and_then(Value::as_u64);
        let start = || body.get("start_cursor").and_then(Value::as_str);
        // Databases.
        if r.route("POST", "/v1/databases").is_some() {
            return self.create_database(&body).await;
        }
        if let Some(c) = r.route("GET", "/v1/databases/{id}") {
            if let Some(v) = self.archived(&c[0]).filter(|v| v["object"] == "database") {
                return Ok(ApiResponse::ok(&v));
            }
            let s = self.live_db(&c[0]).await?;
            return Ok(ApiResponse::ok(&self.database(&s)));
        }
        if let Some(c) = r.route("PATCH", "/v1/databases/{id}") {
            self.live_db(&c[0]).await?;
            let s = self
                .kb
                .update_space(UpdateSpace {
                    id: c[0].clone(),
                    name: body.get("title").map(plain),
                    description: body.get("description").map(plain),
                })
                .await
                .map_err(fail)?;
            return Ok(ApiResponse::ok(&self.database(&s)));
        }
        if let Some(c) = r.route("POST", "/v1/databases/{id}/query") {
            self.live_db(&c[0]).await?;
            let pages = all(|page| {
                self.kb.list_pages(ListKbPages {
                    space_id: c[0].clone(),
                    parent_id: None,
                    page,
                })
            })
            .await
            .map_err(fail)?;
            let filter = body.get("filter");
            let mut items = Vec::new();
            for p in pages.iter().filter(|p| p.parent_id.is_none()) {
                if let Some(f) = filter
                    && !title_filter(f, &p.title)?
                {
                    continue;
                }
                items.push(self.page(p));
            }
            return list_page(items, size(), start());
        }
        // Pages.
        if r.route("POST", "/v1/pages").is_some() {
            return self.create_page(&body).await;
        }
        if let Some(c) = r.route("GET", "/v1/pages/{id}") {
            if let Some(v) = self.archived(&c[0]).filter(|v| v["object"] == "page") {
                return Ok(ApiResponse::ok(&v));
            }
            let p = self.live_page(&c[0]).await?;
            return Ok(ApiResponse::ok(&self.page(&p)));
        }
        if let Some(c) = r.route("PATCH", "/v1/pages/{id}") {
            return self.update_page(&c[0], &body).await;
        }
        // Blocks.
        if let Some(c) = r.route("GET", "/v1/blocks/{id}/children") {
            let id = &c[0];
            let known = self.state.lock().blocks.contains_key(id) || self.archived(id).is_some();
            if !known {
                self.live_page(id).await?;
            }
            let items: Vec<Value> = {
                let s = self.state.lock();
                s.children
                    .get(id)
                    .into_iter()
                    .flatten()
                    .map(|b| Self::render_block(&s, b))
                    .collect()
            };
            let size = r.query("page_size").and_then(num);
            return list_page(items, size, r.query("start_cursor"));
        }
        if let Some(c) = r.route("PATCH", "/v1/blocks/{id}/children") {
            return self.append(&c[0], &body).await;
        }
        if let Some(c) = r.route("GET", "/v1/blocks/{id}") {
            let s = self.state.lock();
            return match s.blocks.contains_key(&c[0]) {
                true => Ok(ApiResponse::ok(&Self::render_block(&s, &c[0]))),
                false => Err(not_found(&c[0])),
            };
        }
        if let Some(c) = r.route("DELETE", "/v1/blocks/{id}") {
            return self.delete_block(&c[0]).await;
        }
        // Search and comments.
        if r.route("POST", "/v1/search").is_some() {
            return self.search(&body).await;
        }
        if r.route("POST", "/v1/comments").is_some() {
            return self.add_comment(&body).await;
        }
        if r.route("GET", "/v1/comments").is_some() {
            let page = r
                .query("block_id")
                .ok_or_else(|| invalid("block_id should be defined."))?;
            self.live_page(page).await?;
            let list = all(|p| {
                self.kb.list_comments(ListComments {
                    page_id: page.to_owned(),
                    page: p,
                })
            })
            .await
            .map_err(fail)?;
            let items = list.iter().map(|c| self.comment(c, page)).collect();
            let size = r.query("page_size").and_then(num);
            return list_page(items, size, r.query("start_cursor"));
        }
        Err(error(
            StatusCode::BAD_REQUEST,
            "invalid_request_url",
            "Invalid request URL.",
        ))
    }

    async fn create_database(&self, body: &Value) -> Reply {
        let parent = body
            .pointer("/parent/page_id")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("body.parent.page_id should be defined."))?
            .to_owned();
        self.live_page(&parent).await?;
        let has_title = body
            .get("properties")
            .and_then(Value::as_object)
            .is_some_and(|p| p.values().any(|v| v.get("title").is_some()));
        if !has_title {
            return Err(invalid(
                "Title property is missing from the database schema.",
            ));
        }
        let s = self
            .kb
            .create_space(CreateSpace {
                key: None,
                name: body.get("title").map(plain).unwrap_or_default(),
                description: body.get("description").map(plain).filter(|d| !d.is_empty()),
                parent: None,
            })
            .await
            .map_err(fail)?;
        {
            let mut st = self.state.lock();
            st.link(&parent, &s.id, "child_database", &s.name);
            st.db_parent.insert(s.id.clone(), parent);
        }
        Ok(ApiResponse::ok(&self.database(&s)))
    }

    async fn create_page(&self, body: &Value) -> Reply {
        let props = body.get("properties").cloned().unwrap_or(json!({}));
        let title = title_of(&props).unwrap_or_default();
        let (space_id, parent_id) =
            if let Some(db) = body.pointer("/parent/database_id").and_then(Value::as_str) {
                let s = self.live_db(db).await?;
                if props.get("Name").is_none() {
                    return Err(invalid("Name is not a property that exists."));
                }
                (s.id, None)
            } else if let Some(p) = body.pointer("/parent/page_id").and_then(Value::as_str) {
                let parent = self.live_page(p).await?;
                (parent.space_id, Some(parent.id))
            } else {
                return Err(invalid("body.parent should be a page_id or a database_id."));
            };
        let p = self
            .kb
            .create_page(CreateKbPage {
                space_id,
                parent_id,
                title,
                body: String::new(),
            })
            .await
            .map_err(fail)?;
        if let Some(parent) = &p.parent_id {
            self.state
                .lock()
                .link(parent, &p.id, "child_page", &p.title);
        }
        if let Some(children) = body.get("children").and_then(Value::as_array) {
            self.append(&p.id, &json!({ "children": children })).await?;
        }
        Ok(ApiResponse::ok(&self.page(&p)))
    }

    async fn update_page(&self, id: &str, body: &Value) -> Reply {
        if self.archived(id).is_some() {
            return Err(invalid(format!(
                "Can't edit block that is archived. You must unarchive the block before editing: {id}"
            )));
        }
        let p = self.live_page(id).await?;
        let archive = [body.get("archived"), body.get("in_trash")]
            .iter()
            .any(|v| v.and_then(Value::as_bool) == Some(true));
        let mut page = p.clone();
        if let Some(title) = body.get("properties").and_then(title_of) {
            page = self
                .kb
                .update_page(UpdateKbPage {
                    id: id.to_owned(),
                    title: Some(title),
                    body: None,
                    version: None,
                })
                .await
                .map_err(fail)?;
        }
        let mut v = self.page(&page);
        if archive {
            v["archived"] = json!(true);
            v["in_trash"] = json!(true);
            self.kb
                .delete_page(KbPageRef { id: id.to_owned() })
                .await
                .map_err(fail)?;
            // Its blocks stay readable, as an archived page's do.
            let mut st = self.state.lock();
            st.archived.insert(id.to_owned(), v.clone());
            st.unlink(id);
        }
        Ok(ApiResponse::ok(&v))
    }

    async fn search(&self, body: &Value) -> Reply {
        let query = body
            .get("query")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_lowercase();
        let want = body.pointer("/filter/value").and_then(Value::as_str);
        if want.is_some()
            && body.pointer("/filter/property").and_then(Value::as_str) != Some("object")
        {
            return Err(invalid("body.filter.property should be `\"object\"`."));
        }
        let mut items = Vec::new();
        let spaces = all(|page| self.kb.list_spaces(ListSpaces { page }))
            .await
            .map_err(fail)?;
        for s in &spaces {
            if want != Some("page") && s.name.to_lowercase().contains(&query) {
                items.push(self.database(s));
            }
            if want == Some("database") {
                continue;
            }
            let pages = all(|page| {
                self.kb.list_pages(ListKbPages {
                    space_id: s.id.clone(),
                    parent_id: None,
                    page,
                })
            })
            .await
            .map_err(fail)?;
            items.extend(
                pages
                    .iter()
                    .filter(|p| p.title.to_lowercase().contains(&query))
                    .map(|p| self.page(p)),
            );
        }
        list_page(
            items,
            body.get("page_size").and_then(Value::as_u64),
            body.get("start_cursor").and_then(Value::as_str),
        )
    }

    fn comment(&self, c: &Comment, page: &str) -> Value {
        let rich_text = self
            .state
            .lock()
            .comments
            .get(&c.id)
            .cloned()
            .unwrap_or_else(|| rich(&c.body));
        let at = c
            .created_at
            .as_deref()
            .and_then(|t| t.strip_suffix('Z'))
            .map(|t| format!("{t}.000Z"));
        json!({
            "object": "comment",
            "id": c.id,
            "parent": { "type": "page_id", "page_id": page },
            "discussion_id": format!("discussion-{}", c.id),
            "created_time": at,
            "last_edited_time": at,
            "created_by": { "object": "user", "id": USER },
            "rich_text": rich_text,
        })
    }

    async fn add_comment(&self, body: &Value) -> Reply {
        let page = body
            .pointer("/parent/page_id")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                invalid(
                    "body.parent.page_id should be defined (discussion_id replies are not served).",
                )
            })?
            .to_owned();
        let mut rich_text = body
            .get("rich_text")
            .filter(|r| r.is_array())
            .cloned()
            .ok_or_else(|| invalid("body.rich_text should be an array."))?;
        if let Value::Array(items) = &mut rich_text {
            items.iter_mut().for_each(fill_rich);
        }
        let text = plain(&rich_text);
        if text.trim().is_empty() {
            return Err(invalid("body.rich_text should not be empty."));
        }
        self.live_page(&page).await?;
        let c = self
            .kb
            .add_comment(AddComment {
                page_id: page.clone(),
                body: text,
            })
            .await
            .map_err(fail)?;
        self.state.lock().comments.insert(c.id.clone(), rich_text);
        Ok(ApiResponse::ok(&self.comment(&c, &page)))
    }
}

/// Whether `title` passes a database query filter on the title property.
fn title_filter(f: &Value, title: &str) -> Result<bool, ApiResponse> {
    let cond = f
        .get("title")
        .or_else(|| f.get("rich_text"))
        .and_then(Value::as_object)
        .ok_or_else(|| invalid("this server filters on the title property only"))?;
    let (op, arg): (&String, &Value) = cond
        .iter()
        .next()
        .ok_or_else(|| invalid("body.filter.title should name a condition."))?;
    let arg = arg.as_str().unwrap_or_default().to_lowercase();
    let t = title.to_lowercase();
    match op.as_str() {
        "equals" => Ok(t == arg),
        "contains" => Ok(t.contains(&arg)),
        "starts_with" => Ok(t.starts_with(&arg)),
        "does_not_contain" => Ok(!t.contains(&arg)),
        other => Err(invalid(format!(
            "title filter `{other}` is not served here"
        ))),
    }
}

#[async_trait::async_trait]
impl Api for NotionApi {
    async fn handle(&self, request: ApiRequest) -> ApiResponse {
        match self.route(&request).await {
            Ok(r) | Err(r) => r,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::blocks::normalize;
    use super::*;

    #[test]
    fn rich_text_and_filters() {
        let mut b = json!({ "paragraph": { "rich_text": [{ "type": "text", "text": { "content": "hi" } }] } });
        normalize(&mut b);
        assert_eq!(
            b.pointer("/paragraph/rich_text/0/plain_text").unwrap(),
            "hi"
        );
        assert_eq!(plain(&b["paragraph"]["rich_text"]), "hi");
        let f = json!({ "property": "Name", "title": { "contains": "Guide" } });
        assert!(title_filter(&f, "Deploy guide").unwrap());
        assert!(!title_filter(&f, "Other").unwrap());
        assert!(title_filter(&json!({ "property": "Tags" }), "x").is_err());
    }
}
