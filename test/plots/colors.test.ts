import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OPTIMIZER_COLORS, baseOptimizer, colorFor, dashFor, withAlpha } from '../../src/plots/index.js';

test('each optimizer has its own color, case-insensitively, and variants follow their base', () => {
  const base = ['gn', 'adam', 'sgd'].map(colorFor);
  assert.equal(new Set(base).size, 3);
  assert.equal(colorFor('GN'), OPTIMIZER_COLORS.gn);
  assert.equal(colorFor(' Adam '), OPTIMIZER_COLORS.adam);
  assert.equal(colorFor('gn (half-coupling)'), OPTIMIZER_COLORS['gn (half-coupling)']);
  assert.notEqual(colorFor('gn (half-coupling)'), colorFor('gn'));
  assert.equal(colorFor('gn (lr 0.01)'), colorFor('gn'));
  assert.equal(dashFor('gn (lr 0.01)'), 'dash');
  assert.equal(dashFor('gn'), 'solid');
  assert.equal(baseOptimizer('adam+wd'), 'adam');
  assert.equal(baseOptimizer('adamw'), null); // a different name, not a variant
  assert.equal(baseOptimizer('sgdm'), null);
});

test('unknown names get a stable palette color', () => {
  assert.equal(colorFor('my-run'), colorFor('my-run'));
  assert.match(colorFor('something else'), /^#[0-9a-f]{6}$/);
});

test('withAlpha converts hex to rgba', () => {
  assert.equal(withAlpha('#1f77b4', 0.5), 'rgba(31,119,180,0.5)');
  assert.equal(withAlpha('red', 0.5), 'red');
});
