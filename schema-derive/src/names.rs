//! Names: default table names, and the words that make a column money or a secret.
//!
//! A name is split into lowercase words on `_`, on a lower-to-upper case change (`grossAmount`),
//! before the last capital of an acronym (`APIKey` → `api`, `key`) and between letters and digits
//! (`amount2` → `amount`, `2`). Its *head* is its last word once trailing qualifier words and
//! numbers are dropped: the head of `amount_due` is `amount`, of `password_hash` is `password`, of
//! `price_changes` is `changes`. A name denotes money (or a secret) when its head is a money (or
//! secret) word: `unit_price`, `grossAmountCents`, `sessionToken`, but not `price_changes`,
//! `tax_number` or `token_kind`.

use heck::ToSnakeCase;

/// The default table name of a struct: its snake_case name, pluralized (`InvoiceLineItem` →
/// `invoice_line_items`, `Currency` → `currencies`).
pub fn table_name(struct_name: &str) -> String {
    let snake = struct_name.to_snake_case();
    pluralize(&snake)
}

fn pluralize(word: &str) -> String {
    let consonant_y = word
        .strip_suffix('y')
        .is_some_and(|stem| !stem.ends_with(['a', 'e', 'i', 'o', 'u']));
    if consonant_y {
        format!("{}ies", &word[..word.len() - 1])
    } else if word.ends_with(['s', 'x', 'z']) || word.ends_with("ch") || word.ends_with("sh") {
        format!("{word}es")
    } else {
        format!("{word}s")
    }
}

/// Words that name an amount of money (a plural in `s`/`es` counts too).
pub const MONEY_WORDS: &[&str] = &[
    "amount",
    "amt",
    "balance",
    "cents",
    "cost",
    "discount",
    "fee",
    "payment",
    "payout",
    "price",
    "refund",
    "revenue",
    "salary",
    "subtotal",
    "surcharge",
    "tax",
    "total",
];

/// Words after a money word that still leave it an amount: `amount_due`, `total_net`,
/// `price_usd`, `price_value`.
pub const MONEY_QUALIFIERS: &[&str] = &[
    "due", "paid", "owed", "refunded", "charged", "net", "gross", "value", "minor", "usd", "eur", "gbp",
];

/// Words that name a secret (a plural in `s`/`es` counts too).
pub const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "credential",
    "apikey",
];

/// Words before `key` that make it a secret: `api_key`, `secret_key`, `privateKey`.
pub const SECRET_KEY_PREFIXES: &[&str] = &["api", "secret", "private", "access", "signing", "encryption"];

/// Words after a secret word that still leave it a secret: `password_hash`, `token_digest`,
/// `password_confirmation`.
pub const SECRET_QUALIFIERS: &[&str] = &[
    "hash",
    "hashed",
    "digest",
    "plain",
    "plaintext",
    "raw",
    "encrypted",
    "enc",
    "value",
    "confirmation",
];

/// The lowercase words of a name: split on `_`, case changes and letter/digit boundaries.
pub fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            flush(&mut out, &mut current);
            continue;
        }
        if let Some(&previous) = i.checked_sub(1).and_then(|p| chars.get(p)) {
            let next = chars.get(i + 1).copied();
            let boundary = (previous.is_lowercase() && c.is_uppercase())
                || (previous.is_alphabetic() && c.is_numeric())
                || (previous.is_numeric() && c.is_alphabetic())
                // The last capital of an acronym starts the next word: `APIKey` → `API`, `Key`.
                || (previous.is_uppercase()
                    && c.is_uppercase()
                    && next.is_some_and(char::is_lowercase));
            if boundary {
                flush(&mut out, &mut current);
            }
        }
        current.extend(c.to_lowercase());
    }
    flush(&mut out, &mut current);
    out
}

fn flush(out: &mut Vec<String>, current: &mut String) {
    if !current.is_empty() {
        out.push(std::mem::take(current));
    }
}

fn is_word_or_plural(word: &str, stems: &[&str]) -> bool {
    stems.iter().any(|stem| {
        word == *stem || word.strip_suffix('s') == Some(stem) || word.strip_suffix("es") == Some(stem)
    })
}

/// The words up to and including the head (trailing qualifiers and numbers dropped).
fn up_to_head<'a>(words: &'a [String], qualifiers: &[&str]) -> &'a [String] {
    let mut end = words.len();
    while end > 1
        && (qualifiers.contains(&words[end - 1].as_str()) || words[end - 1].chars().all(char::is_numeric))
    {
        end -= 1;
    }
    &words[..end]
}

