//! One live hall: the booths with their queues, the connections, the open chats. State changes
//! happen under one short lock; durable writes happen outside it, and what depends on them
//! (a chat's start, a message's delivery) waits for the commit.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Duration, Utc};
use jiuye_domain::live::{self, BoothInfo, ClientMsg, Part, ServerMsg};
use jiuye_store::events::{BookingRow, BoothRecord};
use jiuye_store::live::{LiveSnapshot, LiveWrite};
use uuid::Uuid;

use super::writer::Writer;
use super::{Admission, Outbox};

mod chats;

/// How long after a hall opens the graduates found waiting in its stored queues keep their place
/// without reconnecting.
const GRACE_SECONDS: i64 = 60;

struct Booth {
    id: Uuid,
    label: String,
    employer: Uuid,
    employer_name: String,
    queue: VecDeque<Uuid>,
    paused: bool,
}

struct Conn {
    user: Uuid,
    role: Part,
    out: Outbox,
}

#[derive(Clone)]
struct Chat {
    booth: Uuid,
    graduate: Uuid,
    graduate_user: Uuid,
    recruiter: Uuid,
    started: DateTime<Utc>,
}

#[derive(Default)]
struct State {
    booths: Vec<Booth>,
    conns: HashMap<u64, Conn>,
    users: HashMap<Uuid, Vec<u64>>,
    /// A recruiter's chats allowed and held.
    recruiters: HashMap<Uuid, (u32, u32)>,
    /// A recruiter's booth.
    recruiter_booth: HashMap<Uuid, Uuid>,
    chats: HashMap<Uuid, Chat>,
    /// A graduate user's record and name, once they connected.
    graduates: HashMap<Uuid, (Uuid, String)>,
    muted: HashMap<Uuid, DateTime<Utc>>,
    removed: HashSet<Uuid>,
    /// Ended chats and their summed seconds.
    ended: (i64, i64),
    /// Connections that fell behind, to drop.
    slow: Vec<u64>,
}

/// A live hall.
pub struct Hall {
    pub event: Uuid,
    writer: Writer,
    opened: DateTime<Utc>,
    state: Mutex<State>,
}

impl std::fmt::Debug for Hall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hall").field("event", &self.event).finish()
    }
}

fn frame(m: &ServerMsg) -> Arc<str> {
    // Our own message types always serialise.
    Arc::from(serde_json::to_string(m).unwrap_or_default())
}

fn error(code: jiuye_domain::error_code::ErrorCode, message: &str) -> ServerMsg {
    ServerMsg::Error { code: code.as_str().to_owned(), message: message.to_owned() }
}

use jiuye_domain::error_code::ErrorCode as Code;

impl State {
    fn booth(&self, id: Uuid) -> Option<&Booth> {
        self.booths.iter().find(|b| b.id == id)
    }

    fn booth_mut(&mut self, id: Uuid) -> Option<&mut Booth> {
        self.booths.iter_mut().find(|b| b.id == id)
    }

    /// Sends to one connection; a full outbox marks it slow.
    fn send_conn(&mut self, conn: u64, f: &Arc<str>) {
        if let Some(c) = self.conns.get(&conn)
            && c.out.try_send(f.clone()).is_err()
        {
            self.slow.push(conn);
        }
    }

    /// Sends to every connection of `user` but `except`.
    fn send_user(&mut self, user: Uuid, f: &Arc<str>, except: Option<u64>) {
        let ids: Vec<u64> = self.users.get(&user).cloned().unwrap_or_default();
        for id in ids.into_iter().filter(|id| Some(*id) != except) {
            self.send_conn(id, f);
        }
    }

    /// Answers the caller: its connection, or every connection of the user (a POST).
    fn reply(&mut self, conn: Option<u64>, user: Uuid, m: &ServerMsg) {
        let f = frame(m);
        match conn {
            Some(c) => self.send_conn(c, &f),
            None => self.send_user(user, &f, None),
        }
    }

