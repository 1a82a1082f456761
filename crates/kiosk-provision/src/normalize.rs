//! Dashboard normalization: turns a dashboard as we write it, or as grafana.com serves it, into the
//! JSON kiosk stores in Grafana, with every Prometheus datasource reference bound to the one
//! datasource kiosk manages, so no panel ever says "Datasource ${DS_PROMETHEUS} was not found".
//!
//! [`normalize`] applies these rules, in this order:
//!
//! 1. The root must be an object. An import body (`{"dashboard": {...}, "inputs": ...}`, or a
//!    `GET /api/dashboards/uid` answer with `meta`) that has no `title` of its own is unwrapped to
//!    its `dashboard`. The title must be a non-empty string; the target uid must be valid for
//!    Grafana (`[a-zA-Z0-9_-]`, 1 to 40 characters).
//! 2. `__inputs`: a `datasource` input whose `pluginId` is `prometheus` (or missing) stands for the
//!    managed datasource. A datasource input of another plugin (say `loki`) is *not* bound to
//!    Prometheus, since its queries would be nonsense there: its references stay and make the
//!    dashboard fail with [`NormalizeError::Unresolved`]. A `constant` input has its `value`
//!    substituted for every `${NAME}` in every string. Library panels found in `__elements` are
//!    inlined into the panels that use them (keeping `id` and `gridPos`), because the elements are
//!    dropped with `__inputs` and `__requires`.
//! 3. Datasource references are rewritten in panels (nested row `panels` and legacy `rows[].panels`
//!    included), their `targets`, `annotations.list` and `templating.list`:
//!    - an input placeholder (`${DS_X}`, `$DS_X`, string or object uid) becomes the managed ref
//!      `{"type":"prometheus","uid":<managed uid>}`;
//!    - a reference to a Prometheus datasource template variable (`$ds`, `${ds}`, `${ds:fmt}`,
//!      `[[ds]]`) stays a variable reference, in the object form `{"type":"prometheus","uid":"${ds}"}`;
//!      references to any other variable are left as they are;
//!    - a plain datasource name (`"Prometheus"`, `"default"`), a Prometheus-typed or untyped object
//!      with a literal uid other than ours, or `{"type":"prometheus"}` without uid becomes the
//!      managed ref: kiosk manages exactly one Prometheus, vendor dashboards carry their author's;
//!    - `-- Mixed --` panels stay Mixed; `-- Grafana --`/`grafana`, `-- Dashboard --` and objects of
//!      any other type (`loki`, `__expr__`, ...) are left alone;
//!    - `null`/absent means "the org's default datasource", which may not be ours, so: a panel with
//!      targets gets the managed ref (unless one of its targets names a non-Prometheus type, then
//!      Grafana infers the panel's datasource from its targets); a target gets a copy of its
//!      panel's ref, made explicit as Grafana's schema 36 migration does, or the managed ref when
//!      its panel is Mixed or has none; a non-built-in annotation and a `query`/`adhoc` variable
//!      get the managed ref. Built-in annotations, rows and text panels keep their `null`.
//! 4. Prometheus datasource variables (`type: "datasource"`, `query: "prometheus"`) are kept (users
//!    may switch in the UI) with `current` set to the managed datasource, `options` emptied and any
//!    `regex` filter cleared so that the managed datasource is always among the choices.
//! 5. `id` becomes `null`, `uid` the target uid, `version` is removed, the managed tag is appended
//!    to `tags` (duplicates removed, order kept). No other top-level field is touched: the `kiosk`
//!    provenance field in particular passes through as it is.
//! 6. If [`unresolved_references`] still finds anything, the result is refused with
//!    [`NormalizeError::Unresolved`].
//!
//! The function is deterministic and idempotent: normalizing its own output changes nothing.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

const MIXED: &str = "-- Mixed --";
const GRAFANA: &str = "-- Grafana --";
const GRAFANA_UID: &str = "grafana";
const DASHBOARD: &str = "-- Dashboard --";
const PROMETHEUS: &str = "prometheus";
/// Datasource `type`s that are Grafana internals rather than a datasource plugin.
const INTERNAL_TYPES: [&str; 3] = ["grafana", "datasource", "__expr__"];
/// Export-only keys that Grafana's import strips and that would only confuse a stored dashboard.
const EXPORT_KEYS: [&str; 3] = ["__inputs", "__requires", "__elements"];

/// Where normalized dashboards go: the managed datasource, the dashboard uid and kiosk's tag.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub datasource_uid: &'a str,
    pub datasource_name: &'a str,
    pub uid: &'a str,
    pub managed_tag: &'a str,
}

/// One place that queries a datasource, and the uid it resolves to (`None`: the org's default, a
/// datasource name, or a variable without a usable `current`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub location: String,
    pub uid: Option<String>,
}

#[derive(thiserror::Error, Debug)]
pub enum NormalizeError {
    #[error("dashboard is not a json object")]
    NotAnObject,
    #[error("dashboard has no title")]
    MissingTitle,
    #[error("invalid dashboard uid {0:?}: use 1 to 40 characters of a-z, A-Z, 0-9, '-' and '_'")]
    InvalidUid(String),
    #[error("constant input {0} has no string value")]
    ConstantWithoutValue(String),
    #[error("unresolved datasource references: {}", .0.join(", "))]
    Unresolved(Vec<String>),
}

