//! The Redis connection the shared stores (rate limits, budgets) use: a
//! client, made into one multiplexed connection on first use and shared by
//! every clone, with connect and command timeouts.

use std::sync::Arc;
use std::time::Duration;

use mosaic_core::{Error, redact};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::OnceCell;

#[derive(Clone)]
pub(crate) struct RedisLink {
    client: redis::Client,
    /// The longest wait for a connection (for connections made later).
    pub(crate) connect_timeout: Duration,
    /// The longest wait for one command.
    pub(crate) command_timeout: Duration,
    connection: Arc<OnceCell<ConnectionManager>>,
}

impl RedisLink {
    /// A link to `url`, connecting on first use; 1 s to connect, 250 ms a
    /// command. `what` names the store in a URL error (never the URL).
    pub(crate) fn open(url: &str, what: &str) -> Result<Self, Error> {
        let client = redis::Client::open(url).map_err(|e| {
            Error::config(format!(
                "invalid Redis URL for the {what}: {}",
                redact(&e.to_string())
            ))
        })?;
        Ok(RedisLink {
            client,
            connect_timeout: Duration::from_secs(1),
            command_timeout: Duration::from_millis(250),
            connection: Arc::new(OnceCell::new()),
        })
    }

    /// The longest one call may take: a connection and a command.
    pub(crate) fn limit(&self) -> Duration {
        self.connect_timeout + self.command_timeout
    }

    /// The shared connection, made on first use.
    pub(crate) async fn connection(&self) -> redis::RedisResult<ConnectionManager> {
        self.connection
            .get_or_try_init(|| {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(self.connect_timeout))
                    .set_response_timeout(Some(self.command_timeout))
                    .set_number_of_retries(1);
                ConnectionManager::new_with_config(self.client.clone(), config)
            })
            .await
            .cloned()
    }
}
