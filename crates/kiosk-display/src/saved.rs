//! The last plan resolved from Grafana, kept on disk so a wall restarted while Grafana is down
//! still rotates through the dashboards it last knew (their content comes from the gateway's
//! offline cache).

use std::path::Path;

use crate::Plan;

/// Reads a saved plan; `None` when there is none or it cannot be read (a fresh resolve will
/// replace it).
pub fn load_saved(path: &Path) -> Option<Plan> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

/// Saves the plan atomically (temp file + rename): a power cut never leaves half a plan.
pub fn save(plan: &Plan, path: &Path) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(".plan.json.tmp");
    std::fs::write(
        &tmp,
        serde_json::to_vec_pretty(plan).expect("plans serialize"),
    )?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Page;

    #[test]
    fn a_saved_plan_reads_back_and_garbage_reads_as_none() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/plan.json");
        assert_eq!(load_saved(&path), None);
        let plan = Plan {
            source: "synced".into(),
            pause_resume_ms: 1,
            pages: vec![Page {
                id: "a".into(),
                title: "A".into(),
                url: "/d/a".into(),
                dwell_ms: 2,
                windows: vec![],
            }],
        };
        save(&plan, &path).unwrap();
        assert_eq!(load_saved(&path), Some(plan));
        std::fs::write(&path, "{not json").unwrap();
        assert_eq!(load_saved(&path), None);
    }
}
