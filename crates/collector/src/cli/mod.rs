//! The `guidepost` command: one module per concern, on the library's stores and core.
//! The server never calls into this tree.
//!
//! - `mod.rs`: the commands (clap) and their dispatch;
//! - `serve.rs`: `serve` (store and config from flags);
//! - `report.rs`: `report` and the terminal tables;
//! - `simulate.rs`: `simulate`;
//! - `guide_files.rs`: `import` and `export` between files and a guide store;
//! - `check.rs`: `check`, targets against a saved HTML page.

mod check;
mod guide_files;
mod report;
mod serve;
mod simulate;

pub use report::render_funnel;
pub use serve::parse_write_key;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use guidepost_core::load_guides;

use crate::guide_store::Env;
use guide_files::StoreArgs;

#[derive(Parser)]
#[command(name = "guidepost", version, about = "Guidepost: validate guides, simulate targeting, collect events and report drop-off")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once per run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Validate guide files; prints errors with JSON paths. Exit code 1 when any guide is invalid.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the guide JSON Schema.
    Schema,
    /// Say whether a guide would show for a user on a URL, with the rule trace. Exit code 0 shows, 1 does not.
    Simulate {
        #[arg(long)]
        guide: String,
        /// A JSON file: {"id": "...", "traits": {...}, "events": {"name": [ms...]}, "guides": {...}, "locale": "en", "viewport": {"width": 1280, "height": 800}}
        #[arg(long)]
        user: PathBuf,
        #[arg(long, default_value = "/")]
        url: String,
        /// Guide files or directories (default: guides/).
        #[arg(long = "guides", default_value = "guides")]
        guides: Vec<PathBuf>,
        /// Evaluation time (ISO date or ms); default now.
        #[arg(long)]
        now: Option<String>,
    },
    /// Run the collector: ingest, reports, the dashboard and the demo app.
    Serve(serve::ServeArgs),
    /// Print a guide's funnel from the local database.
    Report {
        #[arg(long)]
        guide: String,
        #[arg(long, default_value = "data/guidepost.db")]
        db: PathBuf,
        /// First day (`YYYY-MM-DD`, UTC) or milliseconds since 1970.
        #[arg(long)]
        from: Option<String>,
        /// Last day, included (`YYYY-MM-DD`, UTC), or milliseconds since 1970, excluded.
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        version: Option<u32>,
        #[arg(long)]
        variant: Option<String>,
        /// Print JSON instead of a table (`{"funnel": ..., "goals": ...}`).
        #[arg(long)]
        json: bool,
        /// Where to read the guide's goal when the database's guide store does not hold it.
        #[arg(long, default_value = "guides")]
        guides: PathBuf,
    },
    /// Import guide files into the guide store as drafts (author "import"); with --publish,
    /// publish each to the listed environments unless it serves that content already. Exit
    /// code 1 when a guide could not be published (its diagnostics are printed; the others
    /// are still imported).
    Import {
        #[command(flatten)]
        store: StoreArgs,
        /// Environments to publish to, e.g. `staging,production`.
        #[arg(long, value_delimiter = ',', value_parser = Env::parse)]
        publish: Vec<Env>,
        /// Files holding one guide or an array of guides.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write every draft of the guide store to `DIR/<id>.json` (pretty JSON).
    Export {
        #[command(flatten)]
        store: StoreArgs,
        dir: PathBuf,
    },
    /// Report steps whose targets match zero or several elements in a saved page.
    Check {
        #[arg(long)]
        html: PathBuf,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

pub fn main() -> i32 {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}

fn run(cmd: Command) -> Result<i32, String> {
    match cmd {
        Command::Validate { files } => {
            let mut bad = 0;
            let mut good = 0;
            for f in &files {
                // `guides/*.json` also matches the schema itself; it is not a guide.
                if f.to_string_lossy().ends_with(".schema.json") {
                    continue;
                }
                let text = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
                let r = load_guides(&text);
                for d in &r.diagnostics {
                    println!("{}: {d}", f.display());
                }
                bad += r.errors().count();
                good += r.guides.len();
            }
            println!("{good} valid guide(s), {bad} error(s)");
            Ok(if bad > 0 { 1 } else { 0 })
        }
        Command::Schema => {
            print!("{}", guidepost_core::guide_schema_json());
            Ok(0)
        }
        Command::Simulate { guide, user, url, guides, now } => simulate::simulate(&guide, &user, &url, &guides, now.as_deref()),
        Command::Serve(args) => serve::serve(args),
        Command::Report { guide, db, from, to, version, variant, json, guides } => {
            report::report(&guide, &db, from, to, version, variant, json, &guides)
        }
        Command::Import { store, publish, files } => guide_files::import(store.open()?.as_ref(), &publish, &files),
        Command::Export { store, dir } => guide_files::export(store.open_existing()?.as_ref(), &dir),
        Command::Check { html, files } => {
            let page = std::fs::read_to_string(&html).map_err(|e| format!("{}: {e}", html.display()))?;
            let mut guides = Vec::new();
            for f in &files {
                let (g, problems) = crate::guides::load_dir(f);
                for p in problems {
                    eprintln!("{p}");
                }
                guides.extend(g);
            }
            let checks = check::check_page(&page, &guides);
            let mut broken = 0;
            for c in &checks {
                match &c.problem {
                    Some(p) => {
                        let hard = c.selector_matches != 1 && c.fallback_matches.as_ref().is_none_or(|(_, n)| *n != 1);
                        if hard {
                            broken += 1;
                        }
                        println!("{} {}/{}: {} {p}", if hard { "✗" } else { "!" }, c.guide_id, c.step_id, c.selector);
                    }
                    None => println!("✓ {}/{}: {} matches 1 element", c.guide_id, c.step_id, c.selector),
                }
            }
            println!("{} target(s) checked, {broken} broken", checks.len());
            Ok(if broken > 0 { 1 } else { 0 })
        }
    }
}
