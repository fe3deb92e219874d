//! The organisation tree (组织机构): nation → province → university → college (院系) → major
//! programme (专业点), plus alliances (联盟) of universities. Plain values; no I/O.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::codes::OrgCode;
use crate::refdata::SchoolLevel;

/// The kind of a node in the organisation tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// 教育部 (the national node).
    Nation,
    /// 省级教育部门.
    Province,
    /// 高校.
    University,
    /// 二级院系.
    College,
    /// 学科专业点.
    Programme,
    /// 高校联盟.
    Alliance,
}

impl OrgKind {
    pub const ALL: [OrgKind; 6] = [
        OrgKind::Nation,
        OrgKind::Province,
        OrgKind::University,
        OrgKind::College,
        OrgKind::Programme,
        OrgKind::Alliance,
    ];
    pub fn id(self) -> &'static str {
        match self {
            OrgKind::Nation => "nation",
            OrgKind::Province => "province",
            OrgKind::University => "university",
            OrgKind::College => "college",
            OrgKind::Programme => "programme",
            OrgKind::Alliance => "alliance",
        }
    }
    pub fn from_id(s: &str) -> Option<Self> {
        OrgKind::ALL.into_iter().find(|k| k.id() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            OrgKind::Nation => "全国",
            OrgKind::Province => "省级",
            OrgKind::University => "高校",
            OrgKind::College => "院系",
            OrgKind::Programme => "专业点",
            OrgKind::Alliance => "高校联盟",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            OrgKind::Nation => "Nation",
            OrgKind::Province => "Province",
            OrgKind::University => "University",
            OrgKind::College => "College",
            OrgKind::Programme => "Major programme",
            OrgKind::Alliance => "Alliance",
        }
    }
    /// The kind of this kind's tree children, if any.
    pub fn child_kind(self) -> Option<OrgKind> {
        match self {
            OrgKind::Nation => Some(OrgKind::Province),
            OrgKind::Province => Some(OrgKind::University),
            OrgKind::University => Some(OrgKind::College),
            OrgKind::College => Some(OrgKind::Programme),
            OrgKind::Programme | OrgKind::Alliance => None,
        }
    }
}

/// A node of the organisation tree. Records that may travel between nodes carry a UUID, the
/// node they were created on (`origin_node`) and a `version` bumped on every change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Org {
    pub id: Uuid,
    pub code: OrgCode,
    pub kind: OrgKind,
    pub name: String,
    pub parent_id: Option<Uuid>,
    /// Codes from the nation down to this node, joined by `/` (`CN/510000/4151010610`): the
    /// node's place in the tree, used for scope checks.
    pub path: String,
    /// The province-level region code of this node (none for the nation and alliances).
    pub province_code: Option<String>,
    /// Universities: 本科 or 高职专科.
    pub school_level: Option<SchoolLevel>,
    /// Universities: 新建本科.
    pub newly_built: bool,
    /// Universities: 民办.
    pub private: bool,
    /// Universities: 主管部门.
    pub authority: Option<String>,
    /// Universities: 所在地 (GB/T 2260 code).
    pub region_code: Option<String>,
    /// Programmes: the catalogue major code.
    pub major_code: Option<String>,
    pub origin_node: Uuid,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Headcounts under a node, for browsing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgCounts {
    /// Direct children in the tree (universities of a province, colleges of a university, …).
    pub children: i64,
    /// Graduates recorded anywhere below the node, all cohorts.
    pub graduates: i64,
}

/// A node with its counts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrgWithCounts {
    pub org: Org,
    pub counts: OrgCounts,
}

/// 性别.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    pub fn id(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
        }
    }
    pub fn from_id(s: &str) -> Option<Self> {
        match s {
            "male" => Some(Gender::Male),
            "female" => Some(Gender::Female),
            _ => None,
        }
    }
}

/// 学历层次.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EducationLevel {
    /// 专科.
    Associate,
    /// 本科.
    Bachelor,
    /// 硕士.
    Master,
    /// 博士.
    Doctor,
}

impl EducationLevel {
    pub fn id(self) -> &'static str {
        match self {
            EducationLevel::Associate => "associate",
            EducationLevel::Bachelor => "bachelor",
            EducationLevel::Master => "master",
            EducationLevel::Doctor => "doctor",
        }
    }
    pub fn from_id(s: &str) -> Option<Self> {
        [EducationLevel::Associate, EducationLevel::Bachelor, EducationLevel::Master, EducationLevel::Doctor]
            .into_iter()
            .find(|l| l.id() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            EducationLevel::Associate => "专科",
            EducationLevel::Bachelor => "本科",
            EducationLevel::Master => "硕士",
            EducationLevel::Doctor => "博士",
        }
    }
}

/// A graduate as the foundation knows them: who, where in the tree, which cohort. Destinations,
/// contact details and sensitive fields come with later modules.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Graduate {
    pub id: Uuid,
    /// The university (the organisation column of this large table).
    pub org_id: Uuid,
    pub college_id: Uuid,
    pub programme_id: Uuid,
    /// 学号.
    pub student_no: String,
    pub name: String,
    pub gender: Gender,
    pub education_level: EducationLevel,
    /// 届别, e.g. 2023.
    pub cohort: i32,
    /// 生源地 (GB/T 2260).
    pub origin_region: String,
    /// The current destination code (毕业去向代码), if one is registered.
    pub dest_code: Option<String>,
    pub dest_status: crate::destination::DestStatus,
    /// When the destination last changed.
    pub dest_updated_at: Option<DateTime<Utc>>,
    pub origin_node: Uuid,
    pub version: i64,
}

/// 用人单位 as the foundation knows it (directory, verification and contacts come later).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Employer {
    pub id: Uuid,
    /// The organisation that registered the employer on this node.
    pub org_id: Uuid,
    /// 统一社会信用代码.
    pub credit_code: String,
    pub name: String,
    /// 单位性质代码.
    pub employer_type: String,
    /// GB/T 4754 class (小类) code.
    pub industry_code: String,
    /// 单位所在地 (GB/T 2260).
    pub region_code: String,
    pub origin_node: Uuid,
    pub version: i64,
}
