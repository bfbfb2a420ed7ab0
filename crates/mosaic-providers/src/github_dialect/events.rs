//! Webhook deliveries in the GitHub dialect: the HMAC-SHA256 signature and
//! the event payloads GitHub, Gitea and Forgejo send. Where the forges'
//! words differ (`synchronize` / `synchronized`, `edited` / `updated`)
//! both are read; [`HookDialect`] holds the header names.

use http::HeaderMap;
use mosaic_core::git::RepoRef;
use serde::Deserialize;

use super::{map, wire};
use crate::webhook::{
    CommentAction, CommentEvent, CommentTarget, Forge, IssueAction, IssueEvent, PullRequestAction,
    PullRequestEvent, PushCommit, PushEvent, RefEvent, ReleaseAction, ReleaseEvent,
    WebhookDelivery, WebhookError, WebhookEvent, WebhookOutcome, decode, header, verify,
};

/// One forge's webhook headers.
#[derive(Debug)]
pub(crate) struct HookDialect {
    /// The forge deliveries are from.
    pub(crate) forge: Forge,
    /// The signature headers, tried in order (errors name the first).
    pub(crate) signature_headers: &'static [&'static str],
    /// What precedes the hex digest (`sha256=` or nothing).
    pub(crate) signature_prefix: &'static str,
    /// The event-name headers, tried in order (errors name the first).
    pub(crate) event_headers: &'static [&'static str],
    /// The delivery-id header.
    pub(crate) delivery_header: &'static str,
    /// Whether a `WIP:` title marks a draft pull request.
    pub(crate) wip_drafts: bool,
}

#[derive(Deserialize)]
struct Repo {
    name: String,
    owner: wire::User,
}

#[derive(Deserialize)]
struct Envelope {
    action: Option<String>,
    repository: Repo,
    sender: Option<wire::User>,
}

#[derive(Deserialize)]
struct PushAuthor {
    name: Option<String>,
}

#[derive(Deserialize)]
struct PushCommitWire {
    id: String,
    #[serde(default)]
    message: String,
    author: Option<PushAuthor>,
}

#[derive(Deserialize)]
struct Push {
    #[serde(rename = "ref")]
    git_ref: String,
    before: Option<String>,
    after: String,
    commits: Option<Vec<PushCommitWire>>,
}

#[derive(Deserialize)]
struct CreateDelete {
    #[serde(rename = "ref")]
    name: String,
    ref_type: String,
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
    user: Option<wire::User>,
    commit_id: Option<String>,
}

