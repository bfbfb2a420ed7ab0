//! GitHub webhook deliveries: signatures (valid, invalid, missing,
//! malformed), every modelled event, ignored events, malformed bodies, and
//! a property test that arbitrary input never panics.
#![cfg(feature = "github")]

use http::{HeaderMap, HeaderValue};
use mosaic_core::git::PullRequestState;
use mosaic_providers::github::GitHub;
use mosaic_providers::github::webhook::GitHubWebhooks;
use mosaic_providers::webhook::verify::hmac_sha256_hex;
use mosaic_providers::webhook::*;
use proptest::prelude::*;
use serde_json::json;

const SECRET: &str = "It's a Secret to Everybody";

fn headers(event: &str, body: &[u8], secret: Option<&str>) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("x-github-event", HeaderValue::from_str(event).unwrap());
    h.insert(
        "x-github-delivery",
        HeaderValue::from_static("72d3162e-cc78-11e3-81ab-4c9367dc0958"),
    );
    if let Some(s) = secret {
        let sig = format!("sha256={}", hmac_sha256_hex(s.as_bytes(), body));
        h.insert("x-hub-signature-256", HeaderValue::from_str(&sig).unwrap());
    }
    h
}

fn repo() -> serde_json::Value {
    json!({"id": 1296269, "name": "Hello-World", "full_name": "octocat/Hello-World", "owner": {"login": "octocat", "name": "octocat"}})
}

fn handle(event: &str, payload: serde_json::Value) -> WebhookOutcome {
    let body = serde_json::to_vec(&payload).unwrap();
    GitHubWebhooks::new(SECRET)
        .unwrap()
        .handle(&headers(event, &body, Some(SECRET)), &body)
        .unwrap()
}

#[test]
fn documented_signature_example_verifies() {
    // GitHub's documentation example: secret "It's a Secret to Everybody",
    // payload "Hello, World!".
    let body = b"Hello, World!";
    let mut h = HeaderMap::new();
    h.insert(
        "x-hub-signature-256",
        HeaderValue::from_static(
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        ),
    );
    GitHubWebhooks::new(SECRET)
        .unwrap()
        .verify(&h, body)
        .unwrap();
}

#[test]
fn wrong_missing_and_malformed_signatures_are_typed_errors() {
    let body =
        serde_json::to_vec(&json!({"ref": "refs/heads/main", "after": "x", "repository": repo()}))
            .unwrap();
    let wh = GitHubWebhooks::new(SECRET).unwrap();
    let e = wh
        .handle(&headers("push", &body, Some("other secret")), &body)
        .unwrap_err();
    assert!(matches!(
        e,
        WebhookError::InvalidSignature {
            header: "x-hub-signature-256"
        }
    ));
    let e = wh.handle(&headers("push", &body, None), &body).unwrap_err();
    assert!(matches!(e, WebhookError::MissingSignature { .. }));
    let mut h = headers("push", &body, None);
    h.insert("x-hub-signature-256", HeaderValue::from_static("sha1=0123"));
    assert!(matches!(
        wh.handle(&h, &body).unwrap_err(),
        WebhookError::MalformedSignature { .. }
    ));
    // a body changed after signing fails
    let h = headers("push", &body, Some(SECRET));
    let mut tampered = body.clone();
    tampered[2] ^= 1;
    assert!(matches!(
        wh.handle(&h, &tampered).unwrap_err(),
        WebhookError::InvalidSignature { .. }
    ));
    let err: mosaic_core::Error = WebhookError::InvalidSignature { header: "x" }.into();
    assert_eq!(err.kind(), mosaic_core::ErrorKind::Unauthenticated);
}

