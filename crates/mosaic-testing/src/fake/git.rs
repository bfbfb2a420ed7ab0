//! [`FakeGit`]: an in-memory git forge.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use mosaic_core::git::*;
use mosaic_core::{Capabilities, Error, ErrorKind, Page, Result, Secret};
use parking_lot::Mutex;
use serde::Serialize;

use super::{Core, digest, fake_controls, require, require_name};

mod seed;

pub use seed::{BranchSeed, FileSeed, GitIssueSeed, PullRequestSeed, RepoSpec, RepositorySeed};

/// Items per page when the request does not say.
const DEFAULT_PAGE: u32 = 30;
/// Webhook events the fake knows (Mosaic's names).
const EVENTS: &[&str] = &[
    "push",
    "pull_request",
    "issues",
    "issue_comment",
    "release",
    "create",
    "delete",
];

type Tree = Arc<BTreeMap<String, Vec<u8>>>;

/// An in-memory git forge implementing every [`GitProvider`] operation.
///
/// It keeps real state: repositories with branches, commits (each with a
/// full file tree), tags, pull requests, issues, webhooks, collaborators,
/// commit statuses and releases. Behaviour worth knowing:
///
/// * names are case-insensitive (`Acme/Tools` and `acme/tools` are one
///   repository), listings are sorted and paginated with offset cursors;
/// * `auto_init` creates a first commit with `README.md`; an empty
///   repository gets its default branch from its first commit;
/// * merging a pull request really merges (three-way, per file): `Merge`
///   makes a two-parent commit, `Squash` one commit, `Rebase` replays the
///   head's commits; conflicting changes to one file are a `Conflict`;
/// * a branch protected with required checks or approvals refuses direct
///   commits (`Conflict`, as forges do) and merges until every required
///   status context is `success` on the head and enough approvals
///   ([`approve_pull_request`](Self::approve_pull_request)) are recorded;
///   a protected branch cannot be deleted unless its rules allow it;
/// * an archived repository refuses writes (`PermissionDenied`).
///
/// SHAs are deterministic 40-hex digests, timestamps advance with tokio's
/// clock from 2024-01-01T00:00:00Z. The authenticated user is `fake-user`
/// unless [`with_login`](Self::with_login) says otherwise.
///
/// ```
/// use mosaic_core::git::{CreateRepository, GitProvider, GitOp, RepoRef};
/// use mosaic_testing::FakeGit;
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let git = FakeGit::new();
/// let repo = git.create_repository(CreateRepository::new("tools").in_owner("acme")).await?;
/// assert_eq!(repo.full_name, "acme/tools");
/// assert_eq!(git.call_count(GitOp::CreateRepository), 1);
/// git.delete_repository(RepoRef::new("acme", "tools")).await?;
/// let err = git.get_repository(RepoRef::new("acme", "tools")).await.unwrap_err();
/// assert!(err.is_not_found());
/// # Ok::<(), mosaic_core::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct FakeGit {
    core: Arc<Core>,
    state: Arc<Mutex<GitState>>,
}

impl fmt::Debug for FakeGit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.lock();
        f.debug_struct("FakeGit")
            .field("name", &self.core.name())
            .field("login", &state.login)
            .field("repositories", &state.repos.len())
            .finish()
    }
}

impl Default for FakeGit {
    fn default() -> Self {
        Self::new()
    }
}

fake_controls!(FakeGit, GitOp, "fake-git");

impl FakeGit {
    /// An empty forge named `fake-git`, user `fake-user`.
    pub fn new() -> Self {
        Self::named("fake-git")
    }

    /// An empty forge whose errors carry provider name `name`.
    pub fn named(name: &str) -> Self {
        FakeGit {
            core: Arc::new(Core::new::<GitOp>(name)),
            state: Arc::new(Mutex::new(GitState {
                login: "fake-user".to_owned(),
                host: format!("{name}.invalid"),
                next_repo_id: 1,
                next_hook_id: 1,
                next_release_id: 1,
                repos: BTreeMap::new(),
            })),
        }
    }

    /// Act as user `login` (the owner of repositories created without one).
    pub fn with_login(self, login: &str) -> Self {
        self.state.lock().login = login.to_owned();
        self
    }

    /// The authenticated user's login.
    pub fn login(&self) -> String {
        self.state.lock().login.clone()
    }

    // ----- seeding (not recorded in the call log; builders in `seed`) -----

    /// Record an approving review of pull request `number` by `login`
    /// (counts towards a base branch's `required_approvals`).
    ///
    /// # Errors
    /// `NotFound` for a missing repository or pull request.
    pub fn approve_pull_request(&self, repo: &RepoRef, number: u64, login: &str) -> Result<()> {
        self.quiet(|s, _| {
            let r = s.repo_mut(repo)?;
            if !r.pulls.contains_key(&number) {
                return Err(Error::not_found(format!(
                    "pull request #{number} not found in {repo}"
                )));
            }
            r.approvals
                .entry(number)
                .or_default()
                .insert(login.to_owned());
            Ok(())
        })
    }

    // ----- inspection -----

    /// Every repository, sorted by full name.
    pub fn repositories(&self) -> Vec<Repository> {
        self.state
            .lock()
            .repos
            .values()
            .map(|r| r.repo.clone())
            .collect()
    }

    /// One repository, if it exists.
    pub fn repository(&self, repo: &RepoRef) -> Option<Repository> {
        self.state.lock().repo(repo).ok().map(|r| r.repo.clone())
    }

    /// The files at `reference` (branch, tag or SHA; `None` for the
    /// default branch); empty when the repository or ref does not exist.
    pub fn files(&self, repo: &RepoRef, reference: Option<&str>) -> BTreeMap<String, Vec<u8>> {
        let state = self.state.lock();
        let Ok(r) = state.repo(repo) else {
            return BTreeMap::new();
        };
        let reference = reference.unwrap_or(&r.repo.default_branch);
        r.resolve(reference)
            .map(|sha| (*r.commits[&sha].tree).clone())
            .unwrap_or_default()
    }

    /// One file at `reference` (`None` for the default branch).
    pub fn file(&self, repo: &RepoRef, reference: Option<&str>, path: &str) -> Option<Vec<u8>> {
        self.files(repo, reference).remove(path)
    }

    /// The SHA a branch points at.
    pub fn branch_head(&self, repo: &RepoRef, branch: &str) -> Option<String> {
        let state = self.state.lock();
        let r = state.repo(repo).ok()?;
        r.branches.get(branch).map(|b| b.sha.clone())
    }

    /// A pull request.
    pub fn pull_request(&self, repo: &RepoRef, number: u64) -> Option<PullRequest> {
        let state = self.state.lock();
        state.repo(repo).ok()?.pulls.get(&number).cloned()
    }

    /// An issue.
    pub fn issue(&self, repo: &RepoRef, number: u64) -> Option<Issue> {
        let state = self.state.lock();
        state.repo(repo).ok()?.issues.get(&number).cloned()
    }

    /// A branch's protection rules.
    pub fn branch_protection(&self, repo: &RepoRef, branch: &str) -> Option<BranchProtection> {
        let state = self.state.lock();
        state
            .repo(repo)
            .ok()?
            .branches
            .get(branch)?
            .protection
            .clone()
    }

    /// The secret stored with a webhook (never part of [`Webhook`]).
    pub fn webhook_secret(&self, repo: &RepoRef, id: &str) -> Option<Secret> {
        let state = self.state.lock();
        let id: u64 = id.parse().ok()?;
        state.repo(repo).ok()?.hooks.get(&id)?.1.clone()
    }

    /// Run `f` on the state without recording a call.
    fn quiet<T>(&self, f: impl FnOnce(&mut GitState, &str) -> Result<T>) -> Result<T> {
        let now = self.core.clock().now();
        f(&mut self.state.lock(), &now).map_err(|e| self.core.tag(e))
    }

    /// Record the call, apply planned failures and latency, then run `f`.
    async fn run<P: Serialize, T>(
        &self,
        op: GitOp,
        params: P,
        f: impl FnOnce(&mut GitState, P, &str) -> Result<T>,
    ) -> Result<T> {
        self.core.enter(op, &params).await?;
        let now = self.core.clock().now();
        f(&mut self.state.lock(), params, &now).map_err(|e| self.core.tag(e))
    }
}

