//! Compact tool schemas: the JSON schemas schemars derives are faithful but wordy
//! (`$defs` and `$ref`, `anyOf` with `null`, one `oneOf` branch per enum value,
//! integer formats, doc-comment line breaks). Every byte of `tools/list` is read
//! by the agent's model on every turn, so the schemas are rewritten into the plain equivalent before they
//! are served: same fields, same types, same limits, same enum values. A type
//! used in several places (an amount of money) stays a shared `$defs` entry; the
//! rest are written in place.

use serde_json::{Map, Value};

/// Which schema of a tool is being compacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Arguments: an optional field is simply left out, so `null` is not offered.
    Input,
    /// Structured results: clients validate them against the schema, so a required
    /// field that may be `null` keeps saying so. Optional fields are left out when
    /// empty, never sent as `null` (a test of the output types holds us to that).
    /// Descriptions are left out: the result itself carries `next_step`, and the
    /// field names say the rest; so is the zero lower bound of unsigned counts.
    Output,
}

/// Deepest nesting followed when inlining definitions (ours nest three levels).
const MAX_DEPTH: usize = 16;

/// Rewrites `schema` in place into its compact equivalent.
pub fn compact(schema: &mut Map<String, Value>, side: Side) {
    let all = match schema.remove("$defs") {
        Some(Value::Object(defs)) => defs,
        _ => Map::new(),
    };
    schema.remove("$schema");
    let text = Value::Object(schema.clone()).to_string() + &Value::Object(all.clone()).to_string();
    let (inline, mut shared): (Map<String, Value>, Map<String, Value>) = all
        .into_iter()
        .partition(|(name, _)| text.matches(&format!("\"#/$defs/{name}\"")).count() <= 1);
    compact_object(schema, &inline, side, 0);
    for definition in shared.values_mut() {
        compact_value(definition, &inline, side, 1);
    }
    if !shared.is_empty() {
        schema.insert("$defs".into(), Value::Object(shared));
    }
}

fn compact_value(value: &mut Value, defs: &Map<String, Value>, side: Side, depth: usize) {
    match value {
        Value::Object(object) => compact_object(object, defs, side, depth),
        Value::Array(items) => {
            for item in items {
                compact_value(item, defs, side, depth);
            }
        }
        _ => {}
    }
}

