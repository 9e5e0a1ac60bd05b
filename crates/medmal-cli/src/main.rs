//! `medmal`: the command line over the medmal libraries. Only argument parsing, file loading
//! and printing live here; rating is `medmal_core`.
//!
//! Exit codes: 0 ok; 1 invalid input (problems printed as `file:line:col: message`); 2 usage.

mod cmd;
mod render;
mod sources;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "medmal",
    version,
    about = "Rate, quote and check medical malpractice insurance from carrier rate manuals"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

/// Output of `compare`: the readable table, JSON, or the proposal document as HTML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompareFormat {
    Table,
    Json,
    Html,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Validate rate manuals: schema, references, tables, and version timelines.
    Check {
        /// Manual directories or manual.toml files (default: the sample manuals).
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Rate a practice with every carrier writing its state, with worksheets.
    Quote {
        /// Practice file (.toml or .json).
        practice: PathBuf,
        /// Directory of rate manuals (default: the sample manuals shipped with medmal).
        #[arg(long, env = "MEDMAL_MANUALS")]
        manuals: Option<PathBuf>,
        /// Only this carrier id.
        #[arg(long)]
        carrier: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Compare every carrier like for like, with the cost over the years and coverage features.
    Compare {
        /// Practice file (.toml or .json).
        practice: PathBuf,
        #[arg(long, env = "MEDMAL_MANUALS")]
        manuals: Option<PathBuf>,
        #[command(flatten)]
        what_if: cmd::compare::CompareArgs,
        #[arg(long, value_enum, default_value_t = CompareFormat::Table)]
        format: CompareFormat,
    },
    /// Write the proposal a broker hands the practice: recommendation, comparison, cost chart,
    /// coverage grid, gaps and questions, worksheets (HTML or PDF by the file's extension).
    Proposal {
        /// Practice file (.toml or .json).
        practice: PathBuf,
        /// Output file: .html or .pdf.
        #[arg(long)]
        out: PathBuf,
        #[arg(long, env = "MEDMAL_MANUALS")]
        manuals: Option<PathBuf>,
        #[command(flatten)]
        what_if: cmd::compare::CompareArgs,
        /// Date printed as "prepared on" (default: today).
        #[arg(long, value_parser = parse_date)]
        date: Option<jiff::civil::Date>,
        /// Who prepared it (the broker or agency).
        #[arg(long, default_value = "your broker")]
        prepared_by: String,
    },
    /// Coverage gaps (severity, fact, consequence) and the questions to ask before binding.
    Review {
        /// Practice file (.toml or .json).
        practice: PathBuf,
        #[arg(long, env = "MEDMAL_MANUALS")]
        manuals: Option<PathBuf>,
        /// Review against this carrier only (default: every carrier writing the state).
        #[arg(long, conflicts_with = "policy")]
        carrier: Option<String>,
        /// Review a policy in force instead, from its declarations (docs/policy-format.md).
        #[arg(long)]
        policy: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Show what a new manual version changes, factor by factor.
    Diff {
        /// The old manual (directory or manual.toml).
        old: PathBuf,
        /// The new manual (directory or manual.toml).
        new: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// In-force books: generate a synthetic one.
    Book {
        #[command(subcommand)]
        command: BookCommand,
    },
    /// Re-rate an in-force book under two manual versions: the rate impact, overall and by
    /// class, territory, limits and form, the distribution of changes and the largest movers.
    Rerate(cmd::rerate::RerateArgs),
    /// Run the worked rating examples kept beside manuals (examples/*.toml).
    Test {
        /// Directory of manuals (default: the sample manuals).
        dir: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Subcommand, Debug)]
enum BookCommand {
    /// Write a synthetic but realistic in-force book for a sample carrier, reproducible from a seed.
    Generate(cmd::book::GenerateArgs),
}

fn parse_date(s: &str) -> Result<jiff::civil::Date, String> {
    medmal_text::parse_date(s).ok_or_else(|| format!("`{s}` is not a date: expected YYYY-MM-DD"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check { paths, format } => cmd::check::run(&paths, format),
        Command::Quote { practice, manuals, carrier, format } => {
            cmd::quote::run(&practice, manuals, carrier.as_deref(), format)
        }
        Command::Compare { practice, manuals, what_if, format } => {
            cmd::compare::run(&practice, manuals, &what_if, format)
        }
        Command::Proposal { practice, out, manuals, what_if, date, prepared_by } => {
            cmd::proposal::run(&practice, manuals, &what_if, &out, date, &prepared_by)
        }
        Command::Review { practice, manuals, carrier, policy, format } => {
            cmd::review::run(&practice, manuals, carrier.as_deref(), policy.as_deref(), format)
        }
        Command::Diff { old, new, format } => cmd::diff::run(&old, &new, format),
        Command::Test { dir, format } => cmd::test::run(dir, format),
        Command::Book { command: BookCommand::Generate(args) } => cmd::book::generate_cmd(&args),
        Command::Rerate(args) => cmd::rerate::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // Output failures (a closed pipe) are not the user's input problem.
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                return ExitCode::SUCCESS;
            }
            eprintln!("medmal: {e}");
            ExitCode::from(1)
        }
    }
}