struct GitState {
    login: String,
    host: String,
    next_repo_id: u64,
    next_hook_id: u64,
    next_release_id: u64,
    /// Keyed by lower-cased (owner, name).
    repos: BTreeMap<(String, String), RepoState>,
}

fn key(owner: &str, name: &str) -> (String, String) {
    (owner.to_lowercase(), name.to_lowercase())
}

#[derive(Clone)]
struct BranchState {
    sha: String,
    protection: Option<BranchProtection>,
}

#[derive(Clone)]
struct CommitNode {
    commit: Commit,
    tree: Tree,
    seq: u64,
}

#[derive(Clone)]
struct RepoState {
    repo: Repository,
    seq: u64,
    branches: BTreeMap<String, BranchState>,
    commits: HashMap<String, CommitNode>,
    tags: BTreeMap<String, Tag>,
    pulls: BTreeMap<u64, PullRequest>,
    approvals: HashMap<u64, BTreeSet<String>>,
    issues: BTreeMap<u64, Issue>,
    next_number: u64,
    hooks: BTreeMap<u64, (Webhook, Option<Secret>)>,
    collaborators: BTreeMap<String, Permission>,
    statuses: HashMap<String, Vec<CommitStatus>>,
    releases: Vec<Release>,
}

fn validate_ref_name(field: &str, name: &str) -> Result<()> {
    require(field, name)?;
    let bad = name.starts_with('/')
        || name.ends_with('/')
        || name.ends_with('.')
        || name.contains("..")
        || name.contains("//")
        || name.starts_with('-')
        || name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "~^:?*[\\".contains(c));
    if bad {
        return Err(Error::invalid_input(
            field,
            format!("`{name}` is not a valid ref name"),
        ));
    }
    Ok(())
}

fn validate_path(field: &str, path: &str) -> Result<()> {
    require(field, path)?;
    if path.starts_with('/')
        || path.ends_with('/')
        || path
            .split('/')
            .any(|seg| seg.is_empty() || seg == "." || seg == "..")
        || path.chars().any(|c| c.is_control())
    {
        return Err(Error::invalid_input(
            field,
            format!("`{path}` is not a valid file path"),
        ));
    }
    Ok(())
}

fn blob_sha(content: &[u8]) -> String {
    digest(&[b"blob", content])
}

fn signature(login: &str, now: &str) -> Signature {
    Signature {
        name: login.to_owned(),
        email: format!("{login}@users.noreply.invalid"),
        date: Some(now.to_owned()),
    }
}

fn count_lines(content: &[u8]) -> u64 {
    if content.is_empty() {
        0
    } else {
        content
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .count() as u64
    }
}

/// One path that differs between two trees: `(path, before, after)`.
type PathChange = (String, Option<Vec<u8>>, Option<Vec<u8>>);

/// Per-path differences from `from` to `to`.
fn diff_trees(from: &Tree, to: &Tree) -> Vec<PathChange> {
    let paths: BTreeSet<&String> = from.keys().chain(to.keys()).collect();
    paths
        .into_iter()
        .filter_map(|p| {
            let (a, b) = (from.get(p), to.get(p));
            (a != b).then(|| (p.clone(), a.cloned(), b.cloned()))
        })
        .collect()
}

impl GitState {
    fn repo(&self, r: &RepoRef) -> Result<&RepoState> {
        r.validate()?;
        self.repos
            .get(&key(&r.owner, &r.name))
            .ok_or_else(|| Error::not_found(format!("repository {r} not found")))
    }

    fn repo_mut(&mut self, r: &RepoRef) -> Result<&mut RepoState> {
        r.validate()?;
        self.repos
            .get_mut(&key(&r.owner, &r.name))
            .ok_or_else(|| Error::not_found(format!("repository {r} not found")))
    }

    fn writable(&mut self, r: &RepoRef) -> Result<(&mut RepoState, String, String)> {
        let (login, host) = (self.login.clone(), self.host.clone());
        let repo = self.repo_mut(r)?;
        if repo.repo.archived {
            return Err(Error::new(
                ErrorKind::PermissionDenied,
                format!("repository {r} is archived and read-only"),
            ));
        }
        Ok((repo, login, host))
    }

    fn create_repository(&mut self, p: CreateRepository, now: &str) -> Result<Repository> {
        require_name("name", &p.name)?;
        if let Some(o) = &p.owner {
            validate_ref_name("owner", o)?;
        }
        if let Some(b) = &p.default_branch {
            validate_ref_name("default_branch", b)?;
        }
        let owner = p.owner.clone().unwrap_or_else(|| self.login.clone());
        let k = key(&owner, &p.name);
        if self.repos.contains_key(&k) {
            return Err(Error::conflict(format!(
                "repository {owner}/{} already exists",
                p.name
            )));
        }
        let id = self.next_repo_id;
        self.next_repo_id += 1;
        let full_name = format!("{owner}/{}", p.name);
        let repo = Repository {
            id: id.to_string(),
            owner: owner.clone(),
            name: p.name.clone(),
            full_name: full_name.clone(),
            description: p.description.clone(),
            visibility: p.visibility,
            default_branch: p
                .default_branch
                .clone()
                .unwrap_or_else(|| "main".to_owned()),
            clone_url: Some(format!("https://{}/{full_name}.git", self.host)),
            ssh_url: Some(format!("git@{}:{full_name}.git", self.host)),
            web_url: Some(format!("https://{}/{full_name}", self.host)),
            fork: false,
            archived: false,
            created_at: Some(now.to_owned()),
            updated_at: Some(now.to_owned()),
        };
        let mut state = RepoState::new(repo);
        if p.auto_init {
            let mut readme = format!("# {}\n", p.name);
            if let Some(d) = &p.description {
                readme.push_str(&format!("\n{d}\n"));
            }
            let branch = state.repo.default_branch.clone();
            state.commit_changes(
                &branch,
                "Initial commit",
                &[FileChange::Create {
                    path: "README.md".to_owned(),
                    content: readme.into_bytes(),
                }],
                None,
                &self.login,
                now,
                false,
            )?;
        }
        let out = state.repo.clone();
        self.repos.insert(k, state);
        Ok(out)
    }

    fn update_repository(&mut self, p: UpdateRepository, now: &str) -> Result<Repository> {
        let host = self.host.clone();
        let old_key = key(&p.repo.owner, &p.repo.name);
        if let Some(n) = &p.name {
            require_name("name", n)?;
            let new_key = key(&p.repo.owner, n);
            if new_key != old_key && self.repos.contains_key(&new_key) {
                return Err(Error::conflict(format!(
                    "repository {}/{n} already exists",
                    p.repo.owner
                )));
            }
        }
        let r = self.repo_mut(&p.repo)?;
        if r.repo.archived && p.archived != Some(false) {
            return Err(Error::new(
                ErrorKind::PermissionDenied,
                format!("repository {} is archived and read-only", p.repo),
            ));
        }
        if let Some(b) = &p.default_branch {
            validate_ref_name("default_branch", b)?;
            if !r.branches.is_empty() && !r.branches.contains_key(b) {
                return Err(Error::invalid_input(
                    "default_branch",
                    format!("no branch named `{b}`"),
                ));
            }
        }
        if let Some(d) = p.description {
            r.repo.description = Some(d);
        }
        if let Some(v) = p.visibility {
            r.repo.visibility = v;
        }
        if let Some(b) = p.default_branch {
            r.repo.default_branch = b;
        }
        if let Some(a) = p.archived {
            r.repo.archived = a;
        }
        r.repo.updated_at = Some(now.to_owned());
        if let Some(n) = p.name {
            let full = format!("{}/{n}", r.repo.owner);
            r.repo.name = n.clone();
            r.repo.clone_url = Some(format!("https://{host}/{full}.git"));
            r.repo.ssh_url = Some(format!("git@{host}:{full}.git"));
            r.repo.web_url = Some(format!("https://{host}/{full}"));
            r.repo.full_name = full;
            let state = self.repos.remove(&old_key).expect("checked above");
            let out = state.repo.clone();
            self.repos.insert(key(&out.owner, &n), state);
            return Ok(out);
        }
        Ok(r.repo.clone())
    }

    fn delete_repository(&mut self, p: RepoRef) -> Result<()> {
        self.repo(&p)?;
        self.repos.remove(&key(&p.owner, &p.name));
        Ok(())
    }

