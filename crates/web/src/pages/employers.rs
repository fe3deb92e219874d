//! Pages of the shared employer directory (用人单位库): the corrections waiting for the
//! registering scope's decision.

pub mod corrections;
