//! A double of the Confluence Cloud REST API
//! (<https://developer.atlassian.com/cloud/confluence/rest/v2/> and, for
//! what v2 lacks, <https://developer.atlassian.com/cloud/confluence/rest/v1/>)
//! over a [`FakeKnowledgeBase`], served under `/wiki`.
//!
//! v2: spaces (read and list), pages (create, read with
//! `body-format=storage` or `export_view`, update with the next version
//! number, delete, children), footer comments and page versions. Listings
//! take `limit` and page with opaque cursors: the answer's
//! `_links.next` is the same request with a `cursor` parameter. v1:
//! space create, update and delete (by key), page move
//! (`/content/{id}/move/append/{target}`), attachment upload (multipart,
//! `X-Atlassian-Token: no-check` required) and `GET /rest/api/search`
//! whose CQL is read for `text ~ "…"` (or `title ~`), `space = KEY` and
//! `type = page` joined by `AND` (a plain case-insensitive word match
//! over the fake, not Confluence's ranking). Every request must carry
//! basic auth with the e-mail and token given to [`ConfluenceApi::new`].
//!
//! Bodies are kept as sent, in storage format, so the adapter's own
//! Markdown ⇄ storage conversion is what is checked; `export_view` answers
//! the storage XHTML as it is. A space's home page is made with the space,
//! as Confluence does. Errors are v2's `{"errors": [{"status", "code",
//! "title"}]}` and v1's `{"statusCode", "message"}`.
//!
//! Left out: blog posts, inline comments, labels, properties,
//! permissions, drafts and the trash (deletes are final), the long task a
//! space delete starts (the space is gone at once), atlas_doc_format
//! bodies, and CQL beyond the terms above (other clauses are 400).

// Handlers answer an error as the HTTP response itself, once per request.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use http::StatusCode;
use mosaic_core::Error;
use mosaic_core::kb::*;
use parking_lot::Mutex;
use serde_json::{Value, json};

mod search;

use super::kb_common::{all, base64, cursor_of, multipart, num, offset_of, status_of};
use super::{Api, ApiRequest, ApiResponse};
use crate::FakeKnowledgeBase;

/// The Confluence Cloud API over a fake knowledge base; see the
/// [module docs](self).
pub struct ConfluenceApi {
    kb: FakeKnowledgeBase,
    auth: String,
    /// Space id → key and home page id.
    spaces: Mutex<BTreeMap<String, (String, String)>>,
    /// Comment id → page id.
    comments: Mutex<BTreeMap<String, String>>,
}

impl std::fmt::Debug for ConfluenceApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfluenceApi").finish_non_exhaustive()
    }
}

type Reply = Result<ApiResponse, ApiResponse>;

const ACCOUNT: &str = "557058:fake-account";

fn v2_error(status: StatusCode, title: &str) -> ApiResponse {
    let code = match status.as_u16() {
        400 => "INVALID_REQUEST_PARAMETER",
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "NOT_FOUND",
        409 => "CONFLICT",
        _ => "INTERNAL_SERVER_ERROR",
    };
    ApiResponse::json(
        status,
        &json!({ "errors": [{ "status": status.as_u16(), "code": code, "title": title, "detail": null }] }),
    )
}

fn v1_error(status: StatusCode, message: &str) -> ApiResponse {
    ApiResponse::json(
        status,
        &json!({ "statusCode": status.as_u16(), "data": { "authorized": true, "valid": false, "errors": [] }, "message": message }),
    )
}

/// An error of the fake as Confluence answers it (invalid input is 400).
fn fail(v1: bool, e: Error) -> ApiResponse {
    let mut status = status_of(&e);
    if status == StatusCode::UNPROCESSABLE_ENTITY {
        status = StatusCode::BAD_REQUEST;
    }
    if v1 {
        v1_error(status, e.message())
    } else {
        v2_error(status, e.message())
    }
}

