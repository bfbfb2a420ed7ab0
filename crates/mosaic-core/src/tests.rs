//! Whole-family tests: every operation of every family round-trips
//! provider → service → client intact, every operation's metadata obeys the
//! rules the middleware relies on, and domain types survive serde.

use std::collections::HashSet;
use std::hash::Hasher;

use proptest::arbitrary::Arbitrary;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use crate::operation::Access;
use crate::{Family, OpKind, Operation};

/// A deterministic arbitrary value: the same seed gives the same value.
fn sample<T: Arbitrary>(seed: u64) -> T {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    );
    any::<T>()
        .new_tree(&mut runner)
        .expect("strategy")
        .current()
}

fn sample_like<T: Arbitrary>(_: &T, seed: u64) -> T {
    sample(seed)
}

/// For each row: build a request with arbitrary params, expect the mock to
/// receive exactly those params once and answer an arbitrary value, call the
/// client (→ service → mock) and compare. Returns one request per operation.
macro_rules! roundtrip {
    ($family:ident, $Mock:ident, $Service:ident, $Client:ident, $Req:ident, $Op:ident;
     $( $Variant:ident : $method:ident / $expect:ident ),+ $(,)?) => {{
        use crate::$family::*;
        let mut mock = $Mock::new();
        let mut requests: Vec<$Req> = Vec::new();
        let mut seed = 1000u64;
        $(
            seed += 2;
            let req = $Req::$Variant(sample(seed));
            let $Req::$Variant(params) = req.clone() else { unreachable!() };
            let out_seed = seed + 1;
            mock.$expect()
                .withf(move |p| p == &params)
                .times(1)
                .return_once(move |_| Ok(sample(out_seed)));
            requests.push(req);
        )+
        mock.expect_capabilities().return_const(crate::Capabilities::all::<$Op>());
        let client = $Client::new($Service::new(mock));
        let mut i = 0;
        $(
            let $Req::$Variant(params) = requests[i].clone() else { unreachable!() };
            let got = client.$method(params).await.expect(stringify!($method));
            assert_eq!(got, sample_like(&got, 1000 + 2 * (i as u64 + 1) + 1), stringify!($method));
            i += 1;
        )+
        let _ = i;
        requests
    }};
}

fn check_metadata<R: Operation + std::fmt::Debug, K: OpKind>(
    requests: &[R],
    kinds: impl Fn(&R) -> K,
) {
    let covered: HashSet<u8> = requests.iter().map(|r| r.index()).collect();
    assert_eq!(
        covered.len(),
        K::ALL.len(),
        "one request per operation of {:?}",
        K::FAMILY
    );
    let prefix = format!("{}.", K::FAMILY.as_str());
    for r in requests {
        let k = kinds(r);
        assert_eq!(r.name(), k.name());
        assert_eq!(r.index(), k.index());
        assert_eq!(r.family(), K::FAMILY);
        assert!(
            r.name().starts_with(&prefix),
            "{} lacks the family prefix",
            r.name()
        );
        let m = r.meta();
        if m.cacheable {
            assert_eq!(
                m.access,
                Access::Read,
                "{} is cacheable but writes",
                r.name()
            );
            let key = r
                .cache_key()
                .unwrap_or_else(|| panic!("{} has no cache key", r.name()));
            assert!(key.starts_with(r.name()), "{key}");
            let hashed = |r: &R| {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                assert!(r.hash_cache_key(&mut h), "{} cannot be hashed", r.name());
                h.finish()
            };
            assert_eq!(hashed(r), hashed(r), "{}", r.name());
            // keys that differ as text differ as hashes
            for other in requests.iter().filter(|o| o.is_cacheable()) {
                if other.cache_key() != r.cache_key() {
                    assert_ne!(hashed(other), hashed(r), "{} / {}", r.name(), other.name());
                }
            }
            assert_eq!(r.cache_tags().len(), 2, "{}", r.name());
        } else {
            assert!(
                r.cache_key().is_none(),
                "{} is not cacheable but has a key",
                r.name()
            );
            assert!(
                !r.hash_cache_key(&mut std::collections::hash_map::DefaultHasher::new()),
                "{} is not cacheable but hashes a key",
                r.name()
            );
            assert!(r.cache_tags().is_empty());
        }
        match m.access {
            Access::Write => {
                assert!(
                    !r.invalidates().is_empty(),
                    "{} invalidates nothing",
                    r.name()
                );
                assert!(!m.cacheable);
            }
            Access::Read => {
                assert!(
                    r.invalidates().is_empty(),
                    "{} is a read but invalidates",
                    r.name()
                );
                assert!(m.idempotent, "{} is a read but not idempotent", r.name());
            }
        }
        // Every write's invalidations reach a read of the same subject.
        if m.access == Access::Write {
            let read_tags = crate::operation::read_tags(r.family(), r.subject().as_deref());
            assert!(
                r.invalidates().iter().any(|t| read_tags.contains(t)),
                "{} does not invalidate reads of its own subject",
                r.name()
            );
        }
    }
}

