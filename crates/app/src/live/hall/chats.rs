//! Chats in a hall: calling the next graduate, messages (stored before they are acknowledged or
//! delivered), ending with an outcome, and staff muting or removing an attendee.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use jiuye_domain::live::{self, Outcome, ServerMsg};
use jiuye_store::live::{LiveChat, LiveMessage, LiveWrite, Written};
use uuid::Uuid;

use super::{Admission, Chat, Code, GRACE_SECONDS, Hall, attendance, error, frame};

impl Hall {
    pub(super) async fn call_next(&self, a: &Admission, now: DateTime<Utc>) -> Option<ServerMsg> {
        let (booth, employer) = a.booth?;
        let (id, chat) = {
            let mut s = self.lock();
            let (max, held) = s.recruiters.get(&a.user).copied().unwrap_or((live::DEFAULT_MAX_CHATS, 0));
            if held >= max {
                return Some(error(Code::ChatsFull, "同时进行的对话已达上限"));
            }
            let grace_over = now > self.opened + Duration::seconds(GRACE_SECONDS);
            let connected: HashSet<Uuid> = s.users.keys().copied().collect();
            let b = s.booth_mut(booth)?;
            if b.paused {
                return Some(error(Code::QueuePaused, "展位已暂停排队"));
            }
            // Those found waiting when the hall opened keep their place for the grace period;
            // after it, anyone not connected is let go.
            let mut dropped = Vec::new();
            let mut picked = None;
            let mut i = 0;
            while i < b.queue.len() {
                let u = b.queue[i];
                if connected.contains(&u) {
                    picked = Some(i);
                    break;
                }
                if grace_over {
                    b.queue.remove(i);
                    dropped.push(u);
                } else {
                    i += 1;
                }
            }
            for u in &dropped {
                self.writer.write_later(LiveWrite::Leave { event: self.event, booth, user: *u });
            }
            let Some(i) = picked else {
                s.tell_recruiters(booth);
                return Some(error(Code::QueueEmpty, "当前没有同学排队"));
            };
            let Some(u) = s.booth_mut(booth).and_then(|b| b.queue.remove(i)) else {
                return Some(error(Code::QueueEmpty, "当前没有同学排队"));
            };
            let Some((graduate, _)) = s.graduates.get(&u).cloned() else {
                return Some(error(Code::QueueEmpty, "当前没有同学排队"));
            };
            s.positions(booth, i);
            s.recruiters.entry(a.user).or_insert((max, 0)).1 += 1;
            let chat = Chat { booth, graduate, graduate_user: u, recruiter: a.user, started: now };
            let id = Uuid::now_v7();
            s.chats.insert(id, chat.clone());
            (id, chat)
        };
        let record = LiveChat {
            id,
            event_id: self.event,
            booth_id: booth,
            employer_id: employer,
            graduate_id: chat.graduate,
            graduate_user: chat.graduate_user,
            recruiter_id: a.user,
            started_at: now,
            ended_at: None,
            outcome: None,
            link: String::new(),
        };
        self.writer.write_later(LiveWrite::Leave { event: self.event, booth, user: chat.graduate_user });
        let stored = self.writer.write(LiveWrite::StartChat(record)).await.is_ok();
        let mut s = self.lock();
        if !stored {
            s.chats.remove(&id);
            if let Some(r) = s.recruiters.get_mut(&a.user) {
                r.1 = r.1.saturating_sub(1);
            }
            return Some(error(Code::InternalError, "暂时无法开始对话，请重试"));
        }
        let started = frame(&s.chat_started(id, &chat));
        s.send_user(chat.graduate_user, &frame(&ServerMsg::Queue { booth, position: 0, estimate_seconds: 0 }), None);
        s.send_user(chat.graduate_user, &started, None);
        s.send_user(a.user, &started, None);
        s.tell_recruiters(booth);
        None
    }

