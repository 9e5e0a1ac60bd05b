//! `medmal rerate BOOK --from V --to V`: what a new manual version does to an in-force book.
//!
//! Reading, threads, the progress bar and printing live here; the rating and the report are
//! `medmal_core::book`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use medmal_book::{BookError, ReadOptions, read_book, write_rejects};
use medmal_core::Manual;
use medmal_core::book::{
    Book, CompiledManual, ImpactOptions, ImpactParts, ImpactReport, RowCache, RowOutcome, RowResult, RowStatus,
};
use medmal_core::money::fmt_money;
use serde::Serialize;

use crate::CompareFormat;
use crate::render::{dollars, table};
use crate::sources::{load_manuals, manuals_dir};

#[derive(clap::Args, Debug)]
pub struct RerateArgs {
    /// The book: .csv or .parquet (docs/book-format.md).
    pub book: PathBuf,
    /// The version the book is rated under today (`2026-07`, or `carrier/STATE/version`).
    #[arg(long)]
    pub from: String,
    /// The proposed version.
    #[arg(long)]
    pub to: String,
    /// Carrier id (default: the book's, when it holds one carrier).
    #[arg(long)]
    pub carrier: Option<String>,
    /// State (default: the book's, when it holds one state).
    #[arg(long)]
    pub state: Option<String>,
    #[arg(long, env = "MEDMAL_MANUALS")]
    pub manuals: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = CompareFormat::Table)]
    pub format: CompareFormat,
    /// Write the report here instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Leave unreadable rows out, writing them with their reasons to this CSV file.
    #[arg(long, value_name = "FILE")]
    pub skip_bad_rows: Option<PathBuf>,
    /// Also write every row's premium before and after to this CSV file.
    #[arg(long, value_name = "FILE")]
    pub rows: Option<PathBuf>,
    /// Print the full worksheets of one row (its data row number) under both versions.
    #[arg(long, value_name = "ROW")]
    pub explain: Option<u64>,
    /// How many of the largest movers to list.
    #[arg(long, default_value_t = 20)]
    pub movers: usize,
    /// Worker threads (default: every core).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// The JSON document: the report with where the book came from.
#[derive(Serialize)]
struct Output<'a> {
    book: String,
    rows_rejected: usize,
    #[serde(flatten)]
    report: &'a ImpactReport,
}

