// @ts-check
/**
 * @file The rotation's rules: which pages are eligible now (weekly time windows), which page
 * comes next or before, when the current page's dwell ends, and pause with its auto-resume
 * deadline. Pure: no DOM, no timers; the local time of day comes from an injected function so
 * tests do not depend on the machine's time zone. Shapes: docs/wallboard.md ("JSON shapes").
 */

/**
 * A weekly window: on `days` (1 = Monday … 7 = Sunday; missing or empty = every day) from `from`
 * to `to` ("HH:MM", local time; `to` before `from` spans midnight and belongs to the day it
 * starts on; `to` equal to `from` is the whole day).
 * @typedef {{ days?: number[], from: string, to: string }} TimeWindow
 */
/**
 * @typedef {object} Page
 * @property {string} id unique within the plan
 * @property {string} title
 * @property {string} url gateway-relative
 * @property {number} dwell_ms
 * @property {TimeWindow[]} [windows] none or empty: always eligible
 */
/** @typedef {{ source: string, pause_resume_ms: number, pages: Page[] }} Plan */
/** @typedef {{ day: number, minutes: number }} LocalTime day 1 = Monday … 7 = Sunday; minutes since local midnight */
/** @typedef {(ms: number) => LocalTime} LocalClock */
/**
 * Where the rotation stands: the page on screen (`index`, -1 before the first), since when
 * (`shownAt`, epoch ms) and whether it is paused until `resumeAt`.
 * @typedef {{ index: number, shownAt: number, paused: boolean, resumeAt: number }} Rotation
 */

/** Dwell for a page whose `dwell_ms` is missing or not positive. */
export const DEFAULT_DWELL_MS = 60_000;
/** Pause length when the plan's `pause_resume_ms` is missing or not positive. */
export const DEFAULT_PAUSE_RESUME_MS = 120_000;
/** The next page starts loading this long before the current page's dwell ends. */
export const PRELOAD_LEAD_MS = 20_000;
/** Bounds of the time a page gets to paint (twice its dwell) before it is skipped this round. */
export const PAINT_TIMEOUT_MIN_MS = 15_000;
export const PAINT_TIMEOUT_MAX_MS = 60_000;

/**
 * The local weekday and minute of an instant, in the machine's time zone.
 * @type {LocalClock}
 */
export function localTime(ms) {
  const d = new Date(ms);
  return { day: ((d.getDay() + 6) % 7) + 1, minutes: d.getHours() * 60 + d.getMinutes() };
}

/**
 * Minutes since midnight of "HH:MM" (00:00 … 23:59), or null when it is not one.
 * @param {string} text
 * @returns {number | null}
 */
export function parseClock(text) {
  const m = /^(\d{2}):(\d{2})$/.exec(text);
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  return h < 24 && min < 60 ? h * 60 + min : null;
}

/** @param {number} day @returns {number} */
const dayBefore = (day) => (day === 1 ? 7 : day - 1);

/**
 * Whether `t` falls inside the window. A malformed time never matches.
 * @param {TimeWindow} w
 * @param {LocalTime} t
 */
export function inWindow(w, t) {
  const from = parseClock(w.from);
  const to = parseClock(w.to);
  if (from === null || to === null) return false;
  /** @param {number} day */
  const onDay = (day) => !w.days || w.days.length === 0 || w.days.includes(day);
  if (from < to) return onDay(t.day) && t.minutes >= from && t.minutes < to;
  if (from === to) return onDay(t.day);
  // Spans midnight: the evening part is on the start day, the morning part on the day after it.
  if (t.minutes >= from) return onDay(t.day);
  if (t.minutes < to) return onDay(dayBefore(t.day));
  return false;
}

/**
 * Whether the page may be shown at `t`: no windows, or inside one of them.
 * @param {Page} page
 * @param {LocalTime} t
 */
export function isEligible(page, t) {
  return !page.windows || page.windows.length === 0 || page.windows.some((w) => inWindow(w, t));
}

/**
 * Indices of the pages eligible at `t`, in plan order; all of them when none is.
 * @param {Plan} plan
 * @param {LocalTime} t
 * @returns {number[]}
 */
export function eligible(plan, t) {
  const all = plan.pages.map((_, i) => i);
  const some = all.filter((i) => isEligible(plan.pages[i], t));
  return some.length > 0 ? some : all;
}

/**
 * The page after (`dir` = 1) or before (`dir` = -1) index `from`, wrapping, among the eligible
 * pages whose id is not in `skip`. `from` = -1 means "before the first page". Returns `from`
 * itself when no other page qualifies but it does, and -1 when no page qualifies at all.
 * @param {Plan} plan
 * @param {number} from
 * @param {1 | -1} dir
 * @param {LocalTime} t
 * @param {ReadonlySet<string>} [skip]
 * @returns {number}
 */
