//! The SQL of domain changes. A check or NOT NULL added to a domain checks every column of its
//! type: online, a check is added `NOT VALID` (a catalog change) and validated on its own.

use schema_core::model::Domain;
use schema_core::render;

use super::super::{Context, Statement};
use super::Alone;

pub(in crate::plan) fn create(domain: &Domain, cx: &Context) -> Vec<Statement> {
    std::iter::once(render::create_domain(domain))
        .chain(render::add_not_valid_domain_checks(domain))
        .map(|sql| cx.ddl(sql))
        .collect()
}

pub(in crate::plan) fn drop(domain: &Domain, cx: &Context) -> Vec<Statement> {
    vec![cx.ddl(render::drop_domain(&domain.name))]
}

/// Dropped and created again in one transaction (planned only while no column uses it).
pub(in crate::plan) fn replace(to: &Domain, cx: &Context) -> Vec<Statement> {
    let mut statements = vec![cx.ddl(render::drop_domain(&to.name))];
    statements.extend(create(to, cx));
    statements
}

pub(in crate::plan) fn alter(from: &Domain, to: &Domain, cx: &Context) -> Vec<Statement> {
    let name = &to.name;
    let mut statements = Vec::new();
    let mut validations = Vec::new();
    let same_expression = |a: &schema_core::model::CheckConstraint,
                           b: &schema_core::model::CheckConstraint| {
        a.name == b.name && a.expression == b.expression
    };
    // Checks that go, or that become NOT VALID again (dropped and added back unvalidated).
    for old in &from.checks {
        match to.checks.iter().find(|new| same_expression(old, new)) {
            None => statements.push(cx.ddl(render::drop_domain_check(name, &old.name))),
            Some(new) if new.not_valid && !old.not_valid => {
                statements.push(cx.ddl(render::drop_domain_check(name, &old.name)));
                statements.push(cx.ddl(render::add_domain_check(name, new, true)));
            }
            Some(new) if !new.not_valid && old.not_valid => {
                validations.push(cx.alone(Alone::Validate, render::validate_domain_check(name, &new.name)));
            }
            Some(_) => {}
        }
    }
    if from.not_null && !to.not_null {
        statements.push(cx.ddl(render::set_domain_not_null(name, false)));
    }
    if from.default != to.default {
        statements.push(cx.ddl(render::set_domain_default(name, to.default.as_deref())));
    }
    for new in &to.checks {
        if from.checks.iter().any(|old| same_expression(old, new)) {
            continue;
        }
        if new.not_valid {
            statements.push(cx.ddl(render::add_domain_check(name, new, true)));
        } else if cx.online {
            statements.push(cx.ddl(render::add_domain_check(name, new, true)));
            validations.push(cx.alone(Alone::Validate, render::validate_domain_check(name, &new.name)));
        } else {
            statements.push(cx.ddl(render::add_domain_check(name, new, false)));
        }
    }
    if to.not_null && !from.not_null {
        statements.push(cx.rewrite(render::set_domain_not_null(name, true)));
    }
    statements.extend(validations);
    statements
}