#[tokio::test]
async fn git_roundtrip_and_metadata() {
    let reqs = roundtrip!(git, MockGitProvider, GitService, GitClient, GitRequest, GitOp;
        CreateRepository: create_repository / expect_create_repository,
        GetRepository: get_repository / expect_get_repository,
        UpdateRepository: update_repository / expect_update_repository,
        DeleteRepository: delete_repository / expect_delete_repository,
        ListRepositories: list_repositories / expect_list_repositories,
        ForkRepository: fork_repository / expect_fork_repository,
        CreateBranch: create_branch / expect_create_branch,
        GetBranch: get_branch / expect_get_branch,
        DeleteBranch: delete_branch / expect_delete_branch,
        ListBranches: list_branches / expect_list_branches,
        ProtectBranch: protect_branch / expect_protect_branch,
        CreatePullRequest: create_pull_request / expect_create_pull_request,
        GetPullRequest: get_pull_request / expect_get_pull_request,
        UpdatePullRequest: update_pull_request / expect_update_pull_request,
        MergePullRequest: merge_pull_request / expect_merge_pull_request,
        ListPullRequests: list_pull_requests / expect_list_pull_requests,
        GetCommit: get_commit / expect_get_commit,
        ListCommits: list_commits / expect_list_commits,
        CreateCommit: create_commit / expect_create_commit,
        CompareCommits: compare_commits / expect_compare_commits,
        CreateTag: create_tag / expect_create_tag,
        GetTag: get_tag / expect_get_tag,
        DeleteTag: delete_tag / expect_delete_tag,
        ListTags: list_tags / expect_list_tags,
        CreateWebhook: create_webhook / expect_create_webhook,
        UpdateWebhook: update_webhook / expect_update_webhook,
        DeleteWebhook: delete_webhook / expect_delete_webhook,
        ListWebhooks: list_webhooks / expect_list_webhooks,
        AddCollaborator: add_collaborator / expect_add_collaborator,
        RemoveCollaborator: remove_collaborator / expect_remove_collaborator,
        ListCollaborators: list_collaborators / expect_list_collaborators,
        CreateIssue: create_issue / expect_create_issue,
        GetIssue: get_issue / expect_get_issue,
        UpdateIssue: update_issue / expect_update_issue,
        CloseIssue: close_issue / expect_close_issue,
        ListIssues: list_issues / expect_list_issues,
        GetFile: get_file / expect_get_file,
        CreateFile: create_file / expect_create_file,
        UpdateFile: update_file / expect_update_file,
        DeleteFile: delete_file / expect_delete_file,
        CreateCommitStatus: create_commit_status / expect_create_commit_status,
        ListCommitStatuses: list_commit_statuses / expect_list_commit_statuses,
        CreateRelease: create_release / expect_create_release,
        ListReleases: list_releases / expect_list_releases,
    );
    check_metadata(&reqs, |r| r.kind());
    // Subjects: repository-scoped operations are routed by `owner/name`.
    let get = crate::git::GitRequest::GetRepository(crate::git::RepoRef::new("acme", "tools"));
    assert_eq!(get.subject().as_deref(), Some("acme/tools"));
    let create =
        crate::git::GitRequest::CreateRepository(crate::git::CreateRepository::new("internal-x"));
    assert_eq!(create.subject().as_deref(), Some("internal-x"));
    assert_eq!(
        create.invalidates(),
        ["git:internal-x", "git:"],
        "creating a user repository drops the user's listing"
    );
    let branch = crate::git::GitRequest::CreateBranch(crate::git::CreateBranch {
        repo: crate::git::RepoRef::new("acme", "tools"),
        ..Default::default()
    });
    let list = crate::git::GitRequest::ListBranches(crate::git::ListBranches {
        repo: crate::git::RepoRef::new("acme", "tools"),
        ..Default::default()
    });
    assert!(
        branch
            .invalidates()
            .iter()
            .any(|t| list.cache_tags().contains(t))
    );
}

