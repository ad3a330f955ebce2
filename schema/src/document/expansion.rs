//! How big a document is once its fragments are expanded, computed in time linear in the document.
//!
//! Nothing in the spec bounds fragment spreads: a 795-byte document whose 21 fragments each spread the next twice
//! expands to 2^21 selections, and every rule that walks the expansion (validation, complexity, execution) pays
//! for all of them (measured: 0.8 s of CPU and +330 MB at 21 levels, no answer at 30). Each fragment's size is
//! computed once and multiplied by its spreads, so this check costs the same for the bomb as for its text, and it
//! runs before anything else walks the document.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, Pos};
use std::collections::HashMap;

/// A document with every spread expanded: field selections (`__typename` included) and aliases, added up (they
/// saturate: a bomb says `u64::MAX`, not an overflow); the deepest nesting (each field with a selection set, each
/// spread and inline fragment is a level, as async-graphql's recursion limit counts them); the most directives
/// on one selection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Expanded {
    pub selections: u64,
    pub aliases: u64,
    pub nesting: usize,
    pub directives: usize,
}

impl Expanded {
    /// `self` and `o` side by side in one selection set.
    fn add(self, o: Self) -> Self {
        Self {
            selections: self.selections.saturating_add(o.selections),
            aliases: self.aliases.saturating_add(o.aliases),
            nesting: self.nesting.max(o.nesting),
            directives: self.directives.max(o.directives),
        }
    }

    /// `self` one level further down.
    fn nested(self) -> Self {
        Self { nesting: self.nesting + 1, ..self }
    }

    fn directives(n: usize) -> Self {
        Self { directives: n, ..Self::default() }
    }
}

/// A spread of an unknown fragment, or a fragment that spreads itself: both are validation errors the spec rules
/// report in full later; here they only stop the count.
#[derive(Debug)]
pub enum Unexpandable {
    Cycle(Name, Pos),
    Unknown(Name, Pos),
}

/// The expanded size of every operation of `doc`, added up.
pub fn measure(doc: &ExecutableDocument) -> Result<Expanded, Unexpandable> {
    let mut memo = Memo { doc, sizes: HashMap::new() };
    let mut total = Expanded::default();
    for (_, op) in doc.operations.iter() {
        total = total.add(Expanded::directives(op.node.directives.len())).add(memo.set(&op.node.selection_set.node)?);
    }
    Ok(total)
}

enum State {
    Visiting,
    Done(Expanded),
}

struct Memo<'a> {
    doc: &'a ExecutableDocument,
    sizes: HashMap<&'a str, State>,
}

impl<'a> Memo<'a> {
    fn set(&mut self, set: &'a SelectionSet) -> Result<Expanded, Unexpandable> {
        let mut size = Expanded::default();
        for item in &set.items {
            let part = match &item.node {
                Selection::Field(f) => {
                    let own = Expanded {
                        selections: 1,
                        aliases: u64::from(f.node.alias.is_some()),
                        directives: f.node.directives.len(),
                        nesting: 0,
                    };
                    let sub = &f.node.selection_set.node;
                    if sub.items.is_empty() { own } else { own.add(self.set(sub)?.nested()) }
                }
                Selection::InlineFragment(f) => {
                    let own = Expanded::directives(f.node.directives.len());
                    own.add(self.set(&f.node.selection_set.node)?.nested())
                }
                Selection::FragmentSpread(spread) => {
                    let own = Expanded::directives(spread.node.directives.len());
                    own.add(self.fragment(&spread.node.fragment_name.node, spread.node.fragment_name.pos)?.nested())
                }
            };
            size = size.add(part);
        }
        Ok(size)
    }

    fn fragment(&mut self, name: &'a Name, pos: Pos) -> Result<Expanded, Unexpandable> {
        match self.sizes.get(name.as_str()) {
            Some(State::Done(size)) => return Ok(*size),
            Some(State::Visiting) => return Err(Unexpandable::Cycle(name.clone(), pos)),
            None => {}
        }
        let Some(def) = self.doc.fragments.get(name) else { return Err(Unexpandable::Unknown(name.clone(), pos)) };
        self.sizes.insert(name.as_str(), State::Visiting);
        let size = Expanded::directives(def.node.directives.len()).add(self.set(&def.node.selection_set.node)?);
        self.sizes.insert(name.as_str(), State::Done(size));
        Ok(size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bomb(levels: usize) -> String {
        let mut doc = String::from("query { ...F0 }\n");
        for i in 0..levels {
            doc.push_str(&format!("fragment F{i} on Query {{ ...F{} ...F{} }}\n", i + 1, i + 1));
        }
        doc.push_str(&format!("fragment F{levels} on Query {{ __typename }}\n"));
        doc
    }

    #[test]
    fn a_fragment_bomb_is_measured_without_expanding_it() {
        let doc = async_graphql::parser::parse_query(bomb(30)).expect("parses");
        let size = measure(&doc).expect("measures");
        assert_eq!((size.selections, size.nesting), (1 << 30, 31));
        let doc = async_graphql::parser::parse_query(bomb(80)).expect("parses");
        assert_eq!(measure(&doc).expect("measures").selections, u64::MAX);
    }

    #[test]
    fn aliases_count_once_per_spread() {
        let doc = async_graphql::parser::parse_query(
            "{ a: workspace { name } ...F ...F } fragment F on Query { b: workspace { x: name } }",
        )
        .expect("parses");
        let size = measure(&doc).expect("measures");
        assert_eq!((size.selections, size.aliases, size.nesting), (6, 5, 2));
    }

    #[test]
    fn a_cycle_stops_the_count() {
        let doc =
            async_graphql::parser::parse_query("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }")
                .expect("parses");
        assert!(matches!(measure(&doc), Err(Unexpandable::Cycle(..))));
    }
}
