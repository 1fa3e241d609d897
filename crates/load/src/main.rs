use clap::Parser;

fn main() -> std::process::ExitCode {
    match kaoping_load::execute(kaoping_load::LoadCli::parse()) {
        Ok(out) => {
            println!("{out}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("kaoping-load: {}", kaoping::error_chain(&e));
            std::process::ExitCode::from(2)
        }
    }
}
