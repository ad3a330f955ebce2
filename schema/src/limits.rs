//! Query limits applied before execution, and the extension that gives every error a stable `extensions.code`.
//!
//! async-graphql ships with every limit off; these defaults bound depth, cost (connection sizes multiply the
//! cost of what they contain), directives, recursion, aliases and the expanded size of a document (see
//! [`crate::document`]). One set, applied by the schema itself, so every transport enforces the same limits.

use crate::error::classify;
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute, NextValidation};
use async_graphql::{Response, ServerError, ValidationResult};
use std::sync::Arc;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub depth: usize,
    pub complexity: usize,
    pub directives: usize,
    pub recursive_depth: usize,
    /// Aliases, counted at every fragment spread.
    pub aliases: usize,
    /// Field selections once fragments are expanded (`__typename` included).
    pub selections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        // The dashboard's nested page (50 conversations × 10 messages with senders) costs about 5,000.
        // GraphiQL's introspection query expands to ~300 selections, the inbox page to ~60.
        Self { depth: 12, complexity: 50_000, directives: 50, recursive_depth: 32, aliases: 100, selections: 2_000 }
    }
}

/// Adds `extensions.code` to the errors async-graphql raises itself (and says what Parlor is in
/// `__schema.description`: see `crate::describe`).
pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodesExtension)
    }
}

struct ErrorCodesExtension;

#[async_trait::async_trait]
impl Extension for ErrorCodesExtension {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| errors.into_iter().map(classify).collect())
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut resp = next.run(ctx, operation_name).await;
        resp.errors = std::mem::take(&mut resp.errors).into_iter().map(classify).collect();
        crate::describe::schema_description(&mut resp);
        resp
    }
}
