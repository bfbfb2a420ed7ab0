//! CI/CD systems: [`CiCdProvider`], its request/response enums and bridges.

mod run;
mod types;

pub use run::*;
pub use types::*;

use crate::family::define_family;
use crate::page::Page;
use types::project_subject as subj;

define_family! {
    /// A CI/CD system: pipeline definitions, pipelines, jobs, logs,
    /// artifacts, environments and secrets.
    family CiCd {
        provider: CiCdProvider,
        request: CiCdRequest,
        response: CiCdResponse,
        kind: CiCdOp,
        service: CiCdService,
        client: CiCdClient,
    }

    /// List pipeline definitions (workflows, jobs).
    ListDefinitions => fn list_definitions(ListDefinitions) -> Page<PipelineDefinition>;
        "cicd.definition.list", READ, |p| subj(&p.project);
    /// Fetch a pipeline definition.
    GetDefinition => fn get_definition(DefinitionRef) -> PipelineDefinition;
        "cicd.definition.get", READ, |p| subj(&p.project);

    /// Run the project's pipeline for a ref.
    CreatePipeline => fn create_pipeline(CreatePipeline) -> Pipeline;
        "cicd.pipeline.create", CREATE, |p| subj(&p.project);
    /// Run a named definition with inputs.
    TriggerPipeline => fn trigger_pipeline(TriggerPipeline) -> Pipeline;
        "cicd.pipeline.trigger", CREATE, |p| subj(&p.project);
    /// Fetch a pipeline.
    GetPipeline => fn get_pipeline(PipelineRef) -> Pipeline;
        "cicd.pipeline.get", LIVE, |p| subj(&p.project);
    /// Cancel a pipeline.
    CancelPipeline => fn cancel_pipeline(PipelineRef) -> Pipeline;
        "cicd.pipeline.cancel", SET, |p| subj(&p.project);
    /// Re-run a pipeline (or only its failed jobs).
    RetryPipeline => fn retry_pipeline(RetryPipeline) -> Pipeline;
        "cicd.pipeline.retry", CREATE, |p| subj(&p.project);
    /// List pipelines.
    ListPipelines => fn list_pipelines(ListPipelines) -> Page<Pipeline>;
        "cicd.pipeline.list", LIVE, |p| subj(&p.project);
    /// Read a pipeline's or a job's log.
    GetLog => fn get_log(GetLog) -> Log;
        "cicd.pipeline.log", LIVE, |p| subj(&p.project);
    /// List a pipeline's artifacts.
    ListArtifacts => fn list_artifacts(ListArtifacts) -> Page<Artifact>;
        "cicd.artifact.list", READ, |p| subj(&p.project);
    /// Download an artifact.
    DownloadArtifact => fn download_artifact(ArtifactRef) -> ArtifactData;
        "cicd.artifact.download", READ, |p| subj(&p.project);

    /// Fetch a job.
    GetJob => fn get_job(JobRef) -> Job;
        "cicd.job.get", LIVE, |p| subj(&p.project);
    /// Re-run a job (or play a manual one).
    RerunJob => fn rerun_job(JobRef) -> Job;
        "cicd.job.rerun", CREATE, |p| subj(&p.project);
    /// List a pipeline's jobs.
    ListJobs => fn list_jobs(ListJobs) -> Page<Job>;
        "cicd.job.list", LIVE, |p| subj(&p.project);

    /// Create an environment.
    CreateEnvironment => fn create_environment(PutEnvironment) -> Environment;
        "cicd.environment.create", CREATE, |p| subj(&p.project);
    /// Change an environment.
    UpdateEnvironment => fn update_environment(PutEnvironment) -> Environment;
        "cicd.environment.update", SET, |p| subj(&p.project);
    /// Delete an environment.
    DeleteEnvironment => fn delete_environment(EnvironmentRef) -> ();
        "cicd.environment.delete", SET, |p| subj(&p.project);
    /// List environments.
    ListEnvironments => fn list_environments(ListEnvironments) -> Page<Environment>;
        "cicd.environment.list", READ, |p| subj(&p.project);

    /// Create a secret.
    CreateSecret => fn create_secret(PutSecret) -> SecretInfo;
        "cicd.secret.create", CREATE, |p| subj(&p.project);
    /// Replace a secret's value.
    UpdateSecret => fn update_secret(PutSecret) -> SecretInfo;
        "cicd.secret.update", SET, |p| subj(&p.project);
    /// Delete a secret.
    DeleteSecret => fn delete_secret(SecretRef) -> ();
        "cicd.secret.delete", SET, |p| subj(&p.project);
    /// List secrets (names and flags only).
    ListSecrets => fn list_secrets(ListSecrets) -> Page<SecretInfo>;
        "cicd.secret.list", READ, |p| subj(&p.project);
}
