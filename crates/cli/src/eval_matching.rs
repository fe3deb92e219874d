//! `jiuye eval matching`: the résumé–posting text scorer measured on labelled pairs.

use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The labelled pairs (CSV: cv, jd, satisfied).
    #[arg(long)]
    pub pairs: PathBuf,
}

pub fn run(a: Args) -> Result<bool, String> {
    Err(format!("{}: not measured yet", a.pairs.display()))
}
