//! The board: which targets are watched, each one read and checked on its own, headless
//! (`check --targets`, `snapshot --targets`) and as the Fleet view's rows.

use patrol::board::{wanted, watch_list, Watched};
use patrol::cloud::aws::AwsOptions;
use patrol::config::Config;
use patrol::world::WorldSpec;

const CONFIG: &str = "[targets.shop]\nscenario = \"db-down\"\n\n\
                      [targets.web]\nscenario = \"instance-crash\"\nseed = 7\n\n\
                      [targets.prod]\nprofile = \"prod-ro\"\nregion = \"eu-west-1\"\n";

fn config() -> Config {
    Config::parse("patrol.toml", CONFIG).unwrap()
}

fn names(w: &[Watched]) -> Vec<&str> {
    w.iter().map(|w| w.name.as_str()).collect()
}

fn aws(profile: Option<&str>, region: Option<&str>) -> AwsOptions {
    AwsOptions {
        profile: profile.map(String::from),
        region: region.map(String::from),
        endpoint_url: None,
    }
}

#[test]
fn targets_by_name_all_and_the_cross_product_of_profiles_and_regions() {
    let c = config();
    let all = watch_list(&c, &["all".into()], None).unwrap();
    assert_eq!(names(&all), ["prod", "shop", "web"]);
    assert_eq!(
        all[1].world,
        Ok(WorldSpec::Simulator {
            scenario: "db-down".into()
        })
    );
    assert_eq!(all[2].seed, Some(7));
    // A name the config does not have is kept, with why, for its own row.
    let some = watch_list(&c, &["web".into(), "nope".into()], None).unwrap();
    assert_eq!(names(&some), ["web", "nope"]);
    let why = some[1].world.clone().unwrap_err();
    assert!(
        why.contains("no target \"nope\"") && why.contains("prod, shop, web"),
        "{why}"
    );
    // Every profile × region.
    let o = aws(Some("p1,p2"), Some("eu-west-1,us-east-1"));
    assert!(wanted(&[], Some(&o)));
    assert!(!wanted(&[], Some(&aws(Some("p1"), Some("eu-west-1")))));
    let product = watch_list(&c, &[], Some(&o)).unwrap();
    assert_eq!(
        names(&product),
        [
            "p1/eu-west-1",
            "p1/us-east-1",
            "p2/eu-west-1",
            "p2/us-east-1"
        ]
    );
    assert_eq!(
        product[3].world,
        Ok(WorldSpec::Aws {
            profile: Some("p2".into()),
            region: Some("us-east-1".into()),
            endpoint_url: None,
        })
    );
    // Targets and the product together, each world once.
    let both = watch_list(
        &c,
        &["shop".into()],
        Some(&aws(None, Some("eu-west-1,eu-west-2"))),
    )
    .unwrap();
    assert_eq!(names(&both), ["shop", "eu-west-1", "eu-west-2"]);
    // A name that is a target and one of the profiles could mean either: refused.
    let e = watch_list(&c, &[], Some(&aws(Some("prod,p2"), None))).unwrap_err();
    assert!(
        e.contains("\"prod\" is both a target") && e.contains("--targets prod"),
        "{e}"
    );
    // `all` with no targets says so.
    let e = watch_list(&Config::default(), &["all".into()], None).unwrap_err();
    assert!(e.contains("no [targets.NAME]"), "{e}");
}

