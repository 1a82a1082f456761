//! One module per subcommand; each returns the process exit status.

mod config_check;
#[cfg(feature = "gui")]
mod run;
mod serve;
mod sync_dashboards;
mod vendor;
mod watch;

#[cfg(feature = "gui")]
pub use watch::shutdown_signal;

use crate::cli::{Cli, Command, ConfigCommand, VendorCommand};
use crate::settings;

/// Usage, configuration or source files are wrong.
pub const EXIT_CONFIG: u8 = 2;

pub fn run(cli: Cli) -> u8 {
    let loaded = settings::load(&cli.global);
    if let Command::Config(ConfigCommand::Check) = cli.command {
        return config_check::run(loaded);
    }
    let loaded = match loaded {
        Ok(loaded) => loaded,
        Err(e) => {
            print_error(&e);
            return EXIT_CONFIG;
        }
    };
    // WebKit reads its renderer switches from the environment: set them while this is the
    // only thread.
    #[cfg(feature = "gui")]
    if let Command::Run = cli.command {
        run::set_renderer(loaded.config.app.renderer);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    match cli.command {
        Command::SyncDashboards(args) => {
            runtime.block_on(sync_dashboards::run(&loaded.config, &args))
        }
        Command::Vendor(VendorCommand::Lock) => runtime.block_on(vendor::lock(&loaded.config)),
        Command::Serve(args) => runtime.block_on(serve::run(&cli.global, loaded, args.listen)),
        #[cfg(feature = "gui")]
        Command::Run => run::run(&cli.global, loaded, runtime),
        Command::Config(_) => unreachable!("handled above"),
    }
}

/// `error: outer: cause: root cause` on stderr.
pub fn print_error(error: &dyn std::error::Error) {
    eprintln!("error: {}", chain(error));
}

pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // thiserror's `transparent` and `{source}` already repeat the cause.
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
