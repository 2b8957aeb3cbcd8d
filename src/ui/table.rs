//! Tables: cells fitted to their columns with an ellipsis, the header with its sort
//! letters, and any view's table drawn from its column enum.

use crate::app::columns::{Column, Row as ColumnRow, Tone, Width};
use crate::app::AppState;
use crate::theme::Theme;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Row, Table, TableState};
use ratatui::Frame;

/// Renders a table with the selection highlighted and scrolled into view.
pub fn render_table(
    frame: &mut Frame,
    area: Rect,
    table: Table,
    selected: Option<usize>,
    theme: &Theme,
) {
    let mut ts = TableState::default().with_selected(selected);
    // The mark's column is always there, so columns sit where `column_widths` says.
    let table = table
        .row_highlight_style(theme.selection)
        .highlight_symbol("▶ ")
        .highlight_spacing(ratatui::widgets::HighlightSpacing::Always);
    frame.render_stateful_widget(table, area, &mut ts);
}

/// A table row's cells, each with its style, before they are fitted to their columns.
pub struct Cells {
    cells: Vec<(String, Style)>,
    style: Style,
}

impl Cells {
    /// The style of the whole row, under the cells' own.
    pub fn style(mut self, style: Style) -> Cells {
        self.style = style;
        self
    }
}

/// The style of a cell's tone.
pub fn tone_style(tone: Tone, theme: &Theme) -> Style {
    match tone {
        Tone::Plain => Style::default(),
        Tone::Ok => theme.ok,
        Tone::Warn => theme.warn,
        Tone::Crit => theme.crit,
        Tone::Muted => theme.muted,
        Tone::Info => theme.info,
        Tone::Title => theme.title,
        Tone::Stale => theme.stale,
    }
}

/// A view's table from its column enum: the drawn columns' text (`Row::shown`) in their
/// tones, their widths and the header, all from the same variants.
pub fn column_table<R: ColumnRow>(
    rows: &[R],
    width: u16,
    state: &AppState,
    theme: &Theme,
) -> Table<'static> {
    let mut cols: Vec<R::Col> = R::Col::ALL.iter().copied().filter(|c| c.drawn()).collect();
    let asked: u16 = (cols.iter())
        .map(|c| match c.width() {
            crate::app::columns::Width::Fixed(w) | crate::app::columns::Width::Grow(w) => w + 1,
        })
        .sum();
    // Too narrow for every column at full width: drop the wide-only ones, last first,
    // until the rest fit.
    let mut asked = asked + 1;
    while asked > width {
        let Some(at) = cols.iter().rposition(|c| c.wide_only()) else {
            break;
        };
        let dropped = cols.remove(at);
        asked -= match dropped.width() {
            crate::app::columns::Width::Fixed(w) | crate::app::columns::Width::Grow(w) => w + 1,
        };
    }
    // A column read from a stale source is drawn in the stale style, whatever it says.
    let stale: Vec<bool> = cols.iter().map(|c| state.any_stale(c.sources())).collect();
    let body = rows.iter().map(|r| {
        styled_row(
            cols.iter()
                .zip(&stale)
                .map(|(c, stale)| {
                    let tone = if *stale { Tone::Stale } else { r.tone(*c) };
                    (r.shown(*c, state.clock), tone_style(tone, theme))
                })
                .collect(),
        )
        .style(theme.text)
    });
    let specs: Vec<Spec> = cols.iter().map(|c| Spec::of(*c)).collect();
    fitted_table(body, width, &specs, state, theme)
}

/// A row from cells that carry their own styles.
pub fn styled_row(cells: Vec<(String, Style)>) -> Cells {
    Cells {
        cells,
        style: Style::default(),
    }
}

/// One column as a table asks for it: its title, its width, and whether it is a key (what
/// tells rows apart, never squeezed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    pub title: &'static str,
    pub width: Width,
    pub keep: bool,
}

impl Spec {
    /// A column as its enum declares it.
    pub fn of(column: impl Column) -> Spec {
        Spec {
            title: column.title(),
            width: column.width(),
            keep: column.keep(),
        }
    }
}

/// A table whose cells (and titles) are cut to their column with an ellipsis, so a cut value
/// never looks like a whole one (two addresses cut to `203.0.113` would read as the same).
/// `width` is the width of the area `render_table` draws it in; `column_widths` says how it
/// is shared out.
pub fn fitted_table(
    rows: impl IntoIterator<Item = Cells>,
    width: u16,
    specs: &[Spec],
    state: &AppState,
    theme: &Theme,
) -> Table<'static> {
    let widths = column_widths(width, specs);
    let rows = rows.into_iter().map(|r| {
        Row::new(r.cells.into_iter().enumerate().map(|(c, (text, style))| {
            let w = widths.get(c).copied().unwrap_or(u16::MAX) as usize;
            Span::styled(fit(&text, w), style)
        }))
        .style(r.style)
    });
    let titles: Vec<(&'static str, u16)> = specs
        .iter()
        .map(|s| s.title)
        .zip(widths.iter().copied())
        .collect();
    Table::new(rows, widths.iter().map(|w| Constraint::Length(*w)))
        .header(header(&titles, state, theme))
}

