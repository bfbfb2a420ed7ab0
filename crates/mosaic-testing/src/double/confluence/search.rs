//! `GET /wiki/rest/api/search`: the CQL this double reads and v1's
//! cursor paging.

// Handlers answer an error as the HTTP response itself, once per request.
#![allow(clippy::result_large_err)]

use http::StatusCode;
use mosaic_core::kb::*;
use serde_json::{Value, json};

use super::{ConfluenceApi, Reply, fail, next_link, v1_error};
use crate::double::ApiRequest;
use crate::double::ApiResponse;
use crate::double::kb_common::{all, cursor_of, num, offset_of};

impl ConfluenceApi {
    pub(super) async fn search(&self, r: &ApiRequest) -> Reply {
        let cql = r.query("cql").unwrap_or_default();
        let q = parse_cql(cql).map_err(|m| v1_error(StatusCode::BAD_REQUEST, &m))?;
        let space_id = match &q.space {
            Some(key) => match self.id_of_key(key) {
                Some(id) => Some(id),
                None => return self.search_page(r, Vec::new()),
            },
            None => None,
        };
        let mut hits = Vec::new();
        if q.pages {
            let found = all(|page| {
                self.kb.search(Search {
                    query: q.text.clone(),
                    space_id: space_id.clone(),
                    page,
                })
            })
            .await
            .map_err(|e| fail(true, e))?;
            for h in found {
                if q.title_only
                    && !q
                        .text
                        .split_whitespace()
                        .all(|w| h.title.to_lowercase().contains(&w.to_lowercase()))
                {
                    continue;
                }
                let sid = h.space_id.clone().unwrap_or_default();
                let key = self.key_of(&sid);
                hits.push(json!({
                    "content": {
                        "id": h.page_id, "type": "page", "status": "current", "title": h.title,
                        "space": { "id": num(&sid), "key": key },
                        "_links": { "webui": format!("/spaces/{key}/pages/{}", h.page_id) },
                    },
                    "title": h.title,
                    "excerpt": h.excerpt.clone().unwrap_or_default(),
                    "url": format!("/spaces/{key}/pages/{}", h.page_id),
                    "entityType": "content",
                }));
            }
        }
        self.search_page(r, hits)
    }

    /// v1 search paging: `limit`, a `cursor`, `totalSize` and `_links.next`.
    pub(super) fn search_page(&self, r: &ApiRequest, hits: Vec<Value>) -> Reply {
        let limit: usize = r.query_num("limit", 25).clamp(1, 100);
        let offset = match r.query("cursor") {
            None => 0,
            Some(c) => {
                offset_of(c).ok_or_else(|| v1_error(StatusCode::BAD_REQUEST, "Invalid cursor"))?
            }
        };
        let (slice, more) = crate::double::page_of(&hits[offset.min(hits.len())..], 1, limit);
        let mut links = json!({ "base": format!("{}/wiki", r.origin), "context": "/wiki" });
        if more {
            links["next"] = json!(next_link(r, &cursor_of(offset + limit)));
        }
        Ok(ApiResponse::ok(&json!({
            "results": slice,
            "start": offset,
            "limit": limit,
            "size": slice.len(),
            "totalSize": hits.len(),
            "_links": links,
        })))
    }
}

/// The parts of a CQL query this double understands.
#[derive(Debug, PartialEq)]
struct Cql {
    text: String,
    title_only: bool,
    space: Option<String>,
    pages: bool,
}

/// Read `clause AND clause …` where a clause is `type = page`,
/// `space = KEY`, `text ~ "…"`, `siteSearch ~ "…"` or `title ~ "…"`.
fn parse_cql(cql: &str) -> Result<Cql, String> {
    let mut q = Cql {
        text: String::new(),
        title_only: false,
        space: None,
        pages: true,
    };
    let mut rest = cql.trim();
    while !rest.is_empty() {
        let (field, after) = rest
            .split_once(['=', '~'])
            .ok_or_else(|| format!("cannot read CQL at `{rest}`"))?;
        let field = field.trim().to_ascii_lowercase();
        let after = after.trim_start();
        let (value, tail) = if let Some(quoted) = after.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            value.push(n);
                        }
                    }
                    '"' => {
                        end = Some(i + 1);
                        break;
                    }
                    c => value.push(c),
                }
            }
            let end = end.ok_or("unterminated string in CQL")?;
            (value, &quoted[end..])
        } else {
            let end = after.find(char::is_whitespace).unwrap_or(after.len());
            (after[..end].to_owned(), &after[end..])
        };
        match field.as_str() {
            "type" => q.pages = value == "page",
            "space" | "space.key" => q.space = Some(value),
            "text" | "sitesearch" => q.text = value,
            "title" => {
                q.text = value;
                q.title_only = true;
            }
            other => return Err(format!("CQL field `{other}` is not supported here")),
        }
        rest = tail.trim_start();
        if let Some(t) = rest
            .strip_prefix("AND ")
            .or_else(|| rest.strip_prefix("and "))
        {
            rest = t.trim_start();
        } else if !rest.is_empty() {
            return Err(format!("only AND joins clauses here, not `{rest}`"));
        }
    }
    if q.text.trim().is_empty() {
        return Err("a text, siteSearch or title clause is required".into());
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cql() {
        assert_eq!(
            parse_cql(r#"type = page AND text ~ "a \"b\"" AND space = "ENG""#).unwrap(),
            Cql {
                text: "a \"b\"".into(),
                title_only: false,
                space: Some("ENG".into()),
                pages: true
            }
        );
        assert!(parse_cql("type = page OR text ~ x").is_err());
        assert!(parse_cql("label = x").is_err());
        assert!(parse_cql("type = page").is_err());
    }
}
