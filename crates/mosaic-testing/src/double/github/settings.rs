//! Webhooks and collaborators.

use http::StatusCode;
use mosaic_core::git::*;
use mosaic_core::{PageRequest, Secret};
use serde_json::{Value, json};

use super::handlers::optional_body as body_of;
use super::{Answer, GitHubApi};
use crate::double::forge::{everything, flag, text, texts};
use crate::double::{ApiRequest, ApiResponse};

impl GitHubApi {
    // ----- hooks -----

    pub(super) async fn hook_routes(
        &self,
        repo: &RepoRef,
        q: &ApiRequest,
        orig: &ApiRequest,
    ) -> Option<Answer> {
        if q.route("GET", "/hooks").is_some() {
            let params = ListWebhooks {
                repo: repo.clone(),
                page: PageRequest::first(),
            };
            return Some(
                self.listing(
                    orig,
                    "Hook",
                    params,
                    |p| self.fake.list_webhooks(p),
                    |h| self.hook_out(repo, h),
                )
                .await,
            );
        }
        if q.route("POST", "/hooks").is_some() {
            return Some(self.create_hook(repo, q).await);
        }
        let c = q
            .route("GET", "/hooks/{id}")
            .or_else(|| q.route("PATCH", "/hooks/{id}"))
            .or_else(|| q.route("DELETE", "/hooks/{id}"))?;
        let id = c[0].clone();
        let wref = WebhookRef {
            repo: repo.clone(),
            id: id.clone(),
        };
        Some(match q.method.as_str() {
            "DELETE" => self
                .fake
                .delete_webhook(wref)
                .await
                .map(|()| Self::no_content())
                .map_err(self.or("Hook")),
            "GET" => everything(
                ListWebhooks {
                    repo: repo.clone(),
                    page: PageRequest::first(),
                },
                |p| self.fake.list_webhooks(p),
            )
            .await
            .map_err(self.or("Hook"))
            .and_then(|all| {
                all.iter()
                    .find(|h| h.id == id)
                    .map(|h| ApiResponse::ok(&self.hook_out(repo, h)))
                    .ok_or_else(|| self.error(StatusCode::NOT_FOUND, "Not Found"))
            }),
            _ => self.update_hook(repo, q, id).await,
        })
    }

    fn hook_out(&self, repo: &RepoRef, h: &Webhook) -> Value {
        let secret = self.fake.webhook_secret(repo, &h.id).is_some();
        self.hook_json(h, secret)
    }

    async fn create_hook(&self, repo: &RepoRef, q: &ApiRequest) -> Answer {
        let body: Value = q.json()?;
        let github = self.github_dialect();
        if github {
            if text(&body, "name").is_some_and(|n| n != "web") {
                return Err(self.validation("Hook", "name", "invalid", "must be `web`"));
            }
        } else {
            const TYPES: &[&str] = &["gitea", "forgejo", "gogs", "slack", "discord", "msteams"];
            if !text(&body, "type").is_some_and(|t| TYPES.contains(&t.as_str())) {
                return Err(self.validation("Hook", "Type", "invalid", "Invalid"));
            }
        }
        let config = body.get("config").cloned().unwrap_or(json!({}));
        let h = self
            .fake
            .create_webhook(CreateWebhook {
                repo: repo.clone(),
                url: text(&config, "url").unwrap_or_default(),
                events: texts(&body, "events").unwrap_or_else(|| vec!["push".to_owned()]),
                secret: text(&config, "secret")
                    .filter(|s| !s.is_empty())
                    .map(Secret::new),
                // GitHub hooks are active unless told otherwise; Gitea's are not.
                active: flag(&body, "active").unwrap_or(github),
            })
            .await
            .map_err(self.or("Hook"))?;
        Ok(ApiResponse::created(&self.hook_out(repo, &h)))
    }

    async fn update_hook(&self, repo: &RepoRef, q: &ApiRequest, id: String) -> Answer {
        let body: Value = q.json()?;
        let config = body.get("config");
        let h = self
            .fake
            .update_webhook(UpdateWebhook {
                repo: repo.clone(),
                id,
                url: config.and_then(|c| text(c, "url")),
                events: texts(&body, "events"),
                secret: config.and_then(|c| text(c, "secret")).map(Secret::new),
                active: flag(&body, "active"),
            })
            .await
            .map_err(self.or("Hook"))?;
        Ok(ApiResponse::ok(&self.hook_out(repo, &h)))
    }

