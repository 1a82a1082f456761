//! `Cache` on a real directory: round trip, restart, eviction, oversize, damaged files, temp
//! files, concurrent writers.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kiosk_cache::{Cache, Entry, get_key};

/// An entry stored at `ms` after a fixed instant, so ages are under the test's control and
/// sizes (the header holds the time) do not depend on the clock.
fn entry(body: &[u8], ms: u64) -> Entry {
    Entry {
        status: 200,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("etag".into(), "\"abc\"".into()),
        ],
        body: body.to_vec(),
        stored_at: UNIX_EPOCH + Duration::from_millis(1_764_000_000_000 + ms),
    }
}

/// The files in `dir`, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|d| d.unwrap().path())
        .collect();
    files.sort();
    files
}

fn disk_bytes(dir: &Path) -> u64 {
    files(dir)
        .iter()
        .map(|p| fs::metadata(p).unwrap().len())
        .sum()
}

/// The size one entry of `body_len` bytes takes on disk, for keys of the same length as `key`.
fn entry_size(key: &str, body_len: usize) -> u64 {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path(), u64::MAX).unwrap();
    cache.put(key, &entry(&vec![b'x'; body_len], 0)).unwrap();
    cache.bytes()
}

#[test]
fn put_then_get_returns_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(&dir.path().join("gateway"), 1 << 20).unwrap();
    assert!(cache.is_empty());
    let key = get_key("/api/dashboards/uid/fleet-overview");
    let stored = entry(br#"{"dashboard":{}}"#, 123);
    cache.put(&key, &stored).unwrap();

    assert_eq!(cache.get(&key), Some(stored));
    assert_eq!(cache.get(&get_key("/api/search")), None);
    assert_eq!(cache.len(), 1);
    assert_eq!(cache.bytes(), disk_bytes(&dir.path().join("gateway")));
}

#[test]
fn stored_at_is_kept_to_the_millisecond() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path(), 1 << 20).unwrap();
    let mut stored = entry(b"x", 0);
    stored.stored_at = UNIX_EPOCH + Duration::new(1_764_000_000, 123_456_789);
    cache.put("k", &stored).unwrap();
    assert_eq!(
        cache.get("k").unwrap().stored_at,
        UNIX_EPOCH + Duration::new(1_764_000_000, 123_000_000)
    );
}

#[test]
fn put_replaces_the_entry_of_the_same_key() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path(), 1 << 20).unwrap();
    cache.put("k", &entry(b"old answer, longer", 1)).unwrap();
    let newer = entry(b"new", 2);
    cache.put("k", &newer).unwrap();
    assert_eq!(cache.get("k"), Some(newer));
    assert_eq!(cache.len(), 1);
    assert_eq!(cache.bytes(), disk_bytes(dir.path()));
}

#[test]
fn clones_share_one_cache() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path(), 1 << 20).unwrap();
    let clone = cache.clone();
    clone.put("k", &entry(b"x", 0)).unwrap();
    assert_eq!(cache.len(), 1);
    assert!(cache.get("k").is_some());
}

#[test]
fn entries_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, a, b) = {
        let cache = Cache::open(dir.path(), 1 << 20).unwrap();
        let a = entry(b"first", 1);
        let b = entry(&[7u8; 1000], 2);
        cache.put("a", &a).unwrap();
        cache.put("b", &b).unwrap();
        (cache.bytes(), a, b)
    };
    let cache = Cache::open(dir.path(), 1 << 20).unwrap();
    assert_eq!(cache.len(), 2);
    assert_eq!(cache.bytes(), bytes);
    assert_eq!(cache.get("a"), Some(a));
    assert_eq!(cache.get("b"), Some(b));
}

