//! Enforces [`super::policy`] on every operation before it runs, on every transport (async-graphql runs this
//! extension for HTTP, WebSocket and any later transport alike).
//!
//! What an operation needs is read off its document once ([`Needs`]: its root fields, the types it reads, the
//! hidden fields it selects; fragments walked once each, so the walk is linear in the document) and cached per
//! document text and operation name. Checking a viewer against it is then a few bit operations per request.
//!
//! - No credential, and the operation reads data: `UNAUTHENTICATED` (introspection alone is allowed unless the
//!   server is configured to require a credential for it).
//! - A root field whose rule excludes the role or whose scope the credential lacks, a type whose scope it lacks,
//!   a field hidden from its role: `FORBIDDEN`, naming each, and nothing runs.

use super::policy::{self, Op};
use super::{Scopes, Viewer};
use crate::context::NoViewer;
use crate::document::spec::SpecValidator;
use crate::error::Code;
use apollo_compiler::Schema;
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest, NextValidation};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection, SelectionSet,
};
use async_graphql::{Pos, Request, ServerError, ServerResult, ValidationResult};
use lru::LruCache;
use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

/// Distinct (document, operation) pairs whose needs are remembered.
const CACHED: usize = 2048;
/// Longer documents are walked every time rather than cached.
const CACHED_DOCUMENT_BYTES: usize = 16 * 1024;

/// Whether introspection (`__schema`, `__type`) needs a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Introspection {
    /// Anyone may read the schema (development; public APIs).
    Public,
    /// Only authenticated principals (production default).
    Authenticated,
}

/// What one operation needs.
#[derive(Debug, Default)]
pub struct Needs {
    /// Its root fields (a name may repeat under aliases), each with where it appears.
    roots: Vec<(Op, String, Pos)>,
    /// Scopes needed to read the types it selects fields of.
    types: Scopes,
    /// Indexes into `policy::HIDDEN` of the hidden fields it selects.
    hidden: u64,
    /// It reads `__schema` or `__type`.
    introspects: bool,
}

impl Needs {
    /// Whether it reads anything but the schema.
    fn reads_data(&self) -> bool {
        !self.roots.is_empty()
    }

    fn merge(&mut self, other: &FragmentNeeds) {
        self.types = self.types.union(other.types);
        self.hidden |= other.hidden;
    }
}

/// Needs of a fragment below the root (a root-level fragment is walked as part of the root).
#[derive(Debug, Default, Clone, Copy)]
struct FragmentNeeds {
    types: Scopes,
    hidden: u64,
}

/// A cached entry: the document and operation it was computed for (compared on a hit: the key is a hash), and
/// what they need.
struct Cached {
    query: Box<str>,
    operation: Option<Box<str>>,
    needs: Arc<Needs>,
}

pub struct AccessGuard {
    shared: Arc<Shared>,
}

struct Shared {
    spec: Arc<SpecValidator>,
    introspection: Introspection,
    /// Keyed by a hash of the document and operation name, so a hit allocates nothing.
    cache: Mutex<LruCache<u64, Cached>>,
}

impl AccessGuard {
    pub fn new(spec: Arc<SpecValidator>, introspection: Introspection) -> Self {
        let cap = NonZeroUsize::new(CACHED).unwrap_or(NonZeroUsize::MIN);
        Self { shared: Arc::new(Shared { spec, introspection, cache: Mutex::new(LruCache::new(cap)) }) }
    }
}

impl ExtensionFactory for AccessGuard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Access { shared: self.shared.clone(), pending: Mutex::new(None) })
    }
}

/// What `prepare_request` found for the validation step: the cached needs, or the document to walk (only on a
/// miss, after the document guard has bounded its size).
enum Pending {
    Known(Arc<Needs>),
    Walk { query: String, operation: Option<String> },
}

/// One request's check.
struct Access {
    shared: Arc<Shared>,
    pending: Mutex<Option<Pending>>,
}

#[async_trait::async_trait]
impl Extension for Access {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let operation = request.operation_name.as_deref();
        let pending = match self.shared.cached(&request.query, operation) {
            Some(needs) => Pending::Known(needs),
            None => Pending::Walk { query: request.query.clone(), operation: operation.map(str::to_owned) },
        };
        if let Ok(mut p) = self.pending.lock() {
            *p = Some(pending);
        }
        next.run(ctx, request).await
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        let needs = match self.pending.lock().ok().and_then(|mut p| p.take()) {
            Some(Pending::Known(needs)) => needs,
            Some(Pending::Walk { query, operation }) => self.shared.walk(query, operation),
            None => return Ok(result),
        };
        let viewer = ctx.data_opt::<Viewer>();
        let why = ctx.data_opt::<NoViewer>().map(|n| n.0.as_str());
        check(&needs, viewer, why, self.shared.introspection)?;
        Ok(result)
    }
}