fn text(v: &Value, pointer: &str) -> Option<String> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// One page of `items` by `limit` and `cursor`, with `_links.next` naming
/// the same request at the next cursor.
fn listing(r: &ApiRequest, items: Vec<Value>) -> Reply {
    let limit: usize = r.query_num("limit", 25).clamp(1, 250);
    let offset = match r.query("cursor") {
        None => 0,
        Some(c) => {
            offset_of(c).ok_or_else(|| v2_error(StatusCode::BAD_REQUEST, "Invalid cursor"))?
        }
    };
    let total = items.len();
    let results: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    let mut links = json!({ "base": format!("{}/wiki", r.origin) });
    if offset + limit < total {
        links["next"] = json!(next_link(r, &cursor_of(offset + limit)));
    }
    Ok(
        ApiResponse::ok(&json!({ "results": results, "_links": links }))
            .with_next_link(links["next"].as_str().map(|n| format!("{}{n}", r.origin))),
    )
}

/// The request's path and query with `cursor` set (a relative link, as
/// Confluence gives).
fn next_link(r: &ApiRequest, cursor: &str) -> String {
    let full = super::url_with(r, "cursor", cursor);
    full.strip_prefix(&r.origin).unwrap_or(&full).to_owned()
}

impl ConfluenceApi {
    /// The API over `kb`, accepting basic auth with `email` and `api_token`.
    pub fn new(kb: FakeKnowledgeBase, email: &str, api_token: &str) -> Self {
        ConfluenceApi {
            kb,
            auth: format!(
                "Basic {}",
                base64(format!("{email}:{api_token}").as_bytes())
            ),
            spaces: Mutex::new(BTreeMap::new()),
            comments: Mutex::new(BTreeMap::new()),
        }
    }

    fn key_of(&self, space_id: &str) -> String {
        self.spaces
            .lock()
            .get(space_id)
            .map(|k| k.0.clone())
            .unwrap_or_default()
    }

    fn home_of(&self, space_id: &str) -> Option<String> {
        self.spaces.lock().get(space_id).map(|k| k.1.clone())
    }

    fn id_of_key(&self, key: &str) -> Option<String> {
        self.spaces
            .lock()
            .iter()
            .find(|(_, (k, _))| k == key)
            .map(|(id, _)| id.clone())
    }

    /// The id of the space with `key`; v1's 404 otherwise.
    fn space_by_key(&self, key: &str) -> Result<String, ApiResponse> {
        self.id_of_key(key)
            .ok_or_else(|| v1_error(StatusCode::NOT_FOUND, &format!("No space with key : {key}")))
    }

    fn space_v2(&self, s: &Space) -> Value {
        let key = self.key_of(&s.id);
        json!({
            "id": s.id,
            "key": key,
            "name": s.name,
            "type": "global",
            "status": "current",
            "authorId": ACCOUNT,
            "homepageId": self.home_of(&s.id),
            "description": { "plain": { "value": s.description.clone().unwrap_or_default(), "representation": "plain" } },
            "_links": { "webui": format!("/spaces/{key}") },
        })
    }

    fn space_v1(&self, s: &Space) -> Value {
        let key = self.key_of(&s.id);
        json!({
            "id": num(&s.id),
            "key": key,
            "name": s.name,
            "type": "global",
            "status": "current",
            "description": { "plain": { "value": s.description.clone().unwrap_or_default(), "representation": "plain" } },
            "_links": { "webui": format!("/spaces/{key}"), "self": format!("/wiki/rest/api/space/{key}") },
        })
    }

