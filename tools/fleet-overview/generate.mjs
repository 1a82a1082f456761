#!/usr/bin/env node
// Builds dashboards/fleet-overview.json, the wallboard's Fleet Overview, from the panel list below.
// `node tools/fleet-overview/generate.mjs` rewrites the file; `--check` exits 1 if it is stale.
// The committed JSON is what kiosk pushes; this script only keeps its ids, grid and repeated
// settings consistent. Metric names are the exporters' own (shared/reference/exporter-metrics.md);
// generate.test.mjs refuses any other.

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const OUTPUT = fileURLToPath(new URL('../../dashboards/fleet-overview.json', import.meta.url));

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };
const HOST = 'instance=~"$host"';
const GREEN = 'green';
const AMBER = '#EAB839';
const RED = 'red';

/** `metric{matchers, instance=~"$host"}`: every selector is filtered by the host variable. */
const sel = (metric, matchers = '') => `${metric}{${matchers ? `${matchers}, ` : ''}${HOST}}`;

/**
 * `agg by (host)` over a derived `host` label: `instance` without its `:port`, so a machine shows
 * as one tile whether Prometheus labels its targets `ook` or `ook:9100` and `ook:9400`.
 */
const byHost = (agg, expr) =>
  `${agg} by (host) (label_replace(${expr}, "host", "$1", "instance", "(.+?)(?::[0-9]+)?"))`;

const ROOT_FS = 'mountpoint="/", fstype!~"tmpfs|ramfs|rootfs|squashfs|devtmpfs"';
const NIC = 'device!~"lo|veth.*|docker.*|br-.*|virbr.*|cni.*|flannel.*"';

/** Every temperature any exporter of the fleet reports, by metric name. */
const TEMPERATURES = [
  'node_hwmon_temp_celsius',
  'node_thermal_zone_temp',
  'rpi_cpu_temperature_celsius',
  'rpi_gpu_temperature_celsius',
  'DCGM_FI_DEV_GPU_TEMP',
  'temperature_C',
  'jetson_temperatures',
];
const anyTemperature = `{__name__=~"${TEMPERATURES.join('|')}", ${HOST}}`;

// What each host-level quantity is, with the Jetson (no node_exporter) as a fallback where its
// exporter has an equivalent. Each result is keyed by `instance` only.
const cpuBusy =
  `100 * (1 - avg by (instance) (rate(${sel('node_cpu_seconds_total', 'mode="idle"')}[$__rate_interval])))` +
  ` or 100 - avg by (instance) (${sel('cpu_Hz', 'statistic="val"')})`;
const memoryUsed =
  `100 * (1 - max by (instance) (${sel('node_memory_MemAvailable_bytes')}) / max by (instance) (${sel('node_memory_MemTotal_bytes')}))` +
  ` or 100 * max by (instance) (${sel('ram_kB', 'statistic="used"')}) / max by (instance) (${sel('ram_kB', 'statistic="total"')})`;
const rootFsUsed =
  `max by (instance) (100 * (1 - ${sel('node_filesystem_avail_bytes', ROOT_FS)} / ${sel('node_filesystem_size_bytes', ROOT_FS)}))` +
  ` or max by (instance) (${sel('disk_GB', 'mountpoint="percent"')})`;
const uptime =
  `max by (instance) (${sel('node_time_seconds')} - ${sel('node_boot_time_seconds')})` +
  ` or max by (instance) (${sel('uptime_s')})`;
const loadPerCore =
  `max by (instance) (${sel('node_load1')}) / count by (instance) (${sel('node_cpu_seconds_total', 'mode="idle"')})`;
const maxTemperature = `max by (instance) (${anyTemperature})`;

const steps = (base, ...rest) => ({
  mode: 'absolute',
  steps: [{ color: base, value: null }, ...rest.map(([value, color]) => ({ color, value }))],
});
const PERCENT_LEVELS = (amber, red) => steps(GREEN, [amber, AMBER], [red, RED]);
const TEMPERATURE_LEVELS = steps(GREEN, [70, AMBER], [85, RED]);
const NEUTRAL = steps(GREEN);

function target(refId, expr, legendFormat) {
  return {
    datasource: DATASOURCE,
    editorMode: 'code',
    expr,
    instant: false,
    legendFormat,
    range: true,
    refId,
  };
}

