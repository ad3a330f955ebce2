//! Every validation rule of the GraphQL spec, as graphql-js enforces it, through `apollo-compiler`.
//!
//! async-graphql 7.2 and 8.0 skip parts of two rules that clients rely on: a variable used where its type does not
//! fit (`$n: String` as `first: Int`) runs when no value is sent (All Variable Usages Are Allowed), and
//! `... on Contact { name } ... on Agent { name }` with `String` and `String!` runs (Field Selection Merging,
//! SameResponseShape), while GraphiQL, graphql-codegen and graphql-inspector reject both. apollo-compiler is the
//! validator of Apollo's router, written to the spec and tested against graphql-js's cases, so we run it over the
//! SDL we serve. Results are cached by document text: dashboards send the same few documents over and over.

use async_graphql::{Pos, ServerError};
use lru::LruCache;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

/// Documents longer than this are validated every time rather than cached (the cache's memory stays bounded).
const CACHED_DOCUMENT_BYTES: usize = 16 * 1024;
/// Distinct documents remembered.
const CACHED_DOCUMENTS: usize = 2048;

type Verdict = Result<(), Arc<[ServerError]>>;

pub struct SpecValidator {
    schema: apollo_compiler::validation::Valid<apollo_compiler::Schema>,
    cache: Mutex<LruCache<Box<str>, Verdict>>,
}

impl SpecValidator {
    /// `sdl` is the schema as served. It comes from our own types, so a failure here is a bug of ours: the
    /// message says which definition apollo-compiler refused.
    pub fn new(sdl: &str) -> Result<Self, String> {
        // async-graphql serves `__Type.isOneOf` (the OneOf input objects RFC), which graphql-js 16.9+'s
        // introspection query asks for with `oneOf: true`; apollo-compiler 1.x's built-in `__Type` lacks it.
        let sdl = format!("{sdl}\nextend type __Type {{ isOneOf: Boolean }}\n");
        let schema =
            apollo_compiler::Schema::parse_and_validate(sdl, "schema.graphql").map_err(|e| e.errors.to_string())?;
        let cap = NonZeroUsize::new(CACHED_DOCUMENTS).unwrap_or(NonZeroUsize::MIN);
        Ok(Self { schema, cache: Mutex::new(LruCache::new(cap)) })
    }

    /// The schema as apollo-compiler sees it (for type lookups while costing a document).
    pub fn schema(&self) -> &apollo_compiler::Schema {
        &self.schema
    }

    /// The spec's verdict on `query`: `Err` holds every violation, each with its locations, `BAD_USER_INPUT`.
    pub fn validate(&self, query: &str) -> Verdict {
        let cacheable = query.len() <= CACHED_DOCUMENT_BYTES;
        if cacheable
            && let Ok(mut cache) = self.cache.lock()
            && let Some(v) = cache.get(query)
        {
            return v.clone();
        }
        let verdict = self.run(query);
        if cacheable && let Ok(mut cache) = self.cache.lock() {
            cache.put(query.into(), verdict.clone());
        }
        verdict
    }

    fn run(&self, query: &str) -> Verdict {
        let Err(with_errors) =
            apollo_compiler::ExecutableDocument::parse_and_validate(&self.schema, query, "query.graphql")
        else {
            let duplicates = super::input_fields::duplicates(query);
            return if duplicates.is_empty() { Ok(()) } else { Err(duplicates.into()) };
        };
        let errors: Vec<ServerError> = with_errors
            .errors
            .iter()
            .map(|d| {
                let json = d.to_json();
                let at = json.locations.iter().map(|l| Pos { line: l.line, column: l.column }).collect();
                super::refusal(crate::error::Code::BadUserInput, json.message, at)
            })
            .collect();
        Err(errors.into())
    }
}
