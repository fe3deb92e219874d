//! Rights reports (维护就业权益): a graduate reports an employer or a university unit that withholds
//! a diploma or certificate to force a signature, makes them sign for a job that does not exist,
//! charges fees, or discriminates. A report goes to the career centre of the graduate's
//! university; one about the graduate's own university (or a unit of it) goes to the province
//! directly; one nobody at the university touched within 5 working days reaches the province too.

use chrono::NaiveDate;

use super::workdays::Calendar;

/// How many working days a university has to take up a report before the province sees it.
pub const ESCALATION_WORKING_DAYS: u32 = 5;

/// What was done to the graduate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Withholding a diploma, degree certificate or other document to force a signature (扣押证书逼签).
    WithheldDocuments,
    /// An agreement signed for a job that does not exist (虚假签约).
    FakeAgreement,
    /// Charging the graduate fees or deposits (违规收费).
    Fees,
    /// Discrimination by sex, place of origin, university tier, health and so on (就业歧视).
    Discrimination,
    /// Anything else that infringes the graduate's rights in job seeking.
    Other,
}

impl Kind {
    pub const ALL: [Kind; 5] =
        [Kind::WithheldDocuments, Kind::FakeAgreement, Kind::Fees, Kind::Discrimination, Kind::Other];

    pub fn id(self) -> &'static str {
        match self {
            Kind::WithheldDocuments => "withheld_documents",
            Kind::FakeAgreement => "fake_agreement",
            Kind::Fees => "fees",
            Kind::Discrimination => "discrimination",
            Kind::Other => "other",
        }
    }

    pub fn from_id(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.id() == s)
    }

    /// Its name in Chinese.
    pub fn name(self) -> &'static str {
        match self {
            Kind::WithheldDocuments => "扣押毕业证书等材料逼迫签约",
            Kind::FakeAgreement => "虚假岗位签约（被“假就业”）",
            Kind::Fees => "违规收取费用",
            Kind::Discrimination => "就业歧视",
            Kind::Other => "其他侵害就业权益的行为",
        }
    }
}

/// Where a report stands, as the graduate sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// Filed; nobody took it up yet.
    Received,
    /// Someone is looking into it.
    Handling,
    /// Settled.
    Resolved,
    /// Passed to another authority (labour inspection, market regulation, police).
    Referred,
}

impl State {
    pub const ALL: [State; 4] = [State::Received, State::Handling, State::Resolved, State::Referred];

    pub fn id(self) -> &'static str {
        match self {
            State::Received => "received",
            State::Handling => "handling",
            State::Resolved => "resolved",
            State::Referred => "referred",
        }
    }

    pub fn from_id(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|k| k.id() == s)
    }

    pub fn name(self) -> &'static str {
        match self {
            State::Received => "已受理",
            State::Handling => "处理中",
            State::Resolved => "已办结",
            State::Referred => "已转交有关部门",
        }
    }

    /// Whether the report still waits for someone.
    pub fn is_open(self) -> bool {
        matches!(self, State::Received | State::Handling)
    }

    /// Whether staff may move a report from this state to `to`: any open state to any other
    /// state; a closed report may be reopened (to handling) only.
    pub fn may_become(self, to: State) -> bool {
        if self == to || to == State::Received {
            return false;
        }
        self.is_open() || to == State::Handling
    }
}

/// Who first handles a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// The career centre of the graduate's university (and the province after 5 working days).
    University,
    /// The province directly: the report is about the graduate's own university.
    Province,
}

impl Route {
    pub fn id(self) -> &'static str {
        match self {
            Route::University => "university",
            Route::Province => "province",
        }
    }

    pub fn from_id(s: &str) -> Option<Route> {
        [Route::University, Route::Province].into_iter().find(|r| r.id() == s)
    }

    /// The route of a report: to the province when its target is the graduate's own university
    /// or a unit of it (`target_path` at or below `university_path`).
    pub fn of(university_path: &str, target_path: Option<&str>) -> Route {
        match target_path {
            Some(t) if t == university_path || t.starts_with(&format!("{university_path}/")) => Route::Province,
            _ => Route::University,
        }
    }
}

/// The last day the university may take a report filed on `filed` up before it reaches the
/// province: the 5th working day after the filing day.
pub fn due_on(cal: &Calendar, filed: NaiveDate) -> NaiveDate {
    cal.add_working_days(filed, ESCALATION_WORKING_DAYS)
}

/// Whether a report at the university stage reaches the province on `today`: still untouched
/// (`received`) after its due day.
pub fn overdue(state: State, due: NaiveDate, today: NaiveDate) -> bool {
    state == State::Received && today > due
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_about_ones_own_university_go_to_the_province() {
        let u = "/510000/4151010610";
        assert_eq!(Route::of(u, Some(u)), Route::Province);
        assert_eq!(Route::of(u, Some("/510000/4151010610/c01")), Route::Province);
        assert_eq!(Route::of(u, Some("/510000/41510106100")), Route::University, "not a prefix match");
        assert_eq!(Route::of(u, None), Route::University);
    }

    #[test]
    fn states_move_forward_and_closed_ones_only_reopen() {
        assert!(State::Received.may_become(State::Handling));
        assert!(State::Received.may_become(State::Resolved));
        assert!(!State::Handling.may_become(State::Received));
        assert!(!State::Resolved.may_become(State::Referred));
        assert!(State::Resolved.may_become(State::Handling));
        for k in Kind::ALL {
            assert_eq!(Kind::from_id(k.id()), Some(k));
        }
    }

    #[test]
    fn untouched_reports_reach_the_province_after_five_working_days() {
        let cal = Calendar::shipped();
        let filed = NaiveDate::from_ymd_opt(2026, 9, 30).unwrap();
        let due = due_on(cal, filed);
        assert_eq!(due, NaiveDate::from_ymd_opt(2026, 10, 13).unwrap());
        assert!(!overdue(State::Received, due, due));
        assert!(overdue(State::Received, due, due.succ_opt().unwrap()));
        assert!(!overdue(State::Handling, due, due.succ_opt().unwrap()));
    }
}
