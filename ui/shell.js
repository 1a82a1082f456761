// @ts-check
/**
 * @file The wallboard shell (served at /__kiosk/): rotates the plan's pages through two stacked
 * iframes, swapping only to a page its agent reported painted, and draws the overlay (title,
 * dots, clock, connection and pause badges, status card) and takes the viewer's gestures.
 * Contract: docs/wallboard.md. The rules live in rotation.js, gestures.js, protocol.js and
 * status.js; this module wires them to the DOM, the gateway and the clock.
 *
 * Frames: both are full-viewport and opaque. The one on screen is stacked above the other; the
 * other loads the next page underneath, laid out and painting (a hidden frame would not paint,
 * Anthias #2954), and is raised only once its agent said `painted`.
 */

import { LONG_PRESS_MS, createRecognizer } from './gestures.js';
import { HELLO, parseAgentMessage } from './protocol.js';
import * as R from './rotation.js';
import {
  LOGIN_TEXT,
  connectionBadge,
  formatAge,
  formatBytes,
  formatClock,
  formatCountdown,
  formatWhen,
} from './status.js';

/** @typedef {import('./rotation.js').Plan} Plan */
/** @typedef {import('./rotation.js').Page} Page */
/** @typedef {import('./status.js').State} State */
/** @typedef {import('./status.js').Badge} Badge */
/** @typedef {import('./protocol.js').GestureKind} GestureKind */

const EVENTS = '/__kiosk/events';
const PLAN = '/__kiosk/api/plan';
const STATE = '/__kiosk/api/state';
const REPORT = '/__kiosk/api/report';

/** How often the rotation looks at the clock and the frames (agents' messages and gestures
 * tick at once; this is for dwells and timeouts, so it can be slow: the Pi's CPU is the wall's). */
const TICK_MS = 1_000;
/** How often the shell sends a heartbeat and says hello to both frames. */
const HEARTBEAT_MS = 5_000;
/** The page on screen is healthy while its agent answered within this long. */
const AGENT_FRESH_MS = 15_000;
/** The bottom bar fades after this long without a page change or a gesture. */
const OVERLAY_IDLE_MS = 8_000;
/** The status card closes by itself after this long. */
const CARD_MS = 15_000;
/** The same problem of the same page is reported again after this long at the earliest. */
const PROBLEM_REPEAT_MS = 10 * 60_000;
/** A page the viewer asks for again is reused from the other frame if loaded this recently. */
const REUSE_MS = 5 * 60_000;
/** The events stream is reconnected after this long once the browser gave up on it. */
const RECONNECT_MS = 5_000;
/** A lost events stream shows as a badge after this long. */
const GATEWAY_LOST_MS = 10_000;

/**
 * One of the two frames and what its agent said about the document in it.
 * @typedef {object} Slot
 * @property {HTMLIFrameElement} el
 * @property {string | null} pageId the plan page loaded into it
 * @property {string | null} url
 * @property {string} title the page's title when it went on screen
 * @property {number} startedAt when its src was set (epoch ms)
 * @property {Document | null} oldDoc the document it held when its src was set: messages from
 *   that one are stale
 * @property {boolean} loaded a load event since its src was set
 * @property {Document | null} doc the document its agent last spoke from (same origin only)
 * @property {boolean} painted its agent reported painted for the current document
 * @property {number} paintedAt last painted or refreshed (epoch ms)
 * @property {number} seenAt last message from its agent (epoch ms)
 * @property {{ kind: 'login' | 'error', detail: string } | null} problem
 */

/**
 * The page the rotation wants on screen next.
 * @typedef {object} Pending
 * @property {number} index
 * @property {1 | -1} dir the direction it was found in, to look further if it fails
 * @property {number} requestedAt when it was asked for (dwell end or gesture), for `wait_ms`
 * @property {boolean} user asked for by the viewer rather than by the rotation
 * @property {boolean} [fresh] only a load started after `requestedAt` will do (the page on
 *   screen came from the offline cache and is being reloaded live)
 */

/** @param {string} id */
function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`shell: #${id} missing from index.html`);
  return el;
}

