//! Reading and writing block trees: children fetched recursively with
//! cursor pagination, new blocks appended 100 at a time with nested
//! children after their parent.

use std::future::Future;
use std::pin::Pin;

use mosaic_core::{Error, Page, PageRequest, Result};
use serde_json::{Value, json};

use super::{Notion, PAGE_SIZE, named, wire};
use crate::http::path::segment;
use crate::kb_support::token_page;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Deepest nesting read; deeper children are left out (and logged).
const MAX_DEPTH: usize = 24;

/// Block types whose children are pages or databases of their own, never
/// read into a body nor deleted when a body is replaced.
pub(super) const CONTAINERS: &[&str] = &["child_page", "child_database"];

impl Notion {
    /// One page of a block's children.
    pub(super) async fn children_page(
        &self,
        block_id: &str,
        page: &PageRequest,
    ) -> Result<Page<Value>> {
        let req = self
            .http
            .get(&format!("/blocks/{}/children", segment(block_id)));
        token_page(req, PAGE_SIZE, "start_cursor", page)
            .send_page_as::<wire::List<Value>>()
            .await
    }

    /// All of a block's direct children, every page.
    pub(super) async fn all_children(&self, block_id: &str) -> Result<Vec<Value>> {
        let mut out = Vec::new();
        let mut req = PageRequest::with_size(PAGE_SIZE.max);
        loop {
            let page = self.children_page(block_id, &req).await?;
            out.extend(page.items);
            match page.next {
                Some(next) if Some(&next) != req.cursor.as_ref() => req.cursor = Some(next),
                Some(_) => {
                    return Err(named(Error::internal(
                        "Notion returned the same next_cursor twice",
                    )));
                }
                None => return Ok(out),
            }
        }
    }

    /// A block's children with their own children filled in under
    /// `<type>.children`.
    pub(super) fn tree(&self, block_id: String, depth: usize) -> BoxFuture<'_, Result<Vec<Value>>> {
        Box::pin(async move {
            let mut blocks = self.all_children(&block_id).await?;
            for b in blocks.iter_mut() {
                let info: wire::BlockRef = serde_json::from_value(b.clone()).map_err(|e| {
                    named(Error::decode(format!("block children of `{block_id}`"), e))
                })?;
                if !info.has_children || CONTAINERS.contains(&info.kind.as_str()) {
                    continue;
                }
                if depth >= MAX_DEPTH {
                    tracing::warn!(
                        provider = "notion",
                        block = %info.id,
                        "blocks nested deeper than {MAX_DEPTH} levels are not read"
                    );
                    continue;
                }
                let children = self.tree(info.id.clone(), depth + 1).await?;
                if let Some(inner) = b.get_mut(&info.kind).and_then(Value::as_object_mut) {
                    inner.insert("children".into(), Value::Array(children));
                }
            }
            Ok(blocks)
        })
    }

    /// Append blocks (with nested children) under `parent_id`.
    pub(super) fn append(
        &self,
        parent_id: String,
        blocks: Vec<Value>,
    ) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            // Take the children off: they go in after their parent exists.
            let mut flat = Vec::with_capacity(blocks.len());
            let mut nested = Vec::with_capacity(blocks.len());
            for mut b in blocks {
                let t = b
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                if CONTAINERS.contains(&t.as_str()) {
                    tracing::warn!(
                        provider = "notion",
                        block_type = %t,
                        "a child page or database cannot be created as a block: left out"
                    );
                    continue;
                }
                let children = b
                    .get_mut(&t)
                    .and_then(Value::as_object_mut)
                    .and_then(|o| o.remove("children"))
                    .and_then(|c| match c {
                        Value::Array(a) => Some(a),
                        _ => None,
                    })
                    .unwrap_or_default();
                flat.push(b);
                nested.push(children);
            }
            let mut nested = nested.into_iter();
            for chunk in flat.chunks(PAGE_SIZE.max as usize) {
                let created: wire::List<wire::BlockRef> = self
                    .http
                    .patch(&format!("/blocks/{}/children", segment(&parent_id)))
                    .json(&json!({ "children": chunk }))
                    .send_json()
                    .await?;
                if created.results.len() != chunk.len() {
                    return Err(named(Error::new(
                        mosaic_core::ErrorKind::Provider,
                        format!(
                            "Notion created {} blocks for {} sent",
                            created.results.len(),
                            chunk.len()
                        ),
                    )));
                }
                for made in created.results {
                    let children = nested.next().unwrap_or_default();
                    if !children.is_empty() {
                        self.append(made.id, children).await?;
                    }
                }
            }
            Ok(())
        })
    }

    /// Replace a page's body: delete its blocks (child pages and databases
    /// stay), then append `blocks`.
    pub(super) async fn replace_body(&self, page_id: &str, blocks: Vec<Value>) -> Result<()> {
        for b in self.all_children(page_id).await? {
            let info: wire::BlockRef = serde_json::from_value(b)
                .map_err(|e| named(Error::decode(format!("block children of `{page_id}`"), e)))?;
            if CONTAINERS.contains(&info.kind.as_str()) {
                continue;
            }
            self.http
                .delete(&format!("/blocks/{}", segment(&info.id)))
                .send_unit()
                .await?;
        }
        self.append(page_id.to_owned(), blocks).await
    }
}