#[test]
fn push() {
    let out = handle(
        "push",
        json!({
            "ref": "refs/heads/main", "before": "0000000000000000000000000000000000000000",
            "after": "6113728f27ae82c7b1a177c8d03f9e96e0adf246", "created": true, "deleted": false,
            "commits": [{"id": "6113728f27ae82c7b1a177c8d03f9e96e0adf246", "message": "Initial commit",
                "author": {"name": "Codertocat", "email": "21031067+Codertocat@users.noreply.github.com", "username": "Codertocat"}}],
            "repository": repo(), "pusher": {"name": "Codertocat"}, "sender": {"login": "Codertocat"}
        }),
    );
    let d = out.delivery().unwrap();
    assert_eq!(d.forge, Forge::GitHub);
    assert_eq!(
        d.delivery_id.as_deref(),
        Some("72d3162e-cc78-11e3-81ab-4c9367dc0958")
    );
    assert_eq!(d.repository.full_name(), "octocat/Hello-World");
    assert_eq!(d.sender.as_deref(), Some("Codertocat"));
    let WebhookEvent::Push(p) = &d.event else {
        panic!("{d:?}")
    };
    assert_eq!(p.branch(), Some("main"));
    assert_eq!(p.before, None, "the all-zero SHA means a new ref");
    assert_eq!(p.commits[0].author.as_deref(), Some("Codertocat"));
}

#[test]
fn branch_and_tag_create_delete() {
    let cases = [
        ("create", "branch", "branch_created"),
        ("create", "tag", "tag_created"),
        ("delete", "branch", "branch_deleted"),
        ("delete", "tag", "tag_deleted"),
    ];
    for (event, ref_type, want) in cases {
        let out = handle(
            event,
            json!({"ref": "simple-tag", "ref_type": ref_type, "master_branch": "main", "repository": repo(), "sender": {"login": "c"}}),
        );
        let ev = out.event().unwrap();
        assert_eq!(ev.name(), want);
    }
}

fn pr(state: &str, merged: bool) -> serde_json::Value {
    json!({"number": 2, "state": state, "title": "Update the README with new information.", "body": "This is a pretty simple change.",
        "user": {"login": "Codertocat"}, "merged": merged, "merged_at": if merged { json!("2019-05-15T15:20:40Z") } else { json!(null) },
        "head": {"ref": "changes", "sha": "ec26c3e57ca3a959ca5aad62de7213c562f8c821"}, "base": {"ref": "master", "sha": "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"},
        "merge_commit_sha": "c4295bd74fb0f4fda03689c3df3f2803b658fd85", "html_url": "https://github.com/Codertocat/Hello-World/pull/2"})
}

#[test]
fn pull_request_actions() {
    let cases = [
        ("opened", "open", false, PullRequestAction::Opened),
        ("closed", "closed", false, PullRequestAction::Closed),
        ("closed", "closed", true, PullRequestAction::Merged),
        (
            "synchronize",
            "open",
            false,
            PullRequestAction::Synchronized,
        ),
        ("reopened", "open", false, PullRequestAction::Reopened),
        ("edited", "open", false, PullRequestAction::Edited),
    ];
    for (action, state, merged, want) in cases {
        let out = handle(
            "pull_request",
            json!({"action": action, "number": 2, "pull_request": pr(state, merged), "repository": repo(), "sender": {"login": "c"}}),
        );
        let WebhookEvent::PullRequest(e) = out.event().unwrap() else {
            panic!()
        };
        assert_eq!(e.action, want, "{action}");
        assert_eq!(e.pull_request.number, 2);
        if merged {
            assert_eq!(e.pull_request.state, PullRequestState::Merged);
        }
    }
    let out = handle(
        "pull_request",
        json!({"action": "labeled", "number": 2, "pull_request": pr("open", false), "repository": repo()}),
    );
    assert!(
        matches!(out, WebhookOutcome::Ignored { ref event, .. } if event == "pull_request.labeled")
    );
}