    pub(super) async fn say(
        &self,
        conn: Option<u64>,
        a: &Admission,
        chat: Uuid,
        text: &str,
        client_id: &str,
        now: DateTime<Utc>,
    ) -> Option<ServerMsg> {
        if !live::check_client_id(client_id) {
            return Some(error(Code::InvalidText, "client_id 应为 1–64 位字母、数字、- 或 _"));
        }
        let Some(text) = live::check_text(text) else {
            return Some(error(Code::InvalidText, "消息应为 1–1000 字"));
        };
        if self.lock().muted.get(&a.user).is_some_and(|until| *until > now) {
            return Some(error(Code::Muted, "您已被暂时禁言"));
        }
        let Some(c) = self.chat_of(chat, a.user) else { return Some(error(Code::ChatNotFound, "没有这个对话")) };
        let m = LiveMessage {
            id: Uuid::now_v7(),
            chat_id: chat,
            event_id: self.event,
            sender_id: a.user,
            client_id: client_id.to_owned(),
            body: text.clone(),
            sent_at: now,
        };
        let Ok(Written::Message { id, new }) = self.writer.write(LiveWrite::Message(m)).await else {
            return Some(error(Code::InternalError, "消息未能保存，请重发"));
        };
        let mut s = self.lock();
        if new {
            let msg = ServerMsg::Message {
                chat,
                id,
                from: a.user,
                text,
                at: now.to_rfc3339(),
                client_id: client_id.to_owned(),
            };
            let f = frame(&msg);
            let other = if c.graduate_user == a.user { c.recruiter } else { c.graduate_user };
            s.send_user(other, &f, None);
            s.send_user(a.user, &f, conn);
        }
        Some(ServerMsg::Ack { client_id: client_id.to_owned(), id })
    }

    pub(super) async fn end(
        &self,
        a: &Admission,
        chat: Uuid,
        outcome: Option<Outcome>,
        now: DateTime<Utc>,
    ) -> Option<ServerMsg> {
        let Some(c) = self.chat_of(chat, a.user) else { return Some(error(Code::ChatNotFound, "没有这个对话")) };
        let w = LiveWrite::EndChat { chat, at: now, outcome: outcome.map(|o| o.id().to_owned()) };
        if self.writer.write(w).await.is_err() {
            return Some(error(Code::InternalError, "暂时无法保存，请重试"));
        }
        let mut s = self.lock();
        // Ended meanwhile by the other side: nothing more to tell.
        s.chats.remove(&chat)?;
        if let Some(r) = s.recruiters.get_mut(&c.recruiter) {
            r.1 = r.1.saturating_sub(1);
        }
        s.ended.0 += 1;
        s.ended.1 += (now - c.started).num_seconds().max(0);
        let f = frame(&ServerMsg::ChatEnded { chat, outcome });
        s.send_user(c.graduate_user, &f, None);
        s.send_user(c.recruiter, &f, None);
        s.tell_recruiters(c.booth);
        None
    }

    pub(super) async fn moderate(
        &self,
        a: &Admission,
        who: Uuid,
        until: DateTime<Utc>,
        removed: bool,
    ) -> Option<ServerMsg> {
        let w = LiveWrite::Mute { event: self.event, user: who, until, removed, by: a.user };
        if self.writer.write(w).await.is_err() {
            return Some(error(Code::InternalError, "暂时无法保存，请重试"));
        }
        let mut s = self.lock();
        if removed {
            s.removed.insert(who);
            s.send_user(who, &frame(&ServerMsg::Removed), None);
            let booths: Vec<Uuid> = s.booths.iter().map(|b| b.id).collect();
            for booth in booths {
                if s.unqueue(booth, who) {
                    self.writer.write_later(LiveWrite::Leave { event: self.event, booth, user: who });
                }
            }
            // Their connections close once their outboxes are dropped.
            let ids = s.users.remove(&who).unwrap_or_default();
            for id in ids {
                s.conns.remove(&id);
            }
        } else {
            s.muted.insert(who, until);
            s.send_user(who, &frame(&ServerMsg::Muted { until: until.to_rfc3339() }), None);
        }
        Some(attendance(&s))
    }
}
