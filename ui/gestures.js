// @ts-check
/**
 * @file Recognises the wallboard's four gestures (tap, long press, swipe left, swipe right) from
 * pointer samples. Pure: no DOM, no timers; the caller feeds samples and, for a long press
 * without movement, calls `tick` when the threshold passes. Used by the shell and the agent.
 */

/** @typedef {'tap' | 'long-press' | 'swipe-left' | 'swipe-right'} Gesture */
/** @typedef {{ type: 'down' | 'move' | 'up' | 'cancel', x: number, y: number, t: number }} Sample */

/** A press held this long without moving is a long press. */
export const LONG_PRESS_MS = 600;
/** Movement up to this far from the start still counts as holding still. */
export const SLOP_PX = 10;
/** A swipe covers at least this many pixels horizontally… */
export const SWIPE_MIN_PX = 80;
/** …or at least this share of the surface's width, whichever is smaller. */
export const SWIPE_MIN_RATIO = 0.15;
/** A swipe ends within this long after it started; a slower drag is not a swipe. */
export const SWIPE_MAX_MS = 800;

/**
 * @typedef {object} Recognizer
 * @property {(sample: Sample) => Gesture | null} feed a pointer sample; the gesture it completes
 * @property {(t: number) => Gesture | null} tick the time now; `long-press` once the press has
 *   been held still for LONG_PRESS_MS
 * @property {(width: number) => void} resize the surface's new width in pixels
 * @property {() => boolean} active whether a press is in progress
 */

/**
 * A recognizer for one pointer at a time (the caller feeds only the primary pointer).
 * @param {{ width: number }} options width of the surface, for the swipe ratio
 * @returns {Recognizer}
 */
export function createRecognizer(options) {
  let width = options.width;
  /** @type {{ x: number, y: number, t: number, moved: boolean, fired: boolean } | null} */
  let press = null;

  /** @param {number} t */
  function longPressDue(t) {
    if (press === null || press.moved || press.fired || t - press.t < LONG_PRESS_MS) return null;
    press.fired = true;
    return /** @type {const} */ ('long-press');
  }

  /** @param {Sample} s @returns {Gesture | null} */
  function up(s) {
    if (press === null) return null;
    const p = press;
    press = null;
    if (p.fired) return null;
    if (Math.hypot(s.x - p.x, s.y - p.y) > SLOP_PX) p.moved = true;
    if (!p.moved) return s.t - p.t >= LONG_PRESS_MS ? 'long-press' : 'tap';
    const dx = s.x - p.x;
    const dy = s.y - p.y;
    const far = Math.abs(dx) >= SWIPE_MIN_PX || Math.abs(dx) >= SWIPE_MIN_RATIO * width;
    const horizontal = Math.abs(dy) * 2 <= Math.abs(dx);
    const quick = s.t - p.t <= SWIPE_MAX_MS;
    if (!(far && horizontal && quick)) return null;
    return dx < 0 ? 'swipe-left' : 'swipe-right';
  }

  return {
    feed(s) {
      switch (s.type) {
        case 'down':
          press = { x: s.x, y: s.y, t: s.t, moved: false, fired: false };
          return null;
        case 'move':
          if (press === null) return null;
          if (Math.hypot(s.x - press.x, s.y - press.y) > SLOP_PX) press.moved = true;
          return longPressDue(s.t);
        case 'up':
          return up(s);
        case 'cancel':
          press = null;
          return null;
        default:
          return null;
      }
    },
    tick: longPressDue,
    resize(w) {
      width = w;
    },
    active: () => press !== null,
  };
}
