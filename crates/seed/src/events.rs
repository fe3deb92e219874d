//! Demo recruitment events (招聘活动) in 四川省, so that the event pages are alive on first start:
//! campus fairs and 宣讲会 of 四川大学 and three other universities, some over (with registrations
//! and check-ins, so attendance and no-shows are not zero) and some in the next weeks (booths open
//! and partly taken; one small 宣讲会 full, with a waiting line and a freed place held for the
//! first in line); a college fair of the demo college; a fair of an alliance 四川大学 belongs to;
//! and the province's online fair, whose employers bring their approved postings. The demo
//! graduate holds a place (so the ticket shows) and waits in line for another; the demo employer
//! has one approved and one pending booking.
//!
//! Runs after the demo postings (their employers bring them); it books verified employers only.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use jiuye_domain::employer::Verification;
use jiuye_domain::events::{BookingState, DEFAULT_HOLD_HOURS, EventKind, Theme, hold_until, numbered_booths};
use jiuye_domain::posting::PostingStatus;
use jiuye_domain::{Org, OrgCode, OrgKind};
use jiuye_store::Repository;
use jiuye_store::destinations::GraduateQuery;
use jiuye_store::events::{BookingRecord, BoothBooked, EventRecord, Registered, RegistrationRecord};
use uuid::Uuid;

use crate::SeedError;
use crate::rng::Rng;

/// The most postings one employer brings to a demo event.
const POSTINGS_PER_BOOKING: usize = 3;

/// One demo event and what happens at it.
struct Plan<'a> {
    org: &'a Org,
    kind: EventKind,
    theme: Theme,
    title: String,
    description: &'static str,
    venue: String,
    stream_url: &'static str,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    places: i32,
    hold_hours: i32,
    booths: Vec<(String, i32)>,
    /// Whether employers may still book once the demo is written (never for an event that is over).
    booths_open: bool,
    /// Who organises it (and approves bookings, checks graduates in).
    organiser: Uuid,
    /// Employers approved, pending and rejected (each takes a booth, in booth order).
    approved: usize,
    pending: usize,
    rejected: usize,
    /// The demo employer's booking, if it books here.
    demo_booking: Option<BookingState>,
    /// Graduates registering, first come first served.
    graduates: Vec<Uuid>,
    /// Of an event that is over: the share of registered graduates who came.
    turnout: f64,
    /// How many registered graduates hand their place back (the next in line is offered it).
    hand_back: usize,
}

impl<'a> Plan<'a> {
    /// An event of `kind` at `org` between `when`, with nothing booked or registered yet.
    fn base(
        org: &'a Org,
        kind: EventKind,
        (starts_at, ends_at): (DateTime<Utc>, DateTime<Utc>),
        organiser: Uuid,
        now: DateTime<Utc>,
    ) -> Plan<'a> {
        Plan {
            org,
            kind,
            theme: Theme::None,
            title: String::new(),
            description: "",
            venue: String::new(),
            stream_url: "",
            starts_at,
            ends_at,
            places: 100,
            hold_hours: DEFAULT_HOLD_HOURS,
            booths: Vec::new(),
            booths_open: ends_at > now,
            organiser,
            approved: 0,
            pending: 0,
            rejected: 0,
            demo_booking: None,
            graduates: Vec::new(),
            turnout: 0.0,
            hand_back: 0,
        }
    }
}

/// A moment `days` from today at `hour:minute` Beijing time.
fn beijing(now: DateTime<Utc>, days: i64, hour: u32, minute: u32) -> DateTime<Utc> {
    let date = (now + Duration::hours(8)).date_naive() + Duration::days(days);
    date.and_hms_opt(hour, minute, 0).unwrap_or_default().and_utc() - Duration::hours(8)
}

/// A registration's short code, the shape the node's own codes have (8 characters of base32
/// A–Z2–7), from the random part of its id: unique within an event in practice.
fn short_code(registration: Uuid) -> String {
    jiuye_security::totp::base32(&registration.as_bytes()[11..16])
}

