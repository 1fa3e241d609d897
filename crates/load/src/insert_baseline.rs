//! The database's own write limit, to compare ingest against (issue 7): N threads, each with its
//! own connection, committing one single-row INSERT transaction after another for a fixed time.
//! Each row is a generated package's JSON (the same kind and size of text ingest stores, so
//! PostgreSQL's TOAST compression sees the same data) in a scratch table that is dropped at the
//! end. On SQLite the connection is set up as the store sets up its own: WAL, busy_timeout,
//! foreign keys, synchronous=NORMAL, and `BEGIN IMMEDIATE` transactions.
//!
//!     cargo run --release -p kaoping-load --bin insert_baseline -- --database-url sqlite:///tmp/x.db
//!     cargo run --release -p kaoping-load --bin insert_baseline -- --database-url postgres://postgres@127.0.0.1/db
//!
//! Prints `key=value` lines: inserts_per_second, inserts, seconds, threads, body_bytes_mean.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Text};
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};
use kaoping::scale::{Generator, ScaleConfig};

/// Single-row INSERT transactions of package-sized text, as fast as the database commits them.
#[derive(Debug, Parser)]
struct Args {
    /// postgres://… or sqlite://PATH (use a scratch file beside the server's database).
    #[arg(long)]
    database_url: String,
    #[arg(long, default_value_t = 8)]
    threads: usize,
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Distinct generated packages the rows cycle through.
    #[arg(long, default_value_t = 32)]
    bodies: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Keep the scratch table (dropped by default).
    #[arg(long)]
    keep: bool,
}

const TABLE: &str = "kaoping_insert_baseline";

enum Conn {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

type Failure = Box<dyn std::error::Error + Send + Sync>;

impl Conn {
    fn open(url: &str) -> Result<Conn, Failure> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Conn::Pg(PgConnection::establish(url)?));
        }
        let path = url.strip_prefix("sqlite://").unwrap_or(url);
        let mut c = SqliteConnection::establish(path)?;
        // the store's pragmas (src/store/pool.rs)
        c.batch_execute(
            "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
             PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
        )?;
        Ok(Conn::Sqlite(c))
    }

    fn create_table(&mut self) -> Result<(), Failure> {
        match self {
            Conn::Sqlite(c) => c.batch_execute(&format!(
                "DROP TABLE IF EXISTS {TABLE}; CREATE TABLE {TABLE} \
                 (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL, at BIGINT NOT NULL);"
            ))?,
            Conn::Pg(c) => c.batch_execute(&format!(
                "DROP TABLE IF EXISTS {TABLE}; CREATE TABLE {TABLE} \
                 (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL, at BIGINT NOT NULL);"
            ))?,
        }
        Ok(())
    }

    fn drop_table(&mut self) -> Result<(), Failure> {
        let sql = format!("DROP TABLE IF EXISTS {TABLE};");
        match self {
            Conn::Sqlite(c) => c.batch_execute(&sql)?,
            Conn::Pg(c) => c.batch_execute(&sql)?,
        }
        Ok(())
    }

    /// One row in its own transaction, committed.
    fn insert(&mut self, body: &str, at: i64) -> Result<(), Failure> {
        match self {
            Conn::Sqlite(c) => c.immediate_transaction(|c| {
                diesel::sql_query(format!("INSERT INTO {TABLE} (body, at) VALUES (?, ?)"))
                    .bind::<Text, _>(body)
                    .bind::<BigInt, _>(at)
                    .execute(c)
            })?,
            Conn::Pg(c) => c.transaction(|c| {
                diesel::sql_query(format!("INSERT INTO {TABLE} (body, at) VALUES ($1, $2)"))
                    .bind::<Text, _>(body)
                    .bind::<BigInt, _>(at)
                    .execute(c)
            })?,
        };
        Ok(())
    }
}

fn main() -> Result<(), Failure> {
    let args = Args::parse();
    let generator = Generator::new(ScaleConfig {
        seed: args.seed,
        ..ScaleConfig::default()
    })?;
    let bodies: Vec<String> = generator
        .departments(args.bodies.max(1))
        .map(|d| serde_json::to_string(&d.package))
        .collect::<Result<_, _>>()?;
    let mean = bodies.iter().map(String::len).sum::<usize>() / bodies.len();
    let mut setup = Conn::open(&args.database_url)?;
    setup.create_table()?;
    let stop = Arc::new(AtomicBool::new(false));
    let threads = args.threads.max(1);
    let start = Instant::now();
    let counts: Vec<Result<u64, Failure>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (stop, bodies, url) = (stop.clone(), &bodies, &args.database_url);
                scope.spawn(move || -> Result<u64, Failure> {
                    let mut conn = Conn::open(url)?;
                    let mut n = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        let i = (t + n as usize * threads) % bodies.len();
                        let body = bodies.get(i).map_or("", String::as_str);
                        conn.insert(body, i64::try_from(n).unwrap_or(i64::MAX))?;
                        n += 1;
                    }
                    Ok(n)
                })
            })
            .collect();
        std::thread::sleep(Duration::from_secs_f64(args.seconds.max(0.1)));
        stop.store(true, Ordering::Relaxed);
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("an insert thread panicked".into()))
            })
            .collect()
    });
    let elapsed = start.elapsed().as_secs_f64();
    let mut total = 0u64;
    for c in counts {
        total += c?;
    }
    if !args.keep {
        setup.drop_table()?;
    }
    println!("inserts={total}");
    println!("seconds={elapsed:.3}");
    println!("threads={threads}");
    println!("body_bytes_mean={mean}");
    println!("inserts_per_second={:.1}", total as f64 / elapsed);
    Ok(())
}
