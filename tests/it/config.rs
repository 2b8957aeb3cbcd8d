//! The config file: every setting read, the layering defaults < file < environment < flags,
//! and every kind of error naming the file, the line and the key.

use patrol::cloud::aws::AwsOptions;
use patrol::cloud::Source;
use patrol::config::{Config, DefaultWorld, Flags};
use patrol::keymap::KeyAction;
use patrol::settings::{CheckSettings, SimulatorSettings};
use patrol::world::WorldSpec;
use std::time::Duration;

fn fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/config/{name}.toml",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn key(c: char) -> crossterm::event::KeyEvent {
    crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char(c),
        crossterm::event::KeyModifiers::NONE,
    )
}

#[test]
fn every_setting_is_read() {
    let c = Config::load(Some(fixture("full").as_ref())).unwrap();
    assert_eq!(c.world, DefaultWorld::Target("prod".into()));
    assert_eq!(c.theme.as_deref(), Some("nord"));
    assert!(c.mouse);
    assert_eq!(
        (
            c.simulator.scenario.as_deref(),
            c.simulator.seed,
            c.simulator.speed.map(|s| s.0)
        ),
        (Some("az-outage"), Some(7), Some(5.0))
    );
    assert_eq!(c.intervals.of(Source::Instances), Duration::from_secs(10));
    assert_eq!(c.intervals.of(Source::TargetGroups), Duration::from_secs(3));
    assert_eq!(
        c.intervals.of(Source::Images),
        Duration::from_secs(30),
        "default kept"
    );
    assert_eq!(c.checks.deep_path.as_deref(), Some("/healthz/deep"));
    assert_eq!(c.checks.max_nfs_clients, Some(12));
    assert_eq!(c.checks.max_nfs_latency, Some(35.5));
    assert_eq!(c.keys.action(&key('x')), Some(KeyAction::Export));
    assert_eq!(c.keys.action(&key('e')), None, "the default e is replaced");
    assert_eq!(c.keys.action(&key('q')), Some(KeyAction::Quit));
    let prod = c.target("prod").unwrap();
    assert!(prod.production && prod.read_only);
    assert_eq!(
        c.target("staging").unwrap().endpoint_url.as_deref(),
        Some("http://127.0.0.1:5000")
    );
    assert_eq!(
        c.target("prod-readonly").unwrap().name,
        "prod",
        "found by profile too"
    );
}

#[test]
fn defaults_then_file_then_environment_then_flags() {
    let none = |_: &str| None;
    // Defaults: the simulator, seed 42, speed 1, default checks.
    let r = Config::default().resolve(&Flags::default(), none);
    assert_eq!(
        r.world,
        WorldSpec::Simulator {
            scenario: "default".into()
        }
    );
    assert_eq!((r.seed, r.speed, r.read_only), (42, 1.0, false));
    assert_eq!(r.checks.max_nfs_clients, 8);
    // The file: its default world is the prod target, read-only by the target.
    let file = Config::load(Some(fixture("full").as_ref())).unwrap();
    let r = file.resolve(&Flags::default(), none);
    assert_eq!(
        r.world,
        WorldSpec::Aws {
            profile: Some("prod-readonly".into()),
            region: Some("eu-west-1".into()),
            endpoint_url: None
        }
    );
    assert_eq!(r.target.as_deref(), Some("prod"));
    assert!(r.read_only);
    assert_eq!(
        (r.theme.as_deref(), r.seed, r.checks.max_nfs_clients),
        (Some("nord"), 7, 12)
    );
    assert_eq!(r.checks.max_image_age, chrono::Duration::hours(36));
    // The environment beats the file.
    let env = |k: &str| match k {
        "AWS_REGION" => Some("ap-south-1".to_string()),
        "AWS_PROFILE" => Some("prod-admin".to_string()),
        _ => None,
    };
    let r = file.resolve(&Flags::default(), env);
    assert_eq!(
        r.world,
        WorldSpec::Aws {
            profile: Some("prod-admin".into()),
            region: Some("ap-south-1".into()),
            endpoint_url: None
        }
    );
    // Flags beat the environment.
    let flags = Flags {
        aws: Some(AwsOptions {
            profile: Some("staging".into()),
            region: Some("eu-north-1".into()),
            endpoint_url: None,
        }),
        theme: Some("light".into()),
        simulator: SimulatorSettings {
            seed: Some(3),
            ..Default::default()
        },
        checks: CheckSettings {
            max_nfs_clients: Some(2),
            ..Default::default()
        },
        ..Flags::default()
    };
    let r = file.resolve(&flags, env);
    assert_eq!(
        r.world,
        WorldSpec::Aws {
            profile: Some("staging".into()),
            region: Some("eu-north-1".into()),
            endpoint_url: Some("http://127.0.0.1:5000".into())
        },
        "the staging target's endpoint comes with its profile"
    );
    assert_eq!(r.target.as_deref(), Some("staging"));
    assert!(!r.read_only, "staging is not read-only");
    assert_eq!(
        (r.theme.as_deref(), r.seed, r.checks.max_nfs_clients),
        (Some("light"), 3, 2)
    );
    // A scenario flag on a file whose world is the simulator.
    let sim = Config::parse("x", "[simulator]\nscenario = \"db-down\"\nspeed = 2.0\n").unwrap();
    let flags = Flags {
        simulator: SimulatorSettings {
            scenario: Some("az-outage".into()),
            ..Default::default()
        },
        ..Flags::default()
    };
    let r = sim.resolve(&flags, env);
    assert_eq!(
        r.world,
        WorldSpec::Simulator {
            scenario: "az-outage".into()
        }
    );
    assert_eq!(
        r.speed, 2.0,
        "the environment's AWS settings do not pick the world"
    );
}

