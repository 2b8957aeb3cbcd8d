//! The whole console without tmux: the real event loop on ratatui's TestBackend, keys sent
//! as terminal events, frames read as they are drawn.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use patrol::app::command::Choices;
use patrol::config::Config;
use patrol::patterns::Settings;
use patrol::theme::Theme;
use patrol::tui::{event_loop, Options};
use patrol::world::Opener;
use patrol::world::WorldSpec;
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use ratatui::Terminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// TestBackend that keeps the text of the last frame it flushed where the test can read it
/// while the loop runs.
struct Recorder {
    inner: TestBackend,
    screen: Arc<Mutex<String>>,
}

impl Backend for Recorder {
    type Error = <TestBackend as Backend>::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.inner.draw(content)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(position)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }
    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(clear_type)
    }
    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }
    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()?;
        let buffer = self.inner.buffer();
        let area = buffer.area;
        let text: Vec<String> = (0..area.height)
            .map(|y| {
                (0..area.width)
                    .map(|x| buffer[(x, y)].symbol().to_string())
                    .collect()
            })
            .collect();
        if let Ok(mut screen) = self.screen.lock() {
            *screen = text.join("\n");
        }
        Ok(())
    }
}

/// A console running on the default scenario, driven by keys.
struct App {
    keys: futures::channel::mpsc::UnboundedSender<std::io::Result<Event>>,
    screen: Arc<Mutex<String>>,
    done: tokio::task::JoinHandle<anyhow::Result<()>>,
    dir: tempfile::TempDir,
}

impl App {
    async fn start() -> App {
        App::watching(&[("default", "default", 1.0)]).await
    }

    /// A console watching these targets (name, scenario, speed); the first on screen.
    async fn watching(targets: &[(&str, &str, f64)]) -> App {
        let dir = tempfile::tempdir().unwrap();
        let opener = Opener {
            config: Config::default(),
            seed: 42,
            speed: 1.0,
            read_only: false,
            deep_path: "/health/deep".into(),
        };
        let mut worlds = Vec::new();
        for (name, scenario, speed) in targets {
            let world = Opener {
                speed: *speed,
                ..opener.clone()
            }
            .open(&WorldSpec::Simulator {
                scenario: scenario.to_string(),
            })
            .await
            .map_err(|e| e.to_string());
            worlds.push((name.to_string(), world));
        }
        let (name, world) = worlds.remove(0);
        let world = world.unwrap();
        let options = Options {
            opener,
            audit_log: dir.path().join("audit.jsonl"),
            started: Instant::now(),
            checks: Settings::default(),
            keymap: Default::default(),
            choices: Choices {
                profiles: vec![],
                themes: vec!["default".into()],
                scenarios: vec!["default".into(), "az-outage".into()],
            },
            mouse: false,
            no_color: false,
            export_dir: dir.path().to_path_buf(),
            record: Some(patrol::record::RecordSettings {
                dir: dir.path().join("recordings"),
                keep: Duration::from_secs(86_400),
            }),
            name,
            others: worlds,
            board_every: Duration::from_secs(30),
        };
        let screen = Arc::new(Mutex::new(String::new()));
        let backend = Recorder {
            inner: TestBackend::new(120, 40),
            screen: screen.clone(),
        };
        let (keys, events) = futures::channel::mpsc::unbounded();
        let done = tokio::spawn(async move {
            let mut terminal = Terminal::new(backend)?;
            let theme = Theme::default_theme();
            let stop = futures::future::pending::<()>();
            let events = futures::StreamExt::map(events, |e: std::io::Result<Event>| {
                (std::time::Instant::now(), e)
            });
            event_loop(&mut terminal, events, stop, world, theme, options).await
        });
        App {
            keys,
            screen,
            done,
            dir,
        }
    }

    fn key(&self, code: KeyCode) {
        let event = Event::Key(KeyEvent::new(code, KeyModifiers::NONE));
        self.keys.unbounded_send(Ok(event)).unwrap();
    }

