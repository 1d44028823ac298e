//! The MCP client's roots for one session: the folders the user shared with the
//! agent, and so the folders local media may be read from (with
//! `SEEDANCE_ALLOWED_DIRS` and the output folder).
//!
//! Owns [`ClientRoots`]: asked for with `roots/list` once the client says it is
//! initialized (only when it declares the `roots` capability), asked again on
//! `notifications/roots/list_changed`, and, when a tool needs them before the
//! first answer arrived, asked for then. Only stdio sessions use them: over HTTP
//! the client's folders are on another machine.

use std::time::Duration;

use rmcp::{Peer, RoleServer};
use tokio::sync::Mutex;

/// How long a tool call waits for the client to list its roots.
const LIST_TIMEOUT: Duration = Duration::from_secs(5);

/// One session's client roots (`file://` URIs).
#[derive(Debug, Default)]
pub struct ClientRoots {
    /// Held while asking, so a tool call waits for an answer already on its way.
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    uris: Vec<String>,
    /// False until the client answered, and again after it said they changed.
    known: bool,
}

impl ClientRoots {
    /// Asks the client for its roots (if it has any to give) and keeps the answer.
    pub async fn refresh(&self, peer: &Peer<RoleServer>) {
        let mut state = self.state.lock().await;
        if !declares_roots(peer) {
            state.known = true;
            return;
        }
        #[allow(deprecated)] // Roots are deprecated by SEP-2577 but still what clients send.
        let asked = tokio::time::timeout(LIST_TIMEOUT, peer.list_roots()).await;
        match asked {
            Ok(Ok(answer)) => {
                #[allow(deprecated)]
                let uris: Vec<String> = answer.roots.into_iter().map(|root| root.uri).collect();
                tracing::info!(roots = ?uris, "the client's roots allow reading local files there");
                state.uris = uris;
                state.known = true;
            }
            // The client answered no: keep the last known roots rather than ask on every call.
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "the client refused to list its roots");
                state.known = true;
            }
            // No answer: a later call asks again.
            Err(_) => tracing::warn!("the client did not list its roots in time"),
        }
    }

    /// Forgets the roots after the client said they changed, then asks again.
    pub async fn changed(&self, peer: &Peer<RoleServer>) {
        self.state.lock().await.known = false;
        self.refresh(peer).await;
    }

    /// The roots now, asking the client first when they are not known yet.
    pub async fn current(&self, peer: &Peer<RoleServer>) -> Vec<String> {
        {
            let state = self.state.lock().await;
            if state.known {
                return state.uris.clone();
            }
        }
        self.refresh(peer).await;
        self.state.lock().await.uris.clone()
    }
}

fn declares_roots(peer: &Peer<RoleServer>) -> bool {
    peer.peer_info()
        .is_some_and(|info| info.capabilities.roots.is_some())
}