    fn list_repositories(&self, p: ListRepositories) -> Result<Page<Repository>> {
        let owner = p.owner.unwrap_or_else(|| self.login.clone()).to_lowercase();
        let items: Vec<Repository> = self
            .repos
            .iter()
            .filter(|((o, _), _)| *o == owner)
            .map(|(_, r)| r.repo.clone())
            .collect();
        Page::slice(items, &p.page, DEFAULT_PAGE)
    }

    fn fork_repository(&mut self, p: ForkRepository, now: &str) -> Result<Repository> {
        if let Some(o) = &p.organization {
            validate_ref_name("organization", o)?;
        }
        if let Some(n) = &p.name {
            require_name("name", n)?;
        }
        let source = self.repo(&p.repo)?.clone();
        let owner = p.organization.unwrap_or_else(|| self.login.clone());
        let name = p.name.unwrap_or_else(|| source.repo.name.clone());
        let k = key(&owner, &name);
        if self.repos.contains_key(&k) {
            return Err(Error::conflict(format!(
                "repository {owner}/{name} already exists"
            )));
        }
        let id = self.next_repo_id;
        self.next_repo_id += 1;
        let full_name = format!("{owner}/{name}");
        let mut fork = RepoState::new(Repository {
            id: id.to_string(),
            owner,
            name,
            full_name: full_name.clone(),
            description: source.repo.description.clone(),
            visibility: source.repo.visibility,
            default_branch: source.repo.default_branch.clone(),
            clone_url: Some(format!("https://{}/{full_name}.git", self.host)),
            ssh_url: Some(format!("git@{}:{full_name}.git", self.host)),
            web_url: Some(format!("https://{}/{full_name}", self.host)),
            fork: true,
            archived: false,
            created_at: Some(now.to_owned()),
            updated_at: Some(now.to_owned()),
        });
        fork.seq = source.seq;
        fork.commits = source.commits;
        fork.tags = source.tags;
        fork.branches = source
            .branches
            .into_iter()
            .map(|(n, b)| {
                (
                    n,
                    BranchState {
                        sha: b.sha,
                        protection: None,
                    },
                )
            })
            .collect();
        let out = fork.repo.clone();
        self.repos.insert(k, fork);
        Ok(out)
    }
}

impl RepoState {
    fn new(repo: Repository) -> Self {
        RepoState {
            repo,
            seq: 0,
            branches: BTreeMap::new(),
            commits: HashMap::new(),
            tags: BTreeMap::new(),
            pulls: BTreeMap::new(),
            approvals: HashMap::new(),
            issues: BTreeMap::new(),
            next_number: 1,
            hooks: BTreeMap::new(),
            collaborators: BTreeMap::new(),
            statuses: HashMap::new(),
            releases: Vec::new(),
        }
    }

    fn reference(&self) -> RepoRef {
        RepoRef::new(&self.repo.owner, &self.repo.name)
    }

    /// A branch, tag, full SHA or unique SHA prefix (7+ digits) to a SHA.
    fn resolve(&self, r: &str) -> Option<String> {
        if let Some(b) = self.branches.get(r) {
            return Some(b.sha.clone());
        }
        if let Some(t) = self.tags.get(r) {
            return Some(t.sha.clone());
        }
        if self.commits.contains_key(r) {
            return Some(r.to_owned());
        }
        if r.len() >= 7 && r.chars().all(|c| c.is_ascii_hexdigit()) {
            let mut hits = self.commits.keys().filter(|k| k.starts_with(r));
            if let (Some(one), None) = (hits.next(), hits.next()) {
                return Some(one.clone());
            }
        }
        None
    }

    fn branch_tree(&self, branch: &str) -> Option<&Tree> {
        let b = self.branches.get(branch)?;
        Some(&self.commits[&b.sha].tree)
    }

    /// Every commit reachable from `sha`, newest first.
    fn ancestors(&self, sha: &str) -> Vec<String> {
        let mut seen = HashSet::new();
        let mut stack = vec![sha.to_owned()];
        while let Some(s) = stack.pop() {
            if !seen.insert(s.clone()) {
                continue;
            }
            if let Some(node) = self.commits.get(&s) {
                stack.extend(node.commit.parents.iter().cloned());
            }
        }
        let mut all: Vec<String> = seen.into_iter().collect();
        all.sort_by_key(|s| std::cmp::Reverse(self.commits.get(s).map_or(0, |n| n.seq)));
        all
    }

    /// The newest common ancestor of two commits.
    fn merge_base(&self, a: &str, b: &str) -> Option<String> {
        let of_a: HashSet<String> = self.ancestors(a).into_iter().collect();
        self.ancestors(b).into_iter().find(|s| of_a.contains(s))
    }

    fn new_commit(
        &mut self,
        parents: Vec<String>,
        tree: Tree,
        message: &str,
        author: Signature,
        committer: Signature,
    ) -> Commit {
        self.seq += 1;
        let tree_sig: Vec<u8> = tree
            .iter()
            .flat_map(|(p, c)| {
                let mut v = p.as_bytes().to_vec();
                v.extend_from_slice(blob_sha(c).as_bytes());
                v
            })
            .collect();
        let sha = digest(&[
            parents.join(",").as_bytes(),
            message.as_bytes(),
            &tree_sig,
            self.seq.to_string().as_bytes(),
            self.repo.id.as_bytes(),
        ]);
        let commit = Commit {
            sha: sha.clone(),
            message: message.to_owned(),
            author: Some(author),
            committer: Some(committer),
            parents,
            web_url: self
                .repo
                .web_url
                .as_ref()
                .map(|u| format!("{u}/commit/{sha}")),
        };
        self.commits.insert(
            sha,
            CommitNode {
                commit: commit.clone(),
                tree,
                seq: self.seq,
            },
        );
        commit
    }

    /// The branch protection that forbids direct commits, if any.
    fn check_direct_write(&self, branch: &str) -> Result<()> {
        if let Some(p) = self
            .branches
            .get(branch)
            .and_then(|b| b.protection.as_ref())
            && (p.required_approvals > 0 || !p.required_status_checks.is_empty())
        {
            return Err(Error::conflict(format!(
                "branch `{branch}` is protected: changes must be made through a pull request"
            )));
        }
        Ok(())
    }

    /// Apply `changes` to `branch` as one commit (the first commit of an
    /// empty repository creates the branch).
    #[allow(clippy::too_many_arguments)]
    fn commit_changes(
        &mut self,
        branch: &str,
        message: &str,
        changes: &[FileChange],
        author: Option<Signature>,
        login: &str,
        now: &str,
        enforce_protection: bool,
    ) -> Result<Commit> {
        require("message", message)?;
        validate_ref_name("branch", branch)?;
        if changes.is_empty() {
            return Err(Error::invalid_input("changes", "must not be empty"));
        }
        let (parents, mut tree) = match self.branches.get(branch) {
            Some(b) => (vec![b.sha.clone()], (*self.commits[&b.sha].tree).clone()),
            None if self.branches.is_empty() => (Vec::new(), BTreeMap::new()),
            None => {
                return Err(Error::invalid_input(
                    "branch",
                    format!("no branch named `{branch}`"),
                ));
            }
        };
        if enforce_protection {
            self.check_direct_write(branch)?;
        }
        let mut touched = HashSet::new();
        for (i, change) in changes.iter().enumerate() {
            let path = change.path();
            validate_path(&format!("changes[{i}].path"), path)?;
            if !touched.insert(path.to_owned()) {
                return Err(Error::invalid_input(
                    format!("changes[{i}].path"),
                    format!("`{path}` is changed twice"),
                ));
            }
            match change {
                FileChange::Create { path, content } => {
                    if tree.contains_key(path) {
                        return Err(Error::conflict(format!(
                            "file `{path}` already exists on `{branch}`"
                        )));
                    }
                    tree.insert(path.clone(), content.clone());
                }
                FileChange::Update { path, content } => {
                    if !tree.contains_key(path) {
                        return Err(Error::not_found(format!(
                            "file `{path}` not found on `{branch}`"
                        )));
                    }
                    tree.insert(path.clone(), content.clone());
                }
                FileChange::Delete { path } => {
                    if tree.remove(path).is_none() {
                        return Err(Error::not_found(format!(
                            "file `{path}` not found on `{branch}`"
                        )));
                    }
                }
            }
        }
        let committer = signature(login, now);
        let author = author.unwrap_or_else(|| committer.clone());
        let commit = self.new_commit(parents, Arc::new(tree), message, author, committer);
        let first = self.branches.is_empty();
        let protection = self.branches.get(branch).and_then(|b| b.protection.clone());
        self.branches.insert(
            branch.to_owned(),
            BranchState {
                sha: commit.sha.clone(),
                protection,
            },
        );
        if first {
            self.repo.default_branch = branch.to_owned();
        }
        self.repo.updated_at = Some(now.to_owned());
        Ok(commit)
    }

