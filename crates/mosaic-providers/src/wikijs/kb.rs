//! [`KnowledgeBaseProvider`] for [`WikiJs`].

use std::time::{Duration, UNIX_EPOCH};

use async_trait::async_trait;
use mosaic_core::kb::*;
use mosaic_core::{Capabilities, Cursor, Error, Page, Result};
use serde_json::{Value, json};

use super::graphql::{self as q};
use super::{Editor, PAGE_SIZE, PROVIDER, WikiJs, named, wire};
use crate::convert;
use crate::kb_support::{export_from_markdown, plain_text_to_markdown};
use crate::params::require_for;

fn page_id(field: &str, value: &str) -> Result<i64> {
    value.trim().parse::<i64>().map_err(|_| {
        named(Error::invalid_input(
            field,
            format!("`{value}` is not a Wiki.js page id (a number)"),
        ))
    })
}

/// A path segment from a title: lower-case letters, digits and dashes.
fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.trim().chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// A folder path without leading or trailing slashes.
fn folder(path: &str) -> String {
    path.trim_matches('/').to_owned()
}

/// The folder a path is in.
fn parent_of(path: &str) -> Option<String> {
    path.rsplit_once('/').map(|(p, _)| p.to_owned())
}

/// RFC 3339 time as milliseconds since the epoch (the page version).
fn millis(ts: &str) -> Option<u64> {
    let t = humantime::parse_rfc3339_weak(ts).ok()?;
    Some(t.duration_since(UNIX_EPOCH).ok()?.as_millis() as u64)
}

/// A page's body as Markdown.
pub(super) fn body_markdown(p: &wire::Page) -> Result<String> {
    match p.editor.as_deref() {
        Some("markdown") | None if p.content.is_some() => Ok(p.content.clone().unwrap_or_default()),
        editor => {
            // Visual editor and raw HTML pages hold HTML; other editors are
            // read from Wiki.js's rendering.
            let html = match editor {
                Some("ckeditor" | "code") => p.content.as_deref(),
                _ => p.render.as_deref(),
            }
            .or(p.render.as_deref())
            .unwrap_or("");
            let out = convert::html_to_markdown(html).map_err(named)?;
            out.report.trace(PROVIDER, "page html to markdown");
            Ok(out.value)
        }
    }
}

impl WikiJs {
    fn web(&self, locale: &str, path: &str) -> String {
        format!(
            "{}/{locale}/{path}",
            self.http.base_url().as_str().trim_end_matches('/')
        )
    }

    fn page(&self, p: wire::Page, with_body: bool) -> Result<KbPage> {
        let body = if with_body {
            Some(body_markdown(&p)?)
        } else {
            None
        };
        Ok(KbPage {
            id: p.id.to_string(),
            web_url: Some(self.web(&p.locale, &p.path)),
            parent_id: parent_of(&p.path),
            space_id: p.locale,
            title: p.title.unwrap_or_default(),
            body,
            version: p.updated_at.as_deref().and_then(millis),
            created_at: p.created_at,
            updated_at: p.updated_at,
        })
    }

    async fn single(&self, id: i64) -> Result<wire::Page> {
        let data: wire::PagesData<wire::Single> = self
            .gql("query pages.single", q::PAGE, json!({ "id": id }))
            .await?;
        data.pages
            .single
            .ok_or_else(|| named(Error::not_found(format!("page `{id}` does not exist"))))
    }

    async fn locales(&self) -> Result<Vec<wire::Locale>> {
        let data: wire::LocalesData = self
            .gql("query localization.locales", q::LOCALES, json!({}))
            .await?;
        Ok(data
            .localization
            .locales
            .into_iter()
            .filter(|l| l.is_installed)
            .collect())
    }

