//! The one macro that ties each family's trait to its request/response enums
//! and to both tower bridges, plus the small helpers it expands to.

use std::future::Future;
use std::pin::Pin;

/// The future every bridge service returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Cloning where a value can be cloned.
///
/// Every result type is `Clone` except a live stream (`ChatStream`), which
/// cannot be duplicated; response enums use this to offer `try_clone`, which
/// a cache needs to hand one answer to many callers.
pub trait MaybeClone: Sized {
    /// A clone, or `None` for a value that cannot be cloned.
    fn maybe_clone(&self) -> Option<Self>;
}

impl<T: Clone> MaybeClone for T {
    fn maybe_clone(&self) -> Option<Self> {
        Some(self.clone())
    }
}

/// What a family's response enum offers generic middleware.
pub trait Response: Sized + Send + 'static {
    /// The family's operation kind.
    type Kind: crate::OpKind;
    /// Which operation this answers.
    fn kind(&self) -> Self::Kind;
    /// A copy, unless the response is a live stream.
    fn try_clone(&self) -> Option<Self>;
}

/// A response that can record which provider served it.
///
/// A router calls [`set_served_by`](Served::set_served_by) on every
/// response it returns, with the name the answering candidate was
/// registered under. Every family's response enum implements it (through
/// `define_family!`): the AI family's fills the `provider` of
/// [`ChatResponse`](crate::ai::ChatResponse),
/// [`Completion`](crate::ai::Completion),
/// [`Embeddings`](crate::ai::Embeddings) and
/// [`ChatStream`](crate::ai::ChatStream); the other families carry no such
/// field, and the default does nothing.
///
/// Implementations keep a provider already recorded, so behind nested
/// routers the innermost one — the provider that really answered — wins.
///
/// ```
/// use mosaic_core::Served;
/// use mosaic_core::ai::{AiResponse, ChatResponse};
///
/// let mut resp = AiResponse::Chat(ChatResponse::default());
/// resp.set_served_by("claude");
/// resp.set_served_by("outer");
/// let AiResponse::Chat(chat) = resp else { unreachable!() };
/// assert_eq!(chat.provider.as_deref(), Some("claude"));
/// ```
pub trait Served {
    /// Record that the provider registered as `provider` served this
    /// response, unless one is recorded already. The default does nothing.
    fn set_served_by(&mut self, provider: &str) {
        let _ = provider;
    }
}

