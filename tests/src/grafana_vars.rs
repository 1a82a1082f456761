//! Grafana's template-variable syntax in query expressions (`$name`, `${name}`,
//! `${name:format}`, `[[name]]`), replaced the way Grafana's frontend does before a query is
//! sent. Shared by the simulator's `/api/ds/query` and the dashboard data test.

/// Replaces every reference whose name `value` knows; returns the result and the names it did
/// not know (left in place). `$1` and `${1}` are capture groups of `label_replace`, which
/// Grafana leaves alone too: they are neither replaced nor reported.
pub fn substitute(expr: &str, value: impl Fn(&str) -> Option<String>) -> (String, Vec<String>) {
    let mut out = String::with_capacity(expr.len());
    let mut unknown = Vec::new();
    let mut rest = expr;
    while let Some(at) = rest.find(['$', '[']) {
        let (before, tail) = rest.split_at(at);
        out.push_str(before);
        let reference = reference_at(tail).filter(|(name, _)| !is_capture_group(name));
        match reference {
            Some((name, len)) => {
                match value(name) {
                    Some(v) => out.push_str(&v),
                    None => {
                        unknown.push(name.to_owned());
                        out.push_str(&tail[..len]);
                    }
                }
                rest = &tail[len..];
            }
            None => {
                out.push_str(&tail[..1]);
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    (out, unknown)
}

/// The variable name referenced at the start of `tail`, and the reference's length.
fn reference_at(tail: &str) -> Option<(&str, usize)> {
    if let Some(inner) = tail.strip_prefix("${") {
        inner.find('}').map(|end| (name_of(&inner[..end]), 3 + end))
    } else if let Some(inner) = tail.strip_prefix("[[") {
        inner
            .find("]]")
            .map(|end| (name_of(&inner[..end]), 4 + end))
    } else if let Some(inner) = tail.strip_prefix('$') {
        let len = inner
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        (len > 0).then(|| (&inner[..len], 1 + len))
    } else {
        None
    }
}

fn is_capture_group(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit())
}

/// `host` of `host`, `host:regex` or `host.text`.
fn name_of(reference: &str) -> &str {
    reference
        .split([':', '.'])
        .next()
        .unwrap_or(reference)
        .trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_syntax_is_replaced_and_capture_groups_stay() {
        let known = |name: &str| (name == "host").then(|| ".*".to_owned());
        let (out, unknown) = substitute(
            r#"up{a=~"$host", b=~"${host}", c=~"${host:regex}", d=~"[[host]]"} + label_replace(x, "h", "$1", "i", "(.*)") + $other"#,
            known,
        );
        assert_eq!(
            out,
            r#"up{a=~".*", b=~".*", c=~".*", d=~".*"} + label_replace(x, "h", "$1", "i", "(.*)") + $other"#
        );
        assert_eq!(unknown, ["other"]);
    }
}
