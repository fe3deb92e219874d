//! jiuye's vocabulary and rules: official codes, reference data, the organisation tree.
//!
//! Plain functions over plain types. This crate must never do I/O (no database, no files, no
//! network): everything here is unit-tested in isolation, and every other crate builds on it.

pub mod access;
pub mod accounts;
pub mod awards;
pub mod calendar;
pub mod campaign;
pub mod codes;
pub mod contests;
pub mod courses;
pub mod demand;
pub mod destination;
pub mod employer;
pub mod error;
pub mod error_code;
pub mod events;
pub mod federation;
pub mod followup;
pub mod guidance;
pub mod hardship;
pub mod integrity;
pub mod live;
pub mod matching;
pub mod org;
pub mod posting;
pub mod read_log;
pub mod refdata;
pub mod roster;
pub mod safety;
pub mod screening;
pub mod text;

pub use codes::{CreditCode, DestinationCode, IndustryCode, MajorCode, OrgCode, RegionCode, SchoolCode};
pub use error::{CodeError, RefDataError};
pub use error_code::ErrorCode;
pub use org::{EducationLevel, Employer, Gender, Graduate, Org, OrgCounts, OrgKind, OrgWithCounts};
pub use refdata::{Catalogue, RefData, RefEntry, SchoolLevel, University};
