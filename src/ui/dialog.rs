//! The confirmation dialog of an action, and the line that follows the action on every view.

use super::age_text;
use crate::app::plan_text::{self, Role};
use crate::app::{AppState, Dialog};
use crate::model::{ImageState, LifecycleState};
use crate::ops::{OpError, Request};
use crate::theme::Theme;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};
use ratatui::Frame;

fn style_of(role: Role, theme: &Theme) -> Style {
    match role {
        Role::Header => theme.header,
        Role::Text => theme.text,
        Role::Muted => theme.muted,
        Role::Info => theme.info,
        Role::Ok => theme.ok,
        Role::Warn => theme.warn,
        Role::Crit => theme.crit,
        Role::Danger => theme.danger,
        Role::Selected => theme.selection,
    }
}

/// Draws the dialog: exactly the rows `plan_text` laid out, from its scroll position, with
/// what is above and below said on the border.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, dialog: &Dialog, theme: &Theme) {
    let size = (area.width, area.height);
    let rows = plan_text::current_rows(state);
    let (x, y, width, height) = plan_text::popup(size, rows.len());
    let popup = Rect {
        x: area.x + x,
        y: area.y + y,
        width,
        height,
    };
    let visible = plan_text::visible_rows(size, rows.len());
    let lines: Vec<Line> = rows
        .iter()
        .skip(dialog.scroll)
        .take(visible)
        .map(|r| {
            let line = Line::from(
                r.pieces
                    .iter()
                    .map(|(t, role)| Span::styled(t.clone(), style_of(*role, theme)))
                    .collect::<Vec<_>>(),
            );
            if r.centred {
                line.alignment(Alignment::Center)
            } else {
                line
            }
        })
        .collect();
    let below = rows.len().saturating_sub(dialog.scroll + visible);
    let mut block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.danger)
        .title(Span::styled(
            format!(" {} ", dialog.plan.title),
            theme.danger,
        ))
        .title_alignment(Alignment::Center);
    if dialog.scroll > 0 {
        block = block.title(
            Line::styled(format!(" ↑ {} more (PgUp) ", dialog.scroll), theme.warn)
                .alignment(Alignment::Right),
        );
    }
    if below > 0 {
        block = block.title_bottom(
            Line::styled(
                format!(" ↓ {below} more rows: PgDn/Space · Yes once every row was shown "),
                theme.warn.reversed(),
            )
            .alignment(Alignment::Center),
        );
    }
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}

/// What has happened since a scale out or a clone, from the latest data.
fn follow(state: &AppState, request: &Request, resource: Option<&str>) -> String {
    match request {
        Request::ScaleOut { group, to, .. } => {
            let Some(g) = state
                .fleet
                .auto_scaling_groups
                .iter()
                .find(|g| &g.name == group)
            else {
                return String::new();
            };
            let in_service = g.count(&LifecycleState::InService);
            let pending = g.count(&LifecycleState::Pending);
            let healthy = state
                .fleet
                .target_groups
                .iter()
                .filter(|t| g.target_group_arns.contains(&t.arn))
                .map(|t| state.fleet.healthy_targets(t))
                .sum::<usize>();
            let zones: Vec<String> = g
                .in_service_by_zone()
                .iter()
                .map(|(z, n)| format!("{}:{n}", z.chars().last().unwrap_or('?')))
                .collect();
            // What is true now: if something else changed desired since, say so.
            let since = if g.desired != *to {
                let by = g
                    .activities
                    .first()
                    .map_or(String::new(), |a| format!(" ({})", a.description));
                format!(" · SINCE CHANGED: desired is now {}{by}", g.desired)
            } else {
                String::new()
            };
            format!(
                "{since} · {in_service}/{} in service, {pending} pending, {healthy} healthy targets · {}",
                g.desired,
                zones.join(" ")
            )
        }
        Request::CloneToAmi { name, .. } => {
            let image = state
                .fleet
                .images
                .iter()
                .find(|i| Some(i.id.as_str()) == resource || &i.name == name);
            match image {
                Some(i) if i.state == ImageState::Pending => format!(
                    " · {} pending for {}",
                    i.id,
                    age_text(state.clock - i.created_at)
                ),
                Some(i) => format!(" · {} {}", i.id, i.state.as_str()),
                None => " · waiting for the image to be listed".into(),
            }
        }
        Request::SwapFloatingIp {
            allocation_id,
            public_ip,
            to,
            ..
        } => {
            let now = state
                .fleet
                .elastic_ips
                .iter()
                .find(|a| &a.allocation_id == allocation_id)
                .and_then(|a| a.instance_id.as_deref());
            match now {
                Some(id) if id == to => String::new(),
                Some(id) => format!(
                    " · SINCE CHANGED: {public_ip} is now on {}",
                    state.fleet.instance_label(id)
                ),
                None => format!(" · SINCE CHANGED: {public_ip} is now bound to nothing"),
            }
        }
    }
}

pub fn draw_operation(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let line = match (&state.operation, &state.message) {
        (_, Some(message)) => Line::styled(format!(" {message}"), theme.info),
        (Some(op), None) => match &op.result {
            None => Line::styled(format!(" ● {}: {}", op.title, op.stage), theme.info),
            Some(Ok(outcome)) => {
                let resource = outcome.receipt.resource_id.as_deref();
                let (mark, style, what) = if outcome.verified {
                    (
                        "✓",
                        theme.ok,
                        format!("verified in {:.1} ms", outcome.elapsed.as_secs_f64() * 1e3),
                    )
                } else {
                    (
                        "▲",
                        theme.warn,
                        "made, but the new state was not seen yet".into(),
                    )
                };
                let mut text = format!(
                    " {mark} {}: {what}{}",
                    op.title,
                    follow(state, &op.request, resource)
                );
                if state.swap_back.is_some() && !state.read_only {
                    text.push_str(" · b swaps back");
                }
                if let Some(e) = &outcome.audit_error {
                    text.push_str(&format!(" · AUDIT LOG NOT WRITTEN: {e}"));
                }
                Line::styled(text, style)
            }
            Some(Err(OpError::Stale(_))) => Line::styled(
                format!(" ▲ {}: re-planned, confirm again", op.title),
                theme.warn,
            ),
            Some(Err(e)) => Line::styled(format!(" ✗ {}: {e}", op.title), theme.crit),
        },
        (None, None) => return,
    };
    frame.render_widget(Paragraph::new(line), area);
}
