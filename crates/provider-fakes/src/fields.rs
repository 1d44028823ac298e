//! The one strict reader of JSON request fields: `null` counts as absent, a
//! value of the wrong type or outside its set or range is refused naming the
//! field, and so are fields the API does not have, so a client that drifts
//! from the real API fails here instead of in production. Only the wording of
//! a refusal differs between APIs: each fake words a [`Problem`] its own way.

use serde_json::{Map, Value};

use crate::server::ApiError;

/// What is wrong with a field.
#[derive(Debug)]
pub(crate) enum Problem<'a> {
    /// Fields the API does not have, in body order; `allowed` are the ones it has.
    Unknown {
        keys: Vec<&'a str>,
        allowed: &'a [&'a str],
    },
    /// A required field is absent (or null).
    Missing,
    /// A required choice is absent (or null).
    MissingChoice(&'a [&'static str]),
    NotString,
    /// Not a string, or the empty string.
    Empty,
    Blank,
    /// Characters (not bytes) outside `min..=max`.
    Length {
        min: usize,
        max: usize,
        got: usize,
    },
    NotOneOf(&'a [&'static str], &'a Value),
    NotBool(&'a Value),
    NotInteger {
        min: i64,
        max: i64,
        got: &'a Value,
    },
    OutOfRange {
        min: i64,
        max: i64,
        got: &'a Value,
    },
    NotArray,
    /// An array with a number of entries outside `min..=max`.
    Count {
        min: usize,
        max: usize,
        got: usize,
    },
    /// Entry `index` of a URL list is not a string, or `why` it is no URL the
    /// API takes.
    BadUrl {
        index: usize,
        url: Option<&'a str>,
        why: &'static str,
    },
}