#[test]
fn config_errors_name_the_file_the_line_and_the_key() {
    let cases = [
        ("unknown-key", "line 3, column 1: unknown field `mosue`"),
        ("wrong-type", "simulator.seed: line 2, column 8: invalid type: string \"forty-two\", expected u64"),
        ("bad-value", "line 3, refresh.target_groups: 0s is outside 1s..1h"),
        ("key-conflict", "keys.clone and keys.swap are both bound to \"x\""),
        ("unknown-world", "line 1, world: \"prod\" is not \"simulator\", \"aws\" or a name under [targets] (staging)"),
    ];
    for (name, expected) in cases {
        let path = fixture(name);
        let e = Config::load(Some(path.as_ref())).unwrap_err().to_string();
        assert!(e.starts_with(&format!("config {path}: ")), "{e}");
        assert!(e.contains(expected), "{name}: {e}");
    }
    let e = Config::load(Some("/nonexistent/patrol.toml".as_ref()))
        .unwrap_err()
        .to_string();
    assert!(e.contains("cannot read the file"), "{e}");
    // More bad values, inline.
    for (text, expected) in [
        ("[keys]\nfly = \"f\"\n", "keys.fly: unknown action"),
        (
            "[keys]\nquit = \"Q\"\n",
            "keys.quit: \"Q\" is Shift + a letter",
        ),
        (
            "[keys]\nquit = \"ctrl-\"\n",
            "keys.quit: \"ctrl-\" is not a key",
        ),
        (
            "[refresh]\ndisks = \"5s\"\n",
            "line 2, refresh.disks: unknown source",
        ),
        (
            "[checks]\nmax_image_age = \"a week\"\n",
            "checks.max_image_age: line 2, column 17: \"a week\" is not a duration",
        ),
        (
            "[checks]\nmax_nfs_latency = -3\n",
            "line 2, checks.max_nfs_latency: -3 is not a latency",
        ),
        (
            "[probe]\nenabled = true\n",
            "line 2, probe.enabled: probing needs probe.allow",
        ),
        (
            "[probe]\nallow = [\"10.0.0.0/16\", \"10.0.0.300/32\"]\n",
            "probe.allow[1]: \"10.0.0.300/32\" is not an address range",
        ),
        (
            "[probe]\nallow = [\"127.0.0.1/32\"]\n[probe.overrides]\nweb-tg = \"10.0.0.5:80\"\n",
            "probe.overrides.web-tg: 10.0.0.5 is outside probe.allow",
        ),
        (
            "[probe]\nallow = [\"127.0.0.1/32\"]\n[probe.overrides]\nweb-tg = \"localhost\"\n",
            "probe.overrides.web-tg: \"localhost\" is not an address:port",
        ),
        (
            "[probe]\ntimeout = \"5m\"\n",
            "line 2, probe.timeout: \"5m\" is not a duration within 1s..60s",
        ),
        (
            "[probe]\nconcurrency = 0\n",
            "line 2, probe.concurrency: 0 is outside 1..64",
        ),
        ("[probe]\nfollow_redirects = true\n", "follow_redirects"),
        (
            "[simulator]\nspeed = 5000.0\n",
            "simulator.speed: line 2, column 9: 5000 is outside 0.1..1000",
        ),
        (
            "[targets.x]\nproduction = true\n",
            "targets.x: a target needs a profile",
        ),
    ] {
        let e = Config::parse("f.toml", text).unwrap_err().to_string();
        assert!(e.contains(expected), "{text:?}: {e}");
    }
}

