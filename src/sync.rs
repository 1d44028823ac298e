//! Small synchronisation helpers shared by every layer.

/// Takes a lock even if a panic elsewhere poisoned it: the maps behind our locks
/// stay consistent between statements, so the data is still good.
pub fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
