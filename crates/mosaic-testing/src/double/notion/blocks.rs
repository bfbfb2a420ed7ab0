//! Block trees: children appended (nested children too), listed,
//! deleted, and their plain text kept in the fake's page body.

// Handlers answer an error as the HTTP response itself, once per request.
#![allow(clippy::result_large_err)]

use mosaic_core::kb::*;
use serde_json::{Value, json};

use super::{NotionApi, Reply, State, USER, fail, invalid, not_found, plain};
use crate::double::ApiResponse;
use crate::double::kb_common::all;

/// Give every rich-text item under `v` its `plain_text`, `annotations`
/// and `href`, as Notion answers them.
pub(super) fn normalize(v: &mut Value) {
    match v {
        Value::Object(o) => {
            for (k, child) in o.iter_mut() {
                if (k == "rich_text" || k == "title" || k == "caption")
                    && let Value::Array(items) = child
                {
                    for item in items.iter_mut() {
                        fill_rich(item);
                    }
                    continue;
                }
                normalize(child);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(normalize),
        _ => {}
    }
}

pub(super) fn fill_rich(item: &mut Value) {
    let Some(o) = item.as_object_mut() else {
        return;
    };
    if !o.contains_key("plain_text") {
        let text = o
            .get("text")
            .and_then(|t| t.get("content"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        o.insert("plain_text".into(), json!(text));
    }
    o.entry("type").or_insert(json!("text"));
    o.entry("href").or_insert(Value::Null);
    let ann = o.entry("annotations").or_insert(json!({}));
    if let Some(a) = ann.as_object_mut() {
        for key in ["bold", "italic", "strikethrough", "underline", "code"] {
            a.entry(key).or_insert(json!(false));
        }
        a.entry("color").or_insert(json!("default"));
    }
}

impl NotionApi {
    /// The page a block (or page) id belongs to.
    pub(super) fn page_of(&self, id: &str) -> String {
        let s = self.state.lock();
        let mut cur = id.to_owned();
        while let Some((_, parent)) = s.blocks.get(&cur) {
            cur = parent.clone();
        }
        cur
    }

    /// The block tree of `parent` as plain text, a paragraph per block.
    pub(super) fn text_of(s: &State, parent: &str, out: &mut Vec<String>) {
        for id in s.children.get(parent).into_iter().flatten() {
            if let Some((b, _)) = s.blocks.get(id) {
                let kind = b.get("type").and_then(Value::as_str).unwrap_or_default();
                let t = b.get(kind).and_then(|x| x.get("rich_text")).map(plain);
                if let Some(t) = t.filter(|t| !t.is_empty()) {
                    out.push(t);
                }
                Self::text_of(s, id, out);
            }
        }
    }

    /// Write the page's block text into the fake.
    pub(super) async fn sync_body(&self, page: &str) -> Result<(), ApiResponse> {
        let text = {
            let s = self.state.lock();
            let mut out = Vec::new();
            Self::text_of(&s, page, &mut out);
            out.join("\n\n")
        };
        self.kb
            .update_page(UpdateKbPage {
                id: page.to_owned(),
                title: None,
                body: Some(text),
                version: None,
            })
            .await
            .map(drop)
            .map_err(fail)
    }

    /// Store `block` (and the children nested in it) under `parent`.
    pub(super) fn insert_block(
        s: &mut State,
        parent: &str,
        mut block: Value,
        now: &str,
    ) -> Result<Value, ApiResponse> {
        let kind = block
            .get("type")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| {
                block.as_object().and_then(|o| {
                    o.keys()
                        .find(|k| !["object", "type", "id"].contains(&k.as_str()))
                        .cloned()
                })
            })
            .ok_or_else(|| invalid("body.children should be block objects."))?;
        if !block.get(&kind).is_some_and(Value::is_object) {
            return Err(invalid(format!(
                "body.children[].{kind} should be an object."
            )));
        }
        if ["child_page", "child_database"].contains(&kind.as_str()) {
            return Err(invalid(format!(
                "body.children[].{kind} cannot be created as a block."
            )));
        }
        let nested = block
            .get_mut(&kind)
            .and_then(Value::as_object_mut)
            .and_then(|o| o.remove("children"));
        s.next += 1;
        let id = format!("00000000-0000-4000-8000-{:012x}", s.next);
        normalize(&mut block);
        let parent_ref = if s.blocks.contains_key(parent) {
            json!({ "type": "block_id", "block_id": parent })
        } else {
            json!({ "type": "page_id", "page_id": parent })
        };
        let o = block.as_object_mut().expect("checked above");
        o.insert("object".into(), json!("block"));
        o.insert("id".into(), json!(id));
        o.insert("type".into(), json!(kind));
        o.insert("parent".into(), parent_ref);
        o.insert("created_time".into(), json!(now));
        o.insert("last_edited_time".into(), json!(now));
        o.insert("created_by".into(), json!({ "object": "user", "id": USER }));
        o.insert("archived".into(), json!(false));
        o.insert("in_trash".into(), json!(false));
        s.blocks
            .insert(id.clone(), (block.clone(), parent.to_owned()));
        s.children
            .entry(parent.to_owned())
            .or_default()
            .push(id.clone());
        for child in nested
            .and_then(|c| c.as_array().cloned())
            .unwrap_or_default()
        {
            Self::insert_block(s, &id, child, now)?;
        }
        Ok(Self::render_block(s, &id))
    }

    pub(super) fn render_block(s: &State, id: &str) -> Value {
        if let Some(link) = s.links.get(id) {
            return link.clone();
        }
        let mut b = s.blocks.get(id).map(|x| x.0.clone()).unwrap_or(Value::Null);
        let has = s.children.get(id).is_some_and(|c| !c.is_empty());
        if let Some(o) = b.as_object_mut() {
            o.insert("has_children".into(), json!(has));
        }
        b
    }

    pub(super) fn remove_block(s: &mut State, id: &str) {
        if s.links.contains_key(id) {
            // A child page or database is archived on its own, not with
            // the blocks around it.
            return;
        }
        for child in s.children.remove(id).unwrap_or_default() {
            Self::remove_block(s, &child);
        }
        if let Some((_, parent)) = s.blocks.remove(id)
            && let Some(list) = s.children.get_mut(&parent)
        {
            list.retain(|c| c != id);
        }
    }

    pub(super) fn remove_tree(s: &mut State, page: &str) {
        for child in s.children.remove(page).unwrap_or_default() {
            Self::remove_block(s, &child);
        }
    }

    pub(super) async fn append(&self, parent: &str, body: &Value) -> Reply {
        let children = body
            .get("children")
            .and_then(Value::as_array)
            .ok_or_else(|| invalid("body.children should be defined, instead was `undefined`."))?;
        if children.len() > 100 {
            return Err(invalid(format!(
                "body.children.length should be ≤ `100`, instead was `{}`.",
                children.len()
            )));
        }
        let is_block = self.state.lock().blocks.contains_key(parent);
        if !is_block {
            if self.archived(parent).is_some() {
                return Err(invalid("Can't edit block that is archived."));
            }
            self.live_page(parent).await?;
        }
        let now = "2024-01-01T00:00:00.000Z";
        let made = {
            let mut s = self.state.lock();
            let mut made = Vec::new();
            for child in children {
                made.push(Self::insert_block(&mut s, parent, child.clone(), now)?);
            }
            made
        };
        self.sync_body(&self.page_of(parent)).await?;
        Ok(ApiResponse::ok(&json!({
            "object": "list", "results": made, "next_cursor": null, "has_more": false,
            "type": "block", "block": {},
        })))
    }

    pub(super) async fn delete_block(&self, id: &str) -> Reply {
        let block = {
            let mut s = self.state.lock();
            if s.blocks.contains_key(id) {
                let mut b = Self::render_block(&s, id);
                b["archived"] = json!(true);
                b["in_trash"] = json!(true);
                Self::remove_block(&mut s, id);
                Some(b)
            } else {
                None
            }
        };
        if let Some(b) = block {
            let page = b
                .pointer("/parent/page_id")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| {
                    self.page_of(
                        b.pointer("/parent/block_id")
                            .and_then(Value::as_str)
                            .unwrap_or_default(),
                    )
                });
            self.sync_body(&page).await?;
            return Ok(ApiResponse::ok(&b));
        }
        if let Ok(s) = self.kb.get_space(SpaceRef { id: id.to_owned() }).await {
            let mut v = self.database(&s);
            v["archived"] = json!(true);
            v["in_trash"] = json!(true);
            let pages = all(|page| {
                self.kb.list_pages(ListKbPages {
                    space_id: id.to_owned(),
                    parent_id: None,
                    page,
                })
            })
            .await
            .unwrap_or_default();
            self.kb
                .delete_space(SpaceRef { id: id.to_owned() })
                .await
                .map_err(fail)?;
            let mut st = self.state.lock();
            for p in pages {
                Self::remove_tree(&mut st, &p.id);
            }
            st.archived.insert(id.to_owned(), v);
            st.unlink(id);
            return Ok(ApiResponse::ok(
                &json!({ "object": "block", "id": id, "type": "child_database", "archived": true, "in_trash": true }),
            ));
        }
        if self.live_page(id).await.is_ok() {
            self.update_page(id, &json!({ "archived": true })).await?;
            return Ok(ApiResponse::ok(
                &json!({ "object": "block", "id": id, "type": "child_page", "archived": true, "in_trash": true }),
            ));
        }
        Err(not_found(id))
    }
}