    // ----- collaborators -----

    async fn collaborators(&self, repo: &RepoRef) -> Result<Vec<Collaborator>, ApiResponse> {
        let params = ListCollaborators {
            repo: repo.clone(),
            page: PageRequest::first(),
        };
        everything(params, |p| self.fake.list_collaborators(p))
            .await
            .map_err(self.or("Collaborator"))
    }

    pub(super) async fn collaborator_routes(
        &self,
        repo: &RepoRef,
        q: &ApiRequest,
        orig: &ApiRequest,
    ) -> Option<Answer> {
        let github = self.github_dialect();
        if q.route("GET", "/collaborators").is_some() {
            return Some(self.collaborators(repo).await.map(|all| {
                let items = all.iter().map(|c| self.collaborator_json(c)).collect();
                self.page(orig, items)
            }));
        }
        if let Some(c) = q
            .route("GET", "/collaborators/{u}/permission")
            .filter(|_| !github)
        {
            return Some(self.collaborators(repo).await.and_then(|all| {
                let found = all.iter().find(|x| x.login.eq_ignore_ascii_case(&c[0]));
                let Some(x) = found else {
                    return Err(self.error(StatusCode::NOT_FOUND, "The target couldn't be found."));
                };
                let name = match x.permission {
                    Permission::Admin => "admin",
                    Permission::Write | Permission::Maintain => "write",
                    Permission::Read | Permission::Triage => "read",
                };
                Ok(ApiResponse::ok(&json!({
                    "permission": name, "role_name": name, "user": self.user(&x.login),
                })))
            }));
        }
        let c = q
            .route("GET", "/collaborators/{u}")
            .or_else(|| q.route("PUT", "/collaborators/{u}"))
            .or_else(|| q.route("DELETE", "/collaborators/{u}"))?;
        let login = c[0].clone();
        Some(match q.method.as_str() {
            "GET" => self.collaborators(repo).await.and_then(|all| {
                if all.iter().any(|x| x.login.eq_ignore_ascii_case(&login)) {
                    Ok(Self::no_content())
                } else {
                    Err(self.error(StatusCode::NOT_FOUND, "Not Found"))
                }
            }),
            "DELETE" => self
                .fake
                .remove_collaborator(CollaboratorRef {
                    repo: repo.clone(),
                    login,
                })
                .await
                .map(|()| Self::no_content())
                .map_err(self.or("Collaborator")),
            _ => self.add_collaborator(repo, q, login).await,
        })
    }

    async fn add_collaborator(&self, repo: &RepoRef, q: &ApiRequest, login: String) -> Answer {
        let body = body_of(q)?;
        let github = self.github_dialect();
        let raw = text(&body, "permission");
        let permission = match raw.as_deref() {
            None if github => Permission::Write,
            None => Permission::Write,
            Some("pull") if github => Permission::Read,
            Some("triage") if github => Permission::Triage,
            Some("push") if github => Permission::Write,
            Some("maintain") if github => Permission::Maintain,
            Some("read") if !github => Permission::Read,
            Some("write") if !github => Permission::Write,
            Some("admin") => Permission::Admin,
            Some(other) => {
                return Err(self.validation(
                    "Collaborator",
                    "permission",
                    "invalid",
                    &format!("`{other}` is not a permission"),
                ));
            }
        };
        let existed = self
            .collaborators(repo)
            .await?
            .iter()
            .any(|x| x.login.eq_ignore_ascii_case(&login));
        self.fake
            .add_collaborator(AddCollaborator {
                repo: repo.clone(),
                login: login.clone(),
                permission,
            })
            .await
            .map_err(self.or("Collaborator"))?;
        if github && !existed {
            // A new collaborator gets an invitation (accepted at once here).
            return Ok(ApiResponse::created(&json!({
                "id": 1, "invitee": self.user(&login), "inviter": self.user(&self.fake.login()),
                "permissions": raw.unwrap_or_else(|| "push".to_owned()),
            })));
        }
        Ok(Self::no_content())
    }
}
