//! The one error type of the SDK.
//!
//! [`Error`] is opaque, in the style of `reqwest::Error`: callers branch on
//! [`Error::kind`] and the predicates, never on the message text. Messages and
//! `Debug` output never carry a credential: constructors take plain
//! descriptions, and [`redact`] is available to adapters that must echo
//! upstream text which may contain one.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

type Source = Arc<dyn StdError + Send + Sync + 'static>;

/// What went wrong, in terms a caller can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The addressed object does not exist (HTTP 404).
    NotFound,
    /// No or invalid credentials (HTTP 401).
    Unauthenticated,
    /// Credentials are valid but lack the permission (HTTP 403).
    PermissionDenied,
    /// A rate limit was hit; see [`Error::retry_after`].
    RateLimited,
    /// A spending or usage quota is exhausted; waiting a few seconds will not help.
    QuotaExceeded,
    /// A budget the host set (US dollars or tokens per window, checked
    /// before the call by `mosaic_router`'s budget layer) would be passed;
    /// see [`Error::budget`] for which one, what is left and when it resets.
    BudgetExceeded,
    /// The request was rejected as malformed; see [`Error::field`].
    InvalidInput,
    /// The request conflicts with the current state (HTTP 409, stale version).
    Conflict,
    /// The provider does not offer this operation.
    Unsupported,
    /// The call did not finish before its deadline.
    Timeout,
    /// The provider is unreachable or failing (connect error, HTTP 5xx, overloaded).
    Unavailable,
    /// A circuit breaker refused the call without trying it.
    CircuitOpen,
    /// No configured provider could take the request.
    NoProvider,
    /// The caller or the host cancelled the call.
    Cancelled,
    /// Configuration is missing or invalid.
    Config,
    /// An AI prompt does not fit the model's context window.
    ContextLengthExceeded,
    /// An AI provider refused the content under its usage policy.
    ContentFiltered,
    /// An upstream response could not be decoded.
    Decode,
    /// The provider reported an error that fits no other kind.
    Provider,
    /// A bug or broken invariant inside Mosaic or a plugin (including a contained panic).
    Internal,
}

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: &'static [ErrorKind] = &[
        ErrorKind::NotFound,
        ErrorKind::Unauthenticated,
        ErrorKind::PermissionDenied,
        ErrorKind::RateLimited,
        ErrorKind::QuotaExceeded,
        ErrorKind::BudgetExceeded,
        ErrorKind::InvalidInput,
        ErrorKind::Conflict,
        ErrorKind::Unsupported,
        ErrorKind::Timeout,
        ErrorKind::Unavailable,
        ErrorKind::CircuitOpen,
        ErrorKind::NoProvider,
        ErrorKind::Cancelled,
        ErrorKind::Config,
        ErrorKind::ContextLengthExceeded,
        ErrorKind::ContentFiltered,
        ErrorKind::Decode,
        ErrorKind::Provider,
        ErrorKind::Internal,
    ];

    /// A short, stable, snake_case name (for metrics labels and logs).
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not_found",
            ErrorKind::Unauthenticated => "unauthenticated",
            ErrorKind::PermissionDenied => "permission_denied",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::QuotaExceeded => "quota_exceeded",
            ErrorKind::BudgetExceeded => "budget_exceeded",
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::CircuitOpen => "circuit_open",
            ErrorKind::NoProvider => "no_provider",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Config => "config",
            ErrorKind::ContextLengthExceeded => "context_length_exceeded",
            ErrorKind::ContentFiltered => "content_filtered",
            ErrorKind::Decode => "decode",
            ErrorKind::Provider => "provider",
            ErrorKind::Internal => "internal",
        }
    }

    /// Whether trying again (later, or elsewhere) may succeed.
    ///
    /// Transient kinds are retryable: `RateLimited`, `Timeout`, `Unavailable`
    /// and `CircuitOpen`. Everything that would fail the same way again —
    /// bad input, missing objects, permissions, exhausted quotas — is not.
    pub const fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorKind::RateLimited
                | ErrorKind::Timeout
                | ErrorKind::Unavailable
                | ErrorKind::CircuitOpen
        )
    }

    /// Whether the caller sent something wrong (these never count against a
    /// provider's health). A spent [`BudgetExceeded`](ErrorKind::BudgetExceeded)
    /// budget is the caller's, not the provider's, so it counts here.
    pub const fn is_client_error(self) -> bool {
        matches!(
            self,
            ErrorKind::NotFound
                | ErrorKind::Unauthenticated
                | ErrorKind::PermissionDenied
                | ErrorKind::InvalidInput
                | ErrorKind::Conflict
                | ErrorKind::Unsupported
                | ErrorKind::ContextLengthExceeded
                | ErrorKind::ContentFiltered
                | ErrorKind::Cancelled
                | ErrorKind::BudgetExceeded
        )
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rejected field of a request, as reported by validation or by an
/// upstream `422` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Where: a field name or a JSON pointer (`/config/url`).
    pub field: String,
    /// What was wrong with it.
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// One provider call that failed on the way to an [`Error`], as recorded by
/// a router that tried several candidates; see [`Error::attempts`].
///
/// It names the candidate (the name the provider was registered under with
/// the router) and copies what a caller acts on from that call's error: the
/// kind, the upstream HTTP status, the wait the provider asked for, and a
/// short message (at most [`Attempt::MAX_MESSAGE_LEN`] bytes; the message
/// is already free of credentials, as every error message is).
///
/// ```
/// use std::time::Duration;
/// use mosaic_core::{Attempt, Error, ErrorKind};
///
/// let failure = Error::rate_limited(Some(Duration::from_secs(2))).with_status(429);
/// let attempt = Attempt::from_error("openai", &failure);
/// assert_eq!(attempt.provider(), "openai");
/// assert_eq!(attempt.kind(), ErrorKind::RateLimited);
/// assert_eq!(attempt.status(), Some(429));
/// assert_eq!(attempt.retry_after(), Some(Duration::from_secs(2)));
/// assert_eq!(attempt.to_string(), "openai: rate_limited (HTTP 429, retry after 2s)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    provider: Arc<str>,
    kind: ErrorKind,
    status: Option<u16>,
    retry_after: Option<Duration>,
    message: Cow<'static, str>,
}

