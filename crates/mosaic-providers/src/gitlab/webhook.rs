//! GitLab webhooks: the shared secret arrives verbatim in `X-Gitlab-Token`
//! (compared in constant time); the event is named by `X-Gitlab-Event`
//! (`Push Hook`, `Tag Push Hook`, `Merge Request Hook`, `Issue Hook`,
//! `Note Hook`, `Release Hook`).

use mosaic_core::git::{PullRequest, Release, RepoRef};
use serde::Deserialize;

use super::{map, wire};

use crate::forge::{keyed_webhook_handler, ref_event};
use crate::webhook::*;

/// The token header.
pub const TOKEN_HEADER: &str = "x-gitlab-token";
/// The event-name header.
pub const EVENT_HEADER: &str = "x-gitlab-event";
/// The delivery-id header.
pub const DELIVERY_HEADER: &str = "x-gitlab-event-uuid";

keyed_webhook_handler!(
    /// Verifies and parses GitLab webhook deliveries.
    GitLabWebhooks,
    Forge::GitLab,
    "webhook token"
);

#[derive(Deserialize)]
struct Project {
    path_with_namespace: String,
}

#[derive(Deserialize)]
struct Author {
    name: Option<String>,
}

#[derive(Deserialize)]
struct PushCommitWire {
    id: String,
    #[serde(default)]
    message: String,
    author: Option<Author>,
}

#[derive(Deserialize)]
struct Push {
    #[serde(rename = "ref")]
    git_ref: String,
    before: String,
    after: String,
    user_username: Option<String>,
    project: Project,
    #[serde(default)]
    commits: Vec<PushCommitWire>,
}

#[derive(Deserialize)]
struct LastCommit {
    id: String,
}

#[derive(Deserialize)]
struct MrAttributes {
    iid: u64,
    title: String,
    description: Option<String>,
    state: String,
    action: Option<String>,
    #[serde(default)]
    draft: bool,
    source_branch: String,
    target_branch: String,
    last_commit: Option<LastCommit>,
    merge_commit_sha: Option<String>,
    url: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
    oldrev: Option<String>,
}

#[derive(Deserialize)]
struct MergeRequestHook {
    user: wire::User,
    project: Project,
    object_attributes: MrAttributes,
}

#[derive(Deserialize)]
struct IssueAttributes {
    iid: u64,
    title: String,
    description: Option<String>,
    state: String,
    action: Option<String>,
    url: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
}

#[derive(Deserialize)]
struct LabelWire {
    title: String,
}

#[derive(Deserialize)]
struct IssueHook {
    user: wire::User,
    project: Project,
    object_attributes: IssueAttributes,
    #[serde(default)]
    labels: Vec<LabelWire>,
    #[serde(default)]
    assignees: Vec<wire::User>,
}

#[derive(Deserialize)]
struct NoteAttributes {
    id: u64,
    note: String,
    noteable_type: String,
    commit_id: Option<String>,
    action: Option<String>,
}

#[derive(Deserialize)]
struct Iid {
    iid: u64,
}

#[derive(Deserialize)]
struct NoteHook {
    user: wire::User,
    project: Project,
    object_attributes: NoteAttributes,
    issue: Option<Iid>,
    merge_request: Option<Iid>,
}

#[derive(Deserialize)]
struct ReleaseHook {
    project: Project,
    action: Option<String>,
    tag: String,
    name: Option<String>,
    description: Option<String>,
    url: Option<String>,
    created_at: Option<String>,
}

const NULL_SHA: &str = "0000000000000000000000000000000000000000";

fn repo(p: &Project) -> Result<RepoRef, WebhookError> {
    RepoRef::parse(&p.path_with_namespace).map_err(WebhookError::Payload)
}

fn ignored(event: &str, action: Option<&str>) -> WebhookOutcome {
    let name = match action {
        Some(a) => format!("{event}.{a}"),
        None => event.to_owned(),
    };
    WebhookOutcome::ignored(name, "not an event Mosaic models")
}

impl WebhookHandler for GitLabWebhooks {
    fn forge(&self) -> Forge {
        Forge::GitLab
    }

    fn verify(&self, headers: &HeaderMap, _body: &[u8]) -> Result<(), WebhookError> {
        verify::check_token(
            TOKEN_HEADER,
            header(headers, TOKEN_HEADER),
            self.key.expose(),
        )
    }

