//! Tables as data: each view's columns, the text of every cell, and the filter (text and
//! `key=value`) and sort the operator set. Views, export and navigation all use this.

use super::columns::{
    info, AddressCol, BoardCol, ColumnInfo, EventCol, FindingCol, GroupCol, HealthCol, ImageCol,
    InstanceCol, NfsCol, TargetCol, ZoneCol,
};
use super::columns::{Column, Row};
use super::{ListState, View};
use std::borrow::Cow;
use std::cmp::Ordering;

/// The columns of a view's table (none for the Overview): the one place that knows which
/// column enum each view has.
pub fn columns(view: View) -> Vec<ColumnInfo> {
    match view {
        View::Overview => Vec::new(),
        View::Targets => info::<TargetCol>(),
        View::Capacity => info::<GroupCol>(),
        View::ElasticIps => info::<AddressCol>(),
        View::Zones => info::<ZoneCol>(),
        View::Images => info::<ImageCol>(),
        View::Patterns => info::<FindingCol>(),
        View::Events => info::<EventCol>(),
        View::Instances => info::<InstanceCol>(),
        View::Nfs => info::<NfsCol>(),
        View::Health => info::<HealthCol>(),
        View::Fleet => info::<BoardCol>(),
    }
}

/// The Shift-letter that sorts by each column of a view.
pub fn sort_letters(view: View) -> Vec<Option<char>> {
    columns(view).iter().map(|c| Some(c.letter)).collect()
}

/// The column a Shift-letter sorts by in this view.
pub fn column_of_letter(view: View, letter: char) -> Option<usize> {
    columns(view)
        .iter()
        .position(|c| c.letter == letter.to_ascii_uppercase())
}

/// The sort the operator chose for a view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortBy {
    pub column: usize,
    pub descending: bool,
}

/// A parsed filter: words that must appear in some cell, and `key=value` pairs whose value
/// must be the whole of the named column's cell (`*` matches any run of characters, so
/// `name=web*`). All must hold; case is ignored.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Filter {
    words: Vec<String>,
    pairs: Vec<(usize, String)>,
    /// Keys that name no column: nothing matches, and the view says why.
    pub unknown: Vec<String>,
}

impl Filter {
    pub fn parse(text: &str, view: View) -> Filter {
        let cols = columns(view);
        let mut f = Filter::default();
        for token in text.split_whitespace() {
            let token = token.to_lowercase();
            match token.split_once('=') {
                Some((key, value)) if !key.is_empty() => {
                    match cols.iter().position(|c| c.keys.contains(&key)) {
                        Some(i) => f.pairs.push((i, value.to_string())),
                        None => f.unknown.push(key.to_string()),
                    }
                }
                _ => f.words.push(token),
            }
        }
        f
    }

    pub fn matches(&self, cells: &[String]) -> bool {
        let lower: Vec<Cow<str>> = (cells.iter())
            .map(|c| Cow::Owned(c.to_lowercase()))
            .collect();
        self.matches_lowercase(&lower)
    }

    /// `matches`, for a row's cells in lower case joined by NUL (a view's kept table): a
    /// word is looked for in the whole text at once (no cell holds a NUL, so a word
    /// without one is found in it where it is found in a cell).
    pub fn matches_joined(&self, text: &str) -> bool {
        if !self.unknown.is_empty() {
            return false;
        }
        (self.words.iter()).all(|w| !w.contains('\0') && text.contains(w.as_str()))
            && (self.pairs.iter())
                .all(|(i, v)| text.split('\0').nth(*i).is_some_and(|c| glob(v, c)))
    }

    /// `matches`, for cells already in lower case.
    fn matches_lowercase(&self, cells: &[Cow<str>]) -> bool {
        if !self.unknown.is_empty() {
            return false;
        }
        self.words
            .iter()
            .all(|w| cells.iter().any(|c| c.contains(w.as_str())))
            && (self.pairs.iter()).all(|(i, v)| cells.get(*i).is_some_and(|c| glob(v, c)))
    }
}

/// Whether `text` matches `pattern`, where `*` stands for any run of characters.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &text[first.len()..];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

/// Why a view's filter matches nothing by construction, for the empty-table hint.
pub fn filter_problem(view: View, filter: &str) -> Option<String> {
    let f = Filter::parse(filter, view);
    let key = f.unknown.first()?;
    let known: Vec<&str> = columns(view).iter().map(|c| c.keys[0]).collect();
    Some(format!(
        "no column is called {key:?} here; filter by {}",
        known.join(", ")
    ))
}

