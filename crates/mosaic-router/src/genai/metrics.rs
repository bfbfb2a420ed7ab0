//! Metric names and handles, registered once per request and response model.

use std::sync::{Arc, OnceLock};

use arc_swap::ArcSwap;
use metrics::{Histogram, SharedString, Unit};
use parking_lot::Mutex;

use super::Shared;

const TOKEN_USAGE: &str = "gen_ai.client.token.usage";
const DURATION: &str = "gen_ai.client.operation.duration";
const TIME_TO_FIRST_CHUNK: &str = "gen_ai.client.operation.time_to_first_chunk";
const TIME_PER_OUTPUT_CHUNK: &str = "gen_ai.client.operation.time_per_output_chunk";

/// Request models (per operation) whose handles one layer keeps; calls to
/// further models register their handles on each call.
const MAX_REQUEST_MODELS: usize = 64;
/// Response models kept per request model.
const MAX_RESPONSE_MODELS: usize = 16;

/// Describe the GenAI metrics (units and descriptions) to the installed
/// recorder. Call it once after installing the recorder; recording works
/// without it.
pub fn describe_metrics() {
    // `metrics` has no `{token}` unit; a token count is a count.
    metrics::describe_histogram!(
        TOKEN_USAGE,
        Unit::Count,
        "Number of input and output tokens used."
    );
    metrics::describe_histogram!(DURATION, Unit::Seconds, "GenAI operation duration.");
    metrics::describe_histogram!(
        TIME_TO_FIRST_CHUNK,
        Unit::Seconds,
        "Time from issuing a streamed request to receiving its first chunk."
    );
    metrics::describe_histogram!(
        TIME_PER_OUTPUT_CHUNK,
        Unit::Seconds,
        "Time between consecutive chunks of a streamed response."
    );
}

/// A copy-on-write list: lock-free reads, a lock only to add an entry.
struct CowList<T> {
    entries: ArcSwap<Vec<Arc<T>>>,
    insert: Mutex<()>,
}

impl<T> Default for CowList<T> {
    fn default() -> Self {
        CowList {
            entries: ArcSwap::from_pointee(Vec::new()),
            insert: Mutex::new(()),
        }
    }
}

impl<T> CowList<T> {
    /// The entry `matches` finds, else `make`'s, kept while fewer than
    /// `cap` are.
    fn get_or_insert(
        &self,
        cap: usize,
        matches: impl Fn(&T) -> bool,
        make: impl FnOnce() -> T,
    ) -> Arc<T> {
        if let Some(e) = self.entries.load().iter().find(|e| matches(e)) {
            return e.clone();
        }
        let _guard = self.insert.lock();
        let current = self.entries.load_full();
        if let Some(e) = current.iter().find(|e| matches(e)) {
            return e.clone();
        }
        let entry = Arc::new(make());
        if current.len() < cap {
            let mut next = Vec::with_capacity(current.len() + 1);
            next.extend(current.iter().cloned());
            next.push(entry.clone());
            self.entries.store(Arc::new(next));
        }
        entry
    }
}

/// The handles of one layer, per operation and request model.
#[derive(Default)]
pub(crate) struct HandleCache {
    models: CowList<ModelHandles>,
}

impl HandleCache {
    /// The handles of `operation` on `request_model`.
    pub(crate) fn get(&self, operation: &'static str, request_model: &str) -> Arc<ModelHandles> {
        self.models.get_or_insert(
            MAX_REQUEST_MODELS,
            |m| m.operation == operation && &*m.request_model == request_model,
            || ModelHandles {
                operation,
                request_model: request_model.into(),
                responses: CowList::default(),
            },
        )
    }
}

/// The handles of one operation on one request model.
pub(crate) struct ModelHandles {
    operation: &'static str,
    pub(crate) request_model: Arc<str>,
    responses: CowList<ResponseHandles>,
}

impl ModelHandles {
    /// The handles of successful calls answered by `response_model`.
    pub(crate) fn response(&self, response_model: &str, shared: &Shared) -> Arc<ResponseHandles> {
        self.responses.get_or_insert(
            MAX_RESPONSE_MODELS,
            |r| &*r.response_model == response_model,
            || ResponseHandles {
                operation: self.operation,
                provider: provider_label(shared, None),
                request_model: self.request_model.clone(),
                response_model: response_model.into(),
                input_tokens: OnceLock::new(),
                output_tokens: OnceLock::new(),
                duration: OnceLock::new(),
                time_to_first_chunk: OnceLock::new(),
                time_per_output_chunk: OnceLock::new(),
            },
        )
    }

