//! The `sipoli` command: serve, migrate, demo, staff accounts, the managed database.
use std::net::TcpListener;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use sipoli::app::{self, AppState};
use sipoli::auth::Role;
use sipoli::clock::SystemClock;
use sipoli::config::Settings;
use sipoli::db::{self, local::LocalPg};
use sipoli::error::AppError;
use sipoli::{demo, maintenance, telemetry};

#[derive(Parser)]
#[command(
    name = "sipoli",
    version,
    about = "SIPOLI: antrean dan janji temu rawat jalan RSUD Mimika"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web application (and the background jobs unless --no-worker).
    Serve {
        #[arg(long)]
        no_worker: bool,
    },
    /// Run the background jobs only.
    Worker,
    /// Apply database migrations and exit.
    Migrate,
    /// Managed database (if needed), demo data, then serve on SIPOLI_BIND.
    Demo,
    /// Staff accounts.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// The managed local PostgreSQL under var/pg.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Check the configuration and reach every dependency (short timeouts); non-zero exit
    /// when something fails.
    Check,
    /// Back up the database with pg_dump (custom format) into DIR, keeping the newest N.
    Backup {
        #[arg(long, default_value = "var/backups")]
        dir: std::path::PathBuf,
        /// How many backups to keep in DIR (0: all).
        #[arg(long, default_value_t = 14)]
        keep: usize,
    },
    /// Restore a backup into an empty database (--force: replace a non-empty one).
    Restore {
        file: std::path::PathBuf,
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Create or reset an account. The password is read from SIPOLI_STAFF_PASSWORD or stdin.
    Add {
        username: String,
        #[arg(long, value_parser = ["admin", "clinic", "registration"])]
        role: String,
        /// Clinic code (repeatable), for clinic accounts.
        #[arg(long = "clinic")]
        clinics: Vec<String>,
        /// Station code (repeatable): the account runs that station's desks.
        #[arg(long = "station")]
        stations: Vec<String>,
        #[arg(long, default_value = "")]
        name: String,
    },
}

