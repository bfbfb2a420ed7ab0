//! `git.webhook.*`: project hooks.

use super::*;
use crate::forge::refuse;
use crate::params::require;

/// The Mosaic events GitLab has hook flags for.
#[rustfmt::skip]
const EVENTS: [&str; 7] = ["push", "create", "delete", "pull_request", "issues", "issue_comment", "release"];

/// Hook flags for Mosaic event names (`None` for events left alone).
fn hook_flags<'a>(
    url: &'a str,
    events: Option<&[String]>,
    token: Option<&'a str>,
) -> Result<wire::HookOptions<'a>> {
    let mut o = wire::HookOptions {
        url,
        token,
        ..Default::default()
    };
    if let Some(events) = events {
        let events: Vec<&str> = if events.is_empty() {
            vec!["push"]
        } else {
            events.iter().map(String::as_str).collect()
        };
        if let Some(e) = events.iter().find(|e| !EVENTS.contains(e)) {
            return refuse("events", format!("GitLab has no hook event for `{e}`"));
        }
        let has = |n: &[&str]| Some(events.iter().any(|e| n.contains(e)));
        o.push_events = has(&["push", "create", "delete"]);
        o.tag_push_events = has(&["create", "delete"]);
        o.merge_requests_events = has(&["pull_request"]);
        o.issues_events = has(&["issues"]);
        o.note_events = has(&["issue_comment"]);
        o.releases_events = has(&["release"]);
    }
    Ok(o)
}

fn hook_path(repo: &RepoRef, id: &str) -> Result<String> {
    require("id", id)?;
    project(repo, &format!("/hooks/{}", segment(id)))
}

/// Events map to GitLab's hook flags: `push` → push events, `create` and
/// `delete` → push and tag push events, `pull_request` → merge request
/// events, `issues`, `issue_comment` → note events, `release`. The secret
/// is sent as the hook's token (`X-Gitlab-Token`). GitLab project hooks
/// have no off switch, so `active` is not sent.
pub(super) async fn create(gl: &GitLab, p: CreateWebhook) -> Result<Webhook> {
    require("url", &p.url)?;
    let token = p.secret.as_ref().map(|s| s.expose());
    let body = hook_flags(&p.url, Some(&p.events), token)?;
    let path = project(&p.repo, "/hooks")?;
    let h: wire::Hook = gl.http.post(&path).json(&body).send_json().await?;
    Ok(map::webhook(h))
}

pub(super) async fn update(gl: &GitLab, p: UpdateWebhook) -> Result<Webhook> {
    require("id", &p.id)?;
    if p.active == Some(false) {
        return refuse("active", "GitLab project hooks cannot be disabled");
    }
    let path = hook_path(&p.repo, &p.id)?;
    let url = match &p.url {
        Some(u) => u.clone(),
        None => gl.http.get(&path).send_json::<wire::Hook>().await?.url,
    };
    let token = p.secret.as_ref().map(|s| s.expose());
    let body = hook_flags(&url, p.events.as_deref(), token)?;
    let h: wire::Hook = gl.http.put(&path).json(&body).send_json().await?;
    Ok(map::webhook(h))
}

pub(super) async fn delete(gl: &GitLab, p: WebhookRef) -> Result<()> {
    gl.http
        .delete(&hook_path(&p.repo, &p.id)?)
        .send_unit()
        .await
}

pub(super) async fn list(gl: &GitLab, p: ListWebhooks) -> Result<Page<Webhook>> {
    let path = project(&p.repo, "/hooks")?;
    let page = gl.http.get(&path).paged(&p.page).send_page().await?;
    Ok(page.map(map::webhook))
}
