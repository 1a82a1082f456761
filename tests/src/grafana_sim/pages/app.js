/*
 * grafana-sim's dashboard page: a small stand-in for Grafana's frontend that behaves like it where
 * a wallboard looks. It loads /api/dashboards/uid/<uid>, lays the panels out on Grafana's
 * 24-column grid, queries /api/ds/query per panel, draws the frames (time series, stat, bar gauge,
 * value list) and refreshes them, using the selectors of @grafana/e2e-selectors that
 * docs/wallboard.md lists. Every URL is relative to the app's base, so it works behind a proxy
 * and under a sub-path. Plain JS, no build step; the pure helpers are exported for `node`.
 */
(function () {
  'use strict';

  const GRID_COLUMNS = 24;
  const GRID_ROW_HEIGHT = 30;
  const GRID_MARGIN = 8;
  const DEFAULT_REFRESH = '30s';
  const DEFAULT_FROM = 'now-6h';
  const DEFAULT_TO = 'now';

  // The strings of docs/wallboard.md's selectors table.
  const SEL = {
    panelTitle: (title) => `data-testid Panel header ${title}`,
    panelContent: 'data-testid panel content',
    panelLoadingBar: 'Panel loading bar',
    panelStatus: (status) => `data-testid Panel status ${status}`,
    panelDataError: 'data-testid Panel data error message',
    loadingIndicator: 'data-testid Loading indicator',
    rowTitle: (title) => `data-testid dashboard-row-title-${title}`,
    alert: (severity) => `data-testid Alert ${severity}`,
  };

  // Distinct colours that read well on the dark background, in series order.
  const PALETTE = [
    '#73bf69', '#f2cc0c', '#5794f2', '#ff9830', '#f2495c', '#b877d9',
    '#6ed0e0', '#fade2a', '#8ab8ff', '#ca95e5', '#96d98d', '#ffb357',
  ];
  // Colour names dashboards use in thresholds and mappings; anything else is CSS already.
  const NAMED_COLOURS = {
    green: '#73bf69', 'dark-green': '#37872d', 'semi-dark-green': '#56a64b', 'light-green': '#96d98d',
    red: '#f2495c', 'dark-red': '#c4162a', 'semi-dark-red': '#e02f44', 'light-red': '#ff7383',
    yellow: '#fade2a', 'dark-yellow': '#e0b400', 'semi-dark-yellow': '#f2cc0c', 'light-yellow': '#ffee52',
    orange: '#ff9830', 'dark-orange': '#fa6400', 'semi-dark-orange': '#ff780a', 'light-orange': '#ffb357',
    blue: '#5794f2', 'dark-blue': '#1f60c4', 'semi-dark-blue': '#3274d9', 'light-blue': '#8ab8ff',
    purple: '#b877d9', 'dark-purple': '#8f3bb8', 'semi-dark-purple': '#a352cc', 'light-purple': '#ca95e5',
    text: '#ccccdc', transparent: 'transparent',
  };
  const UNIT_MS = { ms: 1, s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5, M: 2592e6, y: 31536e6 };
  const UNIT_WORDS = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week', M: 'month', y: 'year' };
  // Steps for query intervals and time axes.
  const NICE_INTERVALS = [
    1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5, 18e5,
    36e5, 72e5, 108e5, 216e5, 432e5, 864e5, 1728e5, 6048e5, 2592e6,
  ];

  // ---------------------------------------------------------------- pure helpers

  /** `30s`, `5m`, `6h`, `2d` … in milliseconds; null when not a duration. */
  function parseDuration(text) {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w|M|y)\s*$/.exec(String(text == null ? '' : text));
    return m ? Number(m[1]) * UNIT_MS[m[2]] : null;
  }

  /** A URL time (`now`, `now-6h`, `now-1d/d`, epoch ms, or a date) in epoch ms; null if none. */
  function parseTime(text, now) {
    const s = String(text == null ? '' : text).trim();
    if (/^\d+$/.test(s)) return Number(s);
    const relative = /^now(?:([+-])(\d+(?:ms|s|m|h|d|w|M|y)))?(?:\/[smhdwMy])?$/.exec(s);
    if (relative) {
      if (!relative[1]) return now;
      const span = parseDuration(relative[2]);
      return relative[1] === '-' ? now - span : now + span;
    }
    const parsed = s ? Date.parse(s) : NaN;
    return Number.isNaN(parsed) ? null : parsed;
  }

  /** Pixel box of a gridPos on a grid `width` pixels wide. */
  function gridBox(pos, width) {
    const p = pos || {};
    const x = clamp(Math.round(p.x || 0), 0, GRID_COLUMNS - 1);
    const w = clamp(Math.round(p.w || 12), 1, GRID_COLUMNS - x);
    const y = Math.max(0, Math.round(p.y || 0));
    const h = Math.max(1, Math.round(p.h || 8));
    const column = (width - GRID_MARGIN * (GRID_COLUMNS - 1)) / GRID_COLUMNS;
    return {
      left: x * (column + GRID_MARGIN),
      top: y * (GRID_ROW_HEIGHT + GRID_MARGIN),
      width: w * column + (w - 1) * GRID_MARGIN,
      height: h * GRID_ROW_HEIGHT + (h - 1) * GRID_MARGIN,
    };
  }

  /** The app's base path from a page path: what comes before `/d/<uid>[/<slug>]`, with `/`. */
  function appBasePath(pathname) {
    const at = pathname.search(/\/d\/[^/]+(?:\/[^/]*)?\/?$/);
    return (at >= 0 ? pathname.slice(0, at) : '') + '/';
  }

  /** `$name`, `${name}`, `${name:format}` and `[[name]]` replaced where `values` knows the name. */
  function interpolate(text, values) {
    return String(text == null ? '' : text).replace(
      /\$\{(\w+)(?:[:.][^}]*)?\}|\[\[(\w+)(?:[:.][^\]]*)?\]\]|\$(\w+)/g,
      (match, braced, bracketed, bare) => {
        const name = braced || bracketed || bare;
        return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : match;
      },
    );
  }

  function regexEscape(text) {
    return String(text).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }

  /**
   * What each dashboard variable stands for in queries (`values`) and in titles (`texts`): from
   * `var-<name>` URL parameters, else the saved current value. "All" becomes the variable's
   * allValue (or `.*`); several values a regex alternation; a datasource variable the uid of a
   * datasource of its type.
   */
  function variableValues(dashboard, params, datasources) {
    const values = {};
    const texts = {};
    const list = (dashboard && dashboard.templating && dashboard.templating.list) || [];
    for (const variable of list) {
      if (!variable || !variable.name || variable.type === 'adhoc' || variable.type === 'groupby') continue;
      const name = variable.name;
      let selected = params.getAll('var-' + name);
      if (!selected.length) selected = currentValues(variable);
      if (variable.type === 'datasource') {
        const ds = pickDatasource(datasources, variable.query, selected[0]);
        if (ds) values[name] = ds.uid;
        texts[name] = ds ? ds.name : 'default';
        continue;
      }
      if (!selected.length) {
        if (variable.type === 'query' || variable.includeAll) selected = ['$__all'];
        else if (typeof variable.query === 'string') selected = [variable.query.split(',')[0].trim()];
      }
      if (selected.some((v) => v === '$__all' || v === 'All')) {
        values[name] = variable.allValue || '.*';
        texts[name] = 'All';
      } else if (variable.type === 'interval' && /^(\$__auto|auto)/.test(selected[0] || '')) {
        values[name] = '1m';
        texts[name] = 'auto';
      } else {
        values[name] = selected.length > 1 ? `(${selected.map(regexEscape).join('|')})` : selected[0] || '';
        texts[name] = selected.join(' + ');
      }
    }
    return { values, texts };
  }

  function currentValues(variable) {
    const current = variable.current && variable.current.value;
    return current == null ? [] : [].concat(current).map(String);
  }

  function pickDatasource(datasources, type, wanted) {
    const all = Object.values(datasources || {});
    return (
      all.find((d) => wanted && (d.uid === wanted || d.name === wanted)) ||
      all.find((d) => d.type === type && d.isDefault) ||
      all.find((d) => d.type === type) ||
      null
    );
  }

  /** A target's datasource as `{type, uid}`, as Grafana sends it in a query. */
  function datasourceRef(ref, values, settings) {
    const all = (settings && settings.datasources) || {};
    const known = (d) => (d ? { type: d.type, uid: d.uid } : null);
    if (ref == null) {
      return known(all[settings && settings.defaultDatasource]) || { type: 'prometheus', uid: '' };
    }
    if (typeof ref === 'string') {
      const name = interpolate(ref, values);
      return known(all[name] || Object.values(all).find((d) => d.uid === name)) || { type: 'prometheus', uid: name };
    }
    return { type: ref.type || 'prometheus', uid: interpolate(ref.uid || '', values) };
  }

  /** The panels of a dashboard, converting pre-5.0 `rows[]` to gridPos panels. */
  function panelsOf(dashboard) {
    if (Array.isArray(dashboard.panels) && dashboard.panels.length) return dashboard.panels;
    const panels = [];
    let y = 0;
    for (const row of dashboard.rows || []) {
      const height = Math.max(1, Math.ceil((parseInt(row.height, 10) || 250) / (GRID_ROW_HEIGHT + GRID_MARGIN)));
      if (row.showTitle && row.title) {
        panels.push({ type: 'row', title: row.title, gridPos: { x: 0, y, w: GRID_COLUMNS, h: 1 }, panels: [] });
        y += 1;
      }
      let x = 0;
      for (const panel of row.panels || []) {
        const w = clamp(Math.round((panel.span || 12) * 2), 1, GRID_COLUMNS);
        if (x + w > GRID_COLUMNS) {
          x = 0;
          y += height;
        }
        panels.push(Object.assign({}, panel, { gridPos: { x, y, w, h: height } }));
        x += w;
      }
      y += height;
    }
    return panels;
  }

  /** What is on screen: every panel and row header; the panels of a collapsed row stay hidden. */
  function layoutItems(panels) {
    const items = [];
    for (const panel of panels) {
      if (!panel) continue;
      items.push(panel);
      if (panel.type === 'row' && !panel.collapsed) items.push(...(panel.panels || []));
    }
    return items;
  }

  /** The targets a panel queries, each with a refId. */
  function queryTargets(panel) {
    if (!panel || panel.type === 'text' || panel.type === 'row') return [];
    return (panel.targets || [])
      .filter((t) => t && !t.hide)
      .map((t, i) => Object.assign({}, t, { refId: t.refId || String.fromCharCode(65 + (i % 26)) }));
  }

  /** The smallest nice step at least `ms` long. */
  function niceInterval(ms) {
    return NICE_INTERVALS.find((step) => step >= ms) || NICE_INTERVALS[NICE_INTERVALS.length - 1];
  }

  /** Every number field of every frame, in target order, with the name Grafana would show. */
  function seriesOf(response, targets) {
    const results = (response && response.results) || {};
    const refs = targets.map((t) => t.refId).filter((r) => r in results);
    for (const ref of Object.keys(results)) if (!refs.includes(ref)) refs.push(ref);
    const series = [];
    for (const ref of refs) {
      const target = targets.find((t) => t.refId === ref) || {};
      for (const frame of results[ref].frames || []) {
        const fields = (frame.schema && frame.schema.fields) || [];
        const columns = (frame.data && frame.data.values) || [];
        const time = fields.findIndex((f) => f.type === 'time');
        fields.forEach((field, i) => {
          if (field.type !== 'number') return;
          series.push({
            refId: ref,
            name: displayName(frame, field, target),
            labels: field.labels || {},
            times: time >= 0 ? columns[time] || [] : [],
            values: columns[i] || [],
          });
        });
      }
    }
    return series;
  }

  function displayName(frame, field, target) {
    const config = field.config || {};
    if (config.displayName) return config.displayName;
    if (config.displayNameFromDS) return config.displayNameFromDS;
    const labels = field.labels || {};
    if (target.legendFormat && target.legendFormat !== '__auto') {
      return target.legendFormat.replace(/\{\{\s*(.+?)\s*\}\}/g, (_, key) => labels[key] || '');
    }
    const keys = Object.keys(labels).filter((k) => k !== '__name__');
    if (keys.length === 1) return labels[keys[0]];
    if (frame.schema && frame.schema.name) return frame.schema.name;
    if (keys.length) return `{${keys.map((k) => `${k}="${labels[k]}"`).join(', ')}}`;
    return field.name || 'Value';
  }

  /** The first per-query error of a `/api/ds/query` body. */
  function firstError(body) {
    for (const result of Object.values((body && body.results) || {})) if (result && result.error) return result.error;
    return null;
  }

  /** A value with its unit, roughly as Grafana writes it. */
  function formatValue(value, unit, decimals) {
    if (value == null || Number.isNaN(value)) return '-';
    const fixed = (v) => v.toFixed(decimals != null ? decimals : autoDecimals(v));
    const scaled = (v, base, units, sep = ' ') => {
      let i = 0;
      while (Math.abs(v) >= base && i < units.length - 1) {
        v /= base;
        i += 1;
      }
      return fixed(v) + sep + units[i];
    };
    switch (unit) {
      case 'percent': return fixed(value) + '%';
      case 'percentunit': return fixed(value * 100) + '%';
      case 'bytes': return scaled(value, 1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']);
      case 'decbytes': return scaled(value, 1000, ['B', 'kB', 'MB', 'GB', 'TB', 'PB']);
      case 'Bps': case 'binBps': return scaled(value, 1024, ['B/s', 'KiB/s', 'MiB/s', 'GiB/s', 'TiB/s']);
      case 'bps': return scaled(value, 1000, ['b/s', 'kb/s', 'Mb/s', 'Gb/s', 'Tb/s']);
      case 'hertz': return scaled(value, 1000, ['Hz', 'kHz', 'MHz', 'GHz', 'THz']);
      case 'watt': return scaled(value, 1000, ['W', 'kW', 'MW']);
      case 'celsius': return fixed(value) + ' °C';
      case 's': return duration(value, fixed);
      case 'ms': return duration(value / 1000, fixed);
      case undefined: case null: case '': case 'none': case 'short':
        return scaled(value, 1000, ['', 'K', 'Mil', 'Bil', 'Tri'], ' ').trim();
      default: return `${fixed(value)} ${unit}`;
    }
  }

  function duration(seconds, fixed) {
    const units = [[31536000, 'year'], [604800, 'week'], [86400, 'day'], [3600, 'hour'], [60, 'min']];
    for (const [size, name] of units) if (Math.abs(seconds) >= size) return `${fixed(seconds / size)} ${name}`;
    return fixed(seconds) + ' s';
  }

  function autoDecimals(value) {
    const a = Math.abs(value);
    if (a === 0 || Number.isInteger(value) || a >= 100) return 0;
    if (a >= 10) return 1;
    if (a >= 1) return 2;
    return 3;
  }

  function colour(name) {
    return NAMED_COLOURS[name] || name || PALETTE[0];
  }

  /** The colour of the highest threshold step the value reaches. */
  function thresholdColour(value, defaults) {
    const thresholds = (defaults && defaults.thresholds) || {};
    const steps = thresholds.steps && thresholds.steps.length
      ? thresholds.steps
      : [{ color: 'green', value: null }, { color: 'red', value: 80 }];
    let v = value;
    if (thresholds.mode === 'percentage') {
      const min = typeof defaults.min === 'number' ? defaults.min : 0;
      const max = typeof defaults.max === 'number' ? defaults.max : 100;
      v = max > min ? ((value - min) / (max - min)) * 100 : 0;
    }
    let chosen = steps[0].color;
    for (const step of steps) if (step.value == null || (v != null && v >= step.value)) chosen = step.color;
    return colour(chosen);
  }

  /** A value mapping's `{text, color}` for the value, if one applies. */
  function mapValue(value, mappings) {
    for (const mapping of mappings || []) {
      const options = mapping.options || {};
      if (mapping.type === 'value' && value != null && Object.prototype.hasOwnProperty.call(options, String(value))) {
        return options[String(value)];
      }
      if (mapping.type === 'range' && value != null) {
        const from = options.from == null ? -Infinity : options.from;
        const to = options.to == null ? Infinity : options.to;
        if (value >= from && value <= to) return options.result || null;
      }
      if (mapping.type === 'special' && value == null && options.match === 'null') return options.result || null;
    }
    return null;
  }

  function reduce(values, calc) {
    const numbers = values.filter((v) => v != null && Number.isFinite(v));
    if (!numbers.length) return null;
    switch (calc) {
      case 'mean': return numbers.reduce((a, b) => a + b, 0) / numbers.length;
      case 'max': return Math.max(...numbers);
      case 'min': return Math.min(...numbers);
      case 'sum': return numbers.reduce((a, b) => a + b, 0);
      case 'first': case 'firstNotNull': return numbers[0];
      default: return numbers[numbers.length - 1];
    }
  }

  /** How the time picker labels a range: `Last 6 hours`, or `from to to`. */
  function rangeLabel(from, to) {
    const m = /^now-(\d+)([smhdwMy])$/.exec(from);
    if (m && to === 'now') return `Last ${m[1]} ${UNIT_WORDS[m[2]]}${m[1] === '1' ? '' : 's'}`;
    const show = (v) => (/^\d+$/.test(String(v)) ? new Date(Number(v)).toLocaleString() : String(v));
    return `${show(from)} to ${show(to)}`;
  }

  function niceStep(raw) {
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const f = raw / power;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * power;
  }

  function clamp(v, lo, hi) {
    return Math.min(hi, Math.max(lo, v));
  }

  function pad2(n) {
    return String(n).padStart(2, '0');
  }

  function timeLabel(t, span, step) {
    const d = new Date(t);
    const hm = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
    if (span > 2 * 864e5) return `${pad2(d.getMonth() + 1)}/${pad2(d.getDate())} ${hm}`;
    return step < 6e4 ? `${hm}:${pad2(d.getSeconds())}` : hm;
  }

  // ---------------------------------------------------------------- DOM helpers

  function el(tag, attrs, children) {
    return fill(document.createElement(tag), attrs, children);
  }

  function svg(tag, attrs, children) {
    return fill(document.createElementNS('http://www.w3.org/2000/svg', tag), attrs, children);
  }

  function fill(node, attrs, children) {
    for (const [key, value] of Object.entries(attrs || {})) if (value != null) node.setAttribute(key, String(value));
    for (const child of [].concat(children == null ? [] : children)) {
      if (child != null) node.append(typeof child === 'object' ? child : String(child));
    }
    return node;
  }

  function fieldDefaults(panel) {
    return (panel.fieldConfig && panel.fieldConfig.defaults) || {};
  }

  // ---------------------------------------------------------------- drawing

  function drawTimeSeries(content, panel, series, range, clipId) {
    const defaults = fieldDefaults(panel);
    const custom = defaults.custom || {};
    const legend = (panel.options && panel.options.legend) || {};
    const fixed = defaults.color && defaults.color.mode === 'fixed' ? colour(defaults.color.fixedColor) : null;
    const lines = series.map((s, i) => Object.assign({ colour: fixed || PALETTE[i % PALETTE.length] }, s));
    const plot = el('div', { class: 'ts-plot' });
    const wrap = el('div', { class: 'ts' }, [plot]);
    if (legend.showLegend !== false && legend.displayMode !== 'hidden') {
      wrap.append(el('div', { class: 'ts-legend' }, lines.map((s) =>
        el('span', { class: 'legend-item' }, [el('i', { style: `background:${s.colour}` }), s.name]))));
    }
    content.replaceChildren(wrap);
    const width = plot.clientWidth;
    const height = plot.clientHeight;
    if (width < 40 || height < 30) return;

    let lo = Infinity;
    let hi = -Infinity;
    for (const s of lines) {
      for (const v of s.values) {
        if (v != null && Number.isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    if (!Number.isFinite(lo)) [lo, hi] = [0, 1];
    if (typeof custom.axisSoftMin === 'number') lo = Math.min(lo, custom.axisSoftMin);
    if (typeof custom.axisSoftMax === 'number') hi = Math.max(hi, custom.axisSoftMax);
    const fixedMin = typeof defaults.min === 'number';
    const fixedMax = typeof defaults.max === 'number';
    if (fixedMin) lo = defaults.min;
    if (fixedMax) hi = defaults.max;
    if (hi <= lo) hi = lo + 1;
    const step = niceStep((hi - lo) / Math.max(2, Math.floor(height / 45)));
    if (!fixedMin) lo = Math.floor(lo / step) * step;
    if (!fixedMax) hi = Math.ceil(hi / step) * step;
    const ticks = [];
    for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(t);

    const label = (v) => formatValue(v, defaults.unit, defaults.decimals);
    const left = Math.max(...ticks.map((t) => label(t).length)) * 6.5 + 10;
    const top = 6;
    const right = 10;
    const bottom = 20;
    const plotW = width - left - right;
    const plotH = height - top - bottom;
    const span = Math.max(1, range.to - range.from);
    const xOf = (t) => left + ((t - range.from) / span) * plotW;
    const yOf = (v) => top + (1 - (v - lo) / (hi - lo)) * plotH;
    const chart = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' }, [
      svg('defs', {}, [svg('clipPath', { id: clipId }, [svg('rect', { x: left, y: top, width: plotW, height: plotH })])]),
    ]);

    for (const t of ticks) {
      const y = yOf(t);
      chart.append(svg('line', { x1: left, x2: width - right, y1: y, y2: y, stroke: 'rgba(204,204,220,0.09)' }));
      chart.append(svg('text', { x: left - 6, y: y + 4, 'text-anchor': 'end' }, label(t)));
    }
    const xStep = niceInterval(span / Math.max(2, Math.floor(plotW / 90)));
    const offset = new Date(range.to).getTimezoneOffset() * 6e4;
    for (let t = Math.ceil((range.from - offset) / xStep) * xStep + offset; t <= range.to; t += xStep) {
      const x = xOf(t);
      chart.append(svg('line', { x1: x, x2: x, y1: top, y2: top + plotH, stroke: 'rgba(204,204,220,0.09)' }));
      chart.append(svg('text', { x, y: height - 5, 'text-anchor': 'middle' }, timeLabel(t, span, xStep)));
    }

    const plotted = svg('g', { 'clip-path': `url(#${clipId})` });
    const style = custom.thresholdsStyle && custom.thresholdsStyle.mode;
    if (style && style !== 'off') {
      for (const threshold of (defaults.thresholds && defaults.thresholds.steps) || []) {
        if (threshold.value == null || threshold.value < lo || threshold.value > hi) continue;
        const y = yOf(threshold.value);
        plotted.append(svg('line', {
          x1: left, x2: left + plotW, y1: y, y2: y, stroke: colour(threshold.color),
          'stroke-width': 1, 'stroke-dasharray': style.includes('dash') ? '10 10' : null, opacity: 0.8,
        }));
      }
    }
    const fillOpacity = clamp(Number(custom.fillOpacity) || 0, 0, 100) / 100;
    const lineWidth = clamp(Number(custom.lineWidth) || 1, 1, 10);
    for (const s of lines) {
      const segments = [];
      let current = [];
      s.values.forEach((v, i) => {
        const t = s.times[i];
        if (v == null || !Number.isFinite(v) || t == null) {
          if (current.length) segments.push(current);
          current = [];
        } else {
          current.push([xOf(t), yOf(v)]);
        }
      });
      if (current.length) segments.push(current);
      const path = (points) => points.map(([x, y], i) => `${i ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`).join('');
      if (fillOpacity > 0) {
        const base = yOf(clamp(0, lo, hi));
        const area = segments.map((points) =>
          `${path(points)}L${points[points.length - 1][0].toFixed(1)},${base}L${points[0][0].toFixed(1)},${base}Z`).join('');
        plotted.append(svg('path', { d: area, fill: s.colour, 'fill-opacity': fillOpacity, stroke: 'none' }));
      }
      plotted.append(svg('path', {
        d: segments.map((points) => (points.length === 1 ? `${path(points)}h1` : path(points))).join(''),
        fill: 'none', stroke: s.colour, 'stroke-width': lineWidth, 'stroke-linejoin': 'round', 'stroke-linecap': 'round',
      }));
    }
    chart.append(plotted);
    plot.append(chart);
  }

  /** One value per series, big, in its threshold (or mapping) colour; a sparkline unless off. */
  function drawStat(content, panel, series) {
    const defaults = fieldDefaults(panel);
    const options = panel.options || {};
    const colorMode = options.colorMode || 'value';
    const textMode = options.textMode || 'auto';
    const calc = ((options.reduceOptions && options.reduceOptions.calcs) || [])[0] || 'lastNotNull';
    const sparkline = (options.graphMode || 'area') === 'area';
    const items = series.map((s, i) => {
      const value = reduce(s.values, calc);
      const mapped = mapValue(value, defaults.mappings);
      const mode = (defaults.color && defaults.color.mode) || 'thresholds';
      let tint = thresholdColour(value, defaults);
      if (mode === 'fixed') tint = colour(defaults.color.fixedColor);
      else if (mode.startsWith('palette')) tint = PALETTE[i % PALETTE.length];
      if (mapped && mapped.color) tint = colour(mapped.color);
      const text = mapped && mapped.text != null ? String(mapped.text) : formatValue(value, defaults.unit, defaults.decimals);
      return { series: s, name: s.name, text, tint };
    });
    const grid = el('div', { class: 'stat' });
    content.replaceChildren(grid);
    const width = Math.max(1, grid.clientWidth);
    const height = Math.max(1, grid.clientHeight);
    // As many columns as keep the tiles closest to a wide-rectangle shape.
    let best = { cols: 1, rows: items.length, score: -1 };
    for (let cols = 1; cols <= items.length; cols += 1) {
      const rows = Math.ceil(items.length / cols);
      const score = Math.min(width / cols / 2.5, height / rows);
      if (score > best.score) best = { cols, rows, score };
    }
    grid.style.gridTemplateColumns = `repeat(${best.cols}, minmax(0, 1fr))`;
    grid.style.gridTemplateRows = `repeat(${best.rows}, minmax(0, 1fr))`;
    const tileW = (width - (best.cols - 1) * 6) / best.cols;
    const tileH = (height - (best.rows - 1) * 6) / best.rows;
    const showName = textMode === 'value_and_name' || textMode === 'name' || (textMode === 'auto' && items.length > 1);
    // The sparkline takes the bottom of the tile; the text is centred above it.
    const spark = sparkline && tileH > 40 ? Math.max(12, tileH * 0.3) : 0;
    const textH = tileH - spark;
    for (const item of items) {
      const valueSize = clamp(Math.min(textH * (showName ? 0.45 : 0.65), (tileW - 24) / Math.max(2, item.text.length * 0.6)), 10, 120);
      const tile = el('div', { class: 'stat-tile', title: `${item.name}: ${item.text}` });
      const value = el('div', { class: 'stat-value', style: `font-size:${valueSize.toFixed(0)}px` }, textMode === 'name' ? '' : item.text);
      if (colorMode === 'background' || colorMode === 'background_solid') {
        tile.style.background = colorMode === 'background'
          ? `linear-gradient(120deg, rgba(255,255,255,0.16), rgba(0,0,0,0.08)), ${item.tint}`
          : item.tint;
        tile.style.color = '#fff';
      } else if (colorMode === 'value') {
        value.style.color = item.tint;
      }
      if (showName) {
        tile.append(el('div', { class: 'stat-name', style: `font-size:${clamp(valueSize * 0.4, 11, 18).toFixed(0)}px` }, item.name));
      }
      tile.append(value);
      tile.style.position = 'relative';
      grid.append(tile);
      if (spark) {
        tile.style.paddingBottom = `${spark}px`;
        tile.append(statSparkline(item.series, colorMode === 'value' ? item.tint : 'rgba(255,255,255,0.55)', tileW, spark));
      }
    }
  }

  function statSparkline(series, stroke, width, h) {
    const points = series.values
      .map((v, i) => [series.times[i], v])
      .filter(([t, v]) => t != null && v != null && Number.isFinite(v));
    const chart = svg('svg', { width, height: h, style: 'position:absolute;left:0;bottom:0;pointer-events:none' });
    if (points.length < 2) return chart;
    const [t0, t1] = [points[0][0], points[points.length - 1][0]];
    const vs = points.map((p) => p[1]);
    const [lo, hi] = [Math.min(...vs), Math.max(...vs)];
    const d = points.map(([t, v], i) => {
      const x = ((t - t0) / Math.max(1, t1 - t0)) * width;
      const y = h - 2 - ((v - lo) / Math.max(1e-9, hi - lo)) * (h - 4);
      return `${i ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`;
    }).join('');
    chart.append(svg('path', { d: `${d}L${width},${h}L0,${h}Z`, fill: stroke, 'fill-opacity': 0.15, stroke: 'none' }));
    chart.append(svg('path', { d, fill: 'none', stroke, 'stroke-width': 1.5 }));
    return chart;
  }

  function drawBars(content, panel, series) {
    const defaults = fieldDefaults(panel);
    const calc = ((panel.options && panel.options.reduceOptions && panel.options.reduceOptions.calcs) || [])[0];
    const values = series.map((s) => reduce(s.values, calc));
    const min = typeof defaults.min === 'number' ? defaults.min : 0;
    const max = typeof defaults.max === 'number' ? defaults.max : Math.max(100, ...values.filter((v) => v != null));
    content.replaceChildren(el('div', { class: 'bars' }, series.map((s, i) => {
      const v = values[i];
      const share = v == null || max <= min ? 0 : clamp((v - min) / (max - min), 0, 1);
      const tint = thresholdColour(v, defaults);
      return el('div', { class: 'bar' }, [
        el('span', { class: 'stat-name' }, s.name),
        el('div', { class: 'bar-track' }, [el('div', { class: 'bar-fill', style: `width:${(share * 100).toFixed(1)}%;background:${tint}` })]),
        el('b', { style: `color:${tint}` }, formatValue(v, defaults.unit, defaults.decimals)),
      ]);
    })));
  }

  function drawValues(content, panel, series) {
    const defaults = fieldDefaults(panel);
    content.replaceChildren(el('div', { class: 'values' }, series.map((s, i) => {
      const v = reduce(s.values, 'lastNotNull');
      return el('div', { class: 'row' }, [
        el('span', { style: `color:${PALETTE[i % PALETTE.length]}` }, s.name),
        el('b', {}, formatValue(v, defaults.unit, defaults.decimals)),
      ]);
    })));
  }

  // ---------------------------------------------------------------- the page

  class DashboardPage {
    constructor(root, params) {
      this.root = root;
      this.params = params;
      this.base = basePath();
      this.uid = decodeURIComponent((/\/d\/([^/?#]+)/.exec(location.pathname) || [])[1] || '');
      this.views = [];
      this.rows = [];
      this.width = 0;
      this.leaving = false;
      // For tests driving a browser: how far the page got.
      this.status = { state: 'loading', panels: 0, refreshes: 0, lastRefresh: null };
    }

    /** A same-origin call under the app's base; 401 sends the browser to the login page. */
    async api(path, init) {
      const options = Object.assign({ credentials: 'same-origin' }, init || {});
      options.headers = Object.assign({ Accept: 'application/json' }, (init && init.headers) || {});
      let response;
      try {
        response = await fetch(this.base + path, options);
      } catch (err) {
        throw failure(0, `Network error: ${(err && err.message) || err}`);
      }
      if (response.status === 401) {
        this.goToLogin();
        throw failure(401, 'Unauthorized', { login: true });
      }
      let body = null;
      try {
        body = await response.json();
      } catch (_) {
        body = null;
      }
      if (!response.ok) {
        const message = (body && (body.message || firstError(body))) || `${response.status} ${response.statusText}`.trim();
        throw failure(response.status, message, { body });
      }
      return body;
    }

    goToLogin() {
      if (this.leaving) return;
      this.leaving = true;
      clearInterval(this.timer);
      location.assign(this.base + 'login');
    }

    async load() {
      this.root.replaceChildren(el('div', { class: 'dashboard-loading', 'data-testid': SEL.loadingIndicator }, [
        el('div', { class: 'spinner' }), el('span', {}, 'Loading dashboard…'),
      ]));
      let model;
      let settings;
      try {
        [model, settings] = await Promise.all([
          this.api('api/dashboards/uid/' + encodeURIComponent(this.uid)),
          this.api('api/frontend/settings').catch((err) => {
            if (err.login) throw err;
            return {};
          }),
        ]);
      } catch (err) {
        if (err.login) return;
        this.status.state = 'error';
        this.root.replaceChildren(el('div', { class: 'page-error' }, [
          el('div', { class: 'alert', role: 'alert', 'data-testid': SEL.alert('error') }, [
            el('strong', {}, err.status === 404 ? 'Dashboard not found' : 'Failed to load dashboard'),
            el('div', {}, err.message),
          ]),
        ]));
        return;
      }
      this.render((model && model.dashboard) || {}, settings || {});
      this.refreshAll();
      this.timer = setInterval(() => this.refreshAll(), this.refreshMs);
    }

    render(dashboard, settings) {
      this.dashboard = dashboard;
      this.settings = settings;
      const variables = variableValues(dashboard, this.params, settings.datasources);
      this.values = variables.values;
      this.texts = variables.texts;
      const refresh = this.params.get('refresh') || dashboard.refresh || DEFAULT_REFRESH;
      this.refreshLabel = parseDuration(refresh) ? refresh : DEFAULT_REFRESH;
      this.refreshMs = Math.max(1000, parseDuration(this.refreshLabel));
      const time = dashboard.time || {};
      this.from = this.params.get('from') || time.from || DEFAULT_FROM;
      this.to = this.params.get('to') || time.to || DEFAULT_TO;
      document.title = `${dashboard.title || 'Dashboard'} - Dashboards - Grafana`;

      const kiosk = this.params.has('kiosk');
      const parts = [];
      if (!kiosk) {
        parts.push(el('header', { class: 'topbar' }, [
          el('div', { class: 'logo' }),
          el('nav', { class: 'breadcrumbs' }, ['Home › Dashboards › ', el('strong', {}, dashboard.title || '')]),
        ]));
      }
      const controls = this.controls(dashboard, kiosk);
      if (controls) parts.push(controls);
      this.grid = el('div', { class: 'dashboard-grid' });
      parts.push(el('div', { class: 'dashboard' }, [this.grid]));
      this.root.replaceChildren(...parts);

      for (const panel of layoutItems(panelsOf(dashboard))) {
        if (panel.type === 'row') this.rows.push(this.createRow(panel));
        else this.views.push(this.createPanel(panel));
      }
      this.status.panels = this.views.length;
      this.layout();
      for (const view of this.views) if (!queryTargets(view.panel).length) this.draw(view);
      if (typeof ResizeObserver === 'function') new ResizeObserver(() => this.layout()).observe(this.grid);
      else window.addEventListener('resize', () => this.layout());
    }

    /** Variables, links and the time picker, as far as kiosk mode's `_dash.hide*` flags leave them. */
    controls(dashboard, kiosk) {
      const hidden = (flag) => kiosk && this.params.has(flag);
      const items = [];
      if (!hidden('_dash.hideVariables')) {
        for (const v of (dashboard.templating && dashboard.templating.list) || []) {
          if (!v || v.hide === 2 || v.type === 'adhoc' || v.type === 'groupby' || v.type === 'constant') continue;
          items.push(control(v.label || v.name, this.texts[v.name] || ''));
        }
      }
      if (!hidden('_dash.hideLinks')) {
        for (const link of dashboard.links || []) {
          if (link.type !== 'link' || !link.url) continue;
          const href = link.url.startsWith('/') ? this.base + link.url.slice(1) : link.url;
          items.push(el('a', { class: 'control link', href }, [el('span', {}, link.title || link.url)]));
        }
      }
      const picker = !hidden('_dash.hideTimePicker');
      if (!items.length && !picker) return null;
      items.push(el('div', { class: 'spacer' }));
      if (picker) {
        items.push(el('div', { class: 'control' }, [el('span', {}, rangeLabel(this.from, this.to))]));
        items.push(el('div', { class: 'control' }, [el('span', {}, `↻ ${this.refreshLabel}`)]));
      }
      return el('div', { class: 'controls' }, items);
    }

    createRow(panel) {
      const title = interpolate(panel.title || '', this.texts);
      const hiddenPanels = panel.collapsed ? (panel.panels || []).length : 0;
      const node = el('div', { class: 'dashboard-row', 'data-testid': SEL.rowTitle(title) }, [
        el('span', {}, panel.collapsed ? '▸' : '▾'),
        el('span', {}, title),
        hiddenPanels ? el('span', { class: 'count' }, `(${hiddenPanels} panel${hiddenPanels === 1 ? '' : 's'})`) : null,
      ]);
      this.grid.append(node);
      return { panel, node };
    }

    createPanel(panel) {
      const title = interpolate(panel.title || '', this.texts);
      const header = el('div', { class: 'panel-header', 'data-testid': SEL.panelTitle(title) }, [
        el('h2', { class: 'panel-title', title: panel.description || null }, title),
      ]);
      const content = el('div', { class: 'panel-content', 'data-testid': SEL.panelContent });
      const node = el('section', { class: 'panel', 'data-panel-id': panel.id, 'data-panel-type': panel.type || '' }, [header, content]);
      this.grid.append(node);
      return { panel, node, header, content, series: null, error: null, range: null, inFlight: false, loaded: false };
    }

    /** Places rows and panels for the grid's width; redraws drawn panels when the width changed. */
    layout() {
      const width = this.grid.clientWidth;
      if (width === this.width) return;
      const resized = this.width !== 0;
      this.width = width;
      let bottom = 0;
      for (const item of [...this.rows, ...this.views]) {
        const box = gridBox(item.panel.gridPos, width);
        Object.assign(item.node.style, {
          left: `${box.left}px`, top: `${box.top}px`, width: `${box.width}px`, height: `${box.height}px`,
        });
        bottom = Math.max(bottom, box.top + box.height);
      }
      this.grid.style.height = `${bottom}px`;
      if (resized) for (const view of this.views) if (view.loaded || !queryTargets(view.panel).length) this.draw(view);
    }

    refreshAll() {
      if (this.leaving) return;
      const runs = this.views.filter((v) => queryTargets(v.panel).length).map((v) => this.runPanel(v));
      Promise.all(runs).then((ran) => {
        if (this.leaving || (runs.length && !ran.some(Boolean))) return;
        this.status.state = 'ready';
        this.status.refreshes += 1;
        this.status.lastRefresh = Date.now();
        document.dispatchEvent(new CustomEvent('sim:refreshed', { detail: { at: this.status.lastRefresh } }));
      });
    }

    panelRange(panel) {
      const now = Date.now();
      let from = parseTime(this.from, now);
      let to = parseTime(this.to, now);
      if (to == null) to = now;
      if (from == null || from >= to) from = to - 6 * 36e5;
      const override = panel.timeFrom ? parseDuration(String(panel.timeFrom).replace(/^now-/, '')) : null;
      if (override) {
        from = now - override;
        to = now;
      }
      return { from: Math.round(from), to: Math.round(to) };
    }

    /** One query round of a panel; a panel still waiting for its last answer sits this one out. */
    async runPanel(view) {
      if (view.inFlight || this.leaving) return false;
      view.inFlight = true;
      const bar = el('div', { class: 'panel-loading-bar', 'aria-label': SEL.panelLoadingBar });
      view.header.append(bar);
      const panel = view.panel;
      const targets = queryTargets(panel);
      const range = this.panelRange(panel);
      const maxDataPoints = panel.maxDataPoints || Math.max(100, Math.round(view.content.clientWidth || 300));
      const intervalMs = niceInterval((range.to - range.from) / maxDataPoints);
      const body = {
        queries: targets.map((t) => {
          const query = {
            refId: t.refId,
            expr: interpolate(t.expr || '', this.values),
            datasource: datasourceRef(t.datasource || panel.datasource, this.values, this.settings),
            intervalMs,
            maxDataPoints,
            requestId: `${panel.id == null ? '' : panel.id}${t.refId}`,
          };
          if (t.legendFormat) query.legendFormat = t.legendFormat;
          return query;
        }),
        from: String(range.from),
        to: String(range.to),
      };
      try {
        const response = await this.api('api/ds/query', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Dashboard-Uid': this.uid, 'X-Panel-Id': String(panel.id == null ? '' : panel.id) },
          body: JSON.stringify(body),
        });
        view.series = seriesOf(response, targets);
        view.error = null;
      } catch (err) {
        if (err.login) return false;
        view.series = err.body ? seriesOf(err.body, targets) : [];
        view.error = (err.body && firstError(err.body)) || err.message;
      }
      view.range = range;
      view.loaded = true;
      view.inFlight = false;
      this.draw(view);
      bar.remove();
      return true;
    }

    draw(view) {
      const { panel, header, content } = view;
      const corner = header.querySelector('.panel-status');
      if (corner) corner.remove();
      header.classList.toggle('has-status', Boolean(view.error));
      if (view.error) {
        header.prepend(el('div', { class: 'panel-status', role: 'button', title: view.error, 'data-testid': SEL.panelStatus('error') }, [el('span', {}, '!')]));
        content.replaceChildren(el('div', { class: 'panel-error-message', 'data-testid': SEL.panelDataError }, view.error));
        return;
      }
      if (!queryTargets(panel).length) {
        const text = (panel.options && panel.options.content) || panel.content || '';
        content.replaceChildren(el('div', { class: 'text-panel' }, text));
        return;
      }
      const series = view.series || [];
      if (!series.some((s) => s.values.some((v) => v != null))) {
        content.replaceChildren(el('div', { class: 'no-data' }, 'No data'));
        return;
      }
      switch (panel.type) {
        case 'timeseries': case 'graph': case 'trend':
          drawTimeSeries(content, panel, series, view.range, `clip-${this.views.indexOf(view)}`);
          break;
        case 'stat': case 'singlestat': case 'gauge':
          drawStat(content, panel, series);
          break;
        case 'bargauge':
          drawBars(content, panel, series);
          break;
        default:
          drawValues(content, panel, series);
      }
    }
  }

  function control(label, value) {
    return el('div', { class: 'control' }, [el('span', { class: 'label' }, label), el('span', {}, value)]);
  }

  function failure(status, message, extra) {
    return Object.assign(new Error(message), { status }, extra || {});
  }

  /** The app's base URL path: the document's `<base href>` when it has one, else the page path. */
  function basePath() {
    if (document.querySelector('base[href]')) return new URL('.', document.baseURI).pathname;
    return appBasePath(location.pathname);
  }

  function start() {
    const root = document.getElementById('reactRoot') || document.body;
    const page = new DashboardPage(root, new URLSearchParams(location.search));
    window.__simDashboard = page.status;
    page.load();
  }

  const helpers = {
    parseDuration, parseTime, gridBox, appBasePath, interpolate, variableValues, datasourceRef,
    panelsOf, layoutItems, queryTargets, niceInterval, seriesOf, formatValue, thresholdColour,
    mapValue, rangeLabel,
  };
  if (typeof module === 'object' && module && module.exports) module.exports = helpers;
  if (typeof window === 'object' && typeof document === 'object') {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
    else start();
  }
})();