/// `n` graduates from `pool` starting at `from` (wrapping round).
fn window(pool: &[Uuid], from: usize, n: usize) -> Vec<Uuid> {
    if pool.is_empty() {
        return Vec::new();
    }
    (0..n.min(pool.len())).map(|i| pool[(from + i) % pool.len()]).collect()
}

/// Graduates of the latest cohort at or below `org`, in 学号 order, leaving out `except`.
async fn graduates_of(
    store: &dyn Repository,
    org: &Org,
    cohort: Option<i32>,
    n: usize,
    except: Uuid,
) -> Result<Vec<Uuid>, SeedError> {
    let q =
        GraduateQuery { scope_paths: vec![org.path.clone()], cohort, limit: n as i64 + 1, ..GraduateQuery::default() };
    Ok(store.list_graduates(&q).await?.0.into_iter().map(|g| g.id).filter(|g| *g != except).take(n).collect())
}

/// The demo employer: its id, its account and its approved postings.
struct DemoEmployer {
    id: Uuid,
    user: Uuid,
    postings: Vec<Uuid>,
}

/// What writing the demo events came to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EventsWritten {
    pub events: usize,
    pub bookings: usize,
    pub registrations: usize,
    pub check_ins: usize,
}

/// Writes the demo events once (marker `demo_events`).
pub async fn demo_events(store: &dyn Repository) -> Result<EventsWritten, SeedError> {
    let mut written = EventsWritten::default();
    if store.meta_get("demo_events").await?.as_deref() == Some("done") {
        return Ok(written);
    }
    let (Some(career), Some(college_leader), Some(province_admin)) = (
        store.user_by_username("demo_career").await?,
        store.user_by_username("demo_college").await?,
        store.user_by_username("demo_province").await?,
    ) else {
        return Ok(written);
    };
    let org = |code: &str| OrgCode::parse(code).map_err(|e| SeedError::Plan(e.to_string()));
    let (Some(sichuan), Some(scu)) =
        (store.org_by_code(&org("510000")?).await?, store.org_by_code(&org("4151010610")?).await?)
    else {
        return Ok(written);
    };
    let Some(college) = store.org_children(&scu).await?.into_iter().map(|c| c.org).next() else { return Ok(written) };
    let now = Utc::now();
    let cohort = store.cohorts().await?.first().copied();
    let mut r = Rng::new(2023).fork("events");

    // The demo graduate and the demo employer.
    let mut demo_graduate = Uuid::nil();
    if let Some(u) = store.user_by_username("demo_graduate").await? {
        demo_graduate = store.grants_of(u.id).await?.iter().find_map(|g| g.grant.subject_id).unwrap_or_default();
    }
    let mut demo_employer = None;
    if let Some(u) = store.user_by_username("demo_employer").await? {
        let employer = match store.grants_of(u.id).await?.iter().find_map(|g| g.grant.subject_id) {
            Some(id) => store.employer_by_id(id).await?,
            None => None,
        };
        if let Some(e) = employer.filter(|e| e.verification == Verification::Verified) {
            let postings = store
                .postings_of_employer(e.id)
                .await?
                .into_iter()
                .filter(|p| p.posting.status == PostingStatus::Approved)
                .map(|p| p.posting.id)
                .take(POSTINGS_PER_BOOKING)
                .collect();
            demo_employer = Some(DemoEmployer { id: e.id, user: u.id, postings });
        }
    }

    // Verified employers with approved postings, by id.
    let mut by_employer: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
    for p in store.approved_postings_after(None, 5_000).await? {
        if p.posting.status == PostingStatus::Approved
            && p.employer_verification == Verification::Verified
            && Some(p.posting.employer_id) != demo_employer.as_ref().map(|d| d.id)
        {
            let list = by_employer.entry(p.posting.employer_id).or_default();
            if list.len() < POSTINGS_PER_BOOKING {
                list.push(p.posting.id);
            }
        }
    }
    let pool: Vec<(Uuid, Vec<Uuid>)> = by_employer.into_iter().collect();

    // 四川大学's graduates, its demo college's, and three other universities of the province.
    let scu_pool = graduates_of(store, &scu, cohort, 80, demo_graduate).await?;
    let college_pool = graduates_of(store, &college, cohort, 12, demo_graduate).await?;
    let mut others: Vec<(Org, Vec<Uuid>)> = Vec::new();
    for u in store.org_children(&sichuan).await?.into_iter().map(|c| c.org) {
        if others.len() == 3 {
            break;
        }
        if u.kind != OrgKind::University || u.id == scu.id {
            continue;
        }
        let graduates = graduates_of(store, &u, cohort, 40, demo_graduate).await?;
        if graduates.len() >= 12 {
            others.push((u, graduates));
        }
    }

    let day = |days: i64, (h1, m1): (u32, u32), (h2, m2): (u32, u32)| {
        (beijing(now, days, h1, m1), beijing(now, days, h2, m2))
    };
    let slots = |labels: &[&str]| labels.iter().map(|l| ((*l).to_owned(), 1)).collect::<Vec<_>>();
    let mut plans: Vec<Plan<'_>> = Vec::new();

    // 四川大学: a fair and a 宣讲会 that are over, a themed fair and a small full 宣讲会 to come.
    plans.push(Plan {
        title: format!("{}春季校园双选会", scu.name),
        description: "面向全校应届毕业生，现场设展位 20 个，涵盖电子信息、装备制造、金融、教育等行业。\
                      请携带简历，凭入场码入场。",
        venue: "江安校区体育馆".into(),
        places: 150,
        booths: numbered_booths("A", 20),
        approved: 10,
        graduates: window(&scu_pool, 0, 36),
        turnout: 0.7,
        ..Plan::base(&scu, EventKind::CampusFair, day(-12, (9, 0), (16, 0)), career.id, now)
    });
    plans.push(Plan {
        title: "春季企业宣讲会（望江校区）".into(),
        description: "三家用人单位依次宣讲：企业介绍、岗位需求与薪酬福利、现场答疑，宣讲后可现场投递简历。",
        venue: "望江校区基础教学楼 A 座 101".into(),
        places: 120,
        booths: slots(&["第1场 14:00", "第2场 16:00", "第3场 19:00"]),
        approved: 3,
        graduates: window(&scu_pool, 20, 20),
        turnout: 0.6,
        ..Plan::base(&scu, EventKind::Presentation, day(-5, (14, 0), (21, 0)), career.id, now)
    });
    plans.push(Plan {
        theme: Theme::Sme100Days,
        title: format!("中小企业百日招聘·{}专场双选会", scu.name),
        description: "全国中小企业百日招聘高校毕业生活动专场，邀请省内专精特新中小企业进校招聘，展位预订开放中。",
        venue: "江安校区体育馆".into(),
        places: 400,
        booths: numbered_booths("B", 24),
        approved: 8,
        pending: 3,
        rejected: 1,
        demo_booking: Some(BookingState::Pending),
        graduates: std::iter::once(demo_graduate).chain(window(&scu_pool, 30, 19)).collect(),
        ..Plan::base(&scu, EventKind::CampusFair, day(9, (9, 30), (16, 0)), career.id, now)
    });
    plans.push(Plan {
        title: "名企宣讲会·小班专场".into(),
        description: "小班宣讲，名额有限，报满后进入候补；有同学退出时按候补顺序递补，递补名额保留 12 小时。",
        venue: "望江校区就业指导中心报告厅".into(),
        places: 20,
        hold_hours: 12,
        booths: slots(&["第1场 14:00", "第2场 15:30", "第3场 19:00"]),
        approved: 2,
        graduates: window(&scu_pool, 50, 22).into_iter().chain(std::iter::once(demo_graduate)).collect(),
        hand_back: 1,
        ..Plan::base(&scu, EventKind::Presentation, day(4, (14, 0), (20, 30)), career.id, now)
    });

    // The demo college's own fair.
    plans.push(Plan {
        title: format!("{}专场招聘会", college.name),
        description: "院系专场，小而专：邀请与本院专业对口的用人单位，面向本院毕业生。",
        venue: format!("{}学术报告厅", college.name),
        places: 80,
        booths: numbered_booths("C", 8),
        approved: 5,
        pending: 1,
        graduates: college_pool,
        ..Plan::base(&college, EventKind::CollegeFair, day(6, (14, 0), (17, 30)), college_leader.id, now)
    });

    // Three other universities: a fair that is over, a 宣讲会 and a themed fair to come; and a
    // 宣讲会 that is over at the first of them.
    let fairs: [(&str, EventKind, Theme, i64); 3] = [
        ("春季校园招聘会", EventKind::CampusFair, Theme::None, -20),
        ("西部地区专场宣讲会", EventKind::Presentation, Theme::Western, 15),
        ("宏志助航专场招聘会", EventKind::CampusFair, Theme::Hongzhi, 18),
    ];
    for (i, (u, graduates)) in others.iter().enumerate() {
        let (title, kind, theme, days) = fairs[i % fairs.len()];
        let presentation = kind == EventKind::Presentation;
        let hours = if presentation { day(days, (9, 30), (17, 30)) } else { day(days, (9, 0), (15, 30)) };
        let mut p = Plan {
            theme,
            title: format!("{}{title}", u.name),
            description: match theme {
                Theme::Western => "面向西部地区就业的专场宣讲，介绍西部地区用人单位及相关就业政策。",
                Theme::Hongzhi => {
                    "宏志助航计划专场，优先面向家庭经济困难等需要帮扶的毕业生，提供岗位推荐与一对一指导。"
                }
                _ => "面向全校应届毕业生的校园招聘会，凭入场码入场。",
            },
            venue: if presentation { "图书馆报告厅" } else { "学生活动中心" }.into(),
            places: if presentation { 60 } else { 200 },
            booths: if presentation {
                slots(&["第1场 09:30", "第2场 11:00", "第3场 14:00", "第4场 16:00"])
            } else {
                numbered_booths("A", 16)
            },
            ..Plan::base(u, kind, hours, province_admin.id, now)
        };
        if days < 0 {
            (p.approved, p.graduates, p.turnout) = (8, window(graduates, 0, 30), 0.62);
        } else {
            (p.approved, p.pending, p.graduates) = (2 + i, 1, window(graduates, 5, 8 + 2 * i));
        }
        plans.push(p);
    }
    if let Some((u, graduates)) = others.first() {
        plans.push(Plan {
            title: format!("{}企业宣讲会", u.name),
            description: "两家用人单位宣讲，介绍校招岗位与培养体系，宣讲后现场答疑。",
            venue: "图书馆报告厅".into(),
            places: 60,
            booths: slots(&["第1场 14:00", "第2场 16:00"]),
            approved: 2,
            graduates: window(graduates, 30, 16),
            turnout: 0.56,
            ..Plan::base(u, EventKind::Presentation, day(-8, (14, 0), (18, 0)), province_admin.id, now)
        });
    }

    // A fair of an alliance 四川大学 belongs to (else of the province's first), which the
    // graduates of every member university see. A member university's career centre organises
    // an alliance's events; the province does when 四川大学 is not a member.
    let alliance = match store.alliances_of(scu.id).await?.into_iter().next() {
        Some(a) => Some((a, career.id)),
        None => store.alliances_of(sichuan.id).await?.into_iter().next().map(|a| (a, province_admin.id)),
    };
    if let Some((alliance, organiser)) = &alliance {
        let members: Vec<Org> = store.org_children(alliance).await?.into_iter().map(|m| m.org).collect();
        let mut graduates = Vec::new();
        for m in members.iter().take(3) {
            if m.id == scu.id {
                graduates.extend(window(&scu_pool, 60, 6));
            } else {
                graduates.extend(graduates_of(store, m, cohort, 6, demo_graduate).await?);
            }
        }
        let host = members.iter().find(|m| m.id == scu.id).or(members.first()).map(|m| m.name.as_str());
        plans.push(Plan {
            title: format!("{}联合双选会", alliance.name),
            description: "联盟成员高校联合举办，面向各成员高校应届毕业生，展位统一预订。",
            venue: format!("{}体育馆", host.unwrap_or_default()),
            places: 800,
            booths: numbered_booths("H", 30),
            approved: 6,
            pending: 2,
            graduates,
            ..Plan::base(alliance, EventKind::CampusFair, day(11, (9, 0), (16, 0)), *organiser, now)
        });
    }

    // The province's online fair: its employers bring their approved postings.
    let mut graduates = window(&scu_pool, 66, 10);
    for (i, (_, g)) in others.iter().enumerate() {
        graduates.extend(window(g, 20 + i, 5));
    }
    plans.push(Plan {
        theme: Theme::Western,
        title: format!("{}高校毕业生网络招聘会（直播带岗）", sichuan.name),
        description: "省级网络招聘会，用人单位在线上展位直播带岗，毕业生报名后观看直播并投递所列职位。",
        stream_url: "https://live.example.edu.cn/sichuan-online-fair",
        places: 5000,
        booths: numbered_booths("线上", 10),
        approved: 7,
        pending: 1,
        demo_booking: Some(BookingState::Approved),
        graduates,
        ..Plan::base(&sichuan, EventKind::OnlineFair, day(7, (10, 0), (16, 0)), province_admin.id, now)
    });

    for p in &plans {
        write_event(store, p, &pool, demo_employer.as_ref(), &mut r, now, &mut written).await?;
    }
    store.meta_set("demo_events", "done").await?;
    Ok(written)
}

