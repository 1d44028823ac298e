//! Each provider's API key and base URL as flags and environment variables, named
//! by the provider registry rather than written out here, so a new provider needs
//! no change to the configuration code.
//!
//! For every variable a registry entry declares, clap gets one global argument:
//! `XSKILL_API_KEY` becomes `--xskill-api-key` (hidden, its value never shown) and
//! `XSKILL_BASE_URL` becomes `--xskill-base-url`. Providers that share a variable
//! (BytePlus and Volcengine share `ARK_API_KEY`) share the argument.

use std::collections::BTreeMap;

use clap::{Arg, ArgMatches, Args, Command, FromArgMatches};

use crate::{
    domain::{ProviderId, ProviderInfo},
    providers::registry,
    secret::Secret,
};

/// Keys and base URLs, by the variable that holds them.
#[derive(Debug, Clone, Default)]
pub struct ProviderFlags {
    keys: BTreeMap<&'static str, Secret>,
    base_urls: BTreeMap<&'static str, String>,
}

impl ProviderFlags {
    /// The provider's key, when set and not empty.
    pub fn key(&self, id: ProviderId) -> Option<Secret> {
        self.keys
            .get(id.info().key_var?)
            .filter(|key| !key.is_empty())
            .cloned()
    }

    /// The provider's base URL, when set and not blank.
    pub fn base_url(&self, id: ProviderId) -> Option<&str> {
        self.base_urls
            .get(id.info().base_url_var?)
            .map(String::as_str)
            .filter(|url| !url.trim().is_empty())
    }

    /// Sets the provider's key variable (a provider without one ignores it).
    pub fn set_key(&mut self, id: ProviderId, key: &str) {
        if let Some(var) = id.info().key_var {
            self.keys.insert(var, Secret::new(key));
        }
    }

    /// Sets the provider's base-URL variable (a provider without one ignores it).
    pub fn set_base_url(&mut self, id: ProviderId, url: &str) {
        if let Some(var) = id.info().base_url_var {
            self.base_urls.insert(var, url.to_owned());
        }
    }
}

/// Variables, each with the providers that read it (for the help text).
type Variables = Vec<(&'static str, Vec<&'static ProviderInfo>)>;

/// Every key variable and every base-URL variable, each once.
fn variables() -> (Variables, Variables) {
    fn add(list: &mut Variables, var: Option<&'static str>, info: &'static ProviderInfo) {
        let Some(var) = var else { return };
        match list.iter_mut().find(|(v, _)| *v == var) {
            Some((_, readers)) => readers.push(info),
            None => list.push((var, vec![info])),
        }
    }
    let (mut keys, mut urls) = (Vec::new(), Vec::new());
    for info in registry::entries().map(|e| e.info()) {
        add(&mut keys, info.key_var, info);
        add(&mut urls, info.base_url_var, info);
    }
    (keys, urls)
}

/// `BytePlus ModelArk / Volcengine Ark`.
fn display_names(readers: &[&ProviderInfo]) -> String {
    readers
        .iter()
        .map(|info| info.display_name)
        .collect::<Vec<_>>()
        .join(" / ")
}

/// `XSKILL_API_KEY` → `xskill-api-key`.
fn flag(var: &str) -> String {
    var.to_ascii_lowercase().replace('_', "-")
}

impl FromArgMatches for ProviderFlags {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut flags = Self::default();
        flags.update_from_arg_matches(matches)?;
        Ok(flags)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        let (keys, urls) = variables();
        for (var, _) in keys {
            if let Some(value) = matches.get_one::<String>(var) {
                self.keys.insert(var, Secret::new(value.as_str()));
            }
        }
        for (var, _) in urls {
            if let Some(value) = matches.get_one::<String>(var) {
                self.base_urls.insert(var, value.clone());
            }
        }
        Ok(())
    }
}

impl Args for ProviderFlags {
    fn augment_args(mut command: Command) -> Command {
        let (keys, urls) = variables();
        for (var, readers) in keys {
            command = command.arg(
                Arg::new(var)
                    .long(flag(var))
                    .env(var)
                    .global(true)
                    .hide(true)
                    .hide_env_values(true)
                    .help(format!(
                        "{} API key (set it in the environment, not on the command line)",
                        display_names(&readers)
                    )),
            );
        }
        for (var, readers) in urls {
            let default = match readers.as_slice() {
                [only] => only.default_base_url.to_owned(),
                many => many
                    .iter()
                    .map(|info| format!("{} for {}", info.default_base_url, info.name))
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            command = command.arg(
                Arg::new(var)
                    .long(flag(var))
                    .env(var)
                    .global(true)
                    .value_name("URL")
                    .help(format!(
                        "{} API base URL [default: {default}]",
                        display_names(&readers)
                    )),
            );
        }
        command
    }

    fn augment_args_for_update(command: Command) -> Command {
        Self::augment_args(command)
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        flags: ProviderFlags,
    }

    fn id(name: &str) -> ProviderId {
        registry::find(name).unwrap().id
    }

    #[test]
    fn every_registry_variable_is_a_flag_and_shared_variables_are_shared() {
        let cli = Cli::try_parse_from([
            "x",
            "--xskill-api-key",
            "sk-1",
            "--ark-api-key",
            "ark-1",
            "--seed2-base-url",
            "http://127.0.0.1:9",
        ])
        .unwrap();
        assert_eq!(cli.flags.key(id("xskill")).unwrap().expose(), "sk-1");
        assert_eq!(cli.flags.key(id("byteplus")).unwrap().expose(), "ark-1");
        assert_eq!(cli.flags.key(id("volcengine")).unwrap().expose(), "ark-1");
        assert_eq!(cli.flags.base_url(id("seed2")), Some("http://127.0.0.1:9"));
        assert_eq!(cli.flags.key(id("seed2")), None);
        assert_eq!(cli.flags.key(id("sim")), None);
    }

    #[test]
    fn key_flags_are_hidden_and_base_url_flags_say_their_default() {
        let help = <Cli as clap::CommandFactory>::command()
            .render_long_help()
            .to_string();
        assert!(!help.contains("api-key"), "{help}");
        assert!(
            help.contains("--xskill-base-url") && help.contains("https://api.xskill.ai"),
            "{help}"
        );
        // A variable two regions share says both defaults.
        assert!(
            help.contains("BytePlus ModelArk / Volcengine Ark API base URL")
                && help.contains("https://ark.cn-beijing.volces.com/api/v3 for volcengine"),
            "{help}"
        );
    }
}
