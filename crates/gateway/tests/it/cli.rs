//! The `marketplace` binary's commands and start-up checks.

use std::process::Command;

pub(crate) fn marketplace() -> Command {
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
fn an_invalid_rust_log_is_an_error_like_an_invalid_log_filter() {
    let out = marketplace()
        .arg("migrate")
        .env("RUST_LOG", "info,sqlx=loud[")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("RUST_LOG"), "{err}");
    let out = marketplace()
        .arg("migrate")
        .env("MARKETPLACE_LOG__FILTER", "info,sqlx=loud[")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("log.filter"));
}

#[test]
fn a_bank_account_given_as_compose_passes_it_starts() {
    // docker-compose.yml passes these through the environment; digits once stopped start-up
    // ("found unsigned int, expected a string").
    let out = marketplace()
        .arg("openapi")
        .env("MARKETPLACE_BANK_TRANSFER__BANK_BIN", "970436")
        .env("MARKETPLACE_BANK_TRANSFER__ACCOUNT_NO", "0071000123456")
        .env(
            "MARKETPLACE_BANK_TRANSFER__ACCOUNT_NAME",
            "CONG TY CHO OCOP",
        )
        .env("MARKETPLACE_BANK_TRANSFER__WEBHOOK_SECRET", "20240101")
        .env("MARKETPLACE_STRIPE__SECRET_KEY", "")
        .env("MARKETPLACE_DEMO__SEED", "false")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn platform_variables_under_the_prefix_do_not_stop_start_up() {
    let dir = std::env::temp_dir().join(format!("marketplace-cli-{}", uuid::Uuid::now_v7()));
    // What Kubernetes injects for a Service named `marketplace`.
    let out = marketplace()
        .arg("migrate")
        .env("MARKETPLACE_DATA__DIR", &dir)
        .env("MARKETPLACE_PORT", "tcp://10.0.0.7:8080")
        .env("MARKETPLACE_SERVICE_HOST", "10.0.0.7")
        .env("MARKETPLACE_PORT_8080_TCP_ADDR", "10.0.0.7")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A variable of the configuration's form that names nothing is an error naming it whole.
    let out = marketplace()
        .arg("migrate")
        .env("MARKETPLACE_DATA__DIR", &dir)
        .env("MARKETPLACE_FOO__BAR", "1")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("MARKETPLACE_FOO__BAR"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
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

#[test]
fn secrets_come_from_the_environment() {
    let dir = std::env::temp_dir().join(format!("marketplace-cli-{}", uuid::Uuid::now_v7()));
    let out = marketplace()
        .arg("migrate")
        .env("MARKETPLACE_DATA__DIR", &dir)
        .env(
            "MARKETPLACE_SEARCH__MEILI_KEY",
            "a-master-key-from-the-environment",
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let file = dir.join("marketplace.toml");
    std::fs::write(&file, "[search]\nmeili_key = \"committed-by-mistake\"\n").unwrap();
    let out = marketplace()
        .arg("migrate")
        .arg("--config")
        .arg(&file)
        .env("MARKETPLACE_DATA__DIR", &dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("search.meili_key"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The real binary serves, answers its own health check, and on SIGTERM finishes and exits 0.
#[cfg(unix)]
#[test]
fn serve_healthcheck_and_graceful_sigterm() {
    use std::{
        io::Read,
        net::TcpListener,
        process::Stdio,
        time::{Duration, Instant},
    };

    let dir = std::env::temp_dir().join(format!("marketplace-cli-{}", uuid::Uuid::now_v7()));
    // Ask the OS for a free port, then hand it to the server.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut server = marketplace()
        .arg("serve")
        .env("MARKETPLACE_DATA__DIR", &dir)
        .env("MARKETPLACE_HTTP__LISTEN", &listen)
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    let healthcheck = || {
        marketplace()
            .arg("healthcheck")
            .env("MARKETPLACE_HTTP__LISTEN", &listen)
            .output()
            .unwrap()
    };
    let started = Instant::now();
    loop {
        let out = healthcheck();
        if out.status.success() {
            assert!(String::from_utf8_lossy(&out.stdout).contains("healthy"));
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not come up: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    // The workers' first round (search recovery, indexer) happens meanwhile.
    std::thread::sleep(Duration::from_millis(1500));
    let status = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = server.wait().unwrap();
    let mut log = String::new();
    server
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(exit.success(), "exit {exit:?}: {log}");
    assert!(log.contains("shutting down"), "{log}");
    // A first start with the demo data is an ordinary start: the demo is indexed before the
    // workers run, so nothing rebuilds or races over the new index.
    assert!(log.contains("demo catalogue indexed"), "{log}");
    assert!(!log.contains("WARN"), "{log}");
    assert!(log.contains("stopped"), "{log}");
    assert!(!healthcheck().status.success(), "nothing listens any more");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn demo_seeding_with_another_provinces_regions_seeds_what_fits() {
    let dir = std::env::temp_dir().join(format!("marketplace-cli-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    // A province whose list shares only one commune code with the demo data.
    let regions = dir.join("regions.toml");
    std::fs::write(
        &regions,
        "province = \"Tỉnh Thử\"\n\n[[communes]]\ncode = \"19414\"\nname = \"Xã Cửa Tùng\"\n\n[[communes]]\ncode = \"99999\"\nname = \"Xã Khác\"\n",
    )
    .unwrap();
    let out = marketplace()
        .args(["seed", "--demo"])
        .env("MARKETPLACE_DATA__DIR", &dir)
        .env("MARKETPLACE_CATALOG__REGIONS_FILE", &regions)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("seeded 1 demo stalls"), "{stdout}");
    assert_eq!(
        stdout.matches("skipping demo stall").count(),
        10,
        "{stdout}"
    );
    assert!(
        stdout.contains("is not in the configured region list"),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn reindex_reports_progress_in_plain_lines_off_a_terminal() {
    let dir = std::env::temp_dir().join(format!("marketplace-cli-{}", uuid::Uuid::now_v7()));
    let run = |args: &[&str]| {
        let out = marketplace()
            .args(args)
            .env("MARKETPLACE_DATA__DIR", &dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    };
    run(&["seed", "--demo"]);
    let out = run(&["reindex"]);
    let err = String::from_utf8_lossy(&out.stderr);
    let last = err
        .lines()
        .rfind(|l| l.starts_with("reindexing products: "))
        .unwrap_or_else(|| panic!("no progress line in {err:?}"));
    assert!(last.ends_with("(100%)"), "{err}");
    assert!(
        !err.contains('\r') && !err.contains('\u{1b}'),
        "no terminal controls: {err:?}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("reindexed "));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn passwords_come_from_standard_input_and_accounts_can_be_promoted() {
    use std::io::Write;
    let dir = std::env::temp_dir().join(format!("marketplace-cli-{}", uuid::Uuid::now_v7()));
    let run = |args: &[&str], stdin: &str| {
        let mut child = marketplace()
            .args(args)
            .env("MARKETPLACE_DATA__DIR", &dir)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run(
        &[
            "user",
            "create",
            "--email",
            "hoa@example.vn",
            "--full-name",
            "Trần Thị Hoa",
        ],
        "mat-khau-tu-stdin\n",
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("created user hoa@example.vn"), "{stdout}");
    let out = run(
        &["user", "set-password", "--email", "hoa@example.vn"],
        "mat-khau-moi-2026\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["user", "set-password", "--email", "hoa@example.vn"], "");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no password"));
    let out = run(
        &["user", "set-password", "--email", "nobody@example.vn"],
        "mat-khau-moi-2026\n",
    );
    assert!(!out.status.success());
    let out = run(&["user", "promote", "--email", "hoa@example.vn"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("is an administrator"));

    // The password read from standard input is the one that signs in, and the account is an
    // administrator now.
    let url = format!("sqlite://{}?mode=rw", dir.join("marketplace.db").display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let db = sea_orm::Database::connect(&url).await.unwrap();
        let accounts = accounts::Accounts::new(chrono::Duration::hours(1));
        let out = accounts
            .login(&db, "hoa@example.vn", "mat-khau-moi-2026")
            .await
            .unwrap();
        assert!(out.user.is_admin);
        assert!(
            accounts
                .login(&db, "hoa@example.vn", "mat-khau-tu-stdin")
                .await
                .is_err()
        );
    });
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn openapi_prints_the_document_the_gateway_serves() {
    let out = marketplace().arg("openapi").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed, *crate::conform::document());
    assert!(printed["openapi"].as_str().unwrap().starts_with("3.1"));
}