    fn page_v2(&self, p: &KbPage, format: Option<&str>) -> Value {
        let key = self.key_of(&p.space_id);
        let mut v = json!({
            "id": p.id,
            "status": "current",
            "title": p.title,
            "spaceId": p.space_id,
            "parentId": p.parent_id,
            "parentType": p.parent_id.as_ref().map(|_| "page"),
            "authorId": ACCOUNT,
            "ownerId": ACCOUNT,
            "createdAt": p.created_at,
            "version": {
                "number": p.version.unwrap_or(1),
                "createdAt": p.updated_at,
                "message": "",
                "minorEdit": false,
                "authorId": ACCOUNT,
            },
            "body": {},
            "_links": {
                "webui": format!("/spaces/{key}/pages/{}", p.id),
                "tinyui": format!("/x/{}", p.id),
            },
        });
        let body = p.body.clone().unwrap_or_default();
        match format {
            Some("storage") => {
                v["body"] = json!({ "storage": { "representation": "storage", "value": body } })
            }
            Some("export_view") => {
                v["body"] =
                    json!({ "export_view": { "representation": "export_view", "value": body } })
            }
            _ => {}
        }
        v
    }

    async fn page(&self, id: &str) -> Result<KbPage, ApiResponse> {
        self.kb
            .get_page(KbPageRef { id: id.to_owned() })
            .await
            .map_err(|e| fail(false, e))
    }

    async fn space(&self, id: &str) -> Result<Space, ApiResponse> {
        self.kb
            .get_space(SpaceRef { id: id.to_owned() })
            .await
            .map_err(|e| fail(false, e))
    }

    async fn pages_of(&self, space_id: &str, parent: Option<&str>) -> Result<Vec<KbPage>, Error> {
        all(|page| {
            self.kb.list_pages(ListKbPages {
                space_id: space_id.to_owned(),
                parent_id: parent.map(str::to_owned),
                page,
            })
        })
        .await
    }