    fn mean_chat_seconds(&self) -> u32 {
        if self.ended.0 > 0 { (self.ended.1 / self.ended.0).clamp(30, 3600) as u32 } else { live::DEFAULT_CHAT_SECONDS }
    }

    /// Chats the booth's connected recruiters hold at once.
    fn booth_capacity(&self, booth: Uuid) -> u32 {
        let cap: u32 = self
            .recruiter_booth
            .iter()
            .filter(|(u, b)| **b == booth && self.users.contains_key(u))
            .map(|(u, _)| self.recruiters.get(u).map(|r| r.0).unwrap_or(1))
            .sum();
        cap.max(1)
    }

    /// Tells the waiting graduates of a booth from `from` on their place.
    fn positions(&mut self, booth: Uuid, from: usize) {
        let Some(b) = self.booth(booth) else { return };
        let waiting: Vec<Uuid> = b.queue.iter().skip(from).copied().collect();
        let (cap, mean) = (self.booth_capacity(booth), self.mean_chat_seconds());
        for (i, user) in waiting.into_iter().enumerate() {
            let position = (from + i + 1) as u32;
            let m = ServerMsg::Queue { booth, position, estimate_seconds: live::estimate_seconds(position, cap, mean) };
            self.send_user(user, &frame(&m), None);
        }
    }

    fn booth_state(&self, booth: Uuid, recruiter: Uuid) -> ServerMsg {
        let b = self.booth(booth);
        let (max_chats, chats) = self.recruiters.get(&recruiter).copied().unwrap_or((1, 0));
        ServerMsg::BoothState {
            booth,
            waiting: b.map(|b| b.queue.len() as u32).unwrap_or(0),
            paused: b.is_some_and(|b| b.paused),
            chats,
            max_chats,
        }
    }

    /// Tells the booth's recruiters how it stands.
    fn tell_recruiters(&mut self, booth: Uuid) {
        let recruiters: Vec<Uuid> =
            self.recruiter_booth.iter().filter(|(_, b)| **b == booth).map(|(u, _)| *u).collect();
        for r in recruiters {
            let m = self.booth_state(booth, r);
            self.send_user(r, &frame(&m), None);
        }
    }

    /// Takes `user` out of a booth's queue; true when they were in it.
    fn unqueue(&mut self, booth: Uuid, user: Uuid) -> bool {
        let Some(b) = self.booth_mut(booth) else { return false };
        let Some(i) = b.queue.iter().position(|u| *u == user) else { return false };
        b.queue.remove(i);
        self.positions(booth, i);
        self.tell_recruiters(booth);
        true
    }

    fn chat_started(&self, id: Uuid, c: &Chat) -> ServerMsg {
        ServerMsg::ChatStarted {
            chat: id,
            booth: c.booth,
            employer: self.booth(c.booth).map(|b| b.employer_name.clone()).unwrap_or_default(),
            graduate: c.graduate,
            graduate_name: self.graduates.get(&c.graduate_user).map(|g| g.1.clone()).unwrap_or_default(),
        }
    }
}

