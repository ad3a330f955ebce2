//! What the schema says about itself beyond its types' doc comments: the description of the schema (`__schema {
//! description }` and the SDL's `schema` definition) and of the scalars async-graphql describes in Rust terms.
//!
//! async-graphql answers `__schema.description` with a fixed text about GraphQL in general; [`schema_description`]
//! replaces it in responses (called from the execute hook of `limits::ErrorCodes`, so that no extension is added:
//! every extension costs a boxed future per resolved field).

use async_graphql::{Response, Value};

/// What Parlor is, as `__schema.description` and the SDL say it.
pub const SCHEMA: &str = "Parlor: a GraphQL API for conversational data. A workspace's agents, bots, contacts, \
conversations, messages, tickets and labels, read as Relay connections with typed filters, changed by mutations that \
take one input and return one payload, and followed live through subscriptions (graphql-transport-ws on /graphql). \
Every answer is about the caller's workspace only; errors carry a stable `extensions.code`.";

/// The `DateTime` scalar (async-graphql's own description names a Rust type).
pub const DATE_TIME: &str = "A point in time: an RFC 3339 string with a time zone, such as \
`2026-12-02T09:30:00Z`. Parlor answers in UTC.";

/// async-graphql's built-in answer to `__schema { description }`.
const STOCK: &str = "A GraphQL Schema defines the capabilities of a GraphQL server. It exposes all available types \
and directives on the server, as well as the entry points for query, mutation, and subscription operations.";

/// Replaces async-graphql's stock `__schema.description` with [`SCHEMA`] in a response: `__schema` is a root field,
/// so only the root's objects (under any alias) are looked at.
pub fn schema_description(resp: &mut Response) {
    let Value::Object(root) = &mut resp.data else { return };
    for value in root.values_mut() {
        if let Value::Object(fields) = value {
            for (_, v) in fields.iter_mut() {
                if matches!(v, Value::String(s) if s == STOCK) {
                    *v = Value::String(SCHEMA.to_owned());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::Value;

    /// Every type, field, argument, input field and enum value of our own has a description (introspection's
    /// `__*` types and the built-in scalars are the spec's, not ours).
    #[tokio::test]
    async fn everything_in_the_schema_is_described() {
        let schema = super::super::builder().extension(crate::limits::ErrorCodes).finish();
        let query = "{ __schema { description types { name kind description
            fields(includeDeprecated: true) { name description args { name description } }
            inputFields { name description } enumValues(includeDeprecated: true) { name description } } } }";
        let resp = schema.execute(query).await;
        assert!(resp.errors.is_empty(), "{:?}", resp.errors);
        let data = resp.data.into_json().expect("json");
        assert_eq!(data["__schema"]["description"], super::SCHEMA);
        let undescribed = |v: &serde_json::Value| v["description"].as_str().is_none_or(|d| d.trim().is_empty());
        let mut missing = Vec::new();
        let builtin = ["String", "Int", "Float", "Boolean", "ID"];
        for ty in data["__schema"]["types"].as_array().expect("types") {
            let name = ty["name"].as_str().unwrap_or_default();
            if name.starts_with("__") || builtin.contains(&name) {
                continue;
            }
            if undescribed(ty) {
                missing.push(name.to_owned());
            }
            let list = |key: &str| ty[key].as_array().cloned().unwrap_or_default();
            for f in list("fields") {
                let field = format!("{name}.{}", f["name"].as_str().unwrap_or_default());
                if undescribed(&f) {
                    missing.push(field.clone());
                }
                for a in f["args"].as_array().cloned().unwrap_or_default() {
                    if undescribed(&a) {
                        missing.push(format!("{field}({}:)", a["name"].as_str().unwrap_or_default()));
                    }
                }
            }
            for f in list("inputFields").into_iter().chain(list("enumValues")) {
                if undescribed(&f) {
                    missing.push(format!("{name}.{}", f["name"].as_str().unwrap_or_default()));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "{} without a description (add a `///` doc comment):\n{}",
            missing.len(),
            missing.join("\n")
        );
    }

    #[test]
    fn date_time_is_described_without_rust_types() {
        let sdl = super::super::sdl();
        assert!(sdl.contains(super::DATE_TIME), "the DateTime description");
        assert!(sdl.contains("scalar DateTime @specifiedBy(url:"), "DateTime names its specification");
        assert!(!sdl.contains("DateTime<"), "no Rust type in the schema's text");
    }

    /// `schema.graphql` at the repository root is the served SDL: a schema change shows in review as a change of
    /// that file.
    #[test]
    fn schema_graphql_is_up_to_date() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql");
        let file = std::fs::read_to_string(path).unwrap_or_default();
        let sdl = super::super::sdl();
        if file != sdl {
            let at = file
                .lines()
                .zip(sdl.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(file.lines().count().min(sdl.lines().count()));
            panic!(
                "schema.graphql differs from the schema (first at line {}): regenerate it with\n\n    \
                 cargo run -q -p api -- schema > schema.graphql\n\n(that is, `parlor schema > schema.graphql`) and \
                 review the change; a breaking one needs CHANGELOG.md (see `parlor schema diff`).",
                at + 1
            );
        }
    }

    #[test]
    fn the_stock_schema_description_is_replaced_under_any_alias() {
        let mut resp = async_graphql::Response::new(
            Value::from_json(serde_json::json!({
                "s": { "description": super::STOCK }, "other": { "description": "kept" }
            }))
            .expect("value"),
        );
        super::schema_description(&mut resp);
        let data = resp.data.into_json().expect("json");
        assert_eq!(data["s"]["description"], super::SCHEMA);
        assert_eq!(data["other"]["description"], "kept");
    }
}
