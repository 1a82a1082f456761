//! Layered loading: defaults < /etc/kiosk/kiosk.toml < /boot/firmware/kiosk.toml < `KIOSK_*`
//! environment < command-line flags. Each layer is checked on its own first, so an error points
//! at the file line, the variable or the flag that caused it; then the layers are deep-merged
//! as TOML tables and deserialized once.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use toml::{Table, Value};

use crate::error::ConfigError;
use crate::keys::{self, KEYS, Key};
use crate::schema::Config;

/// Where to look for configuration. `Default` reads the two system files and nothing else.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// `--config PATH`: replaces `system_files`, and must exist.
    pub config_file: Option<PathBuf>,
    /// Read when present, lowest precedence first.
    pub system_files: Vec<PathBuf>,
    /// The process environment (`std::env::vars()`); only `KIOSK_<SECTION>_<KEY>` names are
    /// used, other `KIOSK_*` variables belong to the CLI and are ignored.
    pub env: Vec<(String, String)>,
    /// Command-line settings as (dotted key, value), e.g. `("grafana.url", "http://...")`.
    pub overrides: Vec<(String, String)>,
}

impl Default for LoadOptions {
    fn default() -> LoadOptions {
        LoadOptions {
            config_file: None,
            system_files: vec![
                PathBuf::from("/etc/kiosk/kiosk.toml"),
                PathBuf::from("/boot/firmware/kiosk.toml"),
            ],
            env: Vec::new(),
            overrides: Vec::new(),
        }
    }
}

/// The effective configuration and where it came from, for `kiosk config check`.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    /// Files actually read, lowest precedence first.
    pub files: Vec<PathBuf>,
    /// Environment variables that set a key, in [`KEYS`] order.
    pub env_keys: Vec<String>,
}

/// Reads, checks, merges and validates every layer.
pub fn load(opts: &LoadOptions) -> Result<Loaded, ConfigError> {
    let mut merged = Table::new();
    let mut files = Vec::new();

    match &opts.config_file {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
                path: path.clone(),
                source,
            })?;
            merge(&mut merged, parse_file(path, &text)?);
            files.push(path.clone());
        }
        None => {
            for path in &opts.system_files {
                let text = match std::fs::read_to_string(path) {
                    Ok(text) => text,
                    Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
                    Err(source) => {
                        return Err(ConfigError::Io {
                            path: path.clone(),
                            source,
                        });
                    }
                };
                merge(&mut merged, parse_file(path, &text)?);
                files.push(path.clone());
            }
        }
    }

    let (env_layer, env_keys) = env_layer(&opts.env)?;
    merge(&mut merged, env_layer);
    merge(&mut merged, override_layer(&opts.overrides)?);

    // Every layer already deserialized on its own, and the keys are independent, so this can
    // only fail if that reasoning breaks; report it as well as we can anyway.
    let config: Config =
        merged
            .try_into()
            .map_err(|err: toml::de::Error| ConfigError::Invalid {
                key: error_key(&err).unwrap_or_else(|| "configuration".to_owned()),
                message: readable(err.message()),
            })?;
    config.validate()?;
    Ok(Loaded {
        config,
        files,
        env_keys,
    })
}

impl Config {
    /// Parses one TOML document, e.g. a test fixture, without layering or validation.
    /// `path` is only used in error messages.
    pub fn from_toml_str(path: &Path, text: &str) -> Result<Config, ConfigError> {
        parse_toml(path, text)
    }

    /// The effective configuration as TOML, secrets shown as `"***"`.
    pub fn to_toml_redacted(&self) -> String {
        toml::to_string(self).expect("the schema only holds values TOML can represent")
    }
}

/// Parses any TOML document kiosk reads (kiosk.toml, vendor.toml, vendor.lock) into `T`, with
/// errors as `path:line:column: message`. `path` is only used in error messages.
pub fn parse_toml<T: serde::de::DeserializeOwned>(
    path: &Path,
    text: &str,
) -> Result<T, ConfigError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    toml::from_str(text).map_err(|err| parse_error(path, text, &err))
}

/// Checks a file against the schema on its own (so the error has its line and column), then
/// returns it as a table for merging.
fn parse_file(path: &Path, text: &str) -> Result<Table, ConfigError> {
    // Notepad on the boot partition writes a byte-order mark; it is not TOML.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    Config::from_toml_str(path, text)?;
    text.parse::<Table>()
        .map_err(|err| parse_error(path, text, &err))
}

