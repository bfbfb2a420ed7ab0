//! Attachments, search, comments and the audit log.

// Handlers answer an error as the HTTP response itself, once per request.
#![allow(clippy::result_large_err)]

use mosaic_core::kb::*;
use serde_json::{Value, json};

use super::{BookStackApi, Reply, fail, invalid, listing, not_found, number, slug, text, user};
use crate::double::ApiRequest;
use crate::double::ApiResponse;
use crate::double::kb_common::{all, multipart, num};

impl BookStackApi {
    pub(super) async fn attach(&self, r: &ApiRequest) -> Reply {
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

    pub(super) async fn search(&self, r: &ApiRequest) -> Reply {
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
                self.kb.search(Search {
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
        let (slice, _) = crate::double::page_of(&hits, page_no, count);
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

    pub(super) fn comment(&self, c: &Comment, page: u64, with_html: bool) -> Value {
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

    pub(super) async fn add_comment(&self, body: &Value) -> Reply {
        let page = number(body, "page_id")
            .ok_or_else(|| invalid("page_id", "The page id field is required."))?;
        self.get_page(page).await?;
        let html = text(body, "html").unwrap_or_default();
        if html.trim().is_empty() {
            return Err(invalid("html", "The html field is required."));
        }
        let c = self
            .kb
            .add_comment(AddComment {
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

    pub(super) async fn comments_of(&self, page: u64) -> Result<Vec<Comment>, ApiResponse> {
        all(|p| {
            self.kb.list_comments(ListComments {
                page_id: page.to_string(),
                page: p,
            })
        })
        .await
        .map_err(fail)
    }

    pub(super) async fn list_comments(&self, r: &ApiRequest) -> Reply {
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

    pub(super) async fn read_comment(&self, id: u64) -> Reply {
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

    pub(super) async fn audit_log(&self, r: &ApiRequest) -> Reply {
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