#[tokio::test]
async fn cicd_roundtrip_and_metadata() {
    let reqs = roundtrip!(cicd, MockCiCdProvider, CiCdService, CiCdClient, CiCdRequest, CiCdOp;
        ListDefinitions: list_definitions / expect_list_definitions,
        GetDefinition: get_definition / expect_get_definition,
        CreatePipeline: create_pipeline / expect_create_pipeline,
        TriggerPipeline: trigger_pipeline / expect_trigger_pipeline,
        GetPipeline: get_pipeline / expect_get_pipeline,
        CancelPipeline: cancel_pipeline / expect_cancel_pipeline,
        RetryPipeline: retry_pipeline / expect_retry_pipeline,
        ListPipelines: list_pipelines / expect_list_pipelines,
        GetLog: get_log / expect_get_log,
        ListArtifacts: list_artifacts / expect_list_artifacts,
        DownloadArtifact: download_artifact / expect_download_artifact,
        GetJob: get_job / expect_get_job,
        RerunJob: rerun_job / expect_rerun_job,
        ListJobs: list_jobs / expect_list_jobs,
        CreateEnvironment: create_environment / expect_create_environment,
        UpdateEnvironment: update_environment / expect_update_environment,
        DeleteEnvironment: delete_environment / expect_delete_environment,
        ListEnvironments: list_environments / expect_list_environments,
        CreateSecret: create_secret / expect_create_secret,
        UpdateSecret: update_secret / expect_update_secret,
        DeleteSecret: delete_secret / expect_delete_secret,
        ListSecrets: list_secrets / expect_list_secrets,
    );
    check_metadata(&reqs, |r| r.kind());
}

#[tokio::test]
async fn ai_roundtrip_and_metadata() {
    use crate::ai::*;
    use futures::StreamExt;
    let mut reqs = roundtrip!(ai, MockAiProvider, AiService, AiClient, AiRequest, AiOp;
        Chat: chat / expect_chat,
        Complete: complete / expect_complete,
        Embed: embed / expect_embed,
        ListModels: list_models / expect_list_models,
        GetModel: get_model / expect_get_model,
    );
    // The stream is not a value: check it passes through chunk by chunk.
    let req: ChatRequest = sample(7);
    let mut mock = MockAiProvider::new();
    let expected = req.clone();
    mock.expect_chat_stream()
        .withf(move |p| p == &expected)
        .times(1)
        .return_once(|_| {
            Ok(ChatStream::from_chunks(vec![
                Ok(ChatChunk {
                    delta: "he".into(),
                    ..Default::default()
                }),
                Ok(ChatChunk {
                    delta: "llo".into(),
                    finish_reason: Some(FinishReason::Stop),
                    usage: Some(Usage {
                        input_tokens: 3,
                        output_tokens: 2,
                        cached_input_tokens: None,
                    }),
                    ..Default::default()
                }),
            ]))
        });
    let client = AiClient::new(AiService::new(mock));
    let chunks: Vec<_> = client
        .chat_stream(req.clone())
        .await
        .unwrap()
        .collect()
        .await;
    assert_eq!(chunks.len(), 2);
    assert_eq!(chunks[1].as_ref().unwrap().usage.unwrap().total_tokens(), 5);
    reqs.push(AiRequest::ChatStream(req));
    check_metadata(&reqs, |r| r.kind());
    for r in &reqs {
        if matches!(r.kind(), AiOp::Chat | AiOp::ChatStream | AiOp::Complete) {
            assert!(!r.is_cacheable(), "generated answers are never cached");
        }
    }
}