/** A fleet strip: one big tile per host for one quantity, coloured by its thresholds. */
function strip({ title, description, expr, unit, thresholds, decimals, min, max, mappings = [], h = 3 }) {
  return {
    size: { w: 24, h },
    panel: {
      type: 'stat',
      title,
      description,
      datasource: DATASOURCE,
      // A short range query instead of an instant one: Prometheus sorts range results by
      // labels, so every strip lists the hosts in the same order.
      timeFrom: '15m',
      hideTimeOverride: true,
      maxDataPoints: 60,
      fieldConfig: {
        defaults: {
          color: { mode: 'thresholds' },
          decimals,
          mappings,
          ...(min === undefined ? {} : { min }),
          ...(max === undefined ? {} : { max }),
          thresholds,
          unit,
        },
        overrides: [],
      },
      options: {
        colorMode: 'background',
        graphMode: 'none',
        justifyMode: 'auto',
        orientation: 'auto',
        percentChangeColorMode: 'standard',
        reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
        showPercentChange: false,
        textMode: 'value_and_name',
        wideLayout: true,
      },
      targets: [target('A', expr, '{{host}}')],
    },
  };
}

/** A time series of one quantity, one line per host (or per GPU, sensor, engine). */
function graph({ title, description, targets, unit, thresholds = NEUTRAL, lines = true, decimals, min, max, overrides = [], w = 12, h = 8 }) {
  return {
    size: { w, h },
    panel: {
      type: 'timeseries',
      title,
      description,
      datasource: DATASOURCE,
      fieldConfig: {
        defaults: {
          color: { mode: 'palette-classic' },
          custom: {
            axisBorderShow: false,
            axisPlacement: 'auto',
            axisSoftMin: 0,
            drawStyle: 'line',
            fillOpacity: 10,
            gradientMode: 'opacity',
            lineInterpolation: 'linear',
            lineWidth: 2,
            pointSize: 4,
            showPoints: 'never',
            spanNulls: false,
            stacking: { group: 'A', mode: 'none' },
            thresholdsStyle: { mode: lines ? 'dashed' : 'off' },
          },
          ...(decimals === undefined ? {} : { decimals }),
          mappings: [],
          ...(min === undefined ? {} : { min }),
          ...(max === undefined ? {} : { max }),
          thresholds,
          unit,
        },
        overrides,
      },
      options: {
        legend: { calcs: [], displayMode: 'list', placement: 'bottom', showLegend: true },
        tooltip: { hideZeros: false, mode: 'multi', sort: 'desc' },
      },
      targets: targets.map(([expr, legend], i) => target(String.fromCharCode(65 + i), expr, legend)),
    },
  };
}

function row(title) {
  return { row: { type: 'row', title, collapsed: false, panels: [] } };
}

// ---------------------------------------------------------------------------------------------
// The wall, top to bottom.

const FLEET = [
  row('Fleet now'),
  strip({
    title: 'Up / down',
    description:
      'One tile per host: UP when every exporter on it answered its last scrape, DOWN (red) when ' +
      'any did not. Source: Prometheus `up`, per target, combined per host (instance without its port).',
    expr: byHost('min', sel('up')),
    unit: 'none',
    decimals: 0,
    thresholds: steps(RED, [1, GREEN]),
    mappings: [
      {
        type: 'value',
        options: {
          0: { color: RED, index: 0, text: 'DOWN' },
          1: { color: GREEN, index: 1, text: 'UP' },
        },
      },
    ],
    h: 4,
  }),
  strip({
    title: 'CPU busy',
    description:
      'Share of CPU time not idle, all cores, over the rate interval. Source: node_exporter ' +
      '`node_cpu_seconds_total` (mode="idle"); on a Jetson without node_exporter, 100 − the mean ' +
      'of the jetson-stats exporter\'s `cpu_Hz{statistic="val"}` (per-core idle %, despite the name).',
    expr: byHost('max', cpuBusy),
    unit: 'percent',
    decimals: 0,
    min: 0,
    max: 100,
    thresholds: PERCENT_LEVELS(70, 90),
  }),
  strip({
    title: 'Memory used',
    description:
      'Memory in use: 1 − MemAvailable / MemTotal from node_exporter ' +
      '(`node_memory_MemAvailable_bytes`, `node_memory_MemTotal_bytes`); on a Jetson, ' +
      '`ram_kB` used / total from the jetson-stats exporter.',
    expr: byHost('max', memoryUsed),
    unit: 'percent',
    decimals: 0,
    min: 0,
    max: 100,
    thresholds: PERCENT_LEVELS(80, 90),
  }),
  strip({
    title: 'Root filesystem used',
    description:
      'Space used on the filesystem mounted at / (tmpfs, squashfs and the like excluded): ' +
      '1 − avail / size from node_exporter `node_filesystem_avail_bytes` and ' +
      '`node_filesystem_size_bytes`; on a Jetson, `disk_GB{mountpoint="percent"}`.',
    expr: byHost('max', rootFsUsed),
    unit: 'percent',
    decimals: 0,
    min: 0,
    max: 100,
    thresholds: PERCENT_LEVELS(80, 90),
  }),
  strip({
    title: 'Hottest sensor',
    description:
      'The highest temperature any sensor of the host reports: node_exporter ' +
      '`node_hwmon_temp_celsius` and `node_thermal_zone_temp`, rpi_exporter CPU/GPU, dcgm ' +
      '`DCGM_FI_DEV_GPU_TEMP` and the Jetson exporters\' `temperature_C` / `jetson_temperatures`.',
    expr: byHost('max', maxTemperature),
    unit: 'celsius',
    decimals: 0,
    thresholds: TEMPERATURE_LEVELS,
  }),
  strip({
    title: 'Uptime',
    description:
      'Time since boot; amber during the first hour after a reboot. Source: node_exporter ' +
      '`node_time_seconds - node_boot_time_seconds`; on a Jetson, the jetson-stats exporter\'s `uptime_s`.',
    expr: byHost('min', uptime),
    unit: 's',
    decimals: 1,
    thresholds: steps(AMBER, [3600, GREEN]),
  }),
];

