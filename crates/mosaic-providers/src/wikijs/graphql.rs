//! The GraphQL documents Mosaic sends to Wiki.js 2.x (`/graphql`), and
//! the envelope and error mapping of its answers.

use mosaic_core::{Error, ErrorKind, Result};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::{WikiJs, named};

/// Installed locales (spaces).
pub const LOCALES: &str =
    "query { localization { locales { code name nativeName isInstalled updatedAt } } }";

/// One page with its source.
pub const PAGE: &str = "query ($id: Int!) { pages { single(id: $id) { id path locale title description content render editor contentType createdAt updatedAt authorName } } }";

/// Every page of a locale, ordered by path.
pub const LIST: &str = "query ($locale: String) { pages { list(locale: $locale, orderBy: PATH, orderByDirection: ASC) { id path locale title description createdAt updatedAt } } }";

/// Full-text search.
pub const SEARCH: &str = "query ($query: String!, $path: String, $locale: String) { pages { search(query: $query, path: $path, locale: $locale) { results { id title description path locale } totalHits } } }";

/// A page's history, one offset page at a time.
pub const HISTORY: &str = "query ($id: Int!, $offsetPage: Int, $offsetSize: Int) { pages { history(id: $id, offsetPage: $offsetPage, offsetSize: $offsetSize) { trail { versionId versionDate authorName actionType valueBefore valueAfter } total } } }";

/// Whether a page changed since a date.
pub const CHECK_CONFLICTS: &str = "query ($id: Int!, $checkoutDate: Date!) { pages { checkConflicts(id: $id, checkoutDate: $checkoutDate) } }";

/// Create a page.
pub const CREATE: &str = "mutation ($content: String!, $description: String!, $editor: String!, $isPublished: Boolean!, $isPrivate: Boolean!, $locale: String!, $path: String!, $tags: [String]!, $title: String!) { pages { create(content: $content, description: $description, editor: $editor, isPublished: $isPublished, isPrivate: $isPrivate, locale: $locale, path: $path, tags: $tags, title: $title) { responseResult { succeeded errorCode slug message } page { id path locale title description createdAt updatedAt } } } }";

/// Update a page's title and/or content.
pub const UPDATE: &str = "mutation ($id: Int!, $content: String, $title: String) { pages { update(id: $id, content: $content, title: $title) { responseResult { succeeded errorCode slug message } page { id updatedAt } } } }";

/// Move a page to another path or locale.
pub const MOVE: &str = "mutation ($id: Int!, $destinationPath: String!, $destinationLocale: String!) { pages { move(id: $id, destinationPath: $destinationPath, destinationLocale: $destinationLocale) { responseResult { succeeded errorCode slug message } } } }";

/// Delete a page.
pub const DELETE: &str = "mutation ($id: Int!) { pages { delete(id: $id) { responseResult { succeeded errorCode slug message } } } }";

/// Comment on a page.
pub const COMMENT: &str = "mutation ($pageId: Int!, $content: String!) { comments { create(pageId: $pageId, content: $content) { responseResult { succeeded errorCode slug message } id } } }";

/// A page's comments.
pub const COMMENTS: &str = "query ($locale: String!, $path: String!) { comments { list(locale: $locale, path: $path) { id content render authorName createdAt } } }";

#[derive(Debug, Deserialize)]
struct Envelope {
    #[serde(default)]
    data: Option<Value>,
    #[serde(default)]
    errors: Option<Vec<GqlError>>,
}

#[derive(Debug, Deserialize)]
struct GqlError {
    #[serde(default)]
    message: String,
    #[serde(default)]
    extensions: Option<Value>,
}

/// The `responseResult` of a mutation.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ResponseResult {
    /// Whether it worked.
    pub(crate) succeeded: bool,
    /// Wiki.js error code (`6003`).
    #[serde(default, rename = "errorCode")]
    pub(crate) error_code: i64,
    /// Error name (`PageNotFound`).
    #[serde(default)]
    pub(crate) slug: String,
    /// Message.
    #[serde(default)]
    pub(crate) message: Option<String>,
}

/// The kind of a Wiki.js error, from its name (`PageNotFound`,
/// `PageUpdateForbidden`) and message.
pub(super) fn kind_of(name: &str, message: &str) -> ErrorKind {
    let m = message.to_ascii_lowercase();
    if name == "AuthRequired" || m == "unauthorized" || m.contains("invalid token") {
        ErrorKind::Unauthenticated
    } else if name.ends_with("NotFound") || m.contains("does not exist") {
        ErrorKind::NotFound
    } else if name.contains("Forbidden") || m == "forbidden" || m.contains("not authorized") {
        ErrorKind::PermissionDenied
    } else if name.contains("Duplicate") || name.contains("Collision") {
        ErrorKind::Conflict
    } else if ["Illegal", "Empty", "Missing", "Invalid"]
        .iter()
        .any(|w| name.contains(w))
    {
        ErrorKind::InvalidInput
    } else if m.contains("too many") || m.contains("rate limit") {
        ErrorKind::RateLimited
    } else {
        ErrorKind::Provider
    }
}

impl ResponseResult {
    /// `Ok` when it succeeded, else the mapped error.
    pub(crate) fn check(&self, what: &str) -> Result<()> {
        if self.succeeded {
            return Ok(());
        }
        let message = self.message.clone().unwrap_or_default();
        Err(named(Error::new(
            kind_of(&self.slug, &message),
            format!(
                "{what}: {} ({} {})",
                mosaic_core::redact(&message),
                self.slug,
                self.error_code
            ),
        )))
    }
}

impl WikiJs {
    /// Send one GraphQL document and decode `data` as `T`.
    pub(super) async fn gql<T: DeserializeOwned>(
        &self,
        what: &str,
        query: &str,
        variables: Value,
    ) -> Result<T> {
        let resp = self
            .http
            .post("/graphql")
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await?;
        decode_envelope(resp.body(), what)
    }
}

/// Decode a GraphQL answer: errors become typed errors, `data` is decoded
/// as `T` with failures naming the JSON path.
pub(super) fn decode_envelope<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T> {
    let env: Envelope = crate::http::json::decode_as(body, what).map_err(named)?;
    if let Some(first) = env.errors.as_ref().and_then(|e| e.first()) {
        let name = first
            .extensions
            .as_ref()
            .and_then(|x| {
                x.pointer("/exception/name")
                    .or_else(|| x.get("code"))
                    .and_then(Value::as_str)
            })
            .unwrap_or("");
        return Err(named(Error::new(
            kind_of(name, &first.message),
            format!("{what}: {}", mosaic_core::redact(&first.message)),
        )));
    }
    let data = env.data.unwrap_or(Value::Null);
    serde_path_to_error::deserialize(data).map_err(|e| {
        let path = e.path().to_string();
        named(Error::decode(
            format!("`$.data.{path}` of {what}"),
            e.into_inner(),
        ))
    })
}
