//! A double of the Wiki.js 2.x GraphQL API (`POST /graphql`,
//! <https://docs.requarks.io/dev/api>) over a [`FakeKnowledgeBase`].
//!
//! There is no GraphQL engine here: a request is dispatched on its root
//! field and the field below it (`pages { single }`, `comments { list }`,
//! `localization { locales }` …) and reads its arguments from
//! `variables` only (inline literal arguments are not read). Answers carry
//! every field of the object whatever the selection set asks, which a
//! client decoding by name does not notice.
//!
//! Served: `localization.locales`; `pages.single`, `list`, `search`,
//! `history`, `checkConflicts`, `create`, `update`, `move`, `delete`;
//! `comments.create` and `list`. Each installed locale is a space of the
//! fake; a page's path is kept by the double (unique per locale, as
//! Wiki.js requires: `PageDuplicateCreate`). `updatedAt` carries
//! milliseconds that count the page's versions, so `checkConflicts`
//! (was the page updated after the checkout date?) sees every update even
//! within one second of the fake's clock. Failures of mutations are
//! `responseResult { succeeded: false, errorCode, slug, message }`, those
//! of queries a GraphQL error whose `extensions.exception.name` is the
//! Wiki.js error name (`PageNotFound` …). Requests must carry
//! `Authorization: Bearer <token>` with the token given to
//! [`WikiJsApi::new`] (403 otherwise).
//!
//! Left out: assets (uploaded outside GraphQL), tags, users, navigation,
//! page rendering beyond simple HTML, rendering of the editor's own
//! formats (pages are kept as sent), and `pages.search`'s `path` filter.

// Handlers answer an error as the HTTP response itself, once per request.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use http::StatusCode;
use mosaic_core::kb::*;
use mosaic_core::{Error, ErrorKind, Result};
use parking_lot::Mutex;
use serde_json::{Value, json};

use super::kb_common::{all, num};
use super::{Api, ApiRequest, ApiResponse};
use crate::FakeKnowledgeBase;

/// The Wiki.js GraphQL API over a fake knowledge base; see the
/// [module docs](self).
pub struct WikiJsApi {
    kb: FakeKnowledgeBase,
    token: String,
    /// Locale code → (name, fake space id).
    locales: Vec<(String, String, String)>,
    /// Page id → path.
    paths: Mutex<BTreeMap<u64, String>>,
}

impl std::fmt::Debug for WikiJsApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WikiJsApi")
            .field("locales", &self.locales)
            .finish_non_exhaustive()
    }
}

/// A failure as Wiki.js names it: error code, name and message.
struct WikiError(i64, &'static str, String);

fn from_fake(e: &Error) -> WikiError {
    let m = e.message().to_owned();
    match e.kind() {
        ErrorKind::NotFound => WikiError(6003, "PageNotFound", "This page does not exist.".into()),
        ErrorKind::Conflict => WikiError(6002, "PageDuplicateCreate", m),
        ErrorKind::InvalidInput => WikiError(6005, "PageIllegalPath", m),
        _ => WikiError(5001, "UnknownError", m),
    }
}

fn result_of(r: std::result::Result<(), WikiError>) -> Value {
    match r {
        Ok(()) => json!({ "succeeded": true, "errorCode": 0, "slug": "ok", "message": "Success" }),
        Err(WikiError(code, slug, message)) => {
            json!({ "succeeded": false, "errorCode": code, "slug": slug, "message": message })
        }
    }
}

fn gql_error(e: WikiError) -> ApiResponse {
    ApiResponse::ok(&json!({
        "errors": [{
            "message": e.2,
            "extensions": { "code": "INTERNAL_SERVER_ERROR", "exception": { "code": e.0, "name": e.1 } },
        }],
        "data": null,
    }))
}

/// The root field and the field below it of a GraphQL document:
/// `query ($id: Int!) { pages { single(id: $id) { … } } }` → `pages`,
/// `single`.
fn fields_of(query: &str) -> Option<(String, String)> {
    let body = &query[query.find('{')? + 1..];
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let root = ident(body);
    let after = &body[body.find('{')? + 1..];
    let field = ident(after);
    (!root.is_empty() && !field.is_empty()).then_some((root, field))
}

fn int(v: &Value, key: &str) -> Option<u64> {
    match v.get(key)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => num(s),
        _ => None,
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// `…T00:00:00Z` → `…T00:00:00.00nZ` for version `n`.
fn stamp(ts: Option<&str>, version: u64) -> Option<String> {
    let base = ts?.strip_suffix('Z')?;
    Some(format!("{base}.{:03}Z", version.min(999)))
}

fn html_of(markdown: &str) -> String {
    markdown
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let esc = p
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            format!("<p>{esc}</p>")
        })
        .collect()
}

