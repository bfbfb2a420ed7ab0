//! Seeding a [`FakeGit`] with named builders: repositories, files,
//! branches, issues and pull requests.
//!
//! Every builder starts from a `seed_*` method naming the repository
//! (`"owner/name"` or a [`RepoRef`]), takes everything else by name, and
//! does nothing until `.create()`. What a seed needs and does not name is
//! created for it: the repository (with a first commit on `main`), the
//! branches, and for a pull request a commit on its head. What cannot be
//! invented (an unnamed head branch, a start point that does not exist) is
//! an `InvalidInput` error naming the missing piece. Seeding is not
//! recorded in the call log and ignores failures planned with
//! `fail_next`.

use mosaic_core::git::*;
use mosaic_core::{Error, Result};

use super::{FakeGit, GitState, RepoState};

/// A repository named for seeding: `"owner/name"` (as `&str` or
/// `String`) or a [`RepoRef`]. A string that is not `owner/name` is
/// reported by the seed's `create()`.
#[derive(Debug, Clone)]
pub struct RepoSpec(Result<RepoRef>);

impl RepoSpec {
    fn get(self) -> Result<RepoRef> {
        let r = self.0?;
        r.validate()?;
        Ok(r)
    }
}

impl From<&str> for RepoSpec {
    fn from(s: &str) -> Self {
        RepoSpec(RepoRef::parse(s))
    }
}

impl From<String> for RepoSpec {
    fn from(s: String) -> Self {
        RepoSpec(RepoRef::parse(&s))
    }
}

impl From<&String> for RepoSpec {
    fn from(s: &String) -> Self {
        RepoSpec(RepoRef::parse(s))
    }
}

impl From<RepoRef> for RepoSpec {
    fn from(r: RepoRef) -> Self {
        RepoSpec(Ok(r))
    }
}

impl From<&RepoRef> for RepoSpec {
    fn from(r: &RepoRef) -> Self {
        RepoSpec(Ok(r.clone()))
    }
}

impl FakeGit {
    /// Seed a repository: `fake.seed_repository("acme/tools").create()?`.
    ///
    /// By default it is public, its default branch is `main` and it has a
    /// first commit with `README.md`; seeding a repository that exists is a
    /// `Conflict`.
    pub fn seed_repository(&self, repo: impl Into<RepoSpec>) -> RepositorySeed<'_> {
        RepositorySeed {
            git: self,
            repo: repo.into(),
            default_branch: None,
            visibility: Visibility::Public,
            description: None,
            empty: false,
        }
    }

    /// Seed a file as one commit:
    /// `fake.seed_file("acme/tools").path("src/lib.rs").content("…").branch("feature").create()?`.
    ///
    /// Creates the repository and the branch (from the default branch)
    /// when they are missing; replaces the file when it exists.
    pub fn seed_file(&self, repo: impl Into<RepoSpec>) -> FileSeed<'_> {
        FileSeed {
            git: self,
            repo: repo.into(),
            path: None,
            content: Vec::new(),
            branch: None,
            message: None,
        }
    }

    /// Seed a branch: `fake.seed_branch("acme/tools").name("feature").from("main").create()?`.
    ///
    /// Creates the repository when it is missing; `from` (a branch, tag or
    /// SHA) defaults to the default branch. Files added with
    /// [`file`](BranchSeed::file) are committed on the new branch, so it is
    /// ahead of where it started. Seeding a branch that exists is a
    /// `Conflict`.
    pub fn seed_branch(&self, repo: impl Into<RepoSpec>) -> BranchSeed<'_> {
        BranchSeed {
            git: self,
            repo: repo.into(),
            name: None,
            from: None,
            files: Vec::new(),
        }
    }

    /// Seed an open issue: `fake.seed_issue("acme/tools").title("Broken link").create()?`.
    ///
    /// Creates the repository when it is missing.
    pub fn seed_issue(&self, repo: impl Into<RepoSpec>) -> GitIssueSeed<'_> {
        GitIssueSeed {
            git: self,
            repo: repo.into(),
            title: None,
            body: None,
            labels: Vec::new(),
            assignees: Vec::new(),
        }
    }

    /// Seed an open pull request:
    /// `fake.seed_pull_request("acme/site").head("feature").base("main").title("Fix footer").create()?`.
    ///
    /// Only the head branch must be named. The base defaults to the
    /// default branch, the title to ``Merge `head` into `base` ``. The
    /// repository, the base and the head branch (from the base) are
    /// created when missing. Files added with
    /// [`file`](PullRequestSeed::file) are committed on the head; without
    /// any, a head with no commits of its own gets one
    /// (`changes/<head>.txt`), since a forge refuses a pull request with
    /// nothing to merge.
    pub fn seed_pull_request(&self, repo: impl Into<RepoSpec>) -> PullRequestSeed<'_> {
        PullRequestSeed {
            git: self,
            repo: repo.into(),
            head: None,
            base: None,
            title: None,
            body: None,
            draft: false,
            files: Vec::new(),
        }
    }
}