#[test]
fn eviction_keeps_the_total_bounded_and_drops_the_oldest_first() {
    let size = entry_size("key-0", 100);
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path(), 3 * size).unwrap();
    // Written out of age order: eviction follows stored_at, not the order of the puts.
    for (key, ms) in [("key-2", 200), ("key-0", 0), ("key-1", 100)] {
        cache.put(key, &entry(&[b'x'; 100], ms)).unwrap();
    }
    assert_eq!(cache.bytes(), 3 * size);

    cache.put("key-3", &entry(&[b'x'; 100], 300)).unwrap();
    assert_eq!(cache.len(), 3);
    assert_eq!(cache.get("key-0"), None, "the oldest is evicted");
    for key in ["key-1", "key-2", "key-3"] {
        assert!(cache.get(key).is_some(), "{key} kept");
    }

    cache.put("key-4", &entry(&[b'x'; 100], 400)).unwrap();
    assert_eq!(cache.get("key-1"), None);
    assert!(cache.bytes() <= 3 * size);
    assert_eq!(cache.bytes(), disk_bytes(dir.path()));
    assert_eq!(files(dir.path()).len(), 3);
}

#[test]
fn one_large_entry_evicts_as_many_as_needed() {
    let size = entry_size("key-0", 100);
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path(), 4 * size).unwrap();
    for i in 0..4 {
        cache
            .put(&format!("key-{i}"), &entry(&[b'x'; 100], i))
            .unwrap();
    }
    // About 2.5 entries' worth on disk (a body of 100 takes `size`): the three oldest must go.
    let big = entry(&vec![b'y'; (size + size / 2 + 100) as usize], 10);
    cache.put("key-9", &big).unwrap();
    assert_eq!(cache.len(), 2);
    assert!(cache.get("key-3").is_some());
    assert_eq!(cache.get("key-9"), Some(big));
    assert!(cache.bytes() <= 4 * size);
    assert_eq!(cache.bytes(), disk_bytes(dir.path()));
}

#[test]
fn eviction_order_survives_reopen() {
    let size = entry_size("key-0", 10);
    let dir = tempfile::tempdir().unwrap();
    {
        let cache = Cache::open(dir.path(), 2 * size).unwrap();
        cache.put("key-1", &entry(&[b'x'; 10], 100)).unwrap();
        cache.put("key-0", &entry(&[b'x'; 10], 0)).unwrap();
    }
    let cache = Cache::open(dir.path(), 2 * size).unwrap();
    cache.put("key-2", &entry(&[b'x'; 10], 200)).unwrap();
    assert_eq!(cache.get("key-0"), None);
    assert!(cache.get("key-1").is_some());
    assert!(cache.get("key-2").is_some());
}

#[test]
fn reopen_with_a_smaller_bound_evicts() {
    let size = entry_size("key-0", 10);
    let dir = tempfile::tempdir().unwrap();
    {
        let cache = Cache::open(dir.path(), 10 * size).unwrap();
        for i in 0..5 {
            cache
                .put(&format!("key-{i}"), &entry(&[b'x'; 10], i))
                .unwrap();
        }
    }
    let cache = Cache::open(dir.path(), 2 * size).unwrap();
    assert_eq!(cache.len(), 2);
    assert!(cache.get("key-3").is_some());
    assert!(cache.get("key-4").is_some());
    assert_eq!(files(dir.path()).len(), 2);
}

#[test]
fn entry_larger_than_the_cache_is_not_stored() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path(), 4096).unwrap();
    let small = entry(b"small", 0);
    cache.put("small", &small).unwrap();
    let before = cache.bytes();

    cache.put("huge", &entry(&[0u8; 5000], 1)).unwrap();
    assert_eq!(cache.get("huge"), None);
    assert_eq!(cache.get("small"), Some(small), "nothing evicted for it");
    assert_eq!(cache.bytes(), before);
    assert_eq!(files(dir.path()).len(), 1);
}

#[test]
fn truncated_file_is_a_miss_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path(), 1 << 20).unwrap();
    cache.put("other", &entry(b"fine", 0)).unwrap();
    let other_bytes = cache.bytes();
    cache.put("k", &entry(&[1u8; 500], 0)).unwrap();
    let path = only_file_of(dir.path(), "k");
    let len = fs::metadata(&path).unwrap().len();
    fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(len - 1)
        .unwrap();

    assert_eq!(cache.get("k"), None);
    assert!(!path.exists());
    assert_eq!(cache.len(), 1);
    assert_eq!(cache.bytes(), other_bytes);
    assert!(cache.get("other").is_some());
}

