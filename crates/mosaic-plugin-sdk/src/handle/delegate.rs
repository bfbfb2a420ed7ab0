//! The provider-trait implementations of [`PluginHandle`], one per family,
//! generated from a table of each trait's methods.

use futures::StreamExt as _;
use mosaic_core::{
    Capabilities, Family, OpKind, Page, Result, ai, cicd, git, kb, project, workflow,
};

use super::PluginHandle;
use mosaic_core::ai::AiProvider;
use mosaic_core::cicd::CiCdProvider;
use mosaic_core::git::GitProvider;
use mosaic_core::kb::KnowledgeBaseProvider;
use mosaic_core::project::ProjectProvider;
use mosaic_core::workflow::WorkflowProvider;

/// Implements `$Trait` for [`PluginHandle`]: each listed method counts the
/// call on the current instance and forwards it to the instance's `$field`
/// provider. A compile-time check makes sure the table lists every
/// operation of the family (plus the `manual` ones written out by hand), so
/// a method added to the trait cannot silently fall back to its
/// `Unsupported` default here.
macro_rules! delegate {
    (
        $Trait:ident, $field:ident, $Kind:ty, $family:expr;
        $([manual $manual:literal] { $($manual_items:tt)* })?
        $( $method:ident($Params:ty) -> $Out:ty; )+
    ) => {
        #[async_trait::async_trait]
        impl $Trait for PluginHandle {
            fn capabilities(&self) -> Capabilities {
                match self.slot.current().and_then(|i| i.services.$field.clone()) {
                    Some(p) => p.capabilities(),
                    None => Capabilities::none::<$Kind>(),
                }
            }
            $(
                async fn $method(&self, params: $Params) -> Result<$Out> {
                    let guard = self.acquire()?;
                    let instance = &*guard.0;
                    let Some(provider) = instance.services.$field.as_ref() else {
                        return Err(self.not_served($family));
                    };
                    self.finish(instance, stringify!($method), provider.$method(params)).await
                }
            )+
            $($($manual_items)*)?
        }

        const _: () = assert!(
            <$Kind as OpKind>::ALL.len() == [$(stringify!($method)),+].len() $(+ $manual)?,
            concat!("the delegation table of ", stringify!($Trait), " is incomplete"),
        );
    };
}

impl PluginHandle {
    /// `chat_stream`: the call stays counted on its instance until the
    /// stream is dropped, and a panic while polling it becomes an error item.
    async fn chat_stream_through(&self, params: ai::ChatRequest) -> Result<ai::ChatStream> {
        let guard = self.acquire()?;
        let instance = guard.0.clone();
        let Some(provider) = instance.services.ai.as_ref() else {
            return Err(self.not_served(Family::Ai));
        };
        let stream = self
            .finish(&instance, "chat_stream", provider.chat_stream(params))
            .await?;
        let handle = self.clone();
        let guarded = std::panic::AssertUnwindSafe(stream)
            .catch_unwind()
            .map(move |item| {
                let _in_flight = &guard;
                match item {
                    Ok(chunk) => chunk,
                    Err(panic) => Err(handle.panicked("chat_stream", panic.as_ref())),
                }
            });
        Ok(ai::ChatStream::new(guarded))
    }
}