fn key(query: &str, operation: Option<&str>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    query.hash(&mut h);
    operation.hash(&mut h);
    h.finish()
}

impl Shared {
    fn cached(&self, query: &str, operation: Option<&str>) -> Option<Arc<Needs>> {
        let mut cache = self.cache.lock().ok()?;
        let hit = cache.get(&key(query, operation))?;
        (&*hit.query == query && hit.operation.as_deref() == operation).then(|| hit.needs.clone())
    }

    /// Walks a document that passed validation (so its expansion is bounded) and caches what it needs.
    fn walk(&self, query: String, operation: Option<String>) -> Arc<Needs> {
        // A parse failure cannot happen after validation; it would need nothing.
        let needs = Arc::new(match async_graphql::parser::parse_query(&query) {
            Ok(doc) => of_document(self.spec.schema(), &doc, operation.as_deref()),
            Err(_) => Needs::default(),
        });
        if query.len() <= CACHED_DOCUMENT_BYTES
            && let Ok(mut cache) = self.cache.lock()
        {
            let k = key(&query, operation.as_deref());
            cache.put(k, Cached { query: query.into(), operation: operation.map(Into::into), needs: needs.clone() });
        }
        needs
    }
}

/// The viewer against what the operation needs: every problem, or none.
pub fn check(
    needs: &Needs,
    viewer: Option<&Viewer>,
    no_viewer: Option<&str>,
    introspection: Introspection,
) -> Result<(), Vec<ServerError>> {
    let Some(viewer) = viewer else {
        if needs.reads_data() || (needs.introspects && introspection == Introspection::Authenticated) {
            let why = no_viewer.unwrap_or(crate::context::NO_CREDENTIAL);
            return Err(vec![refusal(Code::Unauthenticated, why.to_owned(), vec![])]);
        }
        return Ok(());
    };
    let mut errors = vec![];
    for (op, field, pos) in &needs.roots {
        let what = match op {
            Op::Query => "query",
            Op::Mutation => "mutation",
            Op::Subscription => "subscription",
        };
        let Some(rule) = policy::rule(*op, field) else {
            errors.push(refusal(Code::Forbidden, format!("no one may run {what} `{field}`"), vec![*pos]));
            continue;
        };
        if !rule.roles.contains(&viewer.role) {
            let msg = format!("the role {} may not run {what} `{field}`", role_name(viewer.role));
            errors.push(refusal(Code::Forbidden, msg, vec![*pos]));
        } else if let Some(scope) = rule.scope.filter(|s| !viewer.has(*s)) {
            let msg = format!("{what} `{field}` needs the scope {}, which this credential does not hold", scope.name());
            errors.push(refusal(Code::Forbidden, msg, vec![*pos]));
        }
    }
    for scope in needs.types.missing_from(viewer.scopes).iter() {
        let types: Vec<&str> = policy::TYPES.iter().filter(|(_, s)| *s == scope).map(|(t, _)| *t).collect();
        let msg = format!(
            "reading {} needs the scope {}, which this credential does not hold",
            types.join(" or "),
            scope.name()
        );
        errors.push(refusal(Code::Forbidden, msg, vec![]));
    }
    for (i, (t, f, roles)) in policy::HIDDEN.iter().enumerate() {
        if needs.hidden & (1 << i) != 0 && roles.contains(&viewer.role) {
            let msg = format!("the role {} may not read `{t}.{f}`", role_name(viewer.role));
            errors.push(refusal(Code::Forbidden, msg, vec![]));
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

fn refusal(code: Code, message: String, at: Vec<Pos>) -> ServerError {
    crate::document::refusal(code, message, at)
}

pub(crate) fn role_name(r: super::Role) -> &'static str {
    match r {
        super::Role::Admin => "admin",
        super::Role::Agent => "agent",
        super::Role::Analyst => "analyst",
        super::Role::Bot => "bot",
        super::Role::Contact => "contact",
    }
}

/// What the operation named `operation` (or the only one) of `doc` needs.
pub fn of_document(schema: &Schema, doc: &ExecutableDocument, operation: Option<&str>) -> Needs {
    let Some(op) = selected(doc, operation) else { return Needs::default() };
    let (root_op, kind) = match op.ty {
        OperationType::Query => (apollo_compiler::ast::OperationType::Query, Op::Query),
        OperationType::Mutation => (apollo_compiler::ast::OperationType::Mutation, Op::Mutation),
        OperationType::Subscription => (apollo_compiler::ast::OperationType::Subscription, Op::Subscription),
    };
    let Some(root) = schema.root_operation(root_op) else { return Needs::default() };
    let mut walk = Walk { schema, doc, fragments: HashMap::new() };
    let mut needs = Needs::default();
    walk.root(root.as_str(), kind, &op.selection_set.node, &mut needs, 0);
    needs
}

fn selected<'a>(doc: &'a ExecutableDocument, name: Option<&str>) -> Option<&'a OperationDefinition> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some(&op.node),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| &op.node),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next().map(|op| &op.node),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

struct Walk<'a> {
    schema: &'a Schema,
    doc: &'a ExecutableDocument,
    /// Needs of each fragment once walked; `None` while being walked (a cycle, which validation refuses).
    fragments: HashMap<&'a str, Option<FragmentNeeds>>,
}

