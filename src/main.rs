//! The `embargo` binary: parse the command line, then hand over to [`embargo::cli`]
//! (which loads the configuration, initialises logging and dispatches).

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = embargo::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(embargo::cli::run(cli))
}