/// Whether a column or field name denotes an amount of money.
pub fn denotes_money(name: &str) -> bool {
    let words = words(name);
    up_to_head(&words, MONEY_QUALIFIERS)
        .last()
        .is_some_and(|head| is_word_or_plural(head, MONEY_WORDS))
}

/// Whether a name holds a money word anywhere (`price_changes`): where `not_money` is accepted.
pub fn mentions_money(name: &str) -> bool {
    words(name).iter().any(|w| is_word_or_plural(w, MONEY_WORDS))
}

/// Whether a column or field name denotes a secret (password, secret, token, API key).
pub fn denotes_secret(name: &str) -> bool {
    let words = words(name);
    let words = up_to_head(&words, SECRET_QUALIFIERS);
    match words {
        [.., before, head] if head == "key" || head == "keys" => {
            SECRET_KEY_PREFIXES.contains(&before.as_str())
        }
        [.., head] => is_word_or_plural(head, SECRET_WORDS),
        [] => false,
    }
}

/// Whether a name holds a secret word anywhere: where `not_secret` is accepted.
pub fn mentions_secret(name: &str) -> bool {
    let words = words(name);
    words.iter().any(|w| is_word_or_plural(w, SECRET_WORDS))
        || words
            .windows(2)
            .any(|pair| SECRET_KEY_PREFIXES.contains(&pair[0].as_str()) && pair[1] == "key")
}

/// Whether a name denotes a password, which needs `PasswordHash` (a `TokenHash` is not one).
pub fn denotes_password(name: &str) -> bool {
    let words = words(name);
    up_to_head(&words, SECRET_QUALIFIERS)
        .last()
        .is_some_and(|head| is_word_or_plural(head, &["password", "passwd", "passphrase"]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pluralizes_table_names() {
        assert_eq!(table_name("Invoice"), "invoices");
        assert_eq!(table_name("InvoiceLineItem"), "invoice_line_items");
        assert_eq!(table_name("Currency"), "currencies");
        assert_eq!(table_name("ApiKey"), "api_keys");
        assert_eq!(table_name("Address"), "addresses");
        assert_eq!(table_name("Day"), "days");
    }

    #[test]
    fn splits_words() {
        assert_eq!(words("grossAmountCents"), ["gross", "amount", "cents"]);
        assert_eq!(words("APIKey"), ["api", "key"]);
        assert_eq!(words("amount2"), ["amount", "2"]);
        assert_eq!(words("__0_total"), ["0", "total"]);
        assert_eq!(words("Prix_Été"), ["prix", "été"]);
        assert!(words("").is_empty());
        assert!(words("___").is_empty());
    }

    #[test]
    fn money_names() {
        for name in [
            "amount",
            "total_cents",
            "unit_price",
            "tax",
            "fees",
            "balance",
            "cents",
            "salary",
            "grossAmountCents",
            "amount_due",
            "TOTAL",
            "price2",
            "total_net_usd",
        ] {
            assert!(denotes_money(name), "{name}");
        }
        for name in [
            "taxonomy",
            "status",
            "quantity",
            "priceless_flag_x",
            "feedback",
            "price_changes",
            "tax_number",
            "cost_center_id",
            "fee_waived_at",
            "tax_rate_basis_points",
            "discount_percent",
            "total_seats",
            "",
            "_0",
        ] {
            assert!(!denotes_money(name), "{name}");
        }
        assert!(mentions_money("price_changes"));
        assert!(!mentions_money("quantity"));
    }

    #[test]
    fn secret_names() {
        for name in [
            "password",
            "password_hash",
            "api_key",
            "secret",
            "refresh_token",
            "apikey",
            "sessionToken",
            "APIKey",
            "password_confirmation",
            "private_key",
        ] {
            assert!(denotes_secret(name), "{name}");
        }
        for name in [
            "email",
            "tokenizer",
            "token_kind",
            "secret_rotated_at",
            "token_count",
            "primary_key_name",
            "access_key_id",
            "",
        ] {
            assert!(!denotes_secret(name), "{name}");
        }
        assert!(denotes_password("password_hash"));
        assert!(!denotes_password("api_token_hash"));
        assert!(mentions_secret("token_kind"));
    }
}
