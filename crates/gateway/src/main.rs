//! The `marketplace` binary: `serve` (the default), `migrate`, `user create`, `openapi`, …

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Parser, Subcommand};
use gateway::{Config, serve, telemetry};

/// Marketplace of OCOP and local products of a Vietnamese province.
#[derive(Debug, Parser)]
#[command(name = "marketplace", version, about)]
struct Cli {
    /// Configuration file layered over the built-in defaults.
    #[arg(long, env = "MARKETPLACE_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP gateway (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate {
        /// List the applied and pending migrations instead, changing nothing.
        #[arg(long)]
        status: bool,
    },
    /// Write a consistent copy of the embedded SQLite database to FILE while it runs (use
    /// pg_dump for PostgreSQL).
    Backup {
        /// The new file to write.
        file: PathBuf,
    },
    /// Run only the search indexer (drains the outbox into the engine) until stopped.
    Worker,
    /// Rebuild the search indexes from the database and swap them in without downtime.
    Reindex,
    /// Fill the database with demo or synthetic data.
    Seed {
        /// The demo catalogue of local products, with demo accounts (idempotent).
        #[arg(long)]
        demo: bool,
        /// N deterministic products over many stalls, for benchmarks (tops up to N).
        #[arg(long, value_name = "N")]
        synthetic: Option<u64>,
    },
    /// Print the OpenAPI document (as served at `/openapi.json`) to standard output, for
    /// generating a client without a running gateway.
    Openapi,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Parcel carriers' data.
    #[command(subcommand)]
    Carriers(CarriersCommand),
    /// Ask the running gateway (at `http.listen`) whether it is up; exit 0 if so. For container
    /// health checks, where no HTTP client is installed.
    Healthcheck,
}

#[derive(Debug, Subcommand)]
enum CarriersCommand {
    /// Build the mapping of the national map's communes to GHN's address ids from GHN's master
    /// data (matching names), write it as CSV for `carriers.ghn.communes_file`, and list the
    /// communes it could not match.
    MapGhn {
        /// The deployment's GHN token (reads GHN's master data).
        #[arg(long, env = "MARKETPLACE_CARRIERS__GHN__TOKEN", hide_env_values = true)]
        token: String,
        /// GHN's API base URL; default: `carriers.ghn.url`.
        #[arg(long)]
        url: Option<String>,
        /// The CSV file to write.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account; the only way to make an administrator.
    Create {
        /// Email address.
        #[arg(long)]
        email: String,
        /// Password (8 to 128 characters). Better left out: it is then read from standard input
        /// (or asked for on a terminal), and stays out of the shell's history.
        #[arg(long)]
        password: Option<String>,
        /// Full name.
        #[arg(long, default_value = "Quản trị viên")]
        full_name: String,
        /// Make the account an administrator.
        #[arg(long)]
        admin: bool,
    },
    /// Set an account's password, read from standard input (or asked for on a terminal);
    /// every session of the account ends.
    SetPassword {
        /// The account's email.
        #[arg(long)]
        email: String,
    },
    /// Make an existing account an administrator.
    Promote {
        /// The account's email.
        #[arg(long)]
        email: String,
    },
}

/// A password from standard input: asked for without echo on a terminal, else its first line.
fn read_password(prompt: &str) -> anyhow::Result<String> {
    use std::io::{BufRead, IsTerminal};
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(prompt).context("cannot read the password");
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        anyhow::bail!("no password on standard input");
    }
    Ok(password)
}

/// An accounts error as one line for the operator.
fn explain(e: accounts::AccountsError) -> anyhow::Error {
    let e = common::Error::from(e);
    let fields: Vec<String> = e
        .fields
        .iter()
        .map(|f| format!("{}: {}", f.field, f.message))
        .collect();
    anyhow::anyhow!("{} {}", e.message, fields.join("; "))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::load(cli.config.as_deref())?;
    telemetry::init(&config.log).map_err(anyhow::Error::msg)?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve::run(config).await,
        Command::Healthcheck => serve::healthcheck(&config).await,
        Command::Openapi => openapi(),
        Command::Worker => serve::worker(config).await,
        Command::Reindex => serve::reindex(config).await,
        Command::Seed { demo, synthetic } => seed(config, demo, synthetic).await,
        Command::Backup { file } => backup(&config, &file).await,
        Command::Migrate { status } => migrate(&config, status).await,
        Command::User(command) => user(&config, command).await,
        Command::Carriers(CarriersCommand::MapGhn { token, url, out }) => {
            let url = url.unwrap_or_else(|| config.carriers.ghn.url.clone());
            let report = gateway::carrier_map::map_ghn(&url, &token, &out).await?;
            println!("{}", gateway::carrier_map::describe(&report));
            println!("written: {}", out.display());
            Ok(())
        }
    }
}

