//! Seeding a [`FakeCiCd`] with named builders: projects and their refs,
//! definitions, and scripted pipeline outcomes.
//!
//! Every builder starts from a method naming the project, takes everything
//! else by name, and does nothing until its final call. A missing project
//! is created (with ref `main` and definition `ci`); what cannot be
//! invented (an unnamed definition, a script for a definition that does
//! not exist) is an error naming the missing piece.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Duration;

use mosaic_core::cicd::PipelineDefinition;
use mosaic_core::{Error, Result};

use super::{CiState, FakeCiCd, JobPlan, PipelinePlan, ProjectState, require};

impl FakeCiCd {
    /// Seed a project: `ci.seed_project("acme/tools").reference("release").create()?`.
    ///
    /// A new project has ref `main` and definition `ci` running the default
    /// [`PipelinePlan`]; seeding a project that exists keeps it and adds
    /// the refs named.
    pub fn seed_project(&self, project: impl Into<String>) -> CiProjectSeed<'_> {
        CiProjectSeed {
            ci: self,
            project: project.into(),
            refs: Vec::new(),
        }
    }

    /// Seed a definition:
    /// `ci.seed_definition("acme/tools").id("deploy").name("Deploy").plan(plan).create()?`.
    ///
    /// Creates the project when it is missing; replaces a definition with
    /// the same id.
    pub fn seed_definition(&self, project: impl Into<String>) -> DefinitionSeed<'_> {
        DefinitionSeed {
            ci: self,
            project: project.into(),
            id: None,
            name: None,
            path: None,
            plan: PipelinePlan::default(),
            enabled: true,
        }
    }

    /// Script what runs of a definition do:
    ///
    /// ```
    /// use std::time::Duration;
    /// use mosaic_core::cicd::{CiCdProvider, CreatePipeline, PipelineRef, PipelineStatus};
    /// use mosaic_testing::{FakeCiCd, JobPlan};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
    /// let ci = FakeCiCd::new();
    /// ci.seed_project("acme/tools").create()?;
    /// // the next run fails in `test`; runs after it follow the definition's plan again
    /// ci.script_pipeline("acme/tools")
    ///     .job(JobPlan::new("test", Duration::from_secs(30)).fails().log("1 test failed"))
    ///     .for_next_run()?;
    /// let run = ci.create_pipeline(CreatePipeline {
    ///     project: "acme/tools".into(),
    ///     reference: "main".into(),
    ///     ..Default::default()
    /// }).await?;
    /// tokio::time::advance(Duration::from_secs(30)).await;
    /// let done = ci.get_pipeline(PipelineRef::new("acme/tools", &run.id)).await?;
    /// assert_eq!(done.status, PipelineStatus::Failure);
    /// # Ok::<(), mosaic_core::Error>(())
    /// # }).unwrap();
    /// ```
    ///
    /// The script starts empty (no queue delay, no jobs: such a run
    /// succeeds at once); add jobs with [`job`](PipelineScript::job) or
    /// give a whole [`plan`](PipelineScript::plan). It applies to the
    /// definition `create_pipeline` runs (`ci`, or the first one) unless
    /// [`definition`](PipelineScript::definition) names another.
    pub fn script_pipeline(&self, project: impl Into<String>) -> PipelineScript<'_> {
        PipelineScript {
            ci: self,
            project: project.into(),
            definition: None,
            plan: PipelinePlan::new(),
        }
    }
}

/// A project to seed; see [`FakeCiCd::seed_project`].
#[derive(Debug)]
#[must_use = "a seed does nothing until `.create()`"]
pub struct CiProjectSeed<'a> {
    ci: &'a FakeCiCd,
    project: String,
    refs: Vec<String>,
}

impl CiProjectSeed<'_> {
    /// Add a branch or tag pipelines can run for (besides `main`).
    pub fn reference(mut self, reference: impl Into<String>) -> Self {
        self.refs.push(reference.into());
        self
    }

    /// Create the project (or add the refs to the existing one).
    ///
    /// # Errors
    /// `InvalidInput` for an empty project path (field `project`) or ref
    /// (field `reference`).
    pub fn create(self) -> Result<()> {
        let ci = self.ci;
        let mut s = ci.state.lock();
        let p = s
            .seeded_project(&self.project)
            .map_err(|e| ci.core.tag(e))?;
        for r in self.refs {
            require("reference", &r).map_err(|e| ci.core.tag(e))?;
            p.refs.insert(r);
        }
        Ok(())
    }
}

/// A definition to seed; see [`FakeCiCd::seed_definition`].
#[derive(Debug)]
#[must_use = "a seed does nothing until `.create()`"]
pub struct DefinitionSeed<'a> {
    ci: &'a FakeCiCd,
    project: String,
    id: Option<String>,
    name: Option<String>,
    path: Option<String>,
    plan: PipelinePlan,
    enabled: bool,
}

