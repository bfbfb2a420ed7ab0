//! `git.webhook.*`: webhook subscriptions.

use super::*;

fn events(names: &[String]) -> Result<Vec<&'static str>> {
    map::hook_events(names).map_err(|m| Error::invalid_input("events", m))
}

fn hook_path(repo: &RepoRef, id: &str) -> Result<String> {
    require("id", id)?;
    repo_path(repo, &format!("/hooks/{}", segment(id)))
}

/// `push`, `create` and `delete` → `repo:push`; `pull_request` → the pull
/// request lifecycle events; `issues`; `issue_comment` → comment events on
/// pull requests, issues and commits. `release` is refused.
pub(super) async fn create(bb: &Bitbucket, p: CreateWebhook) -> Result<Webhook> {
    require("url", &p.url)?;
    let events = events(&p.events)?;
    let h: wire::Hook = bb
        .http
        .post(&repo_path(&p.repo, "/hooks")?)
        .json(&wire::HookBody {
            description: "mosaic",
            url: &p.url,
            active: p.active,
            events,
            secret: p.secret.as_ref().map(|s| s.expose()),
        })
        .send_json()
        .await?;
    Ok(map::webhook(h))
}

/// Bitbucket replaces the whole subscription: unchanged fields are read
/// first.
pub(super) async fn update(bb: &Bitbucket, p: UpdateWebhook) -> Result<Webhook> {
    let path = hook_path(&p.repo, &p.id)?;
    let current: wire::Hook = bb.http.get(&path).send_json().await?;
    let events = match &p.events {
        Some(e) => events(e)?,
        None => events(&map::webhook(current.clone()).events)?,
    };
    let h: wire::Hook = bb
        .http
        .put(&path)
        .json(&wire::HookBody {
            description: "mosaic",
            url: p.url.as_deref().unwrap_or(&current.url),
            active: p.active.unwrap_or(current.active),
            events,
            secret: p.secret.as_ref().map(|s| s.expose()),
        })
        .send_json()
        .await?;
    Ok(map::webhook(h))
}

pub(super) async fn delete(bb: &Bitbucket, p: WebhookRef) -> Result<()> {
    bb.http
        .delete(&hook_path(&p.repo, &p.id)?)
        .send_unit()
        .await
}

pub(super) async fn list(bb: &Bitbucket, p: ListWebhooks) -> Result<Page<Webhook>> {
    let path = repo_path(&p.repo, "/hooks")?;
    let req = bb.http.get(&path).paged(&p.page);
    Ok(req
        .send_page_as::<wire::Paged<_>>()
        .await?
        .map(map::webhook))
}