/// `marketplace openapi`: the document, as served.
fn openapi() -> anyhow::Result<()> {
    let doc = serde_json::to_string_pretty(&gateway::openapi::document())?;
    println!("{doc}");
    Ok(())
}

/// `marketplace seed`: the demo catalogue and/or `synthetic` products.
async fn seed(config: Config, demo: bool, synthetic: Option<u64>) -> anyhow::Result<()> {
    if !demo && synthetic.is_none() {
        anyhow::bail!("say what to seed: --demo and/or --synthetic N");
    }
    let db = migrated_database(&config).await?;
    let engine = config.search_engine()?;
    let built = config.build()?;
    let state = gateway::AppState::new(config, built, db, engine);
    if demo {
        gateway::seed::demo(
            &state.db,
            &state.accounts,
            &state.catalog,
            Some(&state.media),
            &mut std::io::stdout(),
        )
        .await?;
    }
    if let Some(n) = synthetic {
        #[cfg(feature = "synthetic")]
        {
            let added =
                gateway::seed::synthetic(&state.db, &state.accounts, &state.catalog, n).await?;
            println!("synthetic products: {added} added, {n} in all");
        }
        #[cfg(not(feature = "synthetic"))]
        anyhow::bail!(
            "this build has no synthetic generator ({n} products asked for); build with the `synthetic` feature"
        );
    }
    Ok(())
}

/// `marketplace backup FILE`.
async fn backup(config: &Config, file: &Path) -> anyhow::Result<()> {
    let db = serve::open_database(config).await?;
    let bytes = serve::backup(&db, file).await?;
    println!("backed up to {} ({bytes} bytes)", file.display());
    Ok(())
}

/// `marketplace migrate`, or with `status` the list of applied and pending migrations.
async fn migrate(config: &Config, status: bool) -> anyhow::Result<()> {
    let db = serve::open_database(config).await?;
    if status {
        let all = migrations::status(&db).await?;
        let pending = all.iter().filter(|(_, applied)| !applied).count();
        for (name, applied) in &all {
            println!("{} {name}", if *applied { "applied" } else { "pending" });
        }
        println!("{} applied, {pending} pending", all.len() - pending);
        return Ok(());
    }
    serve::migrate(&db).await?;
    println!("migrations applied");
    Ok(())
}

/// `marketplace user …`.
async fn user(config: &Config, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Create {
            email,
            password,
            full_name,
            admin,
        } => create_user(config, email, password, full_name, admin).await,
        UserCommand::SetPassword { email } => set_password(config, &email).await,
        UserCommand::Promote { email } => promote(config, &email).await,
    }
}

/// The database, migrated.
async fn migrated_database(config: &Config) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let db = serve::open_database(config).await?;
    serve::migrate(&db).await?;
    Ok(db)
}

/// Account commands make no session, so the session lifetime is any.
fn accounts() -> accounts::Accounts {
    accounts::Accounts::new(chrono::Duration::hours(1))
}

/// `marketplace user create`.
async fn create_user(
    config: &Config,
    email: String,
    password: Option<String>,
    full_name: String,
    admin: bool,
) -> anyhow::Result<()> {
    let password = match password {
        Some(p) => {
            eprintln!(
                "note: a password on the command line lands in the shell's history; leave --password out to type it or pipe it in"
            );
            p
        }
        None => read_password("Password: ")?,
    };
    let db = migrated_database(config).await?;
    let user = accounts()
        .create(
            &db,
            accounts::NewUser {
                email,
                password,
                full_name,
                phone: None,
            },
            admin,
        )
        .await
        .map_err(explain)
        .context("cannot create the user")?;
    let role = if user.is_admin {
        "administrator"
    } else {
        "user"
    };
    println!("created {role} {} ({})", user.email, user.id);
    Ok(())
}

/// `marketplace user set-password`.
async fn set_password(config: &Config, email: &str) -> anyhow::Result<()> {
    let password = read_password("New password: ")?;
    let db = migrated_database(config).await?;
    let user = accounts()
        .set_password(&db, email, &password)
        .await
        .map_err(explain)
        .context("cannot set the password")?;
    println!(
        "password set for {} ({}); its sessions ended",
        user.email, user.id
    );
    Ok(())
}

/// `marketplace user promote`.
async fn promote(config: &Config, email: &str) -> anyhow::Result<()> {
    let db = migrated_database(config).await?;
    let user = accounts()
        .promote(&db, email)
        .await
        .map_err(explain)
        .context("cannot promote the user")?;
    println!("{} ({}) is an administrator", user.email, user.id);
    Ok(())
}