    async fn route(&self, r: &ApiRequest) -> Reply {
        if r.header("authorization") != Some(self.auth.as_str()) {
            return Err(v1_error(
                StatusCode::UNAUTHORIZED,
                "Client must be authenticated to access this resource.",
            ));
        }
        let multipart_body = r
            .header("content-type")
            .is_some_and(|c| c.starts_with("multipart/"));
        let body: Value = if r.body.is_empty() || multipart_body {
            Value::Null
        } else {
            r.json()
                .map_err(|_| v2_error(StatusCode::BAD_REQUEST, "Invalid JSON body"))?
        };
        // v2 spaces.
        if r.route("GET", "/wiki/api/v2/spaces").is_some() {
            let spaces = all(|page| self.kb.list_spaces(ListSpaces { page }))
                .await
                .map_err(|e| fail(false, e))?;
            let keys: Option<Vec<&str>> = r.query("keys").map(|k| k.split(',').collect());
            let items = spaces
                .iter()
                .filter(|s| {
                    keys.as_ref()
                        .is_none_or(|k| k.contains(&self.key_of(&s.id).as_str()))
                })
                .map(|s| self.space_v2(s))
                .collect();
            return listing(r, items);
        }
        if let Some(c) = r.route("GET", "/wiki/api/v2/spaces/{id}") {
            let s = self.space(&c[0]).await?;
            return Ok(ApiResponse::ok(&self.space_v2(&s)));
        }
        if let Some(c) = r.route("GET", "/wiki/api/v2/spaces/{id}/pages") {
            self.space(&c[0]).await?;
            let pages = self
                .pages_of(&c[0], None)
                .await
                .map_err(|e| fail(false, e))?;
            let format = r.query("body-format");
            let items = pages.iter().map(|p| self.page_v2(p, format)).collect();
            return listing(r, items);
        }
        // v1 spaces.
        if r.route("POST", "/wiki/rest/api/space").is_some() {
            return self.create_space(&body).await;
        }
        if let Some(c) = r.route("GET", "/wiki/rest/api/space/{key}") {
            let id = self.space_by_key(&c[0])?;
            let s = self
                .space(&id)
                .await
                .map_err(|_| v1_error(StatusCode::NOT_FOUND, "No space"))?;
            return Ok(ApiResponse::ok(&self.space_v1(&s)));
        }
        if let Some(c) = r.route("PUT", "/wiki/rest/api/space/{key}") {
            let id = self.space_by_key(&c[0])?;
            let s = self
                .kb
                .update_space(UpdateSpace {
                    id,
                    name: text(&body, "/name"),
                    description: text(&body, "/description/plain/value"),
                })
                .await
                .map_err(|e| fail(true, e))?;
            return Ok(ApiResponse::ok(&self.space_v1(&s)));
        }
        if let Some(c) = r.route("DELETE", "/wiki/rest/api/space/{key}") {
            let id = self.space_by_key(&c[0])?;
            self.kb
                .delete_space(SpaceRef { id: id.clone() })
                .await
                .map_err(|e| fail(true, e))?;
            self.spaces.lock().remove(&id);
            return Ok(ApiResponse::json(
                StatusCode::ACCEPTED,
                &json!({ "id": format!("task-{id}"), "links": { "status": format!("/wiki/rest/api/longtask/task-{id}") } }),
            ));
        }
        // v2 pages.
        if r.route("POST", "/wiki/api/v2/pages").is_some() {
            return self.create_page(&body).await;
        }
        if let Some(c) = r.route("GET", "/wiki/api/v2/pages/{id}") {
            let p = self.page(&c[0]).await?;
            return Ok(ApiResponse::ok(&self.page_v2(&p, r.query("body-format"))));
        }
        if let Some(c) = r.route("PUT", "/wiki/api/v2/pages/{id}") {
            return self.update_page(&c[0], &body).await;
        }
        if let Some(c) = r.route("DELETE", "/wiki/api/v2/pages/{id}") {
            self.page(&c[0]).await?;
            self.kb
                .delete_page(KbPageRef { id: c[0].clone() })
                .await
                .map_err(|e| fail(false, e))?;
            return Ok(ApiResponse::empty(StatusCode::NO_CONTENT));
        }
        if let Some(c) = r.route("GET", "/wiki/api/v2/pages/{id}/children") {
            let parent = self.page(&c[0]).await?;
            let pages = self
                .pages_of(&parent.space_id, Some(&parent.id))
                .await
                .map_err(|e| fail(false, e))?;
            let items = pages
                .iter()
                .map(|p| {
                    json!({ "id": p.id, "status": "current", "title": p.title, "spaceId": p.space_id, "childPosition": 0 })
                })
                .collect();
            return listing(r, items);
        }
        if let Some(c) = r.route("GET", "/wiki/api/v2/pages/{id}/versions") {
            return self.versions(r, &c[0]).await;
        }
        if let Some(c) = r.route("GET", "/wiki/api/v2/pages/{id}/footer-comments") {
            return self.list_comments(r, &c[0]).await;
        }
        if r.route("POST", "/wiki/api/v2/footer-comments").is_some() {
            return self.add_comment(&body).await;
        }
        // v1 content.
        if let Some(c) = r.route(
            "PUT",
            "/wiki/rest/api/content/{id}/move/{position}/{target}",
        ) {
            return self.move_page(&c[0], &c[1], &c[2]).await;
        }
        if let Some(c) = r.route("POST", "/wiki/rest/api/content/{id}/child/attachment") {
            return self.attach(r, &c[0]).await;
        }
        if r.route("GET", "/wiki/rest/api/search").is_some() {
            return self.search(r).await;
        }
        Err(v2_error(StatusCode::NOT_FOUND, "No route"))
    }