const HOSTS = [
  row('Hosts over time'),
  graph({
    title: 'CPU busy %',
    description:
      'CPU time not idle per host, all cores averaged. Source: node_exporter ' +
      '`node_cpu_seconds_total` (1 − idle rate); Jetson: 100 − mean `cpu_Hz{statistic="val"}` (idle %).',
    targets: [[cpuBusy, '{{instance}}']],
    unit: 'percent',
    min: 0,
    max: 100,
    thresholds: PERCENT_LEVELS(70, 90),
  }),
  graph({
    title: 'Memory used %',
    description:
      'Memory in use per host. Source: node_exporter 1 − `node_memory_MemAvailable_bytes` / ' +
      '`node_memory_MemTotal_bytes`; Jetson: `ram_kB` used / total.',
    targets: [[memoryUsed, '{{instance}}']],
    unit: 'percent',
    min: 0,
    max: 100,
    thresholds: PERCENT_LEVELS(80, 90),
  }),
  graph({
    title: 'Root filesystem used %',
    description:
      'Space used on / per host. Source: node_exporter `node_filesystem_avail_bytes` / ' +
      '`node_filesystem_size_bytes` (mountpoint="/", tmpfs and the like excluded); Jetson: ' +
      '`disk_GB{mountpoint="percent"}`.',
    targets: [[rootFsUsed, '{{instance}}']],
    unit: 'percent',
    min: 0,
    max: 100,
    thresholds: PERCENT_LEVELS(80, 90),
  }),
  graph({
    title: 'Network receive / transmit',
    description:
      'Bytes per second over all physical interfaces (lo, veth, docker, bridges excluded); ' +
      'receive above the axis, transmit below. Source: node_exporter ' +
      '`node_network_receive_bytes_total` and `node_network_transmit_bytes_total`, rate over the rate interval.',
    targets: [
      [`sum by (instance) (rate(${sel('node_network_receive_bytes_total', NIC)}[$__rate_interval]))`, '{{instance}} rx'],
      [`sum by (instance) (rate(${sel('node_network_transmit_bytes_total', NIC)}[$__rate_interval]))`, '{{instance}} tx'],
    ],
    unit: 'Bps',
    lines: false,
    overrides: [
      {
        matcher: { id: 'byFrameRefID', options: 'B' },
        properties: [{ id: 'custom.transform', value: 'negative-Y' }],
      },
    ],
  }),
  graph({
    title: 'Load per core',
    description:
      'One-minute load average divided by the number of CPUs: above 1 means work is queueing. ' +
      'Source: node_exporter `node_load1` / count of `node_cpu_seconds_total{mode="idle"}`.',
    targets: [[loadPerCore, '{{instance}}']],
    unit: 'none',
    decimals: 2,
    thresholds: steps(GREEN, [1, AMBER], [2, RED]),
  }),
  graph({
    title: 'Hottest sensor °C',
    description:
      'Highest temperature per target over time. Source: node_exporter `node_hwmon_temp_celsius` ' +
      'and `node_thermal_zone_temp`, rpi_exporter, dcgm `DCGM_FI_DEV_GPU_TEMP`, Jetson `temperature_C`.',
    targets: [[maxTemperature, '{{instance}}']],
    unit: 'celsius',
    thresholds: TEMPERATURE_LEVELS,
  }),
];