export function step(plan, from, dir, t, skip = new Set()) {
  const n = plan.pages.length;
  const ok = new Set(eligible(plan, t).filter((i) => !skip.has(plan.pages[i].id)));
  const origin = from >= 0 && from < n ? from : dir > 0 ? -1 : n;
  for (let k = 1; k <= n; k++) {
    const i = (((origin + dir * k) % n) + n) % n;
    if (ok.has(i)) return i;
  }
  return -1;
}

/**
 * Index of the page with `id`, or -1.
 * @param {Plan} plan
 * @param {string | null} id
 */
export function indexOf(plan, id) {
  return id === null ? -1 : plan.pages.findIndex((p) => p.id === id);
}

/** @param {Page} page */
export function dwellOf(page) {
  return page.dwell_ms > 0 ? page.dwell_ms : DEFAULT_DWELL_MS;
}

/**
 * How long a page may take to paint before it is skipped this round: twice its dwell, within
 * PAINT_TIMEOUT_MIN_MS … PAINT_TIMEOUT_MAX_MS.
 * @param {Page} page
 */
export function paintTimeout(page) {
  return Math.min(PAINT_TIMEOUT_MAX_MS, Math.max(PAINT_TIMEOUT_MIN_MS, 2 * dwellOf(page)));
}

/** @param {Plan} plan */
export function pauseLength(plan) {
  return plan.pause_resume_ms > 0 ? plan.pause_resume_ms : DEFAULT_PAUSE_RESUME_MS;
}

/**
 * The rotation before any page is on screen.
 * @param {number} now
 * @returns {Rotation}
 */
export function start(now) {
  return { index: -1, shownAt: now, paused: false, resumeAt: 0 };
}

/**
 * Page `index` went on screen at `now`: its dwell starts. A pause stays on.
 * @param {Rotation} rot
 * @param {number} index
 * @param {number} now
 * @returns {Rotation}
 */
export function shown(rot, index, now) {
  return { ...rot, index, shownAt: now };
}

/**
 * When the page on screen has had its dwell (epoch ms); Infinity before the first page.
 * @param {Rotation} rot
 * @param {Plan} plan
 */
export function dwellEnd(rot, plan) {
  const page = plan.pages[rot.index];
  return page ? rot.shownAt + dwellOf(page) : Infinity;
}

/**
 * When the next page should start loading so that it is painted by the end of the dwell.
 * @param {Rotation} rot
 * @param {Plan} plan
 */
export function preloadAt(rot, plan) {
  const page = plan.pages[rot.index];
  return page ? rot.shownAt + Math.max(0, dwellOf(page) - PRELOAD_LEAD_MS) : Infinity;
}

/**
 * Whether the rotation wants the next page now: not paused and the dwell is over.
 * @param {Rotation} rot
 * @param {Plan} plan
 * @param {number} now
 */
export function due(rot, plan, now) {
  return !rot.paused && now >= dwellEnd(rot, plan);
}

/**
 * Pause (until `now` + the plan's pause length) or resume. Resuming starts a fresh dwell.
 * @param {Rotation} rot
 * @param {Plan} plan
 * @param {number} now
 * @returns {Rotation}
 */
export function togglePause(rot, plan, now) {
  return rot.paused ? resume(rot, now) : { ...rot, paused: true, resumeAt: now + pauseLength(plan) };
}

/**
 * @param {Rotation} rot
 * @param {number} now
 * @returns {Rotation}
 */
export function resume(rot, now) {
  return { ...rot, paused: false, resumeAt: 0, shownAt: now };
}

/**
 * Advance the clock: a pause whose deadline has passed ends (with a fresh dwell).
 * @param {Rotation} rot
 * @param {number} now
 * @returns {Rotation}
 */
export function tick(rot, now) {
  return rot.paused && now >= rot.resumeAt ? resume(rot, now) : rot;
}

/**
 * The viewer moved by hand (next/prev): a pause stays on and its deadline starts over.
 * @param {Rotation} rot
 * @param {Plan} plan
 * @param {number} now
 * @returns {Rotation}
 */
export function nudge(rot, plan, now) {
  return rot.paused ? { ...rot, resumeAt: now + pauseLength(plan) } : rot;
}

/**
 * Milliseconds until a pause ends (0 when not paused).
 * @param {Rotation} rot
 * @param {number} now
 */
export function pauseLeft(rot, now) {
  return rot.paused ? Math.max(0, rot.resumeAt - now) : 0;
}