pub fn run(args: &RerateArgs) -> std::io::Result<ExitCode> {
    let started = Instant::now();
    let mut err = std::io::stderr();
    let dir = manuals_dir(args.manuals.clone());
    let options = ReadOptions { skip_bad_rows: args.skip_bad_rows.is_some(), ..ReadOptions::default() };
    // The manuals load while the book is read: neither needs the other until rating.
    let (loaded, book_file) = std::thread::scope(|s| {
        let manuals = s.spawn(|| load_manuals(&dir));
        let book_file = read_book(&args.book, &options);
        (manuals.join().unwrap_or_else(|e| std::panic::resume_unwind(e)), book_file)
    });
    let Some(loaded) = loaded? else { return Ok(ExitCode::from(1)) };
    let book_file = match book_file {
        Ok(b) => b,
        Err(BookError::BadRows { name, rows }) => {
            for r in &rows {
                writeln!(err, "{name}: {r}")?;
            }
            writeln!(
                err,
                "medmal: {} bad row(s) in {name}{}; fix them, or leave them out with --skip-bad-rows FILE",
                rows.len(),
                if rows.len() >= options.max_errors { " (stopped counting)" } else { "" }
            )?;
            return Ok(ExitCode::from(1));
        }
        Err(e) => {
            writeln!(err, "medmal: {e}")?;
            return Ok(ExitCode::from(1));
        }
    };
    if let Some(path) = &args.skip_bad_rows {
        let file = std::fs::File::create(path)?;
        if let Err(e) = write_rejects(&book_file.header, &book_file.rejected, std::io::BufWriter::new(file)) {
            writeln!(err, "medmal: {}: {e}", path.display())?;
            return Ok(ExitCode::from(1));
        }
    }
    let book = &book_file.book;
    let read_done = started.elapsed();

    let manuals: Vec<&Manual> = loaded.iter().map(|m| &m.manual).collect();
    let (from, to) = match pick_versions(&manuals, book, args) {
        Ok(x) => x,
        Err(e) => {
            writeln!(err, "medmal: {e}")?;
            return Ok(ExitCode::from(2));
        }
    };

    if let Some(row) = args.explain {
        return explain(book, row, from, to);
    }

    let from_c = CompiledManual::new(from, &book.dicts);
    let to_c = CompiledManual::new(to, &book.dicts);
    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    let progress = if err.is_terminal() {
        let bar = ProgressBar::with_draw_target(Some(book.len() as u64), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} re-rating {pos}/{len} rows [{bar:30}] {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let options = ImpactOptions { movers: args.movers };
    let (report, results) = rate_all(book, (&from_c, &to_c), threads, options, args.rows.is_some(), &progress);
    progress.finish_and_clear();
    let rated_done = started.elapsed();

    let mut text = Vec::new();
    let name = args.book.display().to_string();
    match args.format {
        CompareFormat::Json => {
            let doc = Output { book: name.clone(), rows_rejected: book_file.rejected.len(), report: &report };
            serde_json::to_writer_pretty(&mut text, &doc)?;
            writeln!(text)?;
        }
        CompareFormat::Table => print_table(&mut text, &name, book_file.rejected.len(), &report)?,
        CompareFormat::Html => {
            text.extend_from_slice(super::rerate_html::page(&name, book_file.rejected.len(), &report).as_bytes());
        }
    }
    match &args.out {
        Some(path) => std::fs::write(path, &text)?,
        None => std::io::stdout().lock().write_all(&text)?,
    }
    if let Some(path) = &args.rows {
        write_rows(path, book, &results)?;
    }
    if err.is_terminal() {
        writeln!(
            err,
            "medmal: {} rows read in {:.2} s, re-rated under two versions with the report in {:.2} s",
            book.len(),
            read_done.as_secs_f64(),
            rated_done.as_secs_f64()
        )?;
    }
    // The process ends here: handing a million rows' memory back piece by piece would only
    // delay the exit (by more than the report takes to write).
    drop((from_c, to_c));
    std::mem::forget(results);
    std::mem::forget(book_file);
    std::mem::forget(loaded);
    Ok(ExitCode::SUCCESS)
}

/// Find the two versions named on the command line for the book's carrier and state.
fn pick_versions<'m>(
    manuals: &[&'m Manual],
    book: &Book,
    args: &RerateArgs,
) -> Result<(&'m Manual, &'m Manual), String> {
    let single = |values: &[String], what: &str, flag: &str| -> Result<String, String> {
        match values {
            [one] => Ok(one.clone()),
            [] => Err(format!("the book has no rows, so no {what}")),
            many => Err(format!("the book holds several {what}s ({}); choose one with {flag}", many.join(", "))),
        }
    };
    let carrier = match &args.carrier {
        Some(c) => c.clone(),
        None => single(&book.dicts.carrier.values, "carrier", "--carrier")?,
    };
    let state = match &args.state {
        Some(s) => s.clone(),
        None => single(&book.dicts.state.values, "state", "--state")?,
    };
    let versions: Vec<&Manual> = manuals
        .iter()
        .copied()
        .filter(|m| m.meta.carrier == carrier && m.meta.state.eq_ignore_ascii_case(&state))
        .collect();
    let find = |v: &str| -> Result<&'m Manual, String> {
        versions.iter().copied().find(|m| m.meta.version == v || m.meta.id() == v).ok_or_else(|| {
            let have: Vec<String> = versions.iter().map(|m| m.meta.version.clone()).collect();
            if have.is_empty() {
                format!("no manuals for carrier `{carrier}` in {state}")
            } else {
                format!("{carrier} has no version `{v}` in {state}; versions: {}", have.join(", "))
            }
        })
    };
    Ok((find(&args.from)?, find(&args.to)?))
}

/// Rate every row under both versions and sum the report, the rows split evenly over the
/// threads; each thread sums its own rows and the parts are merged in book order. Row results
/// are kept only when `keep_rows` (for `--rows`).
fn rate_all(
    book: &Book,
    (from, to): (&CompiledManual<'_>, &CompiledManual<'_>),
    threads: usize,
    options: ImpactOptions,
    keep_rows: bool,
    progress: &ProgressBar,
) -> (ImpactReport, Vec<RowResult>) {
    const TICK: usize = 8192;
    let n = book.len();
    let chunk = n.div_ceil(threads).max(1);
    let parts: Vec<(ImpactParts, Vec<RowResult>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .step_by(chunk)
            .map(|start| {
                s.spawn(move || {
                    let end = (start + chunk).min(n);
                    let (mut from_cache, mut to_cache) = (RowCache::new(), RowCache::new());
                    let mut parts = ImpactParts::new(book, from, options);
                    let mut kept = Vec::with_capacity(if keep_rows { end - start } else { 0 });
                    for i in start..end {
                        let r = RowResult {
                            before: from.rate_row_cached(book, i, &mut from_cache),
                            after: to.rate_row_cached(book, i, &mut to_cache),
                        };
                        parts.add(book, to, i, &r);
                        if keep_rows {
                            kept.push(r);
                        }
                        if (i - start + 1) % TICK == 0 {
                            progress.inc(TICK as u64);
                        }
                    }
                    (parts, kept)
                })
            })
            .collect();
        // A panic in a rating thread is a bug; it is raised again rather than lose its rows.
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    });
    let mut report = ImpactParts::new(book, from, options);
    let mut results = Vec::with_capacity(if keep_rows { n } else { 0 });
    for (p, kept) in parts {
        report.merge(p);
        results.extend(kept);
    }
    (report.finish(book, from, to), results)
}

