//! The same stories against every backend: SQLite always, PostgreSQL when `DATABASE_URL` is set
//! (each run in a fresh schema, dropped afterwards).

#[path = "conformance/employers.rs"]
mod employers;
#[path = "conformance/repository.rs"]
mod repository;
#[path = "conformance/schema.rs"]
mod schema;
#[path = "conformance/support.rs"]
mod support;