    async fn create_space(&self, body: &Value) -> Reply {
        let key = text(body, "/key").unwrap_or_default();
        if key.is_empty() || key.len() > 255 || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(v1_error(
                StatusCode::BAD_REQUEST,
                "Space key can only contain alphanumeric characters",
            ));
        }
        if self.id_of_key(&key).is_some() {
            return Err(v1_error(
                StatusCode::BAD_REQUEST,
                &format!("A space already exists with key {key}"),
            ));
        }
        let name = text(body, "/name").unwrap_or_default();
        let s = self
            .kb
            .create_space(CreateSpace {
                key: None,
                name: name.clone(),
                description: text(body, "/description/plain/value"),
                parent: None,
            })
            .await
            .map_err(|e| fail(true, e))?;
        let home = self
            .kb
            .create_page(CreateKbPage {
                space_id: s.id.clone(),
                parent_id: None,
                title: format!("{name} Home"),
                body: String::new(),
            })
            .await
            .map_err(|e| fail(true, e))?;
        self.spaces.lock().insert(s.id.clone(), (key, home.id));
        Ok(ApiResponse::ok(&self.space_v1(&s)))
    }

    async fn create_page(&self, body: &Value) -> Reply {
        let space_id = text(body, "/spaceId")
            .ok_or_else(|| v2_error(StatusCode::BAD_REQUEST, "spaceId is required"))?;
        if body.pointer("/body/representation").and_then(Value::as_str) != Some("storage") {
            return Err(v2_error(
                StatusCode::BAD_REQUEST,
                "body.representation must be storage (the only one this server keeps)",
            ));
        }
        let title = text(body, "/title").unwrap_or_default();
        if title.trim().is_empty() {
            return Err(v2_error(StatusCode::BAD_REQUEST, "Title cannot be empty"));
        }
        self.space(&space_id).await.map_err(|_| {
            v2_error(
                StatusCode::BAD_REQUEST,
                &format!("No space with id {space_id}"),
            )
        })?;
        let p = self
            .kb
            .create_page(CreateKbPage {
                space_id,
                parent_id: text(body, "/parentId"),
                title,
                body: text(body, "/body/value").unwrap_or_default(),
            })
            .await
            .map_err(|e| fail(false, e))?;
        Ok(ApiResponse::ok(&self.page_v2(&p, Some("storage"))))
    }

    async fn update_page(&self, id: &str, body: &Value) -> Reply {
        let current = self.page(id).await?;
        let now = current.version.unwrap_or(1);
        let number = body
            .pointer("/version/number")
            .and_then(Value::as_u64)
            .ok_or_else(|| v2_error(StatusCode::BAD_REQUEST, "version.number is required"))?;
        if number != now + 1 {
            return Err(v2_error(
                StatusCode::CONFLICT,
                &format!(
                    "Version must be incremented when updating a page. Current version is: {now}"
                ),
            ));
        }
        let title = text(body, "/title").unwrap_or_default();
        if title.trim().is_empty() {
            return Err(v2_error(StatusCode::BAD_REQUEST, "Title cannot be empty"));
        }
        let p = self
            .kb
            .update_page(UpdateKbPage {
                id: id.to_owned(),
                title: Some(title),
                body: text(body, "/body/value"),
                version: Some(now),
            })
            .await
            .map_err(|e| fail(false, e))?;
        Ok(ApiResponse::ok(&self.page_v2(&p, Some("storage"))))
    }

    async fn versions(&self, r: &ApiRequest, id: &str) -> Reply {
        self.page(id).await?;
        let mut revs = all(|page| {
            self.kb.list_revisions(ListRevisions {
                page_id: id.to_owned(),
                page,
            })
        })
        .await
        .map_err(|e| fail(false, e))?;
        // The fake lists newest first; `modified-date` asks for oldest first.
        if r.query("sort") == Some("modified-date") {
            revs.reverse();
        }
        let items = revs
            .iter()
            .map(|v| {
                json!({
                    "number": v.version, "message": v.message.clone().unwrap_or_default(),
                    "minorEdit": false, "authorId": ACCOUNT, "createdAt": v.created_at,
                    "page": { "id": id },
                })
            })
            .collect();
        listing(r, items)
    }

    fn comment(&self, c: &Comment, page: &str, format: Option<&str>) -> Value {
        let mut v = json!({
            "id": c.id,
            "status": "current",
            "title": "",
            "pageId": page,
            "version": { "number": 1, "createdAt": c.created_at, "authorId": ACCOUNT, "minorEdit": false, "message": "" },
            "body": {},
            "_links": { "webui": format!("/pages/{page}?focusedCommentId={}", c.id) },
        });
        if format == Some("storage") {
            v["body"] = json!({ "storage": { "representation": "storage", "value": c.body } });
        }
        v
    }

    async fn add_comment(&self, body: &Value) -> Reply {
        let page = text(body, "/pageId")
            .ok_or_else(|| v2_error(StatusCode::BAD_REQUEST, "pageId is required"))?;
        let value = text(body, "/body/value").unwrap_or_default();
        if value.trim().is_empty() {
            return Err(v2_error(
                StatusCode::BAD_REQUEST,
                "Comment body cannot be empty",
            ));
        }
        let c = self
            .kb
            .add_comment(AddComment {
                page_id: page.clone(),
                body: value,
            })
            .await
            .map_err(|e| fail(false, e))?;
        self.comments.lock().insert(c.id.clone(), page.clone());
        Ok(ApiResponse::ok(&self.comment(&c, &page, Some("storage"))))
    }

    async fn list_comments(&self, r: &ApiRequest, page: &str) -> Reply {
        self.page(page).await?;
        let list = all(|p| {
            self.kb.list_comments(ListComments {
                page_id: page.to_owned(),
                page: p,
            })
        })
        .await
        .map_err(|e| fail(false, e))?;
        let format = r.query("body-format");
        listing(
            r,
            list.iter().map(|c| self.comment(c, page, format)).collect(),
        )
    }

    async fn move_page(&self, id: &str, position: &str, target: &str) -> Reply {
        let v1 = |e: ApiResponse| {
            let _ = e;
            v1_error(StatusCode::NOT_FOUND, "No content found")
        };
        self.page(id).await.map_err(v1)?;
        let target_page = self.page(target).await.map_err(v1)?;
        let parent = match position {
            "append" => Some(target_page.id.clone()),
            "before" | "after" => target_page.parent_id.clone(),
            _ => {
                return Err(v1_error(
                    StatusCode::BAD_REQUEST,
                    "position must be append, before or after",
                ));
            }
        };
        let moved = self
            .kb
            .move_page(MoveKbPage {
                id: id.to_owned(),
                space_id: Some(target_page.space_id.clone()),
                parent_id: parent,
            })
            .await
            .map_err(|e| fail(true, e))?;
        Ok(ApiResponse::ok(&json!({ "pageId": moved.id })))
    }

    async fn attach(&self, r: &ApiRequest, page: &str) -> Reply {
        if r.header("x-atlassian-token") != Some("no-check") {
            return Err(v1_error(StatusCode::FORBIDDEN, "XSRF check failed"));
        }
        self.page(page)
            .await
            .map_err(|_| v1_error(StatusCode::NOT_FOUND, "No content found"))?;
        let parts = multipart(r.header("content-type").unwrap_or_default(), &r.body)
            .ok_or_else(|| v1_error(StatusCode::BAD_REQUEST, "The request is not multipart"))?;
        let file = parts
            .iter()
            .find(|p| p.0 == "file")
            .ok_or_else(|| v1_error(StatusCode::BAD_REQUEST, "A file part is required"))?;
        let filename = file.1.clone().unwrap_or_default();
        let a = self
            .kb
            .upload_attachment(UploadAttachment {
                page_id: page.to_owned(),
                filename: filename.clone(),
                media_type: None,
                content: file.2.clone(),
            })
            .await
            .map_err(|e| fail(true, e))?;
        Ok(ApiResponse::ok(&json!({
            "results": [{
                "id": format!("att{}", a.id),
                "type": "attachment",
                "status": "current",
                "title": filename,
                "extensions": { "mediaType": "application/octet-stream", "fileSize": a.size },
                "_links": { "download": format!("/download/attachments/{page}/{filename}") },
            }],
            "size": 1,
        })))
    }
}

#[async_trait::async_trait]
impl Api for ConfluenceApi {
    async fn handle(&self, request: ApiRequest) -> ApiResponse {
        match self.route(&request).await {
            Ok(r) | Err(r) => r,
        }
    }
}
