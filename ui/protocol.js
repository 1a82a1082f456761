// @ts-check
/**
 * @file The agent ↔ shell postMessage protocol (docs/wallboard.md, "Agent ↔ shell"): message
 * shapes and the shell's validation of what arrives. Pure: no DOM.
 */

/** @typedef {'swipe-left' | 'swipe-right' | 'tap' | 'long-press'} GestureKind */
/** @typedef {'login' | 'error'} ProblemKind */
/**
 * @typedef {{ kiosk: 1, type: 'loading', href: string }
 *   | { kiosk: 1, type: 'painted', href: string, panels: number }
 *   | { kiosk: 1, type: 'refreshed', href: string, at: number }
 *   | { kiosk: 1, type: 'problem', href: string, kind: ProblemKind, detail: string }
 *   | { kiosk: 1, type: 'gesture', kind: GestureKind }} AgentMessage
 */
/** @typedef {{ kiosk: 1, type: 'hello' }} ShellMessage */

/** @type {ShellMessage} */
export const HELLO = Object.freeze({ kiosk: 1, type: 'hello' });

const GESTURES = ['swipe-left', 'swipe-right', 'tap', 'long-press'];
const PROBLEMS = ['login', 'error'];

/** @param {unknown} v @returns {v is string} */
const isString = (v) => typeof v === 'string';
/** @param {unknown} v @returns {v is number} */
const isNumber = (v) => typeof v === 'number' && Number.isFinite(v);

/**
 * The agent message in `data`, or null when it is not one (anything without `kiosk: 1`, an
 * unknown type, or fields of the wrong kind). Extra fields are dropped.
 * @param {unknown} data
 * @returns {AgentMessage | null}
 */
export function parseAgentMessage(data) {
  if (typeof data !== 'object' || data === null) return null;
  const m = /** @type {Record<string, unknown>} */ (data);
  if (m.kiosk !== 1) return null;
  const { href } = m;
  switch (m.type) {
    case 'loading':
      return isString(href) ? { kiosk: 1, type: 'loading', href } : null;
    case 'painted':
      return isString(href) && isNumber(m.panels)
        ? { kiosk: 1, type: 'painted', href, panels: m.panels }
        : null;
    case 'refreshed':
      return isString(href) && isNumber(m.at) ? { kiosk: 1, type: 'refreshed', href, at: m.at } : null;
    case 'problem': {
      const { kind, detail } = m;
      if (!isString(href) || !isString(detail) || !isString(kind) || !PROBLEMS.includes(kind)) {
        return null;
      }
      return { kiosk: 1, type: 'problem', href, kind: /** @type {ProblemKind} */ (kind), detail };
    }
    case 'gesture': {
      const { kind } = m;
      return isString(kind) && GESTURES.includes(kind)
        ? { kiosk: 1, type: 'gesture', kind: /** @type {GestureKind} */ (kind) }
        : null;
    }
    default:
      return null;
  }
}

/**
 * Whether `data` is the shell's hello.
 * @param {unknown} data
 */
export function isHello(data) {
  return (
    typeof data === 'object' &&
    data !== null &&
    /** @type {Record<string, unknown>} */ (data).kiosk === 1 &&
    /** @type {Record<string, unknown>} */ (data).type === 'hello'
  );
}
