//! Normalization by Postgres itself: a schema's SQL expressions (defaults, checks, predicates,
//! policies) are spelled the way Postgres prints them by creating the schema on a throwaway
//! database and reading it back. String rewriting would break on the next spelling; Postgres'
//! own deparser does not.

use schema_core::model::Schema;
use schema_core::render;

use crate::db;
use crate::error::Error;
use crate::inspect::{InspectOptions, inspect};
use crate::scratch::ScratchDb;

/// The schema as Postgres prints it, created on a throwaway database of `server_url`.
pub async fn normalize(server_url: &str, schema: &Schema) -> Result<Schema, Error> {
    let scratch = ScratchDb::create(server_url).await?;
    let result = async {
        let client = scratch.connect().await?;
        apply_schema(&client, schema).await?;
        Ok::<_, Error>(
            inspect(&client, &InspectOptions::declared([schema]))
                .await?
                .schema,
        )
    }
    .await;
    scratch.drop_now().await?;
    result
}

/// The schema as Postgres prints it, created on `client`'s database after emptying its `public`
/// schema and dropping its extensions: for many schemas in a row without a database each
/// (creating one is a checkpoint).
pub async fn normalize_on(client: &tokio_postgres::Client, schema: &Schema) -> Result<Schema, Error> {
    db::execute(
        client,
        "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public; GRANT USAGE ON SCHEMA public TO PUBLIC",
    )
    .await?;
    for namespace in schema.namespaces() {
        db::execute(
            client,
            &format!(
                "DROP SCHEMA IF EXISTS {} CASCADE",
                schema_core::ident::quote(&namespace)
            ),
        )
        .await?;
    }
    // Extensions are database-wide: one whose objects are in another schema outlives `public`.
    db::execute(
        client,
        "DO $$ DECLARE e record; BEGIN \
         FOR e IN SELECT extname FROM pg_catalog.pg_extension WHERE extname <> 'plpgsql' LOOP \
         EXECUTE format('DROP EXTENSION %I CASCADE', e.extname); END LOOP; END $$",
    )
    .await?;
    apply_schema(client, schema).await?;
    Ok(inspect(client, &InspectOptions::declared([schema])).await?.schema)
}

/// Create `schema` on an empty database, in one transaction.
pub async fn apply_schema(client: &tokio_postgres::Client, schema: &Schema) -> Result<(), Error> {
    let statements = render::schema(schema);
    if statements.is_empty() {
        return Ok(());
    }
    db::execute(client, "BEGIN").await?;
    // Function bodies may name tables created after them, as pg_dump knows.
    db::execute(client, "SET LOCAL check_function_bodies = false").await?;
    for statement in &statements {
        if let Err(error) = db::execute(client, statement).await {
            let _ = client.batch_execute("ROLLBACK").await;
            return Err(error);
        }
    }
    db::execute(client, "COMMIT").await
}
