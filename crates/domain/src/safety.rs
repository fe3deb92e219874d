//! Job-seeking safety (求职安全): graduates' rights reports (维护就业权益) and the working days
//! that decide when one reaches the province, and the safety quiz.

pub mod quiz;
pub mod rights;
pub mod workdays;
