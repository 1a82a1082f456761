// @ts-check
/**
 * @file What the shell's overlay and status card say about the connection: the State shape
 * (docs/wallboard.md, "JSON shapes"), the badge for it, and time and size formatting. Pure: no
 * DOM; local time comes from the Date it is given.
 */

/**
 * @typedef {object} State
 * @property {'online' | 'degraded' | 'offline'} state
 * @property {string | null} reason why not online, for the operator
 * @property {string} grafana Grafana's base URL, without credentials
 * @property {string | null} grafana_version
 * @property {number} since unix seconds the state began
 * @property {number | null} last_live unix seconds of the last successful live data answer
 * @property {number} cache_bytes
 * @property {string} version kiosk's own
 */
/** @typedef {{ level: 'degraded' | 'offline' | 'problem' | 'paused', text: string }} Badge */

/** What the badge says when Grafana answered a page with its login form. */
export const LOGIN_TEXT = 'Grafana asked for a login — check the token in kiosk.toml';

/** @param {number} n */
const two = (n) => String(n).padStart(2, '0');

/**
 * "HH:MM" in local time.
 * @param {Date} date
 */
export function formatClock(date) {
  return `${two(date.getHours())}:${two(date.getMinutes())}`;
}

/**
 * "HH:MM" for an instant today, "YYYY-MM-DD HH:MM" for another day.
 * @param {number} ms the instant
 * @param {number} now
 */
export function formatWhen(ms, now) {
  const d = new Date(ms);
  const today = new Date(now);
  const sameDay =
    d.getFullYear() === today.getFullYear() &&
    d.getMonth() === today.getMonth() &&
    d.getDate() === today.getDate();
  const day = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} `;
  return `${sameDay ? '' : day}${formatClock(d)}`;
}

/**
 * A duration for people: "45 s", "12 min", "3 h 05 min", "2 d 4 h".
 * @param {number} ms
 */
export function formatAge(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h ${two(min % 60)} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/**
 * "1:45": minutes and seconds left, rounded up.
 * @param {number} ms
 */
export function formatCountdown(ms) {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${two(s % 60)}`;
}

/**
 * A size in bytes for people: "812 B", "4.2 MB".
 * @param {number} bytes
 */
export function formatBytes(bytes) {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${v} B` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/**
 * The connection badge: none while online; amber with the reason while degraded; red with the
 * age of the data on screen while offline.
 * @param {State | null} state
 * @param {number} now epoch ms
 * @returns {Badge | null}
 */
export function connectionBadge(state, now) {
  if (state === null || state.state === 'online') return null;
  if (state.state === 'degraded') {
    return { level: 'degraded', text: state.reason ? `degraded — ${state.reason}` : 'degraded' };
  }
  const asOf = state.last_live === null ? 'no live data yet' : `data as of ${formatWhen(state.last_live * 1000, now)}`;
  return { level: 'offline', text: `offline — ${asOf}` };
}
