//! `[tenants]`: a quota per tenant in front of each family's client.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::task::{Context, Poll};

use mosaic_core::{Error, Request, Result};
use mosaic_router::RateLimitLayer;
use tower::util::{BoxCloneSyncService, Oneshot};
use tower::{Layer, Service, ServiceExt};

use super::build::{Redis, rate_limit};
use super::file::TenantSpec;

type Boxed<R, T> = BoxCloneSyncService<Request<R>, T, Error>;

/// The tenants' limiters: one per named tenant, and one keyed by tenant
/// for every other (`"*"`). A limiter is shared by every family, so a
/// tenant's quota counts all of its calls.
#[derive(Clone, Default)]
pub(crate) struct Tenants {
    named: BTreeMap<String, RateLimitLayer>,
    others: Option<RateLimitLayer>,
}

impl Tenants {
    pub(crate) fn of(specs: &BTreeMap<String, TenantSpec>, redis: &Redis) -> Result<Tenants> {
        let mut tenants = Tenants::default();
        for (tenant, spec) in specs {
            if tenant.is_empty() {
                return Err(Error::config("`tenants`: a tenant name may not be empty"));
            }
            let place = format!("tenants.{tenant}.rate_limit");
            let every = tenant == "*";
            let layer = rate_limit(
                &place,
                &format!("tenant:{tenant}"),
                &spec.rate_limit,
                redis,
                every,
            )?;
            if every {
                tenants.others = Some(layer);
            } else {
                tenants.named.insert(tenant.clone(), layer);
            }
        }
        Ok(tenants)
    }

    /// `inner` behind the tenants' quotas (unchanged when there are none).
    pub(crate) fn wrap<R, T>(&self, inner: Boxed<R, T>) -> Boxed<R, T>
    where
        R: Send + Sync + 'static,
        T: Send + 'static,
    {
        if self.named.is_empty() && self.others.is_none() {
            return inner;
        }
        let named = self
            .named
            .iter()
            .map(|(t, l)| (t.clone(), BoxCloneSyncService::new(l.layer(inner.clone()))))
            .collect();
        let others = self
            .others
            .as_ref()
            .map(|l| BoxCloneSyncService::new(l.layer(inner.clone())));
        BoxCloneSyncService::new(TenantQuota {
            named: Arc::new(named),
            others,
            inner,
        })
    }
}

/// Sends each call through its tenant's limiter.
struct TenantQuota<R, T> {
    named: Arc<BTreeMap<String, Boxed<R, T>>>,
    others: Option<Boxed<R, T>>,
    inner: Boxed<R, T>,
}

impl<R, T> Clone for TenantQuota<R, T> {
    fn clone(&self) -> Self {
        TenantQuota {
            named: self.named.clone(),
            others: self.others.clone(),
            inner: self.inner.clone(),
        }
    }
}

impl<R, T> Service<Request<R>> for TenantQuota<R, T>
where
    R: Send + Sync + 'static,
    T: Send + 'static,
{
    type Response = T;
    type Error = Error;
    type Future = Oneshot<Boxed<R, T>, Request<R>>;

    /// Always ready: each call waits for its own branch.
    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<R>) -> Self::Future {
        let branch = match request.context.tenant() {
            None => &self.inner,
            Some(t) => match self.named.get(t) {
                Some(limited) => limited,
                None => self.others.as_ref().unwrap_or(&self.inner),
            },
        };
        branch.clone().oneshot(request)
    }
}