/// Defines one provider family from a table of its operations.
///
/// For every row
///
/// ```text
/// /// Doc.
/// Variant => fn method(Params) -> Output; "family.object.verb", CLASS, |p| subject;
/// ```
///
/// (rows carry doc comments only: they become the docs of the trait
/// method and the enum variants, and the operation's `doc()` text; `Output`
/// is one type name, `()`, `Page<Item>` for a list operation, or another
/// generic type of one item type such as `Vec<Item>`)
///
/// it generates, in the invoking module:
///
/// * the provider trait (async, object-safe) with `capabilities()` and one
///   method per row whose default body returns `ErrorKind::Unsupported` —
///   a provider overrides what it really offers, and lists it in
///   `capabilities()`; each method's docs end with the operation's name and
///   links to its parameters and output types; with feature `mock`, a
///   `mockall` mock of the trait;
/// * blanket impls of the trait for `Arc<T>` and `Box<T>`;
/// * the payload-free operation enum (`OpKind`): names, classes, capability
///   bits, each operation's doc text (`doc()`), method, parameters and
///   output type names (`method()`, `params_type()`, `output_type()`),
///   lookup by name (`from_name`) and, with feature `schema`, the JSON
///   Schema of its parameters (`params_schema()`);
/// * for every row whose output is `Page<Item>`,
///   [`ListOperation`](crate::page::ListOperation) for its `Params` (which
///   must implement [`Paginated`](crate::page::Paginated), and belong to no
///   other list operation);
/// * the request enum (one variant per row, carrying `Params`; serde both
///   ways, and `from_json(kind, params)`) implementing
///   [`Operation`](crate::Operation): the name, the class (`CLASS` is a
///   constant of [`meta`](crate::operation::meta)), and the subject computed
///   by the closure-like `|p| expr` (an `Option<Cow<str>>`);
/// * the response enum (one variant per row, carrying `Output`; `to_json`
///   gives the output alone) and its
///   [`Served`] impl: a no-op, or the function named by the optional
///   `served: path,` header line (`fn(&mut Response, &str)`), which records
///   the serving provider in the outputs that have a place for it;
/// * the service bridge (`XService::new(provider)`: a `tower::Service` over
///   `Request<XRequest>`), and the client bridge (`XClient::new(service)`:
///   the trait again, over any such service, plus `pages`, `all` and
///   `collect_all`, which walk a whole listing from the parameters of any
///   list operation).
macro_rules! define_family {
    (
        $(#[$fam_doc:meta])*
        family $family:ident {
            provider: $Trait:ident,
            request: $Req:ident,
            response: $Resp:ident,
            kind: $Kind:ident,
            service: $Svc:ident,
            client: $Client:ident
            $(, served: $served:path)? $(,)?
        }
        $(
            $(#[doc = $doc:literal])*
            $Variant:ident => fn $method:ident($Params:ident) -> $Out:tt $(<$G:ident>)?;
                $opname:literal, $class:ident, |$p:pat_param| $subject:expr;
        )+
    ) => {
        $(#[$fam_doc])*
        ///
        /// Every operation method has a default body that returns
        /// [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported); an
        /// implementation overrides the operations it offers and lists them
        /// in `capabilities()`.
        #[cfg_attr(any(test, feature = "mock"), mockall::automock)]
        #[async_trait::async_trait]
        pub trait $Trait: Send + Sync + 'static {
            /// The operations this provider supports.
            fn capabilities(&self) -> $crate::Capabilities;
            $(
                $(#[doc = $doc])*
                #[doc = concat!(
                    "\n\nOperation `", $opname, "`: takes [`", stringify!($Params), "`]; ",
                    $crate::family::returns_doc!($Client; $Out $(<$G>)?), "."
                )]
                async fn $method(&self, params: $Params) -> $crate::Result<$Out $(<$G>)?> {
                    let _ = params;
                    Err($crate::Error::unsupported($opname))
                }
            )+
        }

        #[async_trait::async_trait]
        impl<T: $Trait + ?Sized> $Trait for std::sync::Arc<T> {
            fn capabilities(&self) -> $crate::Capabilities {
                (**self).capabilities()
            }
            $(
                async fn $method(&self, params: $Params) -> $crate::Result<$Out $(<$G>)?> {
                    (**self).$method(params).await
                }
            )+
        }

        #[async_trait::async_trait]
        impl<T: $Trait + ?Sized> $Trait for Box<T> {
            fn capabilities(&self) -> $crate::Capabilities {
                (**self).capabilities()
            }
            $(
                async fn $method(&self, params: $Params) -> $crate::Result<$Out $(<$G>)?> {
                    (**self).$method(params).await
                }
            )+
        }

        #[doc = concat!("The operations of [`", stringify!($Trait), "`], without payloads.")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum $Kind {
            $( $(#[doc = $doc])* $Variant, )+
        }

        impl $crate::OpKind for $Kind {
            const FAMILY: $crate::Family = $crate::Family::$family;
            const ALL: &'static [Self] = &[$($Kind::$Variant),+];
            const NAMES: &'static [&'static str] = &[$($opname),+];
            fn index(self) -> u8 {
                self as u8
            }
            fn meta(self) -> $crate::OpMeta {
                match self {
                    $( $Kind::$Variant => $crate::operation::meta::$class, )+
                }
            }
        }

        impl $Kind {
            /// The operation's description: its doc comment in the family
            /// table, lines joined with newlines.
            pub fn doc(self) -> &'static str {
                match self {
                    $( $Kind::$Variant => concat!($($doc, "\n"),*).trim(), )+
                }
            }

            /// The name of the provider-trait (and client) method that
            /// performs the operation (`"list_pull_requests"`).
            pub fn method(self) -> &'static str {
                match self {
                    $( $Kind::$Variant => stringify!($method), )+
                }
            }

            /// The name of the operation's parameters type
            /// (`"ListPullRequests"`), a type of the family's module.
            pub fn params_type(self) -> &'static str {
                match self {
                    $( $Kind::$Variant => stringify!($Params), )+
                }
            }

            /// The operation's output type as declared
            /// (`"Page<PullRequest>"`, `"Repository"`, `"()"`).
            pub fn output_type(self) -> &'static str {
                match self {
                    $( $Kind::$Variant => concat!(stringify!($Out) $(, "<", stringify!($G), ">")?), )+
                }
            }

            /// The operation named `name` (`"git.repository.get"`), if it
            /// is one of this family's.
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $( $opname => Some($Kind::$Variant), )+
                    _ => None,
                }
            }

            /// The JSON Schema (draft 2020-12) of the operation's
            /// parameters, as they deserialize (feature `schema`).
            #[cfg(feature = "schema")]
            pub fn params_schema(self) -> schemars::Schema {
                fn of<T: schemars::JsonSchema>() -> schemars::Schema {
                    schemars::generate::SchemaSettings::draft2020_12()
                        .into_generator()
                        .into_root_schema_for::<T>()
                }
                match self {
                    $( $Kind::$Variant => of::<$Params>(), )+
                }
            }
        }

        $(
            $crate::family::list_operation!(
                $Out $(<$G>)? for $Params => $Req::$Variant, $Resp, $opname
            );
        )+

        #[doc = concat!("A call of one [`", stringify!($Trait), "`] operation, as a value.")]
        ///
        /// Serialized and deserialized externally tagged by variant
        /// (`{"Variant": params}`); [`from_json`](Self::from_json) builds one
        /// from an operation kind and its parameters alone.
        #[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
        #[allow(clippy::large_enum_variant)]
        pub enum $Req {
            $( $(#[doc = $doc])* $Variant($Params), )+
        }

        impl $Req {
            /// Which operation this is.
            pub fn kind(&self) -> $Kind {
                match self {
                    $( $Req::$Variant(_) => $Kind::$Variant, )+
                }
            }

            /// The call of `kind` with `params`, its parameters type as
            /// JSON (what the kind's `params_schema()` describes).
            pub fn from_json(kind: $Kind, params: serde_json::Value) -> serde_json::Result<Self> {
                Ok(match kind {
                    $( $Kind::$Variant => $Req::$Variant(serde_json::from_value(params)?), )+
                })
            }

            /// The call of `kind` with default parameters (what a
            /// conformance check sends to see an operation refused).
            pub fn with_defaults(kind: $Kind) -> Self {
                match kind {
                    $( $Kind::$Variant => $Req::$Variant(Default::default()), )+
                }
            }

            #[doc = concat!("Perform this call on `provider` through its [`", stringify!($Trait), "`] method.")]
            pub async fn send_to<P: $Trait + ?Sized>(self, provider: &P) -> $crate::Result<$Resp> {
                match self {
                    $( $Req::$Variant(params) => provider.$method(params).await.map($Resp::$Variant), )+
                }
            }
        }

        impl $crate::Operation for $Req {
            fn family(&self) -> $crate::Family {
                $crate::Family::$family
            }
            fn name(&self) -> &'static str {
                $crate::OpKind::name(self.kind())
            }
            fn index(&self) -> u8 {
                self.kind() as u8
            }
            fn meta(&self) -> $crate::OpMeta {
                $crate::OpKind::meta(self.kind())
            }
            #[allow(unused_variables)]
            fn subject(&self) -> Option<std::borrow::Cow<'_, str>> {
                match self {
                    $( $Req::$Variant($p) => $subject, )+
                }
            }
            fn cache_key(&self) -> Option<String> {
                if !self.is_cacheable() {
                    return None;
                }
                let params = match self {
                    $( $Req::$Variant(params) => serde_json::to_string(params), )+
                };
                params.ok().map(|p| format!("{}:{}", self.name(), p))
            }
            fn hash_cache_key<H: std::hash::Hasher>(&self, state: &mut H) -> bool {
                if !self.is_cacheable() {
                    return false;
                }
                // the name (which ends with a byte UTF-8 never has), then the
                // parameters as serde sees them
                state.write(self.name().as_bytes());
                state.write_u8(0xff);
                match self {
                    $( $Req::$Variant(params) => $crate::hashing::hash_serialized(params, state), )+
                }
            }
        }

        #[doc = concat!("The answer to a [`", stringify!($Req), "`], variant for variant.")]
        #[derive(Debug, serde::Serialize, serde::Deserialize)]
        #[allow(clippy::large_enum_variant)]
        pub enum $Resp {
            $( $(#[doc = $doc])* $Variant($Out $(<$G>)?), )+
        }

        impl $Resp {
            /// The answer alone as JSON, without the variant tag (`null` for
            /// operations that answer nothing). An error for a live stream,
            /// which cannot be serialized.
            pub fn to_json(&self) -> serde_json::Result<serde_json::Value> {
                match self {
                    $( $Resp::$Variant(v) => serde_json::to_value(v), )+
                }
            }
        }

        impl $crate::family::Response for $Resp {
            type Kind = $Kind;
            fn kind(&self) -> $Kind {
                match self {
                    $( $Resp::$Variant(_) => $Kind::$Variant, )+
                }
            }
            fn try_clone(&self) -> Option<Self> {
                match self {
                    $( $Resp::$Variant(v) => $crate::family::MaybeClone::maybe_clone(v).map($Resp::$Variant), )+
                }
            }
        }

        impl $crate::family::Served for $Resp {
            $(
                fn set_served_by(&mut self, provider: &str) {
                    $served(self, provider)
                }
            )?
        }

        #[doc = concat!("Any [`", stringify!($Trait), "`] as a `tower::Service<Request<", stringify!($Req), ">>`.")]
        ///
        /// Cheap to clone (the provider is shared).
        pub struct $Svc<P: ?Sized> {
            provider: std::sync::Arc<P>,
            name: Option<std::borrow::Cow<'static, str>>,
        }

        impl<P: ?Sized> Clone for $Svc<P> {
            fn clone(&self) -> Self {
                $Svc { provider: self.provider.clone(), name: self.name.clone() }
            }
        }

        impl<P: ?Sized> std::fmt::Debug for $Svc<P> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($Svc))
                    .field("provider", &std::any::type_name::<P>())
                    .field("name", &self.name)
                    .finish()
            }
        }

        impl<P: $Trait> $Svc<P> {
            /// Serve `provider`.
            pub fn new(provider: P) -> Self {
                $Svc { provider: std::sync::Arc::new(provider), name: None }
            }

            /// Serve `provider` under `name`: every error it returns without a
            /// provider recorded gets `name` (the one place errors are named,
            /// so adapters need not stamp each error themselves).
            pub fn named(name: impl Into<std::borrow::Cow<'static, str>>, provider: P) -> Self {
                $Svc { provider: std::sync::Arc::new(provider), name: Some(name.into()) }
            }
        }

        impl<P: $Trait + ?Sized> $Svc<P> {
            /// Serve an already shared provider (also `Arc<dyn Trait>`).
            pub fn from_arc(provider: std::sync::Arc<P>) -> Self {
                $Svc { provider, name: None }
            }

            /// Name errors that carry no provider with `name` (see
            /// [`named`](Self::named)).
            pub fn with_name(mut self, name: impl Into<std::borrow::Cow<'static, str>>) -> Self {
                self.name = Some(name.into());
                self
            }

            /// The name errors are given, when set.
            pub fn name(&self) -> Option<&str> {
                self.name.as_deref()
            }

            /// The provider served.
            pub fn provider(&self) -> &std::sync::Arc<P> {
                &self.provider
            }

            /// The provider's capabilities.
            pub fn capabilities(&self) -> $crate::Capabilities {
                self.provider.capabilities()
            }
        }

        impl<P: $Trait + ?Sized> tower::Service<$crate::Request<$Req>> for $Svc<P> {
            type Response = $Resp;
            type Error = $crate::Error;
            type Future = $crate::family::BoxFuture<'static, $crate::Result<$Resp>>;

            fn poll_ready(
                &mut self,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<$crate::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }

            fn call(&mut self, req: $crate::Request<$Req>) -> Self::Future {
                let provider = self.provider.clone();
                let name = self.name.clone();
                Box::pin(async move {
                    let out = req.operation.send_to(&*provider).await;
                    match name {
                        Some(name) => out.map_err(|e| e.or_provider(name)),
                        None => out,
                    }
                })
            }
        }

        #[doc = concat!("Any `tower::Service<Request<", stringify!($Req), ">>` as a [`", stringify!($Trait), "`].")]
        ///
        /// Each call clones the service (tower's idiom; layered stacks are
        /// cheap to clone) and sends the operation with a fresh copy of the
        /// client's context template and its timeout.
        ///
        /// Besides the trait's methods (one call, one page for listings),
        /// [`pages`](Self::pages), [`all`](Self::all) and
        /// [`collect_all`](Self::collect_all) walk a whole listing given the
        /// parameters of any of the family's list operations (the types
        /// implementing [`ListOperation`](crate::page::ListOperation) for
        /// this family).
        #[derive(Clone)]
        pub struct $Client<S> {
            service: S,
            context: $crate::RequestContext,
            capabilities: $crate::Capabilities,
            timeout: Option<std::time::Duration>,
        }

        impl<S> std::fmt::Debug for $Client<S> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($Client))
                    .field("service", &std::any::type_name::<S>())
                    .field("context", &self.context)
                    .field("timeout", &self.timeout)
                    .finish()
            }
        }

        impl<S> $Client<S> {
            /// A client over `service`, claiming every capability (set the
            /// real ones with [`Self::with_capabilities`]).
            pub fn new(service: S) -> Self {
                $Client {
                    service,
                    context: $crate::RequestContext::new(),
                    capabilities: $crate::Capabilities::all::<$Kind>(),
                    timeout: None,
                }
            }

            /// Use `context` as the template of every call (tenant,
            /// principal, labels, deadline); each call gets a fresh id.
            pub fn with_context(mut self, context: $crate::RequestContext) -> Self {
                self.context = context;
                self
            }

            /// Give every call a deadline `timeout` from its start.
            pub fn with_timeout(mut self, timeout: std::time::Duration) -> Self {
                self.timeout = Some(timeout);
                self
            }

            /// Report these capabilities.
            pub fn with_capabilities(mut self, capabilities: $crate::Capabilities) -> Self {
                self.capabilities = capabilities;
                self
            }

            /// The service called.
            pub fn service(&self) -> &S {
                &self.service
            }

            /// The context template.
            pub fn context(&self) -> &$crate::RequestContext {
                &self.context
            }

            /// The service called.
            pub fn into_inner(self) -> S {
                self.service
            }
        }

        impl<S> $Client<S>
        where
            S: tower::Service<$crate::Request<$Req>, Response = $Resp, Error = $crate::Error>
                + Clone
                + Send
                + Sync
                + 'static,
            S::Future: Send,
        {
            /// Send one operation with the client's context.
            pub async fn call(&self, operation: $Req) -> $crate::Result<$Resp> {
                let mut context = self.context.renewed();
                if let Some(t) = self.timeout {
                    context = context.with_timeout(t);
                }
                self.call_with(context, operation).await
            }

            /// Every page of a listing, in order, fetched lazily: one call of
            /// the list operation `params` belong to per page polled.
            ///
            /// The first call uses `params` as given (its page size and
            /// cursor); each next one follows the previous page's `next`
            /// cursor. The stream ends after the last page, or after the
            /// first error, which it yields. A provider that answers a
            /// cursor with that same cursor again is stopped with an
            /// `Internal` error rather than followed forever.
            ///
            /// The stream borrows the client; nothing needs to be cloned
            /// or `'static`.
            pub fn pages<L>(
                &self,
                params: L,
            ) -> impl futures::Stream<Item = $crate::Result<$crate::Page<L::Item>>> + Send
            where
                L: $crate::page::ListOperation<Request = $Req, Response = $Resp> + Send,
                L::Item: Send,
            {
                $crate::page::paginate_pages(params, move |p: L| async move {
                    L::into_page(self.call(p.into_request()).await?)
                })
            }

            /// Every item of every page of a listing, in order; pages are
            /// fetched lazily as the stream is polled, as in
            /// [`pages`](Self::pages), so a consumer that stops early
            /// (`take`, `try_next`) fetches no further pages. The stream
            /// ends after the last item, or after the first error, which
            /// it yields.
            pub fn all<L>(
                &self,
                params: L,
            ) -> impl futures::Stream<Item = $crate::Result<L::Item>> + Send
            where
                L: $crate::page::ListOperation<Request = $Req, Response = $Resp> + Send,
                L::Item: Send,
            {
                $crate::page::paginate(params, move |p: L| async move {
                    L::into_page(self.call(p.into_request()).await?)
                })
            }

            /// The first `limit` items of a listing (fewer if it is
            /// shorter), fetching only the pages needed to reach them.
            ///
            /// Fails with the first error a page fetch returns; the items
            /// gathered before it are dropped.
            pub async fn collect_all<L>(&self, params: L, limit: usize) -> $crate::Result<Vec<L::Item>>
            where
                L: $crate::page::ListOperation<Request = $Req, Response = $Resp> + Send,
                L::Item: Send,
            {
                use futures::{StreamExt, TryStreamExt};
                self.all(params).take(limit).try_collect().await
            }

            /// Send one operation with an explicit context.
            pub async fn call_with(
                &self,
                context: $crate::RequestContext,
                operation: $Req,
            ) -> $crate::Result<$Resp> {
                use tower::ServiceExt;
                self.service
                    .clone()
                    .oneshot($crate::Request { context, operation })
                    .await
            }
        }

        #[async_trait::async_trait]
        impl<S> $Trait for $Client<S>
        where
            S: tower::Service<$crate::Request<$Req>, Response = $Resp, Error = $crate::Error>
                + Clone
                + Send
                + Sync
                + 'static,
            S::Future: Send,
        {
            fn capabilities(&self) -> $crate::Capabilities {
                self.capabilities
            }
            $(
                async fn $method(&self, params: $Params) -> $crate::Result<$Out $(<$G>)?> {
                    match self.call($Req::$Variant(params)).await? {
                        $Resp::$Variant(v) => Ok(v),
                        #[allow(unreachable_patterns)]
                        other => Err($crate::family::mismatch($opname, &other)),
                    }
                }
            )+
        }
    };
}

