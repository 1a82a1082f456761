//! Everything that can be wrong with a configuration, each naming the file, variable or key
//! to fix. No variant ever carries a secret's value.

use std::io;
use std::path::PathBuf;

/// A configuration that cannot be loaded or used.
///
/// Only [`ConfigError::Io`] has a `source()` (the io error), and its Display leaves the reason
/// to that source, so print errors with their chain (`{:#}` under anyhow).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {}", path.display())]
    Io { path: PathBuf, source: io::Error },

    /// A syntax, type or unknown-key error in one file; `line` and `column` are 1-based.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },

    #[error("environment variable {var}: {message}")]
    Env { var: String, message: String },

    /// A command-line override, named by its dotted key.
    #[error("command-line setting {key}: {message}")]
    Override { key: String, message: String },

    /// A value that parsed but is not acceptable, after all layers were merged.
    #[error("{key}: {message}")]
    Invalid { key: String, message: String },

    /// The token file of `auth = "token_file"` is missing, unreadable or unusable.
    #[error("grafana.token_file {}: {message}", path.display())]
    Credentials { path: PathBuf, message: String },
}
