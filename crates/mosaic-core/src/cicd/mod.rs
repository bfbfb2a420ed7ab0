//! CI/CD systems: [`CiCdProvider`], its request/response enums and bridges.
//!
//! Each operation is one method of [`CiCdProvider`] taking one parameters type
//! of this module; [`CiCdClient`] offers the same methods over any tower stack,
//! and walks a whole listing (output [`Page`]) with
//! [`pages`](CiCdClient::pages), [`all`](CiCdClient::all) and
//! [`collect_all`](CiCdClient::collect_all). The class says what middleware may
//! do with an operation (see [`meta`](crate::operation::meta)): `READ` is
//! cached, `LIVE` is a read that never is, `CREATE` is not safe to
//! repeat, `SET` is, and a `_BROAD` write invalidates every cached read of
//! the family.
//!
//! ## Operations
//!
//! | operation | method | params | output | access | class |
//! |---|---|---|---|---|---|
//! | `cicd.definition.list` | [`list_definitions`](CiCdProvider::list_definitions) | [`ListDefinitions`] | [`Page`] of [`PipelineDefinition`] | read | `READ` |
//! | `cicd.definition.get` | [`get_definition`](CiCdProvider::get_definition) | [`DefinitionRef`] | [`PipelineDefinition`] | read | `READ` |
//! | `cicd.pipeline.create` | [`create_pipeline`](CiCdProvider::create_pipeline) | [`CreatePipeline`] | [`Pipeline`] | write | `CREATE` |
//! | `cicd.pipeline.trigger` | [`trigger_pipeline`](CiCdProvider::trigger_pipeline) | [`TriggerPipeline`] | [`Pipeline`] | write | `CREATE` |
//! | `cicd.pipeline.get` | [`get_pipeline`](CiCdProvider::get_pipeline) | [`PipelineRef`] | [`Pipeline`] | read | `LIVE` |
//! | `cicd.pipeline.cancel` | [`cancel_pipeline`](CiCdProvider::cancel_pipeline) | [`PipelineRef`] | [`Pipeline`] | write | `SET` |
//! | `cicd.pipeline.retry` | [`retry_pipeline`](CiCdProvider::retry_pipeline) | [`RetryPipeline`] | [`Pipeline`] | write | `CREATE` |
//! | `cicd.pipeline.list` | [`list_pipelines`](CiCdProvider::list_pipelines) | [`ListPipelines`] | [`Page`] of [`Pipeline`] | read | `LIVE` |
//! | `cicd.pipeline.log` | [`get_log`](CiCdProvider::get_log) | [`GetLog`] | [`Log`] | read | `LIVE` |
//! | `cicd.artifact.list` | [`list_artifacts`](CiCdProvider::list_artifacts) | [`ListArtifacts`] | [`Page`] of [`Artifact`] | read | `READ` |
//! | `cicd.artifact.download` | [`download_artifact`](CiCdProvider::download_artifact) | [`ArtifactRef`] | [`ArtifactData`] | read | `READ` |
//! | `cicd.job.get` | [`get_job`](CiCdProvider::get_job) | [`JobRef`] | [`Job`] | read | `LIVE` |
//! | `cicd.job.rerun` | [`rerun_job`](CiCdProvider::rerun_job) | [`JobRef`] | [`Job`] | write | `CREATE` |
//! | `cicd.job.list` | [`list_jobs`](CiCdProvider::list_jobs) | [`ListJobs`] | [`Page`] of [`Job`] | read | `LIVE` |
//! | `cicd.environment.create` | [`create_environment`](CiCdProvider::create_environment) | [`WriteEnvironment`] | [`Environment`] | write | `CREATE` |
//! | `cicd.environment.update` | [`update_environment`](CiCdProvider::update_environment) | [`WriteEnvironment`] | [`Environment`] | write | `SET` |
//! | `cicd.environment.delete` | [`delete_environment`](CiCdProvider::delete_environment) | [`EnvironmentRef`] | `()` | write | `SET` |
//! | `cicd.environment.list` | [`list_environments`](CiCdProvider::list_environments) | [`ListEnvironments`] | [`Page`] of [`Environment`] | read | `READ` |
//! | `cicd.secret.create` | [`create_secret`](CiCdProvider::create_secret) | [`WriteSecret`] | [`SecretInfo`] | write | `CREATE` |
//! | `cicd.secret.update` | [`update_secret`](CiCdProvider::update_secret) | [`WriteSecret`] | [`SecretInfo`] | write | `SET` |
//! | `cicd.secret.delete` | [`delete_secret`](CiCdProvider::delete_secret) | [`SecretRef`] | `()` | write | `SET` |
//! | `cicd.secret.list` | [`list_secrets`](CiCdProvider::list_secrets) | [`ListSecrets`] | [`Page`] of [`SecretInfo`] | read | `READ` |

mod run;
mod types;

pub use run::*;
pub use types::*;

use crate::family::define_family;
use crate::page::Page;
use types::project_subject as subj;

/// The cicd family's table of operations, handed to the macro `$cb`
/// (with any tokens in parentheses before it) to derive code from:
/// `define_family!` below, and the plugin handle's delegation in
/// `mosaic-plugin-sdk`. The rows are written once, here.
#[doc(hidden)]
#[macro_export]
macro_rules! __cicd_family {
    ($cb:ident $(($($extra:tt)*))?) => {
        $cb! {
            $($($extra)*)?
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
            CreateEnvironment => fn create_environment(WriteEnvironment) -> Environment;
                "cicd.environment.create", CREATE, |p| subj(&p.project);
            /// Change an environment.
            UpdateEnvironment => fn update_environment(WriteEnvironment) -> Environment;
                "cicd.environment.update", SET, |p| subj(&p.project);
            /// Delete an environment.
            DeleteEnvironment => fn delete_environment(EnvironmentRef) -> ();
                "cicd.environment.delete", SET, |p| subj(&p.project);
            /// List environments.
            ListEnvironments => fn list_environments(ListEnvironments) -> Page<Environment>;
                "cicd.environment.list", READ, |p| subj(&p.project);

            /// Create a secret.
            CreateSecret => fn create_secret(WriteSecret) -> SecretInfo;
                "cicd.secret.create", CREATE, |p| subj(&p.project);
            /// Replace a secret's value.
            UpdateSecret => fn update_secret(WriteSecret) -> SecretInfo;
                "cicd.secret.update", SET, |p| subj(&p.project);
            /// Delete a secret.
            DeleteSecret => fn delete_secret(SecretRef) -> ();
                "cicd.secret.delete", SET, |p| subj(&p.project);
            /// List secrets (names and flags only).
            ListSecrets => fn list_secrets(ListSecrets) -> Page<SecretInfo>;
                "cicd.secret.list", READ, |p| subj(&p.project);
        }
    };
}

__cicd_family!(define_family);
