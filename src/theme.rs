//! Themes: a palette and semantic roles from TOML, layered over the embedded default.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const DEFAULT: &str = include_str!("../themes/default.toml");

/// The shipped themes (besides the default), built into the binary, by name.
pub const SHIPPED: &[(&str, &str)] = &[
    ("light", include_str!("../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../themes/high-contrast.toml"),
    ),
    ("nord", include_str!("../themes/nord.toml")),
];

/// Every theme name `--theme`, the config file and `:theme` accept without a path.
pub fn theme_names() -> Vec<String> {
    let mut names: Vec<String> = std::iter::once("default")
        .chain(SHIPPED.iter().map(|(n, _)| *n))
        .map(String::from)
        .collect();
    if let Ok(dir) = std::fs::read_dir(user_theme_dir()) {
        let mut user: Vec<String> = dir
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_suffix(".toml").map(str::to_string)
            })
            .filter(|n| !names.contains(n))
            .collect();
        user.sort();
        names.extend(user);
    }
    names
}

/// Every role a theme styles, in file order.
pub const ROLES: [&str; 15] = [
    "text",
    "muted",
    "ok",
    "warn",
    "crit",
    "stale",
    "info",
    "selection",
    "header",
    "border",
    "title",
    "tab_active",
    "danger",
    "world_sim",
    "world_aws",
];

/// A theme could not be used. The message names the file and the key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("theme {origin}: {message}")]
pub struct ThemeError {
    pub origin: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<String>,
    bg: Option<String>,
    bold: Option<bool>,
    italic: Option<bool>,
    underline: Option<bool>,
    reversed: Option<bool>,
    dim: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[serde(default)]
    palette: BTreeMap<String, String>,
    #[serde(default)]
    roles: BTreeMap<String, StyleSpec>,
}

/// Resolved styles, one per role.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub text: Style,
    pub muted: Style,
    pub ok: Style,
    pub warn: Style,
    pub crit: Style,
    pub stale: Style,
    pub info: Style,
    pub selection: Style,
    pub header: Style,
    pub border: Style,
    pub title: Style,
    pub tab_active: Style,
    pub danger: Style,
    pub world_sim: Style,
    pub world_aws: Style,
}

impl Theme {
    /// The embedded default theme.
    pub fn default_theme() -> Theme {
        Theme::resolve("default", &[], false).unwrap_or_else(|e| {
            // The embedded file is checked by a test; reaching this is a build defect.
            panic!("embedded default theme is broken: {e}")
        })
    }

    /// Loads `spec` over the default: `default`, a name in the user's theme directory, a
    /// shipped theme (light, high-contrast, nord), or a path. `no_color` keeps only the
    /// modifiers, for NO_COLOR.
    pub fn load(spec: Option<&str>, no_color: bool) -> Result<Theme, ThemeError> {
        let Some(spec) = spec.filter(|s| *s != "default") else {
            return Theme::resolve("default", &[], no_color);
        };
        let path = theme_path(spec);
        let shipped = SHIPPED.iter().find(|(n, _)| *n == spec);
        if let (Some((name, text)), false) = (shipped, path.exists()) {
            let origin = format!("<embedded {name}>");
            let mut theme =
                Theme::resolve(&origin, &[(origin.clone(), text.to_string())], no_color)?;
            theme.name = name.to_string();
            return Ok(theme);
        }
        let text = std::fs::read_to_string(&path).map_err(|e| ThemeError {
            origin: path.display().to_string(),
            message: format!(
                "cannot read the file: {e} (a theme is one of {}, a name in {}, or a path)",
                theme_names().join(", "),
                user_theme_dir().display()
            ),
        })?;
        let origin = path.display().to_string();
        Theme::resolve(&origin, &[(origin.clone(), text)], no_color)
    }

