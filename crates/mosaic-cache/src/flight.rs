//! Coalescing: concurrent misses for one key share one upstream call.
//!
//! The first caller to miss becomes the *leader* and registers a flight;
//! callers that miss the same key while it is in the air *join* it and wait
//! for its outcome. A flight is only joined if no tag of the key was
//! invalidated since it started (its generations match), so a read that
//! starts after a write never receives an answer fetched before it. If the
//! leader is cancelled, its flight disappears and the waiting callers start
//! over (one of them leads the next flight).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use mosaic_core::{Error, Response, Result};
use parking_lot::Mutex;
use tokio::sync::watch;

use crate::entry::Generations;
use crate::key::{CacheKey, PassThroughBuild};

/// What a flight hands to the callers that joined it.
pub(crate) enum Outcome<P> {
    Value(Arc<Mutex<P>>),
    Error(Error),
}

impl<P> Clone for Outcome<P> {
    fn clone(&self) -> Self {
        match self {
            Outcome::Value(v) => Outcome::Value(v.clone()),
            Outcome::Error(e) => Outcome::Error(e.clone()),
        }
    }
}

type Slot<P> = Option<Outcome<P>>;

struct Flight<P> {
    id: u64,
    generations: Generations,
    receiver: watch::Receiver<Slot<P>>,
}

/// The flights in the air, by key.
pub(crate) struct Flights<P> {
    map: Mutex<HashMap<CacheKey, Flight<P>, PassThroughBuild>>,
    next_id: AtomicU64,
}

/// The role of a caller that missed.
pub(crate) enum Role<P> {
    /// Make the upstream call and publish its outcome.
    Lead(Leader<P>),
    /// Wait for the leader's outcome.
    Join(watch::Receiver<Slot<P>>),
}

impl<P> Flights<P> {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Flights {
            map: Mutex::new(HashMap::default()),
            next_id: AtomicU64::new(1),
        })
    }

    /// Whether a flight for `key` is in the air.
    pub(crate) fn contains(&self, key: &CacheKey) -> bool {
        self.map.lock().contains_key(key)
    }

    /// Join the flight for `key` if one started under `generations`, or
    /// lead a new one.
    pub(crate) fn join_or_lead(
        self: &Arc<Self>,
        key: &CacheKey,
        generations: Generations,
    ) -> Role<P> {
        let mut map = self.map.lock();
        if let Some(f) = map.get(key)
            && f.generations == generations
        {
            return Role::Join(f.receiver.clone());
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (sender, receiver) = watch::channel(None);
        map.insert(
            key.clone(),
            Flight {
                id,
                generations: generations.clone(),
                receiver,
            },
        );
        Role::Lead(Leader {
            flights: self.clone(),
            key: key.clone(),
            id,
            generations,
            sender: Some(sender),
        })
    }

    fn remove(&self, key: &CacheKey, id: u64) {
        let mut map = self.map.lock();
        if map.get(key).is_some_and(|f| f.id == id) {
            map.remove(key);
        }
    }
}

/// The caller that makes a flight's upstream call. Dropping it without
/// publishing (cancellation) ends the flight; its waiters start over.
pub(crate) struct Leader<P> {
    flights: Arc<Flights<P>>,
    key: CacheKey,
    id: u64,
    generations: Generations,
    sender: Option<watch::Sender<Slot<P>>>,
}

impl<P: Response> Leader<P> {
    /// The memory tier's generations when the flight started.
    pub(crate) fn generations(&self) -> &Generations {
        &self.generations
    }

    /// End the flight and hand `result` to the callers that joined it.
    ///
    /// A value that cannot be copied is not handed out: the waiters then
    /// start over and make their own calls.
    pub(crate) fn publish(mut self, result: &Result<P>) {
        self.flights.remove(&self.key, self.id);
        let Some(sender) = self.sender.take() else {
            return;
        };
        if sender.receiver_count() == 0 {
            return;
        }
        let outcome = match result {
            Ok(v) => match v.try_clone() {
                Some(copy) => Outcome::Value(Arc::new(Mutex::new(copy))),
                None => return,
            },
            Err(e) => Outcome::Error(e.clone()),
        };
        let _ = sender.send(Some(outcome));
    }
}

impl<P> Drop for Leader<P> {
    fn drop(&mut self) {
        if self.sender.is_some() {
            self.flights.remove(&self.key, self.id);
        }
    }
}

/// Wait for a flight's outcome: `None` when it ended without one.
pub(crate) async fn wait<P: Response>(mut receiver: watch::Receiver<Slot<P>>) -> Option<Result<P>> {
    let outcome = {
        let slot = receiver.wait_for(Option::is_some).await.ok()?;
        slot.as_ref()?.clone()
    };
    match outcome {
        Outcome::Value(v) => v.lock().try_clone().map(Ok),
        Outcome::Error(e) => Some(Err(e)),
    }
}
