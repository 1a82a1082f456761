#!/usr/bin/env node
// Writes ui/selectors.js, the Grafana DOM selectors the in-page agent (ui/agent.js) needs, from
// @grafana/e2e-selectors (the version pinned in package.json). `node extract.mjs` rewrites the
// file; `--check` exits 1 when it is stale. Names and meaning: docs/wallboard.md, "Agent ↔ shell".
//
// Values are resolved with the package's own `resolveSelectors`: "latest" takes the newest entry
// of each versioned map (kiosk targets Grafana 10–13). Where the oldest Grafana kiosk supports
// (OLDEST) used a different plain string, that one is written to `legacy` as well, so the agent
// can match both.

import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { resolveSelectors, versionedComponents, versionedPages } from '@grafana/e2e-selectors';

export const OUTPUT = fileURLToPath(new URL('../../ui/selectors.js', import.meta.url));

/** The oldest Grafana kiosk supports. */
export const OLDEST = '10.0.0';

/**
 * What ui/selectors.js exports: name, where the value lives in the versioned maps, its parameter
 * when Grafana builds it from one, and what it is for.
 * @type {{ name: string, path: string[], param?: string, doc: string }[]}
 */
export const SELECTORS = [
  { name: 'panelTitle', path: ['components', 'Panels', 'Panel', 'title'], param: 'title', doc: 'header of a panel titled `title`' },
  { name: 'panelContent', path: ['components', 'Panels', 'Panel', 'content'], doc: 'a panel\'s content area' },
  { name: 'panelLoadingBar', path: ['components', 'Panels', 'Panel', 'loadingBar'], doc: 'the bar a panel shows while its queries run' },
  { name: 'panelStatus', path: ['components', 'Panels', 'Panel', 'status'], param: 'status', doc: 'a panel\'s status corner, e.g. `error`' },
  { name: 'panelDataError', path: ['components', 'Panels', 'Panel', 'PanelDataErrorMessage'], doc: 'the message a panel shows instead of its data' },
  { name: 'loadingIndicator', path: ['components', 'LoadingIndicator', 'icon'], doc: 'the dashboard-wide loading spinner' },
  { name: 'loginButton', path: ['pages', 'Login', 'submit'], doc: 'the login form\'s submit button' },
  { name: 'navToolbar', path: ['components', 'NavToolbar', 'container'], doc: 'top navigation bar (chrome the agent hides)' },
  { name: 'megaMenu', path: ['components', 'NavMenu', 'Menu'], doc: 'navigation mega-menu (chrome the agent hides)' },
  { name: 'returnToPrevious', path: ['components', 'ReturnToPrevious', 'buttonGroup'], doc: '"back to …" button group (chrome the agent hides)' },
];

const VERSIONED = { components: versionedComponents, pages: versionedPages };

/** @param {string} a @param {string} b */
function compareVersions(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

/** @param {any} root @param {string[]} path */
function at(root, path) {
  let node = root;
  for (const key of path) {
    node = node?.[key];
    if (node === undefined) throw new Error(`@grafana/e2e-selectors has no ${path.join('.')}`);
  }
  return node;
}

/** The Grafana version that introduced the newest value of a versioned selector. */
function since(path) {
  const [group, ...rest] = path;
  return Object.keys(at(VERSIONED[group], rest)).sort(compareVersions).at(-1);
}

const MARK_A = '\u0000a\u0000';
const MARK_B = '\u0000b\u0000';

/**
 * A selector as text or as the halves around its one parameter. Grafana's parameterised
 * selectors are template strings; anything else (two uses of the parameter, a computed value)
 * is refused rather than guessed.
 * @returns {{ text: string } | { before: string, after: string }}
 */
function shape(value, spec) {
  if (typeof value === 'string') return { text: value };
  if (typeof value !== 'function') throw new Error(`${spec.name}: unexpected ${typeof value}`);
  if (!spec.param) {
    const text = value();
    if (typeof text !== 'string') throw new Error(`${spec.name}: does not give a string`);
    return { text };
  }
  const a = value(MARK_A);
  const b = value(MARK_B);
  const parts = a.split(MARK_A);
  if (parts.length !== 2 || b !== parts.join(MARK_B)) {
    throw new Error(`${spec.name}: not a template with its parameter used once`);
  }
  return { before: parts[0], after: parts[1] };
}

/** The resolved selectors for Grafana `version` ("latest" = newest entries). */
function resolved(version) {
  return {
    components: resolveSelectors(versionedComponents, version),
    pages: resolveSelectors(versionedPages, version),
  };
}

/** The package's own version, from its package.json. */
export function packageVersion() {
  const require = createRequire(import.meta.url);
  return require('@grafana/e2e-selectors/package.json').version;
}

/** The text of ui/selectors.js. */
export function render() {
  const latest = resolved('latest');
  const oldest = resolved(OLDEST);
  const version = packageVersion();
  const q = JSON.stringify;
  const out = [
    '// @ts-check',
    `// GENERATED by tools/e2e-selectors/extract.mjs from @grafana/e2e-selectors ${version}; do not edit.`,
    '// Regenerate: (cd tools/e2e-selectors && npm ci && node extract.mjs)',
    '/**',
    ' * @file The Grafana DOM selectors kiosk\'s agent uses to tell when a page is painted, still',
    ' * loading, a login page or showing panel errors. Grafana puts each value either in',
    ' * `data-testid` or in `aria-label`: match both. Each is the newest entry of the package\'s',
    ' * versioned map; "since" is the Grafana version that introduced it.',
    ' */',
    '',
    '/** The @grafana/e2e-selectors version these values come from. */',
    `export const version = ${q(version)};`,
  ];
  /** @type {string[]} */
  const legacy = [];
  for (const spec of SELECTORS) {
    const value = shape(at(latest, spec.path), spec);
    out.push('');
    const origin = `${spec.path.slice(1).join('.')}, since Grafana ${since(spec.path)}`;
    if ('text' in value) {
      out.push(`/** ${spec.doc} (${origin}) */`, `export const ${spec.name} = ${q(value.text)};`);
      const old = shape(at(oldest, spec.path), { ...spec, param: undefined });
      if ('text' in old && old.text !== value.text) legacy.push(`  ${spec.name}: ${q(old.text)},`);
    } else {
      const tail = value.after ? ` + ${q(value.after)}` : '';
      out.push(
        `/**\n * ${spec.doc} (${origin})\n * @param {string} ${spec.param}\n * @returns {string}\n */`,
        `export const ${spec.name} = (${spec.param}) => ${q(value.before)} + ${spec.param}${tail};`,
      );
    }
  }
  out.push(
    '',
    `/** Plain values Grafana ${OLDEST} used where they differ from the newest ones. */`,
    'export const legacy = Object.freeze({',
    ...legacy,
    '});',
    '',
  );
  return out.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = render();
  if (process.argv.includes('--check')) {
    if (readFileSync(OUTPUT, 'utf8') !== text) {
      console.error('ui/selectors.js is stale: run node tools/e2e-selectors/extract.mjs');
      process.exit(1);
    }
  } else {
    writeFileSync(OUTPUT, text);
    console.error(`wrote ${OUTPUT}`);
  }
}