/// A repository to seed; see [`FakeGit::seed_repository`].
#[derive(Debug)]
#[must_use = "a seed does nothing until `.create()`"]
pub struct RepositorySeed<'a> {
    git: &'a FakeGit,
    repo: RepoSpec,
    default_branch: Option<String>,
    visibility: Visibility,
    description: Option<String>,
    empty: bool,
}

impl RepositorySeed<'_> {
    /// The default branch (default `main`).
    pub fn default_branch(mut self, branch: impl Into<String>) -> Self {
        self.default_branch = Some(branch.into());
        self
    }

    /// Who can see it (default public).
    pub fn visibility(mut self, visibility: Visibility) -> Self {
        self.visibility = visibility;
        self
    }

    /// Its description (also written into the first commit's README).
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Create it without a first commit (no branches until one is written).
    pub fn empty(mut self) -> Self {
        self.empty = true;
        self
    }

    /// Create the repository.
    ///
    /// # Errors
    /// `InvalidInput` for a name that is not `owner/name` or a bad branch
    /// name, `Conflict` when the repository exists.
    pub fn create(self) -> Result<Repository> {
        let repo = self.repo.get().map_err(|e| self.git.core.tag(e))?;
        let p = CreateRepository {
            owner: Some(repo.owner),
            name: repo.name,
            description: self.description,
            visibility: self.visibility,
            auto_init: !self.empty,
            default_branch: self.default_branch,
        };
        self.git.quiet(|s, now| s.create_repository(p, now))
    }
}

/// A file to seed as one commit; see [`FakeGit::seed_file`].
#[derive(Debug)]
#[must_use = "a seed does nothing until `.create()`"]
pub struct FileSeed<'a> {
    git: &'a FakeGit,
    repo: RepoSpec,
    path: Option<String>,
    content: Vec<u8>,
    branch: Option<String>,
    message: Option<String>,
}

impl FileSeed<'_> {
    /// The file's path (required).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Its content (default empty).
    pub fn content(mut self, content: impl Into<Vec<u8>>) -> Self {
        self.content = content.into();
        self
    }

    /// The branch to commit on (default: the default branch; created from
    /// it when missing).
    pub fn branch(mut self, branch: impl Into<String>) -> Self {
        self.branch = Some(branch.into());
        self
    }

    /// The commit message (default ``seed `path` ``).
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Write the file.
    ///
    /// # Errors
    /// `InvalidInput` when no path was given (field `path`), or the path
    /// or a name is invalid.
    pub fn create(self) -> Result<Commit> {
        let repo = self.repo.get().map_err(|e| self.git.core.tag(e))?;
        let path = self.path.ok_or_else(|| {
            self.git.core.tag(Error::invalid_input(
                "path",
                "is not set: name the file with `.path(\"README.md\")`",
            ))
        })?;
        let (branch, message, content) = (self.branch, self.message, self.content);
        self.git.quiet(|s, now| {
            let login = s.login.clone();
            let r = s.seeded_repo(&repo, branch.as_deref(), now)?;
            let branch = branch.unwrap_or_else(|| r.repo.default_branch.clone());
            r.seeded_branch(&branch, None, &login, now)?;
            let message = message.unwrap_or_else(|| format!("seed {path}"));
            r.commit_files(&branch, &message, vec![(path, content)], &login, now)
        })
    }
}

/// A branch to seed; see [`FakeGit::seed_branch`].
#[derive(Debug)]
#[must_use = "a seed does nothing until `.create()`"]
pub struct BranchSeed<'a> {
    git: &'a FakeGit,
    repo: RepoSpec,
    name: Option<String>,
    from: Option<String>,
    files: Vec<(String, Vec<u8>)>,
}