    async fn create(
        &self,
        space_id: &str,
        parent_id: Option<&str>,
        title: &str,
        content: String,
        editor: Editor,
    ) -> Result<KbPage> {
        require_for(PROVIDER, "title", title)?;
        let locale = if space_id.trim().is_empty() {
            self.locale.clone()
        } else {
            space_id.to_owned()
        };
        let name = slug(title);
        if name.is_empty() {
            return Err(named(Error::invalid_input(
                "title",
                "needs a letter or digit to make a page path",
            )));
        }
        let path = match parent_id.map(folder).filter(|f| !f.is_empty()) {
            Some(f) => format!("{f}/{name}"),
            None => name,
        };
        let data: wire::PagesData<wire::CreateData> = self
            .gql(
                "mutation pages.create",
                q::CREATE,
                json!({
                    "content": content,
                    "description": "",
                    "editor": editor.as_str(),
                    "isPublished": true,
                    "isPrivate": false,
                    "locale": locale,
                    "path": path,
                    "tags": [],
                    "title": title,
                }),
            )
            .await?;
        data.pages
            .create
            .response_result
            .check("mutation pages.create")?;
        let id = data
            .pages
            .create
            .page
            .as_ref()
            .and_then(|p| p.get("id"))
            .and_then(Value::as_i64)
            .ok_or_else(|| {
                named(Error::new(
                    mosaic_core::ErrorKind::Provider,
                    "Wiki.js returned no page id",
                ))
            })?;
        let page = self.single(id).await?;
        self.page(page, true)
    }

    fn content_of(&self, markdown: &str) -> String {
        match self.editor {
            Editor::Markdown => markdown.to_owned(),
            Editor::Ckeditor => {
                let out = convert::markdown_to_html(markdown);
                out.report.trace(PROVIDER, "markdown to html");
                out.value
            }
        }
    }
}

#[async_trait]
impl KnowledgeBaseProvider for WikiJs {
    fn capabilities(&self) -> Capabilities {
        WikiJs::operations()
    }

    /// The installed locale with this code.
    async fn get_space(&self, params: SpaceRef) -> Result<Space> {
        self.locales()
            .await?
            .into_iter()
            .find(|l| l.code == params.id)
            .map(space)
            .ok_or_else(|| {
                named(Error::not_found(format!(
                    "locale `{}` is not installed",
                    params.id
                )))
            })
    }

    /// The installed locales.
    async fn list_spaces(&self, params: ListSpaces) -> Result<Page<Space>> {
        let all: Vec<Space> = self.locales().await?.into_iter().map(space).collect();
        Page::slice(all, &params.page, PAGE_SIZE.default).map_err(named)
    }

    /// `pages { create }` at `<parent_id>/<slug of the title>` in the
    /// locale `space_id` (the configured locale when empty).
    async fn create_page(&self, params: CreateKbPage) -> Result<KbPage> {
        let content = self.content_of(&params.body);
        self.create(
            &params.space_id,
            params.parent_id.as_deref(),
            &params.title,
            content,
            self.editor,
        )
        .await
    }

    /// `pages { single }`.
    async fn get_page(&self, params: KbPageRef) -> Result<KbPage> {
        let p = self.single(page_id("id", &params.id)?).await?;
        self.page(p, true)
    }

    /// `pages { update }`; with `version`, `pages { checkConflicts }`
    /// first: a page changed since that time is `Conflict`.
    async fn update_page(&self, params: UpdateKbPage) -> Result<KbPage> {
        let id = page_id("id", &params.id)?;
        if let Some(v) = params.version {
            let since = UNIX_EPOCH + Duration::from_millis(v);
            let date = humantime::format_rfc3339_millis(since).to_string();
            let data: wire::PagesData<wire::ConflictData> = self
                .gql(
                    "query pages.checkConflicts",
                    q::CHECK_CONFLICTS,
                    json!({ "id": id, "checkoutDate": date }),
                )
                .await?;
            if data.pages.check_conflicts {
                return Err(named(Error::conflict(format!(
                    "page `{id}` changed after version {v}"
                ))));
            }
        }
        let content = match &params.body {
            None => None,
            Some(md) => {
                // Keep the page's own editor: convert to HTML for HTML pages.
                let current = self.single(id).await?;
                Some(match current.editor.as_deref() {
                    Some("ckeditor" | "code") => {
                        let out = convert::markdown_to_html(md);
                        out.report.trace(PROVIDER, "markdown to html");
                        out.value
                    }
                    _ => md.clone(),
                })
            }
        };
        if let Some(t) = &params.title {
            require_for(PROVIDER, "title", t)?;
        }
        let data: wire::PagesData<wire::UpdateData> = self
            .gql(
                "mutation pages.update",
                q::UPDATE,
                json!({ "id": id, "content": content, "title": params.title }),
            )
            .await?;
        data.pages
            .update
            .response_result
            .check("mutation pages.update")?;
        let p = self.single(id).await?;
        self.page(p, true)
    }

