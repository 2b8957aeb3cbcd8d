//! Every shipped theme and scenario loads; every bad one is refused with a message that
//! names the file and the key.

use patrol::cloud::sim::scenario::embedded_names;
use patrol::cloud::sim::Scenario;
use patrol::theme::Theme;
use ratatui::style::{Color, Modifier};
use std::path::{Path, PathBuf};

fn files(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    out.sort();
    out
}

fn fixture(kind: &str, name: &str) -> String {
    format!(
        "{}/tests/fixtures/{kind}/{name}.toml",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn every_shipped_theme_loads() {
    let themes = files("themes");
    assert!(!themes.is_empty());
    for path in &themes {
        let theme = Theme::load(Some(path.to_str().unwrap()), false)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(theme.crit.fg.is_some(), "{}", path.display());
    }
    // At least four, each also loadable by name from the binary, and each different.
    let names: Vec<String> = themes
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(names.len() >= 4, "{names:?}");
    let mut seen = Vec::new();
    for name in &names {
        let theme = Theme::load(Some(name), false).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(&theme.name, name);
        assert!(
            !seen.contains(&theme.crit),
            "{name} looks like another theme"
        );
        seen.push(theme.crit);
    }
}

#[test]
fn every_shipped_scenario_loads_and_is_embedded() {
    let shipped: Vec<String> = files("assets/scenarios")
        .iter()
        .map(|p| {
            let s = Scenario::load(p.to_str().unwrap()).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                Some(s.name.as_str()),
                p.file_stem().and_then(|n| n.to_str()),
                "name = file name"
            );
            s.name
        })
        .collect();
    let embedded: Vec<String> = embedded_names().map(String::from).collect();
    let mut sorted = embedded.clone();
    sorted.sort();
    assert_eq!(
        shipped, sorted,
        "every file in assets/scenarios is embedded (listed in catalogue order)"
    );
    for name in embedded {
        Scenario::load(&name).unwrap();
    }
}

#[test]
fn theme_errors_name_the_file_and_the_key() {
    let cases = [
        (
            "unknown-role",
            "roles.critical: unknown role; known roles: text, muted",
        ),
        ("bad-colour", "roles.crit.fg: unknown colour \"blod\""),
        ("bad-hex", "palette.red: \"#12345\" is not a #rrggbb colour"),
        ("unknown-field", "line 2, column 8: unknown field `colour`"),
        ("not-toml", "line 1, column"),
    ];
    for (name, expected) in cases {
        let path = fixture("themes", name);
        let e = Theme::load(Some(&path), false).unwrap_err().to_string();
        assert!(e.starts_with(&format!("theme {path}: ")), "{e}");
        assert!(e.contains(expected), "{name}: {e}");
    }
    let e = Theme::load(Some("no-such-theme"), false)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("no-such-theme.toml: cannot read the file"),
        "{e}"
    );
}

#[test]
fn a_partial_theme_overrides_only_what_it_sets() {
    let base = Theme::default_theme();
    let partial = Theme::load(Some(&fixture("themes", "partial")), false).unwrap();
    assert_eq!(partial.crit.fg, Some(Color::Rgb(0xff, 0x00, 0xff)));
    assert!(
        partial.crit.add_modifier.contains(Modifier::BOLD),
        "bold kept from the default"
    );
    assert_eq!(partial.ok, base.ok);
    assert_eq!(partial.world_sim, base.world_sim);
}

#[test]
fn no_color_keeps_modifiers_only() {
    let theme = Theme::load(None, true).unwrap();
    assert_eq!(theme.crit.fg, None);
    assert!(theme.crit.add_modifier.contains(Modifier::BOLD));
    assert_eq!(theme.world_sim.bg, None);
    assert!(
        theme.world_sim.add_modifier.contains(Modifier::REVERSED),
        "the badge still stands out"
    );
}

#[test]
fn scenario_errors_name_the_file_and_the_key() {
    let cases = [
        ("not-toml", "line 2, column 28: invalid basic string"),
        ("unknown-key", "unknown field `desird`"),
        (
            "bad-capacity",
            "auto_scaling_groups[0]: min 1 <= desired 5 <= max 3 does not hold",
        ),
        (
            "unknown-target-group",
            "auto_scaling_groups[0].target_groups: no target group named \"nope-tg\"",
        ),
        (
            "bad-duration",
            "\"5 mins\" is not a duration: write it like 30s, 5m, 1h30m or 2d",
        ),
        (
            "bad-event",
            "events[0]: do = \"crash\" needs `name` or `group`",
        ),
        (
            "bad-set-desired",
            "events[0].desired: 9 is outside web-asg's min 1..max 4",
        ),
        (
            "bad-await-swap",
            "events[0].address: no Elastic IP \"198.51.100.7\" in elastic_ips",
        ),
        (
            "unknown-image",
            "auto_scaling_groups[0].image: no image (in images or made by a clone event) named \"shop-master\"",
        ),
        (
            "bad-comparison",
            "unknown comparison \"Below\": expected one of GreaterThanThreshold",
        ),
        (
            "bad-ip",
            "elastic_ips[0].public_ip: \"203.0.113.300\" is not an IPv4 address",
        ),
    ];
    for (name, expected) in cases {
        let path = fixture("scenarios", name);
        let e = Scenario::load(&path).unwrap_err().to_string();
        assert!(e.starts_with(&format!("scenario {path}: ")), "{e}");
        assert!(e.contains(expected), "{name}: {e}");
    }
    let e = Scenario::load("no-such-scenario").unwrap_err().to_string();
    assert!(
        e.contains("no scenario named \"no-such-scenario\"; known: default"),
        "{e}"
    );
}