fn compact_object(
    object: &mut Map<String, Value>,
    defs: &Map<String, Value>,
    side: Side,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    inline_reference(object, defs);
    object.remove("format");
    if side == Side::Output {
        object.remove("description");
        // An unsigned count's bound says nothing to a reader of results.
        if object.get("minimum") == Some(&Value::from(0)) {
            object.remove("minimum");
        }
    }
    // Doc comments wrap lines; a wrapped line is not a new paragraph.
    if let Some(Value::String(text)) = object.get_mut("description")
        && text.contains('\n')
    {
        *text = text.replace('\n', " ");
    }
    if object.get("default") == Some(&Value::Null) {
        object.remove("default");
    }
    unwrap_nullable(object, defs, side, depth);
    if side == Side::Input {
        drop_null_type(object);
    }
    enum_from_constants(object);
    let required: Vec<String> = match object.get("required") {
        Some(Value::Array(names)) => names
            .iter()
            .filter_map(|n| n.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    for (key, child) in object.iter_mut() {
        // Property names are data, not schemas: only descend into schema positions.
        if key == "properties" {
            if let Value::Object(properties) = child {
                for (name, property) in properties.iter_mut() {
                    compact_value(property, defs, side, depth + 1);
                    if side == Side::Output
                        && !required.contains(name)
                        && let Value::Object(property) = property
                    {
                        drop_null_branch(property);
                        drop_null_type(property);
                    }
                }
            }
        } else if matches!(key.as_str(), "items" | "anyOf" | "oneOf" | "allOf")
            || key == "additionalProperties" && child.is_object()
        {
            compact_value(child, defs, side, depth + 1);
        }
    }
}

/// `{"$ref": "#/$defs/Ratio", "description": …}` becomes Ratio's schema with the
/// field's own description (more specific than the type's).
fn inline_reference(object: &mut Map<String, Value>, defs: &Map<String, Value>) {
    let Some(Value::String(reference)) = object.get("$ref") else {
        return;
    };
    let Some(Value::Object(definition)) = reference
        .strip_prefix("#/$defs/")
        .and_then(|name| defs.get(name))
    else {
        return;
    };
    let definition = definition.clone();
    object.remove("$ref");
    for (key, value) in definition {
        object.entry(key).or_insert(value);
    }
}

/// `{"anyOf": [X, {"type": "null"}]}` becomes X (inputs), or X allowing null (outputs).
fn unwrap_nullable(
    object: &mut Map<String, Value>,
    defs: &Map<String, Value>,
    side: Side,
    depth: usize,
) {
    let Some(mut inner) = non_null_branch(object) else {
        return;
    };
    compact_object(&mut inner, defs, side, depth + 1);
    if side == Side::Output {
        // Only a plain type can take "null" beside it; anything else keeps its anyOf.
        match inner.get("type").cloned() {
            Some(Value::String(kind)) if !inner.contains_key("enum") => {
                inner.insert("type".into(), Value::from(vec![kind, "null".to_owned()]));
            }
            _ => {
                object.insert(
                    "anyOf".into(),
                    Value::from(vec![
                        Value::Object(inner),
                        serde_json::json!({"type": "null"}),
                    ]),
                );
                return;
            }
        }
    }
    merge_in_place_of_any_of(object, inner);
}

/// `{"anyOf": [X, {"type": "null"}]}` becomes X, for an output field that is
/// left out rather than sent as `null`.
fn drop_null_branch(object: &mut Map<String, Value>) {
    if let Some(inner) = non_null_branch(object) {
        merge_in_place_of_any_of(object, inner);
    }
}

/// X, when `object` is `{"anyOf": [X, {"type": "null"}]}` (in either order).
fn non_null_branch(object: &Map<String, Value>) -> Option<Map<String, Value>> {
    let Some(Value::Array(branches)) = object.get("anyOf") else {
        return None;
    };
    let is_null = |branch: &Value| branch.get("type") == Some(&Value::from("null"));
    if branches.len() != 2 || !branches.iter().any(is_null) {
        return None;
    }
    match branches.iter().find(|b| !is_null(b)) {
        Some(Value::Object(inner)) => Some(inner.clone()),
        _ => None,
    }
}

/// Replaces `anyOf` with `inner`'s keywords; the object's own (its description) win.
fn merge_in_place_of_any_of(object: &mut Map<String, Value>, inner: Map<String, Value>) {
    object.remove("anyOf");
    for (key, value) in inner {
        object.entry(key).or_insert(value);
    }
}

/// `"type": ["integer", "null"]` becomes `"type": "integer"`.
fn drop_null_type(object: &mut Map<String, Value>) {
    let Some(Value::Array(kinds)) = object.get("type") else {
        return;
    };
    let kinds: Vec<Value> = kinds
        .iter()
        .filter(|k| *k != &Value::from("null"))
        .cloned()
        .collect();
    let kind = match <[Value; 1]>::try_from(kinds) {
        Ok([single]) => single,
        Err(several) => Value::Array(several),
    };
    object.insert("type".into(), kind);
}

/// `{"oneOf": [{"const": "a", "type": "string", "description": …}, …]}` becomes
/// `{"type": "string", "enum": ["a", …]}`; what each value means is in the field's
/// description.
fn enum_from_constants(object: &mut Map<String, Value>) {
    let Some(Value::Array(branches)) = object.get("oneOf") else {
        return;
    };
    let constants: Option<Vec<Value>> = branches.iter().map(|b| b.get("const").cloned()).collect();
    let Some(constants) = constants else {
        return;
    };
    let kind = branches.first().and_then(|b| b.get("type")).cloned();
    object.remove("oneOf");
    if let Some(kind) = kind {
        object.entry("type").or_insert(kind);
    }
    object.insert("enum".into(), Value::Array(constants));
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn compacted(schema: Value, side: Side) -> Value {
        let Value::Object(mut object) = schema else {
            panic!("a schema object")
        };
        compact(&mut object, side);
        Value::Object(object)
    }

    #[test]
    fn references_are_inlined_with_the_fields_own_description() {
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$defs": {"Ratio": {"description": "Output aspect ratio.", "oneOf": [
                {"const": "16:9", "type": "string", "description": "Landscape."},
                {"const": "9:16", "type": "string", "description": "Vertical."}
            ]}},
            "type": "object",
            "properties": {
                "ratio": {"anyOf": [{"$ref": "#/$defs/Ratio"}, {"type": "null"}],
                          "description": "Aspect ratio (default 16:9)."},
                "duration": {"type": ["integer", "null"], "format": "int64", "minimum": 4}
            }
        });
        assert_eq!(
            compacted(schema, Side::Input),
            json!({
                "type": "object",
                "properties": {
                    "ratio": {"description": "Aspect ratio (default 16:9).", "type": "string",
                              "enum": ["16:9", "9:16"]},
                    "duration": {"type": "integer", "minimum": 4}
                }
            })
        );
    }

    #[test]
    fn outputs_say_null_only_where_a_required_field_may_hold_it_and_share_repeated_types() {
        let schema = json!({
            "$defs": {
                "Amount": {"type": "object", "description": "Money.",
                           "properties": {"amount": {"type": "number", "format": "double"}}},
                "Status": {"oneOf": [{"const": "queued", "type": "string"},
                                     {"const": "running", "type": "string"}]}
            },
            "type": "object",
            "description": "A task.",
            "required": ["price", "seed", "status"],
            "properties": {
                "price": {"anyOf": [{"$ref": "#/$defs/Amount"}, {"type": "null"}]},
                "seed": {"type": ["integer", "null"], "format": "int64"},
                "status": {"anyOf": [{"$ref": "#/$defs/Status"}, {"type": "null"}]},
                "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "description": "Why."},
                "cost": {"anyOf": [{"$ref": "#/$defs/Amount"}, {"type": "null"}]}
            }
        });
        assert_eq!(
            compacted(schema, Side::Output),
            json!({
                "type": "object",
                "required": ["price", "seed", "status"],
                "$defs": {"Amount": {"type": "object", "properties": {"amount": {"type": "number"}}}},
                "properties": {
                    "price": {"anyOf": [{"$ref": "#/$defs/Amount"}, {"type": "null"}]},
                    "seed": {"type": ["integer", "null"]},
                    "status": {"anyOf": [{"type": "string", "enum": ["queued", "running"]},
                                         {"type": "null"}]},
                    "note": {"type": "string"},
                    "cost": {"$ref": "#/$defs/Amount"}
                }
            })
        );
    }

    #[test]
    fn wrapped_descriptions_join_and_result_counts_lose_their_zero_bound() {
        let schema = json!({"type": "object", "properties": {
            "duration": {"type": "integer", "minimum": 0, "description": "Seconds,\nat most 15."},
            "seed": {"type": "integer", "minimum": -1}
        }});
        assert_eq!(
            compacted(schema.clone(), Side::Input)["properties"]["duration"],
            json!({"type": "integer", "minimum": 0, "description": "Seconds, at most 15."})
        );
        assert_eq!(
            compacted(schema, Side::Output)["properties"],
            json!({"duration": {"type": "integer"}, "seed": {"type": "integer", "minimum": -1}})
        );
    }

    #[test]
    fn property_names_that_look_like_keywords_are_left_alone() {
        let schema = json!({"type": "object", "properties": {
            "format": {"type": "string"},
            "items": {"type": "array", "items": {"type": ["string", "null"]}}
        }});
        assert_eq!(
            compacted(schema, Side::Input),
            json!({"type": "object", "properties": {
                "format": {"type": "string"},
                "items": {"type": "array", "items": {"type": "string"}}
            }})
        );
    }
}
