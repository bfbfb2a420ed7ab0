//! Bitbucket Cloud webhooks: `X-Hub-Signature` (`sha256=<hex>` HMAC-SHA256
//! of the body) and the events named by `X-Event-Key` (`repo:push`,
//! `pullrequest:*`, `issue:*`, comment events).
//!
//! A `repo:push` delivery can carry several ref changes; it is reported by
//! its first change (a branch or tag created or deleted, or a push).
//! Bitbucket sends one `pullrequest:updated` for edits and for new
//! commits alike; it is reported as
//! [`Synchronized`](crate::webhook::PullRequestAction::Synchronized).

use mosaic_core::git::RepoRef;
use serde::Deserialize;

use super::{map, wire};
use crate::forge::{keyed_webhook_handler, ref_event};
use crate::webhook::*;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-hub-signature";
/// The event-name header.
pub const EVENT_HEADER: &str = "x-event-key";
/// The delivery-id header.
pub const DELIVERY_HEADER: &str = "x-request-uuid";

keyed_webhook_handler!(
    /// Verifies and parses Bitbucket Cloud webhook deliveries.
    BitbucketWebhooks,
    Forge::Bitbucket,
    "webhook secret"
);

#[derive(Deserialize)]
struct Repo {
    full_name: String,
}

#[derive(Deserialize)]
struct Envelope {
    repository: Repo,
    actor: Option<wire::Account>,
}

#[derive(Deserialize)]
struct RefState {
    #[serde(rename = "type")]
    kind: String,
    name: String,
    target: wire::Hash,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Change {
    new: Option<RefState>,
    old: Option<RefState>,
    commits: Vec<wire::Commit>,
}

#[derive(Deserialize)]
struct PushBody {
    changes: Vec<Change>,
}

#[derive(Deserialize)]
struct Push {
    push: PushBody,
}

#[derive(Deserialize)]
struct PullPayload {
    pullrequest: wire::PullRequest,
}

#[derive(Deserialize)]
struct IssuePayload {
    issue: wire::Issue,
}

#[derive(Deserialize)]
struct CommentWire {
    id: u64,
    content: Option<wire::Content>,
    user: Option<wire::Account>,
}

#[derive(Deserialize)]
struct Id {
    id: u64,
}

#[derive(Deserialize)]
struct CommentPayload {
    comment: CommentWire,
    pullrequest: Option<Id>,
    issue: Option<Id>,
    commit: Option<wire::Hash>,
}

fn ref_name(kind: &str, name: &str) -> String {
    if kind == "tag" {
        format!("refs/tags/{name}")
    } else {
        format!("refs/heads/{name}")
    }
}

impl WebhookHandler for BitbucketWebhooks {
    fn forge(&self) -> Forge {
        Forge::Bitbucket
    }

    fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), WebhookError> {
        verify::check_hmac_sha256(
            SIGNATURE_HEADER,
            header(headers, SIGNATURE_HEADER),
            "sha256=",
            self.key.expose().as_bytes(),
            body,
        )
    }

    fn parse(&self, headers: &HeaderMap, body: &[u8]) -> Result<WebhookOutcome, WebhookError> {
        let event = header(headers, EVENT_HEADER).ok_or(WebhookError::MissingEvent {
            header: EVENT_HEADER,
        })?;
        let f = Forge::Bitbucket;
        let known = [
            "repo:push",
            "pullrequest:created",
            "pullrequest:updated",
            "pullrequest:fulfilled",
            "pullrequest:rejected",
            "pullrequest:comment_created",
            "pullrequest:comment_updated",
            "pullrequest:comment_deleted",
            "issue:created",
            "issue:updated",
            "issue:comment_created",
            "repo:commit_comment_created",
        ];
        if !known.contains(&event) {
            return Ok(WebhookOutcome::ignored(event, "not an event Mosaic models"));
        }
        let env: Envelope = decode(f, event, body)?;
        let ev = match event {
            "repo:push" => {
                let p: Push = decode(f, event, body)?;
                let Some(c) = p.push.changes.into_iter().next() else {
                    return Ok(WebhookOutcome::ignored(event, "a push without ref changes"));
                };
                match (c.old, c.new) {
                    (None, Some(n)) => ref_event(n.kind == "tag", true, n.name, n.target.hash),
                    (Some(o), None) => ref_event(o.kind == "tag", false, o.name, o.target.hash),
                    (old, Some(n)) => WebhookEvent::Push(PushEvent {
                        git_ref: ref_name(&n.kind, &n.name),
                        before: old.map(|o| o.target.hash),
                        after: n.target.hash,
                        // Bitbucket lists the newest commit first.
                        commits: c
                            .commits
                            .into_iter()
                            .rev()
                            .map(|c| PushCommit {
                                author: c
                                    .author
                                    .and_then(|a| a.raw)
                                    .map(|raw| map::parse_raw_author(&raw, None).name),
                                sha: c.hash,
                                message: c.message,
                            })
                            .collect(),
                    }),
                    (None, None) => {
                        return Ok(WebhookOutcome::ignored(event, "a change without refs"));
                    }
                }
            }
            "pullrequest:created"
            | "pullrequest:updated"
            | "pullrequest:fulfilled"
            | "pullrequest:rejected" => {
                let p: PullPayload = decode(f, event, body)?;
                let action = match event {
                    "pullrequest:created" => PullRequestAction::Opened,
                    "pullrequest:updated" => PullRequestAction::Synchronized,
                    "pullrequest:fulfilled" => PullRequestAction::Merged,
                    _ => PullRequestAction::Closed,
                };
                WebhookEvent::PullRequest(PullRequestEvent {
                    action,
                    pull_request: map::pull_request(p.pullrequest),
                })
            }
            "issue:created" | "issue:updated" => {
                let p: IssuePayload = decode(f, event, body)?;
                let issue = map::issue(p.issue);
                let action = match (event, issue.state) {
                    ("issue:created", _) => IssueAction::Opened,
                    (_, mosaic_core::git::IssueState::Closed) => IssueAction::Closed,
                    _ => IssueAction::Edited,
                };
                WebhookEvent::Issue(IssueEvent { action, issue })
            }
            _ => {
                // comment events
                let p: CommentPayload = decode(f, event, body)?;
                let action = if event.ends_with("_updated") {
                    CommentAction::Edited
                } else if event.ends_with("_deleted") {
                    CommentAction::Deleted
                } else {
                    CommentAction::Created
                };
                let target = match (&p.pullrequest, &p.issue, &p.commit) {
                    (Some(pr), _, _) if event.starts_with("pullrequest:") => {
                        CommentTarget::PullRequest(pr.id)
                    }
                    (_, Some(i), _) if event.starts_with("issue:") => CommentTarget::Issue(i.id),
                    (_, _, Some(c)) => CommentTarget::Commit(c.hash.clone()),
                    _ => return Ok(WebhookOutcome::ignored(event, "a comment without a target")),
                };
                WebhookEvent::Comment(CommentEvent {
                    action,
                    target,
                    id: p.comment.id.to_string(),
                    body: p.comment.content.and_then(|c| c.raw).unwrap_or_default(),
                    author: p.comment.user.and_then(wire::Account::login),
                })
            }
        };
        let repository =
            RepoRef::parse(&env.repository.full_name).map_err(WebhookError::Payload)?;
        Ok(WebhookOutcome::Event(Box::new(WebhookDelivery {
            forge: Forge::Bitbucket,
            delivery_id: header(headers, DELIVERY_HEADER).map(str::to_owned),
            repository,
            sender: env.actor.and_then(wire::Account::login),
            event: ev,
        })))
    }
}
