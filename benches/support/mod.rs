pub mod stub;

/// The console the benchmarks run: `PATROL_BIN`, or the release binary in the target
/// directory (`cargo build --release` first).
pub fn console_binary() -> String {
    std::env::var("PATROL_BIN").unwrap_or_else(|_| {
        format!(
            "{}/release/patrol",
            std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into())
        )
    })
}

/// Runs tmux with `args`; its output.
pub fn tmux(args: &[&str]) -> String {
    std::process::Command::new("tmux")
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).to_string())
        .unwrap_or_default()
}

/// Starts `cmd` in a new detached tmux session of `width` × `height`.
pub fn tmux_session(session: &str, width: u16, height: u16, cmd: &str) {
    let (w, h) = (width.to_string(), height.to_string());
    tmux(&["new-session", "-d", "-s", session, "-x", &w, "-y", &h, cmd]);
}
