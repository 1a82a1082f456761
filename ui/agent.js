// @ts-check
/**
 * @file The in-page agent: the gateway injects it into every Grafana page as a classic script.
 * Inside one of the shell's frames it watches the DOM (a MutationObserver, and a fresh look at each
 * of the shell's hellos, every 5 s, for what no mutation announces) with the readiness rule of
 * readiness.js and posts loading / painted / refreshed / problem to the shell, answers `hello`
 * with its current state, forwards gestures and hides leftover chrome.
 * Outside a frame it does nothing. Contract: docs/wallboard.md, "Agent ↔ shell".
 */
(function kioskAgent() {
  'use strict';
  if (window.parent === window) return;
  const w = /** @type {Window & { __kioskAgent?: boolean }} */ (window);
  if (w.__kioskAgent) return;
  w.__kioskAgent = true;

  const ORIGIN = window.location.origin;
  const script = document.currentScript;
  const BASE = new URL('./', script instanceof HTMLScriptElement && script.src ? script.src : '/__kiosk/ui/agent.js');

  /** @param {Record<string, unknown>} message */
  function post(message) {
    window.parent.postMessage({ kiosk: 1, ...message }, ORIGIN);
  }

  /**
   * Modules are loaded by URL so that this file stays a classic script.
   * @param {string} file
   */
  function load(file) {
    return import(new URL(file, BASE).href);
  }

  /** @param {import('./readiness.js')} readiness */
  function start(readiness) {
    const { QUERIES, CHROME_CSS, createTracker, isHello } = readiness;
    const tracker = createTracker();
    let settling = false;
    let scheduled = false;

    /** @param {import('./readiness.js').Report[]} reports */
    function send(reports) {
      for (const r of reports) post({ ...r, href: window.location.href });
    }

    /** @returns {import('./readiness.js').Snapshot} */
    function snapshot() {
      // Only a panel's error status counts: Grafana shows "No data" with the same data-message
      // selector, and an empty panel is not a broken one. The messages only explain errors.
      const messages = Array.from(document.querySelectorAll(QUERIES.dataError), (el) =>
        (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 80),
      ).filter((text) => text !== '' && !/^no data$/i.test(text));
      const errors = Array.from(
        document.querySelectorAll(QUERIES.errorStatus),
        (_, i) => messages[i] || 'panel error',
      );
      return {
        path: window.location.pathname,
        titles: document.querySelectorAll(QUERIES.titles).length,
        loading: document.querySelector(QUERIES.loading) !== null,
        login: document.querySelector(QUERIES.login) !== null,
        errors,
      };
    }

    function check() {
      scheduled = false;
      const { reports, settle } = tracker.observe(snapshot());
      send(reports);
      if (settle && !settling) {
        // Two animation frames: the page has been laid out and drawn, not just built.
        settling = true;
        requestAnimationFrame(() =>
          requestAnimationFrame(() => {
            settling = false;
            send(tracker.settled(snapshot(), Date.now()));
          }),
        );
      }
    }

    /** A burst of mutations (React rendering a panel) makes one check, on the next frame. */
    function soon() {
      if (scheduled) return;
      scheduled = true;
      requestAnimationFrame(check);
    }

    function hideChrome() {
      const style = document.createElement('style');
      style.dataset.kiosk = 'agent';
      style.textContent = CHROME_CSS;
      (document.head ?? document.documentElement).appendChild(style);
    }

    window.addEventListener('message', (event) => {
      if (event.source !== window.parent || event.origin !== ORIGIN || !isHello(event.data)) return;
      check();
      send(tracker.current());
    });

    hideChrome();
    new MutationObserver(soon).observe(document.documentElement, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ['data-testid', 'aria-label'],
    });
    check();
  }

  /**
   * Gestures that reach the page (the shell's capture layer normally takes them all).
   * @param {import('./gestures.js')} gestures
   */
  function forwardGestures(gestures) {
    const recognizer = gestures.createRecognizer({ width: window.innerWidth });
    /** @type {number | null} */
    let pointer = null;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let timer;

    /** @param {import('./gestures.js').Gesture | null} kind */
    function emit(kind) {
      if (kind) post({ type: 'gesture', kind });
    }
    /** @param {'down' | 'move' | 'up' | 'cancel'} type @param {PointerEvent} e */
    function feed(type, e) {
      if (e.pointerId !== pointer) return;
      emit(recognizer.feed({ type, x: e.clientX, y: e.clientY, t: e.timeStamp }));
      if (type === 'up' || type === 'cancel') {
        pointer = null;
        clearTimeout(timer);
      }
    }
    window.addEventListener('pointerdown', (e) => {
      if (!e.isPrimary) return;
      pointer = e.pointerId;
      recognizer.resize(window.innerWidth);
      emit(recognizer.feed({ type: 'down', x: e.clientX, y: e.clientY, t: e.timeStamp }));
      clearTimeout(timer);
      timer = setTimeout(() => emit(recognizer.tick(performance.now())), gestures.LONG_PRESS_MS + 10);
    }, { capture: true, passive: true });
    window.addEventListener('pointermove', (e) => feed('move', e), { capture: true, passive: true });
    window.addEventListener('pointerup', (e) => feed('up', e), { capture: true, passive: true });
    window.addEventListener('pointercancel', (e) => feed('cancel', e), { capture: true, passive: true });
  }

  load('readiness.js').then(start, (err) => {
    post({ type: 'problem', href: window.location.href, kind: 'error', detail: `kiosk agent failed to load: ${err}` });
  });
  load('gestures.js').then(forwardGestures, () => {});
})();