/// Numbers compare as numbers (`9` before `10`, `41%` before `7.5%`... by value), the rest
/// as text ignoring case.
pub fn compare_cells(a: &str, b: &str) -> Ordering {
    SortKey::of(a.into()).cmp_to(&SortKey::of(b.into()))
}

/// A cell as the sort compares it, made once per row rather than at every comparison.
struct SortKey<'c> {
    number: Option<f64>,
    text: Cow<'c, str>,
}

impl<'c> SortKey<'c> {
    fn of(cell: Cow<'c, str>) -> SortKey<'c> {
        let number = cell.trim().trim_end_matches('%').parse::<f64>().ok();
        let text = if cell.chars().any(char::is_uppercase) {
            Cow::Owned(cell.to_lowercase())
        } else {
            cell
        };
        SortKey { number, text }
    }

    fn cmp_to(&self, other: &SortKey) -> Ordering {
        match (self.number, other.number) {
            (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
            _ => self.text.cmp(&other.text),
        }
    }
}

/// Which of `n` rows (in the view's default order) the operator's filter keeps, in the
/// order of their sort; ties keep the default order. `matches(filter, row)` says whether
/// the filter keeps a row (asked only when there is a filter), `cell(row, column)` is one
/// cell (asked once per kept row, only when there is a sort).
pub fn order<'c>(
    n: usize,
    view: View,
    list: &ListState,
    matches: impl Fn(&Filter, usize) -> bool,
    cell: impl Fn(usize, usize) -> Cow<'c, str>,
) -> Vec<usize> {
    let kept: Vec<usize> = if list.filter.trim().is_empty() {
        (0..n).collect()
    } else {
        let filter = Filter::parse(&list.filter, view);
        if !filter.unknown.is_empty() {
            return Vec::new();
        }
        (0..n).filter(|r| matches(&filter, *r)).collect()
    };
    let Some(sort) = list.sort else {
        return kept;
    };
    let mut keyed: Vec<(SortKey, usize)> = (kept.into_iter())
        .map(|r| (SortKey::of(cell(r, sort.column)), r))
        .collect();
    // Stable: ties keep the default order.
    keyed.sort_by(|(a, _), (b, _)| {
        let o = a.cmp_to(b);
        if sort.descending {
            o.reverse()
        } else {
            o
        }
    });
    keyed.into_iter().map(|(_, r)| r).collect()
}

/// Filters rows (already in the view's default order) and sorts them as the operator
/// asked (`order`). Only the cells the filter and the sort read are made, each once (at
/// 10,000 rows a cell made at every comparison costs a frame).
pub fn arrange<R: Row>(rows: Vec<R>, view: View, list: &ListState) -> Vec<R> {
    if list.filter.trim().is_empty() && list.sort.is_none() {
        return rows;
    }
    let cell = |r: usize, at: usize| -> Cow<str> {
        let text = R::Col::ALL
            .get(at)
            .map_or(String::new(), |c| rows[r].cell(*c));
        Cow::Owned(text)
    };
    let matches = |f: &Filter, r: usize| {
        let lower: Vec<Cow<str>> = (R::Col::ALL.iter())
            .map(|c| Cow::Owned(rows[r].cell(*c).to_lowercase()))
            .collect();
        f.matches_lowercase(&lower)
    };
    let order = order(rows.len(), view, list, matches, cell);
    let mut rows: Vec<Option<R>> = rows.into_iter().map(Some).collect();
    order.into_iter().filter_map(|r| rows[r].take()).collect()
}

/// A whole table as text: the header and every row, as the view shows them.
#[derive(Debug, Clone, PartialEq)]
pub struct TableText {
    pub titles: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

impl TableText {
    /// RFC 4180 CSV.
    pub fn csv(&self) -> String {
        let field = |s: &str| {
            if s.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_string()
            }
        };
        let mut out = String::new();
        let line = |cells: Vec<String>| cells.join(",") + "\r\n";
        out.push_str(&line(self.titles.iter().map(|t| field(t)).collect()));
        for r in &self.rows {
            out.push_str(&line(r.iter().map(|c| field(c)).collect()));
        }
        out
    }

    /// A JSON array of objects keyed by each column's filter key.
    pub fn json(&self, view: View) -> String {
        let cols = columns(view);
        let rows: Vec<serde_json::Map<String, serde_json::Value>> = self
            .rows
            .iter()
            .map(|r| {
                cols.iter()
                    .zip(r)
                    .map(|(c, v)| (c.keys[0].to_string(), serde_json::Value::from(v.clone())))
                    .collect()
            })
            .collect();
        serde_json::to_string_pretty(&rows).unwrap_or_else(|_| "[]".into())
    }
}
