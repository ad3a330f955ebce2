//! What an operation costs, computed before it runs: each field 1, plus what it selects times how many objects it
//! can return. A connection returns at most its page (`first` or `last`, 20 when neither is given, at most 100);
//! `nodes(ids:)` one per id; every other field one; each root field of a mutation 10 more ([`MUTATION_COST`]); the
//! aggregates that scan a range of rows ([`AGGREGATES`]) 1,000 more ([`AGGREGATE_COST`]).
//! So `conversations(first: 50) { nodes { messages(last: 10) { nodes { id } } } }` costs
//! 1 + 50 × (1 + 1 + 10 × (1 + 1)) = 1,101.
//!
//! We compute it ourselves rather than with async-graphql's `complexity` attributes: in 8.0.0-rc.5 those fail
//! with "Variable … is not defined" when a client omits a nullable variable (legal per the spec), and the
//! rate limiter needs the number anyway. Fragments are costed once per type condition (memoised), so this is
//! linear in the document; `expansion` has already bounded its size.

use apollo_compiler::Schema;
use async_graphql::Variables;
use async_graphql::parser::types::{ExecutableDocument, OperationDefinition, OperationType, Selection, SelectionSet};
use async_graphql::{Name, Value};
use std::collections::HashMap;

use crate::pagination::{DEFAULT_PAGE, MAX_PAGE};

/// The cost of every operation in `doc`, added up (a document usually holds the one that runs).
pub fn of_document(schema: &Schema, doc: &ExecutableDocument, variables: &Variables) -> u64 {
    doc.operations
        .iter()
        .fold(0u64, |total, (_, op)| total.saturating_add(of_operation(schema, doc, &op.node, variables)))
}

fn of_operation(schema: &Schema, doc: &ExecutableDocument, op: &OperationDefinition, variables: &Variables) -> u64 {
    let root = match op.ty {
        OperationType::Query => apollo_compiler::ast::OperationType::Query,
        OperationType::Mutation => apollo_compiler::ast::OperationType::Mutation,
        OperationType::Subscription => apollo_compiler::ast::OperationType::Subscription,
    };
    let Some(root) = schema.root_operation(root) else { return 0 };
    let mut walk = Walk { schema, doc, op, variables, fragments: HashMap::new() };
    let cost = walk.set(root.as_str(), &op.selection_set.node);
    match op.ty {
        OperationType::Mutation => {
            cost.saturating_add(MUTATION_COST.saturating_mul(root_fields(doc, &op.selection_set.node, 0)))
        }
        OperationType::Query | OperationType::Subscription => cost,
    }
}

/// What a mutation costs beyond its selection: a write does more than a read (Shopify prices every mutation at
/// 10 points too).
pub const MUTATION_COST: u64 = 10;

/// Root query fields that read every row of a range (analytics): their selection is a handful of numbers, but the
/// work is a scan, so they cost [`AGGREGATE_COST`] more, about what an inbox page of 50 conversations with their
/// last 10 messages costs. A budget of 200,000 points a minute still runs 190 of them a minute.
pub const AGGREGATES: [&str; 2] = ["conversationMetrics", "ticketMetrics"];
/// See [`AGGREGATES`].
pub const AGGREGATE_COST: u64 = 1_000;

/// Root fields of an operation, through fragments (the document guard has bounded how far they expand).
fn root_fields(doc: &ExecutableDocument, set: &SelectionSet, depth: usize) -> u64 {
    if depth > 32 {
        return 0;
    }
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(f) if f.node.name.node.starts_with("__") => 0,
            Selection::Field(_) => 1,
            Selection::InlineFragment(f) => root_fields(doc, &f.node.selection_set.node, depth + 1),
            Selection::FragmentSpread(s) => doc
                .fragments
                .get(&s.node.fragment_name.node)
                .map_or(0, |f| root_fields(doc, &f.node.selection_set.node, depth + 1)),
        })
        .sum()
}

struct Walk<'a> {
    schema: &'a Schema,
    doc: &'a ExecutableDocument,
    op: &'a OperationDefinition,
    variables: &'a Variables,
    /// Cost of each fragment (costed under its own type condition), once computed; `None` while being computed
    /// (a cycle, which validation refuses: it costs nothing here).
    fragments: HashMap<&'a str, Option<u64>>,
}

impl<'a> Walk<'a> {
    fn set(&mut self, parent: &str, set: &'a SelectionSet) -> u64 {
        let mut total = 0u64;
        for item in &set.items {
            let part = match &item.node {
                Selection::Field(f) => {
                    let f = &f.node;
                    let sub = &f.selection_set.node;
                    let field_type = self.schema.type_field(parent, f.name.node.as_str()).ok();
                    let scan = parent == "Query" && AGGREGATES.contains(&f.name.node.as_str());
                    if scan {
                        AGGREGATE_COST
                            .saturating_add(1)
                            .saturating_add(self.set(field_type.map_or("", |d| d.ty.inner_named_type().as_str()), sub))
                    } else if sub.items.is_empty() {
                        1
                    } else {
                        let child_type = field_type.map_or("", |d| d.ty.inner_named_type().as_str());
                        let many = match field_type {
                            Some(_) if child_type.ends_with("Connection") => self.page(f),
                            Some(_) if f.name.node == "nodes" && parent == "Query" => self.ids(f),
                            _ => 1,
                        };
                        1u64.saturating_add(many.saturating_mul(self.set(child_type, sub)))
                    }
                }
                Selection::InlineFragment(f) => {
                    let on = f.node.type_condition.as_ref().map_or(parent, |c| c.node.on.node.as_str());
                    self.set(on, &f.node.selection_set.node)
                }
                Selection::FragmentSpread(s) => self.fragment(&s.node.fragment_name.node),
            };
            total = total.saturating_add(part);
        }
        total
    }

    fn fragment(&mut self, name: &'a Name) -> u64 {
        match self.fragments.get(name.as_str()) {
            Some(Some(cost)) => return *cost,
            Some(None) => return 0,
            None => {}
        }
        let Some(def) = self.doc.fragments.get(name) else { return 0 };
        self.fragments.insert(name.as_str(), None);
        let cost = self.set(def.node.type_condition.node.on.node.as_str(), &def.node.selection_set.node);
        self.fragments.insert(name.as_str(), Some(cost));
        cost
    }

    /// The argument's value, with variables looked up (then their defaults); `None` when absent or unknown.
    fn argument(&self, field: &async_graphql::parser::types::Field, name: &str) -> Option<Value> {
        let value = field.get_argument(name)?.node.clone();
        value
            .into_const_with(|var| {
                self.variables
                    .get(&var)
                    .cloned()
                    .or_else(|| {
                        let def = self.op.variable_definitions.iter().find(|d| d.node.name.node == var)?;
                        def.node.default_value.as_ref().map(|v| v.node.clone())
                    })
                    .ok_or(())
            })
            .ok()
    }

    fn page(&self, field: &async_graphql::parser::types::Field) -> u64 {
        let size = |name| match self.argument(field, name) {
            Some(Value::Number(n)) => n.as_u64().map(|n| n.clamp(1, MAX_PAGE)),
            _ => None,
        };
        size("first").or_else(|| size("last")).unwrap_or(DEFAULT_PAGE)
    }

    fn ids(&self, field: &async_graphql::parser::types::Field) -> u64 {
        match self.argument(field, "ids") {
            Some(Value::List(ids)) => (ids.len() as u64).clamp(1, MAX_PAGE),
            _ => 1,
        }
    }
}
