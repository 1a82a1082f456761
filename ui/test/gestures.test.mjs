// node --test ui/test/
// The gesture recognizer: tap, long press, swipes, and what is not a gesture.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { LONG_PRESS_MS, SWIPE_MAX_MS, createRecognizer } from '../gestures.js';

/**
 * Feeds samples and returns every gesture recognised, in order.
 * @param {import('../gestures.js').Sample[]} samples
 * @param {number} [width]
 */
function run(samples, width = 1920) {
  const r = createRecognizer({ width });
  return samples.map((s) => r.feed(s)).filter((g) => g !== null);
}

/** @param {'down' | 'move' | 'up' | 'cancel'} type @param {number} x @param {number} y @param {number} t */
const s = (type, x, y, t) => ({ type, x, y, t });

test('a short press without moving is a tap', () => {
  assert.deepEqual(run([s('down', 500, 500, 0), s('up', 500, 500, 120)]), ['tap']);
});

test('a little jitter is still a tap', () => {
  assert.deepEqual(run([s('down', 500, 500, 0), s('move', 506, 495, 40), s('up', 504, 497, 90)]), ['tap']);
});

test('holding still is a long press, fired once at the threshold', () => {
  const r = createRecognizer({ width: 1920 });
  assert.equal(r.feed(s('down', 10, 10, 0)), null);
  assert.equal(r.tick(LONG_PRESS_MS - 1), null);
  assert.equal(r.tick(LONG_PRESS_MS), 'long-press');
  assert.equal(r.tick(LONG_PRESS_MS + 500), null);
  assert.equal(r.feed(s('move', 12, 11, LONG_PRESS_MS + 600)), null);
  assert.equal(r.feed(s('up', 12, 11, LONG_PRESS_MS + 700)), null, 'no tap after the long press');
});

test('a long press is also noticed on a move past the threshold', () => {
  assert.deepEqual(
    run([s('down', 10, 10, 0), s('move', 11, 10, LONG_PRESS_MS + 5), s('up', 11, 10, LONG_PRESS_MS + 900)]),
    ['long-press'],
  );
});

test('without ticks, a long press fires on release', () => {
  assert.deepEqual(run([s('down', 10, 10, 0), s('up', 10, 10, LONG_PRESS_MS)]), ['long-press']);
});

test('moving away cancels the long press', () => {
  const r = createRecognizer({ width: 1920 });
  r.feed(s('down', 100, 100, 0));
  r.feed(s('move', 130, 100, 100));
  r.feed(s('move', 100, 100, 200));
  assert.equal(r.tick(LONG_PRESS_MS + 100), null);
  assert.equal(r.feed(s('up', 100, 100, LONG_PRESS_MS + 200)), null);
});

test('a quick horizontal drag of 80 px or more is a swipe, named by direction', () => {
  assert.deepEqual(run([s('down', 1000, 500, 0), s('move', 950, 502, 60), s('up', 900, 505, 150)]), ['swipe-left']);
  assert.deepEqual(run([s('down', 1000, 500, 0), s('up', 1100, 490, 200)]), ['swipe-right']);
  assert.deepEqual(run([s('down', 1000, 500, 0), s('up', 1079, 500, 200)]), [], '79 px on a wide screen');
});

test('on a narrow surface 15% of the width is enough', () => {
  // 15% of 300 px = 45 px, well under 80 px.
  assert.deepEqual(run([s('down', 200, 100, 0), s('up', 150, 100, 100)], 300), ['swipe-left']);
  assert.deepEqual(run([s('down', 100, 100, 0), s('up', 146, 100, 100)], 300), ['swipe-right']);
  assert.deepEqual(run([s('down', 100, 100, 0), s('up', 143, 100, 100)], 300), []);
});

test('resize changes the width the ratio is taken of', () => {
  const r = createRecognizer({ width: 1920 });
  r.resize(300);
  r.feed(s('down', 200, 100, 0));
  assert.equal(r.feed(s('up', 150, 100, 100)), 'swipe-left');
});

test('a vertical or diagonal drag is not a swipe', () => {
  assert.deepEqual(run([s('down', 500, 200, 0), s('up', 510, 600, 200)]), []);
  assert.deepEqual(run([s('down', 500, 200, 0), s('up', 700, 400, 200)]), [], '45 degrees');
});

test('a slow drag is not a swipe', () => {
  assert.deepEqual(run([s('down', 1000, 500, 0), s('up', 600, 500, SWIPE_MAX_MS + 1)]), []);
  assert.deepEqual(run([s('down', 1000, 500, 0), s('up', 600, 500, SWIPE_MAX_MS)]), ['swipe-left']);
});

test('cancel forgets the press', () => {
  const r = createRecognizer({ width: 1920 });
  r.feed(s('down', 100, 100, 0));
  assert.equal(r.active(), true);
  assert.equal(r.feed(s('cancel', 100, 100, 50)), null);
  assert.equal(r.active(), false);
  assert.equal(r.tick(LONG_PRESS_MS + 1), null);
  assert.equal(r.feed(s('up', 100, 100, 80)), null);
});

test('moves and releases without a press are ignored', () => {
  assert.deepEqual(run([s('move', 1, 1, 0), s('up', 500, 1, 10)]), []);
});

test('a new press starts over', () => {
  assert.deepEqual(
    run([s('down', 1000, 500, 0), s('move', 900, 500, 50), s('down', 300, 300, 100), s('up', 300, 300, 150)]),
    ['tap'],
  );
});