impl Hall {
    /// A hall as stored: its approved booths, its open chats and queues, its mutes.
    pub(super) fn open(
        event: Uuid,
        labels: &[BoothRecord],
        bookings: &[BookingRow],
        snapshot: LiveSnapshot,
        writer: Writer,
        now: DateTime<Utc>,
    ) -> Hall {
        let hall = Hall { event, writer, opened: now, state: Mutex::new(State::default()) };
        hall.set_booths(labels, bookings);
        {
            let mut s = hall.lock();
            for (booth, user, _) in snapshot.queue {
                if let Some(b) = s.booth_mut(booth) {
                    b.queue.push_back(user);
                }
            }
            for c in snapshot.open_chats {
                s.recruiters.entry(c.recruiter_id).or_insert((live::DEFAULT_MAX_CHATS, 0)).1 += 1;
                s.recruiter_booth.insert(c.recruiter_id, c.booth_id);
                let chat = Chat {
                    booth: c.booth_id,
                    graduate: c.graduate_id,
                    graduate_user: c.graduate_user,
                    recruiter: c.recruiter_id,
                    started: c.started_at,
                };
                s.chats.insert(c.id, chat);
            }
            for (user, until, removed) in snapshot.mutes {
                if removed {
                    s.removed.insert(user);
                } else if until > now {
                    s.muted.insert(user, until);
                }
            }
            s.ended = snapshot.ended;
        }
        hall
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sets the booths from the approved bookings (keeping the queues of booths that stay).
    pub(super) fn set_booths(&self, labels: &[BoothRecord], bookings: &[BookingRow]) {
        let mut s = self.lock();
        let mut old: Vec<Booth> = std::mem::take(&mut s.booths);
        for l in labels {
            let Some(b) = bookings.iter().find(|b| b.booking.booth_id == l.id && b.booking.state == "approved") else {
                continue;
            };
            let kept = old.iter().position(|o| o.id == l.id && o.employer == b.booking.employer_id);
            let (queue, paused) = match kept {
                Some(i) => {
                    let o = old.swap_remove(i);
                    (o.queue, o.paused)
                }
                None => (VecDeque::new(), false),
            };
            s.booths.push(Booth {
                id: l.id,
                label: l.label.clone(),
                employer: b.booking.employer_id,
                employer_name: b.employer_name.clone(),
                queue,
                paused,
            });
        }
    }

    /// The booth an employer serves, when approved.
    pub(super) fn booth_of(&self, employer: Uuid) -> Option<Uuid> {
        self.lock().booths.iter().find(|b| b.employer == employer).map(|b| b.id)
    }

    pub(super) fn is_removed(&self, user: Uuid) -> bool {
        self.lock().removed.contains(&user)
    }

    /// Registers a connection and tells it where it stands (its queues and chats after a
    /// reconnect or a restart).
    pub fn connect(&self, conn: u64, a: &Admission, out: Outbox) {
        let mut s = self.lock();
        s.conns.insert(conn, Conn { user: a.user, role: a.role, out });
        s.users.entry(a.user).or_default().push(conn);
        if let Some(g) = a.graduate {
            s.graduates.insert(a.user, (g, a.name.clone()));
        }
        if let Some((booth, _)) = a.booth {
            s.recruiter_booth.insert(a.user, booth);
            s.recruiters.entry(a.user).or_insert((live::DEFAULT_MAX_CHATS, 0));
        }
        let booths: Vec<BoothInfo> = s
            .booths
            .iter()
            .map(|b| BoothInfo {
                booth: b.id,
                label: b.label.clone(),
                employer: b.employer_name.clone(),
                waiting: b.queue.len() as u32,
                paused: b.paused,
            })
            .collect();
        s.send_conn(conn, &frame(&ServerMsg::Welcome { user: a.user, role: a.role, booths }));
        let mine: Vec<(Uuid, Chat)> = s
            .chats
            .iter()
            .filter(|(_, c)| c.graduate_user == a.user || c.recruiter == a.user)
            .map(|(id, c)| (*id, c.clone()))
            .collect();
        for (id, c) in mine {
            let m = s.chat_started(id, &c);
            s.send_conn(conn, &frame(&m));
        }
        match a.role {
            Part::Graduate => {
                let (mean, queued): (u32, Vec<(Uuid, usize)>) = (
                    s.mean_chat_seconds(),
                    s.booths
                        .iter()
                        .filter_map(|b| b.queue.iter().position(|u| *u == a.user).map(|i| (b.id, i)))
                        .collect(),
                );
                for (booth, i) in queued {
                    let position = i as u32 + 1;
                    let estimate_seconds = live::estimate_seconds(position, s.booth_capacity(booth), mean);
                    s.send_conn(conn, &frame(&ServerMsg::Queue { booth, position, estimate_seconds }));
                }
                if let Some(until) = s.muted.get(&a.user).copied() {
                    s.send_conn(conn, &frame(&ServerMsg::Muted { until: until.to_rfc3339() }));
                }
            }
            Part::Recruiter => {
                if let Some((booth, _)) = a.booth {
                    let m = s.booth_state(booth, a.user);
                    s.send_conn(conn, &frame(&m));
                }
            }
            Part::Staff => {
                let m = attendance(&s);
                s.send_conn(conn, &frame(&m));
            }
        }
        self.drop_slow(&mut s);
    }

    /// Forgets a connection; a graduate's last one takes them out of every queue.
    pub fn disconnect(&self, conn: u64) {
        let mut s = self.lock();
        let Some(c) = s.conns.remove(&conn) else { return };
        let last = match s.users.get_mut(&c.user) {
            Some(ids) => {
                ids.retain(|i| *i != conn);
                ids.is_empty()
            }
            None => true,
        };
        if last {
            s.users.remove(&c.user);
            if c.role == Part::Graduate {
                let booths: Vec<Uuid> = s.booths.iter().map(|b| b.id).collect();
                for booth in booths {
                    if s.unqueue(booth, c.user) {
                        self.writer.write_later(LiveWrite::Leave { event: self.event, booth, user: c.user });
                    }
                }
            }
        }
        self.drop_slow(&mut s);
    }

    /// Drops the connections that fell behind (their writers end when the outbox closes).
    fn drop_slow(&self, s: &mut State) {
        while let Some(conn) = s.slow.pop() {
            if let Some(c) = s.conns.remove(&conn) {
                tracing::warn!(event = %self.event, user = %c.user, "a live connection fell behind and was dropped");
                if let Some(ids) = s.users.get_mut(&c.user) {
                    ids.retain(|i| *i != conn);
                }
            }
        }
    }

    /// Live attendance, for staff.
    pub fn attendance(&self) -> ServerMsg {
        attendance(&self.lock())
    }

    /// Sends the attendance to the hall's staff, if any are connected.
    pub fn tell_staff(&self) {
        let mut s = self.lock();
        let staff: Vec<u64> = s.conns.iter().filter(|(_, c)| c.role == Part::Staff).map(|(i, _)| *i).collect();
        if staff.is_empty() {
            return;
        }
        let f = frame(&attendance(&s));
        for c in staff {
            s.send_conn(c, &f);
        }
        self.drop_slow(&mut s);
    }

    /// Handles one message from `user` (on connection `conn`; None: sent by POST, answered to
    /// all their connections).
    pub async fn handle(&self, conn: Option<u64>, a: &Admission, msg: ClientMsg, now: DateTime<Utc>) {
        let answer = self.dispatch(conn, a, msg, now).await;
        let mut s = self.lock();
        if let Some(m) = answer {
            s.reply(conn, a.user, &m);
        }
        self.drop_slow(&mut s);
    }

    async fn dispatch(
        &self,
        conn: Option<u64>,
        a: &Admission,
        msg: ClientMsg,
        now: DateTime<Utc>,
    ) -> Option<ServerMsg> {
        let user = a.user;
        let recruiter = a.role == Part::Recruiter;
        let graduate = a.role == Part::Graduate;
        match msg {
            ClientMsg::Ping => Some(ServerMsg::Pong),
            ClientMsg::Join { booth } if graduate => {
                let mut s = self.lock();
                let (cap, mean) = (s.booth_capacity(booth), s.mean_chat_seconds());
                let Some(b) = s.booth_mut(booth) else { return Some(error(Code::BoothNotFound, "没有这个展位")) };
                let position = match b.queue.iter().position(|u| *u == user) {
                    Some(i) => i + 1,
                    None => {
                        b.queue.push_back(user);
                        self.writer.write_later(LiveWrite::Join { event: self.event, booth, user, at: now });
                        b.queue.len()
                    }
                } as u32;
                s.tell_recruiters(booth);
                Some(ServerMsg::Queue {
                    booth,
                    position,
                    estimate_seconds: live::estimate_seconds(position, cap, mean),
                })
            }
            ClientMsg::Leave { booth } if graduate => {
                let mut s = self.lock();
                if s.unqueue(booth, user) {
                    self.writer.write_later(LiveWrite::Leave { event: self.event, booth, user });
                }
                Some(ServerMsg::Queue { booth, position: 0, estimate_seconds: 0 })
            }
            ClientMsg::CallNext if recruiter => self.call_next(a, now).await,
            ClientMsg::SetCapacity { max_chats } if recruiter => {
                if !(1..=live::MAX_CHATS).contains(&max_chats) {
                    return Some(error(Code::InvalidCapacity, "同时对话数应为 1–200"));
                }
                let mut s = self.lock();
                s.recruiters.entry(user).or_insert((max_chats, 0)).0 = max_chats;
                let booth = s.recruiter_booth.get(&user).copied()?;
                Some(s.booth_state(booth, user))
            }
            ClientMsg::Pause { paused } if recruiter => {
                let mut s = self.lock();
                let booth = s.recruiter_booth.get(&user).copied()?;
                if let Some(b) = s.booth_mut(booth) {
                    b.paused = paused;
                }
                s.tell_recruiters(booth);
                None
            }
            ClientMsg::Say { chat, text, client_id } => self.say(conn, a, chat, &text, &client_id, now).await,
            ClientMsg::DropResume { chat } if graduate => {
                let Some(c) = self.chat_of(chat, user) else {
                    return Some(error(Code::ChatNotFound, "没有这个对话"));
                };
                let w = LiveWrite::Resume { event: self.event, booth: c.booth, graduate: c.graduate, chat, at: now };
                if self.writer.write(w).await.is_err() {
                    return Some(error(Code::InternalError, "暂时无法保存，请重试"));
                }
                let m = ServerMsg::ResumeDropped { chat, graduate: c.graduate };
                let mut s = self.lock();
                s.send_user(c.recruiter, &frame(&m), None);
                Some(m)
            }
            ClientMsg::SendLink { chat, url } if recruiter => {
                let Some(c) = self.chat_of(chat, user) else {
                    return Some(error(Code::ChatNotFound, "没有这个对话"));
                };
                let Some(url) = live::check_link(&url) else {
                    return Some(error(Code::InvalidText, "链接应以 http(s):// 开头，300 字以内"));
                };
                if self.writer.write(LiveWrite::Link { chat, url: url.clone() }).await.is_err() {
                    return Some(error(Code::InternalError, "暂时无法保存，请重试"));
                }
                let f = frame(&ServerMsg::Link { chat, url });
                let mut s = self.lock();
                s.send_user(c.graduate_user, &f, None);
                s.send_user(c.recruiter, &f, None);
                None
            }
            ClientMsg::Outcome { chat, outcome } if recruiter => self.end(a, chat, Some(outcome), now).await,
            ClientMsg::End { chat } => self.end(a, chat, None, now).await,
            ClientMsg::Mute { user: who, minutes } if a.role == Part::Staff => {
                if !(1..=1440).contains(&minutes) {
                    return Some(error(Code::InvalidCapacity, "禁言时长应为 1–1440 分钟"));
                }
                let until = now + Duration::minutes(i64::from(minutes));
                self.moderate(a, who, until, false).await
            }
            ClientMsg::Remove { user: who } if a.role == Part::Staff => {
                self.moderate(a, who, now + Duration::days(3650), true).await
            }
            _ => Some(error(Code::Forbidden, "您在本场活动不能这样做")),
        }
    }

    /// The open chat `id` when `user` takes part in it.
    fn chat_of(&self, id: Uuid, user: Uuid) -> Option<Chat> {
        let s = self.lock();
        s.chats.get(&id).filter(|c| c.graduate_user == user || c.recruiter == user).cloned()
    }
}

fn attendance(s: &State) -> ServerMsg {
    let mut graduates = 0;
    let mut recruiters = 0;
    for ids in s.users.values() {
        let Some(c) = ids.first().and_then(|i| s.conns.get(i)) else { continue };
        match c.role {
            Part::Graduate => graduates += 1,
            Part::Recruiter => recruiters += 1,
            Part::Staff => {}
        }
    }
    ServerMsg::Attendance {
        graduates,
        recruiters,
        waiting: s.booths.iter().map(|b| b.queue.len() as u32).sum(),
        chats: s.chats.len() as u32,
    }
}