#[test]
fn a_bad_config_stops_patrol_before_the_terminal() {
    let out = crate::patrol_command()
        .args([
            "--config",
            &fixture("key-conflict"),
            "--log-file",
            "/dev/null",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("keys.clone and keys.swap are both bound"),
        "{err}"
    );
    assert!(
        !err.contains("\x1b[?1049h"),
        "the terminal was never touched"
    );
}

/// A default key the operator already bound to something else yields to their binding: a
/// config written before `m` meant maintenance keeps working, and the help says the action
/// has no key (and which setting gives it one).
#[test]
fn a_new_default_key_yields_to_the_operators_own_binding() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "[keys]\nrefresh = \"m\"\n").unwrap();
    let config = Config::load(Some(path.as_ref())).unwrap();
    let m = crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char('m'),
        crossterm::event::KeyModifiers::NONE,
    );
    assert_eq!(config.keys.action(&m), Some(KeyAction::Refresh));
    assert!(config.keys.keys_of(KeyAction::Maintenance).is_empty());
    assert!(config.keys.keys_of(KeyAction::Refresh) == vec!["m".to_string()]);
    let help = patrol::app::help_lines(&config.keys);
    assert!(
        help.iter().any(|l| l.keys == "(no key: keys.maintenance)"),
        "{:?}",
        help.iter().map(|l| &l.keys).collect::<Vec<_>>()
    );
}

/// `[record]`: on by default; off, moved (with `~/` meaning home) or kept shorter; a bad
/// `keep` names its key.
#[test]
fn the_record_section() {
    let on = Config::parse("c.toml", "").unwrap();
    assert!(on.record.is_some());
    let off = Config::parse("c.toml", "[record]\nenabled = false\n").unwrap();
    assert!(off.record.is_none());
    let moved = Config::parse("c.toml", "[record]\ndir = \"~/recs\"\nkeep = \"2d\"\n").unwrap();
    let r = moved.record.unwrap();
    assert!(
        r.dir.ends_with("recs") && !r.dir.starts_with("~"),
        "{:?}",
        r.dir
    );
    assert_eq!(r.keep, Duration::from_secs(2 * 86_400));
    let e = Config::parse("c.toml", "[record]\nkeep = \"forever\"\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("record.keep"), "{e}");
}

#[test]
fn probing_is_off_until_enabled_with_an_allow_list() {
    let c = Config::parse("f.toml", "").unwrap();
    assert!(!c.probe.enabled);
    let text = "[probe]\nenabled = true\nallow = [\"10.0.0.0/16\", \"127.0.0.1/32\"]\n\
                timeout = \"3s\"\nconcurrency = 4\n\
                [probe.overrides]\nweb-tg = \"127.0.0.1:8080\"\n";
    let c = Config::parse("f.toml", text).unwrap();
    let p = &c.probe;
    assert!(p.enabled);
    assert_eq!(p.allow.len(), 2);
    assert!(p.allow[0].contains("10.0.3.4".parse().unwrap()));
    assert_eq!((p.timeout, p.concurrency), (Duration::from_secs(3), 4));
    assert_eq!(p.overrides["web-tg"].to_string(), "127.0.0.1:8080");
}