const perGpu = (metric) => `max by (instance, gpu) (${sel(metric)})`;
const NVIDIA = [
  row('NVIDIA GPUs (dcgm-exporter)'),
  graph({
    title: 'NVIDIA GPU utilisation',
    description: 'Share of time the GPU was busy, per GPU. Source: dcgm-exporter `DCGM_FI_DEV_GPU_UTIL`.',
    targets: [[perGpu('DCGM_FI_DEV_GPU_UTIL'), '{{instance}} GPU {{gpu}}']],
    unit: 'percent',
    min: 0,
    max: 100,
    thresholds: PERCENT_LEVELS(80, 95),
  }),
  graph({
    title: 'NVIDIA VRAM used',
    description:
      'Frame buffer in use per GPU: FB_USED / (FB_USED + FB_FREE). Source: dcgm-exporter ' +
      '`DCGM_FI_DEV_FB_USED`, `DCGM_FI_DEV_FB_FREE` (MiB).',
    targets: [[
      `100 * ${perGpu('DCGM_FI_DEV_FB_USED')} / (${perGpu('DCGM_FI_DEV_FB_USED')} + ${perGpu('DCGM_FI_DEV_FB_FREE')})`,
      '{{instance}} GPU {{gpu}}',
    ]],
    unit: 'percent',
    min: 0,
    max: 100,
    thresholds: PERCENT_LEVELS(80, 95),
  }),
  graph({
    title: 'NVIDIA GPU temperature',
    description: 'GPU core temperature per GPU. Source: dcgm-exporter `DCGM_FI_DEV_GPU_TEMP`.',
    targets: [[perGpu('DCGM_FI_DEV_GPU_TEMP'), '{{instance}} GPU {{gpu}}']],
    unit: 'celsius',
    thresholds: steps(GREEN, [75, AMBER], [85, RED]),
  }),
  graph({
    title: 'NVIDIA GPU power',
    description: 'Board power draw per GPU. Source: dcgm-exporter `DCGM_FI_DEV_POWER_USAGE` (W).',
    targets: [[perGpu('DCGM_FI_DEV_POWER_USAGE'), '{{instance}} GPU {{gpu}}']],
    unit: 'watt',
    lines: false,
  }),
];

const JETSON = [
  row('Jetson (jetson-stats exporter)'),
  graph({
    title: 'Jetson GPU clock',
    description:
      'GPU frequency, current and maximum, per GPU. The jetson-stats exporter has NO GPU load ' +
      'metric: `gpu_utilization_percentage_Hz` is, despite its name, the GPU clock in kHz ' +
      '(multiplied by 1000 here). A clock near its maximum means the governor is under load.',
    targets: [[
      `1000 * max by (instance, statistic, nvidia_gpu) (${sel('gpu_utilization_percentage_Hz', 'nvidia_gpu=~"freq|max_freq"')})`,
      '{{instance}} {{statistic}} {{nvidia_gpu}}',
    ]],
    unit: 'hertz',
    lines: false,
  }),
  graph({
    title: 'Jetson memory used',
    description:
      'RAM in use (CPU and GPU share it), and the part the GPU holds, as % of total RAM. ' +
      'Source: jetson-stats exporter `ram_kB{statistic="used"|"total"}` and `gpuram_kB{nvidia_gpu="mem"}`.',
    targets: [
      [
        `100 * max by (instance) (${sel('ram_kB', 'statistic="used"')}) / max by (instance) (${sel('ram_kB', 'statistic="total"')})`,
        '{{instance}} RAM',
      ],
      [
        `100 * max by (instance) (${sel('gpuram_kB', 'nvidia_gpu="mem"')}) / max by (instance) (${sel('ram_kB', 'statistic="total"')})`,
        '{{instance}} GPU share',
      ],
    ],
    unit: 'percent',
    min: 0,
    max: 100,
    thresholds: PERCENT_LEVELS(80, 90),
  }),
  graph({
    title: 'Jetson temperatures',
    description:
      'Every thermal sensor of the module (CPU, GPU, SoC, Tj...). Source: jetson-stats exporter ' +
      '`temperature_C{statistic}` (offline sensors, reported as -256, hidden), or the svcavallar ' +
      "exporter's `jetson_temperatures{temperature}` where that one runs instead.",
    targets: [[
      `max by (instance, statistic) (${sel('temperature_C')} > -256)` +
        ` or max by (instance, statistic) (label_replace(${sel('jetson_temperatures')} > 0, "statistic", "$1", "temperature", "(.*)"))`,
      '{{instance}} {{statistic}}',
    ]],
    unit: 'celsius',
    thresholds: TEMPERATURE_LEVELS,
  }),
  graph({
    title: 'Jetson power',
    description:
      'Module power: the total and each rail (the exporter reports mW, shown in W). Source: ' +
      'jetson-stats exporter `integrated_power_mW{statistic="power"}` (total) and ' +
      "`integrated_power{statistic=\"power\", machine_part}` (rails), or the svcavallar exporter's " +
      '`jetson_usage_power{power}`.',
    targets: [[
      `(label_replace(max by (instance) (${sel('integrated_power_mW', 'statistic="power"')}), "machine_part", "total", "", "")` +
        ` or max by (instance, machine_part) (${sel('integrated_power', 'statistic="power"')})` +
        ` or max by (instance, machine_part) (label_replace(${sel('jetson_usage_power')}, "machine_part", "$1", "power", "(.*)"))) / 1000`,
      '{{instance}} {{machine_part}}',
    ]],
    unit: 'watt',
    lines: false,
  }),
];

