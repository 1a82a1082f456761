//! `kiosk sync-dashboards`: load and verify the sources, sync them, print the report; with
//! `--watch`, do it again whenever the dashboards directory changes.

use std::path::Path;
use std::time::Duration;

use indicatif::ProgressBar;
use kiosk_config::Config;
use kiosk_provision::{Options, Provisioner, Report};

use super::{EXIT_CONFIG, chain};
use crate::cli::{Output, SyncArgs};

pub async fn run(config: &Config, args: &SyncArgs) -> u8 {
    let provisioner = match Provisioner::new(config) {
        Ok(p) => p,
        Err(e) => return fail(args.output, &e, EXIT_CONFIG),
    };
    let options = Options {
        dry_run: args.dry_run,
        force: args.force,
        prune: args.prune,
    };
    let status = once(&provisioner, options, args.output).await;
    if !args.watch {
        return status;
    }
    watch(&provisioner, options, args.output).await
}

/// One sync: sources first (nothing is written if any is bad), then Grafana.
async fn once(provisioner: &Provisioner, options: Options, output: Output) -> u8 {
    let progress = ProgressBar::new_spinner();
    progress.enable_steady_tick(Duration::from_millis(120));
    progress.set_message("reading dashboards");
    let result = async {
        let sources = provisioner.load_sources().await?;
        progress.set_message(format!(
            "syncing {} dashboards to {}",
            sources.dashboards.len(),
            provisioner.client.base_url()
        ));
        provisioner
            .sync(&sources, options, &mut |entry| {
                progress.set_message(format!("{} {}", entry.uid, entry.line(options.dry_run)));
            })
            .await
    }
    .await;
    progress.finish_and_clear();
    match result {
        Ok(report) => {
            print_report(&report, output);
            u8::from(report.has_failures())
        }
        Err(e) => {
            let code = e.exit_code();
            fail(output, &e, code)
        }
    }
}

fn print_report(report: &Report, output: Output) {
    match output {
        Output::Human => print!("{}", report.render()),
        Output::Json => println!(
            "{}",
            serde_json::to_string_pretty(report).expect("reports serialize")
        ),
    }
}

fn fail(output: Output, error: &dyn std::error::Error, code: u8) -> u8 {
    let message = chain(error);
    eprintln!("error: {message}");
    if output == Output::Json {
        println!(
            "{}",
            serde_json::json!({ "error": message, "exit_code": code })
        );
    }
    code
}

/// Re-syncs on changes to dashboards, vendor.toml or vendor.lock until SIGINT or SIGTERM.
async fn watch(provisioner: &Provisioner, options: Options, output: Output) -> u8 {
    let dir = &provisioner.layout.dashboards_dir;
    let (_watch, mut changed) =
        match super::watch::changes(std::slice::from_ref(dir), is_source_file) {
            Ok(watching) => watching,
            Err(message) => {
                eprintln!("error: {message}");
                return EXIT_CONFIG;
            }
        };
    eprintln!("watching {} for changes (Ctrl-C to stop)", dir.display());
    let shutdown = super::watch::shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            Some(()) = changed.recv() => {
                eprintln!("change detected, syncing");
                once(provisioner, options, output).await;
            }
            () = &mut shutdown => return 0,
        }
    }
}

fn is_source_file(path: &Path) -> bool {
    let hidden = path
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'));
    let name_ok = path
        .extension()
        .is_some_and(|e| e == "json" || e == "toml" || e == "lock");
    name_ok && !hidden
}
