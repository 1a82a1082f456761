//! The `kiosk` binary: parse the command line, run the command, exit with its status.

#[cfg(feature = "gui")]
mod app;
mod cli;
mod commands;
mod settings;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    settings::init_logging(cli.global.verbose);
    ExitCode::from(commands::run(cli))
}
