//! Log messages to clients that asked for them (`logging/setLevel`). A client
//! that never sets a level gets none, as before. The logging API is deprecated
//! by SEP-2577 but still part of 2025-11-25, which most clients speak.
#![allow(deprecated)]

use std::sync::{Arc, Mutex};

use rmcp::{
    Peer, RoleServer,
    model::{LoggingLevel, LoggingMessageNotificationParam},
};

/// The level one session's client asked for.
#[derive(Debug, Clone, Default)]
pub struct ClientLog(Arc<Mutex<Option<LoggingLevel>>>);

impl ClientLog {
    /// Sends from now on messages at `level` and above.
    pub fn set(&self, level: LoggingLevel) {
        *crate::sync::lock(&self.0) = Some(level);
    }

    /// An info message, if the client asked for that level.
    pub async fn info(&self, peer: &Peer<RoleServer>, message: String) {
        self.send(peer, LoggingLevel::Info, message).await;
    }

    async fn send(&self, peer: &Peer<RoleServer>, level: LoggingLevel, message: String) {
        let wanted = *crate::sync::lock(&self.0);
        // `LoggingLevel` has no order of its own; its variants run from debug up.
        if wanted.is_none_or(|wanted| (level as u8) < (wanted as u8)) {
            return;
        }
        let note = LoggingMessageNotificationParam::new(level, serde_json::Value::String(message))
            .with_logger(env!("CARGO_PKG_NAME"));
        if let Err(e) = peer.notify_logging_message(note).await {
            tracing::debug!(error = %e, "log message not delivered");
        }
    }
}
