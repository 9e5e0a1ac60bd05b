//! Per-value tables: what is known of each distinct text of a column, indexed by the text's id
//! in the batch (its dictionary key), filled in the first time a row uses the text.

use arrow_array::{Array, ArrayRef, StringArray};
use medmal_core::book::{PHYSICIAN, Sym};

use super::columns::{Keys, Text, each_null, trim};

/// The id of an empty (null) cell.
const EMPTY: u32 = u32::MAX;

/// Where the texts of a batch's column come from, by id.
#[derive(Debug)]
pub(super) enum Texts<'a> {
    Dict(&'a StringArray),
    /// A plain-string column's distinct strings, in order of first appearance in the batch.
    Local(Vec<&'a str>),
    /// No texts: every cell is empty.
    None,
}

impl<'a> Texts<'a> {
    /// The trimmed text of `id` (empty for the empty cell's id).
    pub fn text(&self, id: u32) -> &'a str {
        let i = id as usize;
        match self {
            Texts::Dict(values) if i < values.len() => trim(values.value(i)),
            Texts::Local(values) => values.get(i).copied().unwrap_or(""),
            _ => "",
        }
    }
}

/// A text column's cells as ids of its distinct texts: a dictionary column's keys (nulls and
/// keys out of range, which arrow does not allow, the empty id), or for plain strings the order
/// of first appearance in the batch. Worked out on the decoding threads.
#[derive(Debug, Default)]
pub(super) struct Ids {
    ids: Vec<u32>,
    /// For a plain-string column: the row where each distinct text first appears.
    first_rows: Vec<u32>,
}

impl Ids {
    /// Give the cells of `col` their ids, reusing this one's memory.
    pub fn fill(&mut self, col: &Text<'_>, rows: usize) {
        let Ids { ids, first_rows } = self;
        ids.clear();
        first_rows.clear();
        match col {
            Text::Dict { keys, nulls, values, .. } => {
                let n = u32::try_from(values.len()).unwrap_or(EMPTY);
                match keys {
                    Keys::I32(k) => ids.extend(k.iter().map(|&k| u32::try_from(k).unwrap_or(EMPTY))),
                    Keys::U32(k) => ids.extend(k.iter().copied()),
                }
                for id in ids.iter_mut() {
                    if *id >= n {
                        *id = EMPTY;
                    }
                }
                if let Some(nulls) = nulls {
                    each_null(nulls, |i| {
                        if let Some(id) = ids.get_mut(i) {
                            *id = EMPTY;
                        }
                    });
                }
            }
            Text::Plain(_) => {
                let mut seen: rustc_hash::FxHashMap<&str, u32> = rustc_hash::FxHashMap::default();
                for i in 0..rows {
                    let s = col.str(i);
                    let id = if s.is_empty() {
                        EMPTY
                    } else {
                        *seen.entry(s).or_insert_with(|| {
                            first_rows.push(u32::try_from(i).unwrap_or(u32::MAX));
                            u32::try_from(first_rows.len() - 1).unwrap_or(EMPTY)
                        })
                    };
                    ids.push(id);
                }
            }
            Text::Missing | Text::Other => {}
        }
        // Every cell has an id, whatever the arrays' lengths.
        ids.resize(rows, EMPTY);
    }
}

/// What is known of each distinct text of one column, and the ids of the current batch's cells.
#[derive(Debug)]
pub(super) struct Table<T> {
    slots: Vec<Option<T>>,
    /// The empty cell's entry; it does not depend on the batch.
    empty: Option<T>,
    /// Each cell's id in this batch.
    ids: Vec<u32>,
    /// The dictionary the slots belong to, if any.
    dict: Option<ArrayRef>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Self { slots: Vec::new(), empty: None, ids: Vec::new(), dict: None }
    }
}

