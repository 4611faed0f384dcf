//! Run work as one tenant: a transaction in which row-level security shows only one
//! organization's rows.
//!
//! [`TenantScope::run`] (tokio-postgres, feature `tokio-postgres`, on by default) and
//! [`TenantScope::run_sqlx`] (feature `sqlx`) begin a transaction, set the tenant (and the acting
//! user recorded in audit rows) with `set_config(..., true)` — the bound-parameter form of
//! `SET LOCAL` — run the closure, and commit; when the closure fails the transaction is rolled
//! back. The settings end with the transaction, and whatever the work set itself (a session-level
//! `SET app.current_organization_id = ...` or `set_config(..., false)`, which would survive the
//! COMMIT) is cleared before it commits, so a pooled connection never carries one tenant's setting
//! into the next piece of work. A connection that already carries a session-level tenant setting
//! when a scope opens is refused ([`Error::SessionTenantSetting`]) and cleared: something ran
//! tenant work outside a scope on it.
//!
//! ```ignore
//! let invoices = with_tenant(&mut client, organization, async |tx| {
//!     Ok(tx.query("SELECT id FROM invoices", &[]).await?)
//! })
//! .await?;
//! ```
//!
//! Row-level security does not apply to superusers nor to roles with `BYPASSRLS`: a tenant scope
//! opened by such a role would silently see every tenant, so it fails with
//! [`Error::BypassesRowLevelSecurity`] before running the closure.

use std::borrow::Cow;

use crate::assemble::{DEFAULT_TENANT_SETTING, DeclaredSchema};
use crate::triggers::DEFAULT_ACTOR_SETTING;
use crate::types::OrganizationId;

#[cfg_attr(not(any(feature = "tokio-postgres", feature = "sqlx")), allow(dead_code))]
/// The tenant setting as the session carries it, before the scope sets its own.
const CARRIED: &str = "SELECT NULLIF(current_setting($1, true), '')";

#[cfg_attr(not(any(feature = "tokio-postgres", feature = "sqlx")), allow(dead_code))]
/// Clears both settings at the session level, in the scope's transaction: an empty setting reads
/// as absent, so after the commit the connection carries no tenant, whatever the work set.
const CLOSE_SCOPE: &str = "SELECT set_config($1, '', false), set_config($2, '', false)";

#[cfg_attr(not(any(feature = "tokio-postgres", feature = "sqlx")), allow(dead_code))]
/// Sets both settings for the transaction and reports whether the current role escapes
/// row-level security, in one round trip.
const OPEN_SCOPE: &str = "SELECT set_config($1, $2, true), set_config($3, $4, true), \
     (r.rolsuper OR r.rolbypassrls) AS bypasses \
     FROM pg_catalog.pg_roles r WHERE r.rolname = current_user";

/// Why tenant-scoped work could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The connection's role is a superuser or has `BYPASSRLS`, so row-level security would not
    /// confine it to the tenant.
    #[error(
        "role `{role}` bypasses row-level security (superuser or BYPASSRLS), so it would see every tenant: connect as the application role"
    )]
    BypassesRowLevelSecurity { role: String },
    /// The connection carried a session-level tenant setting (`SET`, or `set_config(..., false)`)
    /// when the scope opened; it has been cleared.
    #[error(
        "the connection carried a session-level `{setting}` = `{value}` (set with SET or set_config(..., false)), which outlives transactions and would leak into the next tenant's work: it was cleared; set the tenant only through TenantScope"
    )]
    SessionTenantSetting { setting: String, value: String },
    #[cfg(feature = "tokio-postgres")]
    #[error(transparent)]
    Postgres(#[from] tokio_postgres::Error),
    #[cfg(feature = "sqlx")]
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    /// A row did not fit its `#[derive(Table)]` struct (the message names the column).
    #[error(transparent)]
    Row(#[from] crate::rows::RowError),
}

/// One tenant, and optionally the acting user, to run work as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantScope {
    organization: OrganizationId,
    actor: Option<String>,
    tenant_setting: Cow<'static, str>,
    actor_setting: Cow<'static, str>,
}

impl TenantScope {
    /// Work as `organization`, with the default settings (`app.current_organization_id`,
    /// `app.current_user_id`).
    pub fn new(organization: OrganizationId) -> Self {
        TenantScope {
            organization,
            actor: None,
            tenant_setting: Cow::Borrowed(DEFAULT_TENANT_SETTING),
            actor_setting: Cow::Borrowed(DEFAULT_ACTOR_SETTING),
        }
    }

    /// Work as `organization` with the settings `schema` was built with.
    pub fn for_schema(schema: &DeclaredSchema, organization: OrganizationId) -> Self {
        TenantScope {
            tenant_setting: Cow::Owned(schema.tenant_setting.clone()),
            actor_setting: Cow::Owned(schema.actor_setting.clone()),
            ..TenantScope::new(organization)
        }
    }