impl WikiJsApi {
    /// The API over `kb` with one installed locale per `(code, name)`
    /// (each seeded as a space of the fake), accepting the API key
    /// `token`.
    ///
    /// # Errors
    /// When a locale cannot be seeded (a name used twice).
    pub fn new(kb: FakeKnowledgeBase, token: &str, locales: &[(&str, &str)]) -> Result<Self> {
        let mut out = Vec::new();
        for (code, name) in locales {
            let space = kb.seed_space(*name).create()?;
            out.push(((*code).to_owned(), (*name).to_owned(), space.id));
        }
        Ok(WikiJsApi {
            kb,
            token: format!("Bearer {token}"),
            locales: out,
            paths: Mutex::new(BTreeMap::new()),
        })
    }

    fn space_of(&self, locale: &str) -> Option<&str> {
        self.locales
            .iter()
            .find(|l| l.0 == locale)
            .map(|l| l.2.as_str())
    }

    /// The fake space of an installed locale.
    fn installed(&self, locale: &str) -> std::result::Result<String, WikiError> {
        self.space_of(locale).map(str::to_owned).ok_or_else(|| {
            WikiError(
                6005,
                "PageIllegalPath",
                format!("Locale {locale} is not installed."),
            )
        })
    }

    fn locale_of(&self, space_id: &str) -> String {
        self.locales
            .iter()
            .find(|l| l.2 == space_id)
            .map(|l| l.0.clone())
            .unwrap_or_default()
    }

    fn path_of(&self, id: u64) -> String {
        self.paths.lock().get(&id).cloned().unwrap_or_default()
    }

    fn page(&self, p: &KbPage, with_content: bool) -> Value {
        let id = num(&p.id).unwrap_or(0);
        let version = p.version.unwrap_or(1);
        let mut v = json!({
            "id": id,
            "path": self.path_of(id),
            "locale": self.locale_of(&p.space_id),
            "title": p.title,
            "description": "",
            "contentType": "markdown",
            "isPublished": true,
            "isPrivate": false,
            "createdAt": stamp(p.created_at.as_deref(), 1),
            "updatedAt": stamp(p.updated_at.as_deref(), version),
            "tags": [],
        });
        if with_content {
            let md = p.body.clone().unwrap_or_default();
            v["render"] = json!(html_of(&md));
            v["content"] = json!(md);
            v["editor"] = json!("markdown");
            v["authorName"] = json!("Fake User");
        }
        v
    }

    async fn fake_page(&self, id: Option<u64>) -> std::result::Result<KbPage, WikiError> {
        let id =
            id.ok_or_else(|| WikiError(6003, "PageNotFound", "This page does not exist.".into()))?;
        self.kb
            .get_page(KbPageRef { id: id.to_string() })
            .await
            .map_err(|e| from_fake(&e))
    }

    async fn pages_in(&self, locale: Option<&str>) -> Result<Vec<KbPage>> {
        let mut out = Vec::new();
        for (code, _, space) in &self.locales {
            if locale.is_some_and(|l| l != code) {
                continue;
            }
            out.extend(
                all(|page| {
                    self.kb.list_pages(ListKbPages {
                        space_id: space.clone(),
                        parent_id: None,
                        page,
                    })
                })
                .await?,
            );
        }
        Ok(out)
    }

