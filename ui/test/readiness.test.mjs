// node --test ui/test/
// The agent's readiness rule and the messages it leads to; the shell's check of what arrives.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseAgentMessage } from '../protocol.js';
import { CHROME_CSS, QUERIES, createTracker, exactly, problemOf } from '../readiness.js';

/** @param {Partial<import('../readiness.js').Snapshot>} [s] */
const snap = (s = {}) => ({ path: '/d/fleet', titles: 0, loading: false, login: false, errors: [], ...s });
const DRAWN = snap({ titles: 12 });
const LOADING = snap({ titles: 12, loading: true });

test('queries match both data-testid and aria-label', () => {
  assert.equal(
    exactly('data-testid Login button'),
    '[data-testid="data-testid Login button"],[aria-label="data-testid Login button"]',
  );
  assert.equal(QUERIES.titles, '[data-testid^="data-testid Panel header "],[aria-label^="data-testid Panel header "]');
  for (const v of ['Panel loading bar', 'data-testid Loading indicator', '"Loading indicator"']) {
    assert.ok(QUERIES.loading.includes(v), v);
  }
  assert.ok(QUERIES.login.includes('"Login button"'));
  assert.ok(QUERIES.errorStatus.includes('"data-testid Panel status error"'));
  assert.ok(QUERIES.dataError.includes('"data-testid Panel data error message"'));
  assert.match(CHROME_CSS, /"data-testid Nav toolbar".*\{display:none!important\}$/);
});

test('quotes in values are escaped', () => {
  assert.equal(exactly('a"b\\c'), '[data-testid="a\\"b\\\\c"],[aria-label="a\\"b\\\\c"]');
});

test('loading first, painted only after the frames have passed and the rule still holds', () => {
  const t = createTracker();
  assert.deepEqual(t.observe(snap()), { reports: [{ type: 'loading' }], settle: false });
  assert.deepEqual(t.observe(LOADING), { reports: [], settle: false });
  assert.deepEqual(t.observe(DRAWN), { reports: [], settle: true });
  assert.deepEqual(t.settled(LOADING, 1), [], 'a panel started loading again meanwhile');
  assert.deepEqual(t.observe(DRAWN).settle, true);
  assert.deepEqual(t.settled(DRAWN, 2), [{ type: 'painted', panels: 12 }]);
  assert.deepEqual(t.observe(DRAWN), { reports: [], settle: false }, 'painted once');
  assert.deepEqual(t.settled(DRAWN, 3), []);
});

test('no panel title means not painted', () => {
  const t = createTracker();
  t.observe(snap());
  assert.equal(t.observe(snap({ titles: 0 })).settle, false);
  assert.deepEqual(t.settled(snap({ titles: 0 }), 1), []);
});

test('each completed refresh is reported as refreshed', () => {
  const t = createTracker();
  t.observe(DRAWN);
  t.settled(DRAWN, 1);
  assert.equal(t.observe(LOADING).settle, false);
  assert.equal(t.observe(DRAWN).settle, true);
  assert.deepEqual(t.settled(DRAWN, 5000), [{ type: 'refreshed', at: 5000 }]);
  assert.deepEqual(t.current(), [{ type: 'painted', panels: 12 }]);
});

test('a new path starts over (Grafana navigates without reloading)', () => {
  const t = createTracker();
  t.observe(DRAWN);
  t.settled(DRAWN, 1);
  const other = snap({ path: '/d/other' });
  assert.deepEqual(t.observe(other).reports, [{ type: 'loading' }]);
  assert.deepEqual(t.current(), [{ type: 'loading' }]);
  assert.deepEqual(t.settled(DRAWN, 2), [], 'a snapshot of the old path does not count');
});

test('a login page is a problem, reported once, and never painted', () => {
  const t = createTracker();
  const login = snap({ path: '/login', login: true });
  const first = t.observe(login);
  assert.deepEqual(first.reports.map((r) => r.type), ['loading', 'problem']);
  assert.equal(first.reports[1].type === 'problem' && first.reports[1].kind, 'login');
  assert.deepEqual(t.observe(login), { reports: [], settle: false });
  assert.deepEqual(t.settled(snap({ path: '/login', login: true, titles: 1 }), 1), []);
  assert.deepEqual(t.current().map((r) => r.type), ['loading', 'problem']);
});

test('the login path alone is enough, also under a sub-path', () => {
  assert.equal(problemOf(snap({ path: '/login' }))?.kind, 'login');
  assert.equal(problemOf(snap({ path: '/grafana/login/' }))?.kind, 'login');
  assert.equal(problemOf(snap({ path: '/d/login-stats' })), null);
});

test('panel errors are a problem with a summary; the page may still paint', () => {
  const t = createTracker();
  const broken = snap({ titles: 3, errors: ['panel error', 'No data', 'No data'] });
  const { reports, settle } = t.observe(broken);
  assert.equal(settle, true);
  assert.deepEqual(reports[1], { type: 'problem', kind: 'error', detail: '3 panel errors: panel error; No data (×2)' });
  assert.deepEqual(t.settled(broken, 1), [{ type: 'painted', panels: 3 }]);
  assert.deepEqual(t.observe(broken).reports, [], 'the same problem once');
  t.observe(snap({ titles: 3 }));
  assert.equal(t.observe(broken).reports.length, 1, 'again after it went away and came back');
});

test('problem details are bounded', () => {
  const p = problemOf(snap({ errors: Array.from({ length: 50 }, (_, i) => `error number ${i}`) }));
  assert.ok(p && p.detail.length <= 200);
});

test('the shell accepts the contract messages and nothing else', () => {
  const href = 'http://127.0.0.1:8080/d/fleet';
  assert.deepEqual(parseAgentMessage({ kiosk: 1, type: 'painted', href, panels: 4, extra: 1 }), {
    kiosk: 1,
    type: 'painted',
    href,
    panels: 4,
  });
  assert.deepEqual(parseAgentMessage({ kiosk: 1, type: 'gesture', kind: 'tap' }), { kiosk: 1, type: 'gesture', kind: 'tap' });
  assert.equal(parseAgentMessage({ kiosk: 1, type: 'problem', href, kind: 'login', detail: 'x' })?.type, 'problem');
  assert.equal(parseAgentMessage({ kiosk: 1, type: 'refreshed', href, at: 5 })?.type, 'refreshed');
  assert.equal(parseAgentMessage({ kiosk: 1, type: 'loading', href })?.type, 'loading');
  for (const bad of [
    null,
    'painted',
    { type: 'painted', href, panels: 1 },
    { kiosk: 2, type: 'painted', href, panels: 1 },
    { kiosk: 1, type: 'painted', href },
    { kiosk: 1, type: 'problem', href, kind: 'blank', detail: '' },
    { kiosk: 1, type: 'gesture', kind: 'pinch' },
    { kiosk: 1, type: 'hello' },
  ]) {
    assert.equal(parseAgentMessage(bad), null, JSON.stringify(bad));
  }
});