    /// Resolves the default and then each layer in order.
    fn resolve(
        name: &str,
        layers: &[(String, String)],
        no_color: bool,
    ) -> Result<Theme, ThemeError> {
        let mut palette = BTreeMap::new();
        let mut roles: BTreeMap<String, StyleSpec> = BTreeMap::new();
        let all = std::iter::once(("<embedded default>".to_string(), DEFAULT.to_string()))
            .chain(layers.iter().cloned());
        for (origin, text) in all {
            let err = |message: String| ThemeError {
                origin: origin.clone(),
                message,
            };
            let file: ThemeFile =
                toml::from_str(&text).map_err(|e| err(crate::toml_error(&text, &e)))?;
            for (role, spec) in file.roles {
                if !ROLES.contains(&role.as_str()) {
                    return Err(err(format!(
                        "roles.{role}: unknown role; known roles: {}",
                        ROLES.join(", ")
                    )));
                }
                let base = roles.entry(role).or_default();
                overlay(base, spec);
            }
            for (key, value) in &file.palette {
                parse_colour(value, &BTreeMap::new())
                    .map_err(|m| err(format!("palette.{key}: {m}")))?;
            }
            palette.extend(file.palette);
            // Check every role against the palette as layered so far.
            for (role, spec) in &roles {
                for (field, v) in [("fg", &spec.fg), ("bg", &spec.bg)] {
                    if let Some(v) = v {
                        parse_colour(v, &palette)
                            .map_err(|m| err(format!("roles.{role}.{field}: {m}")))?;
                    }
                }
            }
        }
        let style = |role: &str| -> Style {
            let spec = roles.get(role).cloned().unwrap_or_default();
            to_style(&spec, &palette, no_color)
        };
        Ok(Theme {
            name: name.to_string(),
            text: style("text"),
            muted: style("muted"),
            ok: style("ok"),
            warn: style("warn"),
            crit: style("crit"),
            stale: style("stale"),
            info: style("info"),
            selection: style("selection"),
            header: style("header"),
            border: style("border"),
            title: style("title"),
            tab_active: style("tab_active"),
            danger: style("danger"),
            world_sim: style("world_sim"),
            world_aws: style("world_aws"),
        })
    }
}

fn overlay(base: &mut StyleSpec, top: StyleSpec) {
    base.fg = top.fg.or(base.fg.take());
    base.bg = top.bg.or(base.bg.take());
    base.bold = top.bold.or(base.bold);
    base.italic = top.italic.or(base.italic);
    base.underline = top.underline.or(base.underline);
    base.reversed = top.reversed.or(base.reversed);
    base.dim = top.dim.or(base.dim);
}

fn to_style(spec: &StyleSpec, palette: &BTreeMap<String, String>, no_color: bool) -> Style {
    let mut style = Style::default();
    if !no_color {
        if let Some(c) = spec
            .fg
            .as_deref()
            .and_then(|v| parse_colour(v, palette).ok())
        {
            style = style.fg(c);
        }
        if let Some(c) = spec
            .bg
            .as_deref()
            .and_then(|v| parse_colour(v, palette).ok())
        {
            style = style.bg(c);
        }
    }
    for (on, m) in [
        (spec.bold, Modifier::BOLD),
        (spec.italic, Modifier::ITALIC),
        (spec.underline, Modifier::UNDERLINED),
        (spec.reversed, Modifier::REVERSED),
        (spec.dim, Modifier::DIM),
    ] {
        if on == Some(true) {
            style = style.add_modifier(m);
        }
    }
    // Without colour, selection and badges still need to stand out.
    if no_color && spec.bg.is_some() {
        style = style.add_modifier(Modifier::REVERSED);
    }
    style
}

/// A palette name, `#rrggbb`, or a terminal colour name.
fn parse_colour(value: &str, palette: &BTreeMap<String, String>) -> Result<Color, String> {
    if let Some(v) = palette.get(value) {
        return parse_colour(v, &BTreeMap::new());
    }
    if let Some(hex) = value.strip_prefix('#') {
        if hex.len() == 6 {
            if let Ok(n) = u32::from_str_radix(hex, 16) {
                return Ok(Color::Rgb((n >> 16) as u8, (n >> 8) as u8, n as u8));
            }
        }
        return Err(format!("{value:?} is not a #rrggbb colour"));
    }
    value.parse::<Color>().map_err(|_| {
        format!("unknown colour {value:?} (use a palette name, #rrggbb, or a terminal colour name)")
    })
}

/// Where user themes live: `$XDG_CONFIG_HOME/patrol/themes`.
pub fn user_theme_dir() -> PathBuf {
    dirs::config_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("patrol")
        .join("themes")
}

fn theme_path(spec: &str) -> PathBuf {
    if spec.contains('/') || spec.ends_with(".toml") {
        Path::new(spec).to_path_buf()
    } else {
        user_theme_dir().join(format!("{spec}.toml"))
    }
}
