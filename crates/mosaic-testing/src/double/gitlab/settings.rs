//! Project hooks, members, commit statuses and releases.

use http::StatusCode;
use mosaic_core::git::*;
use mosaic_core::{ErrorKind, PageRequest, Secret};
use serde_json::{Value, json};

use super::{Answer, GitLabApi, access_level, message};
use crate::double::forge::{everything, text};
use crate::double::{ApiRequest, ApiResponse};

impl GitLabApi {
    /// Hooks, members, statuses and releases.
    pub(super) async fn project_misc_route(
        &self,
        repo: &RepoRef,
        q: &ApiRequest,
        orig: &ApiRequest,
    ) -> Option<Answer> {
        let hooks = || async {
            everything(
                ListWebhooks {
                    repo: repo.clone(),
                    page: PageRequest::first(),
                },
                |p| self.fake.list_webhooks(p),
            )
            .await
            .map_err(self.or("Project"))
        };
        let members = || async {
            everything(
                ListCollaborators {
                    repo: repo.clone(),
                    page: PageRequest::first(),
                },
                |p| self.fake.list_collaborators(p),
            )
            .await
            .map_err(self.or("Project"))
        };
        let member_json = |c: &Collaborator| {
            let mut v = self.user_json(&c.login);
            v["access_level"] = json!(access_level(c.permission));
            v
        };
        if q.route("GET", "/hooks").is_some() {
            return Some(
                hooks()
                    .await
                    .map(|all| self.page(orig, all.iter().map(|h| self.hook_json(h)).collect())),
            );
        }
        if let Some(c) = q.route("GET", "/hooks/{id}") {
            return Some(hooks().await.and_then(|all| {
                all.iter()
                    .find(|h| h.id == c[0])
                    .map(|h| ApiResponse::ok(&self.hook_json(h)))
                    .ok_or_else(|| message(StatusCode::NOT_FOUND, "404 Not Found"))
            }));
        }
        if let Some(c) = q.route("DELETE", "/hooks/{id}") {
            return Some(
                self.fake
                    .delete_webhook(WebhookRef {
                        repo: repo.clone(),
                        id: c[0].clone(),
                    })
                    .await
                    .map(|()| ApiResponse::empty(StatusCode::NO_CONTENT))
                    .map_err(self.or("Hook")),
            );
        }
        let body = match Self::params(q) {
            Ok(b) => b,
            Err(e) => return Some(Err(e)),
        };
        if q.route("POST", "/hooks").is_some() {
            let Some(url) = text(&body, "url") else {
                return Some(Err(Self::missing("url")));
            };
            return Some(
                self.fake
                    .create_webhook(CreateWebhook {
                        repo: repo.clone(),
                        url,
                        events: Self::hook_events(&body, None),
                        secret: text(&body, "token")
                            .filter(|t| !t.is_empty())
                            .map(Secret::new),
                        active: true,
                    })
                    .await
                    .map(|h| ApiResponse::created(&self.hook_json(&h)))
                    .map_err(self.or("Hook")),
            );
        }
        if let Some(c) = q.route("PUT", "/hooks/{id}") {
            let current = match hooks().await {
                Ok(all) => all.into_iter().find(|h| h.id == c[0]),
                Err(e) => return Some(Err(e)),
            };
            let Some(current) = current else {
                return Some(Err(message(StatusCode::NOT_FOUND, "404 Not Found")));
            };
            return Some(
                self.fake
                    .update_webhook(UpdateWebhook {
                        repo: repo.clone(),
                        id: c[0].clone(),
                        url: text(&body, "url"),
                        events: Some(Self::hook_events(&body, Some(&current.events))),
                        secret: text(&body, "token").map(Secret::new),
                        active: None,
                    })
                    .await
                    .map(|h| ApiResponse::ok(&self.hook_json(&h)))
                    .map_err(self.or("Hook")),
            );
        }
        if q.route("GET", "/members").is_some() {
            return Some(
                members()
                    .await
                    .map(|all| self.page(orig, all.iter().map(member_json).collect())),
            );
        }
        if q.route("POST", "/members").is_some() {
            let Some(login) = body
                .get("user_id")
                .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
                .and_then(|id| self.user_name(id))
            else {
                return Some(Err(message(StatusCode::NOT_FOUND, "404 User Not Found")));
            };
            let permission = match body.get("access_level").and_then(Value::as_u64) {
                Some(50..) => Permission::Admin,
                Some(40..=49) => Permission::Maintain,
                Some(30..=39) => Permission::Write,
                Some(10..=29) => Permission::Read,
                _ => return Some(Err(Self::missing("access_level"))),
            };
            let existing = match members().await {
                Ok(all) => all.iter().any(|m| m.login.eq_ignore_ascii_case(&login)),
                Err(e) => return Some(Err(e)),
            };
            if existing {
                return Some(Err(message(StatusCode::CONFLICT, "Member already exists")));
            }
            return Some(
                self.fake
                    .add_collaborator(AddCollaborator {
                        repo: repo.clone(),
                        login: login.clone(),
                        permission,
                    })
                    .await
                    .map(|()| {
                        ApiResponse::created(&member_json(&Collaborator { login, permission }))
                    })
                    .map_err(self.or("Member")),
            );
        }
        if let Some(c) = q.route("DELETE", "/members/{id}") {
            let login = c[0]
                .parse::<u64>()
                .ok()
                .and_then(|id| self.user_name(id))
                .unwrap_or_default();
            return Some(
                self.fake
                    .remove_collaborator(CollaboratorRef {
                        repo: repo.clone(),
                        login,
                    })
                    .await
                    .map(|()| ApiResponse::empty(StatusCode::NO_CONTENT))
                    .map_err(self.or("Member")),
            );
        }
        if let Some(c) = q.route("POST", "/statuses/{sha}") {
            let state = match text(&body, "state").as_deref() {
                Some("pending" | "running") => StatusState::Pending,
                Some("success") => StatusState::Success,
                Some("failed") => StatusState::Failure,
                Some("canceled" | "skipped") => StatusState::Error,
                _ => {
                    return Some(Err(ApiResponse::json(
                        StatusCode::BAD_REQUEST,
                        &json!({ "error": "state does not have a valid value" }),
                    )));
                }
            };
            let sha = c[0].clone();
            return Some(
                self.fake
                    .create_commit_status(CreateCommitStatus {
                        repo: repo.clone(),
                        sha: sha.clone(),
                        state,
                        context: text(&body, "name")
                            .or_else(|| text(&body, "context"))
                            .unwrap_or_else(|| "default".to_owned()),
                        description: text(&body, "description"),
                        target_url: text(&body, "target_url"),
                    })
                    .await
                    .map(|s| ApiResponse::created(&self.status_json(&s, &sha, 1)))
                    .map_err(self.or("Commit")),
            );
        }
        if q.route("GET", "/releases").is_some() {
            let params = ListReleases {
                repo: repo.clone(),
                page: PageRequest::first(),
            };
            return Some(
                self.listing(
                    orig,
                    "Project",
                    params,
                    |p| self.fake.list_releases(p),
                    |r| self.release_json(repo, r),
                )
                .await,
            );
        }
        if q.route("POST", "/releases").is_some() {
            let Some(tag) = text(&body, "tag_name") else {
                return Some(Err(Self::missing("tag_name")));
            };
            let created = self
                .fake
                .create_release(CreateRelease {
                    repo: repo.clone(),
                    tag_name: tag,
                    target: text(&body, "ref"),
                    name: text(&body, "name"),
                    body: text(&body, "description"),
                    draft: false,
                    prerelease: false,
                })
                .await;
            return Some(match created {
                Ok(r) => Ok(ApiResponse::created(&self.release_json(repo, &r))),
                Err(e) if e.kind() == ErrorKind::Conflict => {
                    Err(message(StatusCode::CONFLICT, "Release already exists"))
                }
                Err(e) if e.field() == Some("target") => Err(message(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Ref is not specified",
                )),
                Err(e) => Err(self.fail("Release", e)),
            });
        }
        None
    }
}
