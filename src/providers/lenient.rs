//! Reading what a provider's documents leave unsaid, without failing on it.
//!
//! Where a provider documents a field's shape, its wire types read that shape.
//! Where it does not (the error of a failed task, an error code nobody has
//! published, a number that might arrive as a string), a guess read strictly
//! turns the provider's own answer into "could not read the answer". These
//! types take every common form instead: an error written as words, as a
//! number, or as an object naming its code and message under one of the usual
//! keys; ids and numbers as JSON numbers or strings. A form none of them knows
//! is ignored rather than refused, so a missing or odd optional field never
//! fails the decode.

use serde::{Deserialize, Deserializer, de::IgnoredAny};

/// One JSON value read for its words or its number; anything else is kept as
/// "unknown" instead of failing.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum Scalar {
    /// A string.
    Text(String),
    /// A number, exactly as sent.
    Number(serde_json::Number),
    /// A boolean.
    Flag(bool),
    /// An object, an array or anything else.
    Other(IgnoredAny),
}

impl Scalar {
    /// The value as words: a non-blank string, or a number written out.
    pub(crate) fn text(&self) -> Option<String> {
        match self {
            Self::Text(text) => Some(text.trim())
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
            Self::Number(number) => Some(number.to_string()),
            Self::Flag(_) | Self::Other(_) => None,
        }
    }

    /// The value as a number: a JSON number, or a string holding one.
    pub(crate) fn number(&self) -> Option<f64> {
        match self {
            Self::Number(number) => number.as_f64(),
            Self::Text(text) => text.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
            Self::Flag(_) | Self::Other(_) => None,
        }
    }

    /// The value as a whole number (a JSON integer, or a string holding one).
    pub(crate) fn integer(&self) -> Option<i64> {
        match self {
            Self::Number(number) => number.as_i64(),
            Self::Text(text) => text.trim().parse::<i64>().ok(),
            Self::Flag(_) | Self::Other(_) => None,
        }
    }
}

/// A value of the documented shape `T`, or something else, which is ignored:
/// an optional part of an answer that arrives in an unknown form does not make
/// the whole answer unreadable.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum Maybe<T> {
    /// The shape we know.
    Known(T),
    /// Any other shape.
    Unknown(IgnoredAny),
}

impl<T> Maybe<T> {
    /// The value, when it had the known shape.
    pub(crate) fn known(self) -> Option<T> {
        match self {
            Self::Known(value) => Some(value),
            Self::Unknown(_) => None,
        }
    }
}

/// An error however a provider writes it: `"words"`, `42`, or an object with
/// its code and message under one of the usual names (and possibly an inner
/// `error` of its own).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum LooseError {
    /// A list of reasons (listed first: serde would read a list as an object,
    /// field by field).
    List(Vec<Scalar>),
    /// `{"code": …, "message": …}` and its relatives.
    Object(ErrorObject),
    /// Words (the message) or a number (the code).
    Scalar(Scalar),
}

/// The keys an error object is seen to use. Each alternative is a field of its
/// own: serde aliases would refuse an object that carries two of them.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ErrorObject {
    #[serde(default)]
    code: Option<Scalar>,
    #[serde(default)]
    error_code: Option<Scalar>,
    #[serde(default)]
    status: Option<Scalar>,
    #[serde(default)]
    message: Option<Scalar>,
    #[serde(default)]
    msg: Option<Scalar>,
    #[serde(default)]
    error_message: Option<Scalar>,
    #[serde(default)]
    detail: Option<Scalar>,
    #[serde(default)]
    reason: Option<Scalar>,
    #[serde(default)]
    description: Option<Scalar>,
    #[serde(default)]
    error: Option<Box<Maybe<LooseError>>>,
}

impl ErrorObject {
    fn inner(&self) -> Option<&LooseError> {
        match self.error.as_deref() {
            Some(Maybe::Known(inner)) => Some(inner),
            _ => None,
        }
    }
}

impl LooseError {
    /// The provider's code, when it gave one.
    pub(crate) fn code(&self) -> Option<String> {
        match self {
            Self::Object(o) => [&o.code, &o.error_code, &o.status]
                .into_iter()
                .flatten()
                .find_map(Scalar::text)
                .or_else(|| o.inner().and_then(Self::code)),
            Self::Scalar(Scalar::Number(number)) => Some(number.to_string()),
            Self::Scalar(_) | Self::List(_) => None,
        }
    }

    /// The provider's words, when it gave any.
    pub(crate) fn message(&self) -> Option<String> {
        match self {
            Self::Object(o) => [
                &o.message,
                &o.msg,
                &o.error_message,
                &o.detail,
                &o.reason,
                &o.description,
            ]
            .into_iter()
            .flatten()
            .find_map(Scalar::text)
            .or_else(|| o.inner().and_then(Self::message)),
            Self::Scalar(scalar @ Scalar::Text(_)) => scalar.text(),
            Self::List(items) => {
                let words: Vec<String> = items.iter().filter_map(Scalar::text).collect();
                (!words.is_empty()).then(|| words.join("; "))
            }
            Self::Scalar(_) => None,
        }
    }
}

/// `deserialize_with` for an optional number sent as a number or a string.
pub(crate) fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(Option::<Scalar>::deserialize(d)?.and_then(|s| s.number()))
}