const INTEL = [
  row('Intel GPUs (intel-gpu-exporter)'),
  graph({
    title: 'Intel GPU engines busy',
    description:
      'Busy share of each engine (render/3D, video, video enhance, blitter). Source: ' +
      'intel-gpu-exporter `igpu_engines_<engine>_0_busy`.',
    targets: [[
      `max by (instance, engine) (label_replace({__name__=~"igpu_engines_(render_3d|video|video_enhance|blitter)_0_busy", ${HOST}}, "engine", "$1", "__name__", "igpu_engines_(.+)_0_busy"))`,
      '{{instance}} {{engine}}',
    ]],
    unit: 'percent',
    min: 0,
    max: 100,
    thresholds: PERCENT_LEVELS(80, 95),
    w: 8,
  }),
  graph({
    title: 'Intel GPU frequency',
    description:
      'GPU clock, actual and requested by the driver (exported in MHz, shown in Hz). Source: ' +
      'intel-gpu-exporter `igpu_frequency_actual`, `igpu_frequency_requested`.',
    targets: [
      [`1e6 * max by (instance) (${sel('igpu_frequency_actual')})`, '{{instance}} actual'],
      [`1e6 * max by (instance) (${sel('igpu_frequency_requested')})`, '{{instance}} requested'],
    ],
    unit: 'hertz',
    lines: false,
    w: 8,
  }),
  graph({
    title: 'Intel GPU power',
    description: 'Power of the GPU and of the whole package. Source: intel-gpu-exporter `igpu_power_gpu`, `igpu_power_package` (W).',
    targets: [
      [`max by (instance) (${sel('igpu_power_gpu')})`, '{{instance}} GPU'],
      [`max by (instance) (${sel('igpu_power_package')})`, '{{instance}} package'],
    ],
    unit: 'watt',
    lines: false,
    w: 8,
  }),
];

const RPI = [
  row('Raspberry Pi SoC (rpi_exporter)'),
  graph({
    title: 'Raspberry Pi SoC temperature',
    description:
      'CPU and GPU die temperature per Pi. Source: rpi_exporter `rpi_cpu_temperature_celsius`, ' +
      '`rpi_gpu_temperature_celsius`; a Pi without rpi_exporter shows node_exporter ' +
      '`node_thermal_zone_temp{type="cpu-thermal"}` (the same sensor) as its CPU line.',
    targets: [
      [
        `${byHost('max', sel('rpi_cpu_temperature_celsius'))} or on (host) ${byHost('max', sel('node_thermal_zone_temp', 'type="cpu-thermal"'))}`,
        '{{host}} CPU',
      ],
      [byHost('max', sel('rpi_gpu_temperature_celsius')), '{{host}} GPU'],
    ],
    unit: 'celsius',
    thresholds: steps(GREEN, [70, AMBER], [80, RED]),
    w: 8,
  }),
  graph({
    title: 'Raspberry Pi CPU frequency',
    description: 'ARM core clock per Pi (highest core). Source: rpi_exporter `rpi_cpu_frequency_hertz{cpu}`.',
    targets: [[`max by (instance) (${sel('rpi_cpu_frequency_hertz')})`, '{{instance}}']],
    unit: 'hertz',
    lines: false,
    w: 8,
  }),
  graph({
    title: 'Raspberry Pi GPU frequency',
    description: 'VideoCore clocks per component. Source: rpi_exporter `rpi_gpu_frequency_hertz{component}`.',
    targets: [[`max by (instance, component) (${sel('rpi_gpu_frequency_hertz')})`, '{{instance}} {{component}}']],
    unit: 'hertz',
    lines: false,
    w: 8,
  }),
];