delegate! {
    GitProvider, git, git::GitOp, Family::Git;
    create_repository(git::CreateRepository) -> git::Repository;
    get_repository(git::RepoRef) -> git::Repository;
    update_repository(git::UpdateRepository) -> git::Repository;
    delete_repository(git::RepoRef) -> ();
    list_repositories(git::ListRepositories) -> Page<git::Repository>;
    fork_repository(git::ForkRepository) -> git::Repository;
    create_branch(git::CreateBranch) -> git::Branch;
    get_branch(git::BranchRef) -> git::Branch;
    delete_branch(git::BranchRef) -> ();
    list_branches(git::ListBranches) -> Page<git::Branch>;
    protect_branch(git::ProtectBranch) -> git::BranchProtection;
    create_pull_request(git::CreatePullRequest) -> git::PullRequest;
    get_pull_request(git::PullRequestRef) -> git::PullRequest;
    update_pull_request(git::UpdatePullRequest) -> git::PullRequest;
    merge_pull_request(git::MergePullRequest) -> git::MergeResult;
    list_pull_requests(git::ListPullRequests) -> Page<git::PullRequest>;
    get_commit(git::CommitRef) -> git::Commit;
    list_commits(git::ListCommits) -> Page<git::Commit>;
    create_commit(git::CreateCommit) -> git::Commit;
    compare_commits(git::CompareCommits) -> git::Comparison;
    create_tag(git::CreateTag) -> git::Tag;
    get_tag(git::TagRef) -> git::Tag;
    delete_tag(git::TagRef) -> ();
    list_tags(git::ListTags) -> Page<git::Tag>;
    create_webhook(git::CreateWebhook) -> git::Webhook;
    update_webhook(git::UpdateWebhook) -> git::Webhook;
    delete_webhook(git::WebhookRef) -> ();
    list_webhooks(git::ListWebhooks) -> Page<git::Webhook>;
    add_collaborator(git::AddCollaborator) -> ();
    remove_collaborator(git::CollaboratorRef) -> ();
    list_collaborators(git::ListCollaborators) -> Page<git::Collaborator>;
    create_issue(git::CreateIssue) -> git::Issue;
    get_issue(git::IssueRef) -> git::Issue;
    update_issue(git::UpdateIssue) -> git::Issue;
    close_issue(git::IssueRef) -> git::Issue;
    list_issues(git::ListIssues) -> Page<git::Issue>;
    get_file(git::GetFile) -> git::FileContent;
    create_file(git::WriteFile) -> git::FileCommit;
    update_file(git::WriteFile) -> git::FileCommit;
    delete_file(git::DeleteFile) -> git::FileCommit;
    create_commit_status(git::CreateCommitStatus) -> git::CommitStatus;
    list_commit_statuses(git::ListCommitStatuses) -> Page<git::CommitStatus>;
    create_release(git::CreateRelease) -> git::Release;
    list_releases(git::ListReleases) -> Page<git::Release>;
}

delegate! {
    CiCdProvider, cicd, cicd::CiCdOp, Family::CiCd;
    list_definitions(cicd::ListDefinitions) -> Page<cicd::PipelineDefinition>;
    get_definition(cicd::DefinitionRef) -> cicd::PipelineDefinition;
    create_pipeline(cicd::CreatePipeline) -> cicd::Pipeline;
    trigger_pipeline(cicd::TriggerPipeline) -> cicd::Pipeline;
    get_pipeline(cicd::PipelineRef) -> cicd::Pipeline;
    cancel_pipeline(cicd::PipelineRef) -> cicd::Pipeline;
    retry_pipeline(cicd::RetryPipeline) -> cicd::Pipeline;
    list_pipelines(cicd::ListPipelines) -> Page<cicd::Pipeline>;
    get_log(cicd::GetLog) -> cicd::Log;
    list_artifacts(cicd::ListArtifacts) -> Page<cicd::Artifact>;
    download_artifact(cicd::ArtifactRef) -> cicd::ArtifactData;
    get_job(cicd::JobRef) -> cicd::Job;
    rerun_job(cicd::JobRef) -> cicd::Job;
    list_jobs(cicd::ListJobs) -> Page<cicd::Job>;
    create_environment(cicd::PutEnvironment) -> cicd::Environment;
    update_environment(cicd::PutEnvironment) -> cicd::Environment;
    delete_environment(cicd::EnvironmentRef) -> ();
    list_environments(cicd::ListEnvironments) -> Page<cicd::Environment>;
    create_secret(cicd::PutSecret) -> cicd::SecretInfo;
    update_secret(cicd::PutSecret) -> cicd::SecretInfo;
    delete_secret(cicd::SecretRef) -> ();
    list_secrets(cicd::ListSecrets) -> Page<cicd::SecretInfo>;
}

