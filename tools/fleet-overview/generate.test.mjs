// node --test tools/fleet-overview/generate.test.mjs
// The committed dashboard is exactly what the generator writes, and it keeps the wallboard's rules.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { OUTPUT, build, render } from './generate.mjs';

const dashboard = build();
const panels = dashboard.panels;
const visible = panels.filter((p) => p.type !== 'row');
const targets = visible.flatMap((p) => p.targets.map((t) => ({ panel: p.title, ...t })));
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

/** The exporters' metric names (shared/reference/exporter-metrics.md): nothing else may be queried. */
const METRICS = new Set([
  'up',
  'node_cpu_seconds_total', 'node_memory_MemTotal_bytes', 'node_memory_MemAvailable_bytes',
  'node_memory_SwapTotal_bytes', 'node_memory_SwapFree_bytes', 'node_filesystem_size_bytes',
  'node_filesystem_avail_bytes', 'node_filesystem_free_bytes', 'node_network_receive_bytes_total',
  'node_network_transmit_bytes_total', 'node_load1', 'node_load5', 'node_load15', 'node_time_seconds',
  'node_boot_time_seconds', 'node_uname_info', 'node_hwmon_temp_celsius', 'node_thermal_zone_temp',
  'DCGM_FI_DEV_GPU_UTIL', 'DCGM_FI_DEV_GPU_TEMP', 'DCGM_FI_DEV_MEMORY_TEMP', 'DCGM_FI_DEV_POWER_USAGE',
  'DCGM_FI_DEV_FB_USED', 'DCGM_FI_DEV_FB_FREE', 'DCGM_FI_DEV_SM_CLOCK', 'DCGM_FI_DEV_MEM_COPY_UTIL',
  'DCGM_FI_DEV_XID_ERRORS', 'DCGM_FI_PROF_PIPE_TENSOR_ACTIVE',
  'cpu_Hz', 'gpu_utilization_percentage_Hz', 'ram_kB', 'swap_kB', 'gpuram_kB', 'temperature_C',
  'integrated_power', 'integrated_power_mW', 'disk_GB', 'uptime_s',
  'jetson_usage_gpu', 'jetson_usage_ram', 'jetson_temperatures', 'jetson_usage_power',
  'igpu_engines_render_3d_0_busy', 'igpu_engines_video_0_busy', 'igpu_engines_blitter_0_busy',
  'igpu_engines_video_enhance_0_busy', 'igpu_frequency_actual', 'igpu_frequency_requested',
  'igpu_power_gpu', 'igpu_power_package', 'igpu_rc6', 'igpu_imc_bandwidth_reads',
  'igpu_imc_bandwidth_writes', 'igpu_interrupts',
  'rpi_cpu_temperature_celsius', 'rpi_gpu_temperature_celsius', 'rpi_cpu_frequency_hertz',
  'rpi_gpu_frequency_hertz',
]);

/** `a(b|c)d|e` → [abd, acd, e]: enough regex to list what a `__name__=~` matcher names. */
function expand(pattern) {
  const group = /\(([^()]*)\)/.exec(pattern);
  if (!group) return pattern.split('|');
  const [before, after] = [pattern.slice(0, group.index), pattern.slice(group.index + group[0].length)];
  return group[1].split('|').flatMap((alt) => expand(`${before}${alt}${after}`));
}

/** Every metric name an expression selects, by name or by `__name__=~"..."`. */
function metricNames(expr) {
  const names = [...expr.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\{/g)].map((m) => m[1]);
  for (const [, pattern] of expr.matchAll(/__name__=~"([^"]+)"/g)) names.push(...expand(pattern));
  return names;
}

test('the committed dashboard is the generator output', () => {
  assert.equal(readFileSync(OUTPUT, 'utf8'), render(), 'run node tools/fleet-overview/generate.mjs');
});

test('identity, refresh and time suit the wallboard', () => {
  assert.equal(dashboard.uid, 'fleet-overview');
  assert.equal(dashboard.title, 'Fleet Overview');
  assert.equal(dashboard.id, null);
  assert.equal(dashboard.version, undefined);
  assert.equal(dashboard.__inputs, undefined);
  assert.equal(dashboard.refresh, '30s');
  assert.equal(dashboard.schemaVersion, 41);
  assert.equal(dashboard.graphTooltip, 1);
  assert.deepEqual(dashboard.tags, ['fleet', 'kiosk']);
  assert.deepEqual(dashboard.time, { from: 'now-6h', to: 'now' });
});

test('variables: a prometheus datasource left for kiosk to pin, and a multi host filter', () => {
  const [datasource, host] = dashboard.templating.list;
  assert.equal(datasource.name, 'datasource');
  assert.equal(datasource.type, 'datasource');
  assert.equal(datasource.query, 'prometheus');
  assert.equal(datasource.current, undefined);
  assert.equal(host.name, 'host');
  assert.equal(host.type, 'query');
  assert.equal(host.query.query, 'label_values(up, instance)');
  assert.equal(host.multi, true);
  assert.equal(host.includeAll, true);
  assert.equal(host.allValue, '.*');
  assert.deepEqual(host.datasource, DATASOURCE);
});