// Only dashboards that dashboards/vendor.toml pins and locks: a link to one kiosk does not
// provision would land on "Dashboard not found". Jetson (14493) and Intel GPU (23251) join
// when their revisions are locked; a test in src-tauri/tests/it/product.rs keeps this honest.
const LINKS = [
  ['Node Exporter Full', 'node-exporter-full', 'Per-host detail (grafana.com 1860)'],
  ['NVIDIA DCGM', 'nvidia-dcgm', 'NVIDIA GPU detail (grafana.com 12239)'],
].map(([title, uid, tooltip]) => ({
  asDropdown: false,
  icon: 'dashboard',
  includeVars: false,
  keepTime: true,
  tags: [],
  targetBlank: false,
  title,
  tooltip,
  type: 'link',
  url: `/d/${uid}`,
}));

/** Places rows and panels on the 24-column grid left to right, top to bottom; numbers them. */
function layout(items) {
  const panels = [];
  let x = 0;
  let y = 0;
  let lineHeight = 0;
  const newLine = () => {
    y += lineHeight;
    x = 0;
    lineHeight = 0;
  };
  for (const item of items) {
    const id = panels.length + 1;
    if (item.row) {
      newLine();
      panels.push({ ...item.row, id, gridPos: { h: 1, w: 24, x: 0, y } });
      y += 1;
      continue;
    }
    const { w, h } = item.size;
    if (x + w > 24) newLine();
    panels.push({ id, gridPos: { h, w, x, y }, ...item.panel });
    x += w;
    lineHeight = Math.max(lineHeight, h);
  }
  return panels;
}

export function build() {
  return {
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    description:
      'The wallboard: which host is down, hot, full or busy, then CPU, memory, disk, network and ' +
      'load over time, and the NVIDIA, Jetson, Intel and Raspberry Pi GPU rows. Generated by ' +
      'tools/fleet-overview/generate.mjs.',
    editable: false,
    fiscalYearStartMonth: 0,
    graphTooltip: 1,
    id: null,
    links: LINKS,
    liveNow: false,
    panels: layout([...FLEET, ...HOSTS, ...NVIDIA, ...JETSON, ...INTEL, ...RPI]),
    refresh: '30s',
    schemaVersion: 41,
    tags: ['fleet', 'kiosk'],
    templating: {
      list: [
        {
          // No `current`: kiosk's sync pins it to the datasource it manages.
          description: 'Prometheus to read from; kiosk selects the one it manages.',
          hide: 0,
          includeAll: false,
          label: 'Datasource',
          multi: false,
          name: 'datasource',
          options: [],
          query: 'prometheus',
          refresh: 1,
          regex: '',
          skipUrlSync: false,
          type: 'datasource',
        },
        {
          allValue: '.*',
          current: { selected: true, text: ['All'], value: ['$__all'] },
          datasource: DATASOURCE,
          description: 'Scrape targets (Prometheus instance label) to show.',
          hide: 0,
          includeAll: true,
          label: 'Host',
          multi: true,
          name: 'host',
          options: [],
          query: {
            qryType: 1,
            query: 'label_values(up, instance)',
            refId: 'PrometheusVariableQueryEditor-VariableQuery',
          },
          refresh: 2,
          regex: '',
          skipUrlSync: false,
          sort: 1,
          type: 'query',
        },
      ],
    },
    time: { from: 'now-6h', to: 'now' },
    timepicker: {},
    timezone: 'browser',
    title: 'Fleet Overview',
    uid: 'fleet-overview',
    weekStart: '',
  };
}

export function render() {
  return `${JSON.stringify(build(), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = render();
  if (process.argv.includes('--check')) {
    if (readFileSync(OUTPUT, 'utf8') !== text) {
      console.error(`${OUTPUT} is stale: run node tools/fleet-overview/generate.mjs`);
      process.exit(1);
    }
  } else {
    writeFileSync(OUTPUT, text);
    console.error(`wrote ${OUTPUT}`);
  }
}
