//! Input Object Field Uniqueness (spec 5.6.3): `{status: {eq: OPEN}, status: {eq: PENDING}}` is invalid.
//!
//! apollo-compiler 1.x does not check it in executable documents, and async-graphql's parser keeps the last of
//! the duplicates (its values are maps), so the check runs on apollo-compiler's syntax tree, which keeps them all.

use apollo_compiler::ast::{Definition, DirectiveList, Document, Selection, Value};
use apollo_compiler::parser::SourceMap;
use apollo_compiler::{Name, Node};
use async_graphql::{Pos, ServerError};

/// One error per input object that names a field twice.
pub fn duplicates(query: &str) -> Vec<ServerError> {
    let Ok(doc) = Document::parse(query, "query.graphql") else { return vec![] };
    let mut found = Finder { sources: &doc.sources, errors: vec![] };
    for def in &doc.definitions {
        match def {
            Definition::OperationDefinition(op) => {
                for var in &op.variables {
                    if let Some(v) = &var.default_value {
                        found.value(v);
                    }
                    found.directives(&var.directives);
                }
                found.directives(&op.directives);
                found.selections(&op.selection_set);
            }
            Definition::FragmentDefinition(f) => {
                found.directives(&f.directives);
                found.selections(&f.selection_set);
            }
            _ => {}
        }
    }
    found.errors
}

struct Finder<'a> {
    sources: &'a SourceMap,
    errors: Vec<ServerError>,
}

impl Finder<'_> {
    fn selections(&mut self, set: &[Selection]) {
        for s in set {
            match s {
                Selection::Field(f) => {
                    for a in &f.arguments {
                        self.value(&a.value);
                    }
                    self.directives(&f.directives);
                    self.selections(&f.selection_set);
                }
                Selection::FragmentSpread(f) => self.directives(&f.directives),
                Selection::InlineFragment(f) => {
                    self.directives(&f.directives);
                    self.selections(&f.selection_set);
                }
            }
        }
    }

    fn directives(&mut self, list: &DirectiveList) {
        for d in list.iter() {
            for a in &d.arguments {
                self.value(&a.value);
            }
        }
    }

    fn value(&mut self, value: &Node<Value>) {
        match value.as_ref() {
            Value::List(items) => items.iter().for_each(|v| self.value(v)),
            Value::Object(fields) => {
                for (i, (name, v)) in fields.iter().enumerate() {
                    if fields[..i].iter().any(|(earlier, _): &(Name, _)| earlier == name) {
                        self.report(name, value);
                    }
                    self.value(v);
                }
            }
            _ => {}
        }
    }

    fn report(&mut self, name: &Name, object: &Node<Value>) {
        let at = object
            .line_column_range(self.sources)
            .map(|r| Pos { line: r.start.line, column: r.start.column })
            .into_iter()
            .collect();
        let msg = format!("there can be only one input field named \"{name}\"");
        self.errors.push(super::refusal(crate::error::Code::BadUserInput, msg, at));
    }
}
