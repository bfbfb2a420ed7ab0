//! # mosaic-testing
//!
//! Test doubles for hosts that embed Mosaic, and the reference behaviour every
//! provider is held to.
//!
//! * [`FakeGit`]: stateful in-memory providers.
//! * [`FaultLayer`]: a tower layer injecting latency, errors, timeouts, hangs
//!   and panics, deterministic under a seed.
//! * [`RedisServer`]: a real `redis-server` on a free loopback port.

pub mod conformance;
pub mod fake;
pub mod fault;
pub mod mock;
pub mod redis_server;

pub use fake::{
    AiReply, Call, FakeAi, FakeCiCd, FakeGit, FakeKnowledgeBase, FakeProject, FakeWorkflow,
    JobPlan, PipelinePlan,
};
pub use fault::{Fault, FaultHandle, FaultKind, FaultLayer, FaultRule, FaultService, FaultStats};
pub use redis_server::RedisServer;