    fn branch(&self, name: &str) -> Option<Branch> {
        self.branches.get(name).map(|b| Branch {
            name: name.to_owned(),
            commit_sha: b.sha.clone(),
            protected: b.protection.is_some(),
        })
    }

    fn create_branch(&mut self, p: CreateBranch) -> Result<Branch> {
        validate_ref_name("name", &p.name)?;
        require("from", &p.from)?;
        let sha = self.resolve(&p.from).ok_or_else(|| {
            Error::invalid_input("from", format!("no branch, tag or commit `{}`", p.from))
        })?;
        if self.branches.contains_key(&p.name) {
            return Err(Error::conflict(format!(
                "branch `{}` already exists",
                p.name
            )));
        }
        self.branches.insert(
            p.name.clone(),
            BranchState {
                sha,
                protection: None,
            },
        );
        Ok(self.branch(&p.name).expect("just inserted"))
    }

    fn get_branch(&self, p: &BranchRef) -> Result<Branch> {
        require("branch", &p.branch)?;
        self.branch(&p.branch)
            .ok_or_else(|| Error::not_found(format!("branch `{}` not found", p.branch)))
    }

    fn delete_branch(&mut self, p: BranchRef) -> Result<()> {
        require("branch", &p.branch)?;
        let b = self
            .branches
            .get(&p.branch)
            .ok_or_else(|| Error::not_found(format!("branch `{}` not found", p.branch)))?;
        if p.branch == self.repo.default_branch {
            return Err(Error::conflict(format!(
                "branch `{}` is the default branch and cannot be deleted",
                p.branch
            )));
        }
        if b.protection.as_ref().is_some_and(|r| !r.allow_deletion) {
            return Err(Error::conflict(format!(
                "branch `{}` is protected and cannot be deleted",
                p.branch
            )));
        }
        self.branches.remove(&p.branch);
        Ok(())
    }

    fn protect_branch(&mut self, p: ProtectBranch) -> Result<BranchProtection> {
        require("rules.branch", &p.rules.branch)?;
        for (i, c) in p.rules.required_status_checks.iter().enumerate() {
            require(&format!("rules.required_status_checks[{i}]"), c)?;
        }
        let b = self
            .branches
            .get_mut(&p.rules.branch)
            .ok_or_else(|| Error::not_found(format!("branch `{}` not found", p.rules.branch)))?;
        b.protection = Some(p.rules.clone());
        Ok(p.rules)
    }

    fn create_pull_request(
        &mut self,
        p: CreatePullRequest,
        login: &str,
        host: &str,
        now: &str,
    ) -> Result<PullRequest> {
        require("title", &p.title)?;
        require("head", &p.head)?;
        require("base", &p.base)?;
        let head_sha = self
            .branches
            .get(&p.head)
            .map(|b| b.sha.clone())
            .ok_or_else(|| Error::invalid_input("head", format!("no branch named `{}`", p.head)))?;
        let base_sha = self
            .branches
            .get(&p.base)
            .map(|b| b.sha.clone())
            .ok_or_else(|| Error::invalid_input("base", format!("no branch named `{}`", p.base)))?;
        if p.head == p.base {
            return Err(Error::invalid_input("head", "must differ from base"));
        }
        if self.ancestors(&base_sha).contains(&head_sha) {
            return Err(Error::invalid_input(
                "head",
                format!("no commits between `{}` and `{}`", p.base, p.head),
            ));
        }
        if let Some(dup) = self
            .pulls
            .values()
            .find(|pr| pr.state == PullRequestState::Open && pr.head == p.head && pr.base == p.base)
        {
            return Err(Error::conflict(format!(
                "pull request #{} from `{}` to `{}` is already open",
                dup.number, p.head, p.base
            )));
        }
        let number = self.next_number;
        self.next_number += 1;
        let pr = PullRequest {
            number,
            title: p.title,
            body: p.body,
            state: PullRequestState::Open,
            draft: p.draft,
            head: p.head,
            base: p.base,
            head_sha: Some(head_sha),
            author: Some(login.to_owned()),
            merge_commit_sha: None,
            web_url: Some(format!(
                "https://{host}/{}/pull/{number}",
                self.repo.full_name
            )),
            created_at: Some(now.to_owned()),
            updated_at: Some(now.to_owned()),
        };
        self.pulls.insert(number, pr.clone());
        Ok(pr)
    }

    fn pull(&self, number: u64) -> Result<&PullRequest> {
        self.pulls.get(&number).ok_or_else(|| {
            Error::not_found(format!(
                "pull request #{number} not found in {}",
                self.repo.full_name
            ))
        })
    }

    fn update_pull_request(&mut self, p: UpdatePullRequest, now: &str) -> Result<PullRequest> {
        let current = self.pull(p.number)?.clone();
        if let Some(t) = &p.title {
            require("title", t)?;
        }
        if let Some(b) = &p.base
            && !self.branches.contains_key(b)
        {
            return Err(Error::invalid_input(
                "base",
                format!("no branch named `{b}`"),
            ));
        }
        match p.state {
            Some(PullRequestState::Merged) => {
                return Err(Error::invalid_input(
                    "state",
                    "cannot be set to merged; merge the pull request instead",
                ));
            }
            Some(s) if current.state == PullRequestState::Merged && s != current.state => {
                return Err(Error::conflict(format!(
                    "pull request #{} is merged and cannot change state",
                    p.number
                )));
            }
            Some(PullRequestState::Open) if current.state == PullRequestState::Closed => {
                let base = p.base.as_deref().unwrap_or(&current.base);
                if self.pulls.values().any(|pr| {
                    pr.number != p.number
                        && pr.state == PullRequestState::Open
                        && pr.head == current.head
                        && pr.base == base
                }) {
                    return Err(Error::conflict(
                        "another pull request for these branches is already open",
                    ));
                }
                if !self.branches.contains_key(&current.head) {
                    return Err(Error::conflict(format!(
                        "branch `{}` no longer exists",
                        current.head
                    )));
                }
            }
            _ => {}
        }
        let pr = self.pulls.get_mut(&p.number).expect("checked above");
        if let Some(t) = p.title {
            pr.title = t;
        }
        if let Some(b) = p.body {
            pr.body = Some(b);
        }
        if let Some(b) = p.base {
            pr.base = b;
        }
        if let Some(s) = p.state {
            pr.state = s;
        }
        pr.updated_at = Some(now.to_owned());
        Ok(pr.clone())
    }