impl Attempt {
    /// The longest message an attempt keeps, in bytes; longer ones are cut
    /// at a character boundary and end in `…`.
    pub const MAX_MESSAGE_LEN: usize = 200;

    /// A failed call of `provider` of `kind`, with a message (cut to
    /// [`Self::MAX_MESSAGE_LEN`]; it must not contain credentials).
    pub fn new(
        provider: impl Into<Arc<str>>,
        kind: ErrorKind,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Attempt {
            provider: provider.into(),
            kind,
            status: None,
            retry_after: None,
            message: shorten(message.into()),
        }
    }

    /// The attempt of `provider` that ended in `error`: its kind, status,
    /// retry-after and (shortened) message.
    pub fn from_error(provider: impl Into<Arc<str>>, error: &Error) -> Self {
        let i = &error.inner;
        Attempt {
            provider: provider.into(),
            kind: i.kind,
            status: i.status,
            retry_after: i.retry_after,
            message: shorten(i.message.clone()),
        }
    }

    /// Record the upstream HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Record how long the provider asked the caller to wait.
    pub fn with_retry_after(mut self, retry_after: Duration) -> Self {
        self.retry_after = Some(retry_after);
        self
    }

    /// The candidate tried (its name at the router).
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The upstream HTTP status, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// How long the provider asked the caller to wait, when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// The error's message, shortened.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// `provider: kind (HTTP status, retry after 2s)`, the parenthesis only
/// with what is known; the message is left out (see [`Attempt::message`]).
impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.provider, self.kind)?;
        match (self.status, self.retry_after) {
            (None, None) => Ok(()),
            (Some(s), None) => write!(f, " (HTTP {s})"),
            (None, Some(r)) => write!(f, " (retry after {})", ShortDuration(r)),
            (Some(s), Some(r)) => write!(f, " (HTTP {s}, retry after {})", ShortDuration(r)),
        }
    }
}

/// Cut `message` to [`Attempt::MAX_MESSAGE_LEN`] bytes at a character
/// boundary (borrowed messages that fit stay borrowed).
fn shorten(message: Cow<'static, str>) -> Cow<'static, str> {
    const MAX: usize = Attempt::MAX_MESSAGE_LEN;
    if message.len() <= MAX {
        return message;
    }
    let ellipsis = '…';
    let mut end = MAX - ellipsis.len_utf8();
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    let mut short = String::with_capacity(end + ellipsis.len_utf8());
    short.push_str(&message[..end]);
    short.push(ellipsis);
    Cow::Owned(short)
}

/// A duration as `2s`, `1500ms` or `250us`: whole units, no rounding.
struct ShortDuration(Duration);

impl fmt::Display for ShortDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        if d.subsec_nanos() == 0 {
            write!(f, "{}s", d.as_secs())
        } else if d.subsec_nanos().is_multiple_of(1_000_000) {
            write!(f, "{}ms", d.as_millis())
        } else if d.subsec_nanos().is_multiple_of(1_000) {
            write!(f, "{}us", d.as_micros())
        } else {
            write!(f, "{}ns", d.as_nanos())
        }
    }
}

/// An amount of a budget: US dollars or tokens.
///
/// ```
/// use mosaic_core::error::BudgetAmount;
/// assert_eq!(BudgetAmount::Usd(1.5).to_string(), "1.5 USD");
/// assert_eq!(BudgetAmount::Tokens(1200).to_string(), "1200 tokens");
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BudgetAmount {
    /// US dollars.
    Usd(f64),
    /// Tokens (prompt plus generated).
    Tokens(u64),
}

impl fmt::Display for BudgetAmount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BudgetAmount::Usd(v) => write!(f, "{v} USD"),
            BudgetAmount::Tokens(n) => write!(f, "{n} tokens"),
        }
    }
}

