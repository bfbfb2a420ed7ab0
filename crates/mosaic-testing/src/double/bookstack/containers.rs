//! Shelves and chapters: the containers BookStack has around books and
//! pages, kept by the double.

// Handlers answer an error as the HTTP response itself, once per request.
#![allow(clippy::result_large_err)]

use http::StatusCode;
use mosaic_core::kb::*;
use serde_json::{Value, json};

use super::{
    BookStackApi, Chapter, Shelf, fail, id_of, invalid, listing, not_found, number, slug, text,
    user,
};
use crate::double::kb_common::num;
use crate::double::{ApiRequest, ApiResponse};

impl BookStackApi {
    /// The answer to a shelf or chapter request, `None` for other paths.
    pub(super) async fn containers(
        &self,
        r: &ApiRequest,
        body: &Value,
    ) -> Result<Option<ApiResponse>, ApiResponse> {
        // Shelves.
        if r.route("GET", "/api/shelves").is_some() {
            let shelves: Vec<(u64, Shelf)> = self
                .extra
                .lock()
                .shelves
                .iter()
                .map(|(k, v)| (*k, v.clone()))
                .collect();
            let items = shelves
                .iter()
                .map(|(id, s)| {
                    json!({ "id": id, "name": s.name, "slug": slug(&s.name), "description": s.description })
                })
                .collect();
            return Ok(Some(listing(r, items)));
        }
        if r.route("POST", "/api/shelves").is_some() {
            let name = text(body, "name").unwrap_or_default();
            if name.trim().is_empty() {
                return Err(invalid("name", "The name field is required."));
            }
            let shelf = Shelf {
                name,
                description: text(body, "description").unwrap_or_default(),
                books: self.known_books(body).await?,
            };
            let id = {
                let mut x = self.extra.lock();
                let id = x.next();
                x.shelves.insert(id, shelf.clone());
                id
            };
            return Ok(Some(ApiResponse::ok(&self.shelf(id, &shelf).await)));
        }
        if let Some(c) = r.route("GET", "/api/shelves/{id}") {
            let id = id_of(&c[0], "Shelf")?;
            let shelf = self.shelf_rec(id)?;
            return Ok(Some(ApiResponse::ok(&self.shelf(id, &shelf).await)));
        }
        if let Some(c) = r.route("PUT", "/api/shelves/{id}") {
            let id = id_of(&c[0], "Shelf")?;
            let mut shelf = self.shelf_rec(id)?;
            if let Some(n) = text(body, "name") {
                if n.trim().is_empty() {
                    return Err(invalid("name", "The name field is required."));
                }
                shelf.name = n;
            }
            if let Some(d) = text(body, "description") {
                shelf.description = d;
            }
            if body.get("books").is_some() {
                shelf.books = self.known_books(body).await?;
            }
            self.extra.lock().shelves.insert(id, shelf.clone());
            return Ok(Some(ApiResponse::ok(&self.shelf(id, &shelf).await)));
        }
        if let Some(c) = r.route("DELETE", "/api/shelves/{id}") {
            let id = id_of(&c[0], "Shelf")?;
            return match self.extra.lock().shelves.remove(&id) {
                Some(_) => Ok(Some(ApiResponse::empty(StatusCode::NO_CONTENT))),
                None => Err(not_found("Shelf")),
            };
        }
        // Chapters.
        if r.route("GET", "/api/chapters").is_some() {
            let items = {
                let x = self.extra.lock();
                x.chapters
                    .iter()
                    .map(|(id, c)| self.chapter(*id, c))
                    .collect()
            };
            return Ok(Some(listing(r, items)));
        }
        if r.route("POST", "/api/chapters").is_some() {
            let book_id = number(body, "book_id")
                .ok_or_else(|| invalid("book_id", "The book id field is required."))?;
            self.kb
                .get_space(SpaceRef {
                    id: book_id.to_string(),
                })
                .await
                .map_err(|_| invalid("book_id", "The selected book id is invalid."))?;
            let name = text(body, "name").unwrap_or_default();
            if name.trim().is_empty() {
                return Err(invalid("name", "The name field is required."));
            }
            let ch = Chapter {
                book_id,
                name,
                description: text(body, "description").unwrap_or_default(),
            };
            let id = {
                let mut x = self.extra.lock();
                let id = x.next();
                x.chapters.insert(id, ch.clone());
                id
            };
            return Ok(Some(ApiResponse::ok(&self.chapter(id, &ch))));
        }
        if let Some(c) = r.route("GET", "/api/chapters/{id}") {
            let id = id_of(&c[0], "Chapter")?;
            let ch = self.chapter_rec(id)?;
            let mut v = self.chapter(id, &ch);
            let pages = self.all_pages(Some(ch.book_id)).await.map_err(fail)?;
            let inside: Vec<Value> = pages
                .iter()
                .filter(|p| {
                    let pid = num(&p.id).unwrap_or(0);
                    self.extra.lock().page_chapter.get(&pid) == Some(&id)
                })
                .map(|p| self.page(p))
                .collect();
            v["pages"] = json!(inside);
            return Ok(Some(ApiResponse::ok(&v)));
        }
        if let Some(c) = r.route("DELETE", "/api/chapters/{id}") {
            let id = id_of(&c[0], "Chapter")?;
            self.chapter_rec(id)?;
            let pages: Vec<u64> = {
                let x = self.extra.lock();
                x.page_chapter
                    .iter()
                    .filter(|(_, ch)| **ch == id)
                    .map(|(p, _)| *p)
                    .collect()
            };
            for p in pages {
                let _ = self.kb.delete_page(KbPageRef { id: p.to_string() }).await;
            }
            let mut x = self.extra.lock();
            x.chapters.remove(&id);
            x.page_chapter.retain(|_, ch| *ch != id);
            return Ok(Some(ApiResponse::empty(StatusCode::NO_CONTENT)));
        }
        Ok(None)
    }