#[test]
fn damaged_body_is_a_miss_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path(), 1 << 20).unwrap();
    cache.put("k", &entry(b"some body", 0)).unwrap();
    let path = only_file_of(dir.path(), "k");
    let mut bytes = fs::read(&path).unwrap();
    *bytes.last_mut().unwrap() ^= 0xff;
    fs::write(&path, bytes).unwrap();

    assert_eq!(cache.get("k"), None);
    assert!(!path.exists());
    assert!(cache.is_empty());
    assert_eq!(cache.bytes(), 0);
}

#[test]
fn file_deleted_behind_our_back_is_a_miss() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path(), 1 << 20).unwrap();
    cache.put("k", &entry(b"x", 0)).unwrap();
    fs::remove_file(only_file_of(dir.path(), "k")).unwrap();
    assert_eq!(cache.get("k"), None);
    assert!(cache.is_empty());
    assert_eq!(cache.bytes(), 0);
}

#[test]
fn damaged_files_are_dropped_at_open() {
    let dir = tempfile::tempdir().unwrap();
    {
        let cache = Cache::open(dir.path(), 1 << 20).unwrap();
        cache.put("truncated", &entry(&[1u8; 300], 0)).unwrap();
        cache.put("kept", &entry(b"kept", 1)).unwrap();
    }
    let truncated = only_file_of(dir.path(), "truncated");
    let len = fs::metadata(&truncated).unwrap().len();
    fs::write(
        &truncated,
        &fs::read(&truncated).unwrap()[..(len / 2) as usize],
    )
    .unwrap();
    // Garbage under an entry's name, and an empty file as a crash could leave.
    let garbage = dir.path().join("a".repeat(64));
    fs::write(&garbage, b"not an entry").unwrap();
    let empty = dir.path().join("b".repeat(64));
    fs::write(&empty, b"").unwrap();
    // A whole entry under a name that is not its key's hash.
    let misplaced = dir.path().join("c".repeat(64));
    fs::copy(only_file_of(dir.path(), "kept"), &misplaced).unwrap();

    let cache = Cache::open(dir.path(), 1 << 20).unwrap();
    assert_eq!(cache.len(), 1);
    assert!(cache.get("kept").is_some());
    for path in [&truncated, &garbage, &empty, &misplaced] {
        assert!(!path.exists(), "{} removed", path.display());
    }
    assert_eq!(cache.bytes(), disk_bytes(dir.path()));
}

#[test]
fn leftover_temp_files_are_removed_at_open() {
    let dir = tempfile::tempdir().unwrap();
    {
        let cache = Cache::open(dir.path(), 1 << 20).unwrap();
        cache.put("k", &entry(b"x", 0)).unwrap();
    }
    // What a crash between write and rename leaves behind.
    let temp = dir.path().join(format!(".tmp-{}-999-0", "d".repeat(64)));
    fs::write(&temp, b"KIOSKC1\nhalf").unwrap();
    let unrelated = dir.path().join("README");
    fs::write(&unrelated, b"not ours").unwrap();

    let cache = Cache::open(dir.path(), 1 << 20).unwrap();
    assert!(!temp.exists());
    assert!(unrelated.exists(), "files that are not ours are left alone");
    assert_eq!(cache.len(), 1);
    assert!(cache.get("k").is_some());
}

#[test]
fn no_temp_files_remain_after_puts() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path(), 1 << 20).unwrap();
    for i in 0..10 {
        cache.put(&format!("k{i}"), &entry(b"x", i)).unwrap();
    }
    let names: Vec<String> = files(dir.path())
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 10);
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
}

