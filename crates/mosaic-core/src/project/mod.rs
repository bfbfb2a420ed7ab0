//! Issue trackers: [`ProjectProvider`], its request/response enums and bridges.
//!
//! Writes invalidate the whole family's cached reads (of the tenant): an
//! issue id does not always say which project's listings it appears in.
//!
//! Each operation is one method of [`ProjectProvider`] taking one parameters type
//! of this module; [`ProjectClient`] offers the same methods over any tower stack,
//! and walks a whole listing (output [`Page`]) with
//! [`pages`](ProjectClient::pages), [`all`](ProjectClient::all) and
//! [`collect_all`](ProjectClient::collect_all). The class says what middleware may
//! do with an operation (see [`meta`](crate::operation::meta)): `READ` is
//! cached, `LIVE` is a read that never is, `CREATE` is not safe to
//! repeat, `SET` is, and a `_BROAD` write invalidates every cached read of
//! the family.
//!
//! The issue types (`CreateIssue`, `Issue`, `IssueRef`, `ListIssues`,
//! `UpdateIssue`) share their names with the git family's issue types
//! ([`git`](crate::git)): where both families are in use, name them
//! through their modules (`project::CreateIssue`, `git::CreateIssue`)
//! rather than importing both modules with `*`.
//!
//! ## Operations
//!
//! | operation | method | params | output | access | class |
//! |---|---|---|---|---|---|
//! | `project.project.list` | [`list_projects`](ProjectProvider::list_projects) | [`ListProjects`] | [`Page`] of [`Project`] | read | `READ` |
//! | `project.project.get` | [`get_project`](ProjectProvider::get_project) | [`ProjectRef`] | [`Project`] | read | `READ` |
//! | `project.issue.create` | [`create_issue`](ProjectProvider::create_issue) | [`CreateIssue`] | [`Issue`] | write | `CREATE_BROAD` |
//! | `project.issue.get` | [`get_issue`](ProjectProvider::get_issue) | [`IssueRef`] | [`Issue`] | read | `READ` |
//! | `project.issue.update` | [`update_issue`](ProjectProvider::update_issue) | [`UpdateIssue`] | [`Issue`] | write | `SET_BROAD` |
//! | `project.issue.transition` | [`transition_issue`](ProjectProvider::transition_issue) | [`TransitionIssue`] | [`Issue`] | write | `SET_BROAD` |
//! | `project.issue.list` | [`list_issues`](ProjectProvider::list_issues) | [`ListIssues`] | [`Page`] of [`Issue`] | read | `READ` |
//! | `project.issue.search` | [`search_issues`](ProjectProvider::search_issues) | [`SearchIssues`] | [`Page`] of [`Issue`] | read | `READ` |
//! | `project.comment.add` | [`add_comment`](ProjectProvider::add_comment) | [`AddComment`] | [`Comment`] | write | `CREATE_BROAD` |
//! | `project.comment.list` | [`list_comments`](ProjectProvider::list_comments) | [`ListComments`] | [`Page`] of [`Comment`] | read | `READ` |
//! | `project.label.list` | [`list_labels`](ProjectProvider::list_labels) | [`ListLabels`] | [`Page`] of [`Label`] | read | `READ` |
//! | `project.assignee.list` | [`list_assignees`](ProjectProvider::list_assignees) | [`ListAssignees`] | [`Page`] of [`User`] | read | `READ` |

mod types;

use std::borrow::Cow;

pub use types::*;

use crate::family::define_family;
use crate::page::Page;
use types::key_project;

/// The project family's table of operations, handed to the macro `$cb`
/// (with any tokens in parentheses before it) to derive code from:
/// `define_family!` below, and the plugin handle's delegation in
/// `mosaic-plugin-sdk`. The rows are written once, here.
#[doc(hidden)]
#[macro_export]
macro_rules! __project_family {
    ($cb:ident $(($($extra:tt)*))?) => {
        $cb! {
            $($($extra)*)?
            /// An issue tracker: projects, issues, transitions, search, comments,
            /// labels and assignees.
            family Project {
                provider: ProjectProvider,
                request: ProjectRequest,
                response: ProjectResponse,
                kind: ProjectOp,
                service: ProjectService,
                client: ProjectClient,
            }

            /// List projects.
            ListProjects => fn list_projects(ListProjects) -> Page<Project>;
                "project.project.list", READ, |_| None;
            /// Fetch a project.
            GetProject => fn get_project(ProjectRef) -> Project;
                "project.project.get", READ, |p| Some(Cow::Borrowed(&p.id));

            /// Create an issue.
            CreateIssue => fn create_issue(CreateIssue) -> Issue;
                "project.issue.create", CREATE_BROAD, |p| Some(Cow::Borrowed(&p.project_id));
            /// Fetch an issue.
            GetIssue => fn get_issue(IssueRef) -> Issue;
                "project.issue.get", READ, |p| key_project(&p.id);
            /// Change an issue.
            UpdateIssue => fn update_issue(UpdateIssue) -> Issue;
                "project.issue.update", SET_BROAD, |p| key_project(&p.id);
            /// Move an issue to another workflow state.
            TransitionIssue => fn transition_issue(TransitionIssue) -> Issue;
                "project.issue.transition", SET_BROAD, |p| key_project(&p.id);
            /// List a project's issues.
            ListIssues => fn list_issues(ListIssues) -> Page<Issue>;
                "project.issue.list", READ, |p| Some(Cow::Borrowed(&p.project_id));
            /// Search issues (JQL for Jira, text elsewhere).
            SearchIssues => fn search_issues(SearchIssues) -> Page<Issue>;
                "project.issue.search", READ, |p| p.project_id.as_deref().map(Cow::Borrowed);

            /// Comment on an issue.
            AddComment => fn add_comment(AddComment) -> Comment;
                "project.comment.add", CREATE_BROAD, |p| key_project(&p.issue_id);
            /// List an issue's comments.
            ListComments => fn list_comments(ListComments) -> Page<Comment>;
                "project.comment.list", READ, |p| key_project(&p.issue_id);

            /// List labels.
            ListLabels => fn list_labels(ListLabels) -> Page<Label>;
                "project.label.list", READ, |p| p.project_id.as_deref().map(Cow::Borrowed);
            /// List users who can be assigned in a project.
            ListAssignees => fn list_assignees(ListAssignees) -> Page<User>;
                "project.assignee.list", READ, |p| Some(Cow::Borrowed(&p.project_id));
        }
    };
}

__project_family!(define_family);
