//! Crash points and clock overrides for the crash-safety tests. Debug builds
//! (the ones tests run) stop at a named point when the environment asks them
//! to, so a test can SIGKILL the process exactly there, and take the orphan
//! sweep's minutes in seconds; release builds, the shipped ones, compile these
//! to nothing.

use std::time::Duration;

/// Environment variable naming the point to stop at (debug builds only).
pub const CRASH_AT_ENV: &str = "SEEDANCE_TEST_CRASH_AT";
/// Environment variable: seconds after which a submission still sending counts
/// as orphaned, in place of `service::orphans::ORPHAN_AGE` (debug builds only;
/// at least 1, so that a claim is never re-claimable in the second it was made).
pub const ORPHAN_AGE_ENV: &str = "SEEDANCE_TEST_ORPHAN_AGE_SECS";
/// Environment variable: milliseconds between two orphan sweeps of a server, in
/// place of `service::orphans::SWEEP_EVERY` (debug builds only).
pub const SWEEP_EVERY_ENV: &str = "SEEDANCE_TEST_SWEEP_EVERY_MS";

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

/// The orphan age a test asked for through [`ORPHAN_AGE_ENV`], if any.
#[cfg(debug_assertions)]
pub fn orphan_age() -> Option<Duration> {
    let secs: u64 = std::env::var(ORPHAN_AGE_ENV).ok()?.parse().ok()?;
    Some(Duration::from_secs(secs.max(1)))
}

/// Release builds: never.
#[cfg(not(debug_assertions))]
pub fn orphan_age() -> Option<Duration> {
    None
}

/// Environment variable: seconds of silence after which a sender counts as gone,
/// in place of `journal::orphans::SENDER_STALE` (debug builds only).
pub const SENDER_STALE_ENV: &str = "SEEDANCE_TEST_SENDER_STALE_SECS";

/// The sender silence a test asked for through [`SENDER_STALE_ENV`], if any.
#[cfg(debug_assertions)]
pub fn sender_stale() -> Option<Duration> {
    let secs: u64 = std::env::var(SENDER_STALE_ENV).ok()?.parse().ok()?;
    Some(Duration::from_secs(secs.max(1)))
}

/// Release builds: never.
#[cfg(not(debug_assertions))]
pub fn sender_stale() -> Option<Duration> {
    None
}

/// The sweep period a test asked for through [`SWEEP_EVERY_ENV`], if any.
#[cfg(debug_assertions)]
pub fn sweep_every() -> Option<Duration> {
    let ms: u64 = std::env::var(SWEEP_EVERY_ENV).ok()?.parse().ok()?;
    Some(Duration::from_millis(ms.max(10)))
}

/// Release builds: never.
#[cfg(not(debug_assertions))]
pub fn sweep_every() -> Option<Duration> {
    None
}
