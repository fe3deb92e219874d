//! `jiuye eval titles`: title normalisation measured on labelled job titles.

use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The labelled titles (CSV: job_name, expected_code, expected_name).
    #[arg(long)]
    pub cases: PathBuf,
}

pub fn run(a: Args) -> Result<bool, String> {
    Err(format!("{}: not measured yet", a.cases.display()))
}
