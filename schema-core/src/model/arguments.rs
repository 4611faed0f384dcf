//! A function's argument list as Postgres prints it (`pg_get_function_arguments`): each argument
//! is `[mode ][name ]type[ DEFAULT expr]`, separated by `, `. The model keeps the list without
//! the defaults ([`Function::arguments`], Postgres' identity arguments) and the defaults beside
//! it ([`Function::argument_defaults`]); these read the pieces back.

use super::Function;

/// How an argument passes: `IN` (printed without a mode), `OUT`, `INOUT` or `VARIADIC`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgumentMode {
    In,
    Out,
    InOut,
    Variadic,
}

impl ArgumentMode {
    /// Whether a call passes it (Postgres identifies a function by the types of these).
    pub fn is_input(self) -> bool {
        self != ArgumentMode::Out
    }
}

/// One argument of a list as Postgres prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argument<'a> {
    pub mode: ArgumentMode,
    /// As printed (quoted where it needs it); `None` for an unnamed argument.
    pub name: Option<&'a str>,
    /// The type as `format_type` prints it, e.g. `timestamp with time zone[]`.
    pub ty: &'a str,
    pub default: Option<&'a str>,
}

/// The type names Postgres prints in more than one word. An argument named like their first
/// word is printed quoted (`bit`, `character`, `time` and `timestamp` are keywords) or is
/// followed by a type (`double double precision`), so a list starting with one of these is an
/// unnamed argument.
const MULTI_WORD_TYPES: [&str; 7] = [
    "bit varying",
    "character varying",
    "double precision",
    "time with time zone",
    "time without time zone",
    "timestamp with time zone",
    "timestamp without time zone",
];

