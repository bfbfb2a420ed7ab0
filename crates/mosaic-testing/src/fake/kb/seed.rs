//! Seeding a [`FakeKnowledgeBase`] with named builders: spaces and pages.
//!
//! A builder takes everything by name and does nothing until `.create()`.
//! A page names its space by id, key or name; a space that does not exist
//! is an `InvalidInput` error saying so (spaces are not made up from a
//! name that may be a typo).

use mosaic_core::kb::{CreateKbPage, CreateSpace, KbPage, Space};
use mosaic_core::{Error, Result};

use super::{FakeKnowledgeBase, KbState};

impl FakeKnowledgeBase {
    /// Seed a space: `kb.seed_space("Engineering").key("ENG").create()?`.
    pub fn seed_space(&self, name: impl Into<String>) -> SpaceSeed<'_> {
        SpaceSeed {
            kb: self,
            name: name.into(),
            key: None,
            description: None,
        }
    }

    /// Seed a page into a space named by id, key or name:
    /// `kb.seed_page("ENG").title("Deploy guide").body("how we ship").create()?`.
    pub fn seed_page(&self, space: impl Into<String>) -> PageSeed<'_> {
        PageSeed {
            kb: self,
            space: space.into(),
            title: None,
            body: String::new(),
            parent: None,
        }
    }
}

/// A space to seed; see [`FakeKnowledgeBase::seed_space`].
#[derive(Debug)]
#[must_use = "a seed does nothing until `.create()`"]
pub struct SpaceSeed<'a> {
    kb: &'a FakeKnowledgeBase,
    name: String,
    key: Option<String>,
    description: Option<String>,
}

impl SpaceSeed<'_> {
    /// Its short key (1-10 of `A-Z` and `0-9`, starting with a letter).
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Its description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Create the space.
    ///
    /// # Errors
    /// As `create_space`: `InvalidInput` for an empty name or a bad key,
    /// `Conflict` for a key that is taken.
    pub fn create(self) -> Result<Space> {
        let p = CreateSpace {
            key: self.key,
            name: self.name,
            description: self.description,
            parent: None,
        };
        let now = self.kb.core.clock().now();
        self.kb
            .state
            .lock()
            .create_space(p, &now)
            .map_err(|e| self.kb.core.tag(e))
    }
}

/// A page to seed; see [`FakeKnowledgeBase::seed_page`].
#[derive(Debug)]
#[must_use = "a seed does nothing until `.create()`"]
pub struct PageSeed<'a> {
    kb: &'a FakeKnowledgeBase,
    space: String,
    title: Option<String>,
    body: String,
    parent: Option<String>,
}

impl PageSeed<'_> {
    /// The title (required; unique within the space).
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// The body as Markdown (default empty).
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = body.into();
        self
    }

    /// The parent page, by id or by title within the same space.
    pub fn parent(mut self, page: impl Into<String>) -> Self {
        self.parent = Some(page.into());
        self
    }

    /// Create the page.
    ///
    /// # Errors
    /// `InvalidInput` when no title was given (field `title`), no space
    /// has the id, key or name given (field `space`), or the parent is not
    /// a page of that space (field `parent_id`); `Conflict` for a title
    /// that is taken in the space.
    pub fn create(self) -> Result<KbPage> {
        let kb = self.kb;
        let title = self.title.ok_or_else(|| {
            kb.core.tag(Error::invalid_input(
                "title",
                "is not set: give the page one with `.title(\"…\")`",
            ))
        })?;
        let now = kb.core.clock().now();
        let mut s = kb.state.lock();
        let space_id = s.space_named(&self.space).map_err(|e| kb.core.tag(e))?;
        let parent_id = match self.parent {
            Some(p) => Some(s.page_in(&space_id, &p).map_err(|e| kb.core.tag(e))?),
            None => None,
        };
        let p = CreateKbPage {
            space_id,
            parent_id,
            title,
            body: self.body,
        };
        s.create_page(p, "created", &now)
            .map_err(|e| kb.core.tag(e))
    }
}

impl KbState {
    /// The id of the space with id, key or name `space`.
    fn space_named(&self, space: &str) -> Result<String> {
        self.spaces
            .values()
            .find(|s| s.id == space)
            .or_else(|| {
                self.spaces
                    .values()
                    .find(|s| s.key.as_deref() == Some(space))
            })
            .or_else(|| self.spaces.values().find(|s| s.name == space))
            .map(|s| s.id.clone())
            .ok_or_else(|| {
                Error::invalid_input(
                    "space",
                    format!(
                        "no space with id, key or name `{space}`; seed it first with `seed_space(\"{space}\")`"
                    ),
                )
            })
    }

    /// The id of the page of `space_id` with id or title `page`.
    fn page_in(&self, space_id: &str, page: &str) -> Result<String> {
        self.pages
            .values()
            .map(|r| &r.page)
            .filter(|p| p.space_id == space_id)
            .find(|p| p.id == page)
            .or_else(|| {
                self.pages
                    .values()
                    .map(|r| &r.page)
                    .find(|p| p.space_id == space_id && p.title == page)
            })
            .map(|p| p.id.clone())
            .ok_or_else(|| {
                Error::invalid_input(
                    "parent_id",
                    format!("no page with id or title `{page}` in space `{space_id}`"),
                )
            })
    }
}
