import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ServerClock, formatRemaining } from '../src/clock.js';

test('formatRemaining shows minutes and seconds under an hour', () => {
  assert.equal(formatRemaining(61000), '01:01');
});

test('formatRemaining shows hours from one hour on', () => {
  assert.equal(formatRemaining(3600000 + 5000), '1:00:05');
});

test('formatRemaining rounds a partial second up', () => {
  assert.equal(formatRemaining(100), '00:01');
});

test('formatRemaining shows zero once the time is over', () => {
  assert.equal(formatRemaining(-5000), '00:00');
});

test('ServerClock takes the offset at the middle of the request', () => {
  const clock = new ServerClock();
  const sentAt = Date.now();
  // The server's clock runs 10 s ahead and the request took 200 ms.
  clock.sync(new Date(sentAt + 100 + 10000).toISOString(), sentAt, sentAt + 200);
  assert.equal(clock.offsetMs, 10000);
});

test('ServerClock ignores an invalid server time', () => {
  const clock = new ServerClock(42);
  clock.sync('not a time', 0, 0);
  assert.equal(clock.offsetMs, 42);
});