impl<T> Table<T> {
    /// Take up a batch's column with its cells' ids (swapped in: `ids` gets the previous
    /// batch's, to be reused). Batches of one row group share their dictionary and keep what is
    /// known of its values; a plain column starts afresh.
    pub fn start<'a>(&mut self, col: &Text<'a>, ids: &mut Ids) -> Texts<'a> {
        std::mem::swap(&mut self.ids, &mut ids.ids);
        match col {
            Text::Dict { values, array, .. } => {
                if !self.dict.as_ref().is_some_and(|d| std::sync::Arc::ptr_eq(d, array)) {
                    self.reset(values.len());
                    self.dict = Some((*array).clone());
                }
                Texts::Dict(values)
            }
            Text::Plain(_) => {
                let local: Vec<&'a str> = ids.first_rows.iter().map(|&r| col.str(r as usize)).collect();
                self.reset(local.len());
                self.dict = None;
                Texts::Local(local)
            }
            Text::Missing | Text::Other => Texts::None,
        }
    }

    fn reset(&mut self, n: usize) {
        self.slots.clear();
        self.slots.resize_with(n, || None);
    }

    /// Every distinct text's entry, made now if not yet (for entries whose making has no effect
    /// beyond the entry), by id, and the empty cell's; with the cells' ids.
    pub fn all<'a>(&mut self, texts: &Texts<'a>, make: impl Fn(&'a str) -> T) -> (&[Option<T>], &T, &[u32]) {
        for (id, slot) in (0..).zip(self.slots.iter_mut()) {
            if slot.is_none() {
                *slot = Some(make(texts.text(id)));
            }
        }
        let empty = self.empty.get_or_insert_with(|| make(""));
        (&self.slots, empty, &self.ids)
    }

    /// The entry of cell `i`, made by `make` from the cell's trimmed text when new.
    #[inline]
    pub fn at<'a>(&mut self, texts: &Texts<'a>, i: usize, make: impl FnOnce(&'a str) -> T) -> &mut T {
        self.at_id(texts, i, make).1
    }

    /// The entry of cell `i` as [`Self::at`], with the id of its text ([`Texts::text`]).
    #[inline]
    pub fn at_id<'a>(&mut self, texts: &Texts<'a>, i: usize, make: impl FnOnce(&'a str) -> T) -> (u32, &mut T) {
        let id = self.ids.get(i).copied().unwrap_or(EMPTY);
        let entry = match self.slots.get_mut(id as usize) {
            Some(slot) => slot.get_or_insert_with(|| make(texts.text(id))),
            None => self.empty.get_or_insert_with(|| make("")),
        };
        (id, entry)
    }
}

/// A carrier, state, role, specialty or county value: the facts the checks need, and its
/// symbol once a row that is in has used it.
#[derive(Debug)]
pub(super) struct Named {
    pub text: Box<str>,
    pub empty: bool,
    pub physician: bool,
    sym: Option<Sym>,
}

impl Named {
    pub fn new(s: &str) -> Self {
        Self { text: s.into(), empty: s.is_empty(), physician: s == PHYSICIAN, sym: None }
    }

    pub fn sym(&mut self, intern: impl FnOnce(&str) -> Sym) -> Sym {
        *self.sym.get_or_insert_with(|| intern(&self.text))
    }
}

/// A limits, deductible or schedule value: whether it is empty, and its parse (and symbol)
/// once a row has reached the step that parses it.
#[derive(Debug)]
pub(super) struct Parsed {
    pub empty: bool,
    sym: Option<Result<Sym, String>>,
}

impl Parsed {
    pub fn new(s: &str) -> Self {
        Self { empty: s.is_empty(), sym: None }
    }

    /// The value's symbol, or why it does not parse; `text` gives its text the first time.
    pub fn sym<'t>(
        &mut self,
        text: impl FnOnce() -> &'t str,
        parse: impl FnOnce(&str) -> Result<Sym, String>,
    ) -> &Result<Sym, String> {
        self.sym.get_or_insert_with(|| parse(text()))
    }
}

/// A keyword value (`renewal`, `claims_made`, …), or why it is not one.
pub(super) type Keyword<T> = Result<Option<T>, String>;

pub(super) fn keyword<T>(v: &str, expected: &str, parse: fn(&str) -> Option<T>) -> Keyword<T> {
    if v.is_empty() {
        return Ok(None);
    }
    parse(v).map(Some).ok_or_else(|| format!("`{v}` is not valid; expected {expected}"))
}

#[cfg(test)]
mod tests {
    use arrow_buffer::{BooleanBuffer, NullBuffer};

    use super::super::columns::each_null;

    #[test]
    fn every_null_cell_and_only_those() {
        let valid: Vec<bool> = (0..300).map(|i| i % 7 != 3 && i % 64 != 63 && !(130..140).contains(&i)).collect();
        for offset in [0, 5, 64, 70] {
            for len in [0, 1, 63, 64, 65, 200, 300 - offset] {
                let nulls = NullBuffer::new(BooleanBuffer::from(valid.clone()).slice(offset, len));
                let mut got = Vec::new();
                each_null(&nulls, |i| got.push(i));
                let want: Vec<usize> = (0..len).filter(|&i| !valid[offset + i]).collect();
                assert_eq!(got, want, "offset {offset}, len {len}");
            }
        }
    }
}