/// Fragments spread at the root are followed at each spread (their fields are root fields): bounded, since the
/// document guard has capped the expanded selections (`--max-selections`) before this walk; this depth is a
/// second guard.
const MAX_ROOT_NESTING: usize = 32;

impl<'a> Walk<'a> {
    fn root(&mut self, root: &str, kind: Op, set: &'a SelectionSet, needs: &mut Needs, depth: usize) {
        if depth > MAX_ROOT_NESTING {
            return;
        }
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    let f = &f.node;
                    let name = f.name.node.as_str();
                    match name {
                        "__typename" => {}
                        "__schema" | "__type" => needs.introspects = true,
                        _ => {
                            needs.roots.push((kind, name.to_owned(), f.name.pos));
                            let ty = self.field_type(root, name);
                            let below = self.set(ty, &f.selection_set.node);
                            needs.merge(&below);
                        }
                    }
                }
                Selection::InlineFragment(frag) => {
                    self.root(root, kind, &frag.node.selection_set.node, needs, depth + 1);
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(frag) = self.doc.fragments.get(&spread.node.fragment_name.node) {
                        self.root(root, kind, &frag.node.selection_set.node, needs, depth + 1);
                    }
                }
            }
        }
    }

    /// The named type a field of `parent` returns ("" when unknown).
    fn field_type(&self, parent: &str, field: &str) -> &'a str {
        self.schema.type_field(parent, field).map_or("", |d| d.ty.inner_named_type().as_str())
    }

    /// Needs of a selection set on type `parent`.
    fn set(&mut self, parent: &str, set: &'a SelectionSet) -> FragmentNeeds {
        let mut needs = FragmentNeeds::default();
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    let f = &f.node;
                    let name = f.name.node.as_str();
                    if name.starts_with("__") {
                        continue;
                    }
                    if let Some(scope) = policy::type_scope(parent) {
                        needs.types = needs.types.with(scope);
                    }
                    if let Some(i) = policy::HIDDEN.iter().position(|(t, fld, _)| *t == parent && *fld == name) {
                        needs.hidden |= 1 << i;
                    }
                    if !f.selection_set.node.items.is_empty() {
                        let ty = self.field_type(parent, name);
                        let below = self.set(ty, &f.selection_set.node);
                        needs.types = needs.types.union(below.types);
                        needs.hidden |= below.hidden;
                    }
                }
                Selection::InlineFragment(frag) => {
                    let frag = &frag.node;
                    let on = frag.type_condition.as_ref().map_or(parent, |c| c.node.on.node.as_str());
                    let below = self.set(on, &frag.selection_set.node);
                    needs.types = needs.types.union(below.types);
                    needs.hidden |= below.hidden;
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    let below = self.fragment(name);
                    needs.types = needs.types.union(below.types);
                    needs.hidden |= below.hidden;
                }
            }
        }
        needs
    }

    fn fragment(&mut self, name: &'a str) -> FragmentNeeds {
        match self.fragments.get(name) {
            Some(Some(n)) => return *n,
            Some(None) => return FragmentNeeds::default(),
            None => {}
        }
        let Some(frag) = self.doc.fragments.get(name) else { return FragmentNeeds::default() };
        self.fragments.insert(name, None);
        let on = frag.node.type_condition.node.on.node.as_str();
        let needs = self.set(on, &frag.node.selection_set.node);
        self.fragments.insert(name, Some(needs));
        needs
    }
}
