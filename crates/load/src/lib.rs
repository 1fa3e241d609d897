//! Load and scale tooling for benchmarks (issue 7), kept out of the shipped `kaoping` binary:
//! `kaoping-load generate` writes generated packages for the load scripts, `kaoping-load
//! seed-scale` fills a database with a whole generated round, and `insert_baseline` measures the
//! database's own write limit.

pub mod loadgen;

/// The `kaoping-load` command line.
#[derive(Debug, clap::Parser)]
#[command(
    name = "kaoping-load",
    about = "kaoping load and scale tooling (not the service)"
)]
pub enum LoadCli {
    /// Write N generated departments' packages (NNNN.json) and a manifest.json: scale data for
    /// load tests, deterministic from the seed.
    Generate(loadgen::GenerateArgs),
    /// Fill a database with a round of N generated departments through the service: submitted,
    /// judged and (with --publish) published; prints timings as JSON.
    SeedScale(loadgen::SeedScaleArgs),
}

/// Runs one command; the text to print on success.
pub fn execute(cli: LoadCli) -> Result<String, loadgen::LoadgenError> {
    match cli {
        LoadCli::Generate(args) => loadgen::generate(args),
        LoadCli::SeedScale(args) => loadgen::seed_scale(args),
    }
}
