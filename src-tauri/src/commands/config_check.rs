//! `kiosk config check`: the effective configuration with secrets redacted, where it came from,
//! and whether the credentials can be read; exit 2 with file:line:column on errors.

use kiosk_config::{ConfigError, Loaded};

use super::{EXIT_CONFIG, print_error};

pub fn run(loaded: Result<Loaded, ConfigError>) -> u8 {
    let loaded = match loaded.and_then(|l| l.config.grafana.credentials().map(|_| l)) {
        Ok(loaded) => loaded,
        Err(e) => {
            print_error(&e);
            return EXIT_CONFIG;
        }
    };
    if loaded.files.is_empty() {
        println!("# no configuration file found; defaults apply");
    }
    for file in &loaded.files {
        println!("# read {}", file.display());
    }
    for var in &loaded.env_keys {
        println!("# from environment: {var}");
    }
    print!("{}", loaded.config.to_toml_redacted());
    0
}
