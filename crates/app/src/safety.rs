//! Job-seeking safety (求职安全): the screening rules a node applies and their reload with the
//! open postings screened again; graduates' rights reports (维护就业权益); the safety quiz.

pub mod quiz;
pub mod rights;
pub mod rules;