fn parse_error(path: &Path, text: &str, err: &toml::de::Error) -> ConfigError {
    let (line, column) = err
        .span()
        .map_or((1, 1), |span| line_column(text, span.start));
    let mut message = readable(err.message());
    if message == "duplicate key" {
        // toml does not say which; the span covers it.
        if let Some(name) = err.span().and_then(|span| text.get(span))
            && !name.is_empty()
            && !name.contains('\n')
        {
            message = format!("duplicate key `{}`", name.trim());
        }
    }
    if let Some(key) = error_key(err) {
        message = format!("{key}: {message}");
    }
    ConfigError::Parse {
        path: path.to_owned(),
        line,
        column,
        message,
    }
}

/// serde names the Rust type where a section is expected; users wrote TOML, not Rust.
fn readable(message: &str) -> String {
    let mut message = message.trim_end().to_owned();
    for name in [
        "GrafanaConfig",
        "DatasourceConfig",
        "ProvisionConfig",
        "CacheConfig",
    ] {
        message = message.replace(&format!("expected struct {name}"), "expected a table");
    }
    message
}

/// The dotted key toml attributes an error to. toml keeps it private and prints it only when
/// it has no source text to quote, so render a copy without the text.
fn error_key(err: &toml::de::Error) -> Option<String> {
    let mut bare = err.clone();
    bare.set_input(None);
    bare.to_string()
        .lines()
        .find_map(|line| {
            line.strip_prefix("in `")?
                .strip_suffix('`')
                .map(str::to_owned)
        })
        .filter(|key| !key.is_empty())
}

/// 1-based line and column (in characters, as editors count) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |nl| nl + 1);
    let line = before.matches('\n').count() + 1;
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn env_layer(env: &[(String, String)]) -> Result<(Table, Vec<String>), ConfigError> {
    // Later entries win, as they would in a shell.
    let env: HashMap<&str, &str> = env
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let mut layer = Table::new();
    let mut applied = Vec::new();
    for key in KEYS {
        let var = key.env_var();
        let Some(raw) = env.get(var.as_str()) else {
            continue;
        };
        let value = checked_value(key, raw).map_err(|message| ConfigError::Env {
            var: var.clone(),
            message,
        })?;
        insert(&mut layer, key, value);
        applied.push(var);
    }
    Ok((layer, applied))
}

fn override_layer(overrides: &[(String, String)]) -> Result<Table, ConfigError> {
    let mut layer = Table::new();
    for (dotted, raw) in overrides {
        let error = |message: String| ConfigError::Override {
            key: dotted.clone(),
            message,
        };
        let key = keys::find(dotted).ok_or_else(|| {
            let known: Vec<String> = KEYS.iter().map(Key::dotted).collect();
            error(format!("unknown key, expected one of {}", known.join(", ")))
        })?;
        let value = checked_value(key, raw).map_err(error)?;
        insert(&mut layer, key, value);
    }
    Ok(layer)
}

/// Coerces `raw` and runs it through the schema alone, so a bad URL or duration is blamed on
/// the variable or flag that carried it rather than on the merged result.
fn checked_value(key: &Key, raw: &str) -> Result<Value, String> {
    let value = key.coerce(raw)?;
    let mut single = Table::new();
    insert(&mut single, key, value.clone());
    single
        .try_into::<Config>()
        .map_err(|err| readable(err.message()))?;
    Ok(value)
}

fn insert(table: &mut Table, key: &Key, value: Value) {
    let section = table
        .entry(key.section)
        .or_insert_with(|| Value::Table(Table::new()));
    if let Value::Table(section) = section {
        section.insert(key.key.to_owned(), value);
    }
}

/// Deep merge: tables merge key by key, anything else in `upper` replaces what `lower` had.
fn merge(lower: &mut Table, upper: Table) {
    for (name, value) in upper {
        match (lower.get_mut(&name), value) {
            (Some(Value::Table(below)), Value::Table(above)) => merge(below, above),
            (_, value) => {
                lower.insert(name, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_is_one_based_and_counts_characters() {
        let text = "a = 1\nné = 2\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        // `=` after "né " is the 4th character but the 5th byte of the line.
        assert_eq!(line_column(text, 6 + 4), (2, 4));
        assert_eq!(line_column(text, text.len()), (3, 1));
    }

    #[test]
    fn merge_is_deep() {
        let mut lower: Table = "[grafana]\nurl = \"a\"\nretries = 1".parse().unwrap();
        let upper: Table = "[grafana]\nretries = 2\n[cache]\ndir = \"c\""
            .parse()
            .unwrap();
        merge(&mut lower, upper);
        let expected: Table = "[grafana]\nurl = \"a\"\nretries = 2\n[cache]\ndir = \"c\""
            .parse()
            .unwrap();
        assert_eq!(lower, expected);
    }
}
