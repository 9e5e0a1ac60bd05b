//! The versions of one carrier's manual for one state must form a timeline: for new business
//! and for renewals separately, every date from the first version on is rated by exactly one
//! version. This finds overlaps (two versions in force on a date) and gaps (none in force).

use std::collections::BTreeMap;

use crate::manual::ManualMeta;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineProblem {
    /// Index of the manual the problem is reported on.
    pub index: usize,
    /// The `[manual]` key at fault: `effective_new`, `effective_renewal`, `expires`, `version`.
    pub field: &'static str,
    pub message: String,
}

pub fn check_timelines(metas: &[&ManualMeta]) -> Vec<TimelineProblem> {
    let mut groups: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, m) in metas.iter().enumerate() {
        groups.entry((m.carrier.clone(), m.state.to_uppercase())).or_default().push(i);
    }
    let mut out = Vec::new();
    for ((carrier, state), idx) in groups {
        // Same version twice.
        for (a, &i) in idx.iter().enumerate() {
            for &j in &idx[a + 1..] {
                if metas[i].version == metas[j].version {
                    out.push(TimelineProblem {
                        index: j,
                        field: "version",
                        message: format!("version {} of {carrier} {state} is defined twice", metas[j].version),
                    });
                }
            }
        }
        for (field, start_of) in [
            ("effective_new", (|m: &ManualMeta| m.effective_new) as fn(&ManualMeta) -> jiff::civil::Date),
            ("effective_renewal", |m: &ManualMeta| m.effective_renewal),
        ] {
            let kind = if field == "effective_new" { "new business" } else { "renewals" };
            let mut order = idx.clone();
            order.sort_by_key(|&i| (start_of(metas[i]), metas[i].version.clone()));
            for pair in order.windows(2) {
                let (a, b) = (metas[pair[0]], metas[pair[1]]);
                let (a_start, b_start) = (start_of(a), start_of(b));
                if a_start == b_start {
                    out.push(TimelineProblem {
                        index: pair[1],
                        field,
                        message: format!(
                            "{carrier} {state}: versions {} and {} both start {kind} on {b_start}; expected one version per start date",
                            a.version, b.version
                        ),
                    });
                    continue;
                }
                if let Some(end) = a.expires {
                    if end > b_start {
                        out.push(TimelineProblem {
                            index: pair[1],
                            field,
                            message: format!(
                                "{carrier} {state}: {kind} overlap: version {} runs to {end} (exclusive) but version {} starts {b_start}; expected {} to start on {end}",
                                a.version, b.version, b.version
                            ),
                        });
                    } else if end < b_start {
                        out.push(TimelineProblem {
                            index: pair[1],
                            field,
                            message: format!(
                                "{carrier} {state}: {kind} gap: version {} expires {end} but version {} starts only {b_start}; policies effective in between have no manual",
                                a.version, b.version
                            ),
                        });
                    }
                }
            }
        }
        // New-business and renewal orders must agree, or a renewal could be rated on an
        // older version than new business on the same date forever after.
        let mut by_new = idx.clone();
        by_new.sort_by_key(|&i| metas[i].effective_new);
        for pair in by_new.windows(2) {
            let (a, b) = (metas[pair[0]], metas[pair[1]]);
            if b.effective_renewal < a.effective_renewal {
                out.push(TimelineProblem {
                    index: pair[1],
                    field: "effective_renewal",
                    message: format!(
                        "{carrier} {state}: version {} starts new business after version {} but renewals before it; expected the same order",
                        b.version, a.version
                    ),
                });
            }
        }
    }
    out
}
