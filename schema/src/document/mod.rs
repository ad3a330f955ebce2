//! The checks every document passes before anything walks it, on every transport (HTTP, WebSocket, later ones):
//! async-graphql runs this extension for each operation, whoever calls `execute` or `execute_stream`.
//!
//! Order matters: async-graphql parses (with its recursion and directive limits), then [`expansion`] bounds the
//! expanded size, aliases, nesting and directives in linear time, [`cost`] prices the operation, then [`spec`]
//! runs every validation rule of the spec, and only then async-graphql's own rules (depth, argument values)
//! walk the expansion.

pub mod cost;
pub mod expansion;
pub mod input_fields;
pub mod spec;

use crate::error::{ApiError, Code};
use crate::limits::Limits;
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ErrorExtensions, ServerError, ServerResult, ValidationResult, Variables};
use expansion::Unexpandable;
use spec::SpecValidator;
use std::sync::{Arc, Mutex};

/// Installs the checks; one per schema, shared by its requests.
pub struct DocumentGuard {
    limits: Limits,
    spec: Arc<SpecValidator>,
}

impl DocumentGuard {
    pub fn new(limits: Limits, spec: Arc<SpecValidator>) -> Self {
        Self { limits, spec }
    }
}

impl ExtensionFactory for DocumentGuard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Guard { limits: self.limits, spec: self.spec.clone(), query: Mutex::new(None) })
    }
}

/// One request's guard: remembers the document text between parsing and validation.
struct Guard {
    limits: Limits,
    spec: Arc<SpecValidator>,
    query: Mutex<Option<String>>,
}

/// A document refused before execution, with its code and the places in the text it is about.
pub(crate) fn refusal(code: Code, message: String, locations: Vec<async_graphql::Pos>) -> ServerError {
    let mut err = ServerError::new(message, None);
    err.locations = locations;
    err.extensions.get_or_insert_with(Default::default).set("code", code.as_str());
    err
}

fn too_complex(message: String) -> ServerError {
    refusal(Code::QueryTooComplex, message, vec![])
}

impl Guard {
    fn check_size(&self, doc: &ExecutableDocument) -> ServerResult<()> {
        let size = match expansion::measure(doc) {
            Ok(size) => size,
            Err(Unexpandable::Cycle(name, pos)) => {
                let msg = format!("fragment \"{name}\" spreads itself; fragments must not form cycles");
                return Err(ApiError::BadUserInput { message: msg, field: None }.extend().into_server_error(pos));
            }
            Err(Unexpandable::Unknown(name, pos)) => {
                let msg = format!("unknown fragment \"{name}\"");
                return Err(ApiError::BadUserInput { message: msg, field: None }.extend().into_server_error(pos));
            }
        };
        let max = self.limits.selections as u64;
        if size.selections > max {
            let n = if size.selections == u64::MAX { "more than 2^64".to_owned() } else { size.selections.to_string() };
            return Err(too_complex(format!(
                "the document expands to {n} field selections (fragments counted at each spread); the limit is {max}"
            )));
        }
        let max = self.limits.aliases as u64;
        if size.aliases > max {
            return Err(too_complex(format!(
                "the document uses {} aliases (fragments counted at each spread); the limit is {max}",
                size.aliases
            )));
        }
        if size.nesting > self.limits.recursive_depth {
            return Err(too_complex(format!(
                "the document nests {} levels deep (fields, fragments and inline fragments each count); the limit is {}",
                size.nesting, self.limits.recursive_depth
            )));
        }
        if size.directives > self.limits.directives {
            return Err(too_complex(format!(
                "a selection carries {} directives; the limit is {}",
                size.directives, self.limits.directives
            )));
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl Extension for Guard {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        // async-graphql's own parse step (behind `next`) checks recursion and directives by walking every spread
        // of every fragment, which is exponential for a fragment bomb. We parse and check in linear time instead
        // and never call it; `check_size` enforces the same two limits.
        let _ = next;
        let doc = async_graphql::parser::parse_query(query).map_err(ServerError::from)?;
        self.check_size(&doc)?;
        let cost = cost::of_document(self.spec.schema(), &doc, variables);
        // The price the rate limiter charges (crate::rate), when the transport meters the request.
        if let Some(metering) = ctx.data_opt::<Arc<crate::rate::Metering>>() {
            metering.set_cost(cost);
        }
        if cost > self.limits.complexity as u64 {
            return Err(too_complex(format!(
                "the query costs {cost} (each field 1, times the page size of each connection it is in); \
                 the limit is {}",
                self.limits.complexity
            )));
        }
        if let Ok(mut q) = self.query.lock() {
            *q = Some(query.to_owned());
        }
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let query = self.query.lock().ok().and_then(|mut q| q.take());
        if let Some(query) = query {
            self.spec.validate(&query).map_err(|errors| errors.to_vec())?;
        }
        next.run(ctx).await
    }
}
