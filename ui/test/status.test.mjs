// node --test ui/test/
// What the overlay says about the connection, and how times and sizes read.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { connectionBadge, formatAge, formatBytes, formatClock, formatCountdown, formatWhen } from '../status.js';

/** Local-time instants, so the machine's time zone does not matter. */
const NOW = new Date(2025, 10, 21, 15, 30).getTime();
const AT_1402 = new Date(2025, 10, 21, 14, 2).getTime();

/** @param {Partial<import('../status.js').State>} s @returns {import('../status.js').State} */
const state = (s) => ({
  state: 'online',
  reason: null,
  grafana: 'http://grafana.lan:3000/',
  grafana_version: '11.6.0',
  since: 0,
  last_live: null,
  cache_bytes: 0,
  version: '0.1.0',
  ...s,
});

test('online shows no badge', () => {
  assert.equal(connectionBadge(state({}), NOW), null);
  assert.equal(connectionBadge(null, NOW), null);
});

test('degraded shows the reason in amber', () => {
  assert.deepEqual(connectionBadge(state({ state: 'degraded', reason: 'slow answers' }), NOW), {
    level: 'degraded',
    text: 'degraded — slow answers',
  });
});

test('offline shows the age of the data in red', () => {
  assert.deepEqual(connectionBadge(state({ state: 'offline', last_live: AT_1402 / 1000 }), NOW), {
    level: 'offline',
    text: 'offline — data as of 14:02',
  });
  assert.equal(connectionBadge(state({ state: 'offline' }), NOW)?.text, 'offline — no live data yet');
  const yesterday = new Date(2025, 10, 20, 9, 5).getTime() / 1000;
  assert.equal(
    connectionBadge(state({ state: 'offline', last_live: yesterday }), NOW)?.text,
    'offline — data as of 2025-11-20 09:05',
  );
});

test('times, durations and sizes read well', () => {
  assert.equal(formatClock(new Date(2025, 0, 1, 7, 5)), '07:05');
  assert.equal(formatWhen(AT_1402, NOW), '14:02');
  assert.equal(formatAge(42_000), '42 s');
  assert.equal(formatAge(12 * 60_000), '12 min');
  assert.equal(formatAge(185 * 60_000), '3 h 05 min');
  assert.equal(formatAge(50 * 3_600_000), '2 d 2 h');
  assert.equal(formatCountdown(105_000), '1:45');
  assert.equal(formatCountdown(100), '0:01');
  assert.equal(formatBytes(812), '812 B');
  assert.equal(formatBytes(4_200_000), '4.2 MB');
  assert.equal(formatBytes(123_456_789), '123 MB');
});