impl DefinitionSeed<'_> {
    /// The definition's id (required).
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Its display name (default: the id).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Its file path (default `.ci/<id>.yml`).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// What its runs do (default [`PipelinePlan::default`]).
    pub fn plan(mut self, plan: PipelinePlan) -> Self {
        self.plan = plan;
        self
    }

    /// Create it disabled (it cannot be triggered).
    pub fn disabled(mut self) -> Self {
        self.enabled = false;
        self
    }

    /// Add (or replace) the definition.
    ///
    /// # Errors
    /// `InvalidInput` when no id was given (field `id`) or the project path
    /// is empty.
    pub fn create(self) -> Result<PipelineDefinition> {
        let ci = self.ci;
        let id = self.id.ok_or_else(|| {
            ci.core.tag(Error::invalid_input(
                "id",
                "is not set: name the definition with `.id(\"deploy\")`",
            ))
        })?;
        require("id", &id).map_err(|e| ci.core.tag(e))?;
        let mut s = ci.state.lock();
        let host = s.host.clone();
        let p = s
            .seeded_project(&self.project)
            .map_err(|e| ci.core.tag(e))?;
        let def = PipelineDefinition {
            name: self.name.unwrap_or_else(|| id.clone()),
            path: Some(self.path.unwrap_or_else(|| format!(".ci/{id}.yml"))),
            enabled: self.enabled,
            web_url: Some(format!("https://{host}/{}/definitions/{id}", self.project)),
            id: id.clone(),
        };
        p.definitions.insert(id, (def.clone(), self.plan));
        Ok(def)
    }
}

/// Scripted runs of a definition; see [`FakeCiCd::script_pipeline`].
#[derive(Debug)]
#[must_use = "a script does nothing until `.for_next_run()` or `.for_every_run()`"]
pub struct PipelineScript<'a> {
    ci: &'a FakeCiCd,
    project: String,
    definition: Option<String>,
    plan: PipelinePlan,
}

impl PipelineScript<'_> {
    /// The definition scripted (default: the one `create_pipeline` runs).
    pub fn definition(mut self, id: impl Into<String>) -> Self {
        self.definition = Some(id.into());
        self
    }

    /// Replace the whole plan.
    pub fn plan(mut self, plan: PipelinePlan) -> Self {
        self.plan = plan;
        self
    }

    /// Time spent queued before the first job starts.
    pub fn queue_delay(mut self, delay: Duration) -> Self {
        self.plan = self.plan.queue_delay(delay);
        self
    }

    /// Append a job.
    pub fn job(mut self, job: JobPlan) -> Self {
        self.plan = self.plan.job(job);
        self
    }

    /// Use the script for the next run of the definition (a created,
    /// triggered or retried pipeline); scripts queue up, and runs after the
    /// last follow the definition's plan.
    ///
    /// # Errors
    /// As [`for_every_run`](Self::for_every_run).
    pub fn for_next_run(self) -> Result<()> {
        self.apply(false)
    }

    /// Make the script the definition's plan: every later run (and re-run
    /// job) follows it.
    ///
    /// # Errors
    /// `InvalidInput` (field `definition`) when the named definition does
    /// not exist, or the project has none.
    pub fn for_every_run(self) -> Result<()> {
        self.apply(true)
    }

    fn apply(self, every: bool) -> Result<()> {
        let ci = self.ci;
        let mut s = ci.state.lock();
        let p = s
            .seeded_project(&self.project)
            .map_err(|e| ci.core.tag(e))?;
        let id = match self.definition {
            Some(id) => id,
            None => p.default_definition().ok_or_else(|| {
                ci.core.tag(Error::invalid_input(
                    "definition",
                    format!(
                        "project `{}` has no definition to script; seed one with `seed_definition`",
                        self.project
                    ),
                ))
            })?,
        };
        let Some((_, plan)) = p.definitions.get_mut(&id) else {
            return Err(ci.core.tag(Error::invalid_input(
                "definition",
                format!(
                    "project `{}` has no definition `{id}`; seed it with `seed_definition(..).id(\"{id}\")`",
                    self.project
                ),
            )));
        };
        if every {
            *plan = self.plan;
        } else {
            p.scripted.entry(id).or_default().push_back(self.plan);
        }
        Ok(())
    }
}

impl ProjectState {
    /// The definition `create_pipeline` runs: `ci`, or the first.
    pub(super) fn default_definition(&self) -> Option<String> {
        if self.definitions.contains_key("ci") {
            Some("ci".to_owned())
        } else {
            self.definitions.keys().next().cloned()
        }
    }

    /// The plan for the next run of `definition`: a scripted one first.
    pub(super) fn next_plan(&mut self, definition: &str) -> Option<PipelinePlan> {
        if let Some(plan) = self
            .scripted
            .get_mut(definition)
            .and_then(VecDeque::pop_front)
        {
            return Some(plan);
        }
        self.definitions.get(definition).map(|(_, p)| p.clone())
    }
}

impl CiState {
    /// Project `project`, created when missing with ref `main` and
    /// definition `ci` (the default plan).
    pub(super) fn seeded_project(&mut self, project: &str) -> Result<&mut ProjectState> {
        require("project", project)?;
        let host = self.host.clone();
        Ok(self
            .projects
            .entry(project.to_owned())
            .or_insert_with(|| ProjectState {
                refs: BTreeSet::from(["main".to_owned()]),
                definitions: BTreeMap::from([(
                    "ci".to_owned(),
                    (
                        PipelineDefinition {
                            id: "ci".to_owned(),
                            name: "CI".to_owned(),
                            path: Some(".ci.yml".to_owned()),
                            enabled: true,
                            web_url: Some(format!("https://{host}/{project}/definitions/ci")),
                        },
                        PipelinePlan::default(),
                    ),
                )]),
                scripted: BTreeMap::new(),
                next_number: 1,
                environments: BTreeMap::new(),
                secrets: BTreeMap::new(),
            }))
    }
}
