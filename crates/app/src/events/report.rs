//! What events came to, for the campaign report: one line per event organised inside an
//! organisation's subtree during the campaign window (employers, positions, registrations,
//! attendance, and for live fairs the chats, interviews and offers recorded), with a total.

use chrono::{NaiveDate, TimeZone, Utc};
use jiuye_domain::Org;
use jiuye_domain::access::{self, Action, Actor, Resource};
use jiuye_domain::events::EventKind;
use jiuye_sheets::{Cell, Sheet};
use jiuye_store::events::EventFilter;

use super::Events;
use crate::Error;

/// The columns after the event's name, kind, organiser and start.
const FIGURES: [&str; 12] = [
    "参会单位数",
    "岗位数",
    "报名人数",
    "候补人数",
    "签到人数",
    "未到场人数",
    "线上对话数",
    "线上消息数",
    "邀请面试",
    "拟录用",
    "简历投递",
    "状态",
];

impl Events<'_> {
    /// The sheet 招聘活动 of the campaign report, for those who see the organisation's
    /// statistics or organise its events; None for others.
    pub async fn report_sheet(
        &self,
        actor: &Actor,
        org: &Org,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Option<Sheet>, Error> {
        let at = Resource::at(&org.path);
        if access::can(actor, Action::ViewStatistics, &at).is_none()
            && access::can(actor, Action::OrganiseEvent, &at).is_none()
        {
            return Ok(None);
        }
        let day = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| Utc.from_utc_datetime(&t));
        let filter = EventFilter {
            under: vec![org.path.clone()],
            from: day(from),
            to: day(to + chrono::Duration::days(1)),
            limit: 500,
            ..EventFilter::default()
        };
        let mut rows = Vec::new();
        let mut total = [0i64; 11];
        for row in self.store.events(&filter).await? {
            let st = self.tally(row).await?;
            let (row, a, live) = (&st.row, &st.attendance, &st.live);
            let figures = [
                st.employers_approved,
                st.positions,
                a.registered,
                a.waitlisted,
                a.checked_in,
                st.no_shows,
                live.chats,
                live.messages,
                live.interviews,
                live.offers,
                live.resumes,
            ];
            for (t, f) in total.iter_mut().zip(figures) {
                *t += f;
            }
            let phase = st.phase;
            let kind = EventKind::from_id(&row.event.kind).map(EventKind::zh).unwrap_or_default();
            let mut line = vec![
                Cell::Text(row.event.title.clone()),
                Cell::Text(kind.to_owned()),
                Cell::Text(row.org_name.clone()),
                Cell::Text(row.event.starts_at.format("%Y-%m-%d %H:%M UTC").to_string()),
            ];
            line.extend(figures.iter().map(|n| Cell::Number(*n as f64)));
            line.push(Cell::Text(phase.zh().to_owned()));
            rows.push(line);
        }
        let mut sum = vec![
            Cell::Text("合计".into()),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
        ];
        sum.extend(total.iter().map(|n| Cell::Number(*n as f64)));
        sum.push(Cell::Text(String::new()));
        rows.push(sum);
        let mut headers: Vec<String> =
            ["活动名称", "类型", "主办单位", "开始时间"].iter().map(|h| (*h).to_owned()).collect();
        headers.extend(FIGURES.iter().map(|h| (*h).to_owned()));
        Ok(Some(Sheet { name: "招聘活动".into(), headers, rows }))
    }
}
