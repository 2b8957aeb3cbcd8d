//! The last hour of a metric as a line chart: a y-scale, thresholds drawn as lines across
//! the hour, and the time axis labelled. Capacity's CPU and the NFS latency use it.

use crate::model::MetricPoint;
use crate::theme::Theme;
use chrono::{DateTime, Utc};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::widgets::{Axis, Block, Chart, Dataset, GraphType};

/// Minutes of history a chart shows.
const HOUR: f64 = 60.0;

/// The points of the last hour, as (minutes before `now`, value), oldest first.
pub fn last_hour(points: &[MetricPoint], now: DateTime<Utc>) -> Vec<(f64, f64)> {
    (points.iter())
        .map(|p| (-((now - p.at).num_seconds() as f64) / 60.0, p.value))
        .filter(|(x, _)| *x >= -HOUR)
        .collect()
}

/// A threshold's line across the hour.
pub fn threshold(value: f64) -> Vec<(f64, f64)> {
    vec![(-HOUR, value), (0.0, value)]
}

/// The chart: `lines` (each threshold's points and style) under the metric's `points`,
/// on a y-axis from 0 to `top` labelled with `unit`.
pub fn last_hour_chart<'a>(
    block: Block<'a>,
    points: &'a [(f64, f64)],
    style: Style,
    lines: &'a [(Vec<(f64, f64)>, Style)],
    top: f64,
    unit: &str,
    theme: &Theme,
) -> Chart<'a> {
    let mut datasets: Vec<Dataset> = (lines.iter())
        .map(|(data, style)| line(data, *style))
        .collect();
    datasets.push(line(points, style));
    let label = |v: f64| {
        if top < 10.0 {
            format!("{v:.1}{unit}")
        } else {
            format!("{v:.0}{unit}")
        }
    };
    Chart::new(datasets)
        .block(block)
        .x_axis(
            Axis::default()
                .bounds([-HOUR, 0.0])
                .labels(["-60m", "-30m", "now"])
                .style(theme.muted),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, top])
                .labels([label(0.0), label(top / 2.0), label(top)])
                .style(theme.muted),
        )
        .legend_position(None)
}

fn line(data: &[(f64, f64)], style: Style) -> Dataset<'_> {
    Dataset::default()
        .marker(Marker::Braille)
        .graph_type(GraphType::Line)
        .style(style)
        .data(data)
}
