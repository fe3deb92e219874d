//! Rebuild when a migration is added or changed: the migrations are embedded at compile time and
//! the embedding macro does not watch the directories itself.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