    /// `pages { delete }`.
    async fn delete_page(&self, params: KbPageRef) -> Result<()> {
        let id = page_id("id", &params.id)?;
        let data: wire::PagesData<wire::DeleteData> = self
            .gql("mutation pages.delete", q::DELETE, json!({ "id": id }))
            .await?;
        data.pages
            .delete
            .response_result
            .check("mutation pages.delete")
    }

    /// `pages { move }` into the folder `parent_id` (the locale root when
    /// `None`) of the locale `space_id` (the current one when `None`).
    async fn move_page(&self, params: MoveKbPage) -> Result<KbPage> {
        let id = page_id("id", &params.id)?;
        let current = self.single(id).await?;
        let name = current
            .path
            .rsplit('/')
            .next()
            .unwrap_or(&current.path)
            .to_owned();
        let destination = match params
            .parent_id
            .as_deref()
            .map(folder)
            .filter(|f| !f.is_empty())
        {
            Some(f) => format!("{f}/{name}"),
            None => name,
        };
        let locale = params.space_id.clone().unwrap_or(current.locale);
        let data: wire::PagesData<wire::MoveData> = self
            .gql(
                "mutation pages.move",
                q::MOVE,
                json!({ "id": id, "destinationPath": destination, "destinationLocale": locale }),
            )
            .await?;
        data.pages
            .moved
            .response_result
            .check("mutation pages.move")?;
        let p = self.single(id).await?;
        self.page(p, true)
    }

    /// `pages { list }` of the locale, below the folder `parent_id` when
    /// given. Bodies are not fetched.
    async fn list_pages(&self, params: ListKbPages) -> Result<Page<KbPage>> {
        require_for(PROVIDER, "space_id", &params.space_id)?;
        let data: wire::PagesData<wire::ListData> = self
            .gql(
                "query pages.list",
                q::LIST,
                json!({ "locale": params.space_id }),
            )
            .await?;
        let prefix = params
            .parent_id
            .as_deref()
            .map(folder)
            .filter(|f| !f.is_empty())
            .map(|f| format!("{f}/"));
        let mut all = Vec::new();
        for p in data.pages.list {
            if prefix.as_ref().is_some_and(|pre| !p.path.starts_with(pre)) {
                continue;
            }
            all.push(self.page(p, false)?);
        }
        Page::slice(all, &params.page, PAGE_SIZE.default).map_err(named)
    }

    /// `pages { search }` (in the locale `space_id` when given).
    async fn search(&self, params: Search) -> Result<Page<SearchHit>> {
        require_for(PROVIDER, "query", &params.query)?;
        let data: wire::PagesData<wire::SearchData> = self
            .gql(
                "query pages.search",
                q::SEARCH,
                json!({ "query": params.query, "path": null, "locale": params.space_id }),
            )
            .await?;
        let hits: Vec<SearchHit> = data
            .pages
            .search
            .results
            .into_iter()
            .map(|r| SearchHit {
                web_url: Some(self.web(&r.locale, &r.path)),
                page_id: r.id,
                space_id: Some(r.locale),
                title: r.title,
                excerpt: r.description.filter(|d| !d.is_empty()),
            })
            .collect();
        Page::slice(hits, &params.page, PAGE_SIZE.default).map_err(named)
    }

    /// Markdown or plain text through the document model; HTML as Wiki.js
    /// renders it; PDF is `Unsupported`.
    async fn export_page(&self, params: ExportKbPage) -> Result<ExportedDoc> {
        if params.format == DocFormat::Pdf {
            return Err(named(Error::unsupported("kb.page.export (PDF)")));
        }
        let p = self.single(page_id("id", &params.id)?).await?;
        if params.format == DocFormat::Html {
            return Ok(ExportedDoc {
                format: DocFormat::Html,
                content: p.render.unwrap_or_default().into_bytes(),
            });
        }
        export_from_markdown(PROVIDER, &body_markdown(&p)?, params.format)
    }

    /// A new page: HTML as a visual-editor page, Markdown and plain text
    /// as Markdown pages; PDF cannot be imported.
    async fn import_page(&self, params: ImportKbPage) -> Result<KbPage> {
        let text = std::str::from_utf8(&params.content)
            .map_err(|_| {
                named(Error::invalid_input(
                    "content",
                    "the document is not valid UTF-8",
                ))
            })
            .map(str::to_owned);
        let (content, editor) = match params.format {
            DocFormat::Html => (text?, Editor::Ckeditor),
            DocFormat::Markdown => (text?, Editor::Markdown),
            DocFormat::PlainText => (plain_text_to_markdown(&text?), Editor::Markdown),
            DocFormat::Pdf => {
                return Err(named(Error::invalid_input(
                    "format",
                    "a PDF cannot be imported: use Markdown, HTML or plain text",
                )));
            }
        };
        self.create(
            &params.space_id,
            params.parent_id.as_deref(),
            &params.title,
            content,
            editor,
        )
        .await
    }