/// Turns a source dashboard (ours or a grafana.com download) into what kiosk stores in Grafana.
pub fn normalize(source: Value, target: &Target) -> Result<Value, NormalizeError> {
    let mut dash = unwrap_import(source)?;
    let has_title = dash
        .get("title")
        .and_then(Value::as_str)
        .is_some_and(|t| !t.trim().is_empty());
    if !has_title {
        return Err(NormalizeError::MissingTitle);
    }
    if !is_valid_uid(target.uid) {
        return Err(NormalizeError::InvalidUid(target.uid.to_owned()));
    }

    let inputs = Inputs::parse(dash.get("__inputs"))?;
    let elements = library_elements(dash.get("__elements"));
    for key in EXPORT_KEYS {
        dash.remove(key);
    }
    substitute_map(&mut dash, &inputs.constants);

    let rewriter = Rewriter {
        managed: json!({"type": PROMETHEUS, "uid": target.datasource_uid}),
        inputs: &inputs,
        variables: variable_kinds(&dash),
        elements,
    };
    rewriter.rewrite(&mut dash);
    // Like Grafana's importer: a `${DS_X}` outside datasource fields (a link, a description)
    // becomes the datasource uid too.
    let uid_replacements: Vec<(String, String)> = inputs
        .datasources
        .iter()
        .filter(|(_, prometheus)| **prometheus)
        .map(|(name, _)| (format!("${{{name}}}"), target.datasource_uid.to_owned()))
        .collect();
    substitute_map(&mut dash, &uid_replacements);
    pin_datasource_variables(&mut dash, target);
    set_identity(&mut dash, target);

    let dash = Value::Object(dash);
    let unresolved = unresolved_references(&dash);
    if unresolved.is_empty() {
        Ok(dash)
    } else {
        Err(NormalizeError::Unresolved(unresolved))
    }
}

/// Every datasource reference that would not resolve in Grafana: `${X}`/`$X` naming something
/// that is not a template variable of the dashboard, and `DS_*` placeholders anywhere. Empty after
/// [`normalize`]. Listed once each, in order of appearance.
pub fn unresolved_references(dashboard: &Value) -> Vec<String> {
    let variables = variable_kinds_of(dashboard);
    let mut found: Vec<String> = Vec::new();
    let mut push = |reference: &str| {
        if !found.iter().any(|f| f == reference) {
            found.push(reference.to_owned());
        }
    };
    visit_datasources(dashboard, &mut |ds| {
        if let Some(reference) = reference_text(ds)
            && let Some(name) = variable_name(reference)
            && !variables.contains_key(name)
        {
            push(reference.trim());
        }
    });
    visit_strings(dashboard, &mut |s| {
        for (token, name) in embedded_variables(s) {
            if name.starts_with("DS_") && !variables.contains_key(name) {
                push(token);
            }
        }
    });
    found
}

/// Where each panel and target points: (panel title or path, resolved datasource uid or None)
/// after following datasource template variables to their `current` value. Mixed panels are not
/// listed themselves (their targets are); panels without datasource and targets (text, rows) are
/// skipped. A target without datasource inherits its panel's. For tests and diagnostics.
pub fn datasource_bindings(dashboard: &Value) -> Vec<Binding> {
    let currents = datasource_variable_currents(dashboard);
    let mut bindings = Vec::new();
    if let Some(panels) = dashboard.get("panels").and_then(Value::as_array) {
        bind_panels(panels, "panels", &currents, &mut bindings);
    }
    if let Some(rows) = dashboard.get("rows").and_then(Value::as_array) {
        for (i, row) in rows.iter().enumerate() {
            if let Some(panels) = row.get("panels").and_then(Value::as_array) {
                bind_panels(
                    panels,
                    &format!("rows[{i}].panels"),
                    &currents,
                    &mut bindings,
                );
            }
        }
    }
    bindings
}

fn unwrap_import(source: Value) -> Result<Map<String, Value>, NormalizeError> {
    let Value::Object(mut root) = source else {
        return Err(NormalizeError::NotAnObject);
    };
    if !root.contains_key("title")
        && let Some(Value::Object(inner)) = root.remove("dashboard")
    {
        return Ok(inner);
    }
    Ok(root)
}

