//! `kiosk vendor lock`: download the pinned grafana.com revisions into the cache and record
//! their sha256 in vendor.lock.

use kiosk_config::Config;
use kiosk_provision::Provisioner;

use super::print_error;

pub async fn lock(config: &Config) -> u8 {
    let result = async { Provisioner::new(config)?.relock().await }.await;
    match result {
        Ok(lock) => {
            for entry in &lock.dashboards {
                println!(
                    "{:>6} r{:<4} sha256 {}",
                    entry.id, entry.revision, entry.sha256
                );
            }
            println!(
                "{} revisions locked in {}",
                lock.dashboards.len(),
                config
                    .provision
                    .dashboards_dir
                    .join(kiosk_provision::sources::LOCK_FILE)
                    .display()
            );
            0
        }
        Err(e) => {
            print_error(&e);
            e.exit_code()
        }
    }
}
