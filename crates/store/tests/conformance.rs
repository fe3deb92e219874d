//! The same stories against every backend: SQLite always, PostgreSQL when `DATABASE_URL` is set
//! (each run in a fresh schema, dropped afterwards). One story per part of the `Repository`
//! trait, each a day of the people who use it.

#[path = "conformance/accounts.rs"]
mod accounts;
#[path = "conformance/audit_chain.rs"]
mod audit_chain;
#[path = "conformance/campaign.rs"]
mod campaign;
#[path = "conformance/deliveries.rs"]
mod deliveries;
#[path = "conformance/destinations.rs"]
mod destinations;
#[path = "conformance/employers.rs"]
mod employers;
#[path = "conformance/events.rs"]
mod events;
#[path = "conformance/federation.rs"]
mod federation;
#[path = "conformance/followup.rs"]
mod followup;
#[path = "conformance/guidance.rs"]
mod guidance;
#[path = "conformance/outbox.rs"]
mod outbox;
#[path = "conformance/postings.rs"]
mod postings;
#[path = "conformance/received.rs"]
mod received;
#[path = "conformance/repository.rs"]
mod repository;
#[path = "conformance/safety.rs"]
mod safety;
#[path = "conformance/schema.rs"]
mod schema;
#[path = "conformance/support.rs"]
mod support;
