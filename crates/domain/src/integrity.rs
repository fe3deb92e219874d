//! Integrity findings (数据核查) over destination records: patterns that suggest records were
//! made up or pushed through (the 四不准 the Ministry forbids), each with a reason in Chinese and
//! the graduates concerned. Pure: the caller reads the facts of a scope's records.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::destination::{DestStatus, is_placed};

/// How many registrations for one employer on one day by one staff account make a finding.
pub const BULK_REGISTRATIONS: usize = 5;

/// What the checks need of one destination record.
#[derive(Clone, Debug)]
pub struct RecordFacts<'a> {
    pub student_no: &'a str,
    pub name: &'a str,
    pub code: &'a str,
    pub status: DestStatus,
    pub employer_name: Option<&'a str>,
    pub credit_code: Option<&'a str>,
    /// `graduate`, `staff` or `import`.
    pub source: &'a str,
    pub registered_by_name: Option<&'a str>,
    /// The day the record was made.
    pub created_on: NaiveDate,
    pub evidence_count: i64,
    /// Versions after the graduate first confirmed.
    pub changes_after_confirmation: i64,
}

/// One suspicious pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// `bulk_same_employer_same_day`, `no_evidence`, `changed_after_confirmation`,
    /// `invalid_credit_code`.
    pub kind: &'static str,
    pub reason: String,
    /// "学号 姓名" of each graduate concerned.
    pub graduates: Vec<String>,
}

/// Every finding over a scope's records, in a fixed order.
pub fn findings(rows: &[RecordFacts<'_>]) -> Vec<Finding> {
    let who = |r: &RecordFacts<'_>| format!("{} {}", r.student_no, r.name);
    let mut out = Vec::new();
    // Many registrations for one employer on one day by one staff account.
    let mut groups: BTreeMap<(String, String, String), Vec<String>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.source == "staff") {
        let employer = r.credit_code.or(r.employer_name).unwrap_or_default();
        if employer.is_empty() {
            continue;
        }
        let key = (r.registered_by_name.unwrap_or_default().to_owned(), employer.to_owned(), r.created_on.to_string());
        groups.entry(key).or_default().push(who(r));
    }
    for ((staff, employer, day), gs) in groups {
        if gs.len() >= BULK_REGISTRATIONS {
            out.push(Finding {
                kind: "bulk_same_employer_same_day",
                reason: format!("{day} 同一工作人员账号 {staff} 为 {} 名毕业生登记了同一单位 {employer}", gs.len()),
                graduates: gs,
            });
        }
    }
    let no_evidence: Vec<String> = rows
        .iter()
        .filter(|r| r.source != "import" && is_placed(r.code) && r.evidence_count == 0 && r.status != DestStatus::Draft)
        .map(who)
        .collect();
    if !no_evidence.is_empty() {
        out.push(Finding {
            kind: "no_evidence",
            reason: format!("{} 条已落实登记没有上传任何证明材料", no_evidence.len()),
            graduates: no_evidence,
        });
    }
    let changed: Vec<String> = rows.iter().filter(|r| r.changes_after_confirmation > 0).map(who).collect();
    if !changed.is_empty() {
        out.push(Finding {
            kind: "changed_after_confirmation",
            reason: format!("{} 条记录在毕业生本人确认后又被修改", changed.len()),
            graduates: changed,
        });
    }
    let bad_codes: Vec<String> = rows
        .iter()
        .filter(|r| r.credit_code.is_some_and(|c| crate::CreditCode::parse(c).is_err()))
        .map(|r| format!("{}（{}）", who(r), r.credit_code.unwrap_or_default()))
        .collect();
    if !bad_codes.is_empty() {
        out.push(Finding {
            kind: "invalid_credit_code",
            reason: format!("{} 条登记的单位统一社会信用代码校验不通过", bad_codes.len()),
            graduates: bad_codes,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record<'a>(no: &'a str, source: &'a str, staff: &'a str, day: u32) -> RecordFacts<'a> {
        RecordFacts {
            student_no: no,
            name: "某",
            code: "11",
            status: DestStatus::Submitted,
            employer_name: Some("某公司"),
            credit_code: Some("91350100M000100Y43"),
            source,
            registered_by_name: Some(staff),
            created_on: NaiveDate::from_ymd_opt(2023, 6, day).unwrap_or_default(),
            evidence_count: 1,
            changes_after_confirmation: 0,
        }
    }

    #[test]
    fn bulk_registrations_by_one_staff_account_on_one_day() {
        let nos = ["1", "2", "3", "4", "5"];
        let mut rows: Vec<RecordFacts> = nos.iter().map(|n| record(n, "staff", "c1", 1)).collect();
        assert_eq!(findings(&rows).iter().map(|f| f.kind).collect::<Vec<_>>(), ["bulk_same_employer_same_day"]);
        rows[4].created_on = NaiveDate::from_ymd_opt(2023, 6, 2).unwrap_or_default();
        assert!(findings(&rows).is_empty(), "four on one day are not a pattern");
        let by_graduates: Vec<RecordFacts> = nos.iter().map(|n| record(n, "graduate", "", 1)).collect();
        assert!(findings(&by_graduates).is_empty(), "graduates registering themselves are not bulk");
    }

    #[test]
    fn evidence_confirmation_and_credit_codes() {
        let mut a = record("1", "graduate", "", 1);
        a.evidence_count = 0;
        let mut b = record("2", "staff", "c1", 1);
        b.changes_after_confirmation = 2;
        let mut c = record("3", "import", "", 1);
        c.evidence_count = 0;
        c.credit_code = Some("91350100M000100Y44");
        let kinds: Vec<&str> = findings(&[a, b, c]).iter().map(|f| f.kind).collect();
        assert_eq!(kinds, ["no_evidence", "changed_after_confirmation", "invalid_credit_code"]);
    }
}