#[test]
fn issues_comments_releases() {
    let issue = json!({"number": 1, "title": "Spelling error in the README file", "state": "open", "body": "It looks like you accidently spelled 'commit' with two 't's.",
        "user": {"login": "Codertocat"}, "labels": [{"name": "bug"}], "assignees": []});
    let out = handle(
        "issues",
        json!({"action": "opened", "issue": issue, "repository": repo(), "sender": {"login": "Codertocat"}}),
    );
    let WebhookEvent::Issue(e) = out.event().unwrap() else {
        panic!()
    };
    assert_eq!((e.action, e.issue.number), (IssueAction::Opened, 1));
    assert_eq!(e.issue.labels, ["bug"]);

    let comment = json!({"id": 492700400, "body": "You are totally right! I'll get this fixed right away.", "user": {"login": "Codertocat"}});
    let out = handle(
        "issue_comment",
        json!({"action": "created", "issue": {"number": 1}, "comment": comment, "repository": repo()}),
    );
    let WebhookEvent::Comment(c) = out.event().unwrap() else {
        panic!()
    };
    assert_eq!(c.target, CommentTarget::Issue(1));
    assert_eq!(c.id, "492700400");
    assert_eq!(c.author.as_deref(), Some("Codertocat"));
    let out = handle(
        "issue_comment",
        json!({"action": "created", "issue": {"number": 4, "pull_request": {"url": "u"}}, "comment": comment, "repository": repo()}),
    );
    let WebhookEvent::Comment(c) = out.event().unwrap() else {
        panic!()
    };
    assert_eq!(c.target, CommentTarget::PullRequest(4));
    let out = handle(
        "commit_comment",
        json!({"action": "created", "comment": {"id": 1, "body": "nice", "commit_id": "abc", "user": {"login": "x"}}, "repository": repo()}),
    );
    let WebhookEvent::Comment(c) = out.event().unwrap() else {
        panic!()
    };
    assert_eq!(c.target, CommentTarget::Commit("abc".into()));

    let release = json!({"id": 11248810, "tag_name": "0.0.1", "name": null, "body": null, "draft": false, "prerelease": false,
        "html_url": "https://github.com/Codertocat/Hello-World/releases/tag/0.0.1", "created_at": "2019-05-15T15:19:25Z"});
    let out = handle(
        "release",
        json!({"action": "published", "release": release, "repository": repo()}),
    );
    let WebhookEvent::Release(r) = out.event().unwrap() else {
        panic!()
    };
    assert_eq!(r.action, ReleaseAction::Published);
    assert_eq!(r.release.tag_name, "0.0.1");
}

#[test]
fn unknown_events_are_ignored_and_missing_event_header_is_an_error() {
    let out = handle(
        "ping",
        json!({"zen": "Keep it logically awesome.", "hook_id": 1}),
    );
    assert!(out.is_ignored());
    let out = handle("star", json!({"action": "created", "repository": repo()}));
    assert!(out.is_ignored());
    let body = b"{}";
    let mut h = headers("push", body, Some(SECRET));
    h.remove("x-github-event");
    assert!(matches!(
        GitHubWebhooks::new(SECRET)
            .unwrap()
            .handle(&h, body)
            .unwrap_err(),
        WebhookError::MissingEvent { .. }
    ));
}

#[test]
fn malformed_payload_names_the_json_path() {
    let body =
        serde_json::to_vec(&json!({"ref": "refs/heads/main", "after": 5, "repository": repo()}))
            .unwrap();
    let e = GitHubWebhooks::new(SECRET)
        .unwrap()
        .handle(&headers("push", &body, Some(SECRET)), &body)
        .unwrap_err();
    let WebhookError::Payload(inner) = e else {
        panic!("{e:?}")
    };
    assert_eq!(inner.kind(), mosaic_core::ErrorKind::Decode);
    assert!(inner.message().contains("$.after"), "{inner}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512), event in "(push|create|delete|pull_request|issues|issue_comment|release|ping|x)") {
        let wh = GitHubWebhooks::new(SECRET).unwrap();
        let h = headers(&event, &body, Some(SECRET));
        let _ = wh.handle(&h, &body);
        let _ = GitHub::parse_repositories(&body);
    }

    #[test]
    fn arbitrary_json_never_panics(v in arb_json(), event in "(push|create|delete|pull_request|issues|issue_comment|commit_comment|release)") {
        let body = serde_json::to_vec(&v).unwrap();
        let wh = GitHubWebhooks::new(SECRET).unwrap();
        let _ = wh.parse(&headers(&event, &body, None), &body);
        let _ = GitHub::parse_repositories(&body);
    }
}

fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        "[a-z/]{0,8}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("ref".to_owned()),
                    Just("after".to_owned()),
                    Just("repository".to_owned()),
                    Just("owner".to_owned()),
                    Just("login".to_owned()),
                    Just("name".to_owned()),
                    Just("action".to_owned()),
                    Just("pull_request".to_owned()),
                    Just("number".to_owned()),
                    Just("id".to_owned()),
                    "[a-z]{1,6}"
                ],
                inner,
                0..6
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}