fn status_text(o: &RowOutcome) -> &'static str {
    match o {
        Ok(r) => match r.status {
            RowStatus::Quoted => "quoted",
            RowStatus::Referred => "referred",
            RowStatus::Declined => "declined",
        },
        Err(_) => "not_rated",
    }
}

fn write_rows(path: &Path, book: &Book, results: &[RowResult]) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(w, "row,policy_id,provider_id,before,after,status_before,status_after")?;
    let money = |o: &RowOutcome| o.as_ref().map_or(String::new(), |r| fmt_money(r.premium));
    for (i, (row, r)) in book.rows.iter().zip(results).enumerate() {
        writeln!(
            w,
            "{},{},{},{},{},{},{}",
            row.source_row,
            csv_cell(book.policy_ids.get(i)),
            csv_cell(book.provider_ids.get(i)),
            money(&r.before),
            money(&r.after),
            status_text(&r.before),
            status_text(&r.after)
        )?;
    }
    w.flush()
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// One row's worksheets under both versions, through the quote engine.
fn explain(book: &Book, row: u64, from: &Manual, to: &Manual) -> std::io::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let Some(index) = book.rows.iter().position(|r| u64::from(r.source_row) == row) else {
        writeln!(std::io::stderr(), "medmal: the book has no data row {row}")?;
        return Ok(ExitCode::from(1));
    };
    let Some(practice) = book.practice_for_row(index) else {
        writeln!(std::io::stderr(), "medmal: row {row} cannot be shown as a practice")?;
        return Ok(ExitCode::from(1));
    };
    writeln!(out, "Row {row}: policy {}, provider {}", book.policy_ids.get(index), book.provider_ids.get(index))?;
    for m in [from, to] {
        writeln!(out)?;
        match medmal_core::rate(m, &practice) {
            Ok(q) => {
                writeln!(out, "{} — {}", m.meta.id(), q.status.name())?;
                for p in &q.providers {
                    crate::render::worksheet(&mut out, "  ", &p.worksheet)?;
                    writeln!(out, "  provider premium (the row's premium): {}", fmt_money(p.premium))?;
                }
                for reason in &q.reasons {
                    writeln!(out, "  {reason}")?;
                }
            }
            Err(errors) => {
                writeln!(out, "{} — not rated", m.meta.id())?;
                for e in errors {
                    writeln!(out, "  {e}")?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A change in percent with its sign, two places: `+4.21%`, `-0.85%`, `—` when undefined.
pub fn pct(x: Option<rust_decimal::Decimal>) -> String {
    x.map_or("—".to_string(), |p| {
        let s = p.round_dp(2).to_string();
        if p > rust_decimal::Decimal::ZERO { format!("+{s}%") } else { format!("{s}%") }
    })
}

fn print_table(out: &mut dyn Write, name: &str, rejected: usize, r: &ImpactReport) -> std::io::Result<()> {
    writeln!(out, "Rate impact: {}, {} — {} → {}", r.carrier_name, r.state, r.from, r.to)?;
    writeln!(
        out,
        "Book {name}: {} rows{}, {} rated under both versions",
        r.rows,
        if rejected > 0 { format!(" ({rejected} bad rows left out)") } else { String::new() },
        r.rated
    )?;
    writeln!(
        out,
        "Premium: {} → {}, change {} ({})",
        dollars(r.before),
        dollars(r.after),
        dollars(r.change),
        pct(r.change_pct)
    )?;
    if let Some(c) = &r.current {
        writeln!(
            out,
            "Current premium in the book: {} over {} rows; {} rows differ from their {} premium",
            dollars(c.total),
            c.rows,
            c.rows_differing,
            r.from
        )?;
    }
    let groups = |out: &mut dyn Write, title: &str, gs: &[medmal_core::book::Group]| -> std::io::Result<()> {
        writeln!(out, "\n{title}")?;
        let mut rows = vec![vec![
            "".to_string(),
            "".to_string(),
            "rows".to_string(),
            "before".to_string(),
            "after".to_string(),
            "change".to_string(),
        ]];
        for g in gs {
            rows.push(vec![
                g.key.clone(),
                g.label.clone(),
                g.rows.to_string(),
                dollars(g.before),
                dollars(g.after),
                pct(g.change_pct),
            ]);
        }
        table(out, "  ", &rows, &[false, false, true, true, true, true])
    };
    groups(out, "By class", &r.by_class)?;
    groups(out, "By territory", &r.by_territory)?;
    groups(out, "By limits", &r.by_limits)?;
    groups(out, "By form", &r.by_form)?;

    writeln!(out, "\nDistribution of premium change")?;
    let most = r.bands.iter().map(|b| b.rows).max().unwrap_or(0).max(1);
    let mut rows = vec![vec!["".into(), "rows".into(), "before".into(), "after".into(), "".into()]];
    for b in &r.bands {
        let bar = "#".repeat(usize::try_from(b.rows * 40 / most).unwrap_or(0));
        rows.push(vec![b.label.to_string(), b.rows.to_string(), dollars(b.before), dollars(b.after), bar]);
    }
    table(out, "  ", &rows, &[false, true, true, true, false])?;

    writeln!(out, "\nLargest movers")?;
    let mut rows = vec![vec![
        "row".into(),
        "policy".into(),
        "provider".into(),
        "class".into(),
        "territory".into(),
        "before".into(),
        "after".into(),
        "change".into(),
    ]];
    for m in &r.movers {
        rows.push(vec![
            m.row.to_string(),
            m.policy_id.clone(),
            m.provider_id.clone(),
            m.class.clone(),
            m.territory.clone(),
            dollars(m.before),
            dollars(m.after),
            pct(m.change_pct),
        ]);
    }
    table(out, "  ", &rows, &[true, false, false, false, false, true, true, true])?;

    writeln!(out, "\nReferred, declined or not rated")?;
    if r.flag_counts.is_empty() {
        writeln!(out, "  none")?;
    }
    for c in &r.flag_counts {
        let version = if c.version == "from" { &r.from } else { &r.to };
        writeln!(out, "  {} rows {} under {version}: {}", c.rows, c.status.replace('_', " "), c.reason)?;
    }
    const SHOWN: usize = 20;
    for f in r.flagged.iter().take(SHOWN) {
        writeln!(
            out,
            "    row {} ({} {}): {} — {}",
            f.row,
            f.policy_id,
            f.provider_id,
            f.status.replace('_', " "),
            f.reason
        )?;
    }
    if r.flagged.len() > SHOWN {
        writeln!(out, "    … and {} more (all are in --format json)", r.flagged.len() - SHOWN)?;
    }
    Ok(())
}
