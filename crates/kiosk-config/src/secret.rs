//! A string that must never reach a log line, an error message or `kiosk config check`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// What every redacted secret prints as.
pub const REDACTED: &str = "***";

/// A credential (Grafana token, password). Debug, Display and Serialize all print [`REDACTED`];
/// the only way to the value is [`Secret::expose`], so every use of the real value is greppable.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The real value, for the one place that needs it: the Authorization header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Secret {
        Secret(value.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(REDACTED)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Secret, D::Error> {
        deserializer.deserialize_str(SecretVisitor)
    }
}

struct SecretVisitor;

impl SecretVisitor {
    /// serde's stock "invalid type: integer `123456`" would echo a numeric password into the
    /// error, so non-strings get a message that names the type only.
    fn wrong_type<E: de::Error>(kind: &str) -> E {
        E::custom(format_args!(
            "invalid type: {kind}, expected a string (value hidden: it is a secret)"
        ))
    }
}

impl de::Visitor<'_> for SecretVisitor {
    type Value = Secret;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Secret, E> {
        Ok(Secret::new(value))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Secret, E> {
        Ok(Secret(value))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Secret, E> {
        Err(Self::wrong_type("boolean"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Secret, E> {
        Err(Self::wrong_type("integer"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Secret, E> {
        Err(Self::wrong_type("integer"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Secret, E> {
        Err(Self::wrong_type("float"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Holder {
        secret: Secret,
    }

    #[test]
    fn deserializes_from_a_string_and_exposes_it() {
        let holder: Holder = toml::from_str(r#"secret = "glsa_abc""#).unwrap();
        assert_eq!(holder.secret.expose(), "glsa_abc");
    }

    #[test]
    fn a_numeric_secret_is_not_echoed_in_the_type_error() {
        let err = toml::from_str::<Holder>("secret = 987654").err().unwrap();
        assert!(!err.message().contains("987654"), "{}", err.message());
        assert!(
            err.message().contains("expected a string"),
            "{}",
            err.message()
        );
    }
}