    /// Record `actor` (a user id, an API key id...) as the acting user in audit rows.
    pub fn acting_as(mut self, actor: impl Into<String>) -> Self {
        self.actor = Some(actor.into());
        self
    }

    pub fn organization(&self) -> OrganizationId {
        self.organization
    }

    #[cfg_attr(not(any(feature = "tokio-postgres", feature = "sqlx")), allow(dead_code))]
    fn settings(&self) -> [(&str, String); 2] {
        [
            (&self.tenant_setting, self.organization.to_string()),
            // An empty setting reads as absent (the audit trigger records NULL).
            (&self.actor_setting, self.actor.clone().unwrap_or_default()),
        ]
    }

    /// Run `work` in a transaction as this tenant (tokio-postgres). Commits when `work` returns
    /// `Ok`, rolls back when it returns `Err`.
    #[cfg(feature = "tokio-postgres")]
    pub async fn run<T, E>(
        &self,
        client: &mut tokio_postgres::Client,
        work: impl AsyncFnOnce(&tokio_postgres::Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<Error>,
    {
        let transaction = client.transaction().await.map_err(Error::from)?;
        let [(tenant, organization), (actor_setting, actor)] = self.settings();
        let carried: Option<String> = transaction
            .query_one(CARRIED, &[&tenant])
            .await
            .map_err(Error::from)?
            .get(0);
        if let Some(value) = carried {
            transaction
                .execute(CLOSE_SCOPE, &[&tenant, &actor_setting])
                .await
                .map_err(Error::from)?;
            transaction.commit().await.map_err(Error::from)?;
            return Err(Error::SessionTenantSetting {
                setting: tenant.to_owned(),
                value,
            }
            .into());
        }
        let row = transaction
            .query_one(OPEN_SCOPE, &[&tenant, &organization, &actor_setting, &actor])
            .await
            .map_err(Error::from)?;
        if row.get::<_, Option<bool>>("bypasses").unwrap_or(false) {
            let role = transaction
                .query_one("SELECT current_user::text", &[])
                .await
                .map_err(Error::from)?
                .get(0);
            return Err(Error::BypassesRowLevelSecurity { role }.into());
        }
        // On `Err` the transaction is dropped, which rolls back whatever the work set too.
        let value = work(&transaction).await?;
        transaction
            .execute(CLOSE_SCOPE, &[&tenant, &actor_setting])
            .await
            .map_err(Error::from)?;
        transaction.commit().await.map_err(Error::from)?;
        Ok(value)
    }

    /// Run `work` in a transaction as this tenant (sqlx). `db` is a pool, a connection or a
    /// transaction (which then gets a savepoint). Commits when `work` returns `Ok`, rolls back when
    /// it returns `Err`.
    #[cfg(feature = "sqlx")]
    pub async fn run_sqlx<'c, A, T, E>(
        &self,
        db: A,
        work: impl AsyncFnOnce(&mut sqlx::PgConnection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        A: sqlx::Acquire<'c, Database = sqlx::Postgres>,
        E: From<Error>,
    {
        use sqlx::Row;

        let mut transaction = db.begin().await.map_err(Error::from)?;
        let [(tenant, organization), (actor_setting, actor)] = self.settings();
        let carried: Option<String> = sqlx::query_scalar(CARRIED)
            .bind(tenant)
            .fetch_one(&mut *transaction)
            .await
            .map_err(Error::from)?;
        if let Some(value) = carried {
            sqlx::query(CLOSE_SCOPE)
                .bind(tenant)
                .bind(actor_setting)
                .execute(&mut *transaction)
                .await
                .map_err(Error::from)?;
            transaction.commit().await.map_err(Error::from)?;
            return Err(Error::SessionTenantSetting {
                setting: tenant.to_owned(),
                value,
            }
            .into());
        }
        let row = sqlx::query(OPEN_SCOPE)
            .bind(tenant)
            .bind(organization)
            .bind(actor_setting)
            .bind(actor)
            .fetch_one(&mut *transaction)
            .await
            .map_err(Error::from)?;
        let bypasses: Option<bool> = row.try_get("bypasses").map_err(Error::from)?;
        if bypasses.unwrap_or(false) {
            let role: String = sqlx::query_scalar("SELECT current_user::text")
                .fetch_one(&mut *transaction)
                .await
                .map_err(Error::from)?;
            return Err(Error::BypassesRowLevelSecurity { role }.into());
        }
        match work(&mut transaction).await {
            Ok(value) => {
                sqlx::query(CLOSE_SCOPE)
                    .bind(tenant)
                    .bind(actor_setting)
                    .execute(&mut *transaction)
                    .await
                    .map_err(Error::from)?;
                transaction.commit().await.map_err(Error::from)?;
                Ok(value)
            }
            Err(error) => {
                // The work's error is the one to report; dropping the transaction rolls it back
                // if this explicit rollback cannot.
                let _ = transaction.rollback().await;
                Err(error)
            }
        }
    }
}

/// Typed statements as one tenant: each helper runs one sea-query statement (from
/// [`Record`](crate::Record) or extended from one) in its own tenant-scoped transaction, as
/// [`TenantScope::run`] does, and reads the rows into `#[derive(Table)]` structs. To run several
/// statements in one transaction, use [`rows::postgres`](crate::rows::postgres) inside `run`.
#[cfg(feature = "tokio-postgres")]
impl TenantScope {
    /// Every row `statement` returns, as this tenant.
    pub async fn fetch_all<R>(
        &self,
        client: &mut tokio_postgres::Client,
        statement: &impl sea_query::QueryStatementWriter,
    ) -> Result<Vec<R>, Error>
    where
        R: for<'a> TryFrom<&'a tokio_postgres::Row, Error = crate::rows::RowError>,
    {
        self.run(client, async |tx| {
            crate::rows::postgres::fetch_all(tx, statement).await
        })
        .await
    }

    /// The one row `statement` returns, as this tenant (an error when there is none).
    pub async fn fetch_one<R>(
        &self,
        client: &mut tokio_postgres::Client,
        statement: &impl sea_query::QueryStatementWriter,
    ) -> Result<R, Error>
    where
        R: for<'a> TryFrom<&'a tokio_postgres::Row, Error = crate::rows::RowError>,
    {
        self.run(client, async |tx| {
            crate::rows::postgres::fetch_one(tx, statement).await
        })
        .await
    }

    /// The row `statement` returns, if any, as this tenant.
    pub async fn fetch_optional<R>(
        &self,
        client: &mut tokio_postgres::Client,
        statement: &impl sea_query::QueryStatementWriter,
    ) -> Result<Option<R>, Error>
    where
        R: for<'a> TryFrom<&'a tokio_postgres::Row, Error = crate::rows::RowError>,
    {
        self.run(client, async |tx| {
            crate::rows::postgres::fetch_optional(tx, statement).await
        })
        .await
    }

    /// Runs `statement` as this tenant; the number of rows it changed.
    pub async fn execute(
        &self,
        client: &mut tokio_postgres::Client,
        statement: &impl sea_query::QueryStatementWriter,
    ) -> Result<u64, Error> {
        self.run(client, async |tx| {
            crate::rows::postgres::execute(tx, statement).await
        })
        .await
    }
}

/// The typed helpers on sqlx: as the tokio-postgres ones, each in its own tenant-scoped
/// transaction opened by [`TenantScope::run_sqlx`] on `db` (a pool, a connection or a
/// transaction).
#[cfg(feature = "sqlx")]
impl TenantScope {
    /// Every row `statement` returns, as this tenant.
    pub async fn fetch_all_sqlx<'c, R>(
        &self,
        db: impl sqlx::Acquire<'c, Database = sqlx::Postgres>,
        statement: &impl sea_query::QueryStatementWriter,
    ) -> Result<Vec<R>, Error>
    where
        R: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    {
        self.run_sqlx(db, async |conn| {
            Ok(crate::rows::sqlx::fetch_all(conn, statement).await?)
        })
        .await
    }

    /// The one row `statement` returns, as this tenant (an error when there is none).
    pub async fn fetch_one_sqlx<'c, R>(
        &self,
        db: impl sqlx::Acquire<'c, Database = sqlx::Postgres>,
        statement: &impl sea_query::QueryStatementWriter,
    ) -> Result<R, Error>
    where
        R: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    {
        self.run_sqlx(db, async |conn| {
            Ok(crate::rows::sqlx::fetch_one(conn, statement).await?)
        })
        .await
    }

    /// The first row `statement` returns, if any, as this tenant.
    pub async fn fetch_optional_sqlx<'c, R>(
        &self,
        db: impl sqlx::Acquire<'c, Database = sqlx::Postgres>,
        statement: &impl sea_query::QueryStatementWriter,
    ) -> Result<Option<R>, Error>
    where
        R: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    {
        self.run_sqlx(db, async |conn| {
            Ok(crate::rows::sqlx::fetch_optional(conn, statement).await?)
        })
        .await
    }

    /// Runs `statement` as this tenant; the number of rows it changed.
    pub async fn execute_sqlx<'c>(
        &self,
        db: impl sqlx::Acquire<'c, Database = sqlx::Postgres>,
        statement: &impl sea_query::QueryStatementWriter,
    ) -> Result<u64, Error> {
        self.run_sqlx(db, async |conn| {
            Ok(crate::rows::sqlx::execute(conn, statement).await?)
        })
        .await
    }
}

/// Run `work` in a transaction as `organization` (tokio-postgres, default settings).
/// See [`TenantScope`] to name the acting user or use other settings.
#[cfg(feature = "tokio-postgres")]
pub async fn with_tenant<T, E>(
    client: &mut tokio_postgres::Client,
    organization: OrganizationId,
    work: impl AsyncFnOnce(&tokio_postgres::Transaction<'_>) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<Error>,
{
    TenantScope::new(organization).run(client, work).await
}