/// Which budget refused a call, and how it stands: what an error of kind
/// [`ErrorKind::BudgetExceeded`] carries ([`Error::budget`]).
///
/// The error's [`retry_after`](Error::retry_after) is the time until
/// [`resets_at`](Self::resets_at).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use mosaic_core::error::{BudgetAmount, BudgetDetails};
/// use mosaic_core::{Error, ErrorKind};
///
/// let resets = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
/// let details = BudgetDetails::new("daily", "tenant=acme", BudgetAmount::Usd(50.0))
///     .with_remaining(BudgetAmount::Usd(0.25))
///     .with_requested(BudgetAmount::Usd(0.5))
///     .with_resets_at(resets);
/// let err = Error::budget_exceeded(details).with_retry_after(Duration::from_secs(60));
/// assert_eq!(err.kind(), ErrorKind::BudgetExceeded);
/// let b = err.budget().unwrap();
/// assert_eq!((b.name(), b.scope()), ("daily", "tenant=acme"));
/// assert_eq!(b.remaining(), BudgetAmount::Usd(0.25));
/// assert_eq!(b.resets_at(), resets);
/// assert_eq!(
///     err.to_string(),
///     "budget `daily` (tenant=acme) exceeded: 0.5 USD requested, 0.25 USD of 50 USD left (retry after 60.000s)"
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetDetails {
    name: Arc<str>,
    scope: Arc<str>,
    limit: BudgetAmount,
    remaining: BudgetAmount,
    requested: BudgetAmount,
    resets_at: SystemTime,
}

impl BudgetDetails {
    /// The budget `name` over `scope` (which requests it counts, e.g.
    /// `tenant=acme,model=gpt-4o`; empty for all) limited to `limit`;
    /// nothing remaining, nothing requested, resetting at the Unix epoch
    /// until set otherwise.
    pub fn new(name: impl Into<Arc<str>>, scope: impl Into<Arc<str>>, limit: BudgetAmount) -> Self {
        let zero = match limit {
            BudgetAmount::Usd(_) => BudgetAmount::Usd(0.0),
            BudgetAmount::Tokens(_) => BudgetAmount::Tokens(0),
        };
        BudgetDetails {
            name: name.into(),
            scope: scope.into(),
            limit,
            remaining: zero,
            requested: zero,
            resets_at: SystemTime::UNIX_EPOCH,
        }
    }

    /// With what is left of the budget in its window.
    pub fn with_remaining(mut self, remaining: BudgetAmount) -> Self {
        self.remaining = remaining;
        self
    }

    /// With what the refused call was estimated to need.
    pub fn with_requested(mut self, requested: BudgetAmount) -> Self {
        self.requested = requested;
        self
    }

    /// With the time the budget's window ends (wall clock, UTC).
    pub fn with_resets_at(mut self, resets_at: SystemTime) -> Self {
        self.resets_at = resets_at;
        self
    }

    /// The budget's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Which requests the budget counts (`tenant=acme,model=gpt-4o`), empty
    /// when it counts all.
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// The budget's limit per window.
    pub fn limit(&self) -> BudgetAmount {
        self.limit
    }

    /// What is left of the budget in its current window.
    pub fn remaining(&self) -> BudgetAmount {
        self.remaining
    }

    /// What the refused call was estimated to need.
    pub fn requested(&self) -> BudgetAmount {
        self.requested
    }

    /// When the budget's window ends and it starts again from zero.
    pub fn resets_at(&self) -> SystemTime {
        self.resets_at
    }
}

/// The error of every Mosaic operation.
///
/// Cheap to clone (one allocation shared by clones), so a cache layer can
/// hand one upstream failure to every coalesced waiter. The value itself is
/// one pointer wide; everything else lives behind it.
///
/// An error returned by a router that tried candidates also lists each
/// [`Attempt`] in order ([`Error::attempts`]); its kind, message, provider
/// and status are those of the last failure.
#[derive(Clone)]
pub struct Error {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    kind: ErrorKind,
    message: Cow<'static, str>,
    provider: Option<Cow<'static, str>>,
    status: Option<u16>,
    retry_after: Option<Duration>,
    fields: Vec<FieldError>,
    attempts: Vec<Attempt>,
    budget: Option<Box<BudgetDetails>>,
    source: Option<Source>,
}

impl Error {
    /// An error of `kind` with a human-readable message.
    ///
    /// The message must not contain credentials; pass upstream text through
    /// [`redact`] first when in doubt.
    pub fn new(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Error {
            inner: Arc::new(Inner {
                kind,
                message: message.into(),
                provider: None,
                status: None,
                retry_after: None,
                fields: Vec::new(),
                attempts: Vec::new(),
                budget: None,
                source: None,
            }),
        }
    }

    /// `NotFound` with a message.
    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    /// `Unsupported`: the provider lacks `operation` (an operation name).
    pub fn unsupported(operation: &str) -> Self {
        Self::new(
            ErrorKind::Unsupported,
            format!("operation `{operation}` is not supported by this provider"),
        )
    }

