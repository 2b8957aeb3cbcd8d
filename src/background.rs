//! Work nobody is waiting for right now: refreshes made ready, pattern checks, the flight
//! recorder. On a 10,000-instance world at ×10 that work fills both cores of a small
//! machine, and a key pressed then would wait for a core behind it. Its threads lower their
//! own scheduling priority, so the console's loop (and the thread that reads the terminal)
//! get a core first and the background work takes what is left.

/// How much lower than the console the background work runs (a nice value, 0 to 19).
pub const NICE: i32 = 10;

/// Lowers the calling thread's priority to `NICE` (a thread already lower stays as it is).
/// On Linux a nice value belongs to one thread; elsewhere, and when the system refuses,
/// nothing changes.
pub fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: gettid, getpriority and setpriority only read or set the calling thread's
    // scheduling priority.
    unsafe {
        let tid = libc::gettid() as libc::id_t;
        let now = libc::getpriority(libc::PRIO_PROCESS, tid);
        if now < NICE {
            libc::setpriority(libc::PRIO_PROCESS, tid, NICE);
        }
    }
}

/// The calling thread's nice value (0 elsewhere than Linux).
pub fn priority() -> i32 {
    #[cfg(target_os = "linux")]
    // SAFETY: as above, a read of the calling thread's priority.
    unsafe {
        libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t)
    }
    #[cfg(not(target_os = "linux"))]
    0
}
