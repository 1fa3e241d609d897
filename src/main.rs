//! kaoping (考评): the command line. All the work is in the library.

/// An allocator that returns freed memory to the system promptly (see Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    kaoping::cli::main()
}
