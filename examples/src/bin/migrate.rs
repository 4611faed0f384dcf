//! `cargo run --bin migrate -- <command>`: the app's schema, handed to the migration tool.

fn main() -> std::process::ExitCode {
    schema_migrate::cli::run(billing_example::schema, env!("CARGO_MANIFEST_DIR"))
}
