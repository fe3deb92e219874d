//! How an employer is shown and entered in JSON: the record (with its contact person only for
//! those who may see it), the fields of an entry, and the changes a correction proposes.

use jiuye_app::employers::{Changes, EmployerFields};
use jiuye_store::employers::EmployerRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
/// An employer as submitted.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EmployerInput {
    /// 统一社会信用代码 (18 characters; lower case is accepted).
    #[schema(example = "91350100M000100Y43")]
    pub credit_code: String,
    pub name: String,
    /// 单位性质代码 (default 39 其他企业).
    pub employer_type: Option<String>,
    /// GB/T 4754-2017 industry code (class, group, division or section).
    pub industry_code: String,
    /// GB/T 2260 region code.
    pub region_code: String,
    /// 从业人员 (persons).
    pub employees: Option<i64>,
    /// 营业收入, 万元.
    pub revenue_wan: Option<i64>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
}

/// An employer of the directory.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmployerDto {
    pub id: Uuid,
    pub credit_code: String,
    pub name: String,
    pub employer_type: String,
    pub industry_code: String,
    pub region_code: String,
    pub employees: Option<i64>,
    pub revenue_wan: Option<i64>,
    /// `large`, `medium`, `small` or `micro` (by the SME classification standard).
    pub size_class: Option<String>,
    /// The contact person: `null` unless the caller is the employer, staff of its registering
    /// scope, or staff of a university where it has a posting, a visit or a base.
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    /// `unverified`, `verified` or `blacklisted`.
    pub verification: String,
    pub blacklist_reason: Option<String>,
    pub version: i64,
    /// For the staff of its registering scope (on one employer): how many scopes hide it after
    /// confirming a scam, not lifted (see `/api/v1/employers/{credit_code}/scam-reports`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scam_reports_in_force: Option<i64>,
}

impl From<EmployerRecord> for EmployerDto {
    fn from(e: EmployerRecord) -> Self {
        EmployerDto {
            id: e.id,
            credit_code: e.credit_code,
            name: e.name,
            employer_type: e.employer_type,
            industry_code: e.industry_code,
            region_code: e.region_code,
            employees: e.employees,
            revenue_wan: e.revenue_wan,
            size_class: e.size_class,
            contact_name: e.contact_name,
            contact_phone: e.contact_phone,
            contact_email: e.contact_email,
            verification: e.verification.id().to_owned(),
            blacklist_reason: e.blacklist_reason,
            version: e.version,
            scam_reports_in_force: None,
        }
    }
}

impl From<&EmployerInput> for EmployerFields {
    fn from(i: &EmployerInput) -> Self {
        EmployerFields {
            credit_code: i.credit_code.clone(),
            name: i.name.clone(),
            employer_type: i.employer_type.clone(),
            industry_code: i.industry_code.clone(),
            region_code: i.region_code.clone(),
            employees: i.employees,
            revenue_wan: i.revenue_wan,
            contact_name: i.contact_name.clone(),
            contact_phone: i.contact_phone.clone(),
            contact_email: i.contact_email.clone(),
        }
    }
}

/// The fields of an entry that differ from the stored record; `None` is "not proposed".
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct EmployerChanges {
    pub name: Option<String>,
    /// 单位性质代码.
    pub employer_type: Option<String>,
    pub industry_code: Option<String>,
    pub region_code: Option<String>,
    pub employees: Option<i64>,
    pub revenue_wan: Option<i64>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
}

impl From<Changes> for EmployerChanges {
    fn from(c: Changes) -> Self {
        EmployerChanges {
            name: c.name,
            employer_type: c.employer_type,
            industry_code: c.industry_code,
            region_code: c.region_code,
            employees: c.employees,
            revenue_wan: c.revenue_wan,
            contact_name: c.contact_name,
            contact_phone: c.contact_phone,
            contact_email: c.contact_email,
        }
    }
}
