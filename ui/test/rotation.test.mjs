// node --test ui/test/
// The rotation's rules: order and wrap, dwell, time windows, pause.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as R from '../rotation.js';

/** @param {string} id @param {Partial<import('../rotation.js').Page>} [extra] */
const page = (id, extra = {}) => ({ id, title: id, url: `/d/${id}?kiosk`, dwell_ms: 60_000, ...extra });

/** @param {import('../rotation.js').Page[]} pages */
const plan = (pages, pause = 120_000) => ({ source: 'config', pause_resume_ms: pause, pages });

const MON = 1;
const TUE = 2;
const SAT = 6;
const SUN = 7;
/** Local time: day (1 = Monday) and "HH:MM". */
const at = (day, hhmm) => ({ day, minutes: /** @type {number} */ (R.parseClock(hhmm)) });
const NOON = at(MON, '12:00');

const abc = plan([page('a'), page('b'), page('c')]);

test('next follows plan order and wraps', () => {
  assert.equal(R.step(abc, -1, 1, NOON), 0);
  assert.equal(R.step(abc, 0, 1, NOON), 1);
  assert.equal(R.step(abc, 1, 1, NOON), 2);
  assert.equal(R.step(abc, 2, 1, NOON), 0);
});

test('previous goes backwards and wraps', () => {
  assert.equal(R.step(abc, 0, -1, NOON), 2);
  assert.equal(R.step(abc, 2, -1, NOON), 1);
  assert.equal(R.step(abc, -1, -1, NOON), 2);
});

test('a single page is its own next; an empty plan has none', () => {
  const one = plan([page('a')]);
  assert.equal(R.step(one, 0, 1, NOON), 0);
  assert.equal(R.step(one, 0, -1, NOON), 0);
  assert.equal(R.step(plan([]), -1, 1, NOON), -1);
});

test('skipped pages are passed over; the current page is returned when nothing else is left', () => {
  assert.equal(R.step(abc, 0, 1, NOON, new Set(['b'])), 2);
  assert.equal(R.step(abc, 0, 1, NOON, new Set(['b', 'c'])), 0);
  assert.equal(R.step(abc, -1, 1, NOON, new Set(['a', 'b', 'c'])), -1);
});

test('the dwell ends dwell_ms after the page went on screen', () => {
  const p = plan([page('a', { dwell_ms: 30_000 }), page('b')]);
  const rot = R.shown(R.start(0), 0, 1_000);
  assert.equal(R.dwellEnd(rot, p), 31_000);
  assert.equal(R.due(rot, p, 30_999), false);
  assert.equal(R.due(rot, p, 31_000), true);
  assert.equal(R.preloadAt(rot, p), 1_000 + 30_000 - R.PRELOAD_LEAD_MS);
});

test('no page on screen yet: no dwell to end', () => {
  assert.equal(R.dwellEnd(R.start(0), abc), Infinity);
  assert.equal(R.due(R.start(0), abc, 1e12), false);
});

test('a missing or zero dwell falls back to the default', () => {
  assert.equal(R.dwellOf(page('a', { dwell_ms: 0 })), R.DEFAULT_DWELL_MS);
});

test('the paint timeout is twice the dwell, within bounds', () => {
  assert.equal(R.paintTimeout(page('a', { dwell_ms: 20_000 })), 40_000);
  assert.equal(R.paintTimeout(page('a', { dwell_ms: 300_000 })), R.PAINT_TIMEOUT_MAX_MS);
  assert.equal(R.paintTimeout(page('a', { dwell_ms: 3_000 })), R.PAINT_TIMEOUT_MIN_MS);
});

test('parseClock accepts HH:MM from 00:00 to 23:59 only', () => {
  assert.equal(R.parseClock('00:00'), 0);
  assert.equal(R.parseClock('08:30'), 510);
  assert.equal(R.parseClock('23:59'), 1439);
  for (const bad of ['24:00', '8:30', '12:60', '', 'noon']) assert.equal(R.parseClock(bad), null, bad);
});

test('pages outside their window are skipped', () => {
  const office = { days: [1, 2, 3, 4, 5], from: '08:00', to: '18:00' };
  const p = plan([page('a'), page('work', { windows: [office] }), page('c')]);
  assert.equal(R.step(p, 0, 1, at(MON, '09:00')), 1);
  assert.equal(R.step(p, 0, 1, at(MON, '07:59')), 2);
  assert.equal(R.step(p, 0, 1, at(MON, '18:00')), 2, 'to is exclusive');
  assert.equal(R.step(p, 0, 1, at(SAT, '09:00')), 2, 'not on the weekend');
  assert.equal(R.step(p, 2, -1, at(SUN, '12:00')), 0);
  assert.deepEqual(R.eligible(p, at(TUE, '17:59')), [0, 1, 2]);
});

test('a window spanning midnight belongs to the day it starts', () => {
  const night = { days: [5], from: '22:00', to: '06:00' }; // Friday night
  const p = page('night', { windows: [night] });
  assert.equal(R.isEligible(p, at(5, '21:59')), false);
  assert.equal(R.isEligible(p, at(5, '22:00')), true);
  assert.equal(R.isEligible(p, at(5, '23:59')), true);
  assert.equal(R.isEligible(p, at(6, '00:00')), true, 'Saturday morning is still Friday night');
  assert.equal(R.isEligible(p, at(6, '05:59')), true);
  assert.equal(R.isEligible(p, at(6, '06:00')), false);
  assert.equal(R.isEligible(p, at(5, '03:00')), false, 'Friday morning belongs to Thursday night');
  assert.equal(R.isEligible(p, at(6, '23:00')), false);
});