/** @param {HTMLIFrameElement} el @returns {Slot} */
function slot(el) {
  return {
    el,
    pageId: null,
    url: null,
    title: '',
    startedAt: 0,
    oldDoc: null,
    loaded: false,
    doc: null,
    painted: false,
    paintedAt: 0,
    seenAt: 0,
    problem: null,
  };
}

const ui = {
  splash: byId('splash'),
  splashText: byId('splash-text'),
  bar: byId('bar'),
  title: byId('title'),
  dots: byId('dots'),
  clock: byId('clock'),
  badges: byId('badges'),
  card: byId('card'),
  capture: byId('capture'),
};
/** When the shell started: the first page was wanted from then on. */
const BOOT_AT = Date.now();
const slots = [
  slot(/** @type {HTMLIFrameElement} */ (byId('frame-a'))),
  slot(/** @type {HTMLIFrameElement} */ (byId('frame-b'))),
];
// The gateway starts the plan's first page in a frame with the shell itself, so that it loads
// while these scripts do: adopt it as if loaded at boot (the first tick keeps it if the plan
// still starts there, and loads another page over it otherwise).
for (const s of slots) {
  const url = s.el.getAttribute('src');
  if (url && s.el.dataset.page) {
    s.pageId = s.el.dataset.page;
    s.url = url;
    s.startedAt = BOOT_AT;
  }
}

/** @type {Plan} */
let plan = { source: '', pause_resume_ms: 0, pages: [] };
let planText = '';
let planLoaded = false;
/** @type {State | null} */
let state = null;
let rot = R.start(BOOT_AT);
/** @type {Slot | null} the frame on screen */
let front = null;
/** @type {Pending | null} */
let pending = null;
/** The id and URL of the pending page, to find it again when the plan changes. */
/** @type {string | null} */
let pendingId = null;
/** @type {string | null} */
let pendingUrl = null;
/** Pages skipped this round because they did not paint. */
const skipped = new Set();
/** Login problems by page id, shown as a badge until that page paints. */
const logins = new Map();
/** When each problem (page, kind, detail) was last reported. */
const reported = new Map();
/**
 * What the splash says when no page is on screen: a designed message (waiting for Grafana, no
 * pages, login trouble) or only that something is loading.
 * @type {'message' | 'loading'}
 */
let splashKind = 'loading';
let lastActivity = Date.now();
let cardUntil = 0;
/** @type {number | null} since when the events stream is down */
let gatewayLostAt = null;

// ---------------------------------------------------------------------------------------------
// Gateway

/** @param {Record<string, unknown>} report */
function send(report) {
  fetch(REPORT, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(report),
    keepalive: true,
  }).catch(() => {});
}

/**
 * @param {string} page
 * @param {'login' | 'error' | 'blank'} kind
 * @param {string} detail
 */
function reportProblem(page, kind, detail) {
  const key = `${page}\u0000${kind}\u0000${detail}`;
  const now = Date.now();
  if (now - (reported.get(key) ?? -Infinity) < PROBLEM_REPEAT_MS) return;
  for (const [k, at] of reported) if (now - at >= PROBLEM_REPEAT_MS) reported.delete(k);
  reported.set(key, now);
  send({ type: 'problem', page, kind, detail });
}

/** @param {unknown} data */
function applyPlan(data) {
  const text = JSON.stringify(data);
  if (text === planText) return;
  const next = /** @type {Plan} */ (data);
  if (!next || !Array.isArray(next.pages)) return;
  const oldIndex = rot.index;
  planText = text;
  plan = next;
  planLoaded = true;

  const ids = new Set(plan.pages.map((p) => p.id));
  for (const id of [...skipped]) if (!ids.has(id)) skipped.delete(id);
  for (const id of [...logins.keys()]) if (!ids.has(id)) logins.delete(id);

  const now = Date.now();
  const t = R.localTime(now);
  const index = R.indexOf(plan, front ? front.pageId : null);
  rot = { ...rot, index };
  if (pending) {
    const wanted = R.indexOf(plan, pendingId);
    pending = wanted >= 0 && plan.pages[wanted].url === pendingUrl ? { ...pending, index: wanted } : null;
  }
  if (front && index < 0) {
    // The page on screen left the plan: it stays until the one that took its place painted.
    const i = R.step(plan, Math.min(oldIndex, plan.pages.length) - 1, 1, t, skipped);
    if (i >= 0) pending = { index: i, dir: 1, requestedAt: now, user: false };
  } else if (front && plan.pages[index].url !== front.url) {
    // Same page, new address (time range, variables): load it afresh and swap when painted.
    pending = { index, dir: 1, requestedAt: now, user: false };
  }
  rememberPending();
  render();
  tick();
}

