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

/// Variables, each with the first provider that declares it (for the help text).
type Variables = Vec<(&'static str, &'static ProviderInfo)>;

/// Every key variable and every base-URL variable, each once.
fn variables() -> (Variables, Variables) {
    let (mut keys, mut urls) = (Vec::new(), Vec::new());
    for info in registry::entries().map(|e| e.info()) {
        if let Some(var) = info.key_var
            && !keys.iter().any(|(v, _)| *v == var)
        {
            keys.push((var, info));
        }
        if let Some(var) = info.base_url_var
            && !urls.iter().any(|(v, _)| *v == var)
        {
            urls.push((var, info));
        }
    }
    (keys, urls)
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
        for (var, info) in keys {
            command = command.arg(
                Arg::new(var)
                    .long(flag(var))
                    .env(var)
                    .global(true)
                    .hide(true)
                    .hide_env_values(true)
                    .help(format!(
                        "{} API key (set it in the environment, not on the command line)",
                        info.display_name
                    )),
            );
        }
        for (var, info) in urls {
            command = command.arg(
                Arg::new(var)
                    .long(flag(var))
                    .env(var)
                    .global(true)
                    .value_name("URL")
                    .help(format!(
                        "{} API base URL [default: {}]",
                        info.display_name, info.default_base_url
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
    }
}