#[tokio::test]
async fn kb_roundtrip_and_metadata() {
    let reqs = roundtrip!(kb, MockKnowledgeBaseProvider, KbService, KbClient, KbRequest, KbOp;
        CreateSpace: create_space / expect_create_space,
        GetSpace: get_space / expect_get_space,
        UpdateSpace: update_space / expect_update_space,
        DeleteSpace: delete_space / expect_delete_space,
        ListSpaces: list_spaces / expect_list_spaces,
        CreatePage: create_page / expect_create_page,
        GetPage: get_page / expect_get_page,
        UpdatePage: update_page / expect_update_page,
        DeletePage: delete_page / expect_delete_page,
        MovePage: move_page / expect_move_page,
        ListPages: list_pages / expect_list_pages,
        UploadAttachment: upload_attachment / expect_upload_attachment,
        Search: search / expect_search,
        ExportPage: export_page / expect_export_page,
        ImportPage: import_page / expect_import_page,
        AddComment: add_comment / expect_add_comment,
        ListComments: list_comments / expect_list_comments,
        ListRevisions: list_revisions / expect_list_revisions,
    );
    check_metadata(&reqs, |r| r.kind());
}

#[tokio::test]
async fn workflow_roundtrip_and_metadata() {
    let reqs = roundtrip!(workflow, MockWorkflowProvider, WorkflowService, WorkflowClient, WorkflowRequest, WorkflowOp;
        CreateWorkflow: create_workflow / expect_create_workflow,
        GetWorkflow: get_workflow / expect_get_workflow,
        UpdateWorkflow: update_workflow / expect_update_workflow,
        DeleteWorkflow: delete_workflow / expect_delete_workflow,
        ListWorkflows: list_workflows / expect_list_workflows,
        ActivateWorkflow: activate_workflow / expect_activate_workflow,
        DeactivateWorkflow: deactivate_workflow / expect_deactivate_workflow,
        RunWorkflow: run_workflow / expect_run_workflow,
        GetExecution: get_execution / expect_get_execution,
        StopExecution: stop_execution / expect_stop_execution,
        ListExecutions: list_executions / expect_list_executions,
        ListNodeTypes: list_node_types / expect_list_node_types,
        ValidateWorkflow: validate_workflow / expect_validate_workflow,
        RetryExecution: retry_execution / expect_retry_execution,
        ListTags: list_tags / expect_list_tags,
        CreateTag: create_tag / expect_create_tag,
        GetWorkflowTags: get_workflow_tags / expect_get_workflow_tags,
        SetWorkflowTags: set_workflow_tags / expect_set_workflow_tags,
    );
    check_metadata(&reqs, |r| r.kind());
}

#[tokio::test]
async fn project_roundtrip_and_metadata() {
    let reqs = roundtrip!(project, MockProjectProvider, ProjectService, ProjectClient, ProjectRequest, ProjectOp;
        ListProjects: list_projects / expect_list_projects,
        GetProject: get_project / expect_get_project,
        CreateIssue: create_issue / expect_create_issue,
        GetIssue: get_issue / expect_get_issue,
        UpdateIssue: update_issue / expect_update_issue,
        TransitionIssue: transition_issue / expect_transition_issue,
        ListIssues: list_issues / expect_list_issues,
        SearchIssues: search_issues / expect_search_issues,
        AddComment: add_comment / expect_add_comment,
        ListComments: list_comments / expect_list_comments,
        ListLabels: list_labels / expect_list_labels,
        ListAssignees: list_assignees / expect_list_assignees,
    );
    check_metadata(&reqs, |r| r.kind());
}