/// `deserialize_with` for an optional whole number sent as a number or a string.
pub(crate) fn integer<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(Option::<Scalar>::deserialize(d)?.and_then(|s| s.integer()))
}

/// `deserialize_with` for optional words or an id sent as a string or a number.
pub(crate) fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<Scalar>::deserialize(d)?.and_then(|s| s.text()))
}

/// `deserialize_with` for a list of ids or URLs (strings or numbers); entries
/// of another form are skipped, and a value that is not a list is no list.
pub(crate) fn texts<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let list = Option::<Maybe<Vec<Scalar>>>::deserialize(d)?.and_then(Maybe::known);
    Ok(list
        .unwrap_or_default()
        .iter()
        .filter_map(Scalar::text)
        .collect())
}

/// `deserialize_with` for an optional error in any of the forms above. `null`,
/// blank words, `false`, `0` and an object without a code or a message say
/// that nothing went wrong, or nothing readable: no error.
pub(crate) fn error<'de, D: Deserializer<'de>>(d: D) -> Result<Option<LooseError>, D::Error> {
    Ok(Option::<LooseError>::deserialize(d)?.filter(|e| !e.says_nothing()))
}

impl LooseError {
    fn says_nothing(&self) -> bool {
        match self {
            Self::Object(_) | Self::List(_) | Self::Scalar(Scalar::Text(_)) => {
                self.code().is_none() && self.message().is_none()
            }
            Self::Scalar(Scalar::Number(n)) => n.as_f64() == Some(0.0),
            Self::Scalar(Scalar::Flag(flag)) => !flag,
            Self::Scalar(Scalar::Other(_)) => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(json: &str) -> Option<LooseError> {
        #[derive(Deserialize)]
        struct Holder {
            #[serde(default, deserialize_with = "super::error")]
            error: Option<LooseError>,
        }
        serde_json::from_str::<Holder>(json).unwrap().error
    }

    #[test]
    fn an_error_is_read_from_words_a_number_or_an_object_under_any_usual_key() {
        let cases = [
            (r#"{"error": "face detected"}"#, None, Some("face detected")),
            (r#"{"error": 4011}"#, Some("4011"), None),
            (
                r#"{"error": {"code": "policy", "message": "refused"}}"#,
                Some("policy"),
                Some("refused"),
            ),
            (
                r#"{"error": {"code": 7, "msg": "busy"}}"#,
                Some("7"),
                Some("busy"),
            ),
            (
                r#"{"error": {"detail": "bad seed"}}"#,
                None,
                Some("bad seed"),
            ),
            (
                r#"{"error": {"error": {"type": "x", "message": "deep"}}}"#,
                None,
                Some("deep"),
            ),
            (
                r#"{"error": {"message": "both", "msg": "kinds"}}"#,
                None,
                Some("both"),
            ),
            (
                r#"{"error": ["too long", {"x": 1}, "bad ratio"]}"#,
                None,
                Some("too long; bad ratio"),
            ),
        ];
        for (json, code, message) in cases {
            let error = error(json).unwrap_or_else(|| panic!("{json}"));
            assert_eq!(error.code().as_deref(), code, "{json}");
            assert_eq!(error.message().as_deref(), message, "{json}");
        }
    }

    #[test]
    fn no_error_and_odd_forms_never_fail_the_decode() {
        for json in [
            r#"{}"#,
            r#"{"error": null}"#,
            r#"{"error": ""}"#,
            r#"{"error": {}}"#,
            r#"{"error": false}"#,
            r#"{"error": 0}"#,
            r#"{"error": []}"#,
            r#"{"error": [{"loc": "seed"}]}"#,
        ] {
            assert!(error(json).is_none(), "{json}");
        }
        let bare = error(r#"{"error": true}"#).unwrap();
        assert_eq!((bare.code(), bare.message()), (None, None));
        let listed = error(r#"{"error": {"detail": [{"loc": ["seed"]}]}}"#);
        assert!(listed.is_none_or(|e| e.message().is_none()));
    }

    #[test]
    fn numbers_and_ids_arrive_as_numbers_or_strings() {
        #[derive(Deserialize)]
        struct Holder {
            #[serde(default, deserialize_with = "number")]
            n: Option<f64>,
            #[serde(default, deserialize_with = "integer")]
            i: Option<i64>,
            #[serde(default, deserialize_with = "text")]
            t: Option<String>,
            #[serde(default, deserialize_with = "texts")]
            l: Vec<String>,
        }
        let read = |json: &str| serde_json::from_str::<Holder>(json).unwrap();
        let h = read(r#"{"n": "2.5", "i": "7", "t": 123, "l": ["a", 2, {"x": 1}]}"#);
        assert_eq!(
            (h.n, h.i, h.t.as_deref()),
            (Some(2.5), Some(7), Some("123"))
        );
        assert_eq!(h.l, ["a", "2"]);
        let h = read(r#"{"n": {}, "i": 1.5, "t": [], "l": "x"}"#);
        assert_eq!((h.n, h.i, h.t, h.l.len()), (None, None, None, 0));
        let h = read("{}");
        assert_eq!((h.n, h.i, h.t, h.l.len()), (None, None, None, 0));
    }
}