    fn parse(&self, headers: &HeaderMap, body: &[u8]) -> Result<WebhookOutcome, WebhookError> {
        let event = header(headers, EVENT_HEADER).ok_or(WebhookError::MissingEvent {
            header: EVENT_HEADER,
        })?;
        let f = Forge::GitLab;
        let (repository, sender, ev) = match event {
            "Push Hook" | "Tag Push Hook" => {
                let p: Push = decode(f, event, body)?;
                let tag = event == "Tag Push Hook";
                let prefix = if tag { "refs/tags/" } else { "refs/heads/" };
                let name = p
                    .git_ref
                    .strip_prefix(prefix)
                    .unwrap_or(&p.git_ref)
                    .to_owned();
                let ev = if p.before == NULL_SHA {
                    ref_event(tag, true, name, p.after.clone())
                } else if p.after == NULL_SHA {
                    ref_event(tag, false, name, p.before.clone())
                } else {
                    WebhookEvent::Push(PushEvent {
                        git_ref: p.git_ref,
                        before: Some(p.before),
                        after: p.after,
                        commits: p
                            .commits
                            .into_iter()
                            .map(|c| PushCommit {
                                sha: c.id,
                                message: c.message,
                                author: c.author.and_then(|a| a.name),
                            })
                            .collect(),
                    })
                };
                (repo(&p.project)?, p.user_username, ev)
            }
            "Merge Request Hook" => {
                let h: MergeRequestHook = decode(f, event, body)?;
                let a = h.object_attributes;
                let action = match a.action.as_deref() {
                    Some("open") => PullRequestAction::Opened,
                    Some("close") => PullRequestAction::Closed,
                    Some("merge") => PullRequestAction::Merged,
                    Some("reopen") => PullRequestAction::Reopened,
                    Some("update") if a.oldrev.is_some() => PullRequestAction::Synchronized,
                    Some("update") => PullRequestAction::Edited,
                    other => return Ok(ignored(event, other)),
                };
                let pr = PullRequest {
                    number: a.iid,
                    title: a.title,
                    body: a.description.filter(|d| !d.is_empty()),
                    state: map::merge_request_state(&a.state),
                    draft: a.draft,
                    head: a.source_branch,
                    base: a.target_branch,
                    head_sha: a.last_commit.map(|c| c.id),
                    author: None,
                    merge_commit_sha: a.merge_commit_sha,
                    web_url: a.url,
                    created_at: a.created_at,
                    updated_at: a.updated_at,
                };
                (
                    repo(&h.project)?,
                    Some(h.user.username),
                    WebhookEvent::PullRequest(PullRequestEvent {
                        action,
                        pull_request: pr,
                    }),
                )
            }
            "Issue Hook" => {
                let h: IssueHook = decode(f, event, body)?;
                let a = h.object_attributes;
                let action = match a.action.as_deref() {
                    Some("open") => IssueAction::Opened,
                    Some("close") => IssueAction::Closed,
                    Some("reopen") => IssueAction::Reopened,
                    Some("update") => IssueAction::Edited,
                    other => return Ok(ignored(event, other)),
                };
                let issue = map::issue(wire::Issue {
                    iid: a.iid,
                    title: a.title,
                    description: a.description,
                    state: a.state,
                    labels: h.labels.into_iter().map(|l| l.title).collect(),
                    assignees: h.assignees,
                    author: None,
                    web_url: a.url,
                    created_at: a.created_at,
                    updated_at: a.updated_at,
                });
                (
                    repo(&h.project)?,
                    Some(h.user.username),
                    WebhookEvent::Issue(IssueEvent { action, issue }),
                )
            }
            "Note Hook" => {
                let h: NoteHook = decode(f, event, body)?;
                let a = h.object_attributes;
                let action = match a.action.as_deref() {
                    None | Some("create") => CommentAction::Created,
                    Some("update") => CommentAction::Edited,
                    Some(other) => return Ok(ignored(event, Some(other))),
                };
                let target = match (a.noteable_type.as_str(), &h.issue, &h.merge_request) {
                    ("Issue", Some(i), _) => CommentTarget::Issue(i.iid),
                    ("MergeRequest", _, Some(m)) => CommentTarget::PullRequest(m.iid),
                    ("Commit", _, _) => {
                        CommentTarget::Commit(a.commit_id.clone().unwrap_or_default())
                    }
                    (other, _, _) => return Ok(ignored(event, Some(other))),
                };
                let author = Some(h.user.username);
                (
                    repo(&h.project)?,
                    author.clone(),
                    WebhookEvent::Comment(CommentEvent {
                        action,
                        target,
                        id: a.id.to_string(),
                        body: a.note,
                        author,
                    }),
                )
            }
            "Release Hook" => {
                let h: ReleaseHook = decode(f, event, body)?;
                let action = match h.action.as_deref() {
                    Some("create") => ReleaseAction::Published,
                    Some("update") => ReleaseAction::Updated,
                    Some("delete") => ReleaseAction::Deleted,
                    other => return Ok(ignored(event, other)),
                };
                let release = Release {
                    id: h.tag.clone(),
                    tag_name: h.tag,
                    name: h.name,
                    body: h.description.filter(|d| !d.is_empty()),
                    draft: false,
                    prerelease: false,
                    web_url: h.url,
                    created_at: h.created_at,
                };
                (
                    repo(&h.project)?,
                    None,
                    WebhookEvent::Release(ReleaseEvent { action, release }),
                )
            }
            other => return Ok(ignored(other, None)),
        };
        Ok(WebhookOutcome::Event(Box::new(WebhookDelivery {
            forge: Forge::GitLab,
            delivery_id: header(headers, DELIVERY_HEADER)
                .or_else(|| header(headers, "x-gitlab-webhook-uuid"))
                .map(str::to_owned),
            repository,
            sender,
            event: ev,
        })))
    }
}
