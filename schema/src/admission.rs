//! Whether an operation got past every check that comes before execution (document limits, validation, the
//! permission table, the rate charge), for transports that must choose between an HTTP error status and an open
//! stream before the first result exists: a subscription's first result may come minutes later (the SSE
//! transport, `api::http::sse`). The transport puts an `Arc<Admission>` in the request's data and reads it while
//! it polls `execute_stream`.
//!
//! [`AdmissionGuard`] is registered first, so its validation hook wraps every other one and flags the operation
//! only once they all passed. What async-graphql still checks after the hook (picking the operation by name) is
//! synchronous: a refusal there is the stream's first item within the same poll.

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation};
use async_graphql::{ServerError, ValidationResult};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once the operation has been admitted; see the module doc.
#[derive(Debug, Default)]
pub struct Admission(AtomicBool);

impl Admission {
    pub fn admitted(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// The extension that sets a request's [`Admission`] (if it has one).
pub struct AdmissionGuard;

impl ExtensionFactory for AdmissionGuard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(AdmissionGuard)
    }
}

#[async_trait::async_trait]
impl Extension for AdmissionGuard {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await;
        if result.is_ok()
            && let Some(admission) = ctx.data_opt::<Arc<Admission>>()
        {
            admission.0.store(true, Ordering::Release);
        }
        result
    }
}