#[derive(Deserialize)]
struct IssueNumber {
    number: u64,
    pull_request: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct CommentPayload {
    comment: CommentWire,
    issue: Option<IssueNumber>,
    pull_request: Option<IssueNumber>,
    /// Gitea: the commented issue is a pull request.
    #[serde(default)]
    is_pull: bool,
}

#[derive(Deserialize)]
struct ReleasePayload {
    release: wire::Release,
}

const NULL_SHA: &str = "0000000000000000000000000000000000000000";

const EVENTS: [&str; 9] = [
    "push",
    "create",
    "delete",
    "pull_request",
    "issues",
    "issue_comment",
    "commit_comment",
    "pull_request_review_comment",
    "release",
];

fn ignored(event: &str, action: Option<&str>) -> WebhookOutcome {
    let name = match action {
        Some(a) => format!("{event}.{a}"),
        None => event.to_owned(),
    };
    WebhookOutcome::ignored(name, "not an event Mosaic models")
}

impl HookDialect {
    /// Check the body's signature under `secret`.
    pub(crate) fn verify(
        &self,
        secret: &[u8],
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(), WebhookError> {
        let value = self
            .signature_headers
            .iter()
            .find_map(|name| header(headers, name));
        let name = self.signature_headers[0];
        verify::check_hmac_sha256(name, value, self.signature_prefix, secret, body)
    }

    /// Parse a (verified) delivery.
    pub(crate) fn parse(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<WebhookOutcome, WebhookError> {
        let event = self
            .event_headers
            .iter()
            .find_map(|name| header(headers, name))
            .ok_or(WebhookError::MissingEvent {
                header: self.event_headers[0],
            })?;
        if !EVENTS.contains(&event) {
            return Ok(ignored(event, None));
        }
        let forge = self.forge;
        let env: Envelope = decode(forge, event, body)?;
        let action = env.action.as_deref();
        let ev = match event {
            "push" => {
                let p: Push = decode(forge, event, body)?;
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
                let c: CreateDelete = decode(forge, event, body)?;
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
                let p: PullPayload = decode(forge, event, body)?;
                let merged = p.pull_request.merged.unwrap_or(false);
                let action = match (action, merged) {
                    (Some("opened"), _) => PullRequestAction::Opened,
                    (Some("closed"), true) => PullRequestAction::Merged,
                    (Some("closed"), false) => PullRequestAction::Closed,
                    (Some("synchronize" | "synchronized"), _) => PullRequestAction::Synchronized,
                    (Some("reopened"), _) => PullRequestAction::Reopened,
                    (Some("edited"), _) => PullRequestAction::Edited,
                    _ => return Ok(ignored(event, action)),
                };
                WebhookEvent::PullRequest(PullRequestEvent {
                    action,
                    pull_request: map::pull_request(p.pull_request, self.wip_drafts),
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
                let p: IssuePayload = decode(forge, event, body)?;
                WebhookEvent::Issue(IssueEvent {
                    action,
                    issue: map::issue(p.issue),
                })
            }
            "issue_comment" | "commit_comment" | "pull_request_review_comment" => {
                let action = match action {
                    Some("created") => CommentAction::Created,
                    Some("edited") => CommentAction::Edited,
                    Some("deleted") => CommentAction::Deleted,
                    _ => return Ok(ignored(event, action)),
                };
                let p: CommentPayload = decode(forge, event, body)?;
                let target = match (event, &p.issue, &p.pull_request) {
                    ("issue_comment", Some(i), _) if p.is_pull || i.pull_request.is_some() => {
                        CommentTarget::PullRequest(i.number)
                    }
                    ("issue_comment", Some(i), _) => CommentTarget::Issue(i.number),
                    ("pull_request_review_comment", _, Some(pr)) => {
                        CommentTarget::PullRequest(pr.number)
                    }
                    ("commit_comment", _, _) => {
                        CommentTarget::Commit(p.comment.commit_id.clone().unwrap_or_default())
                    }
                    _ => return Ok(ignored(event, None)),
                };
                WebhookEvent::Comment(CommentEvent {
                    action,
                    target,
                    id: p.comment.id.to_string(),
                    body: p.comment.body,
                    author: p.comment.user.map(wire::User::name),
                })
            }
            _ => {
                let action = match action {
                    Some("published") => ReleaseAction::Published,
                    Some("created") => ReleaseAction::Created,
                    Some("edited" | "updated") => ReleaseAction::Updated,
                    Some("deleted") => ReleaseAction::Deleted,
                    _ => return Ok(ignored(event, action)),
                };
                let p: ReleasePayload = decode(forge, event, body)?;
                WebhookEvent::Release(ReleaseEvent {
                    action,
                    release: map::release(p.release),
                })
            }
        };
        Ok(WebhookOutcome::Event(Box::new(WebhookDelivery {
            forge,
            delivery_id: header(headers, self.delivery_header).map(str::to_owned),
            repository: RepoRef::new(env.repository.owner.name(), env.repository.name),
            sender: env.sender.map(wire::User::name),
            event: ev,
        })))
    }
}

/// The key rules every dialect handler keeps: a blank secret is a
/// configuration error, and a body signed with the empty key is refused.
#[cfg(test)]
pub(crate) fn check_key_rules<H: crate::webhook::WebhookHandler>(
    new: fn(&'static str) -> mosaic_core::Result<H>,
    hooks: &HookDialect,
) {
    use http::HeaderValue;
    use mosaic_core::ErrorKind;

    for blank in ["", " ", "\t\n"] {
        let e = new(blank).err().expect("a blank secret is refused");
        assert_eq!(e.kind(), ErrorKind::Config, "{e}");
        assert!(e.to_string().contains("empty"), "{e}");
    }
    let wh = new("s3cr3t").unwrap();
    let body = br#"{"forged": true}"#;
    let mut h = HeaderMap::new();
    let sig = format!(
        "{}{}",
        hooks.signature_prefix,
        verify::hmac_sha256_hex(b"", body)
    );
    h.insert(
        hooks.signature_headers[0],
        HeaderValue::from_str(&sig).unwrap(),
    );
    h.insert(hooks.event_headers[0], HeaderValue::from_static("push"));
    let e = wh.verify(&h, body).unwrap_err();
    assert!(matches!(e, WebhookError::InvalidSignature { .. }), "{e:?}");
    assert!(wh.handle(&h, body).is_err());
}

/// A webhook handler type `$T` for the forge whose headers the
/// [`HookDialect`] static `$hooks` names: its constructor (which refuses a
/// blank secret) and [`WebhookHandler`](crate::webhook::WebhookHandler).
macro_rules! webhook_handler {
    ($(#[$doc:meta])* $T:ident, $hooks:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $T {
            secret: mosaic_core::Secret,
        }

        impl $T {
            /// A handler for hooks configured with `secret`.
            ///
            /// # Errors
            ///
            /// [`ErrorKind::Config`](mosaic_core::ErrorKind::Config) when `secret` is
            /// empty or only whitespace: anyone can sign a delivery with such a key.
            pub fn new(secret: impl Into<mosaic_core::Secret>) -> mosaic_core::Result<Self> {
                let secret = secret.into();
                Ok($T {
                    secret: $crate::webhook::verify::require_key($hooks.forge, "webhook secret", secret)?,
                })
            }
        }

        impl $crate::webhook::WebhookHandler for $T {
            fn forge(&self) -> $crate::webhook::Forge {
                $hooks.forge
            }

            fn verify(
                &self,
                headers: &http::HeaderMap,
                body: &[u8],
            ) -> Result<(), $crate::webhook::WebhookError> {
                $hooks.verify(self.secret.expose().as_bytes(), headers, body)
            }

            fn parse(
                &self,
                headers: &http::HeaderMap,
                body: &[u8],
            ) -> Result<$crate::webhook::WebhookOutcome, $crate::webhook::WebhookError> {
                $hooks.parse(headers, body)
            }
        }

        #[cfg(test)]
        mod tests {
            #[test]
            fn blank_secrets_and_empty_key_signatures_are_refused() {
                $crate::github_dialect::events::check_key_rules(super::$T::new, &super::$hooks);
            }
        }
    };
}
pub(crate) use webhook_handler;
