//! `git.webhook.*`: create, update, delete, list.

use mosaic_core::git::{CreateWebhook, ListWebhooks, UpdateWebhook, Webhook, WebhookRef};
use mosaic_core::{Page, Result};

use super::{Flavor, Forge, map, repo_path, wire};
use crate::http::path::segment;
use crate::params::require;

impl Forge {
    /// The `config` of a hook posting JSON to `url`.
    fn hook_config<'a>(&self, url: &'a str, secret: Option<&'a str>) -> wire::HookConfig<'a> {
        wire::HookConfig {
            url,
            content_type: "json",
            secret,
            insecure_ssl: self.dialect.is(Flavor::GitHub).then_some("0"),
        }
    }

    pub(crate) async fn create_webhook(&self, p: CreateWebhook) -> Result<Webhook> {
        require("url", &p.url)?;
        let events = if p.events.is_empty() {
            vec!["push".to_owned()]
        } else {
            p.events.clone()
        };
        let github = self.dialect.is(Flavor::GitHub);
        let h: wire::Hook = self
            .http
            .post(&format!("{}/hooks", repo_path(&p.repo)?))
            .json(&wire::CreateHook {
                name: github.then_some("web"),
                kind: (!github).then_some("gitea"),
                active: p.active,
                events: &events,
                config: self.hook_config(&p.url, p.secret.as_ref().map(|s| s.expose())),
            })
            .send_json()
            .await?;
        Ok(map::webhook(h))
    }

    /// The forge replaces the whole config: the URL is kept when only the
    /// secret changes.
    pub(crate) async fn update_webhook(&self, p: UpdateWebhook) -> Result<Webhook> {
        let repo = repo_path(&p.repo)?;
        require("id", &p.id)?;
        let hook_path = format!("{repo}/hooks/{}", segment(&p.id));
        let url = match (&p.url, &p.secret) {
            (Some(u), _) => Some(u.clone()),
            (None, Some(_)) => {
                let h: wire::Hook = self.http.get(&hook_path).send_json().await?;
                h.config.url
            }
            (None, None) => None,
        };
        let body = wire::UpdateHook {
            active: p.active,
            events: p.events.as_deref(),
            config: url
                .as_deref()
                .map(|url| self.hook_config(url, p.secret.as_ref().map(|s| s.expose()))),
        };
        let h: wire::Hook = self.http.patch(&hook_path).json(&body).send_json().await?;
        Ok(map::webhook(h))
    }

    pub(crate) async fn delete_webhook(&self, p: WebhookRef) -> Result<()> {
        require("id", &p.id)?;
        self.http
            .delete(&format!("{}/hooks/{}", repo_path(&p.repo)?, segment(&p.id)))
            .send_unit()
            .await
    }

    pub(crate) async fn list_webhooks(&self, p: ListWebhooks) -> Result<Page<Webhook>> {
        let path = format!("{}/hooks", repo_path(&p.repo)?);
        Ok(self
            .list(&path, &p.page)
            .send_page()
            .await?
            .map(map::webhook))
    }
}
