import assert from 'node:assert/strict';
import { test } from 'node:test';

import { applyChanges, replayEdits } from '../src/replay.js';

test('applyChanges applies several sorted changes', () => {
  assert.equal(applyChanges('hello world', [[0, 1, 'H'], [6, 11, 'there']]), 'Hello there');
});

test('applyChanges counts UTF-16 code units', () => {
  // The emoji is two UTF-16 code units, so "b" starts at 3.
  assert.equal(applyChanges('a😀b', [[3, 4, 'c']]), 'a😀c');
  assert.equal(applyChanges('a😀b', [[1, 3, '']]), 'ab');
});

test('applyChanges inserts at the end', () => {
  assert.equal(applyChanges('ab', [[2, 2, '\nc']]), 'ab\nc');
});

test('applyChanges rejects a change past the end', () => {
  assert.throws(() => applyChanges('ab', [[1, 5, 'x']]), RangeError);
});

test('applyChanges rejects overlapping changes', () => {
  assert.throws(() => applyChanges('abcdef', [[2, 4, 'x'], [3, 5, 'y']]), RangeError);
});

test('replayEdits applies edits in seq order per question', () => {
  const events = [
    { seq: 3, type: 'edit', question: 'q1', changes: [[2, 2, '!']] },
    { seq: 1, type: 'edit', question: 'q1', changes: [[0, 0, 'hi']] },
    { seq: 2, type: 'snapshot', question: 'q1', text: 'hi', sha256: '' },
    { seq: 4, type: 'edit', question: 'q2', changes: [[0, 1, 'X']] },
  ];
  assert.deepEqual(replayEdits({ q1: '', q2: 'x' }, events), { q1: 'hi!', q2: 'X' });
});
