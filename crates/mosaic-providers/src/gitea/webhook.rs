//! Gitea / Forgejo webhooks: `X-Gitea-Signature` (hex HMAC-SHA256 of the
//! body; Forgejo's `X-Forgejo-Signature` is accepted too) and the events
//! named by `X-Gitea-Event` (or `X-Forgejo-Event`).

use http::HeaderMap;
use mosaic_core::Secret;
use mosaic_core::git::RepoRef;
use serde::Deserialize;

use super::{map, wire};
use crate::webhook::{
    CommentAction, CommentEvent, CommentTarget, Forge, IssueAction, IssueEvent, PullRequestAction,
    PullRequestEvent, PushCommit, PushEvent, RefEvent, ReleaseAction, ReleaseEvent,
    WebhookDelivery, WebhookError, WebhookEvent, WebhookHandler, WebhookOutcome, decode, header,
    verify,
};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-gitea-signature";
/// Forgejo's name for the signature header.
pub const FORGEJO_SIGNATURE_HEADER: &str = "x-forgejo-signature";
/// The event-name header.
pub const EVENT_HEADER: &str = "x-gitea-event";
/// The delivery-id header.
pub const DELIVERY_HEADER: &str = "x-gitea-delivery";

/// Verifies and parses Gitea and Forgejo webhook deliveries.
#[derive(Debug, Clone)]
pub struct GiteaWebhooks {
    secret: Secret,
}

impl GiteaWebhooks {
    /// A handler for hooks configured with `secret`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](mosaic_core::ErrorKind::Config) when `secret` is
    /// empty or only whitespace: anyone can sign a delivery with such a key.
    pub fn new(secret: impl Into<Secret>) -> mosaic_core::Result<Self> {
        Ok(GiteaWebhooks {
            secret: verify::require_key(Forge::Gitea, "webhook secret", secret.into())?,
        })
    }
}

#[derive(Deserialize)]
struct Repo {
    name: String,
    owner: wire::User,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    action: Option<String>,
    repository: Repo,
    #[serde(default)]
    sender: Option<wire::User>,
}

#[derive(Deserialize)]
struct PushAuthor {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct PushCommitWire {
    id: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    author: Option<PushAuthor>,
}

#[derive(Deserialize)]
struct Push {
    #[serde(rename = "ref")]
    git_ref: String,
    #[serde(default)]
    before: Option<String>,
    after: String,
    #[serde(default)]
    commits: Option<Vec<PushCommitWire>>,
}

#[derive(Deserialize)]
struct CreateDelete {
    #[serde(rename = "ref")]
    name: String,
    ref_type: String,
    #[serde(default)]
    sha: Option<String>,
}

#[derive(Deserialize)]
struct PullPayload {
    pull_request: wire::PullRequest,
}

#[derive(Deserialize)]
struct IssuePayload {
    issue: wire::Issue,
}

#[derive(Deserialize)]
struct CommentWire {
    id: u64,
    #[serde(default)]
    body: String,
    #[serde(default)]
    user: Option<wire::User>,
}

#[derive(Deserialize)]
struct IssueNumber {
    number: u64,
}

#[derive(Deserialize)]
struct CommentPayload {
    comment: CommentWire,
    issue: IssueNumber,
    #[serde(default)]
    is_pull: bool,
}

#[derive(Deserialize)]
struct ReleasePayload {
    release: wire::Release,
}

const NULL_SHA: &str = "0000000000000000000000000000000000000000";

fn ignored(event: &str, action: Option<&str>) -> WebhookOutcome {
    let name = match action {
        Some(a) => format!("{event}.{a}"),
        None => event.to_owned(),
    };
    WebhookOutcome::ignored(name, "not an event Mosaic models")
}

impl WebhookHandler for GiteaWebhooks {
    fn forge(&self) -> Forge {
        Forge::Gitea
    }

    fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), WebhookError> {
        let (name, value) = match header(headers, SIGNATURE_HEADER) {
            Some(v) => (SIGNATURE_HEADER, Some(v)),
            None => (SIGNATURE_HEADER, header(headers, FORGEJO_SIGNATURE_HEADER)),
        };
        verify::check_hmac_sha256(name, value, "", self.secret.expose().as_bytes(), body)
    }

