//! The `seqplan` command: all the work is in the library.

fn main() -> std::process::ExitCode {
    seqplan::cli::main()
}