    fn merge_pull_request(
        &mut self,
        p: MergePullRequest,
        login: &str,
        now: &str,
    ) -> Result<MergeResult> {
        let pr = self.pull(p.number)?.clone();
        match pr.state {
            PullRequestState::Open => {}
            PullRequestState::Merged => {
                return Err(Error::conflict(format!(
                    "pull request #{} is already merged",
                    p.number
                )));
            }
            PullRequestState::Closed => {
                return Err(Error::conflict(format!(
                    "pull request #{} is closed",
                    p.number
                )));
            }
        }
        let head_sha = self
            .branches
            .get(&pr.head)
            .map(|b| b.sha.clone())
            .ok_or_else(|| Error::conflict(format!("head branch `{}` was deleted", pr.head)))?;
        let base = self
            .branches
            .get(&pr.base)
            .cloned()
            .ok_or_else(|| Error::conflict(format!("base branch `{}` was deleted", pr.base)))?;
        if let Some(expected) = &p.sha
            && *expected != head_sha
        {
            return Err(Error::conflict(format!(
                "head branch was modified: expected {expected}, found {head_sha}"
            )));
        }
        if let Some(rules) = &base.protection {
            let approvals = self.approvals.get(&p.number).map_or(0, |a| a.len());
            if (approvals as u32) < rules.required_approvals {
                return Err(Error::conflict(format!(
                    "branch `{}` requires {} approving review(s), pull request #{} has {approvals}",
                    pr.base, rules.required_approvals, p.number
                )));
            }
            let statuses = self.statuses.get(&head_sha);
            for check in &rules.required_status_checks {
                let latest = statuses
                    .and_then(|s| s.iter().rev().find(|st| &st.context == check))
                    .map(|st| st.state);
                if latest != Some(StatusState::Success) {
                    return Err(Error::conflict(format!(
                        "required status check `{check}` is not successful on {head_sha}"
                    )));
                }
            }
        }
        let ancestor = self.merge_base(&base.sha, &head_sha);
        let empty: Tree = Arc::new(BTreeMap::new());
        let ancestor_tree = ancestor
            .as_ref()
            .map_or(empty.clone(), |a| self.commits[a].tree.clone());
        let base_tree = self.commits[&base.sha].tree.clone();
        let head_tree = self.commits[&head_sha].tree.clone();
        let merged = three_way(&ancestor_tree, &base_tree, &head_tree)?;
        let committer = signature(login, now);
        let new_head = match p.method {
            MergeMethod::Merge => {
                let msg = p.commit_title.clone().unwrap_or_else(|| {
                    format!("Merge pull request #{} from {}", pr.number, pr.head)
                });
                let msg = match &p.commit_message {
                    Some(body) => format!("{msg}\n\n{body}"),
                    None => msg,
                };
                self.new_commit(
                    vec![base.sha.clone(), head_sha.clone()],
                    Arc::new(merged),
                    &msg,
                    committer.clone(),
                    committer,
                )
            }
            MergeMethod::Squash => {
                let msg = p
                    .commit_title
                    .clone()
                    .unwrap_or_else(|| format!("{} (#{})", pr.title, pr.number));
                let msg = match &p.commit_message {
                    Some(body) => format!("{msg}\n\n{body}"),
                    None => msg,
                };
                self.new_commit(
                    vec![base.sha.clone()],
                    Arc::new(merged),
                    &msg,
                    committer.clone(),
                    committer,
                )
            }
            MergeMethod::Rebase => {
                // replay each commit of head that base lacks, oldest first
                let in_base: HashSet<String> = self.ancestors(&base.sha).into_iter().collect();
                let mut replay: Vec<String> = self
                    .ancestors(&head_sha)
                    .into_iter()
                    .filter(|s| !in_base.contains(s))
                    .collect();
                replay.reverse();
                let mut tip = base.sha.clone();
                let mut tree = (*base_tree).clone();
                let mut last = None;
                for sha in replay {
                    let node = self.commits[&sha].clone();
                    let parent_tree = node
                        .commit
                        .parents
                        .first()
                        .map_or(empty.clone(), |p| self.commits[p].tree.clone());
                    for (path, _, after) in diff_trees(&parent_tree, &node.tree) {
                        match after {
                            Some(c) => tree.insert(path, c),
                            None => tree.remove(&path),
                        };
                    }
                    let c = self.new_commit(
                        vec![tip.clone()],
                        Arc::new(tree.clone()),
                        &node.commit.message,
                        node.commit
                            .author
                            .clone()
                            .unwrap_or_else(|| committer.clone()),
                        committer.clone(),
                    );
                    tip = c.sha.clone();
                    last = Some(c);
                }
                match last {
                    Some(c) => c,
                    None => self.commits[&base.sha].commit.clone(),
                }
            }
        };
        if let Some(b) = self.branches.get_mut(&pr.base) {
            b.sha = new_head.sha.clone();
        }
        let stored = self.pulls.get_mut(&p.number).expect("checked above");
        stored.state = PullRequestState::Merged;
        stored.head_sha = Some(head_sha);
        stored.merge_commit_sha = Some(new_head.sha.clone());
        stored.updated_at = Some(now.to_owned());
        Ok(MergeResult {
            merged: true,
            sha: Some(new_head.sha),
            message: Some("Pull request successfully merged".to_owned()),
        })
    }

    fn list_pull_requests(&self, p: ListPullRequests) -> Result<Page<PullRequest>> {
        let items = self
            .pulls
            .values()
            .rev()
            .filter(|pr| match p.state {
                StateFilter::Open => pr.state == PullRequestState::Open,
                StateFilter::Closed => pr.state != PullRequestState::Open,
                StateFilter::All => true,
            })
            .cloned()
            .collect();
        Page::slice(items, &p.page, DEFAULT_PAGE)
    }

    fn get_commit(&self, p: &CommitRef) -> Result<Commit> {
        require("sha", &p.sha)?;
        self.resolve(&p.sha)
            .map(|s| self.commits[&s].commit.clone())
            .ok_or_else(|| Error::not_found(format!("commit `{}` not found", p.sha)))
    }

    fn list_commits(&self, p: ListCommits) -> Result<Page<Commit>> {
        let reference = p.reference.as_deref().unwrap_or(&self.repo.default_branch);
        let Some(sha) = self.resolve(reference) else {
            if p.reference.is_none() && self.branches.is_empty() {
                return Page::slice(Vec::new(), &p.page, DEFAULT_PAGE);
            }
            return Err(Error::not_found(format!("ref `{reference}` not found")));
        };
        let empty: Tree = Arc::new(BTreeMap::new());
        let items = self
            .ancestors(&sha)
            .into_iter()
            .map(|s| &self.commits[&s])
            .filter(|node| match &p.path {
                None => true,
                Some(path) => {
                    let parent = node
                        .commit
                        .parents
                        .first()
                        .map_or(&empty, |s| &self.commits[s].tree);
                    let prefix = format!("{path}/");
                    diff_trees(parent, &node.tree)
                        .iter()
                        .any(|(f, _, _)| f == path || f.starts_with(&prefix))
                }
            })
            .map(|node| node.commit.clone())
            .collect();
        Page::slice(items, &p.page, DEFAULT_PAGE)
    }

    fn compare(&self, p: &CompareCommits) -> Result<Comparison> {
        require("base", &p.base)?;
        require("head", &p.head)?;
        let base = self
            .resolve(&p.base)
            .ok_or_else(|| Error::not_found(format!("base ref `{}` not found", p.base)))?;
        let head = self
            .resolve(&p.head)
            .ok_or_else(|| Error::not_found(format!("head ref `{}` not found", p.head)))?;
        let of_base: HashSet<String> = self.ancestors(&base).into_iter().collect();
        let of_head: HashSet<String> = self.ancestors(&head).into_iter().collect();
        let mut ahead: Vec<String> = self
            .ancestors(&head)
            .into_iter()
            .filter(|s| !of_base.contains(s))
            .collect();
        ahead.reverse();
        let behind = of_base.iter().filter(|s| !of_head.contains(*s)).count() as u64;
        let status = match (ahead.is_empty(), behind == 0) {
            (true, true) => CompareStatus::Identical,
            (false, true) => CompareStatus::Ahead,
            (true, false) => CompareStatus::Behind,
            (false, false) => CompareStatus::Diverged,
        };
        let empty: Tree = Arc::new(BTreeMap::new());
        let from = self
            .merge_base(&base, &head)
            .map_or(empty, |s| self.commits[&s].tree.clone());
        let files = diff_trees(&from, &self.commits[&head].tree)
            .into_iter()
            .map(|(path, before, after)| {
                let (status, additions, deletions) = match (&before, &after) {
                    (None, Some(a)) => ("added", count_lines(a), 0),
                    (Some(b), None) => ("removed", 0, count_lines(b)),
                    (Some(b), Some(a)) => ("modified", count_lines(a), count_lines(b)),
                    (None, None) => ("unchanged", 0, 0),
                };
                ChangedFile {
                    path,
                    status: status.to_owned(),
                    additions,
                    deletions,
                }
            })
            .collect();
        Ok(Comparison {
            status,
            ahead_by: ahead.len() as u64,
            behind_by: behind,
            commits: ahead
                .iter()
                .map(|s| self.commits[s].commit.clone())
                .collect(),
            files,
        })
    }

