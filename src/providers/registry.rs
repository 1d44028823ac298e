//! The one table of backends: each entry names a provider (its [`ProviderInfo`]:
//! names, key and base-URL variables, default host), says whether a key alone
//! selects it, and builds it. Configuration, the env-var docs, parsing a
//! `SEEDANCE_PROVIDER` name and the JSON schema of provider names all read it.
//!
//! A new provider is its own folder with an `ENTRY`, and one line here.

use std::{borrow::Cow, sync::Arc};

use crate::{
    domain::{ProviderId, ProviderInfo},
    error::ProviderError,
};

use super::{Capabilities, Provider, ProviderConfig};

/// One backend, as the rest of the program may know it without building it.
#[derive(Debug)]
pub struct Entry {
    /// Who it is.
    pub id: ProviderId,
    /// Whether its key alone selects it when no provider is named (an Ark key
    /// selects BytePlus; Volcengine, which shares the key, must be named).
    pub chosen_by_key: bool,
    /// What it can do (the same value its `Provider::capabilities` returns).
    pub capabilities: &'static Capabilities,
    /// Builds it from its settings.
    pub build: fn(&ProviderConfig) -> Result<Arc<dyn Provider>, ProviderError>,
}

impl Entry {
    /// Its static description.
    pub fn info(&self) -> &'static ProviderInfo {
        self.id.info()
    }
}

/// Every backend, in the order keys are looked for when none is named.
static ENTRIES: [&Entry; 6] = [
    &super::xskill::ENTRY,
    &super::ark::BYTEPLUS_ENTRY,
    &super::ark::VOLCENGINE_ENTRY,
    &super::seedance2ai::ENTRY,
    &super::seed2::ENTRY,
    &super::sim::ENTRY,
];

/// Every backend, in key-lookup order.
pub fn entries() -> impl Iterator<Item = &'static Entry> {
    ENTRIES.iter().copied()
}

/// The backend a `SEEDANCE_PROVIDER` value names (any case, spaces trimmed).
pub fn find(name: &str) -> Option<&'static Entry> {
    entries().find(|e| e.id.as_str().eq_ignore_ascii_case(name.trim()))
}

/// The entry of a known id. Every id comes from an entry's `ProviderInfo`, so
/// this always finds one; the fallback is the simulator, which sends nothing.
pub fn entry(id: ProviderId) -> &'static Entry {
    entries().find(|e| e.id == id).unwrap_or(&super::sim::ENTRY)
}

/// The built-in simulator, which runs when no key is set.
pub fn simulator() -> &'static Entry {
    &super::sim::ENTRY
}

/// Every provider name, comma-separated, for messages.
pub fn names() -> String {
    entries()
        .map(|e| e.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every provider name as a list in a sentence: `a, b or c`.
pub fn names_with_or() -> String {
    let names: Vec<&str> = entries().map(|e| e.id.as_str()).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.join(""),
    }
}

/// Key variables of the providers that need one, each once, in lookup order.
pub fn key_vars() -> Vec<&'static str> {
    let mut vars: Vec<&'static str> = Vec::new();
    for var in entries().filter_map(|e| e.info().key_var) {
        if !vars.contains(&var) {
            vars.push(var);
        }
    }
    vars
}

impl<'de> serde::Deserialize<'de> for ProviderId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = Cow::<str>::deserialize(deserializer)?;
        find(&name).map(|e| e.id).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{name}` is not a provider; use one of {}",
                names()
            ))
        })
    }
}

impl schemars::JsonSchema for ProviderId {
    fn schema_name() -> Cow<'static, str> {
        "ProviderId".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let names: Vec<&str> = entries().map(|e| e.id.as_str()).collect();
        schemars::json_schema!({
            "description": "A provider backend.",
            "type": "string",
            "enum": names,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_in_any_case_and_round_trip_through_json() {
        for entry in entries() {
            let id = entry.id;
            assert_eq!(find(&id.as_str().to_uppercase()).map(|e| e.id), Some(id));
            let json = serde_json::to_string(&id).unwrap();
            assert_eq!(serde_json::from_str::<ProviderId>(&json).unwrap(), id);
        }
        assert!(find("nope").is_none());
        let err = serde_json::from_str::<ProviderId>("\"nope\"").unwrap_err();
        assert!(err.to_string().contains("xskill, byteplus"), "{err}");
    }

    #[test]
    fn names_are_unique_and_only_the_keyless_simulator_lacks_a_key() {
        let names: Vec<_> = entries().map(|e| e.id.as_str()).collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        for e in entries() {
            assert_eq!(
                e.info().key_var.is_none(),
                e.capabilities.simulated,
                "{}",
                e.id
            );
        }
    }

    #[test]
    fn each_built_backend_reports_its_entry() {
        let config = ProviderConfig {
            api_key: Some(crate::secret::Secret::new("k")),
            base_url: "http://127.0.0.1:9".into(),
            api_timeout: std::time::Duration::from_secs(1),
            simulated_task: std::time::Duration::from_secs(1),
            answers_dir: None,
        };
        for e in entries() {
            let built = (e.build)(&config).unwrap();
            assert_eq!(built.id(), e.id);
            assert!(
                std::ptr::eq(built.capabilities(), e.capabilities),
                "{}",
                e.id
            );
            assert!(std::ptr::eq(entry(e.id), e));
        }
    }
}
