// @ts-check
/**
 * @file The agent's readiness rule (docs/wallboard.md, "Agent ↔ shell"): CSS queries built from
 * Grafana's e2e selectors, and a tracker that turns snapshots of a page into the messages the
 * agent posts (loading, painted, refreshed, problem). Pure: the agent takes the snapshots from
 * the DOM and waits the animation frames; nothing here touches the DOM.
 */

import * as sel from './selectors.js';

export { isHello } from './protocol.js';

/**
 * What the agent saw in the document at one moment.
 * @typedef {object} Snapshot
 * @property {string} path location.pathname
 * @property {number} titles panel headers present
 * @property {boolean} loading a panel loading bar or the loading indicator is present
 * @property {boolean} login a login button is present
 * @property {string[]} errors one entry per panel error shown
 */
/**
 * A message for the shell, without `kiosk` and `href` (the agent adds them).
 * @typedef {{ type: 'loading' }
 *   | { type: 'painted', panels: number }
 *   | { type: 'refreshed', at: number }
 *   | { type: 'problem', kind: 'login' | 'error', detail: string }} Report
 */

/** @param {string} text */
const quote = (text) => `"${text.replace(/["\\]/g, '\\$&')}"`;

/**
 * Elements whose `data-testid` or `aria-label` is `value` (Grafana uses either).
 * @param {string[]} values
 */
export function exactly(...values) {
  return values.flatMap((v) => [`[data-testid=${quote(v)}]`, `[aria-label=${quote(v)}]`]).join(',');
}

/**
 * Elements whose `data-testid` or `aria-label` starts with `prefix`.
 * @param {string} prefix
 */
export function startingWith(prefix) {
  return `[data-testid^=${quote(prefix)}],[aria-label^=${quote(prefix)}]`;
}

/** The CSS queries the agent runs. */
export const QUERIES = Object.freeze({
  /** every panel header, whatever its title */
  titles: startingWith(sel.panelTitle('')),
  loading: exactly(sel.panelLoadingBar, sel.loadingIndicator, sel.legacy.loadingIndicator),
  login: exactly(sel.loginButton, sel.legacy.loginButton),
  errorStatus: exactly(sel.panelStatus('error')),
  dataError: exactly(sel.panelDataError),
});

/** Leftover chrome that kiosk mode may still show; the agent hides it. */
export const CHROME_CSS = `${exactly(sel.navToolbar, sel.megaMenu, sel.returnToPrevious)}{display:none!important}`;

/** The longest problem detail sent to the shell. */
export const DETAIL_MAX = 200;

/**
 * The problem a snapshot shows, if any: a login page first, then panel errors.
 * @param {Snapshot} s
 * @returns {{ kind: 'login' | 'error', detail: string } | null}
 */
export function problemOf(s) {
  if (s.login || /\/login\/?$/.test(s.path)) {
    return { kind: 'login', detail: 'Grafana showed its login page' };
  }
  if (s.errors.length === 0) return null;
  const counts = new Map();
  for (const e of s.errors) counts.set(e, (counts.get(e) ?? 0) + 1);
  const parts = [...counts].map(([e, n]) => (n > 1 ? `${e} (×${n})` : e));
  const detail = `${s.errors.length} panel error${s.errors.length > 1 ? 's' : ''}: ${parts.join('; ')}`;
  return { kind: 'error', detail: detail.length > DETAIL_MAX ? `${detail.slice(0, DETAIL_MAX - 1)}…` : detail };
}

/**
 * The rule for "drawn": at least one panel title, nothing loading, not a login page.
 * @param {Snapshot} s
 */
export function looksDrawn(s) {
  return s.titles > 0 && !s.loading && problemOf(s)?.kind !== 'login';
}

/**
 * @typedef {object} Tracker
 * @property {(s: Snapshot) => { reports: Report[], settle: boolean }} observe a new snapshot;
 *   `settle` asks the agent to wait two animation frames and call `settled`
 * @property {(s: Snapshot, now: number) => Report[]} settled the snapshot after those frames
 * @property {() => Report[]} current what the page is now, for an answer to `hello`
 */

/**
 * Follows one document through its pages (Grafana navigates without reloading, so a new path
 * starts over): loading once, painted once the rule holds after two frames, refreshed after
 * each later loading → drawn cycle, and each distinct problem once while it lasts.
 * @returns {Tracker}
 */
export function createTracker() {
  /** @type {string | null} */
  let path = null;
  /** @type {'loading' | 'painted' | 'refreshing'} */
  let phase = 'loading';
  let panels = 0;
  /** @type {Report | null} */
  let problem = null;

  return {
    observe(s) {
      /** @type {Report[]} */
      const reports = [];
      if (s.path !== path) {
        path = s.path;
        phase = 'loading';
        problem = null;
        reports.push({ type: 'loading' });
      }
      const p = problemOf(s);
      if (p === null) {
        problem = null;
      } else if (problem === null || problem.type !== 'problem' || problem.detail !== p.detail) {
        problem = { type: 'problem', ...p };
        reports.push(problem);
      }
      if (phase === 'painted' && s.loading) phase = 'refreshing';
      return { reports, settle: phase !== 'painted' && looksDrawn(s) };
    },
    settled(s, now) {
      if (s.path !== path || !looksDrawn(s)) return [];
      panels = s.titles;
      if (phase === 'loading') {
        phase = 'painted';
        return [{ type: 'painted', panels }];
      }
      if (phase === 'refreshing') {
        phase = 'painted';
        return [{ type: 'refreshed', at: now }];
      }
      return [];
    },
    current() {
      /** @type {Report[]} */
      const out = [phase === 'loading' ? { type: 'loading' } : { type: 'painted', panels }];
      if (problem) out.push(problem);
      return out;
    },
  };
}