delegate! {
    AiProvider, ai, ai::AiOp, Family::Ai;
    [manual 1] {
        async fn chat_stream(&self, params: ai::ChatRequest) -> Result<ai::ChatStream> {
            self.chat_stream_through(params).await
        }
    }
    chat(ai::ChatRequest) -> ai::ChatResponse;
    complete(ai::CompletionRequest) -> ai::Completion;
    embed(ai::EmbeddingRequest) -> ai::Embeddings;
    list_models(ai::ListModels) -> Page<ai::ModelInfo>;
    get_model(ai::ModelRef) -> ai::ModelInfo;
}

delegate! {
    KnowledgeBaseProvider, kb, kb::KbOp, Family::KnowledgeBase;
    create_space(kb::CreateSpace) -> kb::Space;
    get_space(kb::SpaceRef) -> kb::Space;
    update_space(kb::UpdateSpace) -> kb::Space;
    delete_space(kb::SpaceRef) -> ();
    list_spaces(kb::ListSpaces) -> Page<kb::Space>;
    create_page(kb::CreateKbPage) -> kb::KbPage;
    get_page(kb::KbPageRef) -> kb::KbPage;
    update_page(kb::UpdateKbPage) -> kb::KbPage;
    delete_page(kb::KbPageRef) -> ();
    move_page(kb::MoveKbPage) -> kb::KbPage;
    list_pages(kb::ListKbPages) -> Page<kb::KbPage>;
    upload_attachment(kb::UploadAttachment) -> kb::Attachment;
    search(kb::SearchKb) -> Page<kb::SearchHit>;
    export_page(kb::ExportKbPage) -> kb::ExportedDoc;
    import_page(kb::ImportKbPage) -> kb::KbPage;
    add_comment(kb::AddKbComment) -> kb::KbComment;
    list_comments(kb::ListKbComments) -> Page<kb::KbComment>;
    list_revisions(kb::ListRevisions) -> Page<kb::Revision>;
}

delegate! {
    WorkflowProvider, workflow, workflow::WorkflowOp, Family::Workflow;
    create_workflow(workflow::CreateWorkflow) -> workflow::Workflow;
    get_workflow(workflow::WorkflowRef) -> workflow::Workflow;
    update_workflow(workflow::UpdateWorkflow) -> workflow::Workflow;
    delete_workflow(workflow::WorkflowRef) -> ();
    list_workflows(workflow::ListWorkflows) -> Page<workflow::Workflow>;
    activate_workflow(workflow::WorkflowRef) -> workflow::Workflow;
    deactivate_workflow(workflow::WorkflowRef) -> workflow::Workflow;
    run_workflow(workflow::RunWorkflow) -> workflow::Execution;
    get_execution(workflow::ExecutionRef) -> workflow::Execution;
    stop_execution(workflow::ExecutionRef) -> workflow::Execution;
    list_executions(workflow::ListExecutions) -> Page<workflow::Execution>;
    list_node_types(workflow::ListNodeTypes) -> Page<workflow::NodeType>;
    validate_workflow(workflow::ValidateWorkflow) -> workflow::ValidationReport;
    retry_execution(workflow::ExecutionRef) -> workflow::Execution;
    list_tags(workflow::ListTags) -> Page<workflow::Tag>;
    create_tag(workflow::CreateTag) -> workflow::Tag;
    get_workflow_tags(workflow::WorkflowRef) -> workflow::WorkflowTags;
    set_workflow_tags(workflow::SetWorkflowTags) -> workflow::WorkflowTags;
}

delegate! {
    ProjectProvider, project, project::ProjectOp, Family::Project;
    list_projects(project::ListProjects) -> Page<project::Project>;
    get_project(project::ProjectRef) -> project::Project;
    create_issue(project::CreateIssue) -> project::Issue;
    get_issue(project::IssueRef) -> project::Issue;
    update_issue(project::UpdateIssue) -> project::Issue;
    transition_issue(project::TransitionIssue) -> project::Issue;
    list_issues(project::ListIssues) -> Page<project::Issue>;
    search_issues(project::SearchIssues) -> Page<project::Issue>;
    add_comment(project::AddComment) -> project::Comment;
    list_comments(project::ListComments) -> Page<project::Comment>;
    list_labels(project::ListLabels) -> Page<project::Label>;
    list_assignees(project::ListAssignees) -> Page<project::User>;
}
