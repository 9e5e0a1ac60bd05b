//! Per-value tables: what is known of each distinct text of a column, indexed by the text's id
//! in the batch (its dictionary key), filled in the first time a row uses the text.

use arrow_array::{Array, ArrayRef, StringArray};
use medmal_core::book::{PHYSICIAN, Sym};

use super::columns::{Keys, Text, trim};

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
    fn text(&self, id: u32) -> &'a str {
        let i = id as usize;
        match self {
            Texts::Dict(values) if i < values.len() => trim(values.value(i)),
            Texts::Local(values) => values.get(i).copied().unwrap_or(""),
            _ => "",
        }
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
    /// Take up a batch's column: give each cell the id of its text. Batches of one row group
    /// share their dictionary and keep what is known of its values; other columns start afresh.
    pub fn start<'a>(&mut self, col: &Text<'a>, rows: usize) -> Texts<'a> {
        self.ids.clear();
        let texts = match col {
            Text::Dict { keys, nulls, values, array } => {
                let n = values.len();
                let id = |k: Option<usize>| k.filter(|&k| k < n).and_then(|k| u32::try_from(k).ok()).unwrap_or(EMPTY);
                match keys {
                    Keys::I32(k) => self.ids.extend(k.iter().map(|&k| id(usize::try_from(k).ok()))),
                    Keys::U32(k) => self.ids.extend(k.iter().map(|&k| id(usize::try_from(k).ok()))),
                }
                if let Some(nulls) = nulls {
                    for (id, valid) in self.ids.iter_mut().zip(nulls.iter()) {
                        if !valid {
                            *id = EMPTY;
                        }
                    }
                }
                if !self.dict.as_ref().is_some_and(|d| std::sync::Arc::ptr_eq(d, array)) {
                    self.reset(n);
                    self.dict = Some((*array).clone());
                }
                Texts::Dict(values)
            }
            Text::Plain(a) => {
                let mut seen: rustc_hash::FxHashMap<&'a str, u32> = rustc_hash::FxHashMap::default();
                let mut local = Vec::new();
                for i in 0..a.len() {
                    let s = if a.is_null(i) { "" } else { trim(a.value(i)) };
                    let id = if s.is_empty() {
                        EMPTY
                    } else {
                        *seen.entry(s).or_insert_with(|| {
                            local.push(s);
                            u32::try_from(local.len() - 1).unwrap_or(EMPTY)
                        })
                    };
                    self.ids.push(id);
                }
                self.reset(local.len());
                self.dict = None;
                Texts::Local(local)
            }
            Text::Missing | Text::Other => {
                self.ids.resize(rows, EMPTY);
                Texts::None
            }
        };
        // Every cell has an id, whatever the arrays' lengths.
        self.ids.resize(rows, EMPTY);
        texts
    }

    fn reset(&mut self, n: usize) {
        self.slots.clear();
        self.slots.resize_with(n, || None);
    }

    /// The entry of cell `i`, made by `make` from the cell's trimmed text when new.
    #[inline]
    pub fn at<'a>(&mut self, texts: &Texts<'a>, i: usize, make: impl FnOnce(&'a str) -> T) -> &mut T {
        let id = self.ids.get(i).copied().unwrap_or(EMPTY);
        match self.slots.get_mut(id as usize) {
            Some(slot) => slot.get_or_insert_with(|| make(texts.text(id))),
            None => self.empty.get_or_insert_with(|| make("")),
        }
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
    text: Box<str>,
    pub empty: bool,
    sym: Option<Result<Sym, String>>,
}

impl Parsed {
    pub fn new(s: &str) -> Self {
        Self { text: s.into(), empty: s.is_empty(), sym: None }
    }

    pub fn sym(&mut self, parse: impl FnOnce(&str) -> Result<Sym, String>) -> &Result<Sym, String> {
        self.sym.get_or_insert_with(|| parse(&self.text))
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