/// The top-level pieces of a comma-separated list: commas inside parentheses, quoted
/// identifiers and string literals do not separate. Each piece is trimmed; an empty list has
/// none.
pub fn split_arguments(list: &str) -> Vec<&str> {
    if list.trim().is_empty() {
        return Vec::new();
    }
    let mut pieces = Vec::new();
    let (mut depth, mut quote, mut start) = (0usize, None::<char>, 0usize);
    for (i, c) in list.char_indices() {
        match (quote, c) {
            // A doubled quote inside closes and reopens: the state comes out the same.
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth = depth.saturating_sub(1),
            (None, ',') if depth == 0 => {
                pieces.push(list[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    pieces.push(list[start..].trim());
    pieces
}

/// Where ` DEFAULT ` starts in `piece`, outside quotes (a name or type spelled `DEFAULT` is
/// quoted: the keyword is reserved).
fn default_at(piece: &str) -> Option<usize> {
    let mut quote = None::<char>;
    for (i, c) in piece.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, ' ') if piece[i..].starts_with(" DEFAULT ") => return Some(i),
            _ => {}
        }
    }
    None
}

impl<'a> Argument<'a> {
    /// One piece of [`split_arguments`].
    pub fn parse(piece: &'a str) -> Argument<'a> {
        let (mode, rest) = [
            ("OUT ", ArgumentMode::Out),
            ("INOUT ", ArgumentMode::InOut),
            ("VARIADIC ", ArgumentMode::Variadic),
            ("IN ", ArgumentMode::In),
        ]
        .into_iter()
        .find_map(|(prefix, mode)| piece.strip_prefix(prefix).map(|rest| (mode, rest)))
        .unwrap_or((ArgumentMode::In, piece));
        let (declared, default) = match default_at(rest) {
            Some(at) => (&rest[..at], Some(&rest[at + " DEFAULT ".len()..])),
            None => (rest, None),
        };
        let (name, ty) = split_name(declared);
        Argument {
            mode,
            name,
            ty,
            default,
        }
    }
}

/// `name type` into its name and type; a type alone has no name.
fn split_name(declared: &str) -> (Option<&str>, &str) {
    if MULTI_WORD_TYPES.iter().any(|t| {
        declared
            .strip_prefix(t)
            .is_some_and(|after| after.is_empty() || after.starts_with('['))
    }) {
        return (None, declared);
    }
    // The first token: a quoted identifier (a doubled quote inside it) or a bare word.
    let end = if declared.starts_with('"') {
        let mut quoted = false;
        let mut end = declared.len();
        for (i, c) in declared.char_indices() {
            if c == '"' {
                quoted = !quoted;
                if !quoted && !declared[i + 1..].starts_with('"') {
                    end = i + 1;
                    break;
                }
            }
        }
        end
    } else {
        declared.find([' ', '.', '[', '(']).unwrap_or(declared.len())
    };
    match declared[end..].strip_prefix(' ') {
        Some(ty) => (Some(&declared[..end]), ty),
        None => (None, declared),
    }
}

impl Function {
    /// The argument list with the defaults, as Postgres prints it (`pg_get_function_arguments`)
    /// and as `CREATE FUNCTION` takes it: `a integer, b text DEFAULT 'x'::text`.
    pub fn arguments_with_defaults(&self) -> String {
        if self.argument_defaults.is_empty() {
            return self.arguments.clone();
        }
        let pieces = split_arguments(&self.arguments);
        let inputs = pieces
            .iter()
            .filter(|p| Argument::parse(p).mode.is_input())
            .count();
        let first_default = inputs.saturating_sub(self.argument_defaults.len());
        let mut defaults = self.argument_defaults.iter();
        let mut input = 0;
        let mut out = Vec::with_capacity(pieces.len());
        for piece in pieces {
            if !Argument::parse(piece).mode.is_input() {
                out.push(piece.to_owned());
                continue;
            }
            let default = (input >= first_default).then(|| defaults.next()).flatten();
            input += 1;
            out.push(match default {
                Some(default) => format!("{piece} DEFAULT {default}"),
                None => piece.to_owned(),
            });
        }
        out.join(", ")
    }

    /// The types of the input arguments: with the name (and namespace), what Postgres identifies
    /// the function by. Two functions that differ only in argument names or OUT arguments are
    /// one function to Postgres, which `CREATE OR REPLACE` cannot turn into the other.
    pub fn input_types(&self) -> Vec<&str> {
        split_arguments(&self.arguments)
            .into_iter()
            .map(Argument::parse)
            .filter(|a| a.mode.is_input())
            .map(|a| a.ty)
            .collect()
    }

    /// Whether `CREATE OR REPLACE` turns this function into `new`: Postgres refuses to change the
    /// result type (an OUT argument's too), an input argument's name, or to remove a default.
    pub fn replaceable_by(&self, new: &Function) -> bool {
        self.name == new.name
            && self.arguments == new.arguments
            && self.returns == new.returns
            && new.argument_defaults.len() >= self.argument_defaults.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function(arguments: &str, defaults: &[&str]) -> Function {
        Function {
            argument_defaults: defaults.iter().map(|d| (*d).to_owned()).collect(),
            ..Function::new(
                "f",
                arguments,
                "integer",
                "sql",
                super::super::Volatility::Immutable,
                "SELECT 1",
            )
        }
    }

    #[test]
    fn splits_outside_quotes_and_parentheses() {
        assert_eq!(
            split_arguments(r#"a text DEFAULT 'x, '' "y'::text, "b, c" numeric DEFAULT round(1.5, 0)"#),
            vec![
                r#"a text DEFAULT 'x, '' "y'::text"#,
                r#""b, c" numeric DEFAULT round(1.5, 0)"#
            ]
        );
        assert!(split_arguments("").is_empty());
    }

    #[test]
    fn parses_modes_names_types_and_defaults() {
        let parsed: Vec<Argument> = split_arguments(
            r#"integer, "my ""arg""" app."Kind"[], OUT d double precision, INOUT timestamp with time zone DEFAULT now(), VARIADIC v integer[] DEFAULT '{}'::integer[]"#,
        )
        .into_iter()
        .map(Argument::parse)
        .collect();
        let simple: Vec<(ArgumentMode, Option<&str>, &str, Option<&str>)> =
            parsed.iter().map(|a| (a.mode, a.name, a.ty, a.default)).collect();
        assert_eq!(
            simple,
            vec![
                (ArgumentMode::In, None, "integer", None),
                (ArgumentMode::In, Some(r#""my ""arg""""#), r#"app."Kind"[]"#, None),
                (ArgumentMode::Out, Some("d"), "double precision", None),
                (
                    ArgumentMode::InOut,
                    None,
                    "timestamp with time zone",
                    Some("now()")
                ),
                (
                    ArgumentMode::Variadic,
                    Some("v"),
                    "integer[]",
                    Some("'{}'::integer[]")
                ),
            ]
        );
    }

    #[test]
    fn defaults_go_on_the_last_inputs_past_out_arguments() {
        let f = function(
            "a integer, b text, OUT c integer, INOUT d integer",
            &["'x'::text", "3"],
        );
        assert_eq!(
            f.arguments_with_defaults(),
            "a integer, b text DEFAULT 'x'::text, OUT c integer, INOUT d integer DEFAULT 3"
        );
        assert_eq!(f.input_types(), vec!["integer", "text", "integer"]);
        assert_eq!(function("a integer", &[]).arguments_with_defaults(), "a integer");
    }

    /// A snapshot written before defaults were modelled loads, and a function without defaults
    /// serializes as it did.
    #[test]
    fn a_function_without_defaults_serializes_as_before() {
        let plain = function("a integer", &[]);
        let json = serde_json::to_value(&plain).unwrap();
        assert!(json.get("argument_defaults").is_none(), "{json}");
        assert_eq!(serde_json::from_value::<Function>(json).unwrap(), plain);
        let with = function("a integer", &["1"]);
        let json = serde_json::to_value(&with).unwrap();
        assert_eq!(json["argument_defaults"], serde_json::json!(["1"]));
        assert_eq!(serde_json::from_value::<Function>(json).unwrap(), with);
    }

    #[test]
    fn a_removed_default_or_renamed_input_is_not_replaceable() {
        let with = function("a integer", &["1"]);
        let without = function("a integer", &[]);
        assert!(without.replaceable_by(&with));
        assert!(!with.replaceable_by(&without));
        assert!(with.replaceable_by(&function("a integer", &["2"])));
        assert!(!without.replaceable_by(&function("b integer", &[])));
        assert_eq!(
            without.input_types(),
            function("b integer, OUT c text", &[]).input_types()
        );
    }
}
