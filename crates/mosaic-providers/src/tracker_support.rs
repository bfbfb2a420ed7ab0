//! What the issue-tracker adapters share: the plugin wrapper, and a raw
//! request path that hands back every answer with its body.
//!
//! The trackers' failure bodies carry more than the transport's generic
//! error parser reads: Linear answers GraphQL `errors[]` with an
//! `extensions.code` (often with HTTP 200 or 400), Jira an `errorMessages`
//! list and an `errors` map of fields. [`Raw`] sends through the
//! transport's client and credentials but returns non-2xx answers as
//! [`RawResponse`]s, so each adapter maps them itself and falls back on
//! [`Raw::fallback_error`] (the transport's status table) for the rest.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use http::StatusCode;
use http::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use mosaic_core::project::ProjectProvider;
use mosaic_core::{Error, Result};
use mosaic_plugin_sdk::{
    Plugin, PluginConfig, PluginContext, PluginFactory, PluginManifest, PluginServices,
};
use reqwest::Method;
use serde_json::Value;
use url::Url;

use crate::config::HttpSettings;
use crate::http::rate_limit::response_time;
use crate::http::{DEFAULT_USER_AGENT, Transport, error, json};

/// A provider's manifest: its `plugin.json` with its `config.schema.json`
/// attached as `config.schema`.
pub(crate) fn manifest(plugin_json: &str, config_schema: &str) -> Result<PluginManifest> {
    let mut doc: Value = serde_json::from_str(plugin_json)
        .map_err(|e| Error::config(format!("plugin.json is not JSON: {e}")))?;
    let schema: Value = serde_json::from_str(config_schema)
        .map_err(|e| Error::config(format!("config.schema.json is not JSON: {e}")))?;
    let obj = doc
        .as_object_mut()
        .ok_or_else(|| Error::config("plugin.json must be an object"))?;
    obj.insert("config".to_owned(), serde_json::json!({ "schema": schema }));
    PluginManifest::from_value(&doc)
}

/// Builds a provider from a validated configuration; returns the base URL
/// it will call (checked against the host's allowlist) and the provider.
pub(crate) type Build = fn(&PluginConfig) -> Result<(String, Arc<dyn ProjectProvider>)>;

/// An issue tracker as a plugin instance.
struct TrackerPlugin {
    build: Build,
    project: Option<Arc<dyn ProjectProvider>>,
}

impl fmt::Debug for TrackerPlugin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrackerPlugin")
            .field("initialized", &self.project.is_some())
            .finish()
    }
}

#[async_trait]
impl Plugin for TrackerPlugin {
    async fn initialize(&mut self, ctx: PluginContext, config: PluginConfig) -> Result<()> {
        let (base_url, project) = (self.build)(&config)?;
        ctx.http().check(&base_url)?;
        self.project = Some(project);
        Ok(())
    }

    fn services(&self) -> PluginServices {
        let mut s = PluginServices::new();
        if let Some(p) = &self.project {
            s = s.with_project(p.clone());
        }
        s
    }
}

/// A factory making tracker plugins with `build`.
pub(crate) fn factory(manifest: PluginManifest, build: Build) -> Arc<dyn PluginFactory> {
    Arc::new(mosaic_plugin_sdk::factory(manifest, move || {
        Ok(Box::new(TrackerPlugin {
            build,
            project: None,
        }) as Box<dyn Plugin>)
    }))
}

/// One answer, whatever its status, with its body read.
#[derive(Debug, Clone)]
pub(crate) struct RawResponse {
    /// Status.
    pub(crate) status: StatusCode,
    /// Headers.
    pub(crate) headers: HeaderMap,
    /// Body.
    pub(crate) body: Bytes,
    /// `METHOD /path` of the request (no query, no secrets).
    pub(crate) what: String,
}

impl RawResponse {
    /// Decode the JSON body; a failure is a `Decode` error naming the path.
    #[cfg_attr(not(feature = "jira"), allow(dead_code))]
    pub(crate) fn json<T: serde::de::DeserializeOwned>(&self, provider: &'static str) -> Result<T> {
        json::decode_as(&self.body, &self.what).map_err(|e| e.with_provider(provider))
    }
}

/// Sends requests through a [`Transport`]'s client and credentials, and
/// returns every answer (see the module docs).
#[derive(Debug, Clone)]
pub(crate) struct Raw {
    http: Transport,
    user_agent: HeaderValue,
    timeout: Option<Duration>,
}

impl Raw {
    /// Over `http`, with the user agent and timeout of `settings`.
    pub(crate) fn new(http: Transport, settings: &HttpSettings) -> Result<Self> {
        let ua = settings
            .user_agent
            .as_deref()
            .unwrap_or(DEFAULT_USER_AGENT)
            .to_owned();
        let user_agent = HeaderValue::from_str(&ua).map_err(|_| {
            Error::config(format!("user agent `{ua}` is invalid"))
                .with_provider(http.provider().to_owned())
        })?;
        Ok(Raw {
            http,
            user_agent,
            timeout: (settings.timeout_secs > 0)
                .then(|| Duration::from_secs(settings.timeout_secs)),
        })
    }

    /// The transport (base URL, client, credentials).
    pub(crate) fn transport(&self) -> &Transport {
        &self.http
    }

    /// The URL of `path` under the base URL with `query` appended.
    pub(crate) fn url(&self, path: &str, query: &[(&str, String)]) -> Result<Url> {
        let mut url = self
            .http
            .url(path)
            .map_err(|e| e.with_provider(self.http.provider().to_owned()))?;
        if !query.is_empty() {
            let mut q = url.query_pairs_mut();
            for (k, v) in query {
                q.append_pair(k, v);
            }
        }
        Ok(url)
    }

    /// Send `method` to `url` with an optional JSON body. Connection
    /// failures and timeouts are errors; every HTTP answer is returned.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
    ) -> Result<RawResponse> {
        let provider = self.http.provider().to_owned();
        let what = format!("{method} {}", url.path());
        let mut headers = HeaderMap::new();
        headers.insert(USER_AGENT, self.user_agent.clone());
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let body = match body {
            Some(v) => {
                headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                Some(json::encode(v)?)
            }
            None => None,
        };
        let auth = self.http.credentials().auth().await?;
        auth.apply(&mut headers)
            .map_err(|e| e.with_provider(provider.clone()))?;
        let mut req = reqwest::Request::new(method, url);
        *req.headers_mut() = headers;
        if let Some(b) = body {
            *req.body_mut() = Some(b.into());
        }
        *req.timeout_mut() = self.timeout;
        let resp = self
            .http
            .client()
            .execute(req)
            .await
            .map_err(|e| error::from_transport(&provider, &what, e))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp
            .bytes()
            .await
            .map_err(|e| error::from_transport(&provider, &what, e))?;
        if status == StatusCode::UNAUTHORIZED {
            self.http.credentials().invalidate();
        }
        tracing::debug!(provider = %provider, request = %what, status = status.as_u16(), "http request");
        Ok(RawResponse {
            status,
            headers,
            body,
            what,
        })
    }

    /// The transport's error for a non-2xx answer (status table,
    /// rate-limit headers, generic body shapes).
    pub(crate) fn fallback_error(&self, r: &RawResponse) -> Error {
        error::from_response(
            self.http.provider(),
            &r.what,
            r.status,
            &r.headers,
            &r.body,
            response_time(&r.headers),
        )
    }
}