impl BranchSeed<'_> {
    /// The branch's name (required).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Where it starts: a branch, tag or SHA (default: the default branch).
    pub fn from(mut self, from: impl Into<String>) -> Self {
        self.from = Some(from.into());
        self
    }

    /// Commit a file on the new branch (all files in one commit).
    pub fn file(mut self, path: impl Into<String>, content: impl Into<Vec<u8>>) -> Self {
        self.files.push((path.into(), content.into()));
        self
    }

    /// Create the branch (and its commit, when files were added).
    ///
    /// # Errors
    /// `InvalidInput` when no name was given (field `name`) or `from` names
    /// nothing in the repository (field `from`); `Conflict` when the branch
    /// exists.
    pub fn create(self) -> Result<Branch> {
        let repo = self.repo.get().map_err(|e| self.git.core.tag(e))?;
        let name = self.name.ok_or_else(|| {
            self.git.core.tag(Error::invalid_input(
                "name",
                "is not set: name the branch with `.name(\"feature\")`",
            ))
        })?;
        let (from, files) = (self.from, self.files);
        self.git.quiet(|s, now| {
            let login = s.login.clone();
            let r = s.seeded_repo(&repo, None, now)?;
            if r.branches.contains_key(&name) {
                return Err(Error::conflict(format!("branch `{name}` already exists")));
            }
            r.seeded_branch(&name, from.as_deref(), &login, now)?;
            if !files.is_empty() {
                let message = format!("seed {} on {name}", files.len());
                r.commit_files(&name, &message, files, &login, now)?;
            }
            Ok(r.branch(&name).expect("just created"))
        })
    }
}

/// An issue to seed; see [`FakeGit::seed_issue`].
#[derive(Debug)]
#[must_use = "a seed does nothing until `.create()`"]
pub struct GitIssueSeed<'a> {
    git: &'a FakeGit,
    repo: RepoSpec,
    title: Option<String>,
    body: Option<String>,
    labels: Vec<String>,
    assignees: Vec<String>,
}

impl GitIssueSeed<'_> {
    /// The title (required).
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// The body.
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Add a label.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.labels.push(label.into());
        self
    }

    /// Add an assignee (a login).
    pub fn assignee(mut self, login: impl Into<String>) -> Self {
        self.assignees.push(login.into());
        self
    }

    /// Open the issue.
    ///
    /// # Errors
    /// `InvalidInput` when no title was given (field `title`) or a label or
    /// login is invalid.
    pub fn create(self) -> Result<Issue> {
        let repo = self.repo.get().map_err(|e| self.git.core.tag(e))?;
        let title = self.title.ok_or_else(|| {
            self.git.core.tag(Error::invalid_input(
                "title",
                "is not set: give the issue one with `.title(\"…\")`",
            ))
        })?;
        let p = CreateIssue {
            repo: repo.clone(),
            title,
            body: self.body,
            labels: self.labels,
            assignees: self.assignees,
        };
        self.git.quiet(|s, now| {
            let login = s.login.clone();
            s.seeded_repo(&repo, None, now)?
                .create_issue(p, &login, now)
        })
    }
}

/// A pull request to seed; see [`FakeGit::seed_pull_request`].
#[derive(Debug)]
#[must_use = "a seed does nothing until `.create()`"]
pub struct PullRequestSeed<'a> {
    git: &'a FakeGit,
    repo: RepoSpec,
    head: Option<String>,
    base: Option<String>,
    title: Option<String>,
    body: Option<String>,
    draft: bool,
    files: Vec<(String, Vec<u8>)>,
}