    /// Record the duration of a failed call (labels vary with the error,
    /// so this registers on each call, as failures are the rare path).
    pub(crate) fn record_failure(
        &self,
        shared: &Shared,
        provider: Option<&str>,
        response_model: &str,
        error_type: &'static str,
        secs: f64,
    ) {
        metrics::histogram!(
            DURATION,
            "gen_ai.operation.name" => self.operation,
            "gen_ai.provider.name" => provider_label(shared, provider),
            "gen_ai.request.model" => self.request_model.clone(),
            "gen_ai.response.model" => response_model.to_owned(),
            "error.type" => error_type
        )
        .record(secs);
    }
}

/// The layer's provider, else `fallback`, else empty.
fn provider_label(shared: &Shared, fallback: Option<&str>) -> SharedString {
    match (&shared.provider, fallback) {
        (Some(p), _) => p.clone().into(),
        (None, Some(p)) => p.to_owned().into(),
        (None, None) => SharedString::const_str(""),
    }
}

/// Metric handles sharing one label set, each registered on first use.
pub(crate) struct ResponseHandles {
    operation: &'static str,
    provider: SharedString,
    request_model: Arc<str>,
    response_model: Arc<str>,
    input_tokens: OnceLock<Histogram>,
    output_tokens: OnceLock<Histogram>,
    duration: OnceLock<Histogram>,
    time_to_first_chunk: OnceLock<Histogram>,
    time_per_output_chunk: OnceLock<Histogram>,
}

impl ResponseHandles {
    fn timing(&self, name: &'static str) -> Histogram {
        metrics::histogram!(
            name,
            "gen_ai.operation.name" => self.operation,
            "gen_ai.provider.name" => self.provider.clone(),
            "gen_ai.request.model" => self.request_model.clone(),
            "gen_ai.response.model" => self.response_model.clone()
        )
    }

    fn tokens(&self, token_type: &'static str) -> Histogram {
        metrics::histogram!(
            TOKEN_USAGE,
            "gen_ai.operation.name" => self.operation,
            "gen_ai.provider.name" => self.provider.clone(),
            "gen_ai.request.model" => self.request_model.clone(),
            "gen_ai.response.model" => self.response_model.clone(),
            "gen_ai.token.type" => token_type
        )
    }

    /// `gen_ai.client.token.usage`, input tokens.
    pub(crate) fn input_tokens(&self) -> &Histogram {
        self.input_tokens.get_or_init(|| self.tokens("input"))
    }

    /// `gen_ai.client.token.usage`, output tokens.
    pub(crate) fn output_tokens(&self) -> &Histogram {
        self.output_tokens.get_or_init(|| self.tokens("output"))
    }

    /// `gen_ai.client.operation.duration` of successful calls.
    pub(crate) fn duration(&self) -> &Histogram {
        self.duration.get_or_init(|| self.timing(DURATION))
    }

    /// `gen_ai.client.operation.time_to_first_chunk`.
    pub(crate) fn time_to_first_chunk(&self) -> &Histogram {
        self.time_to_first_chunk
            .get_or_init(|| self.timing(TIME_TO_FIRST_CHUNK))
    }

    /// `gen_ai.client.operation.time_per_output_chunk`.
    pub(crate) fn time_per_output_chunk(&self) -> &Histogram {
        self.time_per_output_chunk
            .get_or_init(|| self.timing(TIME_PER_OUTPUT_CHUNK))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_kept_per_model_up_to_the_cap() {
        let cache = HandleCache::default();
        let a = cache.get("chat", "gpt-4o");
        assert!(Arc::ptr_eq(&a, &cache.get("chat", "gpt-4o")));
        assert!(!Arc::ptr_eq(&a, &cache.get("embeddings", "gpt-4o")));
        for i in 0..MAX_REQUEST_MODELS {
            cache.get("chat", &format!("m{i}"));
        }
        assert_eq!(cache.models.entries.load().len(), MAX_REQUEST_MODELS);
        // Past the cap: correct handles, not kept.
        let extra = cache.get("chat", "one-too-many");
        assert_eq!(&*extra.request_model, "one-too-many");
        assert!(!Arc::ptr_eq(&extra, &cache.get("chat", "one-too-many")));
    }
}
