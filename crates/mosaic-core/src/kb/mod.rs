//! Knowledge bases: [`KnowledgeBaseProvider`], its request/response enums and bridges.
//!
//! Writes invalidate the whole family's cached reads (of the tenant): a
//! page id does not say which space listing it appears in.
//!
//! **Names.** Like every family's, this module's types are named without
//! the family: the module is the namespace (`kb::Comment` beside
//! `git::Comment` and `project::Comment`, `kb::Search`). The one exception
//! is a page, `KbPage`, with its parameters (`CreateKbPage`, `KbPageRef`,
//! …), because `Page` is the crate's listing type. Parameters that create
//! or replace a whole object are named `Write…` in every family
//! (`git::WriteFile`, `cicd::WriteSecret`, `cicd::WriteEnvironment`).
//!
//! Each operation is one method of [`KnowledgeBaseProvider`] taking one parameters type
//! of this module; [`KbClient`] offers the same methods over any tower stack,
//! and walks a whole listing (output [`Page`]) with
//! [`pages`](KbClient::pages), [`all`](KbClient::all) and
//! [`collect_all`](KbClient::collect_all). The class says what middleware may
//! do with an operation (see [`meta`](crate::operation::meta)): `READ` is
//! cached, `LIVE` is a read that never is, `CREATE` is not safe to
//! repeat, `SET` is, and a `_BROAD` write invalidates every cached read of
//! the family.
//!
//! ## Operations
//!
//! | operation | method | params | output | access | class |
//! |---|---|---|---|---|---|
//! | `kb.space.create` | [`create_space`](KnowledgeBaseProvider::create_space) | [`CreateSpace`] | [`Space`] | write | `CREATE_BROAD` |
//! | `kb.space.get` | [`get_space`](KnowledgeBaseProvider::get_space) | [`SpaceRef`] | [`Space`] | read | `READ` |
//! | `kb.space.update` | [`update_space`](KnowledgeBaseProvider::update_space) | [`UpdateSpace`] | [`Space`] | write | `SET_BROAD` |
//! | `kb.space.delete` | [`delete_space`](KnowledgeBaseProvider::delete_space) | [`SpaceRef`] | `()` | write | `SET_BROAD` |
//! | `kb.space.list` | [`list_spaces`](KnowledgeBaseProvider::list_spaces) | [`ListSpaces`] | [`Page`] of [`Space`] | read | `READ` |
//! | `kb.page.create` | [`create_page`](KnowledgeBaseProvider::create_page) | [`CreateKbPage`] | [`KbPage`] | write | `CREATE_BROAD` |
//! | `kb.page.get` | [`get_page`](KnowledgeBaseProvider::get_page) | [`KbPageRef`] | [`KbPage`] | read | `READ` |
//! | `kb.page.update` | [`update_page`](KnowledgeBaseProvider::update_page) | [`UpdateKbPage`] | [`KbPage`] | write | `SET_BROAD` |
//! | `kb.page.delete` | [`delete_page`](KnowledgeBaseProvider::delete_page) | [`KbPageRef`] | `()` | write | `SET_BROAD` |
//! | `kb.page.move` | [`move_page`](KnowledgeBaseProvider::move_page) | [`MoveKbPage`] | [`KbPage`] | write | `SET_BROAD` |
//! | `kb.page.list` | [`list_pages`](KnowledgeBaseProvider::list_pages) | [`ListKbPages`] | [`Page`] of [`KbPage`] | read | `READ` |
//! | `kb.attachment.upload` | [`upload_attachment`](KnowledgeBaseProvider::upload_attachment) | [`UploadAttachment`] | [`Attachment`] | write | `CREATE_BROAD` |
//! | `kb.search` | [`search`](KnowledgeBaseProvider::search) | [`Search`] | [`Page`] of [`SearchHit`] | read | `READ` |
//! | `kb.page.export` | [`export_page`](KnowledgeBaseProvider::export_page) | [`ExportKbPage`] | [`ExportedDoc`] | read | `READ` |
//! | `kb.page.import` | [`import_page`](KnowledgeBaseProvider::import_page) | [`ImportKbPage`] | [`KbPage`] | write | `CREATE_BROAD` |
//! | `kb.comment.add` | [`add_comment`](KnowledgeBaseProvider::add_comment) | [`AddComment`] | [`Comment`] | write | `CREATE_BROAD` |
//! | `kb.comment.list` | [`list_comments`](KnowledgeBaseProvider::list_comments) | [`ListComments`] | [`Page`] of [`Comment`] | read | `READ` |
//! | `kb.revision.list` | [`list_revisions`](KnowledgeBaseProvider::list_revisions) | [`ListRevisions`] | [`Page`] of [`Revision`] | read | `READ` |

