//! Integration tests of kiosk-cache through its public API: the store on a real temp directory
//! (round trip, restarts, eviction, damage, concurrency) and the request keys.

mod keys;
mod store;