#[test]
fn a_simulated_target_is_checked_and_names_its_keys_when_wrong() {
    let e = Config::parse(
        "f.toml",
        "[targets.x]\nscenario = \"db-down\"\nprofile = \"p\"\n",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("targets.x") && e.contains("not both"), "{e}");
    let e = Config::parse("f.toml", "[targets.x]\nscenario = \"db-down\"\nspeed = 0\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("targets.x.speed"), "{e}");
    let e = Config::parse("f.toml", "[board]\nrefresh = \"1s\"\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("board.refresh"), "{e}");
    let c = Config::parse("f.toml", "[board]\nrefresh = \"45s\"\n").unwrap();
    assert_eq!(c.board_every.as_secs(), 45);
}

/// The test's config file, in a temp dir.
fn config_file() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("patrol.toml");
    // No AWS target: nothing here may leave the machine.
    let text = CONFIG.split("[targets.prod]").next().unwrap();
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

#[test]
fn check_targets_is_one_document_and_the_worst_exit_code() {
    let (_dir, config) = config_file();
    // db-down two minutes in fails; instance-crash at its start does not; "nope" is unknown.
    let out = crate::patrol_command()
        .args([
            "check",
            "--targets",
            "shop,web,nope",
            "--after",
            "2m",
            "--json",
            "--config",
        ])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let targets = doc["targets"].as_array().unwrap();
    let of = |name: &str| targets.iter().find(|t| t["name"] == name).unwrap();
    assert_eq!(of("shop")["status"], "CRITICAL");
    assert_eq!(of("shop")["world"]["scenario"], "db-down");
    assert_ne!(of("web")["status"], "CRITICAL");
    assert_eq!(of("web")["world"]["seed"], 7);
    assert_eq!(of("nope")["status"], "UNKNOWN");
    assert!(of("nope")["error"]
        .as_str()
        .unwrap()
        .contains("no target \"nope\""));
    assert_eq!(doc["status"], "CRITICAL");
    // Without the failing one, the unknown one is the worst.
    let out = crate::patrol_command()
        .args(["check", "--targets", "web,nope", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("== nope · UNKNOWN (exit 3)") && text.contains("cannot check: no target"),
        "{text}"
    );
    assert!(
        text.ends_with("2 targets · worst UNKNOWN (exit 3)\n"),
        "{text}"
    );
    // The snapshot of each, in one document.
    let out = crate::stdout_of(
        crate::patrol_command()
            .args(["snapshot", "--json", "--targets", "shop,web", "--config"])
            .arg(&config),
    );
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let targets = doc["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 2);
    assert!(targets.iter().all(|t| t["snapshot"]["instances"]
        .as_array()
        .is_some_and(|i| !i.is_empty())));
}

#[test]
fn the_board_rows_count_what_matters_in_an_incident() {
    use patrol::app::rows::BoardRow;
    use patrol::patterns::{Pattern, Verdict};
    // az-outage two minutes in: us-east-1a is dark.
    let sim = patrol::cloud::sim::SimCloud::new(
        &patrol::cloud::sim::Scenario::load("az-outage").unwrap(),
        42,
        crate::start(),
        1.0,
    );
    let before = BoardRow::of("outage", &crate::state_of(&crate::snapshot(&sim)), false);
    assert_eq!((before.dark_zones, before.unhealthy), (0, 0), "{before:?}");
    // 1a goes dark at 1m: its targets fail their checks, then their instances go.
    patrol::playback::Playback::advance(&sim, crate::secs(90));
    let failing = BoardRow::of("outage", &crate::state_of(&crate::snapshot(&sim)), false);
    assert_eq!(failing.dark_zones, 1, "{failing:?}");
    patrol::playback::Playback::advance(&sim, crate::secs(30));
    let s = crate::snapshot(&sim);
    let state = crate::state_of(&s);
    let row = BoardRow::of("outage", &state, false);
    assert_eq!(row.dark_zones, 1, "{row:?}");
    let md = row
        .verdicts
        .iter()
        .find(|(p, _, _)| *p == Pattern::MultiDataCenter)
        .unwrap();
    assert!(md.1 >= Some(Verdict::Warn), "{row:?}");
    assert!(row.error.is_none());
    // instance-crash: a web instance crashes at 1m; two failed checks later its target is
    // unhealthy.
    let crash = patrol::cloud::sim::SimCloud::new(
        &patrol::cloud::sim::Scenario::load("instance-crash").unwrap(),
        42,
        crate::start(),
        1.0,
    );
    patrol::playback::Playback::advance(&crash, crate::secs(85));
    let row = BoardRow::of("web", &crate::state_of(&crate::snapshot(&crash)), false);
    // One server per zone: its zone has no healthy target left.
    assert_eq!((row.unhealthy, row.dark_zones), (1, 1), "{row:?}");
    let failed = BoardRow::failed("dead", "cannot read it".into());
    assert_eq!(failed.worst(), Some(Verdict::Unknown));
}

#[test]
fn the_board_keeps_the_screen_on_a_target_while_its_action_runs() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use patrol::app::rows::BoardRow;
    use patrol::app::{update, Action, Effect, View};
    let sim = crate::default_sim();
    patrol::playback::Playback::advance(&sim, crate::secs(60));
    let mut state = crate::state_of(&crate::snapshot(&sim));
    let key = |state: &mut patrol::app::AppState, code: KeyCode| {
        let effects = update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        let (w, h) = state.size;
        update(state, Action::Drawn(w, h));
        effects
    };
    let mut other = BoardRow::of("other", &state, false);
    other.name = "other".into();
    let me = BoardRow::of("core", &state, true);
    update(&mut state, Action::Board(vec![me, other]));
    // A scale-out confirmed: it runs.
    for c in ['3', 'o', 'y'] {
        key(&mut state, KeyCode::Char(c));
    }
    assert!(matches!(
        key(&mut state, KeyCode::Enter).as_slice(),
        [Effect::Execute { .. }]
    ));
    // On the board, Enter on another target does not leave this one while it runs: its
    // outcome comes back here.
    state.view = View::Fleet;
    state.list_mut().selected_key = Some("other".into());
    assert_eq!(key(&mut state, KeyCode::Enter), vec![]);
    assert!(
        state
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("still running: open other"),
        "{:?}",
        state.message
    );
    // A world switch under way holds it too.
    state.operation = None;
    state.switching = Some((7, "AWS profile p".into()));
    assert_eq!(key(&mut state, KeyCode::Enter), vec![]);
    assert!(state
        .message
        .as_deref()
        .unwrap_or_default()
        .contains("still opening"));
    state.switching = None;
    assert_eq!(
        key(&mut state, KeyCode::Enter),
        vec![Effect::Dive("other".into())]
    );
}
