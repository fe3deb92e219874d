//! Storage of live fairs: what must survive a restart (chats, their messages, outcomes and
//! links, résumés left with booths, the queues, mutes). Writes arrive in batches, each batch
//! one transaction, so that hundreds of messages a second cost a few commits.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::Result;

/// A chat between a booth's recruiter and a graduate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveChat {
    pub id: Uuid,
    pub event_id: Uuid,
    pub booth_id: Uuid,
    pub employer_id: Uuid,
    pub graduate_id: Uuid,
    pub graduate_user: Uuid,
    pub recruiter_id: Uuid,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    /// A `live::Outcome` id.
    pub outcome: Option<String>,
    pub link: String,
}

/// A chat message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveMessage {
    pub id: Uuid,
    pub chat_id: Uuid,
    pub event_id: Uuid,
    pub sender_id: Uuid,
    pub client_id: String,
    pub body: String,
    pub sent_at: DateTime<Utc>,
}

/// One durable change of a live fair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveWrite {
    /// A message (stored once per sender and client id).
    Message(LiveMessage),
    StartChat(LiveChat),
    /// Ends a chat, with its outcome when recorded.
    EndChat {
        chat: Uuid,
        at: DateTime<Utc>,
        outcome: Option<String>,
    },
    Link {
        chat: Uuid,
        url: String,
    },
    Resume {
        event: Uuid,
        booth: Uuid,
        graduate: Uuid,
        chat: Uuid,
        at: DateTime<Utc>,
    },
    Join {
        event: Uuid,
        booth: Uuid,
        user: Uuid,
        at: DateTime<Utc>,
    },
    Leave {
        event: Uuid,
        booth: Uuid,
        user: Uuid,
    },
    Mute {
        event: Uuid,
        user: Uuid,
        until: DateTime<Utc>,
        removed: bool,
        by: Uuid,
    },
}

/// What a batch's write came to: for a message, the id it is stored under and whether it is
/// new (false: a resend of one stored before).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    Message { id: Uuid, new: bool },
    Done,
}

/// A fair's durable state, read when its hall opens in a process.
#[derive(Clone, Debug, Default)]
pub struct LiveSnapshot {
    pub open_chats: Vec<LiveChat>,
    /// (booth, user, joined) in joining order.
    pub queue: Vec<(Uuid, Uuid, DateTime<Utc>)>,
    /// (user, until, removed).
    pub mutes: Vec<(Uuid, DateTime<Utc>, bool)>,
    /// Ended chats' count and summed seconds (for waiting estimates).
    pub ended: (i64, i64),
}

/// What a fair recorded, for reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LiveCounts {
    pub chats: i64,
    pub messages: i64,
    pub interviews: i64,
    pub offers: i64,
    pub resumes: i64,
}

/// The live fairs' storage.
#[async_trait]
pub trait LiveStore: Send + Sync {
    /// Applies a batch in one transaction; answers each write's result in order.
    async fn apply_live(&self, batch: &[LiveWrite]) -> Result<Vec<Written>>;
    async fn live_snapshot(&self, event: Uuid) -> Result<LiveSnapshot>;
    /// A chat's last messages, oldest first.
    async fn live_messages(&self, chat: Uuid, limit: i64) -> Result<Vec<LiveMessage>>;
    async fn live_chat(&self, chat: Uuid) -> Result<Option<LiveChat>>;
    async fn live_counts(&self, event: Uuid) -> Result<LiveCounts>;
}