fn is_valid_uid(uid: &str) -> bool {
    (1..=40).contains(&uid.len())
        && uid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What `__inputs` declares.
#[derive(Default)]
struct Inputs {
    /// Datasource input name → whether it stands for a Prometheus datasource.
    datasources: BTreeMap<String, bool>,
    /// `("${NAME}", value)` for constant inputs.
    constants: Vec<(String, String)>,
}

impl Inputs {
    fn parse(inputs: Option<&Value>) -> Result<Self, NormalizeError> {
        let mut parsed = Inputs::default();
        for input in inputs.and_then(Value::as_array).into_iter().flatten() {
            let Some(name) = input.get("name").and_then(Value::as_str) else {
                continue;
            };
            match input.get("type").and_then(Value::as_str) {
                Some("datasource") => {
                    let plugin = input.get("pluginId").and_then(Value::as_str).unwrap_or("");
                    let prometheus = plugin.is_empty() || plugin.eq_ignore_ascii_case(PROMETHEUS);
                    parsed.datasources.insert(name.to_owned(), prometheus);
                }
                Some("constant") => {
                    let Some(value) = input.get("value").and_then(Value::as_str) else {
                        return Err(NormalizeError::ConstantWithoutValue(name.to_owned()));
                    };
                    parsed
                        .constants
                        .push((format!("${{{name}}}"), value.to_owned()));
                }
                _ => {}
            }
        }
        Ok(parsed)
    }
}

/// Library panel models from `__elements`, by uid (an object keyed by uid, or an older array).
fn library_elements(elements: Option<&Value>) -> BTreeMap<String, Map<String, Value>> {
    let entries: Vec<(Option<&str>, &Value)> = match elements {
        Some(Value::Object(map)) => map.iter().map(|(k, v)| (Some(k.as_str()), v)).collect(),
        Some(Value::Array(list)) => list.iter().map(|v| (None, v)).collect(),
        _ => Vec::new(),
    };
    let mut models = BTreeMap::new();
    for (key, element) in entries {
        let uid = element.get("uid").and_then(Value::as_str).or(key);
        if let (Some(uid), Some(Value::Object(model))) = (uid, element.get("model")) {
            models.insert(uid.to_owned(), model.clone());
        }
    }
    models
}

/// What a template variable is, as far as datasource references care.
#[derive(Debug, Clone, PartialEq, Eq)]
enum VariableKind {
    /// `type: "datasource"`, with its plugin id (`query`), lower-cased.
    Datasource(String),
    Other,
}

fn variable_kinds(dash: &Map<String, Value>) -> BTreeMap<String, VariableKind> {
    template_variables(dash)
        .filter_map(|v| {
            let name = v.get("name").and_then(Value::as_str)?;
            let kind = if v.get("type").and_then(Value::as_str) == Some("datasource") {
                let plugin = v.get("query").and_then(Value::as_str).unwrap_or("");
                VariableKind::Datasource(plugin.to_ascii_lowercase())
            } else {
                VariableKind::Other
            };
            Some((name.to_owned(), kind))
        })
        .collect()
}

fn variable_kinds_of(dashboard: &Value) -> BTreeMap<String, VariableKind> {
    dashboard
        .as_object()
        .map(variable_kinds)
        .unwrap_or_default()
}

fn template_variables(dash: &Map<String, Value>) -> impl Iterator<Item = &Map<String, Value>> {
    dash.get("templating")
        .and_then(|t| t.get("list"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
}

/// The variable named by a whole reference: `$name`, `${name}`, `${name:format}`, `[[name]]` or
/// `[[name:format]]`.
fn variable_name(reference: &str) -> Option<&str> {
    let s = reference.trim();
    let name = if let Some(rest) = s.strip_prefix("${") {
        rest.strip_suffix('}')?.split(':').next()?
    } else if let Some(rest) = s.strip_prefix("[[") {
        rest.strip_suffix("]]")?.split(':').next()?
    } else {
        s.strip_prefix('$')?
    };
    (!name.is_empty() && name.bytes().all(is_name_byte)).then_some(name)
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Variable references inside a string: `(token as written, variable name)`.
fn embedded_variables(s: &str) -> Vec<(&str, &str)> {
    let bytes = s.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &s[i..];
        let token_len = if rest.starts_with("${") {
            rest.find('}').map(|end| end + 1)
        } else if rest.starts_with("[[") {
            rest.find("]]").map(|end| end + 2)
        } else if let Some(after) = rest.strip_prefix('$') {
            let len = 1 + after.bytes().take_while(|b| is_name_byte(*b)).count();
            (len > 1).then_some(len)
        } else {
            None
        };
        match token_len {
            Some(len) => {
                let token = &rest[..len];
                if let Some(name) = variable_name(token) {
                    found.push((token, name));
                }
                i += len;
            }
            // `$`, `{`, `[` are ASCII, so stepping to the next char boundary is enough.
            None => i += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    found
}

/// The text a datasource reference names: the string itself, or an object's `uid`.
fn reference_text(ds: &Value) -> Option<&str> {
    match ds {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("uid").and_then(Value::as_str),
        _ => None,
    }
}

/// `null`, absent, `""` and `{}` all mean "the org's default datasource".
fn is_default_ref(ds: Option<&Value>) -> bool {
    match ds {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(Value::Object(o)) => ["type", "uid"].iter().all(|key| {
            o.get(*key)
                .and_then(Value::as_str)
                .is_none_or(|v| v.is_empty())
        }),
        Some(_) => false,
    }
}

fn is_mixed(ds: &Value) -> bool {
    reference_text(ds) == Some(MIXED)
}

/// What to do with one datasource reference.
enum Resolution {
    /// The org's default datasource: the caller decides.
    Default,
    Mixed,
    Keep,
    Set(Value),
}

struct Rewriter<'a> {
    managed: Value,
    inputs: &'a Inputs,
    variables: BTreeMap<String, VariableKind>,
    elements: BTreeMap<String, Map<String, Value>>,
}

impl Rewriter<'_> {
    fn resolve(&self, ds: Option<&Value>) -> Resolution {
        if is_default_ref(ds) {
            return Resolution::Default;
        }
        let Some(ds) = ds else {
            return Resolution::Default;
        };
        let (kind, reference) = match ds {
            Value::String(s) => (None, Some(s.trim())),
            Value::Object(o) => (
                o.get("type")
                    .and_then(Value::as_str)
                    .filter(|t| !t.is_empty()),
                o.get("uid")
                    .and_then(Value::as_str)
                    .filter(|u| !u.is_empty()),
            ),
            _ => return Resolution::Keep,
        };
        if reference == Some(MIXED) {
            return Resolution::Mixed;
        }
        if matches!(reference, Some(GRAFANA | GRAFANA_UID | DASHBOARD)) {
            return Resolution::Keep;
        }
        let prometheus_kind = kind.is_none_or(|k| k.eq_ignore_ascii_case(PROMETHEUS));
        if let Some(name) = reference.and_then(variable_name) {
            if let Some(prometheus_input) = self.inputs.datasources.get(name) {
                return if *prometheus_input {
                    Resolution::Set(self.managed.clone())
                } else {
                    Resolution::Keep
                };
            }
            return match self.variables.get(name) {
                Some(VariableKind::Datasource(plugin))
                    if plugin == PROMETHEUS && prometheus_kind =>
                {
                    Resolution::Set(json!({"type": PROMETHEUS, "uid": format!("${{{name}}}")}))
                }
                _ => Resolution::Keep,
            };
        }
        if prometheus_kind {
            Resolution::Set(self.managed.clone())
        } else {
            Resolution::Keep
        }
    }

    fn rewrite(&self, dash: &mut Map<String, Value>) {
        if let Some(panels) = dash.get_mut("panels").and_then(Value::as_array_mut) {
            self.rewrite_panels(panels);
        }
        if let Some(rows) = dash.get_mut("rows").and_then(Value::as_array_mut) {
            for row in rows {
                if let Some(panels) = row.get_mut("panels").and_then(Value::as_array_mut) {
                    self.rewrite_panels(panels);
                }
            }
        }
        let annotations = dash
            .get_mut("annotations")
            .and_then(|a| a.get_mut("list"))
            .and_then(Value::as_array_mut);
        for annotation in annotations
            .into_iter()
            .flatten()
            .filter_map(Value::as_object_mut)
        {
            let built_in = match annotation.get("builtIn") {
                Some(Value::Bool(b)) => *b,
                Some(Value::Number(n)) => n.as_f64() != Some(0.0),
                _ => false,
            };
            match self.resolve(annotation.get("datasource")) {
                Resolution::Default if !built_in => {
                    annotation.insert("datasource".into(), self.managed.clone());
                }
                Resolution::Set(ds) => {
                    annotation.insert("datasource".into(), ds);
                }
                _ => {}
            }
        }
        let variables = dash
            .get_mut("templating")
            .and_then(|t| t.get_mut("list"))
            .and_then(Value::as_array_mut);
        for variable in variables
            .into_iter()
            .flatten()
            .filter_map(Value::as_object_mut)
        {
            let queries = matches!(
                variable.get("type").and_then(Value::as_str),
                Some("query" | "adhoc")
            );
            match self.resolve(variable.get("datasource")) {
                Resolution::Default if queries => {
                    variable.insert("datasource".into(), self.managed.clone());
                }
                Resolution::Set(ds) => {
                    variable.insert("datasource".into(), ds);
                }
                _ => {}
            }
        }
    }

    fn rewrite_panels(&self, panels: &mut [Value]) {
        for panel in panels {
            self.inline_library_panel(panel);
            if let Some(panel) = panel.as_object_mut() {
                self.rewrite_panel(panel);
            }
        }
    }

    fn inline_library_panel(&self, panel: &mut Value) {
        let Some(uid) = panel
            .get("libraryPanel")
            .and_then(|l| l.get("uid"))
            .and_then(Value::as_str)
        else {
            return;
        };
        let Some(model) = self.elements.get(uid) else {
            return;
        };
        let mut model = model.clone();
        model.remove("libraryPanel");
        for key in ["id", "gridPos"] {
            if let Some(value) = panel.get(key) {
                model.insert(key.into(), value.clone());
            }
        }
        *panel = Value::Object(model);
    }

    fn rewrite_panel(&self, panel: &mut Map<String, Value>) {
        let targets_name_other_types = panel
            .get("targets")
            .and_then(Value::as_array)
            .is_some_and(|targets| targets.iter().any(names_non_prometheus_type));
        let has_targets = panel
            .get("targets")
            .and_then(Value::as_array)
            .is_some_and(|t| !t.is_empty());
        // What a target without datasource of its own stands for.
        let inherited = match self.resolve(panel.get("datasource")) {
            Resolution::Default if has_targets && !targets_name_other_types => {
                panel.insert("datasource".into(), self.managed.clone());
                self.managed.clone()
            }
            Resolution::Set(ds) => {
                panel.insert("datasource".into(), ds.clone());
                ds
            }
            Resolution::Keep => panel.get("datasource").cloned().unwrap_or(Value::Null),
            Resolution::Default | Resolution::Mixed => self.managed.clone(),
        };
        let targets = panel.get_mut("targets").and_then(Value::as_array_mut);
        for target in targets
            .into_iter()
            .flatten()
            .filter_map(Value::as_object_mut)
        {
            match self.resolve(target.get("datasource")) {
                Resolution::Default => {
                    target.insert("datasource".into(), inherited.clone());
                }
                Resolution::Set(ds) => {
                    target.insert("datasource".into(), ds);
                }
                Resolution::Keep | Resolution::Mixed => {}
            }
        }
        if let Some(children) = panel.get_mut("panels").and_then(Value::as_array_mut) {
            self.rewrite_panels(children);
        }
    }
}

/// A target whose datasource object names a plugin other than Prometheus (`loki`, ...).
fn names_non_prometheus_type(target: &Value) -> bool {
    target
        .get("datasource")
        .and_then(|ds| ds.get("type"))
        .and_then(Value::as_str)
        .is_some_and(|kind| {
            !kind.is_empty()
                && !kind.eq_ignore_ascii_case(PROMETHEUS)
                && !INTERNAL_TYPES.contains(&kind)
        })
}

fn pin_datasource_variables(dash: &mut Map<String, Value>, target: &Target) {
    let variables = dash
        .get_mut("templating")
        .and_then(|t| t.get_mut("list"))
        .and_then(Value::as_array_mut);
    for variable in variables
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
    {
        let prometheus_datasource = variable.get("type").and_then(Value::as_str)
            == Some("datasource")
            && variable
                .get("query")
                .and_then(Value::as_str)
                .is_some_and(|q| q.eq_ignore_ascii_case(PROMETHEUS));
        if !prometheus_datasource {
            continue;
        }
        variable.insert(
            "current".into(),
            json!({"selected": true, "text": target.datasource_name, "value": target.datasource_uid}),
        );
        variable.insert("options".into(), json!([]));
        if variable
            .get("regex")
            .and_then(Value::as_str)
            .is_some_and(|r| !r.is_empty())
        {
            variable.insert("regex".into(), json!(""));
        }
    }
}

fn set_identity(dash: &mut Map<String, Value>, target: &Target) {
    dash.insert("id".into(), Value::Null);
    dash.insert("uid".into(), json!(target.uid));
    dash.remove("version");
    let mut tags: Vec<Value> = Vec::new();
    let existing = match dash.remove("tags") {
        Some(Value::Array(existing)) => existing,
        _ => Vec::new(),
    };
    for tag in existing.into_iter().chain([json!(target.managed_tag)]) {
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    dash.insert("tags".into(), Value::Array(tags));
}

/// Replaces each `from` by its `to` in every string value (not in keys).
fn substitute_map(dash: &mut Map<String, Value>, replacements: &[(String, String)]) {
    if replacements.is_empty() {
        return;
    }
    for value in dash.values_mut() {
        substitute(value, replacements);
    }
}

fn substitute(value: &mut Value, replacements: &[(String, String)]) {
    match value {
        Value::String(s) => {
            for (from, to) in replacements {
                if s.contains(from.as_str()) {
                    *s = s.replace(from.as_str(), to);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| substitute(v, replacements)),
        Value::Object(map) => map.values_mut().for_each(|v| substitute(v, replacements)),
        _ => {}
    }
}

fn visit_strings(value: &Value, f: &mut impl FnMut(&str)) {
    match value {
        Value::String(s) => f(s),
        Value::Array(items) => items.iter().for_each(|v| visit_strings(v, f)),
        Value::Object(map) => map.values().for_each(|v| visit_strings(v, f)),
        _ => {}
    }
}

/// Calls `f` on every datasource reference that is present: panels (nested and legacy rows
/// included), targets, annotations and template variables.
fn visit_datasources(dashboard: &Value, f: &mut impl FnMut(&Value)) {
    fn panels(list: Option<&Value>, f: &mut impl FnMut(&Value)) {
        for panel in list.and_then(Value::as_array).into_iter().flatten() {
            if let Some(ds) = panel.get("datasource") {
                f(ds);
            }
            let targets = panel.get("targets").and_then(Value::as_array);
            for ds in targets
                .into_iter()
                .flatten()
                .filter_map(|t| t.get("datasource"))
            {
                f(ds);
            }
            panels(panel.get("panels"), f);
        }
    }
    panels(dashboard.get("panels"), f);
    for row in dashboard
        .get("rows")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        panels(row.get("panels"), f);
    }
    for section in ["annotations", "templating"] {
        let list = dashboard
            .get(section)
            .and_then(|s| s.get("list"))
            .and_then(Value::as_array);
        for ds in list
            .into_iter()
            .flatten()
            .filter_map(|e| e.get("datasource"))
        {
            f(ds);
        }
    }
}

/// Datasource variable name → the uid its `current` selects (for any other variable: `None`).
fn datasource_variable_currents(dashboard: &Value) -> BTreeMap<String, Option<String>> {
    let Some(dash) = dashboard.as_object() else {
        return BTreeMap::new();
    };
    template_variables(dash)
        .filter_map(|v| {
            let name = v.get("name").and_then(Value::as_str)?;
            let current = (v.get("type").and_then(Value::as_str) == Some("datasource"))
                .then(|| v.get("current")?.get("value")?.as_str())
                .flatten()
                .filter(|value| {
                    !value.is_empty() && *value != "default" && variable_name(value).is_none()
                })
                .map(str::to_owned);
            Some((name.to_owned(), current))
        })
        .collect()
}

fn bound_uid(ds: &Value, currents: &BTreeMap<String, Option<String>>) -> Option<String> {
    let reference = reference_text(ds)?.trim();
    if let Some(name) = variable_name(reference) {
        return currents.get(name).cloned().flatten();
    }
    match ds {
        Value::Object(_) => Some(reference.to_owned()),
        // A legacy string is a datasource name, except for the specials.
        _ => match reference {
            GRAFANA => Some(GRAFANA_UID.to_owned()),
            MIXED | DASHBOARD => Some(reference.to_owned()),
            _ => None,
        },
    }
}

fn bind_panels(
    panels: &[Value],
    prefix: &str,
    currents: &BTreeMap<String, Option<String>>,
    bindings: &mut Vec<Binding>,
) {
    for (i, panel) in panels.iter().enumerate() {
        let path = format!("{prefix}[{i}]");
        let location = match panel.get("title").and_then(Value::as_str) {
            Some(title) if !title.is_empty() => format!("{path} {title:?}"),
            _ => path.clone(),
        };
        let ds = panel
            .get("datasource")
            .filter(|ds| !is_default_ref(Some(ds)));
        let targets = panel
            .get("targets")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        let mixed = ds.is_some_and(is_mixed);
        let panel_uid = if mixed {
            None
        } else {
            ds.and_then(|ds| bound_uid(ds, currents))
        };
        if !mixed && (ds.is_some() || !targets.is_empty()) {
            bindings.push(Binding {
                location: location.clone(),
                uid: panel_uid.clone(),
            });
        }
        for (j, target) in targets.iter().enumerate() {
            let uid = match target.get("datasource") {
                Some(ds) if !is_default_ref(Some(ds)) => bound_uid(ds, currents),
                _ => panel_uid.clone(),
            };
            bindings.push(Binding {
                location: format!("{location} targets[{j}]"),
                uid,
            });
        }
        if let Some(children) = panel.get("panels").and_then(Value::as_array) {
            bind_panels(children, &format!("{path}.panels"), currents, bindings);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TARGET: Target<'static> = Target {
        datasource_uid: "kiosk-prometheus",
        datasource_name: "Kiosk Prometheus",
        uid: "fixture-dash",
        managed_tag: "kiosk-managed",
    };

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures");
    const FLEET_OVERVIEW: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../dashboards/fleet-overview.json"
    );

    /// Every dashboard fixture that must normalize cleanly, relative to `tests/fixtures`.
    const CLEAN: [&str; 10] = [
        "dashboards/inputs-ds-prometheus.json",
        "dashboards/ds-variable.json",
        "dashboards/legacy-strings.json",
        "dashboards/legacy-rows.json",
        "dashboards/mixed-null.json",
        "grafana-com/1860/41.json",
        "grafana-com/1860/42.json",
        "grafana-com/12239/2.json",
        "grafana-com/14493/1.json",
        "grafana-com/23251/3.json",
    ];

    fn read(path: &str) -> Value {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn fixture(relative: &str) -> Value {
        read(&format!("{FIXTURES}/{relative}"))
    }

    fn all_clean() -> Vec<(String, Value)> {
        CLEAN
            .iter()
            .map(|name| (name.to_string(), fixture(name)))
            .chain([("fleet-overview".to_string(), read(FLEET_OVERVIEW))])
            .collect()
    }

    fn managed() -> Value {
        json!({"type": "prometheus", "uid": TARGET.datasource_uid})
    }

    fn assert_clean(name: &str, source: &Value, out: &Value) {
        assert_eq!(unresolved_references(out), Vec::<String>::new(), "{name}");
        let bindings = datasource_bindings(out);
        assert!(bindings.len() >= 3, "{name}: too few bindings {bindings:?}");
        for binding in &bindings {
            assert_eq!(
                binding.uid.as_deref(),
                Some(TARGET.datasource_uid),
                "{name}: {}",
                binding.location
            );
        }
        for key in EXPORT_KEYS {
            assert!(out.get(key).is_none(), "{name}: {key} kept");
        }
        assert_eq!(out["id"], Value::Null, "{name}");
        assert_eq!(out["uid"], json!(TARGET.uid), "{name}");
        assert!(out.get("version").is_none(), "{name}: version kept");
        let tags = out["tags"].as_array().unwrap();
        let managed_tags = tags.iter().filter(|t| *t == TARGET.managed_tag).count();
        assert_eq!(managed_tags, 1, "{name}: {tags:?}");
        assert_eq!(out["title"], source["title"], "{name}");
        let text = out.to_string();
        assert!(
            !text.contains("${DS_"),
            "{name}: placeholder left in {text}"
        );
    }

    #[test]
    fn every_fixture_binds_every_panel_and_target_to_the_managed_datasource() {
        for (name, source) in all_clean() {
            let out = normalize(source.clone(), &TARGET).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_clean(&name, &source, &out);
        }
    }

    #[test]
    fn normalize_is_idempotent() {
        for (name, source) in all_clean() {
            let once = normalize(source, &TARGET).unwrap();
            let twice = normalize(once.clone(), &TARGET).unwrap();
            assert_eq!(once, twice, "{name}");
        }
    }

    #[test]
    fn raw_vendor_dashboards_report_their_placeholders() {
        let raw = fixture("dashboards/inputs-ds-prometheus.json");
        assert_eq!(unresolved_references(&raw), ["${DS_PROMETHEUS}"]);
        let raw = fixture("dashboards/legacy-rows.json");
        assert_eq!(unresolved_references(&raw), ["${DS_PROM}"]);
        let raw = fixture("dashboards/mixed-null.json");
        assert_eq!(unresolved_references(&raw), ["${DS_JETSON}"]);
        // Variable references resolve to the dashboard's own variables.
        assert!(unresolved_references(&fixture("dashboards/ds-variable.json")).is_empty());
    }

    #[test]
    fn undeclared_placeholder_is_refused_and_named() {
        let dashboard = json!({
            "title": "Stray placeholder",
            "panels": [
                {"title": "ok", "datasource": "Prometheus", "targets": [{"refId": "A", "expr": "up"}]},
                {
                    "title": "stray",
                    "datasource": {"type": "prometheus", "uid": "${DS_OTHER}"},
                    "targets": [{"refId": "A", "expr": "up"}]
                }
            ]
        });
        let err = normalize(dashboard, &TARGET).unwrap_err();
        assert!(matches!(&err, NormalizeError::Unresolved(refs) if refs == &["${DS_OTHER}"]));
        assert_eq!(
            err.to_string(),
            "unresolved datasource references: ${DS_OTHER}"
        );
    }

    #[test]
    fn non_prometheus_input_is_not_bound_to_prometheus() {
        let dashboard = json!({
            "__inputs": [{"name": "DS_LOKI", "type": "datasource", "pluginId": "loki"}],
            "title": "Logs",
            "panels": [{
                "title": "errors",
                "type": "logs",
                "datasource": {"type": "loki", "uid": "${DS_LOKI}"},
                "targets": [{"refId": "A", "expr": "{job=\"kiosk\"} |= \"error\""}]
            }]
        });
        let err = normalize(dashboard, &TARGET).unwrap_err();
        assert!(matches!(err, NormalizeError::Unresolved(refs) if refs == ["${DS_LOKI}"]));
    }

    #[test]
    fn loki_references_are_left_alone() {
        let loki = json!({"type": "loki", "uid": "P8E80F9AEF21F6940"});
        let dashboard = json!({
            "title": "Logs and metrics",
            "panels": [
                {
                    "title": "logs",
                    "type": "logs",
                    "datasource": loki,
                    "targets": [
                        {"refId": "A", "expr": "{unit=\"kiosk.service\"}"},
                        {"refId": "B", "datasource": loki, "expr": "{unit=\"grafana.service\"}"}
                    ]
                },
                {
                    "title": "inferred",
                    "type": "logs",
                    "datasource": null,
                    "targets": [{"refId": "A", "datasource": loki, "expr": "{job=\"x\"}"}]
                },
                {"title": "cpu", "datasource": null, "targets": [{"refId": "A", "expr": "up"}]}
            ]
        });
        let out = normalize(dashboard, &TARGET).unwrap();
        assert_eq!(out["panels"][0]["datasource"], loki);
        assert_eq!(out["panels"][0]["targets"][0]["datasource"], loki);
        assert_eq!(out["panels"][0]["targets"][1]["datasource"], loki);
        assert_eq!(out["panels"][1]["datasource"], Value::Null);
        assert_eq!(out["panels"][1]["targets"][0]["datasource"], loki);
        assert_eq!(out["panels"][2]["datasource"], managed());
        assert_eq!(out["panels"][2]["targets"][0]["datasource"], managed());
        let bindings = datasource_bindings(&out);
        assert_eq!(bindings[0].uid.as_deref(), Some("P8E80F9AEF21F6940"));
    }

    #[test]
    fn grafana_annotation_is_untouched() {
        for name in [
            "dashboards/mixed-null.json",
            "dashboards/inputs-ds-prometheus.json",
        ] {
            let source = fixture(name);
            let out = normalize(source.clone(), &TARGET).unwrap();
            let built_in = &source["annotations"]["list"][0];
            assert_eq!(built_in["builtIn"], json!(1), "{name}");
            assert_eq!(&out["annotations"]["list"][0], built_in, "{name}");
        }
    }

    #[test]
    fn mixed_panel_stays_mixed_and_its_targets_are_bound() {
        let source = fixture("dashboards/mixed-null.json");
        let out = normalize(source.clone(), &TARGET).unwrap();
        let mixed = out["panels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["datasource"] == json!(MIXED))
            .expect("a mixed panel");
        let targets = mixed["targets"].as_array().unwrap();
        assert!(targets.len() >= 3);
        for target in targets {
            assert_eq!(target["datasource"], managed());
        }
        // `null` panels with targets are bound explicitly, not left to the org default.
        let null_panels = source["panels"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .filter(|(_, p)| p["datasource"].is_null() && p.get("targets").is_some())
            .map(|(i, _)| i)
            .collect::<Vec<_>>();
        assert!(!null_panels.is_empty());
        for i in null_panels {
            assert_eq!(out["panels"][i]["datasource"], managed());
        }
    }

    #[test]
    fn constant_input_is_substituted() {
        let source = fixture("dashboards/inputs-ds-prometheus.json");
        assert!(source.to_string().contains("${VAR_JOB}"));
        let out = normalize(source, &TARGET).unwrap();
        let text = out.to_string();
        assert!(!text.contains("VAR_JOB"), "{text}");
        let job = out["templating"]["list"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == "job")
            .unwrap();
        assert_eq!(job["query"], "node");
        let exprs: Vec<&str> = out["panels"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["targets"].as_array().into_iter().flatten())
            .filter_map(|t| t["expr"].as_str())
            .collect();
        assert!(
            exprs.iter().any(|e| e.contains(r#"job="node""#)),
            "{exprs:?}"
        );
    }

    #[test]
    fn import_wrapper_is_unwrapped() {
        let source = fixture("dashboards/inputs-ds-prometheus.json");
        let wrapped = json!({
            "dashboard": source.clone(),
            "overwrite": true,
            "inputs": [{"name": "DS_PROMETHEUS", "type": "datasource", "pluginId": "prometheus", "value": "x"}],
            "folderUid": "kiosk"
        });
        assert_eq!(
            normalize(wrapped, &TARGET).unwrap(),
            normalize(source, &TARGET).unwrap()
        );
    }

    #[test]
    fn datasource_variable_is_kept_and_points_at_the_managed_datasource() {
        let out = normalize(fixture("dashboards/ds-variable.json"), &TARGET).unwrap();
        let ds = &out["templating"]["list"][0];
        assert_eq!(ds["name"], "ds_prometheus");
        assert_eq!(ds["type"], "datasource");
        assert_eq!(
            ds["current"],
            json!({"selected": true, "text": "Kiosk Prometheus", "value": "kiosk-prometheus"})
        );
        assert_eq!(ds["options"], json!([]));
        assert_eq!(
            out["panels"][0]["datasource"],
            json!({"type": "prometheus", "uid": "${ds_prometheus}"})
        );
    }

    #[test]
    fn foreign_literal_uid_is_replaced() {
        let source = fixture("dashboards/ds-variable.json");
        let foreign = source["annotations"]["list"][1]["datasource"].clone();
        assert_eq!(foreign["type"], "prometheus");
        assert_ne!(foreign["uid"], json!(TARGET.datasource_uid));
        let out = normalize(source, &TARGET).unwrap();
        assert_eq!(out["annotations"]["list"][1]["datasource"], managed());
    }

    #[test]
    fn legacy_strings_become_variable_objects_and_targets_inherit() {
        let out = normalize(fixture("dashboards/legacy-strings.json"), &TARGET).unwrap();
        let variable_ref = json!({"type": "prometheus", "uid": "${datasource}"});
        let graph = out["panels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["type"] == "graph")
            .unwrap();
        assert_eq!(graph["datasource"], variable_ref);
        for target in graph["targets"].as_array().unwrap() {
            assert_eq!(target["datasource"], variable_ref);
        }
    }

    #[test]
    fn legacy_rows_are_walked_and_names_replaced() {
        let source = fixture("dashboards/legacy-rows.json");
        let names: Vec<&Value> = source["rows"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r["panels"].as_array().unwrap())
            .map(|p| &p["datasource"])
            .collect();
        assert!(names.contains(&&json!("Prometheus")));
        assert!(names.contains(&&json!("${DS_PROM}")));
        let out = normalize(source, &TARGET).unwrap();
        for row in out["rows"].as_array().unwrap() {
            for panel in row["panels"].as_array().unwrap() {
                assert_eq!(panel["datasource"], managed(), "{}", panel["title"]);
            }
        }
        let bindings = datasource_bindings(&out);
        assert!(
            bindings
                .iter()
                .any(|b| b.location.starts_with("rows[1].panels[0]"))
        );
    }

    #[test]
    fn identity_fields_are_set_and_the_rest_left_alone() {
        let dashboard = json!({
            "id": 42,
            "uid": "vendor-uid",
            "version": 7,
            "title": "Tagged",
            "tags": ["gpu", "kiosk-managed", "gpu", "nvidia"],
            "kiosk": {"source": "grafana.com", "id": 12239, "revision": 2, "sha256": "ab12"},
            "refresh": "30s",
        });
        let out = normalize(dashboard, &TARGET).unwrap();
        assert_eq!(
            out,
            json!({
                "id": null,
                "uid": "fixture-dash",
                "title": "Tagged",
                "tags": ["gpu", "kiosk-managed", "nvidia"],
                "kiosk": {"source": "grafana.com", "id": 12239, "revision": 2, "sha256": "ab12"},
                "refresh": "30s",
            })
        );
    }

    #[test]
    fn library_panels_from_elements_are_inlined() {
        let dashboard = json!({
            "__inputs": [{"name": "DS_PROMETHEUS", "type": "datasource", "pluginId": "prometheus"}],
            "__elements": {
                "lib-cpu": {
                    "name": "CPU busy",
                    "uid": "lib-cpu",
                    "kind": 1,
                    "model": {
                        "title": "CPU busy",
                        "type": "timeseries",
                        "datasource": {"type": "prometheus", "uid": "${DS_PROMETHEUS}"},
                        "targets": [{"refId": "A", "expr": "rate(node_cpu_seconds_total{mode!=\"idle\"}[5m])"}]
                    }
                }
            },
            "title": "Library",
            "panels": [{"id": 4, "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0}, "libraryPanel": {"uid": "lib-cpu", "name": "CPU busy"}}]
        });
        let out = normalize(dashboard, &TARGET).unwrap();
        let panel = &out["panels"][0];
        assert!(panel.get("libraryPanel").is_none());
        assert_eq!(panel["id"], 4);
        assert_eq!(panel["type"], "timeseries");
        assert_eq!(panel["datasource"], managed());
        assert_eq!(panel["targets"][0]["datasource"], managed());
    }

    #[test]
    fn fleet_overview_keeps_its_uid_and_variables() {
        let target = Target {
            uid: "fleet-overview",
            ..TARGET
        };
        let source = read(FLEET_OVERVIEW);
        assert_eq!(source["uid"], "fleet-overview");
        let out = normalize(source.clone(), &target).unwrap();
        assert_eq!(out["uid"], "fleet-overview");
        assert_eq!(out["panels"], source["panels"]);
        let names: Vec<&str> = out["templating"]["list"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v["name"].as_str())
            .collect();
        assert_eq!(names, ["datasource", "host"]);
    }

    #[test]
    fn bad_input_is_refused() {
        assert!(matches!(
            normalize(json!([1, 2]), &TARGET),
            Err(NormalizeError::NotAnObject)
        ));
        assert!(matches!(
            normalize(json!({"title": "  ", "panels": []}), &TARGET),
            Err(NormalizeError::MissingTitle)
        ));
        assert!(matches!(
            normalize(json!({"dashboard": {"panels": []}}), &TARGET),
            Err(NormalizeError::MissingTitle)
        ));
        let bad_uid = Target {
            uid: "has spaces",
            ..TARGET
        };
        assert!(matches!(
            normalize(json!({"title": "t"}), &bad_uid),
            Err(NormalizeError::InvalidUid(uid)) if uid == "has spaces"
        ));
        let constant = json!({"title": "t", "__inputs": [{"name": "VAR_X", "type": "constant"}]});
        assert!(matches!(
            normalize(constant, &TARGET),
            Err(NormalizeError::ConstantWithoutValue(name)) if name == "VAR_X"
        ));
    }

    #[test]
    fn variable_references_are_recognised_in_every_syntax() {
        assert_eq!(variable_name("$ds"), Some("ds"));
        assert_eq!(variable_name("${ds}"), Some("ds"));
        assert_eq!(variable_name("${ds:text}"), Some("ds"));
        assert_eq!(variable_name("[[ds]]"), Some("ds"));
        assert_eq!(variable_name("Prometheus"), None);
        assert_eq!(variable_name("$"), None);
        assert_eq!(
            embedded_variables("a ${DS_A} b $DS_B [[c]] $ {x y}"),
            [("${DS_A}", "DS_A"), ("$DS_B", "DS_B"), ("[[c]]", "c")]
        );
    }
}
