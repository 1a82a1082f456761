//! kiosk.toml: the schema, layered loading (flags > `KIOSK_*` env > boot file > /etc file >
//! defaults) and the resolved Grafana credentials. No I/O beyond reading the config and token
//! files, no async, no GUI.

mod credentials;
mod error;
mod keys;
mod load;
mod schema;
mod secret;
mod validate;

pub use credentials::Credentials;
pub use error::ConfigError;
pub use keys::{KEYS, Key, Kind, env_var_names};
pub use load::{LoadOptions, Loaded, load, parse_toml};
pub use schema::{
    AppConfig, AuthMethod, CHROME, CacheConfig, Config, DAYS, DatasourceConfig, DisplayConfig,
    GatewayConfig, GrafanaConfig, PageConfig, ProvisionConfig, Renderer, ScreenConfig,
    WindowConfig,
};
pub use secret::{REDACTED, Secret};
pub use validate::parse_hhmm;
