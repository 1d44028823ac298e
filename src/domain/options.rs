//! Options that only some backends understand (Ark's service tier, seedance2ai.io's
//! channel), carried by the shared request without the shared request knowing them.
//!
//! Each backend declares its options as its own type implementing [`OptionGroup`]
//! and reads them back with [`ProviderOptions::get`]; the domain sees only the
//! group's argument name, which a backend's capabilities list when it reads that
//! group, so every other backend refuses it before sending. This is the typed
//! extension map `object_store` keeps in `PutOptions::extensions`, reduced to what
//! we need.

use std::{any::Any, fmt, sync::Arc};

/// One backend's options, validated.
pub trait OptionGroup: Any + fmt::Debug + Send + Sync {
    /// The `submit_task` argument that carries the group, e.g. `ark`.
    fn argument(&self) -> &'static str;

    /// What to tell a caller whose provider does not read this group: the
    /// feature refused and what to do instead.
    fn refusal(&self) -> (String, String);

    /// Equality with another group of any type (false when the types differ).
    fn same_as(&self, other: &dyn OptionGroup) -> bool;
}

/// Implements [`OptionGroup::same_as`] for a type that is `PartialEq`.
pub fn same_group<T: OptionGroup + PartialEq>(this: &T, other: &dyn OptionGroup) -> bool {
    (other as &dyn Any)
        .downcast_ref::<T>()
        .is_some_and(|other| this == other)
}

/// The option groups a request carries, at most one of each type.
#[derive(Clone, Default)]
pub struct ProviderOptions(Vec<Arc<dyn OptionGroup>>);

impl ProviderOptions {
    /// Adds a group, replacing one of the same type.
    pub fn insert<T: OptionGroup>(&mut self, group: T) {
        self.0
            .retain(|held| (held.as_ref() as &dyn Any).downcast_ref::<T>().is_none());
        self.0.push(Arc::new(group));
    }

    /// The group of type `T`, when the caller set it.
    pub fn get<T: OptionGroup>(&self) -> Option<&T> {
        self.0
            .iter()
            .find_map(|held| (held.as_ref() as &dyn Any).downcast_ref::<T>())
    }

    /// Every group the caller set.
    pub fn groups(&self) -> impl Iterator<Item = &dyn OptionGroup> {
        self.0.iter().map(|held| held.as_ref())
    }
}

impl PartialEq for ProviderOptions {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len()
            && self
                .groups()
                .all(|mine| other.groups().any(|theirs| mine.same_as(theirs)))
    }
}

impl Eq for ProviderOptions {}

impl fmt::Debug for ProviderOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.groups()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Tier(&'static str);

    impl OptionGroup for Tier {
        fn argument(&self) -> &'static str {
            "tier"
        }
        fn refusal(&self) -> (String, String) {
            ("`tier`".into(), "Drop `tier`.".into())
        }
        fn same_as(&self, other: &dyn OptionGroup) -> bool {
            same_group(self, other)
        }
    }

    #[derive(Debug, PartialEq)]
    struct Channel(u8);

    impl OptionGroup for Channel {
        fn argument(&self) -> &'static str {
            "channel"
        }
        fn refusal(&self) -> (String, String) {
            ("`channel`".into(), "Drop `channel`.".into())
        }
        fn same_as(&self, other: &dyn OptionGroup) -> bool {
            same_group(self, other)
        }
    }

    #[test]
    fn a_group_is_found_by_its_type_and_replaced_by_another_of_that_type() {
        let mut options = ProviderOptions::default();
        assert_eq!(options.get::<Tier>(), None);
        options.insert(Tier("flex"));
        options.insert(Channel(2));
        options.insert(Tier("default"));
        assert_eq!(options.get::<Tier>(), Some(&Tier("default")));
        assert_eq!(options.get::<Channel>(), Some(&Channel(2)));
        let arguments: Vec<_> = options.groups().map(|g| g.argument()).collect();
        assert_eq!(arguments, ["channel", "tier"]);
    }

    #[test]
    fn options_are_equal_when_they_hold_equal_groups_in_any_order() {
        let mut a = ProviderOptions::default();
        a.insert(Tier("flex"));
        a.insert(Channel(1));
        let mut b = ProviderOptions::default();
        b.insert(Channel(1));
        b.insert(Tier("flex"));
        assert_eq!(a, b);
        b.insert(Channel(2));
        assert_ne!(a, b);
        assert_ne!(a, ProviderOptions::default());
    }
}