    fn create_tag(&mut self, p: CreateTag) -> Result<Tag> {
        validate_ref_name("name", &p.name)?;
        require("target", &p.target)?;
        let sha = self.resolve(&p.target).ok_or_else(|| {
            Error::invalid_input("target", format!("no branch, tag or commit `{}`", p.target))
        })?;
        if self.tags.contains_key(&p.name) {
            return Err(Error::conflict(format!("tag `{}` already exists", p.name)));
        }
        let tag = Tag {
            name: p.name.clone(),
            sha,
            message: p.message,
        };
        self.tags.insert(p.name, tag.clone());
        Ok(tag)
    }

    fn get_tag(&self, p: &TagRef) -> Result<Tag> {
        require("name", &p.name)?;
        self.tags
            .get(&p.name)
            .cloned()
            .ok_or_else(|| Error::not_found(format!("tag `{}` not found", p.name)))
    }

    fn validate_hook(url: Option<&str>, events: Option<&[String]>) -> Result<()> {
        if let Some(url) = url {
            require("url", url)?;
            if !(url.starts_with("http://") || url.starts_with("https://"))
                || url.len() <= "https://".len()
            {
                return Err(Error::invalid_input(
                    "url",
                    format!("`{url}` is not an http(s) URL"),
                ));
            }
        }
        if let Some(events) = events {
            for (i, e) in events.iter().enumerate() {
                if !EVENTS.contains(&e.as_str()) {
                    return Err(Error::invalid_input(
                        format!("events[{i}]"),
                        format!("unknown event `{e}`"),
                    ));
                }
            }
        }
        Ok(())
    }

    fn create_webhook(&mut self, p: CreateWebhook, id: u64) -> Result<Webhook> {
        Self::validate_hook(Some(&p.url), Some(&p.events))?;
        if self.hooks.values().any(|(h, _)| h.url == p.url) {
            return Err(Error::conflict(format!(
                "a webhook for `{}` already exists",
                p.url
            )));
        }
        let events = if p.events.is_empty() {
            vec!["push".to_owned()]
        } else {
            p.events
        };
        let hook = Webhook {
            id: id.to_string(),
            url: p.url,
            events,
            active: p.active,
        };
        self.hooks
            .insert(id, (hook.clone(), p.secret.filter(|s| !s.is_empty())));
        Ok(hook)
    }

    fn hook_id(&self, id: &str) -> Result<u64> {
        require("id", id)?;
        id.parse::<u64>()
            .ok()
            .filter(|i| self.hooks.contains_key(i))
            .ok_or_else(|| Error::not_found(format!("webhook `{id}` not found")))
    }

    fn update_webhook(&mut self, p: UpdateWebhook) -> Result<Webhook> {
        let id = self.hook_id(&p.id)?;
        Self::validate_hook(p.url.as_deref(), p.events.as_deref())?;
        if let Some(url) = &p.url
            && self
                .hooks
                .iter()
                .any(|(i, (h, _))| *i != id && h.url == *url)
        {
            return Err(Error::conflict(format!(
                "a webhook for `{url}` already exists"
            )));
        }
        let (hook, secret) = self.hooks.get_mut(&id).expect("checked above");
        if let Some(u) = p.url {
            hook.url = u;
        }
        if let Some(e) = p.events {
            hook.events = if e.is_empty() {
                vec!["push".to_owned()]
            } else {
                e
            };
        }
        if let Some(a) = p.active {
            hook.active = a;
        }
        if let Some(s) = p.secret {
            *secret = (!s.is_empty()).then_some(s);
        }
        Ok(hook.clone())
    }

    fn create_issue(&mut self, p: CreateIssue, login: &str, now: &str) -> Result<Issue> {
        require("title", &p.title)?;
        for (i, l) in p.labels.iter().enumerate() {
            require(&format!("labels[{i}]"), l)?;
        }
        for (i, a) in p.assignees.iter().enumerate() {
            require_name(&format!("assignees[{i}]"), a)?;
        }
        let number = self.next_number;
        self.next_number += 1;
        let issue = Issue {
            number,
            title: p.title,
            body: p.body,
            state: IssueState::Open,
            labels: p.labels,
            assignees: p.assignees,
            author: Some(login.to_owned()),
            web_url: self
                .repo
                .web_url
                .as_ref()
                .map(|u| format!("{u}/issues/{number}")),
            created_at: Some(now.to_owned()),
            updated_at: Some(now.to_owned()),
        };
        self.issues.insert(number, issue.clone());
        Ok(issue)
    }

    fn issue_mut(&mut self, number: u64) -> Result<&mut Issue> {
        let full = self.repo.full_name.clone();
        self.issues
            .get_mut(&number)
            .ok_or_else(|| Error::not_found(format!("issue #{number} not found in {full}")))
    }

    fn update_issue(&mut self, p: UpdateIssue, now: &str) -> Result<Issue> {
        if let Some(t) = &p.title {
            require("title", t)?;
        }
        if let Some(labels) = &p.labels {
            for (i, l) in labels.iter().enumerate() {
                require(&format!("labels[{i}]"), l)?;
            }
        }
        if let Some(assignees) = &p.assignees {
            for (i, a) in assignees.iter().enumerate() {
                require_name(&format!("assignees[{i}]"), a)?;
            }
        }
        let issue = self.issue_mut(p.number)?;
        if let Some(t) = p.title {
            issue.title = t;
        }
        if let Some(b) = p.body {
            issue.body = Some(b);
        }
        if let Some(s) = p.state {
            issue.state = s;
        }
        if let Some(l) = p.labels {
            issue.labels = l;
        }
        if let Some(a) = p.assignees {
            issue.assignees = a;
        }
        issue.updated_at = Some(now.to_owned());
        Ok(issue.clone())
    }

    fn list_issues(&self, p: ListIssues) -> Result<Page<Issue>> {
        let items = self
            .issues
            .values()
            .rev()
            .filter(|i| match p.state {
                StateFilter::Open => i.state == IssueState::Open,
                StateFilter::Closed => i.state == IssueState::Closed,
                StateFilter::All => true,
            })
            .filter(|i| p.labels.iter().all(|l| i.labels.contains(l)))
            .cloned()
            .collect();
        Page::slice(items, &p.page, DEFAULT_PAGE)
    }

    fn get_file(&self, p: &GetFile) -> Result<FileContent> {
        validate_path("path", &p.path)?;
        let reference = p.reference.as_deref().unwrap_or(&self.repo.default_branch);
        let sha = self
            .resolve(reference)
            .ok_or_else(|| Error::not_found(format!("ref `{reference}` not found")))?;
        let content = self.commits[&sha].tree.get(&p.path).ok_or_else(|| {
            Error::not_found(format!("file `{}` not found at `{reference}`", p.path))
        })?;
        Ok(FileContent {
            path: p.path.clone(),
            sha: blob_sha(content),
            content: content.clone(),
        })
    }

    fn write_file(
        &mut self,
        p: WriteFile,
        create: bool,
        login: &str,
        now: &str,
    ) -> Result<FileCommit> {
        validate_path("path", &p.path)?;
        require("message", &p.message)?;
        let branch = p
            .branch
            .clone()
            .unwrap_or_else(|| self.repo.default_branch.clone());
        if !create {
            let current = self
                .branch_tree(&branch)
                .and_then(|t| t.get(&p.path))
                .ok_or_else(|| {
                    Error::not_found(format!("file `{}` not found on `{branch}`", p.path))
                })?;
            if let Some(expected) = &p.sha
                && *expected != blob_sha(current)
            {
                return Err(Error::conflict(format!(
                    "`{}` has changed: its sha is no longer {expected}",
                    p.path
                )));
            }
        }
        let change = if create {
            FileChange::Create {
                path: p.path.clone(),
                content: p.content.clone(),
            }
        } else {
            FileChange::Update {
                path: p.path.clone(),
                content: p.content.clone(),
            }
        };
        let commit = self.commit_changes(&branch, &p.message, &[change], None, login, now, true)?;
        Ok(FileCommit {
            path: p.path,
            content_sha: Some(blob_sha(&p.content)),
            commit,
        })
    }

