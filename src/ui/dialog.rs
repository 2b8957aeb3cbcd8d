//! The confirmation dialog of an action, and the line that follows the action on every view.

use super::age_text;
use crate::app::{AppState, Choice, Dialog, Focus};
use crate::model::{ImageState, LifecycleState, TargetHealthState};
use crate::ops::{OpError, Request};
use crate::theme::Theme;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};
use ratatui::Frame;

fn section<'a>(name: &'a str, lines: &'a [String], theme: &Theme) -> Vec<Line<'a>> {
    let mut out = vec![Line::styled(name, theme.header)];
    out.extend(
        lines
            .iter()
            .map(|l| Line::styled(format!("  {l}"), theme.text)),
    );
    out
}

pub fn draw(
    frame: &mut Frame,
    area: Rect,
    dialog: &Dialog,
    production: Option<&str>,
    theme: &Theme,
) {
    let plan = &dialog.plan;
    let mut lines: Vec<Line> = Vec::new();
    if let Some(name) = production {
        let text = match &dialog.typed {
            Some(typed) => {
                format!("PRODUCTION: type {name} and Enter to go ahead (Esc backs out): {typed}▏")
            }
            None => format!("PRODUCTION target {name}: Yes asks you to type its name"),
        };
        lines.push(Line::styled(text, theme.danger));
    }
    if let Some(note) = &dialog.note {
        lines.push(Line::styled(note.as_str(), theme.warn));
    }
    lines.extend(section("Change", &plan.change, theme));
    lines.extend(section("API calls", &plan.calls, theme));
    lines.extend(section("Then", &plan.effect, theme));
    lines.push(Line::styled("Preflight", theme.header));
    for c in &plan.checks {
        let (mark, style) = if c.ok {
            ("✓", theme.ok)
        } else {
            ("✗", theme.crit)
        };
        lines.push(Line::from(vec![
            Span::styled(format!("  {mark} {}", c.what), style),
            Span::styled(format!(": {}", c.detail), theme.text),
        ]));
    }
    lines.push(Line::raw(""));
    match &dialog.choice {
        Choice::Swap { .. } if plan.candidates.len() > 1 => lines.push(Line::styled(
            format!(
                "j/k: choose the standby ({} candidates)",
                plan.candidates.len()
            ),
            theme.muted,
        )),
        Choice::Swap { .. } => {}
        Choice::Clone {
            name,
            no_reboot,
            editing,
            ..
        } => {
            let cursor = if *editing { "▏" } else { "" };
            lines.push(Line::from(vec![
                Span::styled("name: ", theme.muted),
                Span::styled(format!("{name}{cursor}"), theme.info),
                Span::styled(
                    if *editing {
                        "  (typing; Enter ends)"
                    } else {
                        "  (e edits)"
                    },
                    theme.muted,
                ),
            ]));
            lines.push(Line::from(vec![
                Span::styled("NoReboot: ", theme.muted),
                Span::styled(if *no_reboot { "yes" } else { "no" }, theme.info),
                Span::styled(
                    "  (x toggles; without a reboot, files being written may be inconsistent)",
                    theme.muted,
                ),
            ]));
        }
        Choice::ScaleOut { to, .. } => lines.push(Line::from(vec![
            Span::styled("desired: ", theme.muted),
            Span::styled(to.to_string(), theme.info),
            Span::styled("  (+/- or type a number)", theme.muted),
        ])),
    }
    let button = |label: &'static str, focused: bool| {
        if focused {
            Span::styled(format!("[ {label} ]"), theme.selection)
        } else {
            Span::styled(format!("[ {label} ]"), theme.text)
        }
    };
    if plan.ready() {
        lines.push(
            Line::from(vec![
                button("No", dialog.focus == Focus::No),
                Span::raw("   "),
                button("Yes, do it", dialog.focus == Focus::Yes),
            ])
            .alignment(Alignment::Center),
        );
        lines.push(
            Line::styled(
                "Tab or y/n chooses a button · Enter does the chosen one · Esc cancels",
                theme.muted,
            )
            .alignment(Alignment::Center),
        );
    } else {
        lines.push(
            Line::styled(
                "A preflight check failed: this cannot be done. Esc closes.",
                theme.crit,
            )
            .alignment(Alignment::Center),
        );
    }
    let width = area.width.saturating_sub(4).min(110);
    let inner = width.saturating_sub(2).max(1) as usize;
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner)).sum();
    let height = (rows as u16 + 2).min(area.height);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.danger)
        .title(Span::styled(format!(" {} ", plan.title), theme.danger))
        .title_alignment(Alignment::Center);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        popup,
    );
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
                .map(|t| t.count(TargetHealthState::Healthy))
                .sum::<usize>();
            let zones: Vec<String> = g
                .in_service_by_zone()
                .iter()
                .map(|(z, n)| format!("{}:{n}", z.chars().last().unwrap_or('?')))
                .collect();
            format!(
                " · {in_service}/{to} in service, {pending} pending, {healthy} healthy targets · {}",
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
        Request::SwapFloatingIp { .. } => String::new(),
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