    /// Whether a page of `locale` is at `path`.
    async fn path_taken(&self, locale: &str, path: &str) -> std::result::Result<bool, WikiError> {
        let pages = self
            .pages_in(Some(locale))
            .await
            .map_err(|e| from_fake(&e))?;
        let paths = self.paths.lock();
        Ok(pages
            .iter()
            .any(|p| num(&p.id).and_then(|id| paths.get(&id)).map(String::as_str) == Some(path)))
    }

    async fn dispatch(&self, root: &str, field: &str, v: &Value) -> ApiResponse {
        let data = match (root, field) {
            ("localization", "locales") => {
                let locales: Vec<Value> = self
                    .locales
                    .iter()
                    .map(|(code, name, _)| {
                        json!({ "code": code, "name": name, "nativeName": name, "isInstalled": true,
                                "isRTL": false, "availability": 100, "createdAt": null, "updatedAt": null })
                    })
                    .collect();
                json!({ "localization": { "locales": locales } })
            }
            ("pages", "single") => match self.fake_page(int(v, "id")).await {
                Ok(p) => json!({ "pages": { "single": self.page(&p, true) } }),
                Err(e) => return gql_error(e),
            },
            ("pages", "list") => {
                let locale = text(v, "locale");
                let pages = match self.pages_in(locale.as_deref()).await {
                    Ok(p) => p,
                    Err(e) => return gql_error(from_fake(&e)),
                };
                let mut list: Vec<Value> = pages.iter().map(|p| self.page(p, false)).collect();
                list.sort_by(|a, b| a["path"].as_str().cmp(&b["path"].as_str()));
                if let Some(limit) = int(v, "limit") {
                    list.truncate(limit as usize);
                }
                json!({ "pages": { "list": list } })
            }
            ("pages", "search") => {
                let query = text(v, "query").unwrap_or_default();
                let space = text(v, "locale").and_then(|l| self.space_of(&l).map(str::to_owned));
                if text(v, "locale").is_some() && space.is_none() {
                    json!({ "pages": { "search": { "results": [], "suggestions": [], "totalHits": 0 } } })
                } else {
                    let hits = all(|page| {
                        self.kb.search(Search {
                            query: query.clone(),
                            space_id: space.clone(),
                            page,
                        })
                    })
                    .await;
                    let hits = match hits {
                        Ok(h) => h,
                        Err(e) => return gql_error(from_fake(&e)),
                    };
                    let results: Vec<Value> = hits
                        .iter()
                        .map(|h| {
                            let id = num(&h.page_id).unwrap_or(0);
                            json!({
                                "id": h.page_id, "title": h.title,
                                "description": h.excerpt.clone().unwrap_or_default(),
                                "path": self.path_of(id),
                                "locale": self.locale_of(h.space_id.as_deref().unwrap_or_default()),
                            })
                        })
                        .collect();
                    json!({ "pages": { "search": { "results": results, "suggestions": [], "totalHits": hits.len() } } })
                }
            }
            ("pages", "history") => {
                let id = int(v, "id");
                if let Err(e) = self.fake_page(id).await {
                    return gql_error(e);
                }
                let revs = all(|page| {
                    self.kb.list_revisions(ListRevisions {
                        page_id: id.unwrap_or(0).to_string(),
                        page,
                    })
                })
                .await
                .unwrap_or_default();
                let size = int(v, "offsetSize").unwrap_or(100).max(1) as usize;
                let start = int(v, "offsetPage").unwrap_or(0) as usize * size;
                let trail: Vec<Value> = revs
                    .iter()
                    .skip(start)
                    .take(size)
                    .map(|r| {
                        json!({
                            "versionId": r.version, "authorId": 1, "authorName": r.author,
                            "actionType": if r.version == 1 { "initial" } else { "edit" },
                            "valueBefore": null, "valueAfter": null,
                            "versionDate": stamp(r.created_at.as_deref(), r.version),
                        })
                    })
                    .collect();
                json!({ "pages": { "history": { "trail": trail, "total": revs.len() } } })
            }
            ("pages", "checkConflicts") => {
                let page = match self.fake_page(int(v, "id")).await {
                    Ok(p) => p,
                    Err(e) => return gql_error(e),
                };
                let updated = stamp(page.updated_at.as_deref(), page.version.unwrap_or(1));
                let since = text(v, "checkoutDate").unwrap_or_default();
                json!({ "pages": { "checkConflicts": updated.is_some_and(|u| u > since) } })
            }
            ("pages", "create") => {
                let (result, page) = self.create(v).await;
                json!({ "pages": { "create": { "responseResult": result_of(result.map(drop)), "page": page } } })
            }
            ("pages", "update") => {
                let r = self.update(v).await;
                let page = match &r {
                    Ok(p) => self.page(p, false),
                    Err(_) => Value::Null,
                };
                json!({ "pages": { "update": { "responseResult": result_of(r.map(drop)), "page": page } } })
            }
            ("pages", "move") => {
                let r = self.move_page(v).await;
                json!({ "pages": { "move": { "responseResult": result_of(r) } } })
            }
            ("pages", "delete") => {
                let r = match self.fake_page(int(v, "id")).await {
                    Ok(p) => self
                        .kb
                        .delete_page(KbPageRef { id: p.id.clone() })
                        .await
                        .map_err(|e| from_fake(&e)),
                    Err(e) => Err(e),
                };
                json!({ "pages": { "delete": { "responseResult": result_of(r) } } })
            }
            ("comments", "create") => {
                let content = text(v, "content").unwrap_or_default();
                let r = if content.trim().is_empty() {
                    Err(WikiError(
                        8001,
                        "CommentContentMissing",
                        "Comment content is missing or too short.".into(),
                    ))
                } else {
                    match self.fake_page(int(v, "pageId")).await {
                        Ok(p) => self
                            .kb
                            .add_comment(AddComment {
                                page_id: p.id,
                                body: content,
                            })
                            .await
                            .map_err(|e| from_fake(&e)),
                        Err(e) => Err(e),
                    }
                };
                let id = r.as_ref().ok().and_then(|c| num(&c.id));
                json!({ "comments": { "create": { "responseResult": result_of(r.map(drop)), "id": id, "render": null } } })
            }
            ("comments", "list") => {
                let locale = text(v, "locale").unwrap_or_default();
                let path = text(v, "path").unwrap_or_default();
                let pages = self.pages_in(Some(&locale)).await.unwrap_or_default();
                let found = {
                    let paths = self.paths.lock();
                    pages
                        .iter()
                        .find(|p| num(&p.id).and_then(|id| paths.get(&id)) == Some(&path))
                        .map(|p| p.id.clone())
                };
                let Some(page) = found else {
                    return gql_error(WikiError(
                        6003,
                        "PageNotFound",
                        "This page does not exist.".into(),
                    ));
                };
                let list = all(|p| {
                    self.kb.list_comments(ListComments {
                        page_id: page.clone(),
                        page: p,
                    })
                })
                .await
                .unwrap_or_default();
                let list: Vec<Value> = list
                    .iter()
                    .map(|c| {
                        json!({ "id": num(&c.id), "content": c.body, "render": html_of(&c.body),
                                "authorId": 1, "authorName": c.author, "createdAt": c.created_at,
                                "updatedAt": c.created_at })
                    })
                    .collect();
                json!({ "comments": { "list": list } })
            }
            _ => {
                return ApiResponse::json(
                    StatusCode::BAD_REQUEST,
                    &json!({ "errors": [{ "message": format!("Cannot query field \"{field}\" on type \"{root}\".") }] }),
                );
            }
        };
        ApiResponse::ok(&json!({ "data": data }))
    }