macro_rules! live_impl {
    ($store:ty, $db:ty) => {
        mod live_impl {
            use async_trait::async_trait;
            use sqlx::Row;
            use uuid::Uuid;

            use super::*;
            use crate::Result;
            use crate::live::*;

            const CHAT: &str = "SELECT id, event_id, booth_id, employer_id, graduate_id, graduate_user, recruiter_id, \
                 started_at, ended_at, outcome, link FROM live_chats";

            fn chat(r: &<$db as sqlx::Database>::Row) -> Result<LiveChat> {
                Ok(LiveChat {
                    id: r.try_get("id")?,
                    event_id: r.try_get("event_id")?,
                    booth_id: r.try_get("booth_id")?,
                    employer_id: r.try_get("employer_id")?,
                    graduate_id: r.try_get("graduate_id")?,
                    graduate_user: r.try_get("graduate_user")?,
                    recruiter_id: r.try_get("recruiter_id")?,
                    started_at: r.try_get("started_at")?,
                    ended_at: r.try_get("ended_at")?,
                    outcome: r.try_get("outcome")?,
                    link: r.try_get("link")?,
                })
            }

            #[async_trait]
            impl LiveStore for $store {
                async fn apply_live(&self, batch: &[LiveWrite]) -> Result<Vec<Written>> {
                    let mut tx = self.pool.begin().await?;
                    let mut out = Vec::with_capacity(batch.len());
                    for w in batch {
                        out.push(match w {
                            LiveWrite::Message(m) => {
                                let new = sqlx::query(
                                    "INSERT INTO live_messages (id, chat_id, event_id, sender_id, client_id, body, \
                                     sent_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                                     ON CONFLICT (chat_id, sender_id, client_id) DO NOTHING",
                                )
                                .bind(m.id)
                                .bind(m.chat_id)
                                .bind(m.event_id)
                                .bind(m.sender_id)
                                .bind(&m.client_id)
                                .bind(&m.body)
                                .bind(m.sent_at)
                                .execute(&mut *tx)
                                .await?
                                .rows_affected()
                                    == 1;
                                let id = if new {
                                    m.id
                                } else {
                                    sqlx::query_scalar(
                                        "SELECT id FROM live_messages WHERE chat_id = $1 AND sender_id = $2 \
                                         AND client_id = $3",
                                    )
                                    .bind(m.chat_id)
                                    .bind(m.sender_id)
                                    .bind(&m.client_id)
                                    .fetch_one(&mut *tx)
                                    .await?
                                };
                                Written::Message { id, new }
                            }
                            LiveWrite::StartChat(c) => {
                                sqlx::query(
                                    "INSERT INTO live_chats (id, event_id, booth_id, employer_id, graduate_id, \
                                     graduate_user, recruiter_id, started_at, ended_at, outcome, link) \
                                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                                )
                                .bind(c.id)
                                .bind(c.event_id)
                                .bind(c.booth_id)
                                .bind(c.employer_id)
                                .bind(c.graduate_id)
                                .bind(c.graduate_user)
                                .bind(c.recruiter_id)
                                .bind(c.started_at)
                                .bind(c.ended_at)
                                .bind(&c.outcome)
                                .bind(&c.link)
                                .execute(&mut *tx)
                                .await?;
                                Written::Done
                            }
                            LiveWrite::EndChat { chat, at, outcome } => {
                                sqlx::query(
                                    "UPDATE live_chats SET ended_at = COALESCE(ended_at, $2), \
                                     outcome = COALESCE($3, outcome) WHERE id = $1",
                                )
                                .bind(*chat)
                                .bind(*at)
                                .bind(outcome)
                                .execute(&mut *tx)
                                .await?;
                                Written::Done
                            }
                            LiveWrite::Link { chat, url } => {
                                sqlx::query("UPDATE live_chats SET link = $2 WHERE id = $1")
                                    .bind(*chat)
                                    .bind(url)
                                    .execute(&mut *tx)
                                    .await?;
                                Written::Done
                            }
                            LiveWrite::Resume { event, booth, graduate, chat, at } => {
                                sqlx::query(
                                    "INSERT INTO live_resume_drops (event_id, booth_id, graduate_id, chat_id, \
                                     dropped_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                                )
                                .bind(*event)
                                .bind(*booth)
                                .bind(*graduate)
                                .bind(*chat)
                                .bind(*at)
                                .execute(&mut *tx)
                                .await?;
                                Written::Done
                            }
                            LiveWrite::Join { event, booth, user, at } => {
                                sqlx::query(
                                    "INSERT INTO live_queue (event_id, booth_id, user_id, joined_at) \
                                     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                                )
                                .bind(*event)
                                .bind(*booth)
                                .bind(*user)
                                .bind(*at)
                                .execute(&mut *tx)
                                .await?;
                                Written::Done
                            }
                            LiveWrite::Leave { event, booth, user } => {
                                sqlx::query(
                                    "DELETE FROM live_queue WHERE event_id = $1 AND booth_id = $2 AND user_id = $3",
                                )
                                .bind(*event)
                                .bind(*booth)
                                .bind(*user)
                                .execute(&mut *tx)
                                .await?;
                                Written::Done
                            }
                            LiveWrite::Mute { event, user, until, removed, by } => {
                                sqlx::query(
                                    "INSERT INTO live_mutes (event_id, user_id, until, removed, by_user) \
                                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id, user_id) DO UPDATE \
                                     SET until = excluded.until, removed = excluded.removed, by_user = excluded.by_user",
                                )
                                .bind(*event)
                                .bind(*user)
                                .bind(*until)
                                .bind(*removed)
                                .bind(*by)
                                .execute(&mut *tx)
                                .await?;
                                Written::Done
                            }
                        });
                    }
                    tx.commit().await?;
                    Ok(out)
                }

                async fn live_snapshot(&self, event: Uuid) -> Result<LiveSnapshot> {
                    let sql = sqlx::AssertSqlSafe(format!("{CHAT} WHERE event_id = $1 AND ended_at IS NULL"));
                    let chats = sqlx::query(sql).bind(event).fetch_all(&self.pool).await?;
                    let queue = sqlx::query_as(
                        "SELECT booth_id, user_id, joined_at FROM live_queue WHERE event_id = $1 \
                         ORDER BY joined_at, user_id",
                    )
                    .bind(event)
                    .fetch_all(&self.pool)
                    .await?;
                    let mutes = sqlx::query_as("SELECT user_id, until, removed FROM live_mutes WHERE event_id = $1")
                        .bind(event)
                        .fetch_all(&self.pool)
                        .await?;
                    let ended: Vec<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
                        "SELECT started_at, ended_at FROM live_chats WHERE event_id = $1 AND ended_at IS NOT NULL",
                    )
                    .bind(event)
                    .fetch_all(&self.pool)
                    .await?;
                    let secs: i64 = ended.iter().map(|(s, e)| (*e - *s).num_seconds().max(0)).sum();
                    Ok(LiveSnapshot {
                        open_chats: chats.iter().map(chat).collect::<Result<_>>()?,
                        queue,
                        mutes,
                        ended: (ended.len() as i64, secs),
                    })
                }

                async fn live_messages(&self, chat_id: Uuid, limit: i64) -> Result<Vec<LiveMessage>> {
                    let rows = sqlx::query(
                        "SELECT id, chat_id, event_id, sender_id, client_id, body, sent_at FROM live_messages \
                         WHERE chat_id = $1 ORDER BY sent_at DESC, id DESC LIMIT $2",
                    )
                    .bind(chat_id)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                    let mut out = rows
                        .iter()
                        .map(|r| {
                            Ok(LiveMessage {
                                id: r.try_get("id")?,
                                chat_id: r.try_get("chat_id")?,
                                event_id: r.try_get("event_id")?,
                                sender_id: r.try_get("sender_id")?,
                                client_id: r.try_get("client_id")?,
                                body: r.try_get("body")?,
                                sent_at: r.try_get("sent_at")?,
                            })
                        })
                        .collect::<Result<Vec<_>>>()?;
                    out.reverse();
                    Ok(out)
                }

                async fn live_chat(&self, id: Uuid) -> Result<Option<LiveChat>> {
                    let sql = sqlx::AssertSqlSafe(format!("{CHAT} WHERE id = $1"));
                    let r = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?;
                    r.as_ref().map(chat).transpose()
                }

                async fn live_counts(&self, event: Uuid) -> Result<LiveCounts> {
                    let (chats, interviews, offers): (i64, i64, i64) = sqlx::query_as(
                        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN outcome = 'interview' THEN 1 ELSE 0 END), 0), \
                         COALESCE(SUM(CASE WHEN outcome = 'offer' THEN 1 ELSE 0 END), 0) \
                         FROM live_chats WHERE event_id = $1",
                    )
                    .bind(event)
                    .fetch_one(&self.pool)
                    .await?;
                    let messages: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM live_messages WHERE event_id = $1")
                        .bind(event)
                        .fetch_one(&self.pool)
                        .await?;
                    let resumes: i64 =
                        sqlx::query_scalar("SELECT COUNT(*) FROM live_resume_drops WHERE event_id = $1")
                            .bind(event)
                            .fetch_one(&self.pool)
                            .await?;
                    Ok(LiveCounts { chats, messages, interviews, offers, resumes })
                }
            }
        }
    };
}
pub(crate) use live_impl;
