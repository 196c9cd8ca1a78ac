//! The `marketplace` binary's commands and start-up checks.

use std::process::Command;

fn marketplace() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_marketplace"));
    // The test's own environment must not leak configuration in.
    for (key, _) in std::env::vars() {
        if key.starts_with("MARKETPLACE_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("RUST_LOG", "warn");
    cmd
}

#[test]
fn a_bad_environment_value_stops_start_up_naming_the_key() {
    let out = marketplace()
        .arg("migrate")
        .env("MARKETPLACE_HTTP__LISTEN", "not-an-address")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("http.listen"), "{err}");

    let out = marketplace()
        .arg("migrate")
        .env("MARKETPLACE_DATABASE__MAX_CONNECTIONS", "0")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("database.max_connections"), "{err}");

    let out = marketplace()
        .arg("migrate")
        .env("MARKETPLACE_HTTP__LISTEN_PORT", "80")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("listen_port"), "{err}");
}

#[test]
fn migrate_and_user_create_on_an_embedded_database() {
    let dir = std::env::temp_dir().join(format!("marketplace-cli-{}", uuid::Uuid::now_v7()));
    let run = |args: &[&str]| {
        marketplace()
            .args(args)
            .env("MARKETPLACE_DATA__DIR", &dir)
            .output()
            .unwrap()
    };
    let out = run(&["migrate"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.join("marketplace.db").is_file());

    let args = [
        "user",
        "create",
        "--email",
        "Admin@Tinh.VN",
        "--password",
        "quan-tri-tinh",
        "--admin",
    ];
    let out = run(&args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("created administrator admin@tinh.vn"),
        "{stdout}"
    );

    let out = run(&args);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("already exists"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = run(&["user", "create", "--email", "x", "--password", "short"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("email") && err.contains("password"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
