//! `mosaic::prelude` exports no name that clashes with a family module's:
//! a glob import of the prelude sits beside a glob import of any one
//! family, and types that several families name alike (`CreateIssue`,
//! `Issue`, `ListIssues`, …) are reached through their modules.

/// Beside a glob import of each family module named, re-import every
/// prelude name: an ambiguous one (the prelude's and the family's being
/// different items) fails to compile (`ambiguous_glob_imports` denied).
macro_rules! beside_each_family {
    ([$($name:ident),* $(,)?] $family:ident $($rest:ident)*) => {
        #[deny(ambiguous_glob_imports)]
        mod $family {
            use mosaic::prelude::*;
            #[allow(unused_imports)]
            use mosaic::$family::*;
            #[allow(unused_imports)] // resolved (ambiguity is an error), never used
            use self::{$($name as _),*};
        }
        beside_each_family!([$($name),*] $($rest)*);
    };
    ([$($name:ident),* $(,)?]) => {};
}

/// The prelude's names, checked beside every family and, by
/// [`the_list_is_the_whole_prelude`], against the prelude's source.
macro_rules! prelude_names {
    ($($name:ident),* $(,)?) => {
        const PRELUDE: &[&str] = &[$(stringify!($name)),*];
        beside_each_family!([$($name),*] git cicd ai kb project workflow);
    };
}

prelude_names!(
    AiStack,
    CiCdStack,
    GitStack,
    KbStack,
    ProjectStack,
    WorkflowStack,
    CacheConfig,
    CacheLayer,
    MemoryStore,
    AiClient,
    AiProvider,
    AiService,
    CiCdClient,
    CiCdProvider,
    CiCdService,
    GitClient,
    GitProvider,
    GitService,
    KbClient,
    KbService,
    KnowledgeBaseProvider,
    ProjectClient,
    ProjectProvider,
    ProjectService,
    WorkflowClient,
    WorkflowProvider,
    WorkflowService,
    Capabilities,
    Cursor,
    Error,
    ErrorKind,
    Page,
    PageRequest,
    Request,
    RequestContext,
    Result,
    BulkheadLayer,
    CircuitBreakerConfig,
    CircuitBreakerLayer,
    Provider,
    RateLimitLayer,
    RetryConfig,
    RetryLayer,
    Router,
    Rule,
    Strategy,
    TimeoutConfig,
    TimeoutLayer,
    TraceLayer,
    ServiceBuilder,
);

/// Every name the `prelude` module of `src/lib.rs` re-exports.
fn prelude_source_names() -> Vec<String> {
    let source = include_str!("../src/lib.rs");
    let start = source.find("pub mod prelude {").expect("a prelude module");
    let body = &source[start..];
    let body = &body[..body.find("\n}").expect("the prelude module ends")];
    let mut names = Vec::new();
    for item in body.split(';') {
        let Some((_, path)) = item.split_once("pub use ") else {
            continue;
        };
        let list = match path.split_once('{') {
            Some((_, list)) => list.trim_end().trim_end_matches('}').to_owned(),
            None => path.rsplit("::").next().unwrap_or_default().to_owned(),
        };
        for name in list.split(',') {
            let name = name.rsplit(" as ").next().unwrap_or_default().trim();
            if !name.is_empty() {
                names.push(name.to_owned());
            }
        }
    }
    names
}

#[test]
fn the_list_is_the_whole_prelude() {
    let mut from_source = prelude_source_names();
    let mut listed: Vec<String> = PRELUDE.iter().map(|s| s.to_string()).collect();
    from_source.sort();
    listed.sort();
    assert_eq!(
        listed, from_source,
        "the names checked here are the names the prelude exports"
    );
}

#[cfg(feature = "testing")]
mod with_fakes {
    use mosaic::prelude::*;
    use mosaic::testing::{FakeGit, FakeProject};
    use mosaic::{git, project};

    #[tokio::test]
    async fn the_prelude_and_two_families_with_the_same_type_names() {
        let forge = FakeGit::new();
        forge.seed_repository("acme/web").create().unwrap();
        let tracker = FakeProject::new();
        tracker.seed_project("WEB").name("Web").create().unwrap();

        let git = GitClient::new(GitStack::new(GitService::new(forge)));
        let projects = ProjectClient::new(ProjectStack::new(ProjectService::new(tracker)));

        let repo = git::RepoRef::new("acme", "web");
        for n in 0..3 {
            let issue: git::Issue = git
                .create_issue(git::CreateIssue {
                    repo: repo.clone(),
                    title: format!("forge issue {n}"),
                    ..Default::default()
                })
                .await
                .unwrap();
            assert_eq!(issue.title, format!("forge issue {n}"));
            let ticket: project::Issue = projects
                .create_issue(project::CreateIssue {
                    project_id: "WEB".into(),
                    title: format!("tracker issue {n}"),
                    ..Default::default()
                })
                .await
                .unwrap();
            assert_eq!(ticket.title, format!("tracker issue {n}"));
        }

        // both families' listings, walked whole from their clients
        let on_forge: Vec<git::Issue> = git
            .collect_all(
                git::ListIssues {
                    repo,
                    page: PageRequest::with_size(2),
                    ..Default::default()
                },
                10,
            )
            .await
            .unwrap();
        assert_eq!(on_forge.len(), 3);
        let tracked: Vec<project::Issue> = projects
            .collect_all(
                project::ListIssues {
                    project_id: "WEB".into(),
                    page: PageRequest::with_size(2),
                    ..Default::default()
                },
                10,
            )
            .await
            .unwrap();
        assert_eq!(tracked.len(), 3);
    }
}