    fn delete_file(&mut self, p: DeleteFile, login: &str, now: &str) -> Result<FileCommit> {
        validate_path("path", &p.path)?;
        require("message", &p.message)?;
        let branch = p
            .branch
            .clone()
            .unwrap_or_else(|| self.repo.default_branch.clone());
        let current = self
            .branch_tree(&branch)
            .and_then(|t| t.get(&p.path))
            .ok_or_else(|| {
                Error::not_found(format!("file `{}` not found on `{branch}`", p.path))
            })?;
        if let Some(expected) = &p.sha
            && *expected != blob_sha(current)
        {
            return Err(Error::conflict(format!(
                "`{}` has changed: its sha is no longer {expected}",
                p.path
            )));
        }
        let commit = self.commit_changes(
            &branch,
            &p.message,
            &[FileChange::Delete {
                path: p.path.clone(),
            }],
            None,
            login,
            now,
            true,
        )?;
        Ok(FileCommit {
            path: p.path,
            content_sha: None,
            commit,
        })
    }

    fn create_status(&mut self, p: CreateCommitStatus, now: &str) -> Result<CommitStatus> {
        require("sha", &p.sha)?;
        if let Some(u) = &p.target_url
            && !(u.starts_with("http://") || u.starts_with("https://"))
        {
            return Err(Error::invalid_input(
                "target_url",
                format!("`{u}` is not an http(s) URL"),
            ));
        }
        let sha = self
            .resolve(&p.sha)
            .ok_or_else(|| Error::not_found(format!("commit `{}` not found", p.sha)))?;
        let status = CommitStatus {
            state: p.state,
            context: if p.context.trim().is_empty() {
                "default".to_owned()
            } else {
                p.context
            },
            description: p.description,
            target_url: p.target_url,
            created_at: Some(now.to_owned()),
        };
        self.statuses.entry(sha).or_default().push(status.clone());
        Ok(status)
    }

    fn list_statuses(&self, p: ListCommitStatuses) -> Result<Page<CommitStatus>> {
        require("sha", &p.sha)?;
        let sha = self
            .resolve(&p.sha)
            .ok_or_else(|| Error::not_found(format!("commit `{}` not found", p.sha)))?;
        let items = self
            .statuses
            .get(&sha)
            .map(|s| s.iter().rev().cloned().collect())
            .unwrap_or_default();
        Page::slice(items, &p.page, DEFAULT_PAGE)
    }

    fn create_release(&mut self, p: CreateRelease, id: u64, now: &str) -> Result<Release> {
        validate_ref_name("tag_name", &p.tag_name)?;
        if self.releases.iter().any(|r| r.tag_name == p.tag_name) {
            return Err(Error::conflict(format!(
                "a release for tag `{}` already exists",
                p.tag_name
            )));
        }
        if !self.tags.contains_key(&p.tag_name) {
            let target = p
                .target
                .clone()
                .unwrap_or_else(|| self.repo.default_branch.clone());
            let sha = self.resolve(&target).ok_or_else(|| {
                Error::invalid_input("target", format!("no branch, tag or commit `{target}`"))
            })?;
            self.tags.insert(
                p.tag_name.clone(),
                Tag {
                    name: p.tag_name.clone(),
                    sha,
                    message: None,
                },
            );
        }
        let release = Release {
            id: id.to_string(),
            web_url: self
                .repo
                .web_url
                .as_ref()
                .map(|u| format!("{u}/releases/tag/{}", p.tag_name)),
            tag_name: p.tag_name,
            name: p.name,
            body: p.body,
            draft: p.draft,
            prerelease: p.prerelease,
            created_at: Some(now.to_owned()),
        };
        self.releases.push(release.clone());
        Ok(release)
    }
}

/// Merge `ours` and `theirs` against their common `base`, file by file.
fn three_way(base: &Tree, ours: &Tree, theirs: &Tree) -> Result<BTreeMap<String, Vec<u8>>> {
    let mut out = (**ours).clone();
    for (path, before, after) in diff_trees(base, theirs) {
        let mine = ours.get(&path).cloned();
        if mine == before || mine == after {
            match after {
                Some(c) => out.insert(path, c),
                None => out.remove(&path),
            };
        } else {
            return Err(Error::conflict(format!(
                "merge conflict in `{path}`: both sides changed it"
            )));
        }
    }
    Ok(out)
}

#[async_trait]
impl GitProvider for FakeGit {
    fn capabilities(&self) -> Capabilities {
        self.core.capabilities()
    }

    async fn create_repository(&self, p: CreateRepository) -> Result<Repository> {
        self.run(GitOp::CreateRepository, p, |s, p, now| {
            s.create_repository(p, now)
        })
        .await
    }

    async fn get_repository(&self, p: RepoRef) -> Result<Repository> {
        self.run(GitOp::GetRepository, p, |s, p, _| {
            Ok(s.repo(&p)?.repo.clone())
        })
        .await
    }

    async fn update_repository(&self, p: UpdateRepository) -> Result<Repository> {
        self.run(GitOp::UpdateRepository, p, |s, p, now| {
            s.update_repository(p, now)
        })
        .await
    }

    async fn delete_repository(&self, p: RepoRef) -> Result<()> {
        self.run(GitOp::DeleteRepository, p, |s, p, _| s.delete_repository(p))
            .await
    }

    async fn list_repositories(&self, p: ListRepositories) -> Result<Page<Repository>> {
        self.run(GitOp::ListRepositories, p, |s, p, _| s.list_repositories(p))
            .await
    }

    async fn fork_repository(&self, p: ForkRepository) -> Result<Repository> {
        self.run(GitOp::ForkRepository, p, |s, p, now| {
            s.fork_repository(p, now)
        })
        .await
    }

    async fn create_branch(&self, p: CreateBranch) -> Result<Branch> {
        self.run(GitOp::CreateBranch, p, |s, p, _| {
            s.writable(&p.repo)?.0.create_branch(p)
        })
        .await
    }

    async fn get_branch(&self, p: BranchRef) -> Result<Branch> {
        self.run(GitOp::GetBranch, p, |s, p, _| {
            s.repo(&p.repo)?.get_branch(&p)
        })
        .await
    }

    async fn delete_branch(&self, p: BranchRef) -> Result<()> {
        self.run(GitOp::DeleteBranch, p, |s, p, _| {
            s.writable(&p.repo)?.0.delete_branch(p)
        })
        .await
    }

    async fn list_branches(&self, p: ListBranches) -> Result<Page<Branch>> {
        self.run(GitOp::ListBranches, p, |s, p, _| {
            let r = s.repo(&p.repo)?;
            let items = r.branches.keys().filter_map(|n| r.branch(n)).collect();
            Page::slice(items, &p.page, DEFAULT_PAGE)
        })
        .await
    }

    async fn protect_branch(&self, p: ProtectBranch) -> Result<BranchProtection> {
        self.run(GitOp::ProtectBranch, p, |s, p, _| {
            s.writable(&p.repo)?.0.protect_branch(p)
        })
        .await
    }

    async fn create_pull_request(&self, p: CreatePullRequest) -> Result<PullRequest> {
        self.run(GitOp::CreatePullRequest, p, |s, p, now| {
            let (r, login, host) = s.writable(&p.repo)?;
            r.create_pull_request(p, &login, &host, now)
        })
        .await
    }

    async fn get_pull_request(&self, p: PullRequestRef) -> Result<PullRequest> {
        self.run(GitOp::GetPullRequest, p, |s, p, _| {
            s.repo(&p.repo)?.pull(p.number).cloned()
        })
        .await
    }

    async fn update_pull_request(&self, p: UpdatePullRequest) -> Result<PullRequest> {
        self.run(GitOp::UpdatePullRequest, p, |s, p, now| {
            s.writable(&p.repo)?.0.update_pull_request(p, now)
        })
        .await
    }

    async fn merge_pull_request(&self, p: MergePullRequest) -> Result<MergeResult> {
        self.run(GitOp::MergePullRequest, p, |s, p, now| {
            let (r, login, _) = s.writable(&p.repo)?;
            r.merge_pull_request(p, &login, now)
        })
        .await
    }

    async fn list_pull_requests(&self, p: ListPullRequests) -> Result<Page<PullRequest>> {
        self.run(GitOp::ListPullRequests, p, |s, p, _| {
            s.repo(&p.repo)?.list_pull_requests(p)
        })
        .await
    }

    async fn get_commit(&self, p: CommitRef) -> Result<Commit> {
        self.run(GitOp::GetCommit, p, |s, p, _| {
            s.repo(&p.repo)?.get_commit(&p)
        })
        .await
    }

