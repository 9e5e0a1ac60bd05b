#![allow(clippy::unwrap_used)]
use medmal_text::SourceFile;
const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../manuals/keystone-mutual/PA/2026-07");
fn run(name: &str, main: String, over: Option<(&str, String)>) {
    let src = SourceFile::new("manual.toml", main);
    let read = |rel: &str| -> Result<SourceFile, String> {
        if let Some((p, t)) = &over { if *p == rel { return Ok(SourceFile::new(rel, t.clone())); } }
        std::fs::read_to_string(format!("{DIR}/{rel}")).map(|t| SourceFile::new(rel, t)).map_err(|e| e.to_string())
    };
    println!("== {name}");
    match medmal_manual::parse_manual(&src, &read) { Ok(_) => println!("OK"), Err(d) => for x in d { println!("{x}") } }
}
#[test]
fn probe() {
    let m = std::fs::read_to_string(format!("{DIR}/manual.toml")).unwrap();
    let rates = std::fs::read_to_string(format!("{DIR}/tables/base_rates.csv")).unwrap();
    let counties = std::fs::read_to_string(format!("{DIR}/tables/counties.csv")).unwrap();
    run("unknown key", m.replace("free_days = 30", "free_days = 30\nfree_day = 31"), None);
    run("missing cell", m.clone(), Some(("tables/base_rates.csv", rates.replace("3,33600,23500,19500,14700", "3,33600,23500,,14700"))));
    run("missing row", m.clone(), Some(("tables/base_rates.csv", rates.replace("4,48000,33600,27800,21000\n", ""))));
    run("dup header", m.clone(), Some(("tables/base_rates.csv", rates.replace("class,1,2,3,4", "class,1,2,3,3"))));
    run("county twice", m.clone(), Some(("tables/counties.csv", counties.replace("Allegheny,3", "Allegheny,3\nBucks,3"))));
    run("nonpositive", m.replace("limits = \"2M/4M\"\nfactor = 1.25", "limits = \"2M/4M\"\nfactor = 0"), None);
    run("steps", m.replace("steps = [0.35, 0.65, 0.85, 0.95, 1.00]", "steps = [0.35, 0.65, 0.85, 0.95]"), None);
    run("class ref", m.replace("code = \"80152\"\nname = \"Neurosurgery\"\nany = \"8\"", "code = \"80152\"\nname = \"Neurosurgery\"\nany = \"10\""), None);
    run("midlevel ref", m.replace("class = \"9\"", "class = \"CRNA\""), None);
    run("county unknown terr", m.clone(), Some(("tables/counties.csv", counties.replace("Allegheny,3", "Allegheny,5"))));
    run("rate neg", m.clone(), Some(("tables/base_rates.csv", rates.replace("9,7200", "9,-7200"))));
    run("dup class", m.replace("id = \"9\"\nname", "id = \"8\"\nname"), None);
    run("group ref", m.replace("\"leave_of_absence\"]", "\"leave_of_absense\"]"), None);
    run("decreasing", m.replace("[0.35, 0.65, 0.85, 0.95, 1.00]", "[0.35, 0.85, 0.65, 0.95, 1.00]"), None);
    run("tail count", m.replace("{ year = 2, factors = [0.90, 1.25, 1.35, 1.45] }", "{ year = 2, factors = [0.90, 1.25, 1.35] }"), None);
    run("limits mono", m.replace("limits = \"3M/5M\"\nfactor = 1.40", "limits = \"3M/5M\"\nfactor = 1.20"), None);
    run("eligibility class", m.replace("any = [\"8\"]", "any = [\"88\"]"), None);
    run("expected missing", m.replace("9 = 3300\n", ""), None);
}