    fn type_text(&self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    /// Swaps the default world's floating IP by keys: the plan drawn whole, then y and
    /// Enter; verified, and audited (intent and outcome).
    async fn swap_by_keys(&self) {
        self.type_text("4");
        self.wait_for("app-floating").await;
        self.type_text("js");
        self.wait_for("Swap floating IP 203.0.113.10").await;
        self.type_text("y");
        self.key(KeyCode::Enter);
        self.wait_for("verified in").await;
        let audit = std::fs::read_to_string(self.dir.path().join("audit.jsonl")).unwrap();
        assert_eq!(audit.lines().count(), 2, "{audit}");
    }

    /// Waits until a drawn frame shows `text`, or fails with the screen.
    async fn wait_for(&self, text: &str) -> String {
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen.lock().unwrap().clone();
            if screen.contains(text) {
                return screen;
            }
            assert!(Instant::now() < until, "never saw {text:?}:\n{screen}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swap_export_playback_and_switch_by_keys_without_tmux() {
    let app = App::start().await;
    app.wait_for("web-tg 4/4 healthy").await;

    // Swap by keys: the plan is drawn whole, then y and Enter; verified and audited.
    app.swap_by_keys().await;

    // Export: the Targets view as shown, into the export folder.
    app.type_text("2e");
    app.wait_for("exported").await;
    let exported: Vec<_> = std::fs::read_dir(app.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".csv"))
        .collect();
    assert_eq!(exported.len(), 1);

    // Playback: pause, then double speed.
    app.key(KeyCode::Char(' '));
    app.wait_for("⏸ PAUSED").await;
    app.type_text(" >");
    app.wait_for("▶ ×2").await;

    // A world switch, through update: actions wait while it opens, then the new world.
    app.type_text(":scenario az-outage");
    app.key(KeyCode::Enter);
    app.wait_for("SIMULATED · az-outage").await;
    app.wait_for("now showing the simulator (scenario az-outage)")
        .await;

    app.type_text("q");
    let result = tokio::time::timeout(Duration::from_secs(10), app.done)
        .await
        .expect("q ends the loop")
        .unwrap();
    assert!(result.is_ok(), "{result:?}");
}

/// The console records its session by default: the refreshes and the events land in a
/// recording that reads back, and the action the operator confirmed is among its events.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_records_its_session() {
    let app = App::start().await;
    app.wait_for("web-tg 4/4 healthy").await;
    app.type_text("3o");
    app.wait_for("Scale out web-asg").await;
    app.type_text("y");
    app.key(KeyCode::Enter);
    app.wait_for("verified in").await;
    let dir = app.dir.path().join("recordings");
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let file = std::fs::read_dir(&dir).ok().and_then(|mut d| {
            d.find_map(|e| {
                let p = e.ok()?.path();
                p.extension().is_some_and(|x| x == "sqlite").then_some(p)
            })
        });
        if let Some(file) = file {
            let recording = patrol::record::Recording::open(&file).unwrap();
            let events = recording.events(None, None).unwrap();
            if events
                .iter()
                .any(|e| e.kind == patrol::record::EventKind::Action && e.after == "verified")
            {
                let (first, last) = recording.span().unwrap().unwrap();
                assert!(last >= first);
                let s = recording.snapshot_at(last).unwrap();
                assert!(!s.instances.is_empty());
                break;
            }
        }
        assert!(
            Instant::now() < until,
            "no recording with the scale out in {}",
            dir.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.key(KeyCode::Char('q'));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_board_shows_every_target_dives_into_one_acts_there_and_comes_back() {
    // db-down at 60× (its database fails a second in), instance-crash at its start, and the
    // default fleet with a floating IP; "nope" could not be opened.
    let app = App::watching(&[
        ("shop", "db-down", 60.0),
        ("web", "instance-crash", 1.0),
        ("core", "default", 1.0),
        ("nope", "no-such-scenario", 1.0),
    ])
    .await;
    let screen = app.wait_for("Fleet · 4 targets").await;
    assert!(
        screen.contains("FLEET · 4 targets · on screen:"),
        "{screen}"
    );
    // db-down fails (Multi-Server, Deep Health Check) once its first minute has passed.
    let screen = app.wait_for("1 failing").await;
    let row = |screen: &str, name: &str| {
        screen
            .lines()
            .find(|l| l.contains(&format!(" {name} ")) || l.contains(&format!("▸{name} ")))
            .unwrap_or_else(|| panic!("no row {name}:\n{screen}"))
            .to_string()
    };
    assert!(row(&screen, "shop").contains("✖"), "{screen}");
    assert!(!row(&screen, "web").contains("✖"), "{screen}");
    assert!(
        row(&screen, "nope").contains("no-such-scenario"),
        "{screen}"
    );
    // Failing first: shop is the first row under the header.
    let first = screen.lines().nth(3).unwrap();
    assert!(first.contains("shop"), "{screen}");

    // Dive into core, swap its floating IP there, come back.
    // Found by the board's filter, as in any table.
    app.type_text("/target=core");
    app.key(KeyCode::Enter);
    app.wait_for("/target=core").await;
    app.key(KeyCode::Enter);
    app.wait_for("SIMULATED · default").await;
    app.wait_for("Overview ·").await;
    app.swap_by_keys().await;
    app.key(KeyCode::Esc);
    let screen = app.wait_for("Fleet · 4 targets").await;
    assert!(
        row(&screen, "core").contains("▸core"),
        "the target left is marked:\n{screen}"
    );
    // The others kept refreshing: shop still fails, its data is not stale, even after
    // more than three of its own intervals (1s at 60×) without a read: it is read at the
    // board's pace, and judged by it.
    assert!(row(&screen, "shop").contains("✖"), "{screen}");
    tokio::time::sleep(Duration::from_secs(5)).await;
    let screen = app.wait_for("Fleet · 4 targets").await;
    assert!(row(&screen, "shop").contains("✖"), "{screen}");
    assert!(!row(&screen, "shop").contains("◌"), "{screen}");
    app.type_text("q");
    app.done.await.unwrap().unwrap();
}
