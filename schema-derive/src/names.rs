//! Names: default table names and the words that make a field money or a secret.

use heck::ToSnakeCase;

/// The default table name of a struct: its snake_case name, pluralized (`InvoiceLineItem` →
/// `invoice_line_items`, `Currency` → `currencies`).
pub fn table_name(struct_name: &str) -> String {
    let snake = struct_name.to_snake_case();
    pluralize(&snake)
}

fn pluralize(word: &str) -> String {
    let consonant_y = word.ends_with('y') && !word[..word.len() - 1].ends_with(['a', 'e', 'i', 'o', 'u']);
    if consonant_y {
        format!("{}ies", &word[..word.len() - 1])
    } else if word.ends_with(['s', 'x', 'z']) || word.ends_with("ch") || word.ends_with("sh") {
        format!("{word}es")
    } else {
        format!("{word}s")
    }
}

const MONEY_WORDS: &[&str] = &[
    "amount", "price", "cost", "total", "subtotal", "tax", "fee", "balance", "discount", "salary", "revenue",
];

const SECRET_WORDS: &[&str] = &["password", "secret", "token"];

fn words(column: &str) -> impl Iterator<Item = &str> {
    column.split('_').filter(|w| !w.is_empty())
}

fn is_word_or_plural(word: &str, stems: &[&str]) -> bool {
    let lower = word.to_ascii_lowercase();
    stems.iter().any(|stem| {
        lower == *stem || lower.strip_suffix('s') == Some(stem) || lower.strip_suffix("es") == Some(stem)
    })
}

/// Whether a column name denotes an amount of money.
pub fn denotes_money(column: &str) -> bool {
    column.to_ascii_lowercase().ends_with("_cents")
        || column.eq_ignore_ascii_case("cents")
        || words(column).any(|w| is_word_or_plural(w, MONEY_WORDS))
}

/// Whether a column name denotes a secret (password, secret, token, API key).
pub fn denotes_secret(column: &str) -> bool {
    let lower = column.to_ascii_lowercase();
    let words: Vec<&str> = words(&lower).collect();
    words.iter().any(|w| is_word_or_plural(w, SECRET_WORDS))
        || words.windows(2).any(|pair| pair[0] == "api" && pair[1] == "key")
        || lower.contains("apikey")
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
        ] {
            assert!(denotes_money(name), "{name}");
        }
        for name in ["taxonomy", "status", "quantity", "priceless_flag_x", "feedback"] {
            assert!(!denotes_money(name), "{name}");
        }
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
        ] {
            assert!(denotes_secret(name), "{name}");
        }
        assert!(!denotes_secret("email"));
        assert!(!denotes_secret("tokenizer"));
    }
}
