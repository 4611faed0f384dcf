//! `///` doc comments as the text of a `COMMENT ON`.
//!
//! The joining rule: each line loses its surrounding whitespace (the space after `///`, a block
//! comment's indentation and leading `*`); consecutive non-empty lines are one paragraph, joined
//! with one space (Rust wraps its comments for width, the database should not keep the wrapping);
//! paragraphs, separated by blank lines, are joined with one blank line (`\n\n`). Blank lines
//! at either end are dropped; a comment with no text is no comment.

use syn::{Attribute, Expr, ExprLit, Lit, Meta};

/// The doc comment of an item or field, joined, or `None` when it has none (or only blanks).
pub fn doc_comment(attrs: &[Attribute]) -> Option<String> {
    let mut lines = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("doc")) {
        // `#[doc = include_str!(...)]` and the like are not literal text: they are left out.
        if let Meta::NameValue(nv) = &attr.meta
            && let Expr::Lit(ExprLit {
                lit: Lit::Str(text), ..
            }) = &nv.value
        {
            lines.extend(text.value().split('\n').map(str::to_owned));
        }
    }
    join(lines.iter().map(String::as_str))
}

/// The joining rule on the lines of a doc comment.
pub fn join<'a>(lines: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in lines {
        let line = line.trim();
        let line = match line.strip_prefix('*') {
            // A block comment's ` * text` gutter; a line that is only `**` or `*bold*` stays.
            Some(rest) if rest.is_empty() || rest.starts_with(' ') => rest.trim_start(),
            _ => line,
        };
        if line.is_empty() {
            if !current.is_empty() {
                paragraphs.push(current.join(" "));
                current.clear();
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        paragraphs.push(current.join(" "));
    }
    (!paragraphs.is_empty()).then(|| paragraphs.join("\n\n"))
}

#[cfg(test)]
mod tests {
    use quote::quote;
    use syn::DeriveInput;

    use super::{doc_comment, join};

    fn doc_of(tokens: proc_macro2::TokenStream) -> Option<String> {
        let input: DeriveInput = syn::parse2(tokens).unwrap();
        doc_comment(&input.attrs)
    }

    #[test]
    fn wrapped_lines_are_one_paragraph_and_blank_lines_separate_paragraphs() {
        let doc = doc_of(quote! {
            /// Metered usage behind usage-based prices.
            ///   The pipeline writes it in batches.
            ///
            ///
            /// A second paragraph.
            struct UsageEvent;
        });
        assert_eq!(
            doc.as_deref(),
            Some(
                "Metered usage behind usage-based prices. The pipeline writes it in batches.\n\nA second paragraph."
            )
        );
    }

    #[test]
    fn blank_and_missing_doc_comments_are_no_comment() {
        assert_eq!(doc_of(quote! { struct A; }), None);
        assert_eq!(doc_of(quote! { #[doc = " "] struct A; }), None);
        assert_eq!(doc_of(quote! { #[doc = ""] #[doc = "   "] struct A; }), None);
        // Not a literal: left out, not an error.
        assert_eq!(doc_of(quote! { #[doc = include_str!("x.md")] struct A; }), None);
    }

    #[test]
    fn block_comments_lose_their_gutter() {
        let doc = doc_of(quote! {
            #[doc = "\n     * First line,\n     * same paragraph.\n     *\n     * **Bold** stays.\n"]
            struct A;
        });
        assert_eq!(
            doc.as_deref(),
            Some("First line, same paragraph.\n\n**Bold** stays.")
        );
    }

    #[test]
    fn quotes_and_backslashes_are_kept_as_written() {
        assert_eq!(
            join([" It's `a 'quoted'` \\ value; DROP TABLE x; --"]).as_deref(),
            Some("It's `a 'quoted'` \\ value; DROP TABLE x; --")
        );
    }
}