    /// `InvalidInput` naming the offending field.
    pub fn invalid_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        let field = FieldError::new(field, message);
        Self::new(ErrorKind::InvalidInput, format!("invalid input: {field}"))
            .with_fields(vec![field])
    }

    /// `RateLimited`, optionally with the wait the provider asked for.
    pub fn rate_limited(retry_after: Option<Duration>) -> Self {
        let mut e = Self::new(ErrorKind::RateLimited, "rate limit exceeded");
        e.inner_mut().retry_after = retry_after;
        e
    }

    /// `BudgetExceeded`: the budget described by `details` would be
    /// passed. Set [`with_retry_after`](Self::with_retry_after) to the time
    /// until [`BudgetDetails::resets_at`].
    pub fn budget_exceeded(details: BudgetDetails) -> Self {
        let scope = if details.scope.is_empty() {
            String::new()
        } else {
            format!(" ({})", details.scope)
        };
        let message = format!(
            "budget `{}`{scope} exceeded: {} requested, {} of {} left",
            details.name, details.requested, details.remaining, details.limit
        );
        let mut e = Self::new(ErrorKind::BudgetExceeded, message);
        e.inner_mut().budget = Some(Box::new(details));
        e
    }

    /// `Timeout` with a message.
    pub fn timeout(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Timeout, message)
    }

    /// `Unavailable` with a message.
    pub fn unavailable(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Unavailable, message)
    }

    /// `Conflict` with a message.
    pub fn conflict(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }

    /// `Internal` with a message.
    pub fn internal(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    /// `Config` with a message.
    pub fn config(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Config, message)
    }

    /// `Decode`: an upstream body could not be parsed. `place` says where
    /// (a JSON path or field), `source` is the parser's error.
    pub fn decode(place: impl fmt::Display, source: impl StdError + Send + Sync + 'static) -> Self {
        Self::new(
            ErrorKind::Decode,
            format!("could not decode response at {place}"),
        )
        .with_source(source)
    }

    fn inner_mut(&mut self) -> &mut Inner {
        Arc::make_mut(&mut self.inner)
    }

    /// Record which provider the error came from (e.g. `"github"`).
    pub fn with_provider(mut self, provider: impl Into<Cow<'static, str>>) -> Self {
        self.inner_mut().provider = Some(provider.into());
        self
    }

    /// Record `provider` as the error's source unless one is recorded
    /// already (what [`GitService::named`](crate::git::GitService::named)
    /// and the other families' `named` services do for every error).
    pub fn or_provider(self, provider: impl Into<Cow<'static, str>>) -> Self {
        if self.provider().is_some() {
            self
        } else {
            self.with_provider(provider)
        }
    }

    /// Record the upstream HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.inner_mut().status = Some(status);
        self
    }

    /// Record how long the provider asked the caller to wait.
    pub fn with_retry_after(mut self, retry_after: Duration) -> Self {
        self.inner_mut().retry_after = Some(retry_after);
        self
    }

    /// Attach field-level errors (validation, HTTP 422).
    pub fn with_fields(mut self, fields: Vec<FieldError>) -> Self {
        self.inner_mut().fields = fields;
        self
    }

    /// Attach the provider calls that failed on the way to this error, in
    /// the order they were made (replacing any attached before).
    ///
    /// A router attaches them; see [`Error::attempts`].
    pub fn with_attempts(mut self, attempts: Vec<Attempt>) -> Self {
        self.inner_mut().attempts = attempts;
        self
    }

    /// Attach the underlying cause.
    pub fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.inner_mut().source = Some(Arc::new(source));
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The human-readable message (without provider or status).
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The provider the error came from, when known.
    pub fn provider(&self) -> Option<&str> {
        self.inner.provider.as_deref()
    }

    /// The upstream HTTP status, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// How long to wait before trying again, when the provider said.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// The first rejected field, for `InvalidInput`.
    pub fn field(&self) -> Option<&str> {
        self.inner.fields.first().map(|f| f.field.as_str())
    }

    /// Every rejected field.
    pub fn fields(&self) -> &[FieldError] {
        &self.inner.fields
    }

    /// The provider calls that failed on the way to this error, in the
    /// order they were made; empty unless a router produced the error.
    ///
    /// `mosaic_router::Router` lists every candidate it tried — one entry
    /// when only one was tried — and not those it skipped. The last entry
    /// is the failure this error describes.
    pub fn attempts(&self) -> &[Attempt] {
        &self.inner.attempts
    }

    /// Which budget refused the call and how it stands, for
    /// [`ErrorKind::BudgetExceeded`].
    pub fn budget(&self) -> Option<&BudgetDetails> {
        self.inner.budget.as_deref()
    }

    /// Whether trying again may succeed; see [`ErrorKind::is_retryable`].
    pub fn is_retryable(&self) -> bool {
        self.inner.kind.is_retryable()
    }

    /// Whether the caller sent something wrong; see [`ErrorKind::is_client_error`].
    pub fn is_client_error(&self) -> bool {
        self.inner.kind.is_client_error()
    }

    /// `kind() == NotFound`.
    pub fn is_not_found(&self) -> bool {
        self.inner.kind == ErrorKind::NotFound
    }

    /// `kind() == Unsupported`.
    pub fn is_unsupported(&self) -> bool {
        self.inner.kind == ErrorKind::Unsupported
    }

    /// `kind() == RateLimited`.
    pub fn is_rate_limited(&self) -> bool {
        self.inner.kind == ErrorKind::RateLimited
    }

    /// `kind() == Timeout`.
    pub fn is_timeout(&self) -> bool {
        self.inner.kind == ErrorKind::Timeout
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        if let Some(p) = &i.provider {
            write!(f, "{p}: ")?;
        }
        write!(f, "{}", i.message)?;
        if let Some(s) = i.status {
            write!(f, " (HTTP {s})")?;
        }
        if let Some(r) = i.retry_after {
            write!(f, " (retry after {:.3}s)", r.as_secs_f64())?;
        }
        // One attempt is the error itself; more are summarised.
        if i.attempts.len() > 1 {
            write!(f, "; all {} attempts failed: ", i.attempts.len())?;
            for (n, a) in i.attempts.iter().enumerate() {
                if n > 0 {
                    f.write_str("; ")?;
                }
                write!(f, "{a}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        let mut d = f.debug_struct("Error");
        d.field("kind", &i.kind).field("message", &i.message);
        if let Some(p) = &i.provider {
            d.field("provider", p);
        }
        if let Some(s) = i.status {
            d.field("status", &s);
        }
        if let Some(r) = i.retry_after {
            d.field("retry_after", &r);
        }
        if !i.fields.is_empty() {
            d.field("fields", &i.fields);
        }
        if !i.attempts.is_empty() {
            d.field("attempts", &i.attempts);
        }
        if let Some(b) = &i.budget {
            d.field("budget", b);
        }
        if let Some(s) = &i.source {
            d.field("source", &format_args!("{s}"));
        }
        d.finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_ref()
            .map(|s| s.as_ref() as &(dyn StdError + 'static))
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error::new(kind, kind.as_str())
    }
}

/// Replace anything that looks like a credential in `text` with `[REDACTED]`.
///
/// Covers `Authorization`-style values (`Bearer …`, `token …`, `Basic …`),
/// query parameters named like secrets (`access_token=`, `private_token=`,
/// `api_key=`, `key=`, `token=`, `password=`, `secret=`), well-known
/// token prefixes (`ghp_`, `gho_`, `ghs_`, `github_pat_`, `glpat-`, `sk-`,
/// `xoxb-`), and the values of credential-carrying headers echoed back by a
/// server (`Authorization`, `Proxy-Authorization`, `Private-Token`,
/// `X-API-Key`, `API-Key`, `X-Auth-Token`, `Cookie`, `Set-Cookie`, …) in any
/// case, with `:` or `=`, quoted or not (`"x-api-key":"…"`); JSON keys
/// `"token"`, `"password"` and `"secret"` count when quoted. An unquoted
/// header value after `:` runs to the end of its line, so all of it goes.
/// Use it on upstream text before it goes into an [`Error`] message.
///
/// Runs in time linear in `text` and never panics, whatever the input.
pub fn redact(text: &str) -> String {
    const SCHEMES: &[&str] = &["bearer ", "token ", "basic "];
    const PARAMS: &[&str] = &[
        "access_token=",
        "private_token=",
        "api_key=",
        "apikey=",
        "key=",
        "token=",
        "password=",
        "secret=",
    ];
    const PREFIXES: &[&str] = &[
        "ghp_",
        "gho_",
        "ghs_",
        "ghu_",
        "github_pat_",
        "glpat-",
        "sk-",
        "xoxb-",
    ];

    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let is_token_char = |b: u8| {
        b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'+' | b'/' | b'=')
    };
    while i < text.len() {
        if let Some(v) = header_value(lower.as_bytes(), i) {
            out.push_str(&text[i..v.start]);
            if v.end > v.start {
                out.push_str("[REDACTED]");
            }
            i = v.end;
            continue;
        }
        let rest = &lower[i..];
        let at_word_start = i == 0 || !is_token_char(bytes[i - 1]);
        let skip = SCHEMES
            .iter()
            .chain(PARAMS.iter())
            .find(|p| rest.starts_with(*p) && (at_word_start || p.ends_with('=')))
            .map(|p| p.len())
            .or_else(|| {
                PREFIXES
                    .iter()
                    .find(|p| at_word_start && rest.starts_with(*p))
                    .map(|_| 0)
            });
        match skip {
            // `token x-api-key: …`: the header's value is the credential,
            // so leave the name to the header rule on the next turn.
            Some(keep) if keep > 0 && header_value(lower.as_bytes(), i + keep).is_some() => {
                out.push_str(&text[i..i + keep]);
                i += keep;
            }
            Some(keep) => {
                out.push_str(&text[i..i + keep]);
                let start = i + keep;
                let mut j = start;
                while j < text.len() && is_token_char(bytes[j]) {
                    j += 1;
                }
                if j > start {
                    out.push_str("[REDACTED]");
                }
                // A scheme or parameter match consumes at least its own
                // prefix; a token prefix consumes at least the prefix chars.
                i = j;
            }
            None => {
                let ch = text[i..].chars().next().unwrap_or(' ');
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    out
}

/// Where a credential-carrying header's value lies: `start..end` is to be
/// redacted (empty when there is no value); `start` is past the name, the
/// separator, any opening quote and a kept authorization scheme.
struct HeaderValue {
    start: usize,
    end: usize,
}

/// The value of a credential header named at `i` of `lower` (the input,
/// ASCII-lowercased), if one is named there. `-` and `_` in a name match
/// each other. Every index returned is at an ASCII byte or the end, so it is
/// a char boundary of the input.
fn header_value(lower: &[u8], i: usize) -> Option<HeaderValue> {
    /// Header names whose value is a credential.
    const HEADERS: &[&str] = &[
        "proxy-authorization",
        "authorization",
        "private-token",
        "x-api-key",
        "x-goog-api-key",
        "api-key",
        "apikey",
        "x-auth-token",
        "x-access-token",
        "x-gitlab-token",
        "access-token",
        "refresh-token",
        "client-secret",
        "set-cookie",
        "cookie",
    ];
    /// Names that count only as quoted keys (`"token": "…"`): bare, they
    /// are ordinary words.
    const QUOTED_KEYS: &[&str] = &["token", "password", "secret"];
    /// Schemes kept in front of a redacted `Authorization` credential.
    const AUTH_SCHEMES: &[&str] = &[
        "bearer",
        "basic",
        "token",
        "digest",
        "bot",
        "negotiate",
        "ntlm",
    ];
    let is_name_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    let is_quote = |b: u8| b == b'"' || b == b'\'';
    let at = |j: usize| lower.get(j).copied();
    let name_matches = |name: &str| {
        let n = name.as_bytes();
        lower.len() >= i + n.len()
            && lower[i..i + n.len()]
                .iter()
                .zip(n)
                .all(|(t, c)| t == c || (*c == b'-' && *t == b'_'))
            && !at(i + n.len()).is_some_and(is_name_byte)
    };
    let prev = i.checked_sub(1).and_then(at);
    if prev.is_some_and(is_name_byte) {
        return None;
    }
    let (name, authorization) = if let Some(h) = HEADERS.iter().find(|h| name_matches(h)) {
        (*h, h.ends_with("authorization"))
    } else if prev.is_some_and(is_quote) {
        (*QUOTED_KEYS.iter().find(|k| name_matches(k))?, false)
    } else {
        return None;
    };
    let quoted_name = prev.is_some_and(is_quote);
    let mut j = i + name.len();
    // The name's closing quote, possibly escaped (`\"` inside a string).
    if at(j) == Some(b'\\') && at(j + 1).is_some_and(is_quote) {
        j += 2;
    } else if at(j).is_some_and(is_quote) {
        j += 1;
    } else if quoted_name && QUOTED_KEYS.contains(&name) {
        return None;
    }
    let skip_blanks = |mut j: usize| {
        let limit = j + 8;
        while j < limit && matches!(at(j), Some(b' ' | b'\t')) {
            j += 1;
        }
        j
    };
    j = skip_blanks(j);
    let separator = at(j).filter(|b| *b == b':' || *b == b'=')?;
    j = skip_blanks(j + 1);
    // An opening quote, possibly escaped.
    let mut quote = None;
    let mut escaped_quote = false;
    if at(j) == Some(b'\\') && at(j + 1).is_some_and(is_quote) {
        quote = at(j + 1);
        escaped_quote = true;
        j += 2;
    } else if at(j).is_some_and(is_quote) {
        quote = at(j);
        j += 1;
    }
    // Keep a known authorization scheme (`Bearer `) in front.
    if authorization {
        let word_end = j + lower[j.min(lower.len())..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if at(word_end) == Some(b' ')
            && AUTH_SCHEMES
                .iter()
                .any(|s| s.as_bytes() == &lower[j..word_end])
        {
            j = word_end;
            while at(j) == Some(b' ') {
                j += 1;
            }
        }
    }
    let start = j;
    let line_end = |b: u8, next: Option<u8>| {
        b == b'\n' || b == b'\r' || (b == b'\\' && matches!(next, Some(b'n' | b'r')))
    };
    while let Some(b) = at(j) {
        let next = at(j + 1);
        let stop = match quote {
            Some(q) if escaped_quote => (b == b'\\' && next == Some(q)) || line_end(b, next),
            Some(q) => {
                if b == b'\\' && next.is_some_and(|n| n != b'n' && n != b'r') {
                    // An escaped character inside the quoted value.
                    j = (j + 2).min(lower.len());
                    // Land on a char boundary: step over UTF-8 continuations.
                    while at(j).is_some_and(|c| c & 0xC0 == 0x80) {
                        j += 1;
                    }
                    continue;
                }
                b == q || line_end(b, next)
            }
            None if separator == b'=' => {
                b.is_ascii_whitespace()
                    || matches!(
                        b,
                        b'&' | b';'
                            | b','
                            | b'"'
                            | b'\''
                            | b'<'
                            | b'>'
                            | b')'
                            | b']'
                            | b'}'
                            | b'\\'
                    )
            }
            None => line_end(b, next) || (b == b'\\' && next.is_some_and(is_quote)),
        };
        if stop {
            break;
        }
        j += 1;
    }
    Some(HeaderValue { start, end: j })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_table() {
        let retryable: Vec<_> = ErrorKind::ALL
            .iter()
            .filter(|k| k.is_retryable())
            .copied()
            .collect();
        assert_eq!(
            retryable,
            [
                ErrorKind::RateLimited,
                ErrorKind::Timeout,
                ErrorKind::Unavailable,
                ErrorKind::CircuitOpen
            ]
        );
        for k in ErrorKind::ALL {
            assert!(
                !(k.is_retryable() && k.is_client_error()),
                "{k} is both retryable and a client error"
            );
            assert_eq!(Error::from(*k).kind(), *k);
            assert_eq!(Error::from(*k).is_retryable(), k.is_retryable());
        }
        let names: std::collections::HashSet<_> =
            ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), ErrorKind::ALL.len());
    }

    #[test]
    fn builder_fields_and_display() {
        let e = Error::rate_limited(Some(Duration::from_secs(3)))
            .with_provider("github")
            .with_status(429);
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        assert_eq!(e.provider(), Some("github"));
        assert_eq!(e.status(), Some(429));
        assert!(e.is_retryable());
        assert_eq!(
            e.to_string(),
            "github: rate limit exceeded (HTTP 429) (retry after 3.000s)"
        );

        let e = Error::invalid_input("name", "must not be empty");
        assert_eq!(e.field(), Some("name"));
        assert!(!e.is_retryable());
        assert!(e.to_string().contains("name: must not be empty"));
    }

    #[test]
    fn error_stays_one_pointer_wide() {
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
        assert_eq!(
            std::mem::size_of::<Result<()>>(),
            std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn attempts_are_kept_in_order_and_summarised() {
        let e = Error::unavailable("overloaded")
            .with_provider("anthropic")
            .with_status(503);
        assert!(e.attempts().is_empty());
        assert!(!format!("{e:?}").contains("attempts"));

        let attempts = vec![
            Attempt::from_error(
                "openai",
                &Error::rate_limited(Some(Duration::from_secs(2))).with_status(429),
            ),
            Attempt::new("local", ErrorKind::Timeout, "deadline")
                .with_retry_after(Duration::from_millis(1500)),
            Attempt::from_error("anthropic", &e),
        ];
        let e = e.with_attempts(attempts.clone());
        assert_eq!(e.attempts(), &attempts[..]);
        assert_eq!(e.kind(), ErrorKind::Unavailable);
        assert_eq!(e.attempts()[0].kind(), ErrorKind::RateLimited);
        assert_eq!(e.attempts()[0].status(), Some(429));
        assert_eq!(e.attempts()[0].message(), "rate limit exceeded");
        assert_eq!(e.attempts()[2].message(), "overloaded");
        assert_eq!(
            e.to_string(),
            "anthropic: overloaded (HTTP 503); all 3 attempts failed: \
             openai: rate_limited (HTTP 429, retry after 2s); \
             local: timeout (retry after 1500ms); anthropic: unavailable (HTTP 503)"
        );
        assert!(format!("{e:?}").contains("attempts"));

        // One attempt is the error itself: no summary.
        let one = Error::timeout("slow").with_attempts(vec![Attempt::new(
            "a",
            ErrorKind::Timeout,
            "slow",
        )]);
        assert_eq!(one.to_string(), "slow");
        assert_eq!(one.attempts().len(), 1);
    }

    #[test]
    fn attempt_messages_are_short() {
        let long = "é".repeat(400);
        let a = Attempt::new("p", ErrorKind::Provider, long.clone());
        assert!(
            a.message().len() <= Attempt::MAX_MESSAGE_LEN,
            "{}",
            a.message().len()
        );
        assert!(a.message().ends_with('…'));
        assert!(long.starts_with(a.message().trim_end_matches('…')));
        let fits = Attempt::new("p", ErrorKind::Provider, "short");
        assert_eq!(fits.message(), "short");
        assert_eq!(fits.to_string(), "p: provider");
    }

    #[test]
    fn budget_exceeded_carries_its_details() {
        let resets = SystemTime::UNIX_EPOCH + Duration::from_secs(86_400);
        let e = Error::budget_exceeded(
            BudgetDetails::new("minute", "", BudgetAmount::Tokens(1000))
                .with_remaining(BudgetAmount::Tokens(10))
                .with_requested(BudgetAmount::Tokens(300))
                .with_resets_at(resets),
        )
        .with_retry_after(Duration::from_secs(30));
        assert_eq!(e.kind(), ErrorKind::BudgetExceeded);
        assert!(!e.is_retryable() && e.is_client_error());
        assert_eq!(e.retry_after(), Some(Duration::from_secs(30)));
        let b = e.budget().unwrap();
        assert_eq!(b.limit(), BudgetAmount::Tokens(1000));
        assert_eq!(b.requested(), BudgetAmount::Tokens(300));
        assert_eq!(b.resets_at(), resets);
        assert_eq!(
            e.to_string(),
            "budget `minute` exceeded: 300 tokens requested, 10 tokens of 1000 tokens left (retry after 30.000s)"
        );
        assert!(format!("{e:?}").contains("budget"));
        assert!(Error::unavailable("x").budget().is_none());
        // a fresh detail has nothing remaining or requested, in the limit's unit
        let d = BudgetDetails::new("d", "tenant=a", BudgetAmount::Usd(5.0));
        assert_eq!(d.remaining(), BudgetAmount::Usd(0.0));
        assert_eq!(d.requested(), BudgetAmount::Usd(0.0));
    }

    #[test]
    fn clone_shares_and_mutation_copies() {
        let a = Error::unavailable("down");
        let b = a.clone().with_provider("gitea");
        assert_eq!(a.provider(), None);
        assert_eq!(b.provider(), Some("gitea"));
    }

    #[test]
    fn redact_strips_credentials() {
        let cases = [
            (
                "Authorization: Bearer abc.def-123",
                "Authorization: Bearer [REDACTED]",
            ),
            (
                "GET /x?private_token=glpat-xyz&page=2",
                "GET /x?private_token=[REDACTED]&page=2",
            ),
            (
                "bad token ghp_AAAAbbbb1234 given",
                "bad token [REDACTED] given",
            ),
            ("key sk-proj-123 rejected", "key [REDACTED] rejected"),
            ("nothing secret here", "nothing secret here"),
            ("unicode ✓ stays", "unicode ✓ stays"),
        ];
        for (input, want) in cases {
            assert_eq!(redact(input), want, "input: {input}");
        }
    }

    #[test]
    fn debug_never_shows_source_secrets_unredacted_message() {
        let e = Error::new(
            ErrorKind::Unauthenticated,
            redact("token ghp_secret123 invalid"),
        );
        let dbg = format!("{e:?}");
        assert!(!dbg.contains("ghp_secret123"), "{dbg}");
    }

    #[test]
    fn redact_strips_echoed_credential_headers() {
        let cases = [
            ("private-token: glpat-abc123", "private-token: [REDACTED]"),
            ("PRIVATE-TOKEN: abc123def", "PRIVATE-TOKEN: [REDACTED]"),
            (
                "X-Api-Key: k3y-value\nnext: line",
                "X-Api-Key: [REDACTED]\nnext: line",
            ),
            ("api-key=abc123&page=2", "api-key=[REDACTED]&page=2"),
            ("x-auth-token:abc123", "x-auth-token:[REDACTED]"),
            (
                r#"{"x-api-key":"abc123","accept":"*/*"}"#,
                r#"{"x-api-key":"[REDACTED]","accept":"*/*"}"#,
            ),
            (
                r#"{"authorization": "Bearer abc123"}"#,
                r#"{"authorization": "Bearer [REDACTED]"}"#,
            ),
            (
                "'Proxy-Authorization': 'Basic dXNlcjpwYXNz'",
                "'Proxy-Authorization': 'Basic [REDACTED]'",
            ),
            ("authorization: abc123", "authorization: [REDACTED]"),
            (
                "Authorization: AWS4-HMAC-SHA256 Credential=x/y, Signature=z",
                "Authorization: [REDACTED]",
            ),
            ("cookie: session=abc; csrf=def", "cookie: [REDACTED]"),
            ("Set-Cookie: id=abc; HttpOnly", "Set-Cookie: [REDACTED]"),
            (
                r#"{"token":"abc123","password": "hunter2"}"#,
                r#"{"token":"[REDACTED]","password": "[REDACTED]"}"#,
            ),
            (
                r#"body: "{\"x-api-key\":\"abc123\"}""#,
                r#"body: "{\"x-api-key\":\"[REDACTED]\"}""#,
            ),
            (r#""cookie": "a=\"b c\"; d""#, r#""cookie": "[REDACTED]""#),
            (
                "header x-api-key: é✓ secret",
                "header x-api-key: [REDACTED]",
            ),
            // bare words and look-alikes stay
            ("the token: expired", "the token: expired"),
            ("authorization failed", "authorization failed"),
            ("my-cookie: x", "my-cookie: x"),
            ("authorization_code=abc", "authorization_code=abc"),
            ("x-api-keys: none", "x-api-keys: none"),
            // a scheme word before a header does not swallow its name
            ("token x-api-key: abc123", "token x-api-key: [REDACTED]"),
        ];
        for (input, want) in cases {
            assert_eq!(redact(input), want, "input: {input}");
        }
    }

    #[test]
    fn redact_is_linear_on_adversarial_input() {
        // Quadratic scanning would take minutes on these.
        let many = "authorization:".repeat(20_000);
        assert!(redact(&many).len() <= many.len() + 20);
        let blanks = format!("x-api-key{}", " ".repeat(200_000));
        assert_eq!(redact(&blanks), blanks);
        let quotes = "\"token\"".repeat(30_000);
        assert_eq!(redact(&quotes), quotes);
        let open = format!("\"x-api-key\": \"{}", "\\x".repeat(100_000));
        assert_eq!(redact(&open), "\"x-api-key\": \"[REDACTED]");
    }

    use proptest::prelude::*;

    proptest! {
        #[test]
        fn redact_removes_embedded_secrets(
            secret in "[A-Za-z0-9][A-Za-z0-9._-]{7,39}",
            template in prop::sample::select(vec![
                "x-api-key: {}",
                "X-API-KEY={}",
                "X-Api-Key:{}",
                "\"x-api-key\":\"{}\"",
                "\"private-token\":\"{}\"",
                "PRIVATE-TOKEN: {}",
                "'api-key': '{}'",
                "api_key={}",
                "x-auth-token: \"{}\"",
                "Authorization: Bearer {}",
                "authorization: token {}",
                "Authorization: {}",
                "\"Authorization\": \"Basic {}\"",
                "proxy-authorization: Bearer {}",
                "?access_token={}&",
                "?private_token={}&page=2",
                "cookie: session={}",
                "Set-Cookie: id={}; Path=/",
                "{\"token\": \"{}\"}",
                "Bearer {}",
            ]),
            before in "[a-zA-Z0-9 ,.;:!()\n\"'=&é✓-]{0,30}",
            after in "[a-zA-Z0-9 ,.;:!()\n\"'=&é✓-]{0,30}",
        ) {
            let text = format!("{before} {} {after}", template.replace("{}", &secret));
            let out = redact(&text);
            prop_assert!(!out.contains(&secret), "{:?} -> {:?}", text, out);
            prop_assert!(out.contains("[REDACTED]"));
        }

        #[test]
        fn redact_never_panics(text in any::<String>()) {
            let _ = redact(&text);
        }

        #[test]
        fn redact_never_panics_near_names(
            parts in prop::collection::vec(
                prop::sample::select(vec![
                    "authorization", "x-api-key", "\"token\"", "cookie", "bearer ", "token ",
                    "key=", ":", "=", " ", "\"", "'", "\\", "\\\"", "\\n", "\n", "é", "✓", "🔑",
                    "a", "Z", "-", "_",
                ]),
                0..40,
            ),
        ) {
            let text: String = parts.concat();
            let out = redact(&text);
            // Only credentials change; what is not a header stays.
            if !out.contains("[REDACTED]") {
                prop_assert_eq!(out, text);
            }
        }
    }
}