#[test]
fn concurrent_puts_and_gets_leave_a_consistent_index() {
    const THREADS: u64 = 8;
    const PUTS: u64 = 50;
    let size = entry_size("key-00", 200);
    let dir = tempfile::tempdir().unwrap();
    // Room for about 12 of the 20 keys, so eviction runs all the time.
    let max = 12 * size + size / 2;
    let cache = Cache::open(dir.path(), max).unwrap();
    let barrier = Arc::new(std::sync::Barrier::new(THREADS as usize));

    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let cache = cache.clone();
            let barrier = barrier.clone();
            thread::spawn(move || {
                barrier.wait();
                for i in 0..PUTS {
                    let key = format!("key-{:02}", (t * 7 + i) % 20);
                    // Body sizes vary so replacing a key changes the total.
                    let body = vec![t as u8; 150 + ((t + i) % 5 * 25) as usize];
                    cache.put(&key, &entry(&body, t * PUTS + i)).unwrap();
                    if let Some(got) = cache.get(&key) {
                        assert!(got.body.len() >= 150, "a whole entry, never half of one");
                    }
                    assert!(cache.bytes() <= max);
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }

    let on_disk = files(dir.path());
    assert!(
        on_disk
            .iter()
            .all(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.')),
        "no temp files left: {on_disk:?}"
    );
    assert_eq!(cache.len(), on_disk.len());
    assert_eq!(cache.bytes(), disk_bytes(dir.path()));
    assert!(cache.bytes() <= max);
    let readable = (0..20)
        .filter(|k| cache.get(&format!("key-{k:02}")).is_some())
        .count();
    assert_eq!(readable, cache.len(), "every indexed entry reads back");

    let reopened = Cache::open(dir.path(), max).unwrap();
    assert_eq!(reopened.len(), cache.len());
    assert_eq!(reopened.bytes(), cache.bytes());
}

#[test]
fn stored_at_before_1970_counts_as_oldest() {
    let dir = tempfile::tempdir().unwrap();
    let size = entry_size("a", 1);
    let cache = Cache::open(dir.path(), 2 * size).unwrap();
    let mut ancient = entry(b"x", 0);
    ancient.stored_at = SystemTime::UNIX_EPOCH - Duration::from_secs(10);
    cache.put("a", &ancient).unwrap();
    cache.put("b", &entry(b"x", 0)).unwrap();
    cache.put("c", &entry(b"x", 1)).unwrap();
    assert_eq!(cache.get("a"), None);
    assert!(cache.get("b").is_some() && cache.get("c").is_some());
}

/// The one file in `dir` whose content names `key`: found by content rather than by
/// recomputing the hash, so the test does not restate the naming scheme.
fn only_file_of(dir: &Path, key: &str) -> PathBuf {
    let needle = format!("\"key\":{}", serde_json_string(key));
    let matches: Vec<PathBuf> = files(dir)
        .into_iter()
        .filter(|p| {
            let bytes = fs::read(p).unwrap();
            String::from_utf8_lossy(&bytes).contains(&needle)
        })
        .collect();
    assert_eq!(matches.len(), 1, "one file for {key}: {matches:?}");
    matches.into_iter().next().unwrap()
}

/// `s` as a JSON string literal, for keys without characters that need escaping.
fn serde_json_string(s: &str) -> String {
    assert!(!s.contains(['"', '\\']));
    format!("\"{s}\"")
}

/// `put_later` is `put` off the caller's thread: seen at once, on disk after `flush`, newest
/// per key, and still there after a restart.
#[test]
fn later_writes_land_and_the_newest_wins() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path(), 1 << 20).unwrap();
    for i in 0..50u64 {
        let key = get_key(&format!("/api/dashboards/uid/d{}", i % 5));
        cache.put_later(key, entry(format!("answer {i}").as_bytes(), i));
    }
    assert_eq!(
        cache
            .get(&get_key("/api/dashboards/uid/d3"))
            .map(|e| e.body),
        Some(b"answer 48".to_vec())
    );
    cache.flush();
    assert_eq!(cache.len(), 5);
    assert_eq!(cache.bytes(), disk_bytes(dir.path()));
    drop(cache);
    let reopened = Cache::open(dir.path(), 1 << 20).unwrap();
    for d in 0..5u64 {
        let got = reopened.get(&get_key(&format!("/api/dashboards/uid/d{d}")));
        assert_eq!(
            got.map(|e| e.body),
            Some(format!("answer {}", 45 + d).into_bytes())
        );
    }
}