    async fn create(&self, v: &Value) -> (std::result::Result<KbPage, WikiError>, Value) {
        let r = async {
            let locale = text(v, "locale").unwrap_or_default();
            let space = self.installed(&locale)?;
            let path = text(v, "path")
                .unwrap_or_default()
                .trim_matches('/')
                .to_owned();
            if path.is_empty() || path.contains("//") || path.contains(['\\', '?', '#']) {
                return Err(WikiError(
                    6005,
                    "PageIllegalPath",
                    "Page path cannot contains illegal characters.".into(),
                ));
            }
            let content = text(v, "content").unwrap_or_default();
            if content.trim().is_empty() {
                return Err(WikiError(
                    6004,
                    "PageEmptyContent",
                    "Page content cannot be empty.".into(),
                ));
            }
            if self.path_taken(&locale, &path).await? {
                return Err(WikiError(
                    6002,
                    "PageDuplicateCreate",
                    "Cannot create this page because an entry already exists at the same path."
                        .into(),
                ));
            }
            let p = self
                .kb
                .create_page(CreateKbPage {
                    space_id: space,
                    parent_id: None,
                    title: text(v, "title").unwrap_or_default(),
                    body: content,
                })
                .await
                .map_err(|e| from_fake(&e))?;
            self.paths.lock().insert(num(&p.id).unwrap_or(0), path);
            Ok(p)
        }
        .await;
        let page = match &r {
            Ok(p) => self.page(p, false),
            Err(_) => Value::Null,
        };
        (r, page)
    }

