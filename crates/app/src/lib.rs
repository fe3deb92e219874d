//! The application layer of jiuye: the use cases, one module per capability in the domain's
//! words. A use case takes the repository, the caller and typed input, checks access through
//! `jiuye_domain::access`, runs the rules of `jiuye_domain`, writes through `jiuye_store`, and
//! returns typed output or an [`Error`] with a stable code. The JSON API, the pages and the CLI
//! all call these.
//!
//! Never depends on HTTP: no status codes, extractors or responses here (the web layer maps an
//! [`ErrorKind`] to its status).

pub mod access;
pub mod accounts;
pub mod applications;
pub mod awards;
pub mod calendar;
pub mod campaign;
pub mod contests;
pub mod courses;
pub mod destinations;
pub mod employers;
pub mod error;
pub mod events;
pub mod federation;
pub mod files;
pub mod followup;
pub mod guidance;
pub mod hardship;
pub mod live;
pub mod matching;
pub mod orgs;
pub mod postings;
pub mod read_log;
pub mod rosters;
pub mod safety;
pub mod sealing;
pub mod search;
pub mod statistics;
#[cfg(test)]
mod test_support;
pub mod workbench;

pub use error::{Error, ErrorCode, ErrorKind};
