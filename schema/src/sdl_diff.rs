//! Breaking changes between two versions of the SDL (`parlor schema diff <old.graphql>`): what a client written
//! against the old schema could see fail against the new one. A type, field, argument, input field, enum value or
//! union member removed; an output field's type made looser (nullable, or another type); an input's type made
//! stricter; a new required argument or input field. Additions, deprecations and descriptions are not breaking.
//!
//! Deprecation is the way to evolve the schema (`@deprecated(reason:)`, kept at least one documented period); a
//! change that must break is declared in CHANGELOG.md's "Unreleased" section by its coordinate in backticks
//! (`Type.field`, `Type.field(arg:)`, `Enum.VALUE`, `Type`), and [`undeclared`] lets it through.

use apollo_compiler::Schema;
use apollo_compiler::ast::{FieldDefinition, InputValueDefinition, Type};
use apollo_compiler::schema::ExtendedType;

/// One breaking change: where (a schema coordinate) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breaking {
    pub coordinate: String,
    pub what: String,
}

impl std::fmt::Display for Breaking {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}`: {}", self.coordinate, self.what)
    }
}

fn parse(sdl: &str, name: &str) -> Result<Schema, String> {
    Schema::parse(sdl, name).map_err(|e| format!("{name} is not a valid schema: {}", e.errors))
}

/// The breaking changes from `old` to `new` (both SDL texts).
pub fn breaking_changes(old: &str, new: &str) -> Result<Vec<Breaking>, String> {
    let (old, new) = (parse(old, "old.graphql")?, parse(new, "new.graphql")?);
    let mut out = Vec::new();
    let mut push = |coordinate: String, what: String| out.push(Breaking { coordinate, what });
    for (name, old_ty) in &old.types {
        if old_ty.is_built_in() {
            continue;
        }
        let Some(new_ty) = new.types.get(name) else {
            push(name.to_string(), "type removed".into());
            continue;
        };
        match (old_ty, new_ty) {
            (ExtendedType::Object(o), ExtendedType::Object(n)) => {
                let (of, nf) =
                    (o.fields.values().map(|f| &*f.node).collect(), n.fields.values().map(|f| &*f.node).collect());
                output_fields(name.as_str(), of, nf, &mut push);
                for i in &o.implements_interfaces {
                    if !n.implements_interfaces.contains(i) {
                        push(name.to_string(), format!("no longer implements {}", i.name));
                    }
                }
            }
            (ExtendedType::Interface(o), ExtendedType::Interface(n)) => {
                let (of, nf) =
                    (o.fields.values().map(|f| &*f.node).collect(), n.fields.values().map(|f| &*f.node).collect());
                output_fields(name.as_str(), of, nf, &mut push);
            }
            (ExtendedType::Union(o), ExtendedType::Union(n)) => {
                for m in o.members.iter().filter(|m| !n.members.contains(*m)) {
                    push(name.to_string(), format!("member {} removed", m.name));
                }
            }
            (ExtendedType::Enum(o), ExtendedType::Enum(n)) => {
                for v in o.values.keys().filter(|v| !n.values.contains_key(*v)) {
                    push(format!("{name}.{v}"), "enum value removed".into());
                }
            }
            (ExtendedType::InputObject(o), ExtendedType::InputObject(n)) => {
                let old_fields: Vec<_> = o.fields.values().map(|f| &*f.node).collect();
                let new_fields: Vec<_> = n.fields.values().map(|f| &*f.node).collect();
                inputs(&|f| format!("{name}.{f}"), &old_fields, &new_fields, "input field", &mut push);
            }
            (ExtendedType::Scalar(_), ExtendedType::Scalar(_)) => {}
            _ => push(name.to_string(), "kind changed".into()),
        }
    }
    Ok(out)
}

fn output_fields(
    ty: &str,
    old: Vec<&FieldDefinition>,
    new: Vec<&FieldDefinition>,
    push: &mut impl FnMut(String, String),
) {
    for o in old {
        let coordinate = format!("{ty}.{}", o.name);
        let Some(n) = new.iter().find(|n| n.name == o.name) else {
            push(coordinate, "field removed".into());
            continue;
        };
        // A client reading the field must still accept every value: the new type must fit where the old one went.
        if !n.ty.is_assignable_to(&o.ty) {
            push(coordinate, format!("type changed from {} to {}", o.ty, n.ty));
        }
        let old_args: Vec<_> = o.arguments.iter().map(|a| &**a).collect();
        let new_args: Vec<_> = n.arguments.iter().map(|a| &**a).collect();
        let field = &o.name;
        inputs(&|a| format!("{ty}.{field}({a}:)"), &old_args, &new_args, "argument", push);
    }
}

/// Arguments or input fields: none removed, none made stricter, no new required one.
fn inputs(
    coordinate: &dyn Fn(&str) -> String,
    old: &[&InputValueDefinition],
    new: &[&InputValueDefinition],
    what: &str,
    push: &mut impl FnMut(String, String),
) {
    for o in old {
        match new.iter().find(|n| n.name == o.name) {
            None => push(coordinate(&o.name), format!("{what} removed")),
            // Every value a client sent before must still be accepted.
            Some(n) if !o.ty.is_assignable_to(&n.ty) => {
                push(coordinate(&o.name), format!("type changed from {} to {}", o.ty, n.ty));
            }
            Some(_) => {}
        }
    }
    for n in new.iter().filter(|n| !old.iter().any(|o| o.name == n.name)) {
        if required(&n.ty) && n.default_value.is_none() {
            push(coordinate(&n.name), format!("new required {what}"));
        }
    }
}

fn required(ty: &Type) -> bool {
    ty.is_non_null()
}

/// The changes that CHANGELOG.md's "Unreleased" section does not name (by coordinate, in backticks).
pub fn undeclared(changes: Vec<Breaking>, changelog: &str) -> Vec<Breaking> {
    let unreleased: String = changelog
        .lines()
        .skip_while(|l| !l.trim_start().to_ascii_lowercase().starts_with("## unreleased"))
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
        .collect::<Vec<_>>()
        .join("\n");
    changes.into_iter().filter(|c| !unreleased.contains(&format!("`{}`", c.coordinate))).collect()
}

#[cfg(test)]
mod tests {
    use super::{breaking_changes, undeclared};

    const OLD: &str = r#"
        type Query { a(x: Int): Int b: String! c: [Int] gone: Int }
        input In { keep: Int req: Int! }
        enum E { ONE TWO }
        union U = Query
    "#;

    fn coordinates(new: &str) -> Vec<String> {
        breaking_changes(OLD, new).expect("valid").into_iter().map(|b| b.coordinate).collect()
    }

    #[test]
    fn additions_and_safe_changes_are_not_breaking() {
        let new = r#"
            "described" type Query { a(x: Int, y: Int, z: Int! = 1): Int! b: String! c: [Int!] gone: Int @deprecated(reason: "no") added: Int }
            input In { keep: Int req: Int added: Int }
            enum E { ONE TWO THREE }
            union U = Query
        "#;
        assert_eq!(coordinates(new), Vec::<String>::new());
    }

    #[test]
    fn removals_looser_outputs_stricter_inputs_and_new_required_arguments_are_breaking() {
        let new = r#"
            type Query { a(x: Int!, y: Int!): Int b: String c: [String] }
            input In { keep: Int! req: Int! more: String! }
            enum E { ONE }
        "#;
        assert_eq!(
            coordinates(new),
            ["Query.a(x:)", "Query.a(y:)", "Query.b", "Query.c", "Query.gone", "In.keep", "In.more", "E.TWO", "U",]
        );
        let changelog = "# Changelog\n\n## Unreleased\n\n### Breaking\n- `Query.gone` removed after its deprecation period\n\n## 0.1.0\n- `E.TWO`\n";
        let left: Vec<String> = undeclared(breaking_changes(OLD, new).expect("valid"), changelog)
            .into_iter()
            .map(|b| b.coordinate)
            .collect();
        assert!(!left.contains(&"Query.gone".to_owned()));
        assert!(left.contains(&"E.TWO".to_owned()), "only the Unreleased section declares");
    }
}
