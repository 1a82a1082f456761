//! `Cache`: the entry files in one directory and an in-memory index of them (size and age per
//! key hash) that drives `bytes()` and eviction. Files are written to a temp name and renamed
//! into place, so a reader or a crash never sees half an entry. `put_later` hands a write to a
//! writer thread that runs while there is something to write, so no answer waits for the disk.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;

use tracing::{debug, warn};

use crate::Entry;
use crate::format::{self, DecodeError};

/// Files being written start with this; `open` deletes them, since no writer survives a restart.
const TEMP_PREFIX: &str = ".tmp-";

/// Makes temp names unique among the writers of this process (the pid covers other processes).
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// The bounded on-disk cache. Cheap to clone (the clones share one index) and safe to use from
/// many threads at once.
#[derive(Debug, Clone)]
pub struct Cache {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    dir: PathBuf,
    max_bytes: u64,
    index: Mutex<Index>,
    queue: Mutex<Queue>,
    /// Signalled when the writer thread has emptied the queue and stopped.
    drained: Condvar,
}

/// Writes handed to `put_later` and not yet on disk, the newest per key. An entry stays here
/// until its file is in place, so `get` never falls back to an older file meanwhile.
#[derive(Debug, Default)]
struct Queue {
    pending: HashMap<String, Arc<Entry>>,
    /// Whether a writer thread is draining `pending`.
    writing: bool,
}

/// What is on disk, by key hash (the file name).
#[derive(Debug, Default)]
struct Index {
    entries: HashMap<String, Slot>,
    /// Eviction order: oldest `stored_at` first, ties by write order.
    by_age: BTreeMap<Age, String>,
    total: u64,
    next_seq: u64,
}

/// `(stored_at in unix ms, write sequence)`: the sequence makes each entry's age unique and
/// tells apart two writes of the same key, so a stale reader never deletes a newer file.
type Age = (u64, u64);

#[derive(Debug, Clone, Copy)]
struct Slot {
    size: u64,
    age: Age,
}

impl Index {
    fn insert(&mut self, hash: String, size: u64, stored_at_ms: u64) {
        let age = (stored_at_ms, self.next_seq);
        self.next_seq += 1;
        if let Some(old) = self.entries.insert(hash.clone(), Slot { size, age }) {
            self.by_age.remove(&old.age);
            self.total -= old.size;
        }
        self.by_age.insert(age, hash);
        self.total += size;
    }

    fn remove(&mut self, hash: &str) {
        if let Some(slot) = self.entries.remove(hash) {
            self.by_age.remove(&slot.age);
            self.total -= slot.size;
        }
    }

    /// Whether `hash` is still the very write that `age` was read from.
    fn is_current(&self, hash: &str, age: Age) -> bool {
        self.entries.get(hash).is_some_and(|slot| slot.age == age)
    }
}

impl Cache {
    /// Opens (creating it if needed) the cache in `dir`, bounded by `max_bytes`: indexes the
    /// entries already there, deletes leftover temp files and unreadable entries, and evicts
    /// the oldest if the bound has shrunk since they were written.
    pub fn open(dir: &Path, max_bytes: u64) -> io::Result<Cache> {
        fs::create_dir_all(dir)?;
        let mut found = Vec::new();
        for dirent in fs::read_dir(dir)? {
            let dirent = dirent?;
            let name = dirent.file_name();
            let Some(name) = name.to_str() else { continue };
            let path = dirent.path();
            if name.starts_with(TEMP_PREFIX) {
                debug!(path = %path.display(), "removing leftover cache temp file");
                remove_quietly(&path);
            } else if is_hash(name) && dirent.file_type()?.is_file() {
                match read_head(&path) {
                    Ok(Some((size, head))) if format::sha256_hex(head.key.as_bytes()) == name => {
                        found.push((head.stored_at_ms, name.to_owned(), size));
                    }
                    Ok(Some(_)) => {
                        warn!(path = %path.display(), "cache entry holds another key; removing it");
                        remove_quietly(&path);
                    }
                    Ok(None) => {}
                    Err(error) => {
                        warn!(path = %path.display(), %error, "unusable cache entry; removing it");
                        remove_quietly(&path);
                    }
                }
            }
        }
        // Oldest first, so the write sequence reproduces the age order of the last run.
        found.sort();
        let mut index = Index::default();
        for (stored_at_ms, hash, size) in found {
            index.insert(hash, size, stored_at_ms);
        }
        let inner = Inner {
            dir: dir.to_owned(),
            max_bytes,
            index: Mutex::new(index),
            queue: Mutex::default(),
            drained: Condvar::new(),
        };
        inner.evict(&mut inner.lock());
        Ok(Cache {
            inner: Arc::new(inner),
        })
    }