mod types;

use std::borrow::Cow;

pub use types::*;

use crate::family::define_family;
use crate::page::Page;

fn id(s: &str) -> Option<Cow<'_, str>> {
    Some(Cow::Borrowed(s))
}

/// The kb family's table of operations, handed to the macro `$cb`
/// (with any tokens in parentheses before it) to derive code from:
/// `define_family!` below, and the plugin handle's delegation in
/// `mosaic-plugin-sdk`. The rows are written once, here.
#[doc(hidden)]
#[macro_export]
macro_rules! __kb_family {
    ($cb:ident $(($($extra:tt)*))?) => {
        $cb! {
            $($($extra)*)?
            /// A knowledge base or wiki: spaces, pages, attachments, search,
            /// export/import, comments and revision history.
            family KnowledgeBase {
                provider: KnowledgeBaseProvider,
                request: KbRequest,
                response: KbResponse,
                kind: KbOp,
                service: KbService,
                client: KbClient,
            }

            /// Create a space.
            CreateSpace => fn create_space(CreateSpace) -> Space;
                "kb.space.create", CREATE_BROAD, |p| Some(Cow::Borrowed(&p.name));
            /// Fetch a space.
            GetSpace => fn get_space(SpaceRef) -> Space;
                "kb.space.get", READ, |p| id(&p.id);
            /// Change a space.
            UpdateSpace => fn update_space(UpdateSpace) -> Space;
                "kb.space.update", SET_BROAD, |p| id(&p.id);
            /// Delete a space.
            DeleteSpace => fn delete_space(SpaceRef) -> ();
                "kb.space.delete", SET_BROAD, |p| id(&p.id);
            /// List spaces.
            ListSpaces => fn list_spaces(ListSpaces) -> Page<Space>;
                "kb.space.list", READ, |_| None;

            /// Create a page.
            CreatePage => fn create_page(CreateKbPage) -> KbPage;
                "kb.page.create", CREATE_BROAD, |p| id(&p.space_id);
            /// Fetch a page with its body.
            GetPage => fn get_page(KbPageRef) -> KbPage;
                "kb.page.get", READ, |p| id(&p.id);
            /// Change a page.
            UpdatePage => fn update_page(UpdateKbPage) -> KbPage;
                "kb.page.update", SET_BROAD, |p| id(&p.id);
            /// Delete a page.
            DeletePage => fn delete_page(KbPageRef) -> ();
                "kb.page.delete", SET_BROAD, |p| id(&p.id);
            /// Move a page to another parent or space.
            MovePage => fn move_page(MoveKbPage) -> KbPage;
                "kb.page.move", SET_BROAD, |p| id(&p.id);
            /// List pages of a space.
            ListPages => fn list_pages(ListKbPages) -> Page<KbPage>;
                "kb.page.list", READ, |p| id(&p.space_id);

            /// Attach a file to a page.
            UploadAttachment => fn upload_attachment(UploadAttachment) -> Attachment;
                "kb.attachment.upload", CREATE_BROAD, |p| id(&p.page_id);
            /// Search pages by text.
            Search => fn search(Search) -> Page<SearchHit>;
                "kb.search", READ, |p| p.space_id.as_deref().map(Cow::Borrowed);
            /// Export a page.
            ExportPage => fn export_page(ExportKbPage) -> ExportedDoc;
                "kb.page.export", READ, |p| id(&p.id);
            /// Create a page from a document.
            ImportPage => fn import_page(ImportKbPage) -> KbPage;
                "kb.page.import", CREATE_BROAD, |p| id(&p.space_id);

            /// Comment on a page.
            AddComment => fn add_comment(AddComment) -> Comment;
                "kb.comment.add", CREATE_BROAD, |p| id(&p.page_id);
            /// List a page's comments.
            ListComments => fn list_comments(ListComments) -> Page<Comment>;
                "kb.comment.list", READ, |p| id(&p.page_id);
            /// List a page's revisions, newest first.
            ListRevisions => fn list_revisions(ListRevisions) -> Page<Revision>;
                "kb.revision.list", READ, |p| id(&p.page_id);
        }
    };
}

__kb_family!(define_family);