/// How `render_table` shares `width` columns out (the selection mark's two first, one space
/// between columns). When every column fits, each gets what it asks and the growing ones
/// share what is left. When not, the growing columns give way first, then the fixed ones,
/// each no narrower than its title while that can be helped; a key column never gives way.
pub fn column_widths(width: u16, specs: &[Spec]) -> Vec<u16> {
    let n = specs.len() as u16;
    let space = width.saturating_sub(2 + n.saturating_sub(1));
    let asked = |s: &Spec| match s.width {
        Width::Fixed(w) | Width::Grow(w) => w,
    };
    let mut widths: Vec<u16> = specs.iter().map(asked).collect();
    let total: u16 = widths.iter().sum();
    if total <= space {
        let growing: Vec<usize> = (0..specs.len())
            .filter(|i| matches!(specs[*i].width, Width::Grow(_)))
            .collect();
        let extra = space - total;
        for (k, i) in growing.iter().enumerate() {
            let share = extra / growing.len() as u16;
            widths[*i] += share + u16::from((k as u16) < extra % growing.len() as u16);
        }
        return widths;
    }
    let mut over = total - space;
    let title = |s: &Spec| (s.title.chars().count() as u16).min(asked(s));
    // Who gives way, in turn: growing columns to their titles, fixed ones to their titles,
    // then any column that is not a key down to one cell.
    for pass in 0..3 {
        let gives_way = |s: &Spec| match pass {
            0 => matches!(s.width, Width::Grow(_)),
            1 => matches!(s.width, Width::Fixed(_)),
            _ => true,
        };
        let floor = |s: &Spec| if pass < 2 { title(s) } else { 1 };
        while over > 0 {
            let room = |i: usize| widths[i].saturating_sub(floor(&specs[i]));
            let widest = (0..specs.len())
                .filter(|i| !specs[*i].keep && gives_way(&specs[*i]) && room(*i) > 0)
                .max_by_key(|i| (room(*i), std::cmp::Reverse(*i)));
            let Some(i) = widest else { break };
            widths[i] -= 1;
            over -= 1;
        }
    }
    widths
}

/// `text` in at most `width` columns: cut with `…` when it does not fit.
pub fn fit(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    if text.width() <= width {
        return text.to_string();
    }
    // Padding is not content: a padded cell that fits without it is not cut.
    if text.trim_end().width() <= width {
        return text.trim_end().to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// Header row in the theme's header style, each title cut to its column's width with `…`.
/// A title that is one of the view's columns has its sort letter underlined (Shift + it
/// sorts), and the sorted column an arrow.
pub fn header(titles: &[(&'static str, u16)], state: &AppState, theme: &Theme) -> Row<'static> {
    use crate::app::table::columns;
    use ratatui::style::Modifier;
    let cols = columns(state.view);
    let sort = state.list().sort;
    Row::new(titles.iter().map(|(title, width)| {
        let at = cols.iter().position(|c| c.title == *title);
        let arrow =
            sort.filter(|s| Some(s.column) == at)
                .map(|s| if s.descending { "▼" } else { "▲" });
        let label = fit(
            title,
            (*width as usize).saturating_sub(arrow.map_or(0, |_| 1)),
        );
        let letter = at.map(|i| cols[i].letter);
        let mut spans = Vec::new();
        let mut marked = false;
        for ch in label.chars() {
            let mark = !marked && Some(ch.to_ascii_uppercase()) == letter;
            marked |= mark;
            let style = if mark {
                Style::default().add_modifier(Modifier::UNDERLINED)
            } else {
                Style::default()
            };
            spans.push(Span::styled(ch.to_string(), style));
        }
        spans.extend(arrow.map(Span::raw));
        Line::from(spans)
    }))
    .style(theme.header)
}

/// A view that is one table of rows in a titled panel: the title with its summary, the
/// rows (or why there are none), the selected row marked.
pub fn draw_rows_view<R: ColumnRow + Clone>(
    frame: &mut ratatui::Frame,
    area: ratatui::layout::Rect,
    state: &AppState,
    theme: &Theme,
    what: (&str, String, &str),
    rows: &[R],
) {
    let listing = crate::app::rows::Listing::new(rows.iter().map(|r| r.key()).collect());
    draw_listed_view(frame, area, state, theme, what, &listing, |k| {
        listing.position(k).map(|at| rows[at].clone())
    });
}

/// The same, for the current view's rows in order (`listing`), where `row` makes the row of
/// a key: only the rows on screen are made.
pub fn draw_listed_view<R: ColumnRow>(
    frame: &mut ratatui::Frame,
    area: ratatui::layout::Rect,
    state: &AppState,
    theme: &Theme,
    (name, summary, what): (&str, String, &str),
    listing: &crate::app::rows::Listing,
    row: impl Fn(&str) -> Option<R>,
) {
    let block = super::panel(super::panel_title(name, summary, state, theme), theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if listing.is_empty() {
        frame.render_widget(super::empty_hint(state, what, theme), inner);
        return;
    }
    let selected =
        crate::app::rows::selected_index(state.list(), listing.len(), |k| listing.position(k));
    let (start, end) = super::targets::window(
        listing.len(),
        selected,
        inner.height.saturating_sub(1) as usize,
    );
    let shown: Vec<R> = (listing.keys(start, end)).filter_map(row).collect();
    let table = column_table(&shown, inner.width, state, theme);
    render_table(frame, inner, table, selected.map(|s| s - start), theme);
}