#[derive(Subcommand)]
enum DbCommand {
    Start,
    Stop,
    Status,
    Url,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sipoli: {e}");
            return ExitCode::FAILURE;
        }
    };
    telemetry::init(settings.log_json);
    match run(cli, settings) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sipoli: {}", e.cause.as_deref().unwrap_or(e.message(true)));
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli, settings: Settings) -> Result<(), AppError> {
    match cli.command {
        Command::Serve { no_worker } => serve(settings, !no_worker, false),
        Command::Worker => worker(settings),
        Command::Migrate => {
            let url = settings.resolve_database_url()?;
            db::migrate(&mut db::connect(&url)?)?;
            println!("migrations applied");
            Ok(())
        }
        Command::Demo => serve(settings, true, true),
        Command::Staff {
            command: StaffCommand::Add { username, role, clinics, stations, name },
        } => {
            let password = match std::env::var("SIPOLI_STAFF_PASSWORD") {
                Ok(p) if !p.is_empty() => p,
                _ => {
                    eprintln!("Kata sandi / password for {username}:");
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line).map_err(AppError::internal)?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            if password.chars().count() < 8 {
                return Err(AppError::internal("the password must have at least 8 characters"));
            }
            let url = settings.resolve_database_url()?;
            let mut conn = db::connect(&url)?;
            db::migrate(&mut conn)?;
            let role = Role::parse(&role).unwrap_or(Role::Registration);
            let clinics: Vec<String> = clinics.iter().map(|c| c.to_ascii_uppercase()).collect();
            sipoli::service::staff::upsert_user(
                &mut conn,
                &username.to_ascii_lowercase(),
                &name,
                &password,
                role,
                &clinics,
            )?;
            let stations: Vec<String> = stations.iter().map(|c| c.to_ascii_uppercase()).collect();
            sipoli::service::staff::assign_stations(
                &mut conn,
                &username.to_ascii_lowercase(),
                &stations,
            )?;
            println!("staff account {username} ({}) saved", role.as_str());
            Ok(())
        }
        Command::Check => sipoli::ops::run_check(&settings),
        Command::Backup { dir, keep } => {
            let file = sipoli::ops::backup(&settings, &dir, keep)?;
            println!("backup written: {}", file.display());
            Ok(())
        }
        Command::Restore { file, force } => {
            sipoli::ops::restore(&settings, &file, force)?;
            println!("restored {}", file.display());
            Ok(())
        }
        Command::Db { command } => {
            let local = LocalPg::new(&settings.root).map_err(AppError::internal)?;
            match command {
                DbCommand::Start | DbCommand::Url => {
                    let url = local.ensure_running().map_err(AppError::internal)?;
                    println!("{url}");
                }
                DbCommand::Stop => {
                    local.stop().map_err(AppError::internal)?;
                    println!("stopped");
                }
                DbCommand::Status => {
                    let running = local.status().map_err(AppError::internal)?;
                    println!("{}", if running { "running" } else { "stopped" });
                }
            }
            Ok(())
        }
    }
}

fn prepare(settings: Settings) -> Result<AppState, AppError> {
    let url = settings.resolve_database_url()?;
    db::migrate(&mut db::connect(&url)?)?;
    let pool = db::pool(&url, settings.pool_size)?;
    Ok(AppState::new(pool, settings, Arc::new(SystemClock)))
}

fn serve(settings: Settings, with_worker: bool, demo_data: bool) -> Result<(), AppError> {
    let state = prepare(settings)?;
    let mut kiosk_code = None;
    if demo_data {
        let mut conn = state.pool.get()?;
        demo::seed_catalogue(&mut conn, state.today())?;
        demo::seed_staff(&mut conn)?;
        demo::seed_stations(&mut conn)?;
        demo::seed_satusehat(&mut conn, state.now())?;
        demo::seed_history(&mut conn, state.today(), state.tz())?;
        kiosk_code = Some(demo::seed_kiosk(&mut conn, state.now())?);
    }
    let listener = TcpListener::bind(&state.settings.bind).map_err(|e| {
        AppError::internal(format!("cannot listen on {}: {e}", state.settings.bind))
    })?;
    let base = state.settings.base_url.clone();
    actix_web::rt::System::new().block_on(async move {
        // Sessions of the booking window are made ahead here (reads never write them).
        maintenance::spawn(state.clone());
        if with_worker {
            sipoli::jobs::spawn(state.clone());
            sipoli::jkn::reports::spawn(state.clone());
            sipoli::satusehat::worker::spawn(state.clone());
            sipoli::jkn::national::spawn(state.clone());
        }
        state.live.listen(state.settings.resolve_database_url()?);
        let application = app::build(state, listener).map_err(AppError::internal)?;
        println!("SIPOLI berjalan di / is running at {base}");
        if demo_data {
            println!("Demo staff accounts: admin / demo (admin), anak / demo (Poli Anak), loket / demo (registration)");
        }
        if let Some(code) = kiosk_code {
            println!("Anjungan demo / demo kiosk (opens paired, once): {base}/kiosk/pair?code={code}");
        }
        // SIGTERM/Ctrl-C: actix-web stops accepting and finishes requests in flight; this
        // ends the SSE streams with a retry hint and stops the workers (`shutdown`).
        actix_web::rt::spawn(sipoli::shutdown::on_signal());
        let served = application.server.await.map_err(AppError::internal);
        sipoli::shutdown::trigger();
        if !sipoli::shutdown::drained(std::time::Duration::from_secs(30)).await {
            tracing::warn!("stopped with background work unfinished");
        }
        served
    })
}

fn worker(settings: Settings) -> Result<(), AppError> {
    let state = prepare(settings)?;
    actix_web::rt::System::new().block_on(async move {
        sipoli::jobs::spawn(state.clone());
        sipoli::jkn::reports::spawn(state.clone());
        sipoli::satusehat::worker::spawn(state.clone());
        sipoli::jkn::national::spawn(state.clone());
        maintenance::spawn(state);
        println!("SIPOLI worker running; Ctrl-C to stop");
        sipoli::shutdown::on_signal().await;
        if !sipoli::shutdown::drained(std::time::Duration::from_secs(30)).await {
            tracing::warn!("stopped with background work unfinished");
        }
        Ok(())
    })
}
