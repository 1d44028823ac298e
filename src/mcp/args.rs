//! Tool arguments that fail to deserialise still reach the handler, so the agent
//! gets an `isError` result naming the field (`duration`, `image_files[2]`) instead
//! of a bare "failed to deserialize parameters".

use std::borrow::Cow;

use schemars::JsonSchema;
use serde::{Deserialize, de::DeserializeOwned};

use crate::{domain::ValidationError, service::ToolError};

/// Arguments of type `T`, or why they are not.
#[derive(Debug)]
pub enum Args<T> {
    /// They parsed.
    Valid(T),
    /// They did not: which field and why.
    Invalid(ValidationError),
}

impl<T> Args<T> {
    /// The arguments, or the tool error to return.
    pub fn parsed(self) -> Result<T, ToolError> {
        match self {
            Self::Valid(value) => Ok(value),
            Self::Invalid(error) => Err(error.into()),
        }
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Args<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        Ok(match serde_path_to_error::deserialize::<_, T>(value) {
            Ok(parsed) => Self::Valid(parsed),
            Err(error) => {
                let path = error.path().to_string();
                let field = if path == "." {
                    "arguments".to_owned()
                } else {
                    path
                };
                Self::Invalid(ValidationError {
                    fix: format!("send `{field}` as the tool's input schema describes it"),
                    problem: error.into_inner().to_string(),
                    field,
                })
            }
        })
    }
}

/// The schema is `T`'s: clients see exactly the typed arguments.
impl<T: JsonSchema> JsonSchema for Args<T> {
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::SubmitTaskParams;

    #[test]
    fn a_wrong_type_names_its_field() {
        let args: Args<SubmitTaskParams> =
            serde_json::from_str(r#"{"prompt":"x","duration":"5"}"#).unwrap();
        let Args::Invalid(error) = args else {
            panic!("should not parse")
        };
        assert_eq!(error.field, "duration");
        assert!(error.problem.contains("invalid type"), "{error}");
        let args: Args<SubmitTaskParams> =
            serde_json::from_str(r#"{"prompt":"x","image_files":["a",7]}"#).unwrap();
        let Args::Invalid(error) = args else {
            panic!("should not parse")
        };
        assert_eq!(error.field, "image_files[1]");
        let args: Args<SubmitTaskParams> = serde_json::from_str(r#"{"duration":5}"#).unwrap();
        let Args::Invalid(error) = args else {
            panic!("should not parse")
        };
        assert!(error.problem.contains("missing field `prompt`"), "{error}");
    }
}
