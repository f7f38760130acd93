//! `cargo xtask routes` (`make routes`): see the library's [`xtask::routes`].

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["routes"] => xtask::routes::main(),
        _ => {
            eprintln!("usage: cargo xtask routes");
            ExitCode::from(2)
        }
    }
}
