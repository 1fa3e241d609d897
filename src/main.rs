//! kaoping (考评): the command line. All the work is in the library.

fn main() -> std::process::ExitCode {
    kaoping::cli::main()
}
