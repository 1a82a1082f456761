// node --test tools/e2e-selectors/ (after `npm ci` there)
// The committed ui/selectors.js is exactly what extract.mjs writes from the pinned package, so a
// package bump that changes a selector fails until the file is regenerated; and its values are
// the ones docs/wallboard.md lists.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { OUTPUT, packageVersion, render } from './extract.mjs';

const selectors = await import('../../ui/selectors.js');

test('ui/selectors.js is what extract.mjs writes', () => {
  assert.equal(readFileSync(OUTPUT, 'utf8'), render(), 'stale: run node tools/e2e-selectors/extract.mjs');
});

test('the pinned package is the one the contract names', () => {
  const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
  assert.equal(pkg.devDependencies['@grafana/e2e-selectors'], '13.2.2');
  assert.equal(packageVersion(), '13.2.2');
  assert.equal(selectors.version, '13.2.2');
});

test('the values match the contract table', () => {
  assert.equal(selectors.panelTitle('CPU'), 'data-testid Panel header CPU');
  assert.equal(selectors.panelContent, 'data-testid panel content');
  assert.equal(selectors.panelLoadingBar, 'Panel loading bar');
  assert.equal(selectors.panelStatus('error'), 'data-testid Panel status error');
  assert.equal(selectors.panelDataError, 'data-testid Panel data error message');
  assert.equal(selectors.loadingIndicator, 'data-testid Loading indicator');
  assert.equal(selectors.loginButton, 'data-testid Login button');
});

test('Grafana 10.0 spellings are kept where they differ', () => {
  assert.deepEqual(
    { ...selectors.legacy },
    { loadingIndicator: 'Loading indicator', loginButton: 'Login button' },
  );
});