/// How an API words a refusal of `key`.
pub(crate) type Wording = fn(&str, Problem<'_>) -> ApiError;

/// A JSON object read strictly.
pub(crate) struct Fields<'a> {
    map: &'a Map<String, Value>,
    words: Wording,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(map: &'a Map<String, Value>, words: Wording) -> Self {
        Self { map, words }
    }

    fn refuse(&self, key: &str, problem: Problem<'_>) -> ApiError {
        (self.words)(key, problem)
    }

    pub(crate) fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|value| !value.is_null())
    }

    pub(crate) fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// Strictness catches typos the real service would ignore (or refuse),
    /// which would otherwise turn into output nobody asked for. Unknown keys
    /// are refused even when null: they are not part of the API.
    pub(crate) fn only(&self, allowed: &'a [&'a str]) -> Result<(), ApiError> {
        let keys: Vec<&str> = self
            .map
            .keys()
            .map(String::as_str)
            .filter(|key| !allowed.contains(key))
            .collect();
        match keys.first() {
            Some(first) => Err(self.refuse(first, Problem::Unknown { keys, allowed })),
            None => Ok(()),
        }
    }

    pub(crate) fn string(&self, key: &str) -> Result<Option<&'a str>, ApiError> {
        self.get(key)
            .map(|value| {
                value
                    .as_str()
                    .ok_or_else(|| self.refuse(key, Problem::NotString))
            })
            .transpose()
    }

    /// A required string that is not empty (blank passes: APIs that refuse
    /// blank text use [`Fields::text`]).
    pub(crate) fn required_string(&self, key: &str) -> Result<&'a str, ApiError> {
        let value = self
            .get(key)
            .ok_or_else(|| self.refuse(key, Problem::Missing))?;
        value
            .as_str()
            .filter(|text| !text.is_empty())
            .ok_or_else(|| self.refuse(key, Problem::Empty))
    }

    /// A required string of `min..=max` characters that is not blank.
    pub(crate) fn text(&self, key: &str, min: usize, max: usize) -> Result<&'a str, ApiError> {
        let text = self
            .string(key)?
            .ok_or_else(|| self.refuse(key, Problem::Missing))?;
        if text.trim().is_empty() {
            return Err(self.refuse(key, Problem::Blank));
        }
        let got = text.chars().count();
        if !(min..=max).contains(&got) {
            return Err(self.refuse(key, Problem::Length { min, max, got }));
        }
        Ok(text)
    }

    pub(crate) fn boolean(&self, key: &str) -> Result<Option<bool>, ApiError> {
        self.get(key)
            .map(|value| {
                value
                    .as_bool()
                    .ok_or_else(|| self.refuse(key, Problem::NotBool(value)))
            })
            .transpose()
    }

    /// Only a JSON integer passes: `"5"` and `5.0` are refused.
    pub(crate) fn integer(
        &self,
        key: &str,
        (min, max): (i64, i64),
    ) -> Result<Option<i64>, ApiError> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        let number = value.as_i64().ok_or_else(|| {
            self.refuse(
                key,
                Problem::NotInteger {
                    min,
                    max,
                    got: value,
                },
            )
        })?;
        if (min..=max).contains(&number) {
            Ok(Some(number))
        } else {
            Err(self.refuse(
                key,
                Problem::OutOfRange {
                    min,
                    max,
                    got: value,
                },
            ))
        }
    }

    pub(crate) fn one_of(
        &self,
        key: &str,
        allowed: &'a [&'static str],
    ) -> Result<Option<&'static str>, ApiError> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        value
            .as_str()
            .and_then(|text| allowed.iter().copied().find(|choice| *choice == text))
            .map(Some)
            .ok_or_else(|| self.refuse(key, Problem::NotOneOf(allowed, value)))
    }

    pub(crate) fn required_one_of(
        &self,
        key: &str,
        allowed: &'a [&'static str],
    ) -> Result<&'static str, ApiError> {
        self.one_of(key, allowed)?
            .ok_or_else(|| self.refuse(key, Problem::MissingChoice(allowed)))
    }

    /// An array of `min..=max` URL strings that `check` accepts (it says why
    /// it does not).
    pub(crate) fn urls(
        &self,
        key: &str,
        (min, max): (usize, usize),
        check: fn(&str) -> Result<(), &'static str>,
    ) -> Result<Option<Vec<&'a str>>, ApiError> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        let items = value
            .as_array()
            .ok_or_else(|| self.refuse(key, Problem::NotArray))?;
        let got = items.len();
        if !(min..=max).contains(&got) {
            return Err(self.refuse(key, Problem::Count { min, max, got }));
        }
        items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                let bad = |url, why| self.refuse(key, Problem::BadUrl { index, url, why });
                let url = item.as_str().ok_or_else(|| bad(None, "not a string"))?;
                check(url).map_err(|why| bad(Some(url), why))?;
                Ok(url)
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }
}

/// An absolute http(s) URL with something after the scheme and no whitespace:
/// the services fetch references themselves, so data: URLs and local paths
/// cannot work.
pub(crate) fn is_http_url(text: &str) -> bool {
    ["http://", "https://"].iter().any(|scheme| {
        text.strip_prefix(scheme)
            .is_some_and(|rest| !rest.is_empty() && !rest.contains(char::is_whitespace))
    })
}

/// [`is_http_url`] as a check for [`Fields::urls`].
pub(crate) fn http_url(text: &str) -> Result<(), &'static str> {
    if is_http_url(text) {
        Ok(())
    } else {
        Err("not an http(s) URL")
    }
}

/// The wording xskill and seed2.io share, `"{key} must …"`, for every problem
/// but unknown fields, which each names its own way.
pub(crate) fn plainly(key: &str, problem: &Problem<'_>) -> String {
    match problem {
        Problem::NotOneOf(allowed, got) => {
            format!("{key} must be one of {} (got {got})", allowed.join(", "))
        }
        Problem::NotInteger { min, max, got } | Problem::OutOfRange { min, max, got } => {
            format!("{key} must be an integer between {min} and {max} (got {got})")
        }
        Problem::NotArray => format!("{key} must be an array of URL strings"),
        Problem::Count { max, got, .. } => {
            format!("{key} has {got} entries; at most {max} are allowed")
        }
        Problem::BadUrl { index, .. } => format!("{key}[{index}] must be an http(s) URL string"),
        _ => format!("{key} is required and must be a non-empty string"),
    }
}
