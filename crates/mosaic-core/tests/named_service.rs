//! `XService::named`: the one place a provider's name is put on its
//! errors, and `XRequest::send_to` / `with_defaults`.

use mosaic_core::git::{
    GitOp, GitProvider, GitRequest, GitResponse, GitService, RepoRef, Repository,
};
use mosaic_core::{Capabilities, Error, ErrorKind, OpKind, Request, Result};
use tower::ServiceExt as _;

/// Fails `get_repository` for `missing`, with a provider recorded for
/// `named-elsewhere`; supports nothing else.
struct Forge;

#[async_trait::async_trait]
impl GitProvider for Forge {
    fn capabilities(&self) -> Capabilities {
        Capabilities::of([GitOp::GetRepository])
    }

    async fn get_repository(&self, p: RepoRef) -> Result<Repository> {
        match p.name.as_str() {
            "missing" => Err(Error::not_found("no such repository")),
            "named-elsewhere" => Err(Error::not_found("gone").with_provider("upstream")),
            _ => Ok(Repository {
                name: p.name,
                ..Default::default()
            }),
        }
    }
}

fn get(name: &str) -> Request<GitRequest> {
    Request::new(GitRequest::GetRepository(RepoRef::new("acme", name)))
}

#[tokio::test]
async fn a_named_service_names_errors_that_carry_no_provider() {
    let svc = GitService::named("forge-a", Forge);
    assert_eq!(svc.name(), Some("forge-a"));

    let e = svc.clone().oneshot(get("missing")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.provider(), Some("forge-a"));

    // a name already recorded (by the transport, say) is kept
    let e = svc
        .clone()
        .oneshot(get("named-elsewhere"))
        .await
        .unwrap_err();
    assert_eq!(e.provider(), Some("upstream"));

    // an unsupported operation is named too
    let e = svc
        .clone()
        .oneshot(Request::new(GitRequest::with_defaults(GitOp::ListBranches)))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert_eq!(e.provider(), Some("forge-a"));

    match svc.oneshot(get("web")).await.unwrap() {
        GitResponse::GetRepository(r) => assert_eq!(r.name, "web"),
        other => panic!("unexpected answer {other:?}"),
    }
}

#[tokio::test]
async fn an_unnamed_service_leaves_errors_as_they_are() {
    let e = GitService::new(Forge)
        .oneshot(get("missing"))
        .await
        .unwrap_err();
    assert_eq!(e.provider(), None);
}

#[tokio::test]
async fn every_operation_can_be_sent_with_defaults() {
    for op in GitOp::ALL {
        let req = GitRequest::with_defaults(*op);
        assert_eq!(req.kind(), *op);
        let out = req.send_to(&Forge).await;
        if *op == GitOp::GetRepository {
            assert!(out.is_ok());
        } else {
            assert_eq!(
                out.unwrap_err().kind(),
                ErrorKind::Unsupported,
                "{}",
                op.name()
            );
        }
    }
}
