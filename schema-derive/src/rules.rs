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
                "money rule: column {column} is rendered as `{sql}`, Postgres' locale-dependent currency type: store integer cents with `Money` (`bigint`) and remove `sql_type`"
            ),
        );
    } else if field.is_money() && class.is_number() && class != Class::BigInt {
        push(
            Rule::Money,
            format!(
                "money rule: column {column} denotes money but `sql_type` renders it as `{sql}`: money is integer cents (`Money`, `bigint`): remove `sql_type`, or say why it is not money with `not_money = \"...\"`"
            ),
        );
    } else if class == Class::Float && field.attrs.float.is_none() {
        push(
            Rule::Float,
            format!(
                "float rule: column {column} is rendered as `{sql}` (approximate values) without a stated reason: add `float = \"why approximate values are fine here\"`, or remove `sql_type`"
            ),
        );
    }
    if class == Class::Json && field.is_secret() {
        push(
            Rule::Secret,
            format!(
                "secrets rule: column {column} denotes a secret but is rendered as `{sql}`: store only a hash (`TokenHash` or `PasswordHash`) and remove `sql_type`"
            ),
        );
    } else if class == Class::Json && field.attrs.json.is_none() {
        push(
            Rule::Json,
            format!(
                "JSON rule: column {column} is rendered as `{sql}` without a stated reason: add `json = \"why the data cannot be columns\"`, or remove `sql_type`"
            ),
        );
    }
    if class == Class::Bytes && field.is_password() {
        push(
            Rule::Secret,
            format!(
                "secrets rule: password column {column} is rendered as `{sql}`: a password is stored as a `PasswordHash` (a text PHC string): remove `sql_type`"
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

/// One type rule checked on a field's kind: the local trait the expansion declares for it, the
/// answers of `kind::Facts` that satisfy it, and its message.
pub struct KindRule {
    pub name: &'static str,
    /// `(associated type of Facts, "Yes" | "No")` pairs.
    pub facts: &'static [(&'static str, &'static str)],
    message: &'static str,
    pub label: &'static str,
    pub note: &'static str,
}

impl KindRule {
    /// The message, naming the column and the type as written.
    pub fn message(&self, column: &str, ty: &str) -> String {
        self.message.replace("{column}", column).replace("{ty}", ty)
    }
}

/// The rules of `Plan::flags`, in the same order.
pub const KIND_RULES: [KindRule; 9] = [
    KindRule {
        name: "MoneyRule",
        facts: &[("MoneyOk", "Yes")],
        message: "money rule: column {column} denotes money and must use `Money` (integer cents), not `{ty}`",
        label: "this field's name denotes money",
        note: "change the type to `schema_core::Money` (or `Option<Money>`): floats and decimals round; if it is not an amount of money, say why with `#[column(not_money = \"...\")]`",
    },
    KindRule {
        name: "FloatRule",
        facts: &[("Float", "No")],
        message: "float rule: column {column} is a float (`{ty}`) and needs a stated reason: floating-point values are approximate",
        label: "this field is stored as a float",
        note: "use an integer, `Money` or a decimal type, or justify the float: `#[column(float = \"why approximate values are fine here\")]`",
    },
    KindRule {
        name: "IsFloatRule",
        facts: &[("Float", "Yes")],
        message: "`float` reason given on column {column}, which is not a float (`{ty}`)",
        label: "this field is not `f32`/`f64` and is not rendered as a float",
        note: "remove `float = \"...\"`",
    },
    KindRule {
        name: "JsonRule",
        facts: &[("Json", "No")],
        message: "JSON rule: column {column} is JSON (`{ty}`) and needs a stated reason: prefer typed columns",
        label: "this field is stored as jsonb",
        note: "state why the data cannot be columns: `#[column(json = \"gateway payload shape varies by provider\")]`",
    },
    KindRule {
        name: "IsJsonRule",
        facts: &[("Json", "Yes")],
        message: "`json` reason given on column {column}, which is not JSON (`{ty}`)",
        label: "this field is not `Json<T>` and is not rendered as json/jsonb",
        note: "remove `json = \"...\"`, or change the type to `schema_core::Json<T>`",
    },
    KindRule {
        name: "SecretRule",
        facts: &[("Revealing", "No")],
        message: "secrets rule: column {column} denotes a secret and must store a hash (`TokenHash` or `PasswordHash`), not `{ty}`",
        label: "this field's name denotes a secret",
        note: "use `schema_core::TokenHash` for API keys and tokens (SHA-256) or `schema_core::PasswordHash` for passwords; if it is not a secret, say why with `#[column(not_secret = \"...\")]`",
    },
    KindRule {
        name: "PasswordRule",
        facts: &[("Revealing", "No"), ("Token", "No")],
        message: "secrets rule: column {column} denotes a password and must store a `PasswordHash`, not `{ty}`",
        label: "this field's name denotes a password",
        note: "use `schema_core::PasswordHash` (an argon2/bcrypt PHC string): a `TokenHash` is a fast SHA-256, unfit for passwords",
    },
    KindRule {
        name: "SecretAsTextRule",
        facts: &[("Password", "Yes")],
        message: "secrets rule: column {column} is a secret rendered as text and must hold a `PasswordHash`, not `{ty}`",
        label: "`sql_type` renders this secret as text",
        note: "for API keys and tokens use `schema_core::TokenHash` (bytea) and remove `sql_type`",
    },
    KindRule {
        name: "SecretAsBytesRule",
        facts: &[("Token", "Yes")],
        message: "secrets rule: column {column} is a secret rendered as bytea and must hold a `TokenHash`, not `{ty}`",
        label: "`sql_type` renders this secret as bytea",
        note: "use `schema_core::TokenHash`, or remove `sql_type`",
    },
];