    async fn update(&self, v: &Value) -> std::result::Result<KbPage, WikiError> {
        let page = self.fake_page(int(v, "id")).await?;
        let title = text(v, "title");
        let content = text(v, "content");
        if content.as_deref().is_some_and(|c| c.trim().is_empty()) {
            return Err(WikiError(
                6004,
                "PageEmptyContent",
                "Page content cannot be empty.".into(),
            ));
        }
        if title.is_none() && content.is_none() {
            return Ok(page);
        }
        self.kb
            .update_page(UpdateKbPage {
                id: page.id,
                title,
                body: content,
                version: None,
            })
            .await
            .map_err(|e| from_fake(&e))
    }

    async fn move_page(&self, v: &Value) -> std::result::Result<(), WikiError> {
        let page = self.fake_page(int(v, "id")).await?;
        let id = num(&page.id).unwrap_or(0);
        let locale = text(v, "destinationLocale").unwrap_or_default();
        let space = self.installed(&locale)?;
        let path = text(v, "destinationPath")
            .unwrap_or_default()
            .trim_matches('/')
            .to_owned();
        if path.is_empty() {
            return Err(WikiError(
                6005,
                "PageIllegalPath",
                "Page path cannot be empty.".into(),
            ));
        }
        if self.path_taken(&locale, &path).await? {
            return Err(WikiError(
                6006,
                "PageMoveForbidden",
                "A page already exists at the destination path.".into(),
            ));
        }
        if space != page.space_id {
            self.kb
                .move_page(MoveKbPage {
                    id: page.id.clone(),
                    space_id: Some(space),
                    parent_id: None,
                })
                .await
                .map_err(|e| from_fake(&e))?;
        }
        self.paths.lock().insert(id, path);
        Ok(())
    }
}

#[async_trait::async_trait]
impl Api for WikiJsApi {
    async fn handle(&self, r: ApiRequest) -> ApiResponse {
        if r.route("POST", "/graphql").is_none() {
            return ApiResponse::message(StatusCode::NOT_FOUND, "Not Found");
        }
        if r.header("authorization") != Some(self.token.as_str()) {
            return ApiResponse::json(
                StatusCode::FORBIDDEN,
                &json!({ "errors": [{ "message": "Forbidden" }] }),
            );
        }
        let body: Value = match r.json() {
            Ok(b) => b,
            Err(resp) => return resp,
        };
        let query = body
            .get("query")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let vars = body.get("variables").cloned().unwrap_or(Value::Null);
        match fields_of(query) {
            Some((root, field)) => self.dispatch(&root, &field, &vars).await,
            None => ApiResponse::json(
                StatusCode::BAD_REQUEST,
                &json!({ "errors": [{ "message": "Syntax Error: cannot read the document" }] }),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_root_fields_and_stamps() {
        assert_eq!(
            fields_of("query ($id: Int!) { pages { single(id: $id) { id } } }"),
            Some(("pages".into(), "single".into()))
        );
        assert_eq!(
            fields_of("mutation { comments { create(pageId: 1) { id } } }"),
            Some(("comments".into(), "create".into()))
        );
        assert_eq!(fields_of("{ }"), None);
        assert_eq!(
            stamp(Some("2024-01-01T00:00:00Z"), 3).as_deref(),
            Some("2024-01-01T00:00:00.003Z")
        );
    }
}
