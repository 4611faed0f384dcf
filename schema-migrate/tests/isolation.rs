//! `migrate check --database` on the application role: a role that escapes row-level security
//! (superuser, BYPASSRLS, or a member of such a role) is reported.

use schema_migrate::isolation::app_role_problems;
use testkit::TestDb;

#[tokio::test]
async fn an_app_role_that_bypasses_row_level_security_is_reported() {
    let db = TestDb::create("isolation_app_role").await;
    let admin = db.connect().await;
    let app = db.create_role("app").await;
    assert_eq!(
        app_role_problems(&admin, app.name()).await.unwrap(),
        Vec::<String>::new(),
        "an ordinary role is fine"
    );

    admin
        .batch_execute(&format!("ALTER ROLE \"{}\" BYPASSRLS", app.name()))
        .await
        .unwrap();
    let problems = app_role_problems(&admin, app.name()).await.unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("has BYPASSRLS"), "{problems:?}");
    assert!(problems[0].contains("NOSUPERUSER NOBYPASSRLS"), "{problems:?}");

    // Membership in a role that bypasses it is the same: SET ROLE gives its attributes.
    admin
        .batch_execute(&format!("ALTER ROLE \"{}\" NOBYPASSRLS", app.name()))
        .await
        .unwrap();
    let powerful = db.create_role("powerful").await;
    admin
        .batch_execute(&format!(
            "ALTER ROLE \"{0}\" BYPASSRLS; GRANT \"{0}\" TO \"{1}\"",
            powerful.name(),
            app.name()
        ))
        .await
        .unwrap();
    let problems = app_role_problems(&admin, app.name()).await.unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains(&format!("role {}, which the application role", powerful.name())),
        "{problems:?}"
    );

    // A role that does not exist escapes nothing (the migrations create it).
    assert!(
        app_role_problems(&admin, "no_such_role_11")
            .await
            .unwrap()
            .is_empty()
    );
}