pub(crate) use define_family;

/// The "returns …" part of a generated method's doc line: a link to the
/// output type, a page of a linked item type (and the client methods that
/// walk every page), another generic type (`Vec<Tag>`) of a linked item
/// type, or nothing for `()`.
macro_rules! returns_doc {
    ($Client:ident; Page<$Item:ident>) => {
        concat!(
            "returns one [`Page`](crate::page::Page) of [`",
            stringify!($Item),
            "`] (walk every page with [`",
            stringify!($Client),
            "::pages`], [`",
            stringify!($Client),
            "::all`] or [`",
            stringify!($Client),
            "::collect_all`])"
        )
    };
    ($Client:ident; ()) => {
        "returns nothing (`()`)"
    };
    ($Client:ident; $Out:ident<$Item:ident>) => {
        concat!(
            "returns a [`",
            stringify!($Out),
            "`] of [`",
            stringify!($Item),
            "`]"
        )
    };
    ($Client:ident; $Out:ident) => {
        concat!("returns [`", stringify!($Out), "`]")
    };
}

pub(crate) use returns_doc;

/// Implements [`ListOperation`](crate::page::ListOperation) for the
/// parameters of a table row whose output is a `Page<Item>`; expands to
/// nothing for any other output.
macro_rules! list_operation {
    (Page<$Item:ident> for $Params:ident => $Req:ident::$Variant:ident, $Resp:ident, $opname:literal) => {
        impl $crate::page::ListOperation for $Params {
            type Request = $Req;
            type Response = $Resp;
            type Item = $Item;
            const NAME: &'static str = $opname;

            fn into_request(self) -> $Req {
                $Req::$Variant(self)
            }

            fn into_page(response: $Resp) -> $crate::Result<$crate::page::Page<$Item>> {
                match response {
                    $Resp::$Variant(page) => Ok(page),
                    #[allow(unreachable_patterns)]
                    other => Err($crate::family::mismatch($opname, &other)),
                }
            }
        }
    };
    ($($other:tt)*) => {};
}

