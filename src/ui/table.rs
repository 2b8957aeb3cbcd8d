//! Tables: cells fitted to their columns with an ellipsis, the header with its sort
//! letters, and any view's table drawn from its column enum.

use crate::app::columns::{Column, Row as ColumnRow, Tone, Width};
use crate::app::AppState;
use crate::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
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
    let cols: Vec<R::Col> = R::Col::ALL.iter().copied().filter(|c| c.drawn()).collect();
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
    let constraints = cols.iter().map(|c| match c.width() {
        Width::Fixed(n) => Constraint::Length(n),
        Width::Grow(n) => Constraint::Min(n),
    });
    let keys: Vec<usize> = cols
        .iter()
        .enumerate()
        .filter(|(_, c)| c.keep())
        .map(|(i, _)| i)
        .collect();
    let titles: Vec<&'static str> = cols.iter().map(|c| c.title()).collect();
    fitted_table(body, width, constraints, &keys).header(header(&titles, state, theme))
}

/// A row from cells that carry their own styles.
pub fn styled_row(cells: Vec<(String, Style)>) -> Cells {
    Cells {
        cells,
        style: Style::default(),
    }
}

/// A table whose cells are cut to their column with an ellipsis, so a cut value never looks
/// like a whole one (two addresses cut to `203.0.113` would read as the same). `width` is
/// the width of the area `render_table` draws it in. When the columns do not all fit, the
/// `keys` columns (what tells rows apart) keep their width and the others shrink.
pub fn fitted_table(
    rows: impl IntoIterator<Item = Cells>,
    width: u16,
    constraints: impl IntoIterator<Item = Constraint>,
    keys: &[usize],
) -> Table<'static> {
    let mut constraints: Vec<Constraint> = constraints.into_iter().collect();
    let wanted: u16 = constraints
        .iter()
        .map(|c| match c {
            Constraint::Length(n) | Constraint::Min(n) => *n,
            _ => 0,
        })
        .sum::<u16>()
        + constraints.len() as u16
        + 2;
    if wanted > width {
        for (i, c) in constraints.iter_mut().enumerate() {
            if let (false, Constraint::Length(n) | Constraint::Min(n)) = (keys.contains(&i), *c) {
                *c = Constraint::Fill(n);
            }
        }
    }
    let widths = column_widths(width, &constraints);
    let rows = rows.into_iter().map(|r| {
        Row::new(r.cells.into_iter().enumerate().map(|(c, (text, style))| {
            let w = widths.get(c).copied().unwrap_or(u16::MAX) as usize;
            Span::styled(fit(&text, w), style)
        }))
        .style(r.style)
    });
    Table::new(rows, constraints)
}

/// The width of each column of a table `render_table` draws in `width` columns (the
/// selection mark's two columns first, one space between columns).
pub fn column_widths(width: u16, constraints: &[Constraint]) -> Vec<u16> {
    let [_, columns] = Layout::horizontal([Constraint::Length(2), Constraint::Fill(0)])
        .areas(Rect::new(0, 0, width, 1));
    Layout::horizontal(constraints.to_vec())
        .flex(ratatui::layout::Flex::Start)
        .spacing(1)
        .split(columns)
        .iter()
        .map(|r| r.width)
        .collect()
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

/// Header row in the theme's header style. A title that is one of the view's columns has
/// its sort letter underlined (Shift + it sorts), and the sorted column an arrow.
pub fn header<'a>(cells: &[&'a str], state: &AppState, theme: &Theme) -> Row<'a> {
    use crate::app::table::{columns, sort_letters};
    use ratatui::style::Modifier;
    let cols = columns(state.view);
    let letters = sort_letters(state.view);
    let sort = state.list().sort;
    Row::new(cells.iter().map(|title| {
        let Some(i) = cols.iter().position(|c| c.title == *title) else {
            return Line::from(Span::raw(*title));
        };
        let mut spans = Vec::new();
        let mut marked = false;
        for ch in title.chars() {
            let mark = !marked && Some(ch.to_ascii_uppercase()) == letters[i];
            marked |= mark;
            let style = if mark {
                Style::default().add_modifier(Modifier::UNDERLINED)
            } else {
                Style::default()
            };
            spans.push(Span::styled(ch.to_string(), style));
        }
        if let Some(s) = sort.filter(|s| s.column == i) {
            spans.push(Span::raw(if s.descending { "▼" } else { "▲" }));
        }
        Line::from(spans)
    }))
    .style(theme.header)
}
