//! `medmal book generate`: a synthetic in-force book for a sample carrier.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use medmal_book::generate::{GenerateOptions, generate};
use medmal_core::Manual;

use crate::sources::{load_manuals, manuals_dir};

#[derive(clap::Args, Debug)]
pub struct GenerateArgs {
    /// Number of policies (each with one or more providers).
    #[arg(long, conflicts_with = "rows", required_unless_present = "rows")]
    pub policies: Option<u64>,
    /// Number of rows (insured providers) instead; the last policy is cut to fit.
    #[arg(long)]
    pub rows: Option<u64>,
    /// Seed: the same seed gives the same book.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long)]
    pub carrier: String,
    #[arg(long)]
    pub state: String,
    /// Manual version whose in-force book this is (default: the carrier's earliest in the state).
    #[arg(long)]
    pub version: Option<String>,
    /// Output file: .csv or .parquet.
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, env = "MEDMAL_MANUALS")]
    pub manuals: Option<PathBuf>,
}

pub fn generate_cmd(args: &GenerateArgs) -> std::io::Result<ExitCode> {
    let dir = manuals_dir(args.manuals.clone());
    let Some(loaded) = load_manuals(&dir)? else { return Ok(ExitCode::from(1)) };
    let manuals: Vec<&Manual> = loaded.iter().map(|m| &m.manual).collect();
    let options = GenerateOptions {
        carrier: args.carrier.clone(),
        state: args.state.clone(),
        version: args.version.clone(),
        policies: args.policies,
        rows: args.rows,
        seed: args.seed,
    };
    let book = match generate(&manuals, &options) {
        Ok(b) => b,
        Err(e) => {
            writeln!(std::io::stderr(), "medmal: {e}")?;
            return Ok(ExitCode::from(1));
        }
    };
    if let Err(e) = medmal_book::write_book(&book, &args.out) {
        writeln!(std::io::stderr(), "medmal: {e}")?;
        return Ok(ExitCode::from(1));
    }
    let policies = distinct_policies(&book);
    writeln!(
        std::io::stderr(),
        "medmal: wrote {} rows ({policies} policies) to {}",
        book.len(),
        Path::new(&args.out).display()
    )?;
    Ok(ExitCode::SUCCESS)
}

fn distinct_policies(book: &medmal_core::book::Book) -> usize {
    (0..book.len()).filter(|&i| i == 0 || book.policy_ids.get(i) != book.policy_ids.get(i - 1)).count()
}
