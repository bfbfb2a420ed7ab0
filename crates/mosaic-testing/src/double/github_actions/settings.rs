//! Deployment environments and Actions secrets of the GitHub Actions
//! double: `/environments` (list, get, `PUT` to create or update, delete)
//! and the secrets of the repository or of an environment (`public-key`,
//! list, get, `PUT` of a sealed value, delete).

// See the parent module on the size of handler errors.
#![allow(clippy::result_large_err)]

use http::StatusCode;
use mosaic_core::PageRequest;
use mosaic_core::Secret;
use mosaic_core::cicd::*;
use serde_json::{Value, json};

use super::{
    GitHubActionsApi, PUBLIC_KEY_ID, Reply, Repo, SecretBody, error, fail, listing, not_found,
    public_key,
};
use crate::double::citr_util::{all, environments_of};
use crate::double::{ApiRequest, ApiResponse};

impl GitHubActionsApi {
    // ---- environments and secrets

    async fn environments(&self, project: &str) -> Result<Vec<Environment>, ApiResponse> {
        environments_of(&self.ci, project).await.map_err(fail)
    }

    fn render_env(r: &Repo<'_>, e: &Environment) -> Value {
        json!({
            "id": e.id.parse::<u64>().unwrap_or(0), "node_id": format!("EN_{}", e.id), "name": e.name,
            "url": format!("https://api.github.invalid/repos/{}/environments/{}", r.project, e.name),
            "html_url": format!("https://github.invalid/{}/deployments/activity_log?environments_filter={}", r.project, e.name),
            "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
            "protection_rules": [], "deployment_branch_policy": null,
        })
    }

    async fn secrets(
        &self,
        project: &str,
        env: Option<&str>,
    ) -> Result<Vec<SecretInfo>, ApiResponse> {
        if let Some(e) = env
            && !self
                .environments(project)
                .await?
                .iter()
                .any(|x| x.name == e)
        {
            return Err(not_found());
        }
        let list = all(
            ListSecrets {
                project: project.to_owned(),
                environment: env.map(str::to_owned),
                page: PageRequest::first(),
            },
            |q| self.ci.list_secrets(q),
        )
        .await
        .map_err(fail)?;
        Ok(list
            .into_iter()
            .filter(|s| s.environment.as_deref() == env)
            .collect())
    }

    fn render_secret(s: &SecretInfo) -> Value {
        json!({"name": s.name, "created_at": s.created_at, "updated_at": s.updated_at})
    }

    pub(super) async fn secrets_route(
        &self,
        req: &ApiRequest,
        sub: &ApiRequest,
        r: &Repo<'_>,
        env: Option<&str>,
    ) -> Reply {
        if sub.route("GET", "/secrets/public-key").is_some() {
            self.secrets(&r.project, env).await?;
            return Ok(ApiResponse::ok(
                &json!({"key_id": PUBLIC_KEY_ID, "key": public_key()}),
            ));
        }
        if sub.route("GET", "/secrets").is_some() {
            let items: Vec<Value> = self
                .secrets(&r.project, env)
                .await?
                .iter()
                .map(Self::render_secret)
                .collect();
            return Ok(listing(req, "secrets", &items));
        }
        if let Some(c) = sub.route("GET", "/secrets/{name}") {
            let list = self.secrets(&r.project, env).await?;
            let s = list.iter().find(|s| s.name == c[0]).ok_or_else(not_found)?;
            return Ok(ApiResponse::ok(&Self::render_secret(s)));
        }
        if let Some(c) = sub.route("PUT", "/secrets/{name}") {
            let body: SecretBody = req.json()?;
            if body.key_id != PUBLIC_KEY_ID {
                return Err(error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Bad request - key_id is not valid",
                ));
            }
            let b64ok = !body.encrypted_value.is_empty()
                && body.encrypted_value.len().is_multiple_of(4)
                && body
                    .encrypted_value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
            if !b64ok {
                return Err(error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "encrypted_value is not valid base64",
                ));
            }
            let exists = self
                .secrets(&r.project, env)
                .await?
                .iter()
                .any(|s| s.name == c[0]);
            let put = WriteSecret {
                project: r.project.clone(),
                name: c[0].clone(),
                value: Secret::new(body.encrypted_value),
                environment: env.map(str::to_owned),
                masked: true,
                protected: false,
            };
            return if exists {
                self.ci.update_secret(put).await.map_err(fail)?;
                Ok(ApiResponse::empty(StatusCode::NO_CONTENT))
            } else {
                self.ci.create_secret(put).await.map_err(fail)?;
                Ok(ApiResponse::created(&json!({})))
            };
        }
        if let Some(c) = sub.route("DELETE", "/secrets/{name}") {
            self.ci
                .delete_secret(SecretRef {
                    project: r.project.clone(),
                    name: c[0].clone(),
                    environment: env.map(str::to_owned),
                })
                .await
                .map_err(fail)?;
            return Ok(ApiResponse::empty(StatusCode::NO_CONTENT));
        }
        Err(not_found())
    }

    pub(super) async fn env_route(
        &self,
        req: &ApiRequest,
        sub: &ApiRequest,
        r: &Repo<'_>,
    ) -> Reply {
        if sub.route("GET", "/environments").is_some() {
            let items: Vec<Value> = self
                .environments(&r.project)
                .await?
                .iter()
                .map(|e| Self::render_env(r, e))
                .collect();
            return Ok(listing(req, "environments", &items));
        }
        if let Some(c) = sub.route("GET", "/environments/{name}") {
            let list = self.environments(&r.project).await?;
            let e = list.iter().find(|e| e.name == c[0]).ok_or_else(not_found)?;
            return Ok(ApiResponse::ok(&Self::render_env(r, e)));
        }
        if let Some(c) = sub.route("PUT", "/environments/{name}") {
            let exists = self
                .environments(&r.project)
                .await?
                .iter()
                .any(|e| e.name == c[0]);
            let put = WriteEnvironment {
                project: r.project.clone(),
                name: c[0].clone(),
                url: None,
            };
            let e = if exists {
                self.ci.update_environment(put).await
            } else {
                self.ci.create_environment(put).await
            }
            .map_err(fail)?;
            return Ok(ApiResponse::ok(&Self::render_env(r, &e)));
        }
        if let Some(c) = sub.route("DELETE", "/environments/{name}") {
            self.ci
                .delete_environment(EnvironmentRef {
                    project: r.project.clone(),
                    name: c[0].clone(),
                })
                .await
                .map_err(fail)?;
            return Ok(ApiResponse::empty(StatusCode::NO_CONTENT));
        }
        if let Some(c) = crate::double::match_path(&sub.path, "/environments/{env}/{rest*}") {
            let inner = ApiRequest {
                path: format!("/{}", c[1]),
                ..sub.clone()
            };
            return self.secrets_route(req, &inner, r, Some(&c[0])).await;
        }
        Err(not_found())
    }
}