test('links drill down to the locked vendor dashboards, keeping the time range', () => {
  assert.deepEqual(
    dashboard.links.map((l) => l.url),
    ['/d/node-exporter-full', '/d/nvidia-dcgm'],
  );
  for (const link of dashboard.links) {
    assert.equal(link.type, 'link');
    assert.equal(link.keepTime, true);
    assert.ok(link.title);
  }
});

test('every panel has a unique id, a title and a place on the grid', () => {
  const ids = panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const p of panels) {
    assert.ok(p.title, `panel ${p.id}`);
    const { x, y, w, h } = p.gridPos;
    assert.ok(x >= 0 && w > 0 && x + w <= 24 && y >= 0 && h > 0, `${p.title}: ${JSON.stringify(p.gridPos)}`);
  }
});

test('no two panels overlap', () => {
  const cells = new Map();
  for (const p of panels) {
    const { x, y, w, h } = p.gridPos;
    for (let i = x; i < x + w; i += 1) {
      for (let j = y; j < y + h; j += 1) {
        const key = `${i},${j}`;
        assert.ok(!cells.has(key), `${p.title} overlaps ${cells.get(key)} at ${key}`);
        cells.set(key, p.title);
      }
    }
  }
});

test('rows are expanded and the fleet strip comes first, the GPU rows after it', () => {
  const rows = panels.filter((p) => p.type === 'row');
  for (const row of rows) assert.equal(row.collapsed, false, row.title);
  assert.equal(panels[0].type, 'row');
  const strip = panels.slice(1, panels.indexOf(rows[1]));
  assert.ok(strip.every((p) => p.type === 'stat' && p.gridPos.w === 24 && p.gridPos.h >= 3));
  const bottom = Math.max(...strip.map((p) => p.gridPos.y + p.gridPos.h));
  for (const row of rows.slice(1)) assert.ok(row.gridPos.y >= bottom, row.title);
  assert.deepEqual(rows.slice(2).map((r) => r.title.split(' ')[0]), ['NVIDIA', 'Jetson', 'Intel', 'Raspberry']);
});

test('every panel says what it shows, in which unit, with thresholds', () => {
  for (const p of visible) {
    assert.ok(p.description?.length > 40, `${p.title}: description`);
    assert.deepEqual(p.datasource, DATASOURCE, p.title);
    assert.ok(p.fieldConfig.defaults.unit, `${p.title}: unit`);
    const steps = p.fieldConfig.defaults.thresholds?.steps;
    assert.ok(steps?.length >= 1 && steps[0].value === null, `${p.title}: thresholds`);
    assert.ok(p.targets.length >= 1, `${p.title}: targets`);
  }
});

test('down is spelled out in red', () => {
  const up = visible[0];
  assert.match(up.targets[0].expr, /\bup\{/);
  assert.equal(up.options.colorMode, 'background');
  const [mapping] = up.fieldConfig.defaults.mappings;
  assert.deepEqual(mapping.options[0], { color: 'red', index: 0, text: 'DOWN' });
  assert.deepEqual(mapping.options[1], { color: 'green', index: 1, text: 'UP' });
});

test('the Jetson clock panel says the exporter has no GPU load', () => {
  const clock = visible.find((p) => p.targets.some((t) => t.expr.includes('gpu_utilization_percentage_Hz')));
  assert.match(clock.description, /no GPU load/i);
  assert.equal(clock.fieldConfig.defaults.unit, 'hertz');
});

test('every target is complete and bound to the datasource variable', () => {
  for (const t of targets) {
    assert.match(t.refId, /^[A-Z]$/, t.panel);
    assert.ok(t.legendFormat, `${t.panel} ${t.refId}: legendFormat`);
    assert.deepEqual(t.datasource, DATASOURCE, t.panel);
  }
  for (const p of visible) {
    const refIds = p.targets.map((t) => t.refId);
    assert.equal(new Set(refIds).size, refIds.length, p.title);
  }
});

test('every selector is filtered by the host variable', () => {
  for (const t of targets) {
    const selectors = [...t.expr.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]);
    assert.ok(selectors.length > 0, `${t.panel} ${t.refId}`);
    for (const s of selectors) assert.match(s, /instance=~"\$host"/, `${t.panel} ${t.refId}: {${s}}`);
  }
});

test('only the exporters\' real metric names are queried', () => {
  for (const t of targets) {
    const names = metricNames(t.expr);
    assert.ok(names.length > 0, `${t.panel} ${t.refId}`);
    for (const name of names) assert.ok(METRICS.has(name), `${t.panel} ${t.refId}: unknown metric ${name}`);
  }
});

test('rates use the rate interval and the root filesystem is the one at /', () => {
  for (const t of targets) {
    for (const [, window] of t.expr.matchAll(/\}\[([^\]]+)\]/g)) assert.equal(window, '$__rate_interval', t.panel);
    if (t.expr.includes('node_filesystem')) assert.match(t.expr, /mountpoint="\/"/, t.panel);
  }
});