    fn parse(&self, headers: &HeaderMap, body: &[u8]) -> Result<WebhookOutcome, WebhookError> {
        let event = header(headers, EVENT_HEADER)
            .or_else(|| header(headers, "x-forgejo-event"))
            .ok_or(WebhookError::MissingEvent {
                header: EVENT_HEADER,
            })?;
        let known = [
            "push",
            "create",
            "delete",
            "pull_request",
            "issues",
            "issue_comment",
            "release",
        ];
        if !known.contains(&event) {
            return Ok(ignored(event, None));
        }
        let env: Envelope = decode(Forge::Gitea, event, body)?;
        let action = env.action.as_deref();
        let ev = match event {
            "push" => {
                let p: Push = decode(Forge::Gitea, event, body)?;
                WebhookEvent::Push(PushEvent {
                    git_ref: p.git_ref,
                    before: p.before.filter(|b| b != NULL_SHA && !b.is_empty()),
                    after: p.after,
                    commits: p
                        .commits
                        .unwrap_or_default()
                        .into_iter()
                        .map(|c| PushCommit {
                            sha: c.id,
                            message: c.message,
                            author: c.author.and_then(|a| a.name),
                        })
                        .collect(),
                })
            }
            "create" | "delete" => {
                let c: CreateDelete = decode(Forge::Gitea, event, body)?;
                let r = RefEvent {
                    name: c.name,
                    sha: c.sha.filter(|s| !s.is_empty()),
                };
                match (event, c.ref_type.as_str()) {
                    ("create", "branch") => WebhookEvent::BranchCreated(r),
                    ("create", "tag") => WebhookEvent::TagCreated(r),
                    ("delete", "branch") => WebhookEvent::BranchDeleted(r),
                    ("delete", "tag") => WebhookEvent::TagDeleted(r),
                    _ => return Ok(ignored(event, Some(&c.ref_type))),
                }
            }
            "pull_request" => {
                let p: PullPayload = decode(Forge::Gitea, event, body)?;
                let merged = p.pull_request.merged;
                let action = match (action, merged) {
                    (Some("opened"), _) => PullRequestAction::Opened,
                    (Some("closed"), true) => PullRequestAction::Merged,
                    (Some("closed"), false) => PullRequestAction::Closed,
                    (Some("synchronized"), _) => PullRequestAction::Synchronized,
                    (Some("reopened"), _) => PullRequestAction::Reopened,
                    (Some("edited"), _) => PullRequestAction::Edited,
                    _ => return Ok(ignored(event, action)),
                };
                WebhookEvent::PullRequest(PullRequestEvent {
                    action,
                    pull_request: map::pull_request(p.pull_request),
                })
            }
            "issues" => {
                let action = match action {
                    Some("opened") => IssueAction::Opened,
                    Some("closed") => IssueAction::Closed,
                    Some("reopened") => IssueAction::Reopened,
                    Some("edited") => IssueAction::Edited,
                    _ => return Ok(ignored(event, action)),
                };
                let p: IssuePayload = decode(Forge::Gitea, event, body)?;
                WebhookEvent::Issue(IssueEvent {
                    action,
                    issue: map::issue(p.issue),
                })
            }
            "issue_comment" => {
                let action = match action {
                    Some("created") => CommentAction::Created,
                    Some("edited") => CommentAction::Edited,
                    Some("deleted") => CommentAction::Deleted,
                    _ => return Ok(ignored(event, action)),
                };
                let p: CommentPayload = decode(Forge::Gitea, event, body)?;
                WebhookEvent::Comment(CommentEvent {
                    action,
                    target: if p.is_pull {
                        CommentTarget::PullRequest(p.issue.number)
                    } else {
                        CommentTarget::Issue(p.issue.number)
                    },
                    id: p.comment.id.to_string(),
                    body: p.comment.body,
                    author: p.comment.user.map(wire::User::name),
                })
            }
            "release" => {
                let action = match action {
                    Some("published") => ReleaseAction::Published,
                    Some("updated") => ReleaseAction::Updated,
                    Some("deleted") => ReleaseAction::Deleted,
                    _ => return Ok(ignored(event, action)),
                };
                let p: ReleasePayload = decode(Forge::Gitea, event, body)?;
                WebhookEvent::Release(ReleaseEvent {
                    action,
                    release: map::release(p.release),
                })
            }
            _ => return Ok(ignored(event, None)),
        };
        Ok(WebhookOutcome::Event(Box::new(WebhookDelivery {
            forge: Forge::Gitea,
            delivery_id: header(headers, DELIVERY_HEADER).map(str::to_owned),
            repository: RepoRef::new(env.repository.owner.name(), env.repository.name),
            sender: env.sender.map(wire::User::name),
            event: ev,
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use mosaic_core::ErrorKind;

    #[test]
    fn a_blank_secret_is_a_config_error() {
        for blank in ["", " ", "\t\n"] {
            let e = GiteaWebhooks::new(blank).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Config, "{e}");
            assert!(e.to_string().contains("empty"), "{e}");
        }
        assert!(GiteaWebhooks::new("s3cr3t").is_ok());
    }

    #[test]
    fn a_body_signed_with_the_empty_key_is_refused() {
        let wh = GiteaWebhooks::new("s3cr3t").unwrap();
        let body = br#"{"forged": true}"#;
        let mut h = HeaderMap::new();
        let sig = verify::hmac_sha256_hex(b"", body);
        h.insert(SIGNATURE_HEADER, HeaderValue::from_str(&sig).unwrap());
        h.insert(EVENT_HEADER, HeaderValue::from_static("push"));
        let e = wh.verify(&h, body).unwrap_err();
        assert!(matches!(e, WebhookError::InvalidSignature { .. }), "{e:?}");
        assert!(wh.handle(&h, body).is_err());
    }
}
