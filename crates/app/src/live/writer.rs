//! The halls' batch writer: every durable change goes through one task that commits whatever
//! arrived together in one transaction (up to [`BATCH`]), then answers each sender. Under load a
//! few hundred messages a second cost a few commits; alone, a message waits for one commit.

use jiuye_store::Store;
use jiuye_store::live::{LiveWrite, Written};
use tokio::sync::{mpsc, oneshot};

/// The most writes committed together.
const BATCH: usize = 512;

type Reply = Option<oneshot::Sender<Result<Written, ()>>>;

/// A handle to the batch writer.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::UnboundedSender<(LiveWrite, Reply)>,
}

impl Writer {
    pub fn start(store: Store) -> Writer {
        let (tx, mut rx) = mpsc::unbounded_channel::<(LiveWrite, Reply)>();
        tokio::spawn(async move {
            let mut writes = Vec::with_capacity(BATCH);
            let mut replies = Vec::with_capacity(BATCH);
            while let Some((w, r)) = rx.recv().await {
                writes.push(w);
                replies.push(r);
                while writes.len() < BATCH {
                    match rx.try_recv() {
                        Ok((w, r)) => {
                            writes.push(w);
                            replies.push(r);
                        }
                        Err(_) => break,
                    }
                }
                let result = store.apply_live(&writes).await;
                if let Err(e) = &result {
                    tracing::error!(error = %e, writes = writes.len(), "live writes failed");
                }
                for (i, r) in replies.drain(..).enumerate() {
                    if let Some(r) = r {
                        let answer = match &result {
                            Ok(done) => done.get(i).copied().ok_or(()),
                            Err(_) => Err(()),
                        };
                        let _ = r.send(answer);
                    }
                }
                writes.clear();
            }
        });
        Writer { tx }
    }

    /// Writes and waits for the commit; Err when it could not be stored.
    pub async fn write(&self, w: LiveWrite) -> Result<Written, ()> {
        let (tx, rx) = oneshot::channel();
        self.tx.send((w, Some(tx))).map_err(|_| ())?;
        rx.await.map_err(|_| ())?
    }

    /// Writes without waiting (queue changes: the queues are rebuilt from what was committed).
    pub fn write_later(&self, w: LiveWrite) {
        let _ = self.tx.send((w, None));
    }
}
