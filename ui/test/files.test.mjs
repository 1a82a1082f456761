// node --test ui/test/
// Every file of ui/ parses, is type-checked (`// @ts-check`), and the shell page loads what the
// gateway serves. Modules the other tests import are covered by the import; this also covers the
// ones that need a browser (shell.js) and the classic script (agent.js).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const UI = fileURLToPath(new URL('..', import.meta.url));
const JS = readdirSync(UI).filter((f) => f.endsWith('.js'));

test('every script starts with // @ts-check', () => {
  assert.ok(JS.length >= 7, JS.join(' '));
  for (const f of JS) assert.match(readFileSync(join(UI, f), 'utf8'), /^\/\/ @ts-check\n/, f);
});

test('the modules parse as ES modules', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-ui-'));
  try {
    for (const f of JS.filter((f) => f !== 'agent.js')) {
      // .mjs: `node --check` on a .js file outside a "type": "module" package may not parse it
      // as a module.
      const copy = join(dir, f.replace(/\.js$/, '.mjs'));
      copyFileSync(join(UI, f), copy);
      const r = spawnSync(process.execPath, ['--check', copy], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${f}: ${r.stderr}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('agent.js is a classic script: it parses as one and imports nothing statically', () => {
  const src = readFileSync(join(UI, 'agent.js'), 'utf8');
  assert.doesNotThrow(() => new vm.Script(src, { filename: 'agent.js' }));
  assert.doesNotMatch(src, /^\s*(import|export)\s/m);
});

test('index.html loads the stylesheet and the shell from /__kiosk/ui/', () => {
  const html = readFileSync(join(UI, 'index.html'), 'utf8');
  assert.match(html, /<link rel="stylesheet" href="\/__kiosk\/ui\/style\.css">/);
  assert.match(html, /<script type="module" src="\/__kiosk\/ui\/shell\.js"><\/script>/);
  for (const id of ['frame-a', 'frame-b', 'splash', 'splash-text', 'bar', 'title', 'dots', 'clock', 'badges', 'card', 'capture']) {
    assert.match(html, new RegExp(`id="${id}"`), id);
  }
});

test("index.html preloads exactly the modules shell.js imports, so they load beside it", () => {
  const html = readFileSync(join(UI, 'index.html'), 'utf8');
  const shell = readFileSync(join(UI, 'shell.js'), 'utf8');
  const imported = [...shell.matchAll(/^import[^;]*? from '\.\/([\w-]+\.js)';/gms)].map((m) => m[1]).sort();
  const preloaded = [...html.matchAll(/<link rel="modulepreload" href="\/__kiosk\/ui\/([\w-]+\.js)">/g)].map((m) => m[1]).sort();
  assert.ok(imported.length >= 4, imported.join(' '));
  assert.deepEqual(preloaded, imported);
});

test('the frames are never hidden: they stack, full size', () => {
  const css = readFileSync(join(UI, 'style.css'), 'utf8');
  const rule = (sel) => css.match(new RegExp(`\\n${sel.replace('.', '\\.')} \\{([^}]*)\\}`))?.[1] ?? '';
  const frame = rule('.frame') + rule('.frame.front');
  assert.match(frame, /width: 100vw/);
  assert.match(frame, /height: 100vh/);
  assert.doesNotMatch(frame, /display: none|visibility: hidden|opacity: 0/);
  assert.match(rule('.capture'), /touch-action: none/);
});
