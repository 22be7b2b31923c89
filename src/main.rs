//! The `seqplan` command: all the work is in the library.

fn main() -> std::process::ExitCode {
    seqplan::run(std::env::args_os())
}
