//! Which type rules apply to a field, judged on the column as it is rendered.
//!
//! A rule is judged twice: on the rendered type when `sql_type` overrides it (here, at expansion
//! time: the type is parsed), and on the field's Rust type (by the compiler, through the trait
//! bounds of `schema_core::__private::rules::column`). A mistake found on the rendered type is
//! not judged again on the Rust type, so it gives one error.

use crate::ast::Field;
use crate::sql::Class;

/// A rule broken by the rendered type: the message, spanned at `sql_type`.
pub struct Rendered {
    pub message: String,
    rule: Rule,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Rule {
    Money,
    Float,
    Json,
    Secret,
}

/// The rules the rendered type breaks.
pub fn rendered(field: &Field) -> Vec<Rendered> {
    let Some(ty) = &field.rendered else {
        return Vec::new();
    };
    let class = ty.class();
    let column = &field.column;
    let sql = field
        .attrs
        .sql_type
        .as_ref()
        .map(|lit| lit.value())
        .unwrap_or_default();
    let mut out = Vec::new();
    let mut push = |rule, message: String| out.push(Rendered { message, rule });
    if class == Class::PgMoney {
        push(
            Rule::Money,
            format!(
                "money rule: column `{column}` is rendered as `{sql}`, Postgres' locale-dependent currency type: store integer cents with `Money` (`bigint`) and remove `sql_type`"
            ),
        );
    } else if field.is_money() && class.is_number() && class != Class::BigInt {
        push(
            Rule::Money,
            format!(
                "money rule: column `{column}` denotes money but `sql_type` renders it as `{sql}`: money is integer cents (`Money`, `bigint`): remove `sql_type`, or say why it is not money with `not_money = \"...\"`"
            ),
        );
    } else if class == Class::Float && field.attrs.float.is_none() {
        push(
            Rule::Float,
            format!(
                "float rule: column `{column}` is rendered as `{sql}` (approximate values) without a stated reason: add `float = \"why approximate values are fine here\"`, or remove `sql_type`"
            ),
        );
    }
    if class == Class::Json && field.is_secret() {
        push(
            Rule::Secret,
            format!(
                "secrets rule: column `{column}` denotes a secret but is rendered as `{sql}`: store only a hash (`TokenHash` or `PasswordHash`) and remove `sql_type`"
            ),
        );
    } else if class == Class::Json && field.attrs.json.is_none() {
        push(
            Rule::Json,
            format!(
                "JSON rule: column `{column}` is rendered as `{sql}` without a stated reason: add `json = \"why the data cannot be columns\"`, or remove `sql_type`"
            ),
        );
    }
    if class == Class::Bytes && field.is_password() {
        push(
            Rule::Secret,
            format!(
                "secrets rule: password column `{column}` is rendered as `{sql}`: a password is stored as a `PasswordHash` (a text PHC string): remove `sql_type`"
            ),
        );
    }
    out
}

/// The type rules the compiler checks on the field's Rust type, one flag per parameter of
/// `rules::column`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub money: bool,
    pub not_float: bool,
    pub is_float: bool,
    pub not_json: bool,
    pub is_json: bool,
    pub secret: bool,
    pub password: bool,
    pub secret_as_text: bool,
    pub secret_as_bytes: bool,
}

impl Plan {
    pub fn flags(&self) -> [bool; 9] {
        [
            self.money,
            self.not_float,
            self.is_float,
            self.not_json,
            self.is_json,
            self.secret,
            self.password,
            self.secret_as_text,
            self.secret_as_bytes,
        ]
    }
}

pub fn plan(field: &Field) -> Plan {
    let broken = rendered(field);
    let broke = |rule| broken.iter().any(|b| b.rule == rule);
    let class = field.rendered.as_ref().map(|ty| ty.class());
    let attrs = &field.attrs;
    let money = field.is_money() && !broke(Rule::Money);
    let rendered_float = class == Some(Class::Float);
    let rendered_json = class == Some(Class::Json);
    let secret = field.is_secret() && !broke(Rule::Secret);
    Plan {
        money,
        // The money rule already rejects a float: one mistake, one error.
        not_float: attrs.float.is_none() && !field.is_money() && !broke(Rule::Float),
        is_float: attrs.float.is_some() && !rendered_float,
        not_json: attrs.json.is_none() && !broke(Rule::Json) && !broke(Rule::Secret),
        is_json: attrs.json.is_some() && !rendered_json,
        secret: secret && !field.is_password() && !matches!(class, Some(Class::Text | Class::Bytes)),
        password: secret && field.is_password() && class != Some(Class::Text),
        secret_as_text: secret && class == Some(Class::Text),
        secret_as_bytes: secret && class == Some(Class::Bytes),
    }
}