#[test]
fn operation_names_are_unique_across_families() {
    let mut seen = HashSet::new();
    let mut total = 0;
    for f in Family::ALL {
        for name in f.operation_names() {
            assert!(seen.insert(*name), "duplicate operation name {name}");
            total += 1;
        }
    }
    assert_eq!(total, seen.len());
    assert!(total >= 110, "{total} operations");
}

#[test]
fn capabilities_are_bitsets_over_the_family() {
    use crate::Capabilities;
    use crate::git::{GitOp, GitRequest, RepoRef};
    let caps = Capabilities::all::<GitOp>().without(GitOp::ForkRepository);
    assert_eq!(caps.len(), GitOp::ALL.len() - 1);
    assert!(!caps.supports(GitOp::ForkRepository));
    assert!(caps.supports(GitOp::CreateRepository));
    assert!(caps.supports_name("git.branch.list"));
    assert!(!caps.supports_name("git.repository.fork"));
    let req = GitRequest::GetRepository(RepoRef::new("a", "b"));
    assert!(caps.supports_operation(&req));
    let ai = Capabilities::all::<crate::ai::AiOp>();
    assert!(
        !ai.supports_operation(&req),
        "capabilities of another family never match"
    );
}

#[tokio::test]
async fn client_reports_a_mismatched_response_as_internal() {
    use crate::git::*;
    let svc = tower::service_fn(|_req: crate::Request<GitRequest>| async {
        Ok::<_, crate::Error>(GitResponse::DeleteTag(()))
    });
    let client = GitClient::new(svc);
    let err = client
        .get_repository(RepoRef::new("a", "b"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), crate::ErrorKind::Internal);
    assert!(err.to_string().contains("git.repository.get"), "{err}");
}

#[tokio::test]
async fn client_context_template_reaches_the_service() {
    use crate::git::*;
    use std::sync::{Arc, Mutex};
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    let svc = tower::service_fn(move |req: crate::Request<GitRequest>| {
        s2.lock().unwrap().push(req.context.clone());
        async { Ok::<_, crate::Error>(GitResponse::DeleteTag(())) }
    });
    let client = GitClient::new(svc)
        .with_context(
            crate::RequestContext::new()
                .with_tenant("acme")
                .with_label("env", "prod"),
        )
        .with_timeout(std::time::Duration::from_secs(5));
    client.delete_tag(TagRef::default()).await.unwrap();
    client.delete_tag(TagRef::default()).await.unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_ne!(
        seen[0].id(),
        seen[1].id(),
        "every call gets a fresh request id"
    );
    assert_eq!(seen[0].tenant(), Some("acme"));
    assert_eq!(seen[1].label("env"), Some("prod"));
    assert!(seen[0].deadline().is_some());
}

macro_rules! serde_roundtrip {
    ($($name:ident: $ty:ty),+ $(,)?) => {
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            $(
                #[test]
                fn $name(v in any::<$ty>()) {
                    let json = serde_json::to_string(&v).unwrap();
                    let back: $ty = serde_json::from_str(&json).unwrap();
                    prop_assert_eq!(back, v);
                }
            )+
        }
    };
}

serde_roundtrip! {
    serde_repository: crate::git::Repository,
    serde_pull_request: crate::git::PullRequest,
    serde_comparison: crate::git::Comparison,
    serde_file_content: crate::git::FileContent,
    serde_repo_page: crate::Page<crate::git::Repository>,
    serde_pipeline: crate::cicd::Pipeline,
    serde_job: crate::cicd::Job,
    serde_secret_info: crate::cicd::SecretInfo,
    serde_chat_response: crate::ai::ChatResponse,
    serde_embeddings: crate::ai::Embeddings,
    serde_model: crate::ai::ModelInfo,
    serde_kb_page: crate::kb::KbPage,
    serde_search_hit: crate::kb::SearchHit,
    serde_workflow: crate::workflow::Workflow,
    serde_execution: crate::workflow::Execution,
    serde_tracker_issue: crate::project::Issue,
    serde_label: crate::project::Label,
}
