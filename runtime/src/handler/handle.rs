//! [`Handle`]: what callers hold to queue calls on a deferred handler.

use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::generated::{OnewayProxy, SyncProxy, Target};
use super::mailbox::{MailboxState, Tx};
use super::Handler;

/// A cloneable, `Send + Sync` handle through which any task calls a deferred handler.
pub struct Handle<H: Handler> {
    pub(super) tx: Tx<H::Call>,
    pub(super) mailbox: Arc<MailboxState>,
}

impl<H: Handler> Handle<H> {
    /// The sync proxy: one method per handler method, returning a
    /// [`SyncCall`](super::SyncCall), a future of the method's value once the owner has
    /// run it. Chain `.timeout(d)` to bound the wait.
    #[must_use]
    pub fn sync(&self) -> H::Sync<'_> {
        H::sync_proxy(SyncProxy {
            target: Target::Local(self),
            timeout: None,
        })
    }

    /// The oneway proxy: one method per handler method that queues the call and returns
    /// at once. A panic or returned `Err` of the method is logged through `tracing`.
    #[must_use]
    pub fn oneway(&self) -> H::Oneway<'_> {
        H::oneway_proxy(OnewayProxy {
            target: Target::Local(self),
        })
    }

    /// Asks the owner's `process_forever` to return after the call in progress.
    /// Queued calls stay queued.
    pub fn stop_processing(&self) {
        self.mailbox.stop.store(true, Ordering::Release);
        self.tx.wake_owner();
    }

    /// Whether the owner is gone (calls would fail with
    /// [`CallError::Gone`](super::CallError::Gone)).
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}

impl<H: Handler> Clone for Handle<H> {
    fn clone(&self) -> Self {
        self.mailbox.handles.fetch_add(1, Ordering::Relaxed);
        Self {
            tx: self.tx.clone(),
            mailbox: Arc::clone(&self.mailbox),
        }
    }
}

impl<H: Handler> Drop for Handle<H> {
    fn drop(&mut self) {
        if self.mailbox.handles.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.tx.wake_owner();
        }
    }
}

impl<H: Handler> fmt::Debug for Handle<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}
