//! The top level of a practice file: `[practice]`, `[entity]`, `[[locations]]`, and the
//! sections read by the other modules.

use medmal_core::practice::{EntityInfo, Location, Practice, Underwriting};
use medmal_text::{ArrayReader, Diags, Node, NodeKind, TableReader, as_bool};

use crate::read::{req_text, shorten, state_code, table, text};
use crate::{coverage, provider, underwriting};

/// Read a whole practice; `None` when anything was reported.
pub(crate) fn read(root: &Node, d: &mut Diags<'_>) -> Option<Practice> {
    let mut r = table(root, d, "the practice file")?;
    let head = r.require(d, "practice", "a [practice] table with `name` and `state`").map(|n| read_head(n, d));
    let entity = r.get("entity").map(|n| read_entity(n, d));
    let entity_insured = entity.as_ref().is_some_and(|(_, insured)| *insured);
    let locations = read_locations(&mut r, d);
    let (coverage, effective) = match r.require(d, "coverage", "a [coverage] table") {
        Some(n) => coverage::read(n, d, entity_insured),
        None => (None, None),
    };
    let providers = provider::read_all(&mut r, d, effective);
    let underwriting = match r.get("underwriting") {
        Some(n) => underwriting::read(n, d, effective),
        None => Some(Underwriting::default()),
    };
    r.finish(d);

    let (name, state, services, telehealth_states) = head??;
    let entity = match entity {
        Some((info, _)) => Some(info?),
        None => None,
    };
    Some(Practice {
        name,
        state,
        entity,
        locations: locations?,
        services,
        telehealth_states,
        providers: providers?,
        coverage: coverage?,
        underwriting: underwriting?,
    })
}

type Head = (String, String, Vec<String>, Vec<String>);

fn read_head(node: &Node, d: &mut Diags<'_>) -> Option<Head> {
    let mut r = table(node, d, "`practice`")?;
    let name = req_text(&mut r, d, "name", "the practice's name");
    let state = r.require(d, "state", "the two-letter state the coverage is written in, such as \"PA\"");
    let state = state.and_then(|n| state_code(n, d, "state"));
    let mut ok = true;
    let mut services = Vec::new();
    for item in list(&mut r, d, "services") {
        match service(item, d) {
            Some(s) if services.contains(&s) => {
                d.at(item, format!("service `{s}` is listed twice: expected each service once"));
                ok = false;
            }
            Some(s) => services.push(s),
            None => ok = false,
        }
    }
    let mut telehealth_states = Vec::new();
    for item in list(&mut r, d, "telehealth_states") {
        match state_code(item, d, "telehealth_states") {
            Some(s) if telehealth_states.contains(&s) => {
                d.at(item, format!("state `{s}` is listed twice: expected each state once"));
                ok = false;
            }
            Some(s) => telehealth_states.push(s),
            None => ok = false,
        }
    }
    r.finish(d);
    if !ok {
        return None;
    }
    Some((name?, state?, services, telehealth_states))
}

/// The items of a list of strings; a single string counts as a list of one.
fn list<'n>(r: &mut TableReader<'n>, d: &mut Diags<'_>, key: &'static str) -> Vec<&'n Node> {
    match r.get(key) {
        None => Vec::new(),
        Some(n) if matches!(n.kind, NodeKind::Str(_)) => vec![n],
        Some(n) => ArrayReader::new(n, d, key).items.iter().collect(),
    }
}

/// A service line: lowercase letters, digits and `_` (`urgent_care`).
pub(crate) fn service(node: &Node, d: &mut Diags<'_>) -> Option<String> {
    let s = text(node, d, "services", "a service name such as \"telehealth\"")?.to_ascii_lowercase();
    if s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Some(s)
    } else {
        d.at(
            node,
            format!(
                "`{}` is not a service name: expected lowercase words joined by `_`, such as \"aesthetics\", \"telehealth\", \"urgent_care\"",
                shorten(&s)
            ),
        );
        None
    }
}

/// The entity and whether it is to be insured (known even when its name is missing).
fn read_entity(node: &Node, d: &mut Diags<'_>) -> (Option<EntityInfo>, bool) {
    let Some(mut r) = table(node, d, "`entity`") else {
        return (None, false);
    };
    let name = req_text(&mut r, d, "name", "the entity's legal name");
    let insure = match r.get("insure") {
        Some(n) => as_bool(n, d),
        None => Some(true),
    };
    r.finish(d);
    let info = match (name, insure) {
        (Some(name), Some(insure)) => Some(EntityInfo { name, insure }),
        _ => None,
    };
    (info, insure.unwrap_or(true))
}

fn read_locations(r: &mut TableReader<'_>, d: &mut Diags<'_>) -> Option<Vec<Location>> {
    let node = r.require(d, "locations", "at least one [[locations]] table with `name` and `county`")?;
    let items = ArrayReader::new(node, d, "locations").items;
    if items.is_empty() {
        if matches!(node.kind, NodeKind::Array(_)) {
            d.at(node, "`locations` is empty: expected at least one location with `name` and `county`");
        }
        return None;
    }
    let mut out = Vec::new();
    let mut ok = true;
    for item in items {
        let Some(mut lr) = table(item, d, "a location ([[locations]])") else {
            ok = false;
            continue;
        };
        let name = req_text(&mut lr, d, "name", "the location's name, such as \"Main office\"");
        let county = req_text(&mut lr, d, "county", "the county the location is in, such as \"Montgomery\"");
        lr.finish(d);
        match (name, county) {
            (Some(name), Some(county)) => out.push(Location { name, county }),
            _ => ok = false,
        }
    }
    ok.then_some(out)
}
