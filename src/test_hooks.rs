//! Crash points for the crash-safety tests. Debug builds (the ones tests run)
//! stop at a named point when the environment asks them to, so a test can SIGKILL
//! the process exactly there; release builds, the shipped ones, compile these to
//! nothing.

/// Environment variable naming the point to stop at (debug builds only).
pub const CRASH_AT_ENV: &str = "SEEDANCE_TEST_CRASH_AT";

/// Stops here, forever, when `SEEDANCE_TEST_CRASH_AT` names this point.
#[cfg(debug_assertions)]
pub fn crash_point(name: &str) {
    if std::env::var(CRASH_AT_ENV).is_ok_and(|wanted| wanted == name) {
        // The marker on stderr tells the test where the process stands.
        eprintln!("CRASH POINT REACHED: {name}");
        loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
    }
}

/// Release builds: nothing.
#[cfg(not(debug_assertions))]
pub fn crash_point(_name: &str) {}