test('a Sunday night window wraps into Monday', () => {
  const p = page('x', { windows: [{ days: [7], from: '20:00', to: '02:00' }] });
  assert.equal(R.isEligible(p, at(MON, '01:00')), true);
  assert.equal(R.isEligible(p, at(SUN, '01:00')), false);
});

test('windows without days apply every day; equal from and to is the whole day', () => {
  assert.equal(R.isEligible(page('x', { windows: [{ from: '10:00', to: '11:00' }] }), at(SUN, '10:30')), true);
  assert.equal(R.isEligible(page('x', { windows: [{ days: [], from: '10:00', to: '11:00' }] }), at(SAT, '10:30')), true);
  assert.equal(R.isEligible(page('x', { windows: [{ days: [3], from: '00:00', to: '00:00' }] }), at(3, '23:59')), true);
  assert.equal(R.isEligible(page('x', { windows: [{ days: [3], from: '00:00', to: '00:00' }] }), at(4, '00:00')), false);
});

test('any of several windows will do; a malformed one never matches', () => {
  const p = page('x', {
    windows: [
      { days: [1], from: '08:00', to: '09:00' },
      { days: [2], from: '25:00', to: '26:00' },
      { days: [2], from: '14:00', to: '15:00' },
    ],
  });
  assert.equal(R.isEligible(p, at(MON, '08:30')), true);
  assert.equal(R.isEligible(p, at(TUE, '14:30')), true);
  assert.equal(R.isEligible(p, at(TUE, '08:30')), false);
});

test('when no page is eligible, all are shown', () => {
  const closed = { days: [1], from: '08:00', to: '09:00' };
  const p = plan([page('a', { windows: [closed] }), page('b', { windows: [closed] })]);
  assert.deepEqual(R.eligible(p, at(SUN, '12:00')), [0, 1]);
  assert.equal(R.step(p, 0, 1, at(SUN, '12:00')), 1);
  assert.equal(R.step(p, 1, 1, at(SUN, '12:00')), 0);
});

test('pause holds the rotation until its deadline, then resumes with a fresh dwell', () => {
  const p = plan([page('a'), page('b')], 120_000);
  let rot = R.shown(R.start(0), 0, 0);
  rot = R.togglePause(rot, p, 10_000);
  assert.equal(rot.paused, true);
  assert.equal(rot.resumeAt, 130_000);
  assert.equal(R.pauseLeft(rot, 100_000), 30_000);
  assert.equal(R.due(rot, p, 100_000), false, 'the dwell ended at 60 s but the rotation is paused');
  assert.equal(R.tick(rot, 129_999), rot);
  rot = R.tick(rot, 130_000);
  assert.equal(rot.paused, false);
  assert.equal(R.pauseLeft(rot, 130_000), 0);
  assert.equal(rot.shownAt, 130_000);
  assert.equal(R.due(rot, p, 189_999), false);
  assert.equal(R.due(rot, p, 190_000), true);
});

test('toggling again resumes early', () => {
  const p = plan([page('a')]);
  const paused = R.togglePause(R.shown(R.start(0), 0, 0), p, 5_000);
  const resumed = R.togglePause(paused, p, 7_000);
  assert.deepEqual(resumed, { index: 0, shownAt: 7_000, paused: false, resumeAt: 0 });
});

test('a plan without pause_resume_ms pauses for the default', () => {
  const rot = R.togglePause(R.start(0), plan([page('a')], 0), 0);
  assert.equal(rot.resumeAt, R.DEFAULT_PAUSE_RESUME_MS);
});

test('next/prev while paused moves, stays paused, and restarts the pause deadline', () => {
  const p = plan([page('a'), page('b'), page('c')], 60_000);
  let rot = R.togglePause(R.shown(R.start(0), 0, 0), p, 0);
  const next = R.step(p, rot.index, 1, NOON);
  rot = R.shown(R.nudge(rot, p, 50_000), next, 50_500);
  assert.equal(rot.index, 1);
  assert.equal(rot.paused, true);
  assert.equal(rot.resumeAt, 110_000);
  assert.equal(R.due(rot, p, 109_000), false);
  assert.equal(R.step(p, rot.index, -1, NOON), 0);
  const running = R.shown(R.start(0), 0, 0);
  assert.equal(R.nudge(running, p, 5), running, 'moving while running leaves the rotation alone');
});

test('indexOf finds a page by id', () => {
  assert.equal(R.indexOf(abc, 'c'), 2);
  assert.equal(R.indexOf(abc, 'zz'), -1);
  assert.equal(R.indexOf(abc, null), -1);
});

test('localTime numbers days from Monday = 1 to Sunday = 7', () => {
  // Built from local fields, so the machine's time zone does not matter.
  assert.deepEqual(R.localTime(new Date(2025, 0, 6, 8, 30).getTime()), { day: 1, minutes: 510 }); // a Monday
  assert.deepEqual(R.localTime(new Date(2025, 0, 12, 23, 59).getTime()), { day: 7, minutes: 1439 }); // a Sunday
});