/// Writes one event with its bookings, registrations and check-ins, each at a moment before
/// the event (the store refuses bookings and registrations for an event that is over).
async fn write_event(
    store: &dyn Repository,
    p: &Plan<'_>,
    pool: &[(Uuid, Vec<Uuid>)],
    demo: Option<&DemoEmployer>,
    r: &mut Rng,
    now: DateTime<Utc>,
    written: &mut EventsWritten,
) -> Result<(), SeedError> {
    let created_at = p.starts_at.min(now) - Duration::days(10);
    let event = EventRecord {
        id: Uuid::now_v7(),
        org_id: p.org.id,
        kind: p.kind.id().to_owned(),
        theme: p.theme.id().to_owned(),
        title: p.title.clone(),
        description: p.description.to_owned(),
        venue: p.venue.clone(),
        online: p.kind == EventKind::OnlineFair,
        stream_url: p.stream_url.to_owned(),
        starts_at: p.starts_at,
        ends_at: p.ends_at,
        places: p.places,
        taken: 0,
        hold_hours: p.hold_hours,
        booths_open: true,
        cancelled_at: None,
        created_by: p.organiser,
        created_at,
    };
    store.add_event(&event, &p.booths).await?;
    written.events += 1;
    let booths = store.booths(event.id).await?;

    // Bookings: approved, pending and rejected employers take booths in order, then the demo
    // employer; each booked a day after the event was announced, decided a day later.
    let mut plan: Vec<(Uuid, Uuid, Vec<Uuid>, BookingState)> = Vec::new();
    let states = [
        (p.approved, BookingState::Approved),
        (p.pending, BookingState::Pending),
        (p.rejected, BookingState::Rejected),
    ];
    let wanted: usize = states.iter().map(|s| s.0).sum();
    let start = if pool.is_empty() { 0 } else { r.below(pool.len()) };
    let mut k = 0;
    for (n, state) in states {
        for _ in 0..n {
            if k >= wanted.min(pool.len()) {
                break;
            }
            let (employer, postings) = &pool[(start + k) % pool.len()];
            plan.push((*employer, p.organiser, postings.clone(), state));
            k += 1;
        }
    }
    if let (Some(state), Some(d)) = (p.demo_booking, demo) {
        plan.push((d.id, d.user, d.postings.clone(), state));
    }
    for (i, ((employer, by, postings, state), booth)) in plan.into_iter().zip(booths.iter()).enumerate() {
        let at = created_at + Duration::days(1) + Duration::hours(5 * i as i64);
        let booking = BookingRecord {
            id: Uuid::now_v7(),
            event_id: event.id,
            booth_id: booth.id,
            employer_id: employer,
            state: BookingState::Pending.id().to_owned(),
            note: String::new(),
            reason: String::new(),
            created_by: by,
            created_at: at,
            decided_at: None,
        };
        if !matches!(store.book_booth(&booking, &postings, at).await?, BoothBooked::Held(_)) {
            continue;
        }
        written.bookings += 1;
        let decided = at + Duration::days(1);
        match state {
            BookingState::Approved => {
                store.move_booking(booking.id, &["pending"], "approved", p.organiser, "", decided).await?;
            }
            BookingState::Rejected => {
                let reason = "本场以中小企业为主，贵单位规模与本场定位不符，欢迎报名其他场次。";
                store.move_booking(booking.id, &["pending"], "rejected", p.organiser, reason, decided).await?;
            }
            BookingState::Pending | BookingState::Withdrawn => {}
        }
    }

    // Registrations, first come first served; those past the places wait in line.
    let mut placed = Vec::new();
    for (i, graduate) in p.graduates.iter().enumerate() {
        if graduate.is_nil() {
            continue;
        }
        let at = created_at + Duration::days(2) + Duration::minutes(37 * i as i64);
        let id = Uuid::now_v7();
        let registration = RegistrationRecord {
            id,
            event_id: event.id,
            graduate_id: *graduate,
            state: "registered".into(),
            short_code: short_code(id),
            offered_until: None,
            created_at: at,
            updated_at: at,
            checked_in_at: None,
        };
        match store.register(&registration, at).await? {
            Registered::Place(id) => {
                placed.push(id);
                written.registrations += 1;
            }
            Registered::Waitlisted(_) => written.registrations += 1,
            Registered::Already | Registered::Closed => {}
        }
    }
    // Someone gives a place back a couple of hours ago: the first in line is offered it.
    for id in placed.iter().skip(2).take(p.hand_back) {
        let at = now - Duration::hours(2);
        store.cancel_registration(*id, at, hold_until(at, p.hold_hours)).await?;
    }
    // At an event that is over, most registered graduates came.
    if p.ends_at <= now {
        for (i, id) in placed.iter().enumerate() {
            if r.chance(p.turnout) {
                let at = p.starts_at + Duration::minutes(5 + 3 * i as i64);
                store.check_in(&format!("demo-{}", id.simple()), event.id, *id, p.organiser, at).await?;
                written.check_ins += 1;
            }
        }
    }
    if !p.booths_open {
        store.set_booths_open(event.id, false).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_codes_have_the_shape_staff_type() {
        for _ in 0..200 {
            let code = short_code(Uuid::now_v7());
            assert_eq!(code.len(), 8, "{code}");
            assert!(code.chars().all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c)), "{code}");
        }
    }

    #[test]
    fn times_are_beijing_time_of_the_day_asked() {
        use chrono::{TimeZone, Timelike};
        // 2024-05-10 23:30 UTC is already 2024-05-11 in Beijing.
        let now = Utc.with_ymd_and_hms(2024, 5, 10, 23, 30, 0).unwrap();
        let t = beijing(now, 1, 9, 30);
        assert_eq!(t, Utc.with_ymd_and_hms(2024, 5, 12, 1, 30, 0).unwrap());
        assert_eq!((t + Duration::hours(8)).hour(), 9);
    }

    #[test]
    fn windows_wrap_round_and_never_repeat_within_one() {
        let pool: Vec<Uuid> = (0..5).map(Uuid::from_u128).collect();
        assert_eq!(window(&pool, 3, 3), vec![pool[3], pool[4], pool[0]]);
        assert_eq!(window(&pool, 0, 9).len(), 5);
        assert!(window(&[], 2, 3).is_empty());
    }
}
