//! When to ask a provider about a task again.
//!
//! A fixed 5-second poll spends most requests on tasks that are nowhere near done
//! and burns the account's rate limit. Instead: the first check comes near the
//! typical completion time, then the gap grows with the task's age, so a finished
//! task is noticed within 10 % of its age plus a few seconds, with a fraction of
//! the requests.

use std::time::Duration;

/// Smallest gap between two checks of one task.
pub const MIN_GAP: Duration = Duration::from_secs(2);
/// Largest gap between two checks of one task.
pub const MAX_GAP: Duration = Duration::from_secs(60);

/// How long before checking a task that is `age` old and typically takes `typical`.
pub fn next_check(age: Duration, typical: Duration) -> Duration {
    // Half the typical time: jobs that finish early (a one-minute clip when two
    // are typical) are still noticed within 10 % of their age plus a few seconds.
    let first = typical.mul_f64(0.5);
    if age < first {
        return (first - age).max(MIN_GAP);
    }
    // Later than typical: a gap proportional to age keeps the delay to notice
    // completion under 10 % of the age plus MIN_GAP, and requests logarithmic in age.
    (age.mul_f64(0.1) + MIN_GAP).clamp(MIN_GAP, MAX_GAP)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn the_first_check_comes_at_half_the_typical_time() {
        assert_eq!(next_check(secs(0), secs(90)), secs(45));
        assert_eq!(next_check(secs(40), secs(90)), secs(5));
        assert_eq!(next_check(secs(44), secs(90)), MIN_GAP);
    }

    #[test]
    fn gaps_grow_with_age_but_stay_bounded() {
        assert_eq!(next_check(secs(100), secs(60)), secs(12));
        assert_eq!(next_check(secs(3000), secs(60)), MAX_GAP);
        assert!(next_check(secs(50), secs(1)) >= MIN_GAP);
    }

    /// Requests until a job of `done` is noticed, and how late.
    fn run(done: Duration, typical: Duration) -> (u32, Duration) {
        let mut age = Duration::ZERO;
        let mut checks = 0;
        while age < done {
            age += next_check(age, typical);
            checks += 1;
        }
        (checks, age - done)
    }

    #[test]
    fn one_three_and_ten_minute_jobs_are_noticed_promptly_with_few_requests() {
        for minutes in [1, 3, 10] {
            let done = secs(60 * minutes);
            let (checks, late) = run(done, secs(90));
            // Noticed within 10 % of the age plus 5 s.
            assert!(
                late <= done.mul_f64(0.1) + secs(5),
                "{minutes} min: {late:?} late"
            );
            if minutes == 10 {
                let fixed = 600 / 5;
                assert!(checks * 4 <= fixed, "{checks} checks vs {fixed}");
            }
        }
    }
}
