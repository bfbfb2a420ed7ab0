//! Integration tests of every provider against recorded HTTP exchanges (wiremock),
//! in one test binary so the HTTP/TLS stack is linked once.

mod ai_conformance;
mod ai_stream;
mod anthropic;
mod bitbucket;
mod bookstack;
mod catalog;
mod confluence;
mod convert;
mod convert_fixpoint;
mod gitea;
mod github;
mod github_actions;
mod github_app;
mod github_webhook;
mod gitlab;
mod gitlab_ci;
mod http_transport;
mod jenkins;
mod jira;
mod linear;
mod n8n;
mod notion;
mod ollama;
mod openai;
mod wikijs;
mod woodpecker;
