import assert from 'node:assert/strict';
import { test } from 'node:test';

import { FallbackStore, MemoryStore } from '../src/store.js';

// A MemoryStore standing in for IndexedDB whose writes fail with
// QuotaExceededError once `full` is set.
class FillingStore extends MemoryStore {
  constructor() {
    super();
    this.persistent = true;
    this.full = false;
  }

  async appendEvent(sessionId, event, text) {
    if (this.full) {
      throw Object.assign(new Error('the quota has been exceeded'), { name: 'QuotaExceededError' });
    }
    return super.appendEvent(sessionId, event, text);
  }
}

const event = (seq) => ({ seq, type: 'edit', t: seq, question: 'q1', changes: [[0, 0, String(seq)]] });

test('full disk moves new events to memory', async () => {
  const primary = new FillingStore();
  const failures = [];
  const store = new FallbackStore(primary, (error) => failures.push(error.name));
  await store.appendEvent(7, event(1), '1');
  primary.full = true;
  await store.appendEvent(7, event(2), '21');
  await store.appendEvent(7, event(3), '321');

  assert.deepEqual(failures, ['QuotaExceededError'], 'the fallback is reported once');
  assert.equal(store.persistent, false);
  assert.deepEqual((await store.queuedEvents(7, 10)).map((queued) => queued.seq), [1, 2, 3]);
  assert.equal(await store.countQueued(7), 3);
  const progress = await store.getProgress(7);
  assert.equal(progress.nextSeq, 4);
  assert.equal(progress.texts.q1.text, '321');
});

test('fallback store deletes from both stores', async () => {
  const primary = new FillingStore();
  const store = new FallbackStore(primary);
  await store.appendEvent(7, event(1), '1');
  primary.full = true;
  await store.appendEvent(7, event(2), '21');
  await store.deleteEvents(7, 2);
  assert.equal(await store.countQueued(7), 0);
  assert.equal(await primary.countQueued(7), 0);
});