/** @param {unknown} data */
function applyState(data) {
  if (!data || typeof data !== 'object') return;
  const before = state ? state.state : null;
  state = /** @type {State} */ (data);
  // Back online: the page on screen holds cached data. Reload it underneath and swap when it
  // has painted, so the wall is live now rather than at its next page.
  if (before !== null && before !== 'online' && state.state === 'online' && front && !pending && rot.index >= 0) {
    pending = { index: rot.index, dir: 1, requestedAt: Date.now(), user: false, fresh: true };
    rememberPending();
    tick();
  }
  render();
}

/** @param {string} url @param {(data: unknown) => void} apply */
async function fetchJson(url, apply) {
  try {
    const res = await fetch(url, { cache: 'no-store' });
    if (res.ok) apply(await res.json());
  } catch {
    // The events stream delivers the same on connect.
  }
}

function connect() {
  const source = new EventSource(EVENTS);
  /** @param {(data: unknown) => void} apply @returns {(e: Event) => void} */
  const json = (apply) => (e) => {
    try {
      apply(JSON.parse(/** @type {MessageEvent} */ (e).data));
    } catch {
      // Not JSON: ignore, the next event will do.
    }
  };
  source.addEventListener('plan', json(applyPlan));
  source.addEventListener('state', json(applyState));
  source.addEventListener('open', () => {
    gatewayLostAt = null;
    render();
  });
  source.addEventListener('error', () => {
    gatewayLostAt ??= Date.now();
    if (source.readyState === EventSource.CLOSED) {
      setTimeout(connect, RECONNECT_MS);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Frames

/** The frame that is not on screen: where the next page loads. */
function back() {
  return front === slots[0] ? slots[1] : slots[0];
}

/** Note what `pending` points at, to find it again in a new plan. */
function rememberPending() {
  const page = pending ? plan.pages[pending.index] : undefined;
  pendingId = page ? page.id : null;
  pendingUrl = page ? page.url : null;
}

/**
 * Start loading `page` into the frame under the one on screen.
 * @param {Slot} s
 * @param {Page} page
 */
function load(s, page) {
  s.oldDoc = s.el.contentDocument;
  s.pageId = page.id;
  s.url = page.url;
  s.startedAt = Date.now();
  s.loaded = false;
  s.painted = false;
  s.paintedAt = 0;
  s.problem = null;
  s.el.src = page.url;
}

/**
 * Empty a frame that holds a page we gave up on, so it stops working underneath.
 * @param {Slot} s
 */
function unload(s) {
  s.oldDoc = s.el.contentDocument;
  s.pageId = null;
  s.url = null;
  s.painted = false;
  s.problem = null;
  s.el.src = 'about:blank';
}

/**
 * Whether the frame holds `page` in a state worth keeping: `since` is the earliest load start
 * that still counts as fresh.
 * @param {Slot} s
 * @param {Page} page
 * @param {number} since
 */
function holds(s, page, since) {
  return s.pageId === page.id && s.url === page.url && s.startedAt >= since;
}

/**
 * Whether a message from this frame's window belongs to the document now in it (not to the
 * one being replaced). Same-origin frames compare documents; otherwise the load event counts.
 * @param {Slot} s
 */
function current(s) {
  const doc = s.el.contentDocument;
  return doc ? doc !== s.oldDoc : s.loaded;
}

/** Raise the frame underneath: its page is painted. */
function swap() {
  if (!pending) return;
  const now = Date.now();
  const incoming = back();
  const page = plan.pages[pending.index];
  incoming.el.classList.add('front');
  front?.el.classList.remove('front');
  front = incoming;
  front.title = page.title;
  send({ type: 'swap', page: page.id, wait_ms: Math.max(0, now - pending.requestedAt) });
  if (!pending.user && pending.index <= rot.index) skipped.clear(); // a new round
  rot = R.shown(rot, pending.index, now);
  pending = null;
  rememberPending();
  wake(now);
}

/**
 * Whether the page loading in the back frame will not do: Grafana asked for a login, or it has
 * not painted in time.
 * @param {Slot} s
 * @param {Page} page
 * @param {number} now
 */
function hopeless(s, page, now) {
  return s.problem?.kind === 'login' || (!s.painted && now - s.startedAt > R.paintTimeout(page));
}

/**
 * Skip the page in the back frame for this round and empty the frame.
 * @param {Slot} s
 * @param {Page} page
 */
function reject(s, page) {
  // The agent's own problems were reported when they arrived; a page that simply never
  // painted is reported here.
  if (s.problem?.kind !== 'login') {
    reportProblem(page.id, 'blank', `not painted within ${Math.round(R.paintTimeout(page) / 1000)} s`);
  }
  skipped.add(page.id);
  unload(s);
}

/**
 * The page in the back frame will not do: report it, skip it this round, and try the next one.
 * @param {Slot} s
 * @param {Page} page
 * @param {number} now
 */
function giveUp(s, page, now) {
  if (!pending) return;
  reject(s, page);
  const next = R.step(plan, pending.index, pending.dir, R.localTime(now), skipped);
  if (next >= 0 && next !== rot.index) {
    pending = { ...pending, index: next };
  } else {
    // Nothing else to try: keep the page on screen for another dwell, retry all next round.
    pending = null;
    skipped.clear();
    if (front) rot = R.shown(rot, rot.index, now);
  }
  rememberPending();
  render();
}

/** @param {MessageEvent} event */
function onMessage(event) {
  if (event.origin !== window.location.origin) return;
  const s = slots.find((x) => x.el.contentWindow === event.source);
  if (!s) return;
  const m = parseAgentMessage(event.data);
  if (!m) return;
  if (m.type === 'gesture') {
    onGesture(m.kind);
    return;
  }
  if (!current(s)) return;
  const now = Date.now();
  s.seenAt = now;
  s.doc = s.el.contentDocument;
  switch (m.type) {
    case 'loading':
      s.painted = false;
      break;
    case 'painted':
      if (!s.painted) s.paintedAt = now;
      s.painted = true;
      if (s.pageId) logins.delete(s.pageId);
      if (s.problem?.kind === 'login') s.problem = null;
      break;
    case 'refreshed':
      s.painted = true;
      s.paintedAt = m.at;
      break;
    case 'problem':
      s.problem = { kind: m.kind, detail: m.detail };
      if (s.pageId) {
        reportProblem(s.pageId, m.kind, `${m.detail} (${pathOf(m.href)})`);
        if (m.kind === 'login') logins.set(s.pageId, m.detail);
      }
      render();
      break;
  }
  tick();
}

/**
 * The path and query of an agent's `href`, for reports.
 * @param {string} href
 */
function pathOf(href) {
  try {
    const u = new URL(href, window.location.href);
    return u.pathname + u.search;
  } catch {
    return href;
  }
}

/** @param {Slot} s */
function onLoad(s) {
  s.loaded = true;
  const doc = s.el.contentDocument;
  if (doc && doc !== s.doc) {
    // A document whose agent has not spoken yet (the frame navigated by itself): not painted.
    s.painted = false;
    s.problem = null;
  }
  s.el.contentWindow?.postMessage(HELLO, window.location.origin);
}

// ---------------------------------------------------------------------------------------------
// Rotation

function tick() {
  const now = Date.now();
  const wasPaused = rot.paused;
  rot = R.tick(rot, now);
  if (wasPaused !== rot.paused) render();
  if (!planLoaded || plan.pages.length === 0) return;
  const t = R.localTime(now);

  if (!pending) {
    if (!front || rot.index < 0) {
      const i = R.step(plan, -1, 1, t, skipped);
      if (i >= 0) pending = { index: i, dir: 1, requestedAt: front ? now : BOOT_AT, user: false };
      else skipped.clear();
    } else if (R.due(rot, plan, now)) {
      const i = R.step(plan, rot.index, 1, t, skipped);
      if (i >= 0 && i !== rot.index) pending = { index: i, dir: 1, requestedAt: now, user: false };
      else {
        // Nothing else to show: another dwell, and every page gets another chance.
        rot = R.shown(rot, rot.index, now);
        skipped.clear();
      }
    }
    rememberPending();
  }

  const under = back();
  if (pending) {
    const page = plan.pages[pending.index];
    const since = pending.fresh
      ? pending.requestedAt
      : pending.user
        ? now - REUSE_MS
        : Math.min(pending.requestedAt, R.preloadAt(rot, plan));
    if (!holds(under, page, since)) load(under, page);
    if (hopeless(under, page, now)) giveUp(under, page, now);
    else if (under.painted) swap();
  } else if (front && !rot.paused && now >= R.preloadAt(rot, plan)) {
    // Preload: a page found hopeless already is skipped now, so the one after it gets its turn
    // before the dwell ends.
    const i = R.step(plan, rot.index, 1, t, skipped);
    const page = plan.pages[i];
    if (i >= 0 && i !== rot.index) {
      if (!holds(under, page, rot.shownAt)) load(under, page);
      else if (hopeless(under, page, now)) reject(under, page);
    }
  }
  renderSplash();
}

/**
 * Next (1) or previous (-1) page, asked for by the viewer.
 * @param {1 | -1} dir
 */
function navigate(dir) {
  if (!planLoaded || plan.pages.length === 0) return;
  const now = Date.now();
  const base = pending && pending.user ? pending.index : rot.index;
  const i = R.step(plan, base, dir, R.localTime(now));
  if (i < 0) return;
  rot = R.nudge(rot, plan, now);
  pending = i === rot.index && front ? null : { index: i, dir, requestedAt: now, user: true };
  rememberPending();
  wake(now);
  tick();
}

function togglePause() {
  if (!planLoaded) return;
  const now = Date.now();
  rot = R.togglePause(rot, plan, now);
  if (rot.paused && pending && !pending.user) {
    pending = null;
    rememberPending();
  }
  wake(now);
}

/**
 * Tells the gateway the shell is alive, every HEARTBEAT_MS whatever is on screen (the app's
 * watchdog counts a missing heartbeat as a frozen page), and what it shows: a painted page
 * whose agent answered recently, a designed message, or only a loading splash.
 */
function heartbeat() {
  const now = Date.now();
  for (const s of slots) if (s.pageId) s.el.contentWindow?.postMessage(HELLO, window.location.origin);
  const live = front !== null && front.pageId !== '' && front.painted && now - front.seenAt < AGENT_FRESH_MS;
  send({
    type: 'heartbeat',
    page: live && front ? front.pageId : '',
    painted_at: live && front ? front.paintedAt : 0,
    showing: live ? 'page' : front === null ? splashKind : 'loading',
  });
}

// ---------------------------------------------------------------------------------------------
// Input

/** @param {GestureKind} kind */
function onGesture(kind) {
  const now = Date.now();
  if (cardUntil > now) {
    closeCard();
    return;
  }
  if (kind === 'swipe-left') navigate(1);
  else if (kind === 'swipe-right') navigate(-1);
  else if (kind === 'tap') togglePause();
  else if (kind === 'long-press') openCard();
}

function listenPointer() {
  const recognizer = createRecognizer({ width: window.innerWidth });
  /** @type {number | null} */
  let pointer = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;

  /** @param {import('./gestures.js').Gesture | null} kind */
  const emit = (kind) => {
    if (kind) onGesture(kind);
  };
  /** @param {'down' | 'move' | 'up' | 'cancel'} type @param {PointerEvent} e */
  const feed = (type, e) => {
    if (e.pointerId !== pointer) return;
    emit(recognizer.feed({ type, x: e.clientX, y: e.clientY, t: e.timeStamp }));
    if (type === 'up' || type === 'cancel') {
      pointer = null;
      clearTimeout(timer);
    }
  };
  ui.capture.addEventListener('pointerdown', (e) => {
    if (!e.isPrimary) return;
    pointer = e.pointerId;
    ui.capture.setPointerCapture(e.pointerId);
    recognizer.resize(window.innerWidth);
    emit(recognizer.feed({ type: 'down', x: e.clientX, y: e.clientY, t: e.timeStamp }));
    clearTimeout(timer);
    timer = setTimeout(() => emit(recognizer.tick(performance.now())), LONG_PRESS_MS + 10);
  });
  ui.capture.addEventListener('pointermove', (e) => feed('move', e));
  ui.capture.addEventListener('pointerup', (e) => feed('up', e));
  ui.capture.addEventListener('pointercancel', (e) => feed('cancel', e));
  ui.capture.addEventListener('contextmenu', (e) => e.preventDefault());
}

/** @param {KeyboardEvent} e */
function onKey(e) {
  if (e.altKey || e.ctrlKey || e.metaKey) return;
  const now = Date.now();
  switch (e.key) {
    case 'ArrowRight':
      navigate(1);
      break;
    case 'ArrowLeft':
      navigate(-1);
      break;
    case ' ':
      if (e.repeat) break;
      if (cardUntil > now) closeCard();
      else togglePause();
      break;
    case 'i':
    case 'Enter':
      if (e.repeat) break;
      if (cardUntil > now) closeCard();
      else openCard();
      break;
    case 'Escape':
      closeCard();
      break;
    default:
      return;
  }
  e.preventDefault();
}

// ---------------------------------------------------------------------------------------------
// Overlay

/**
 * Something happened: show the bar again for a while.
 * @param {number} now
 */
function wake(now) {
  lastActivity = now;
  render();
}

/**
 * @param {string} tag
 * @param {string} className
 * @param {string} [text]
 */
function el(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** @param {number} now @returns {Badge[]} */
function badges(now) {
  /** @type {Badge[]} */
  const out = [];
  if (gatewayLostAt !== null && now - gatewayLostAt > GATEWAY_LOST_MS) {
    out.push({ level: 'offline', text: 'kiosk gateway unreachable — retrying' });
  } else {
    const c = connectionBadge(state, now);
    if (c) out.push(c);
  }
  if (logins.size > 0) out.push({ level: 'problem', text: LOGIN_TEXT });
  return out;
}

let lastBadges = '';
let lastPause = '';
let lastBar = '';

function render() {
  const now = Date.now();
  // The page on screen, also while it waits to be replaced after it left the plan.
  const title = front ? front.title : '';

  const bar = JSON.stringify([title, rot.index, plan.pages.length, formatClock(new Date(now))]);
  if (bar !== lastBar) {
    lastBar = bar;
    ui.title.textContent = title;
    const t = R.localTime(now);
    ui.dots.replaceChildren(
      ...plan.pages.map((p, i) => {
        const dot = el('span', 'dot');
        if (i === rot.index) dot.classList.add('current');
        if (!R.isEligible(p, t)) dot.classList.add('outside');
        return dot;
      }),
    );
    ui.clock.textContent = formatClock(new Date(now));
  }
  ui.bar.classList.toggle('idle', now - lastActivity > OVERLAY_IDLE_MS);

  const list = badges(now);
  const pause = rot.paused ? formatCountdown(R.pauseLeft(rot, now)) : '';
  const key = JSON.stringify(list);
  if (key !== lastBadges || pause !== lastPause) {
    lastBadges = key;
    lastPause = pause;
    const nodes = list.map((b) => el('div', `badge ${b.level}`, b.text));
    if (rot.paused) nodes.unshift(pauseBadge(now));
    ui.badges.replaceChildren(...nodes);
  }

  if (cardUntil > 0 && now >= cardUntil) closeCard();
  renderSplash();
}

/**
 * The pause badge: a ring that empties as the pause runs out, and the time left.
 * @param {number} now
 */
function pauseBadge(now) {
  const badge = el('div', 'badge paused');
  const left = R.pauseLeft(rot, now);
  const share = Math.min(1, left / R.pauseLength(plan));
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 36 36');
  svg.setAttribute('class', 'ring');
  const track = document.createElementNS(ns, 'circle');
  const arc = document.createElementNS(ns, 'circle');
  for (const c of [track, arc]) {
    c.setAttribute('cx', '18');
    c.setAttribute('cy', '18');
    c.setAttribute('r', '15');
    c.setAttribute('pathLength', '100');
  }
  track.setAttribute('class', 'track');
  arc.setAttribute('class', 'arc');
  arc.setAttribute('stroke-dasharray', `${(share * 100).toFixed(1)} 100`);
  svg.append(track, arc);
  badge.append(svg, el('span', '', `paused · resumes in ${formatCountdown(left)}`));
  return badge;
}

function renderSplash() {
  const showing = front !== null;
  ui.splash.classList.toggle('gone', showing);
  if (showing) return;
  /** @type {string} */
  let text;
  if (!planLoaded) text = 'Starting…';
  else if (plan.pages.length === 0) text = 'No pages to show — add pages to kiosk.toml';
  else if (state && state.state === 'offline') text = `Waiting for Grafana at ${state.grafana} — retrying`;
  else if (logins.size > 0) text = LOGIN_TEXT;
  else text = `Loading ${plan.pages[pending ? pending.index : 0]?.title ?? ''}…`;
  splashKind = !planLoaded || text.startsWith('Loading ') ? 'loading' : 'message';
  if (ui.splashText.textContent !== text) ui.splashText.textContent = text;
}

function openCard() {
  const now = Date.now();
  cardUntil = now + CARD_MS;
  const rows = /** @type {[string, string][]} */ ([]);
  if (state) {
    rows.push(['Grafana', `${state.grafana}${state.grafana_version ? ` (${state.grafana_version})` : ''}`]);
    rows.push([
      'Connection',
      `${state.state}${state.reason ? ` — ${state.reason}` : ''} since ${formatWhen(state.since * 1000, now)}`,
    ]);
    rows.push([
      'Live data',
      state.last_live === null
        ? 'none yet'
        : `${formatWhen(state.last_live * 1000, now)} (${formatAge(now - state.last_live * 1000)} ago)`,
    ]);
    rows.push(['Cache', formatBytes(state.cache_bytes)]);
    rows.push(['kiosk', state.version]);
  } else {
    rows.push(['Connection', 'no word from the kiosk gateway yet']);
  }
  rows.push(['Rotation', `${plan.source || '—'}${rot.paused ? ', paused' : ''}`]);
  for (const [name, problem] of logins) rows.push(['Login', `${name}: ${problem}`]);

  const table = el('dl', 'facts');
  for (const [k, v] of rows) table.append(el('dt', '', k), el('dd', '', v));
  const t = R.localTime(now);
  const pages = el('ol', 'pages');
  plan.pages.forEach((p, i) => {
    const item = el('li', i === rot.index ? 'current' : '', p.title);
    const notes = [];
    if (!R.isEligible(p, t)) notes.push('outside its time window');
    if (skipped.has(p.id)) notes.push('skipped: did not paint');
    if (logins.has(p.id)) notes.push('login asked');
    if (notes.length) item.append(el('span', 'note', ` — ${notes.join(', ')}`));
    pages.append(item);
  });
  ui.card.replaceChildren(el('h2', '', 'kiosk status'), table, el('h3', '', 'Pages'), pages, el('p', 'hint', 'Tap to close'));
  ui.card.hidden = false;
  wake(now);
}

function closeCard() {
  cardUntil = 0;
  ui.card.hidden = true;
}

// ---------------------------------------------------------------------------------------------
// Start

for (const s of slots) s.el.addEventListener('load', () => onLoad(s));
window.addEventListener('message', onMessage);
window.addEventListener('keydown', onKey);
// Keys must reach the shell: a page that grabs focus (a login form's autofocus) gives it back.
window.addEventListener('blur', () => {
  setTimeout(() => {
    const active = document.activeElement;
    if (active instanceof HTMLIFrameElement) {
      active.blur();
      window.focus();
    }
  }, 0);
});
listenPointer();
connect();
void fetchJson(PLAN, applyPlan);
void fetchJson(STATE, applyState);
setInterval(() => {
  tick();
  render();
}, TICK_MS);
setInterval(heartbeat, HEARTBEAT_MS);
window.focus();
render();