    /// The entry stored under `key`, or `None` on a miss. A file that turns out truncated or
    /// damaged is deleted (with a warning) and is a miss.
    pub fn get(&self, key: &str) -> Option<Entry> {
        if let Some(entry) = self.inner.queue().pending.get(key) {
            return Some(Entry::clone(entry));
        }
        let hash = format::sha256_hex(key.as_bytes());
        let age = self.inner.lock().entries.get(&hash)?.age;
        let path = self.inner.dir.join(&hash);
        // Read without the lock: a concurrent put renames a whole new file over this one, and
        // the file we opened stays whole until we close it.
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                // Evicted since we looked, or deleted behind our back.
                let mut index = self.inner.lock();
                if index.is_current(&hash, age) {
                    warn!(path = %path.display(), "cache entry vanished from disk");
                    index.remove(&hash);
                }
                return None;
            }
            Err(error) => {
                warn!(path = %path.display(), %error, "cannot read cache entry");
                return None;
            }
        };
        match format::decode(key, &bytes) {
            Ok(entry) => Some(entry),
            Err(error) => {
                let mut index = self.inner.lock();
                // Unless a put replaced it meanwhile: then the file there now is another one.
                if index.is_current(&hash, age) {
                    warn!(path = %path.display(), %error, "corrupt cache entry; removing it");
                    remove_quietly(&path);
                    index.remove(&hash);
                }
                None
            }
        }
    }

    /// Stores `entry` under `key`, replacing any entry there, then evicts the oldest entries
    /// until the total fits `max_bytes`. An entry larger than `max_bytes` on its own is not
    /// stored (and an older entry for the key is left as it was).
    pub fn put(&self, key: &str, entry: &Entry) -> io::Result<()> {
        let hash = format::sha256_hex(key.as_bytes());
        let bytes = format::encode(key, entry);
        let size = bytes.len() as u64;
        if size > self.inner.max_bytes {
            debug!(
                key,
                size,
                max_bytes = self.inner.max_bytes,
                "answer larger than the whole cache; not stored"
            );
            return Ok(());
        }
        let temp = self.write_temp(&hash, &bytes)?;
        let mut index = self.inner.lock();
        // Rename under the lock, so the index and the directory change together and the index
        // always describes the file that won when two puts of one key race.
        if let Err(error) = fs::rename(&temp, self.inner.dir.join(&hash)) {
            drop(index);
            remove_quietly(&temp);
            return Err(error);
        }
        index.insert(hash, size, format::to_unix_ms(entry.stored_at));
        self.inner.evict(&mut index);
        Ok(())
    }

    /// Stores `entry` under `key` as `put` does, but on the writer thread: returns at once, and
    /// `get` finds the entry from now on. A newer `put_later` of a key replaces one still
    /// waiting, so a slow disk writes each key once however often it is answered. Errors are
    /// logged, as the caller has moved on.
    pub fn put_later(&self, key: String, entry: Entry) {
        let mut queue = self.inner.queue();
        queue.pending.insert(key, Arc::new(entry));
        if queue.writing {
            return;
        }
        queue.writing = true;
        drop(queue);
        let cache = self.clone();
        let spawned = thread::Builder::new()
            .name("cache-writer".into())
            .spawn(move || cache.drain());
        if let Err(error) = spawned {
            warn!(%error, "cannot start the cache writer thread; writing in place");
            self.drain();
        }
    }

    /// Returns once every `put_later` made before it is on disk (or has failed).
    pub fn flush(&self) {
        let mut queue = self.inner.queue();
        while queue.writing {
            queue = self
                .inner
                .drained
                .wait(queue)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// The writer thread: writes pending entries until none is left.
    fn drain(&self) {
        loop {
            let (key, entry) = {
                let mut queue = self.inner.queue();
                let Some((key, entry)) = queue.pending.iter().next() else {
                    queue.writing = false;
                    self.inner.drained.notify_all();
                    return;
                };
                (key.clone(), Arc::clone(entry))
            };
            if let Err(error) = self.put(&key, &entry) {
                // Not the key: it holds a query, and the log is no place for one.
                warn!(%error, "cannot write to the offline cache");
            }
            let mut queue = self.inner.queue();
            if queue
                .pending
                .get(&key)
                .is_some_and(|e| Arc::ptr_eq(e, &entry))
            {
                queue.pending.remove(&key);
            }
        }
    }

    /// Total bytes on disk of the entries (headers included).
    pub fn bytes(&self) -> u64 {
        self.inner.lock().total
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.inner.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes `bytes` to a fresh temp file in the cache directory (same file system, so the
    /// rename is atomic) and flushes it to the device: without that, a power cut shortly after
    /// the rename can leave the new name pointing at an empty file.
    fn write_temp(&self, hash: &str, bytes: &[u8]) -> io::Result<PathBuf> {
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp = self
            .inner
            .dir
            .join(format!("{TEMP_PREFIX}{hash}-{}-{n}", process::id()));
        let written = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .and_then(|mut file| {
                file.write_all(bytes)?;
                file.sync_data()
            });
        match written {
            Ok(()) => Ok(temp),
            Err(error) => {
                remove_quietly(&temp);
                Err(error)
            }
        }
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, Index> {
        // Index updates cannot panic half-way, so a poisoned lock still guards a whole index.
        self.index.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn queue(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Deletes the oldest entries until the total fits.
    fn evict(&self, index: &mut Index) {
        while index.total > self.max_bytes {
            let Some((_, hash)) = index.by_age.pop_first() else {
                break;
            };
            let path = self.dir.join(&hash);
            debug!(path = %path.display(), "evicting cache entry");
            if let Err(error) = fs::remove_file(&path)
                && error.kind() != io::ErrorKind::NotFound
            {
                // Forgotten anyway: keeping it would stall eviction; the next open retries.
                warn!(path = %path.display(), %error, "cannot remove evicted cache entry");
            }
            if let Some(slot) = index.entries.remove(&hash) {
                index.total -= slot.size;
            }
        }
    }
}

/// The size and head of the entry file at `path`; `None` if it is gone.
fn read_head(path: &Path) -> Result<Option<(u64, format::Head)>, DecodeError> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(DecodeError::Io(error)),
    };
    let size = file.metadata().map_err(DecodeError::Io)?.len();
    let head = format::read_head(&mut file, size)?;
    Ok(Some((size, head)))
}

/// Entry files are named by a lowercase hex sha256; anything else in the directory is not ours.
fn is_hash(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Removal where failing changes nothing we can act on (the file is then retried at next open).
fn remove_quietly(path: &Path) {
    if let Err(error) = fs::remove_file(path)
        && error.kind() != io::ErrorKind::NotFound
    {
        warn!(path = %path.display(), %error, "cannot remove cache file");
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::{Duration, SystemTime};

    use super::*;

    fn entry(body: &[u8]) -> Entry {
        Entry {
            status: 200,
            headers: Vec::new(),
            body: body.to_vec(),
            stored_at: SystemTime::now(),
        }
    }

    /// The gateway answers while the disk is busy: here the writer is held at the index lock
    /// (where a real one waits on a slow card), and `put_later` and `get` go on regardless.
    #[test]
    fn put_later_does_not_wait_for_the_disk() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path(), 1 << 20).unwrap();
        let busy = cache.inner.lock();
        let (done, returned) = mpsc::channel();
        let other = cache.clone();
        thread::spawn(move || {
            other.put_later("k".into(), entry(b"one"));
            other.put_later("k".into(), entry(b"two"));
            done.send(other.get("k")).unwrap();
        });
        let seen = returned
            .recv_timeout(Duration::from_secs(10))
            .expect("put_later or get waited for the writer");
        assert_eq!(seen.map(|e| e.body), Some(b"two".to_vec()));
        let hash = format::sha256_hex(b"k");
        assert!(!dir.path().join(&hash).exists(), "the writer is held");
        drop(busy);
        cache.flush();
        assert_eq!(cache.len(), 1);
        let on_disk = format::decode("k", &fs::read(dir.path().join(hash)).unwrap()).unwrap();
        assert_eq!(on_disk.body, b"two");
    }
}