pub(crate) use list_operation;

/// The error for a service that answered with another operation's response.
pub fn mismatch<R: Response>(asked: &str, got: &R) -> crate::Error {
    crate::Error::internal(format!(
        "service answered `{asked}` with the response of `{}`",
        crate::OpKind::name(got.kind())
    ))
}

#[cfg(test)]
mod tests {
    use crate::OpKind;
    use crate::git::{GitOp, GitRequest, GitResponse, RepoRef, Repository};

    #[test]
    fn each_operation_knows_its_doc_and_name() {
        assert_eq!(GitOp::GetRepository.doc(), "Fetch a repository.");
        assert_eq!(
            GitOp::from_name("git.pull_request.merge"),
            Some(GitOp::MergePullRequest)
        );
        assert_eq!(GitOp::from_name("kb.search"), None);
        for &op in GitOp::ALL {
            assert_eq!(GitOp::from_name(op.name()), Some(op));
            assert!(!op.doc().is_empty(), "{op:?}");
        }
    }

    #[test]
    fn a_request_comes_from_its_kind_and_json_parameters() {
        let params = serde_json::json!({ "owner": "acme", "name": "tools" });
        let req = GitRequest::from_json(GitOp::GetRepository, params).unwrap();
        assert!(
            matches!(&req, GitRequest::GetRepository(r) if *r == RepoRef::new("acme", "tools"))
        );
        let err =
            GitRequest::from_json(GitOp::GetRepository, serde_json::json!({ "owner": "acme" }));
        assert!(err.unwrap_err().to_string().contains("name"));
        // and round-trips through its tagged form
        let tagged = serde_json::to_value(&req).unwrap();
        let back: GitRequest = serde_json::from_value(tagged).unwrap();
        assert_eq!(back.kind(), GitOp::GetRepository);
    }

    #[test]
    fn a_response_is_its_output_alone_as_json() {
        let repo = Repository {
            full_name: "acme/tools".into(),
            ..Default::default()
        };
        let json = GitResponse::GetRepository(repo).to_json().unwrap();
        assert_eq!(json["full_name"], "acme/tools");
        assert_eq!(
            GitResponse::DeleteRepository(()).to_json().unwrap(),
            serde_json::Value::Null
        );
    }

    #[cfg(feature = "schema")]
    #[test]
    fn the_parameters_schema_is_the_parameters_type() {
        let schema = GitOp::ListPullRequests.params_schema().to_value();
        assert_eq!(schema["type"], "object");
        let required = schema["required"].as_array().unwrap();
        assert!(required.contains(&"repo".into()));
        // a secret is write-only
        let hook = GitOp::CreateWebhook.params_schema().to_value();
        let secret = serde_json::to_string(&hook).unwrap();
        assert!(secret.contains("writeOnly"), "{secret}");
    }
}
