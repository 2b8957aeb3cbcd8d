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
