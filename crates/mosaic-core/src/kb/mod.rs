//! Knowledge bases: [`KnowledgeBaseProvider`], its request/response enums and bridges.
//!
//! Writes invalidate the whole family's cached reads (of the tenant): a
//! page id does not say which space listing it appears in.

mod types;

use std::borrow::Cow;

pub use types::*;

use crate::family::define_family;
use crate::page::Page;

fn id(s: &str) -> Option<Cow<'_, str>> {
    Some(Cow::Borrowed(s))
}

define_family! {
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
    Search => fn search(SearchKb) -> Page<SearchHit>;
        "kb.search", READ, |p| p.space_id.as_deref().map(Cow::Borrowed);
    /// Export a page.
    ExportPage => fn export_page(ExportKbPage) -> ExportedDoc;
        "kb.page.export", READ, |p| id(&p.id);
    /// Create a page from a document.
    ImportPage => fn import_page(ImportKbPage) -> KbPage;
        "kb.page.import", CREATE_BROAD, |p| id(&p.space_id);

    /// Comment on a page.
    AddComment => fn add_comment(AddKbComment) -> KbComment;
        "kb.comment.add", CREATE_BROAD, |p| id(&p.page_id);
    /// List a page's comments.
    ListComments => fn list_comments(ListKbComments) -> Page<KbComment>;
        "kb.comment.list", READ, |p| id(&p.page_id);
    /// List a page's revisions, newest first.
    ListRevisions => fn list_revisions(ListRevisions) -> Page<Revision>;
        "kb.revision.list", READ, |p| id(&p.page_id);
}
