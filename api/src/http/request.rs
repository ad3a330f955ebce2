//! Turning an HTTP request into a GraphQL request: JSON bodies (POST) and URL parameters (GET), with every
//! malformed input refused as a 400 that says what is wrong.

use async_graphql::{Request, Variables};
use serde_json::Value;
use std::collections::HashMap;

/// Why a request could not be read; always a 400.
#[derive(Debug)]
pub struct Malformed(pub String);

/// The `query`/`operationName`/`variables`/`extensions` parameters.
pub fn from_params(
    query: Option<Value>,
    operation_name: Option<Value>,
    variables: Option<Value>,
    extensions: Option<Value>,
) -> Result<Request, Malformed> {
    let query = match query {
        Some(Value::String(q)) => q,
        None | Some(Value::Null) => return Err(Malformed("missing the `query` parameter".into())),
        Some(_) => return Err(Malformed("`query` must be a string".into())),
    };
    let mut req = Request::new(query);
    match operation_name {
        Some(Value::String(name)) => req = req.operation_name(name),
        None | Some(Value::Null) => {}
        Some(_) => return Err(Malformed("`operationName` must be a string or null".into())),
    }
    match variables {
        Some(v @ Value::Object(_)) => req = req.variables(Variables::from_json(v)),
        None | Some(Value::Null) => {}
        Some(_) => return Err(Malformed("`variables` must be an object or null".into())),
    }
    match extensions {
        Some(Value::Object(map)) => {
            let ext: HashMap<String, async_graphql::Value> = map
                .into_iter()
                .map(|(k, v)| (k, async_graphql::Value::from_json(v).unwrap_or(async_graphql::Value::Null)))
                .collect();
            req.extensions = async_graphql::Extensions(ext);
        }
        None | Some(Value::Null) => {}
        Some(_) => return Err(Malformed("`extensions` must be an object or null".into())),
    }
    Ok(req)
}

/// A POST body: one JSON object. Arrays (batches) are refused: batching is not offered.
pub fn from_body(body: &[u8]) -> Result<Request, Malformed> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| Malformed(format!("the body is not valid JSON: {e}")))?;
    match value {
        Value::Object(mut map) => from_params(
            map.remove("query"),
            map.remove("operationName"),
            map.remove("variables"),
            map.remove("extensions"),
        ),
        Value::Array(_) => Err(Malformed("batched requests are not supported: send one operation per request".into())),
        _ => Err(Malformed("the body must be a JSON object with a `query`".into())),
    }
}

/// Whether the URL carries a credential (`access_token`, RFC 6750 §2.3, or `token`): refused, as credentials
/// end up in proxy and server logs.
pub fn has_credential_param(raw: &str) -> bool {
    raw.split('&').any(|pair| {
        let key = pair.split('=').next().unwrap_or("");
        key.eq_ignore_ascii_case("access_token") || key.eq_ignore_ascii_case("token")
    })
}

/// GET parameters; `variables` and `extensions` are JSON text.
pub fn from_query_string(raw: &str) -> Result<Request, Malformed> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw).map_err(|_| Malformed("the URL query string is malformed".into()))?;
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let json = |name: &str, v: Option<String>| -> Result<Option<Value>, Malformed> {
        v.map(|s| serde_json::from_str(&s).map_err(|_| Malformed(format!("`{name}` must be JSON")))).transpose()
    };
    let variables = json("variables", get("variables"))?;
    let extensions = json("extensions", get("extensions"))?;
    from_params(get("query").map(Value::String), get("operationName").map(Value::String), variables, extensions)
}
