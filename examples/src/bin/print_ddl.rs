fn main() {
    match billing_example::schema() {
        Ok(s) => print!("{}", schema_core::render::schema_sql(&s.schema)),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1)
        }
    }
}
