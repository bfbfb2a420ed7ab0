//! # mosaic-providers
//!
//! Real provider adapters for Mosaic, each behind its own cargo feature,
//! over one shared HTTP transport:
//!
//! * [`http`]: the transport — base URL (cloud or self-hosted), auth kinds,
//!   user agent, timeouts, JSON with path-naming decode errors, mapping of
//!   HTTP failures and rate-limit headers into [`mosaic_core::Error`], and
//!   `Link`/cursor pagination;
//! * [`webhook`]: one normalized [`WebhookEvent`](webhook::WebhookEvent)
//!   for every forge, with constant-time signature verification;
//! * forges implementing [`mosaic_core::git::GitProvider`]: `github`
//!   (feature `github`), `gitea` (Gitea and Forgejo, feature `gitea`),
//!   `gitlab` (feature `gitlab`), `bitbucket` (Bitbucket Cloud, feature
//!   `bitbucket`); feature `full` enables them all.
//! * AI models implementing [`mosaic_core::ai::AiProvider`]: `openai`
//!   (OpenAI and OpenAI-compatible servers such as vLLM, llama.cpp, LM
//!   Studio and Azure OpenAI, feature `openai`), `anthropic` (feature
//!   `anthropic`), `ollama` (feature `ollama`), with the shared streaming
//!   decoders, tool-call assembly and price table in `ai`.
//! * CI/CD systems implementing [`mosaic_core::cicd::CiCdProvider`]:
//!   `github_actions` (feature `github-actions`), `gitlab_ci` (feature
//!   `gitlab-ci`), `woodpecker` (feature `woodpecker`), `jenkins` (feature
//!   `jenkins`), with the shared status, log and polling helpers in `ci`.
//! * [`convert`] (feature `convert`): Markdown ⇄ Notion blocks, Confluence
//!   storage format, HTML and Jira ADF through one document model.
//! * knowledge bases implementing
//!   [`mosaic_core::kb::KnowledgeBaseProvider`]: `notion` (feature
//!   `notion`), `bookstack` (feature `bookstack`), `confluence`
//!   (Confluence Cloud, feature `confluence`), `wikijs` (Wiki.js 2.x,
//!   feature `wikijs`).
//! * workflow engines implementing
//!   [`mosaic_core::workflow::WorkflowProvider`]: `n8n` (feature `n8n`).
//! * issue trackers implementing [`mosaic_core::project::ProjectProvider`]:
//!   `linear` (feature `linear`), `jira` (Jira Cloud, feature `jira`).
//!
//! Each provider module ships its plugin manifest (`plugin.json`) and the
//! JSON Schema of its configuration next to its code; [`catalog`] offers
//! every enabled provider as a plugin factory for a
//! `mosaic_plugin_sdk::PluginHost`, and [`config::load`] is the strict
//! loader behind every `…Config::from_json`.
//!
//! ```
//! use mosaic_providers::http::{Auth, Transport};
//! use mosaic_providers::http::pagination::LinkHeader;
//! use mosaic_core::Secret;
//!
//! // A transport for a self-hosted instance: the `/api/v1` prefix is kept.
//! let http = Transport::builder("gitea", "https://git.example.com/api/v1")
//!     .auth(Auth::token(Secret::new("s3cr3t")))
//!     .build()?;
//! assert_eq!(
//!     http.url("/repos/team/app")?.as_str(),
//!     "https://git.example.com/api/v1/repos/team/app"
//! );
//! // Credentials never show up in debug output.
//! assert!(!format!("{http:?}").contains("s3cr3t"));
//!
//! // Link headers become cursors.
//! let links = LinkHeader::parse(r#"<https://git.example.com/api/v1/repos?page=2>; rel="next""#);
//! assert_eq!(links.next.as_deref(), Some("https://git.example.com/api/v1/repos?page=2"));
//! # Ok::<(), mosaic_core::Error>(())
//! ```

pub mod catalog;
pub mod config;
#[cfg(feature = "convert")]
pub mod convert;
pub mod http;
pub mod webhook;

#[cfg(feature = "github")]
pub mod github;

#[cfg(feature = "gitea")]
pub mod gitea;

#[cfg(any(feature = "github", feature = "gitea"))]
mod github_dialect;

#[cfg(feature = "gitlab")]
pub mod gitlab;

#[cfg(feature = "bitbucket")]
pub mod bitbucket;

#[cfg(any(feature = "gitlab", feature = "bitbucket"))]
mod forge;

#[cfg(feature = "_ai")]
pub mod ai;

#[cfg(feature = "openai")]
pub mod openai;

#[cfg(feature = "anthropic")]
pub mod anthropic;

#[cfg(feature = "ollama")]
pub mod ollama;

mod params;

#[cfg(feature = "_ci")]
pub mod ci;

#[cfg(feature = "github-actions")]
pub mod github_actions;

#[cfg(feature = "gitlab-ci")]
pub mod gitlab_ci;

#[cfg(feature = "woodpecker")]
pub mod woodpecker;

#[cfg(feature = "jenkins")]
pub mod jenkins;

#[cfg(feature = "_kb")]
mod kb_support;

#[cfg(feature = "notion")]
pub mod notion;

#[cfg(feature = "confluence")]
pub mod confluence;

#[cfg(feature = "n8n")]
pub mod n8n;

#[cfg(feature = "_tracker")]
mod tracker_support;

#[cfg(feature = "linear")]
pub mod linear;

#[cfg(feature = "jira")]
pub mod jira;

#[cfg(feature = "bookstack")]
pub mod bookstack;

#[cfg(feature = "wikijs")]
pub mod wikijs;

/// Decoders of single wire objects for Mosaic's own benches (feature
/// `bench-internals`). Unstable: not part of the crate's API.
#[cfg(feature = "bench-internals")]
#[doc(hidden)]
pub mod bench {
    use std::fmt::Debug;

    /// Decode one OpenAI `chat.completion.chunk`.
    #[cfg(feature = "openai")]
    pub fn openai_chunk(json: &str) -> serde_json::Result<impl Debug> {
        serde_json::from_str::<crate::openai::wire::ChatChunk>(json)
    }

    /// Decode one Anthropic stream event.
    #[cfg(feature = "anthropic")]
    pub fn anthropic_event(json: &str) -> serde_json::Result<impl Debug> {
        serde_json::from_str::<crate::anthropic::wire::StreamEvent>(json)
    }

    /// Decode a GitHub (or Gitea) repository listing, wire types alone.
    #[cfg(any(feature = "github", feature = "gitea"))]
    pub fn github_repositories(json: &[u8]) -> serde_json::Result<impl Debug> {
        serde_json::from_slice::<Vec<crate::github_dialect::wire::Repository>>(json)
    }

    /// Decode a GitLab project listing, wire types alone.
    #[cfg(feature = "gitlab")]
    pub fn gitlab_projects(json: &[u8]) -> serde_json::Result<impl Debug> {
        serde_json::from_slice::<Vec<crate::gitlab::wire::Project>>(json)
    }

    /// Decode a Bitbucket repository page, wire types alone.
    #[cfg(feature = "bitbucket")]
    pub fn bitbucket_repositories(json: &[u8]) -> serde_json::Result<impl Debug> {
        serde_json::from_slice::<crate::bitbucket::wire::Paged<crate::bitbucket::wire::Repository>>(
            json,
        )
    }

    /// Decode one Ollama chat answer object (one NDJSON line).
    #[cfg(feature = "ollama")]
    pub fn ollama_chat(json: &str) -> serde_json::Result<impl Debug> {
        serde_json::from_str::<crate::ollama::wire::ChatResponse>(json)
    }
}
