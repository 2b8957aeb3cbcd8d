//! The real binary in a real terminal (tmux): it draws, switches views, and gives the
//! terminal back on `q` and on SIGTERM.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

struct Session {
    name: String,
}

impl Session {
    /// Starts patrol in a detached 120×40 tmux session; the shell prints its exit code after.
    fn start(tag: &str, log: &Path) -> Session {
        Session::start_with(tag, log, "")
    }

    fn start_with(tag: &str, log: &Path, extra: &str) -> Session {
        let name = format!("patrol-e2e-{tag}-{}", std::process::id());
        // Config and state (the default audit log) in the test's own folder, never the
        // operator's ~/.config or ~/.local/state.
        let home = log.parent().unwrap_or(Path::new("/nonexistent"));
        let cmd = format!(
            "XDG_CONFIG_HOME={home}/config XDG_STATE_HOME={home}/state {} --speed 5 \
             --log-file {} {extra}; echo PATROL-EXITED-$?; sleep 30",
            env!("CARGO_BIN_EXE_patrol"),
            log.display(),
            home = home.display()
        );
        let ok = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                &name,
                "-x",
                "120",
                "-y",
                "40",
                &cmd,
            ])
            .status()
            .expect("tmux must be installed (scripts/test installs it)")
            .success();
        assert!(ok, "tmux new-session failed");
        Session { name }
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &str) {
        Command::new("tmux")
            .args(["send-keys", "-t", &self.name, keys])
            .status()
            .unwrap();
    }

    /// Waits until the screen shows `text`, or fails with the screen. Generous, because CI
    /// runs these beside a hundred other tests on two cores; it only matters on failure.
    fn wait_for(&self, text: &str) -> String {
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                Instant::now() < until,
                "never saw {text:?}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until the screen no longer shows `text`.
    fn wait_gone(&self, text: &str) {
        let until = Instant::now() + Duration::from_secs(30);
        while self.screen().contains(text) {
            assert!(Instant::now() < until, "{text:?} never went away");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn patrol_pid(&self) -> String {
        let out = Command::new("tmux")
            .args(["display", "-p", "-t", &self.name, "#{pane_pid}"])
            .output()
            .unwrap();
        let shell = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let out = Command::new("pgrep")
            .args(["-P", &shell, "patrol"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .status();
    }
}

#[test]
fn views_switch_and_q_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let s = Session::start("keys", &dir.path().join("log"));
    // The first frame may come before the first answer; the cards are drawn either way.
    s.wait_for("SIMULATED · default");
    s.wait_for("Multi-Server");
    s.wait_for("web-tg 4/4 healthy");
    for (key, title) in [
        ("2", "Targets ·"),
        ("3", "Capacity ·"),
        ("4", "Elastic IPs ·"),
        ("5", "Zones ·"),
        ("6", "Images ·"),
        ("7", "Patterns ·"),
        ("8", "Events ·"),
        ("9", "Instances ·"),
        ("0", "NFS ·"),
        ("-", "Health ·"),
        ("=", "Fleet ·"),
        ("Tab", "Overview ·"),
    ] {
        s.keys(key);
        s.wait_for(title);
    }
    s.keys("?");
    s.wait_for("Keys · Esc closes");
    s.keys("Escape");
    // Esc and q sent together read as Alt-q (the Esc prefix), as in any terminal: one key.
    s.wait_gone("Keys · Esc closes");
    s.keys("q");
    let screen = s.wait_for("PATROL-EXITED-0");
    assert!(
        !screen.contains("Multi-Server"),
        "left the alternate screen:\n{screen}"
    );
    let log = std::fs::read_to_string(dir.path().join("log")).unwrap();
    assert!(log.contains("first frame drawn"), "{log}");
}

#[test]
fn sigterm_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let s = Session::start("term", &dir.path().join("log"));
    s.wait_for("SIMULATED · default");
    let pid = s.patrol_pid();
    assert!(!pid.is_empty(), "patrol is running");
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let screen = s.wait_for("PATROL-EXITED-0");
    assert!(
        !screen.contains("Multi-Server"),
        "left the alternate screen:\n{screen}"
    );
}

#[test]
fn a_floating_ip_swap_from_the_keyboard_is_shown_and_audited() {
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let s = Session::start_with(
        "swap",
        &dir.path().join("log"),
        &format!("--audit-log {}", audit.display()),
    );
    s.wait_for("web-tg 4/4 healthy");
    s.keys("4");
    s.wait_for("app-floating   → i-");
    // The spare sorts first; the floating address is the second row.
    s.keys("j");
    s.keys("s");
    s.wait_for("Swap floating IP 203.0.113.10");
    s.wait_for("to app-standby");
    s.keys("Enter"); // unfocused: nothing happens
    s.keys("y");
    s.keys("Enter");
    let screen = s.wait_for("verified in");
    assert!(screen.contains("b swaps back"), "{screen}");
    let screen = s.wait_for("app-standby    standby");
    assert!(
        screen.contains("203.0.113.10    app-floating   → i-"),
        "the new binding on screen:\n{screen}"
    );
    s.keys("q");
    s.wait_for("PATROL-EXITED-0");

    let text = std::fs::read_to_string(&audit).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(lines[0]["phase"], "intent");
    assert_eq!(lines[1]["outcome"], "verified");
    assert_eq!(lines[1]["action"], "swap-floating-ip");

    let out = crate::patrol_command()
        .args(["audit", "--audit-log", audit.to_str().unwrap()])
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert_eq!(table.lines().count(), 3, "{table}");
    assert!(
        table.lines().nth(2).unwrap().contains("verified"),
        "{table}"
    );
    assert!(table.contains("swap-floating-ip"), "{table}");
}

#[test]
fn command_mode_switches_the_world_and_drops_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let s = Session::start("switch", &dir.path().join("log"));
    s.wait_for("SIMULATED · default");
    s.keys("2");
    s.wait_for("app-tg");
    for k in [":", "scenario az-out", "Tab", "Enter"] {
        s.keys(k);
    }
    s.wait_for("SIMULATED · az-outage");
    s.wait_for("now showing the simulator (scenario az-outage)");
    let screen = s.wait_for("6/6 healthy");
    assert!(
        !screen.contains("app-tg"),
        "the old world's target group is gone:\n{screen}"
    );
    s.keys(":");
    s.keys("bogus");
    s.keys("Enter");
    s.wait_for("unknown command :bogus");
    s.keys("q");
    s.wait_for("PATROL-EXITED-0");
}
