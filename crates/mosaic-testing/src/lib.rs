//! # mosaic-testing
//!
//! Test doubles for hosts that embed Mosaic, and the reference behaviour every
//! provider is held to.
//!
//! * [`RedisServer`]: a real `redis-server` on a free loopback port.

pub mod redis_server;

pub use redis_server::RedisServer;
