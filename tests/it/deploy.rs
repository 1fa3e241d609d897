//! The files in deploy/ start kaoping with arguments and variables it accepts: the image's
//! ENTRYPOINT, the systemd unit's ExecStart= and the migration Job parse as the intended
//! commands, and every KAOPING_* / DATABASE_URL variable they set is one the binary reads.
//! (deploy/validate.sh checks the files themselves against their schemas and linters.)

use std::collections::BTreeSet;
use std::path::Path;

use clap::{CommandFactory, Parser};
use kaoping::cli::{Cli, Command, LogFormat};

/// The files that start kaoping or set its environment.
const DEPLOY_FILES: &[&str] = &[
    "deploy/Dockerfile",
    "deploy/compose.yaml",
    "deploy/env.example",
    "deploy/systemd/kaoping.service",
    "deploy/systemd/kaoping.env.example",
    "deploy/k8s/app/deployment.yaml",
    "deploy/k8s/migrate-job.yaml",
    "deploy/k8s/secret.example.yaml",
];

fn read(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("read {}: {e}", full.display()))
}

/// The JSON array that follows `prefix` on the first line starting with it.
fn json_array_after(text: &str, prefix: &str) -> Vec<String> {
    let rest = text
        .lines()
        .map(str::trim_start)
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line starts with {prefix:?}"));
    serde_json::from_str(rest.trim()).unwrap_or_else(|e| panic!("{prefix}{rest}: {e}"))
}

fn parse(args: &[String]) -> Cli {
    Cli::try_parse_from(args).unwrap_or_else(|e| panic!("kaoping refuses {args:?}: {e}"))
}

/// The unit's `Environment=NAME=value` defaults.
fn unit_defaults(unit: &str) -> Vec<(String, String)> {
    unit.lines()
        .filter_map(|l| l.strip_prefix("Environment="))
        .map(|d| {
            let (name, value) = d
                .split_once('=')
                .unwrap_or_else(|| panic!("Environment={d} is not NAME=value"));
            (name.to_string(), value.to_string())
        })
        .collect()
}

#[test]
fn the_image_serves_on_all_interfaces_with_json_logs() {
    let args = json_array_after(&read("deploy/Dockerfile"), "ENTRYPOINT ");
    match parse(&args).command {
        Command::Serve(serve) => {
            assert_eq!(serve.bind, "0.0.0.0:8080");
            assert_eq!(serve.log_format, LogFormat::Json);
            assert!(!serve.demo, "the image must not seed demo data");
        }
        other => panic!("the ENTRYPOINT runs {other:?}, not serve"),
    }
}

#[test]
fn the_systemd_unit_serves_with_its_defaults() {
    let unit = read("deploy/systemd/kaoping.service");
    let mut line = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("the unit has an ExecStart= line")
        .to_string();
    for (name, value) in unit_defaults(&unit) {
        line = line.replace(&format!("${{{name}}}"), &value);
    }
    assert!(!line.contains('$'), "a variable without a default: {line}");
    let args: Vec<String> = line.split_whitespace().map(str::to_string).collect();
    match parse(&args).command {
        Command::Serve(serve) => {
            assert_eq!(serve.bind, "127.0.0.1:8080");
            assert_eq!(serve.log_format, LogFormat::Json);
            assert!(!serve.demo);
        }
        other => panic!("ExecStart= runs {other:?}, not serve"),
    }
}

#[test]
fn the_migration_job_runs_migrate() {
    let args = json_array_after(&read("deploy/k8s/migrate-job.yaml"), "command: ");
    assert!(
        matches!(parse(&args).command, Command::Migrate { .. }),
        "the Job runs {args:?}"
    );
}

fn collect_env(cmd: &clap::Command, out: &mut BTreeSet<String>) {
    for arg in cmd.get_arguments() {
        if let Some(env) = arg.get_env() {
            out.insert(env.to_string_lossy().into_owned());
        }
    }
    for sub in cmd.get_subcommands() {
        collect_env(sub, out);
    }
}

#[test]
fn the_deployment_files_set_only_variables_kaoping_reads() {
    let mut known = BTreeSet::new();
    collect_env(&Cli::command(), &mut known);
    // `serve` reads this one with std::env::var, not through clap
    assert!(read("src/cli/mod.rs").contains("\"KAOPING_ADMIN_TOKEN\""));
    known.insert("KAOPING_ADMIN_TOKEN".to_string());
    assert!(known.contains("DATABASE_URL"), "{known:?}");
    // the unit's own variables, substituted into its ExecStart= line
    let unit = read("deploy/systemd/kaoping.service");
    known.extend(unit_defaults(&unit).into_iter().map(|(name, _)| name));
    for file in DEPLOY_FILES {
        let text = read(file);
        let words =
            text.split(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'));
        for word in words {
            if (word.starts_with("KAOPING_") && word.len() > "KAOPING_".len())
                || word == "DATABASE_URL"
            {
                assert!(
                    known.contains(word),
                    "{file} sets {word}, which kaoping does not read (it reads {known:?})"
                );
            }
        }
    }
}