    /// `comments { create }` (Markdown).
    async fn add_comment(&self, params: AddComment) -> Result<Comment> {
        let id = page_id("page_id", &params.page_id)?;
        require_for(PROVIDER, "body", &params.body)?;
        let data: wire::CommentsData<wire::CommentCreate> = self
            .gql(
                "mutation comments.create",
                q::COMMENT,
                json!({ "pageId": id, "content": params.body }),
            )
            .await?;
        data.comments
            .create
            .response_result
            .check("mutation comments.create")?;
        let cid = data.comments.create.id.ok_or_else(|| {
            named(Error::new(
                mosaic_core::ErrorKind::Provider,
                "Wiki.js returned no comment id",
            ))
        })?;
        Ok(Comment {
            id: cid.to_string(),
            author: None,
            body: params.body,
            created_at: None,
        })
    }

    /// `comments { list }` for the page's locale and path.
    async fn list_comments(&self, params: ListComments) -> Result<Page<Comment>> {
        let p = self.single(page_id("page_id", &params.page_id)?).await?;
        let data: wire::CommentsData<wire::CommentList> = self
            .gql(
                "query comments.list",
                q::COMMENTS,
                json!({ "locale": p.locale, "path": p.path }),
            )
            .await?;
        let mut all = Vec::new();
        for c in data.comments.list {
            let body = match (c.content, c.render) {
                (Some(md), _) => md,
                (None, Some(html)) => convert::html_to_markdown(&html)
                    .map_err(named)?
                    .value
                    .trim_end()
                    .to_owned(),
                (None, None) => String::new(),
            };
            all.push(Comment {
                id: c.id.to_string(),
                author: c.author_name,
                body,
                created_at: c.created_at,
            });
        }
        Page::slice(all, &params.page, PAGE_SIZE.default).map_err(named)
    }

    /// `pages { history }`, newest first; the cursor is the next offset
    /// page.
    async fn list_revisions(&self, params: ListRevisions) -> Result<Page<Revision>> {
        let id = page_id("page_id", &params.page_id)?;
        let size = params.page.size_or(PAGE_SIZE.default, PAGE_SIZE.max);
        let offset_page: u64 = match &params.page.cursor {
            None => 0,
            Some(c) => c.as_str().parse().map_err(|_| {
                named(Error::invalid_input(
                    "page.cursor",
                    "not a cursor of this listing",
                ))
            })?,
        };
        let data: wire::PagesData<wire::HistoryData> = self
            .gql(
                "query pages.history",
                q::HISTORY,
                json!({ "id": id, "offsetPage": offset_page, "offsetSize": size }),
            )
            .await?;
        let h = data.pages.history;
        let seen = (offset_page + 1) * u64::from(size);
        let next = (!h.trail.is_empty() && seen < h.total)
            .then(|| Cursor::new((offset_page + 1).to_string()));
        let items = h
            .trail
            .into_iter()
            .map(|e| Revision {
                id: e.version_id.to_string(),
                version: e.version_id,
                author: e.author_name,
                message: e.action_type,
                created_at: e.version_date,
            })
            .collect();
        Ok(Page::new(items, next).with_total(h.total))
    }
}

fn space(l: wire::Locale) -> Space {
    Space {
        key: Some(l.code.clone()),
        id: l.code,
        description: l.native_name.filter(|n| *n != l.name),
        name: l.name,
        web_url: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_paths_and_versions() {
        assert_eq!(slug("  Getting Started: v2!  "), "getting-started-v2");
        assert_eq!(slug("Über Café"), "über-café");
        assert_eq!(
            parent_of("docs/guides/setup").as_deref(),
            Some("docs/guides")
        );
        assert_eq!(parent_of("home"), None);
        assert_eq!(millis("2020-01-01T00:00:00.500Z"), Some(1_577_836_800_500));
        assert_eq!(millis("nope"), None);
    }
}