impl PullRequestSeed<'_> {
    /// The branch to merge (required; created from the base when missing).
    pub fn head(mut self, branch: impl Into<String>) -> Self {
        self.head = Some(branch.into());
        self
    }

    /// The branch to merge into (default: the default branch).
    pub fn base(mut self, branch: impl Into<String>) -> Self {
        self.base = Some(branch.into());
        self
    }

    /// The title (default ``Merge `head` into `base` ``).
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// The description.
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Open it as a draft.
    pub fn draft(mut self) -> Self {
        self.draft = true;
        self
    }

    /// Commit a file on the head before opening (all files in one commit).
    pub fn file(mut self, path: impl Into<String>, content: impl Into<Vec<u8>>) -> Self {
        self.files.push((path.into(), content.into()));
        self
    }

    /// Open the pull request, creating what it needs.
    ///
    /// # Errors
    /// `InvalidInput` when no head was given or it is the base (field
    /// `head`), or a branch name or path is invalid; `Conflict` when a pull
    /// request from the head into the base is already open.
    pub fn create(self) -> Result<PullRequest> {
        let repo = self.repo.get().map_err(|e| self.git.core.tag(e))?;
        let head = self.head.ok_or_else(|| {
            self.git.core.tag(Error::invalid_input(
                "head",
                "is not set: name the branch to merge with `.head(\"feature\")`",
            ))
        })?;
        let (base, title, body, draft, files) =
            (self.base, self.title, self.body, self.draft, self.files);
        self.git.quiet(|s, now| {
            let (login, host) = (s.login.clone(), s.host.clone());
            let r = s.seeded_repo(&repo, base.as_deref(), now)?;
            let base = base.unwrap_or_else(|| r.repo.default_branch.clone());
            if head == base {
                return Err(Error::invalid_input(
                    "head",
                    format!("`{head}` is also the base: a pull request needs two branches"),
                ));
            }
            r.seeded_branch(&base, None, &login, now)?;
            r.seeded_branch(&head, Some(&base), &login, now)?;
            if !files.is_empty() {
                let message = format!("seed {} on {head}", files.len());
                r.commit_files(&head, &message, files, &login, now)?;
            } else if r
                .ancestors(&r.branches[&base].sha)
                .contains(&r.branches[&head].sha)
            {
                let path = format!("changes/{head}.txt");
                let content = format!("A change on `{head}`.\n").into_bytes();
                let message = format!("seed a change on {head}");
                r.commit_files(&head, &message, vec![(path, content)], &login, now)?;
            }
            let p = CreatePullRequest {
                repo: repo.clone(),
                title: title.unwrap_or_else(|| format!("Merge `{head}` into `{base}`")),
                body,
                head,
                base,
                draft,
            };
            r.create_pull_request(p, &login, &host, now)
        })
    }
}

impl GitState {
    /// Repository `r`, created when missing (with a first commit on
    /// `default_branch`, or `main`).
    fn seeded_repo(
        &mut self,
        r: &RepoRef,
        default_branch: Option<&str>,
        now: &str,
    ) -> Result<&mut RepoState> {
        if self.repo(r).is_err_and(|e| e.is_not_found()) {
            let p = CreateRepository {
                owner: Some(r.owner.clone()),
                name: r.name.clone(),
                auto_init: true,
                default_branch: default_branch.map(str::to_owned),
                ..Default::default()
            };
            self.create_repository(p, now)?;
        }
        self.repo_mut(r)
    }
}

impl RepoState {
    /// Branch `name`, created at `from` (default: the default branch) when
    /// missing. In a repository without commits, its first commit
    /// (`README.md`) creates the branch.
    fn seeded_branch(
        &mut self,
        name: &str,
        from: Option<&str>,
        login: &str,
        now: &str,
    ) -> Result<()> {
        if self.branches.contains_key(name) {
            return Ok(());
        }
        if self.branches.is_empty() {
            let readme = format!("# {}\n", self.repo.name).into_bytes();
            let files = vec![("README.md".to_owned(), readme)];
            self.commit_files(name, "Initial commit", files, login, now)?;
            return Ok(());
        }
        let from = from.unwrap_or(&self.repo.default_branch).to_owned();
        if self.resolve(&from).is_none() {
            return Err(Error::invalid_input(
                "from",
                format!(
                    "no branch, tag or commit `{from}` in {} to start branch `{name}` from",
                    self.repo.full_name
                ),
            ));
        }
        self.create_branch(CreateBranch {
            repo: self.reference(),
            name: name.to_owned(),
            from,
        })
        .map(|_| ())
    }

    /// Write `files` on `branch` as one commit (created or replaced).
    fn commit_files(
        &mut self,
        branch: &str,
        message: &str,
        files: Vec<(String, Vec<u8>)>,
        login: &str,
        now: &str,
    ) -> Result<Commit> {
        let tree = self.branch_tree(branch).cloned();
        let changes: Vec<FileChange> = files
            .into_iter()
            .map(|(path, content)| {
                if tree.as_ref().is_some_and(|t| t.contains_key(&path)) {
                    FileChange::Update { path, content }
                } else {
                    FileChange::Create { path, content }
                }
            })
            .collect();
        self.commit_changes(branch, message, &changes, None, login, now, false)
    }
}
