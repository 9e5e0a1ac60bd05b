//! The proposal as a PDF, typeset in-process with typst: the same content as the HTML, laid
//! out as Typst markup, with the fonts typst ships and the chart as an SVG image. No browser,
//! no files: the "world" typst compiles in holds just the generated document and the chart.

use std::fmt::Write;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

use crate::{Proposal, Table, chart, money, tables};

/// A Typst string literal holding `s` (all dynamic text goes through here, so nothing the
/// practice file says can be read as markup).
fn lit(s: &str) -> String {
    let mut out = String::from("\"");
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn table(t: &Table, size: &str) -> String {
    let mut s = format!(
        "#text(size: {size}, table(columns: {}, stroke: 0.4pt + luma(200), inset: 3pt,\n  table.header(",
        t.header.len()
    );
    for h in &t.header {
        let _ = write!(s, "[*#{}*], ", lit(h));
    }
    s.push_str("),\n");
    for r in &t.rows {
        s.push_str("  ");
        for c in r {
            let _ = write!(s, "{}, ", lit(c));
        }
        s.push('\n');
    }
    s.push_str("))\n");
    s
}

/// The Typst source of the document.
pub fn markup(p: &Proposal) -> String {
    let c = &p.comparison;
    let mut s = String::new();
    s.push_str("#set page(paper: \"us-letter\", margin: 0.6in, numbering: \"1 / 1\")\n");
    s.push_str("#set text(font: \"Libertinus Serif\", size: 10pt)\n#set par(justify: false)\n");
    s.push_str("#show heading.where(level: 1): it => block(below: 8pt, text(size: 16pt, it))\n");
    let _ = writeln!(
        s,
        "= Medical professional liability proposal\n#{}\n",
        lit(&format!("{} ({}) · prepared {} by {}", c.practice, c.state, p.prepared_on, p.prepared_by))
    );
    let ded = c.deductible.map_or("no deductible".to_string(), |d| format!("{} deductible", d.label()));
    let _ = writeln!(
        s,
        "#text(fill: luma(90), {})\n",
        lit(&format!(
            "Every carrier is rated for the same coverage: {} {}, {ded}. Costs over {} years assume a {}% annual rate trend.",
            c.form.name().replace('_', "-"),
            c.limits.label(),
            c.years,
            (c.trend * rust_decimal::Decimal::ONE_HUNDRED).normalize()
        ))
    );
    s.push_str("== Recommendation\n#block(fill: rgb(\"#ddf4ff\"), inset: 8pt, width: 100%)[\n");
    match p.recommended_offer() {
        Some(o) => {
            let _ = writeln!(s, "*#{}*\n", lit(&format!("We recommend {}.", o.carrier_name)));
        }
        None => s.push_str("*No recommendation.*\n\n"),
    }
    for r in &p.rationale {
        let _ = writeln!(s, "#{}\n", lit(r));
    }
    s.push_str("]\n");

    s.push_str("== Premium comparison, first year\n");
    s.push_str(&table(&tables::premiums(c), "8.5pt"));
    let _ = writeln!(s, "== Cost over {} years\n#image(\"chart.svg\", width: 100%)", c.years);
    s.push_str(&table(&tables::scenarios(c), "8.5pt"));
    s.push_str("== Coverage features\n");
    s.push_str(&table(&tables::features(c), "8pt"));

    s.push_str("== Coverage gaps\n");
    for r in &p.reviews {
        let name =
            c.offers.iter().find(|o| o.carrier == r.carrier).map_or(r.carrier.clone(), |o| o.carrier_name.clone());
        let _ = writeln!(s, "=== #{}", lit(&name));
        if r.gaps.is_empty() {
            s.push_str("No gaps found.\n");
            continue;
        }
        let gaps = Table {
            header: ["severity", "what we found", "what it means"].map(String::from).to_vec(),
            rows: r
                .gaps
                .iter()
                .map(|g| vec![g.severity.name().to_string(), g.fact.clone(), g.consequence.clone()])
                .collect(),
        };
        s.push_str(&table(&gaps, "8pt"));
    }
    if let Some(r) = p.reviews.iter().find(|r| Some(&r.carrier) == p.recommended.as_ref()) {
        s.push_str("== Questions to ask before binding\n");
        for q in &r.questions {
            let _ = writeln!(s, "+ #{}", lit(q));
        }
    }

    s.push_str("#pagebreak()\n== Appendix: rating worksheets\n");
    for o in &c.offers {
        let Some(q) = &o.quote else { continue };
        let _ = writeln!(s, "=== #{}", lit(&format!("{} — manual {}", o.carrier_name, q.manual)));
        for pp in &q.providers {
            let _ = writeln!(s, "*#{}*", lit(&format!("{}: {}", pp.name, money(pp.premium))));
            s.push_str(&table(&tables::worksheet(&pp.worksheet), "7pt"));
        }
        s.push_str("*Policy*\n");
        s.push_str(&table(&tables::worksheet(&q.policy_lines), "7pt"));
    }
    s.push_str("#line(length: 100%, stroke: 0.4pt + luma(180))\n");
    let _ = writeln!(s, "#text(size: 8pt, fill: luma(90), {})", lit(crate::DISCLAIMER));
    s
}

struct ProposalWorld {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    main: Source,
    chart_id: FileId,
    chart: Bytes,
    today: Option<Datetime>,
}

fn file_id(path: &str) -> Result<FileId, String> {
    let vpath = VirtualPath::new(path).map_err(|e| format!("{e:?}"))?;
    Ok(FileId::new(RootedPath::new(VirtualRoot::Project, vpath)))
}

impl World for ProposalWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() { Ok(self.main.clone()) } else { Err(FileError::AccessDenied) }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.chart_id { Ok(self.chart.clone()) } else { Err(FileError::AccessDenied) }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        self.today
    }
}

/// Typeset the proposal to PDF bytes.
pub fn render(p: &Proposal) -> Result<Vec<u8>, String> {
    let fonts: Vec<Font> = typst_assets::fonts().flat_map(|data| Font::iter(Bytes::new(data))).collect();
    let book = FontBook::from_fonts(&fonts);
    let main = Source::new(file_id("/main.typ")?, markup(p));
    let world = ProposalWorld {
        library: LazyHash::new(Library::default()),
        book: LazyHash::new(book),
        fonts,
        main,
        chart_id: file_id("/chart.svg")?,
        chart: Bytes::new(chart::svg(&p.comparison).into_bytes()),
        today: Datetime::from_ymd(
            i32::from(p.prepared_on.year()),
            p.prepared_on.month().unsigned_abs(),
            p.prepared_on.day().unsigned_abs(),
        ),
    };
    let doc: PagedDocument = typst::compile(&world)
        .output
        .map_err(|errs| errs.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; "))?;
    typst_pdf::pdf(&doc, &typst_pdf::PdfOptions::default())
        .map_err(|errs| errs.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; "))
}