    pub(super) fn chapter(&self, id: u64, c: &Chapter) -> Value {
        json!({
            "id": id, "book_id": c.book_id, "name": c.name, "slug": slug(&c.name),
            "description": c.description, "priority": id,
            "created_by": 1, "updated_by": 1, "owned_by": 1,
        })
    }

    pub(super) async fn shelf(&self, id: u64, s: &Shelf) -> Value {
        let mut books = Vec::new();
        for b in &s.books {
            if let Ok(space) = self.kb.get_space(SpaceRef { id: b.to_string() }).await {
                books.push(json!({ "id": b, "name": space.name, "slug": slug(&space.name) }));
            }
        }
        json!({
            "id": id, "name": s.name, "slug": slug(&s.name), "description": s.description,
            "created_by": user(), "updated_by": user(), "owned_by": user(), "books": books,
        })
    }

    pub(super) fn chapter_rec(&self, id: u64) -> Result<Chapter, ApiResponse> {
        self.extra
            .lock()
            .chapters
            .get(&id)
            .cloned()
            .ok_or_else(|| not_found("Chapter"))
    }

    pub(super) fn shelf_rec(&self, id: u64) -> Result<Shelf, ApiResponse> {
        self.extra
            .lock()
            .shelves
            .get(&id)
            .cloned()
            .ok_or_else(|| not_found("Shelf"))
    }

    /// The `books` ids of a shelf body; an unknown book is a 422.
    pub(super) async fn known_books(&self, body: &Value) -> Result<Vec<u64>, ApiResponse> {
        let mut out = Vec::new();
        for b in body
            .get("books")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let id = b
                .as_u64()
                .ok_or_else(|| invalid("books", "The books must be ids."))?;
            self.kb
                .get_space(SpaceRef { id: id.to_string() })
                .await
                .map_err(|_| invalid("books", &format!("Book {id} does not exist.")))?;
            out.push(id);
        }
        Ok(out)
    }
}
