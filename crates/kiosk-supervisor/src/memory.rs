//! The web process's resident memory, read from /proc: the memory guard recreates the webview
//! when WebKit's web process (a child of the app) grows past `app.memory_limit`.

use std::collections::HashMap;

/// WebKit's web process, as the kernel shortens its name (15 bytes).
const WEB_PROCESS: &str = "WebKitWebProces";

/// Resident bytes of every WebKit web process below `root`; `None` when there is none (yet).
pub fn web_process_rss(root: i32) -> Option<u64> {
    let page = procfs::page_size();
    let tree = walk(root);
    let rss: Vec<u64> = tree
        .iter()
        .filter(|p| p.comm.starts_with(WEB_PROCESS))
        .map(|p| p.rss_pages * page)
        .collect();
    (!rss.is_empty()).then(|| rss.iter().sum())
}

/// Process ids of the WebKit web processes below `root`.
pub fn web_processes(root: i32) -> Vec<i32> {
    walk(root)
        .into_iter()
        .filter(|p| p.comm.starts_with(WEB_PROCESS))
        .map(|p| p.pid)
        .collect()
}

/// `(pid, name)` of every process below `root`.
pub fn descendants(root: i32) -> Vec<(i32, String)> {
    walk(root).into_iter().map(|p| (p.pid, p.comm)).collect()
}

#[derive(Debug, Clone)]
struct Proc {
    pid: i32,
    ppid: i32,
    comm: String,
    rss_pages: u64,
}

/// Every process below `root` (not `root` itself), from one pass over /proc.
fn walk(root: i32) -> Vec<Proc> {
    let Ok(all) = procfs::process::all_processes() else {
        return Vec::new();
    };
    let procs: Vec<Proc> = all
        .filter_map(|p| p.ok()?.stat().ok())
        .map(|s| Proc {
            pid: s.pid,
            ppid: s.ppid,
            comm: s.comm,
            rss_pages: s.rss,
        })
        .collect();
    let mut children: HashMap<i32, Vec<&Proc>> = HashMap::new();
    for p in &procs {
        children.entry(p.ppid).or_default().push(p);
    }
    let mut found = Vec::new();
    let mut queue = vec![root];
    while let Some(pid) = queue.pop() {
        for child in children.get(&pid).into_iter().flatten() {
            queue.push(child.pid);
            found.push((*child).clone());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_children_and_grandchildren_but_no_web_process_here() {
        let me = std::process::id() as i32;
        let mut child = std::process::Command::new("sh")
            .args(["-c", "sleep 5 & wait"])
            .spawn()
            .expect("sh runs");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let mut seen = Vec::new();
        while std::time::Instant::now() < deadline {
            seen = walk(me);
            if seen.iter().any(|p| p.comm == "sleep") {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        assert!(
            seen.iter().any(|p| p.comm == "sh" && p.rss_pages > 0),
            "{seen:?}"
        );
        assert!(seen.iter().any(|p| p.comm == "sleep"), "{seen:?}");
        assert_eq!(web_process_rss(me), None);
    }
}