    async fn list_commits(&self, p: ListCommits) -> Result<Page<Commit>> {
        self.run(GitOp::ListCommits, p, |s, p, _| {
            s.repo(&p.repo)?.list_commits(p)
        })
        .await
    }

    async fn create_commit(&self, p: CreateCommit) -> Result<Commit> {
        self.run(GitOp::CreateCommit, p, |s, p, now| {
            let (r, login, _) = s.writable(&p.repo)?;
            r.commit_changes(
                &p.branch, &p.message, &p.changes, p.author, &login, now, true,
            )
        })
        .await
    }

    async fn compare_commits(&self, p: CompareCommits) -> Result<Comparison> {
        self.run(GitOp::CompareCommits, p, |s, p, _| {
            s.repo(&p.repo)?.compare(&p)
        })
        .await
    }

    async fn create_tag(&self, p: CreateTag) -> Result<Tag> {
        self.run(GitOp::CreateTag, p, |s, p, _| {
            s.writable(&p.repo)?.0.create_tag(p)
        })
        .await
    }

    async fn get_tag(&self, p: TagRef) -> Result<Tag> {
        self.run(GitOp::GetTag, p, |s, p, _| s.repo(&p.repo)?.get_tag(&p))
            .await
    }

    async fn delete_tag(&self, p: TagRef) -> Result<()> {
        self.run(GitOp::DeleteTag, p, |s, p, _| {
            let r = s.writable(&p.repo)?.0;
            r.get_tag(&p)?;
            r.tags.remove(&p.name);
            Ok(())
        })
        .await
    }

    async fn list_tags(&self, p: ListTags) -> Result<Page<Tag>> {
        self.run(GitOp::ListTags, p, |s, p, _| {
            let items = s.repo(&p.repo)?.tags.values().cloned().collect();
            Page::slice(items, &p.page, DEFAULT_PAGE)
        })
        .await
    }

    async fn create_webhook(&self, p: CreateWebhook) -> Result<Webhook> {
        self.run(GitOp::CreateWebhook, p, |s, p, _| {
            s.repo(&p.repo)?;
            let id = s.next_hook_id;
            let hook = s.repo_mut(&p.repo)?.create_webhook(p, id)?;
            s.next_hook_id += 1;
            Ok(hook)
        })
        .await
    }

    async fn update_webhook(&self, p: UpdateWebhook) -> Result<Webhook> {
        self.run(GitOp::UpdateWebhook, p, |s, p, _| {
            s.repo_mut(&p.repo)?.update_webhook(p)
        })
        .await
    }

    async fn delete_webhook(&self, p: WebhookRef) -> Result<()> {
        self.run(GitOp::DeleteWebhook, p, |s, p, _| {
            let r = s.repo_mut(&p.repo)?;
            let id = r.hook_id(&p.id)?;
            r.hooks.remove(&id);
            Ok(())
        })
        .await
    }

    async fn list_webhooks(&self, p: ListWebhooks) -> Result<Page<Webhook>> {
        self.run(GitOp::ListWebhooks, p, |s, p, _| {
            let items = s
                .repo(&p.repo)?
                .hooks
                .values()
                .map(|(h, _)| h.clone())
                .collect();
            Page::slice(items, &p.page, DEFAULT_PAGE)
        })
        .await
    }

    async fn add_collaborator(&self, p: AddCollaborator) -> Result<()> {
        self.run(GitOp::AddCollaborator, p, |s, p, _| {
            require_name("login", &p.login)?;
            s.repo_mut(&p.repo)?
                .collaborators
                .insert(p.login, p.permission);
            Ok(())
        })
        .await
    }

    async fn remove_collaborator(&self, p: CollaboratorRef) -> Result<()> {
        self.run(GitOp::RemoveCollaborator, p, |s, p, _| {
            require_name("login", &p.login)?;
            let r = s.repo_mut(&p.repo)?;
            r.collaborators.remove(&p.login).map(|_| ()).ok_or_else(|| {
                Error::not_found(format!(
                    "`{}` is not a collaborator of {}",
                    p.login,
                    r.reference()
                ))
            })
        })
        .await
    }

    async fn list_collaborators(&self, p: ListCollaborators) -> Result<Page<Collaborator>> {
        self.run(GitOp::ListCollaborators, p, |s, p, _| {
            let items = s
                .repo(&p.repo)?
                .collaborators
                .iter()
                .map(|(login, permission)| Collaborator {
                    login: login.clone(),
                    permission: *permission,
                })
                .collect();
            Page::slice(items, &p.page, DEFAULT_PAGE)
        })
        .await
    }

    async fn create_issue(&self, p: CreateIssue) -> Result<Issue> {
        self.run(GitOp::CreateIssue, p, |s, p, now| {
            let (r, login, _) = s.writable(&p.repo)?;
            r.create_issue(p, &login, now)
        })
        .await
    }

    async fn get_issue(&self, p: IssueRef) -> Result<Issue> {
        self.run(GitOp::GetIssue, p, |s, p, _| {
            let r = s.repo(&p.repo)?;
            r.issues.get(&p.number).cloned().ok_or_else(|| {
                Error::not_found(format!("issue #{} not found in {}", p.number, p.repo))
            })
        })
        .await
    }

    async fn update_issue(&self, p: UpdateIssue) -> Result<Issue> {
        self.run(GitOp::UpdateIssue, p, |s, p, now| {
            s.writable(&p.repo)?.0.update_issue(p, now)
        })
        .await
    }

    async fn close_issue(&self, p: IssueRef) -> Result<Issue> {
        self.run(GitOp::CloseIssue, p, |s, p, now| {
            let issue = s.writable(&p.repo)?.0.issue_mut(p.number)?;
            if issue.state != IssueState::Closed {
                issue.state = IssueState::Closed;
                issue.updated_at = Some(now.to_owned());
            }
            Ok(issue.clone())
        })
        .await
    }

    async fn list_issues(&self, p: ListIssues) -> Result<Page<Issue>> {
        self.run(GitOp::ListIssues, p, |s, p, _| {
            s.repo(&p.repo)?.list_issues(p)
        })
        .await
    }

    async fn get_file(&self, p: GetFile) -> Result<FileContent> {
        self.run(GitOp::GetFile, p, |s, p, _| s.repo(&p.repo)?.get_file(&p))
            .await
    }

    async fn create_file(&self, p: WriteFile) -> Result<FileCommit> {
        self.run(GitOp::CreateFile, p, |s, p, now| {
            let (r, login, _) = s.writable(&p.repo)?;
            r.write_file(p, true, &login, now)
        })
        .await
    }

    async fn update_file(&self, p: WriteFile) -> Result<FileCommit> {
        self.run(GitOp::UpdateFile, p, |s, p, now| {
            let (r, login, _) = s.writable(&p.repo)?;
            r.write_file(p, false, &login, now)
        })
        .await
    }

    async fn delete_file(&self, p: DeleteFile) -> Result<FileCommit> {
        self.run(GitOp::DeleteFile, p, |s, p, now| {
            let (r, login, _) = s.writable(&p.repo)?;
            r.delete_file(p, &login, now)
        })
        .await
    }

    async fn create_commit_status(&self, p: CreateCommitStatus) -> Result<CommitStatus> {
        self.run(GitOp::CreateCommitStatus, p, |s, p, now| {
            s.repo_mut(&p.repo)?.create_status(p, now)
        })
        .await
    }

    async fn list_commit_statuses(&self, p: ListCommitStatuses) -> Result<Page<CommitStatus>> {
        self.run(GitOp::ListCommitStatuses, p, |s, p, _| {
            s.repo(&p.repo)?.list_statuses(p)
        })
        .await
    }

    async fn create_release(&self, p: CreateRelease) -> Result<Release> {
        self.run(GitOp::CreateRelease, p, |s, p, now| {
            let id = s.next_release_id;
            let release = s.writable(&p.repo)?.0.create_release(p, id, now)?;
            s.next_release_id += 1;
            Ok(release)
        })
        .await
    }

    async fn list_releases(&self, p: ListReleases) -> Result<Page<Release>> {
        self.run(GitOp::ListReleases, p, |s, p, _| {
            let items = s.repo(&p.repo)?.releases.iter().rev().cloned().collect();
            Page::slice(items, &p.page, DEFAULT_PAGE)
        })
        .await
    }
}
