import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';

import { Recorder } from '../src/recorder.js';
import { MemoryStore } from '../src/store.js';

const originalFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = originalFetch;
});

// Replaces fetch by a fake examd that stores events like the real one and
// answers with acked_seq, missing and conflicts. `options.drop` lists seqs
// that it "loses" once, `options.fail` makes the next N requests fail, and
// with `options.timedOut` it responds as for a session that ended by timeout.
function fakeServer(options = {}) {
  const stored = new Map();
  const requests = [];
  const drop = new Set(options.drop ?? []);
  let failures = options.fail ?? 0;
  globalThis.fetch = async (url, init) => {
    if (failures > 0) {
      failures -= 1;
      throw new TypeError('fetch failed');
    }
    const { events } = JSON.parse(init.body);
    requests.push(events.map((event) => event.seq));
    const conflicts = [];
    for (const event of events) {
      if (drop.delete(event.seq)) {
        continue;
      }
      const old = stored.get(event.seq);
      if (old && JSON.stringify(old) !== JSON.stringify(event)) {
        conflicts.push(event.seq);
      } else {
        stored.set(event.seq, event);
      }
    }
    let acked = 0;
    while (stored.has(acked + 1)) {
      acked += 1;
    }
    const highest = Math.max(0, ...stored.keys());
    const missing = [];
    for (let seq = acked + 1; seq <= highest; seq++) {
      if (!stored.has(seq)) {
        missing.push([seq, seq]);
      }
    }
    const submitted = [...stored.values()].some((e) => e.type === 'submit');
    const body = { acked_seq: acked, missing, conflicts, submitted, ended_by: submitted ? 'submit' : null };
    if (options.timedOut && !submitted) {
      Object.assign(body, { submitted: true, ended_by: 'timeout' });
    }
    return new Response(JSON.stringify(body), {
      status: conflicts.length > 0 ? 409 : 200,
      headers: { 'Content-Type': 'application/json' },
    });
  };
  return { stored, requests, preload: (event) => stored.set(event.seq, event) };
}

function newRecorder(store, nextSeq = 1, alarmAfterMs = 0) {
  const states = [];
  const recorder = new Recorder({
    store,
    sessionId: 7,
    token: 'est_test',
    nextSeq,
    alarmAfterMs,
    onStatus: (state) => states.push(state),
  });
  return { recorder, states };
}

test('emit numbers events from nextSeq without gaps', () => {
  const { recorder } = newRecorder(new MemoryStore(), 5);
  const seqs = [recorder.emit('focus', { state: 'blur' }), recorder.emit('focus', { state: 'focus' })].map((e) => e.seq);
  assert.deepEqual(seqs, [5, 6]);
  assert.equal(recorder.nextSeq, 7);
});

test('emit writes the event and the question text to the store', async () => {
  const store = new MemoryStore();
  const { recorder } = newRecorder(store);
  recorder.emit('edit', { question: 'q1', changes: [[0, 0, 'x']] }, 'x');
  await recorder.drain();
  assert.deepEqual((await store.queuedEvents(7, 10)).map((e) => e.seq), [1]);
  const progress = await store.getProgress(7);
  assert.equal(progress.nextSeq, 2);
  assert.deepEqual(progress.texts.q1, { text: 'x', seq: 1 });
});

test('an event with a pending hash holds back later events', async () => {
  const store = new MemoryStore();
  const { recorder } = newRecorder(store);
  let resolveHash;
  const hash = new Promise((resolve) => {
    resolveHash = resolve;
  });
  recorder.emit('snapshot', { question: 'q1', text: 'a', sha256: hash });
  recorder.emit('focus', { state: 'blur' });
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(await store.countQueued(7), 0, 'nothing is written before the hash is known');
  resolveHash('abc');
  await recorder.drain();
  const queued = await store.queuedEvents(7, 10);
  assert.deepEqual(queued.map((e) => e.seq), [1, 2]);
  assert.equal(queued[0].sha256, 'abc');
});

test('flush sends the queue and removes acknowledged events', async () => {
  const server = fakeServer();
  const store = new MemoryStore();
  const { recorder, states } = newRecorder(store);
  for (let i = 0; i < 3; i++) {
    recorder.emit('edit', { question: 'q1', changes: [[i, i, 'x']] }, 'x'.repeat(i + 1));
  }
  assert.equal(await recorder.flush(5000), true);
  assert.deepEqual([...server.stored.keys()], [1, 2, 3]);
  assert.equal(await store.countQueued(7), 0);
  assert.equal(states.at(-1), 'saved');
});

test('events the server lost are sent again', async () => {
  const server = fakeServer({ drop: [2] });
  const store = new MemoryStore();
  const { recorder } = newRecorder(store);
  for (let i = 0; i < 4; i++) {
    recorder.emit('focus', { state: i % 2 ? 'focus' : 'blur' });
  }
  assert.equal(await recorder.flush(5000), true);
  assert.deepEqual(server.requests, [[1, 2, 3, 4], [2, 3, 4]]);
  assert.deepEqual([...server.stored.keys()].sort(), [1, 2, 3, 4]);
});

test('batches hold at most 200 events', async () => {
  const server = fakeServer();
  const { recorder } = newRecorder(new MemoryStore());
  for (let i = 0; i < 450; i++) {
    recorder.emit('focus', { state: 'blur' });
  }
  assert.equal(await recorder.flush(5000), true);
  assert.deepEqual(server.requests.map((seqs) => seqs.length), [200, 200, 50]);
});

test('batches stay under the request size limit', async () => {
  const server = fakeServer();
  const { recorder } = newRecorder(new MemoryStore());
  const text = 'x'.repeat(400 * 1024);
  for (let i = 0; i < 3; i++) {
    recorder.emit('snapshot', { question: 'q1', text, sha256: 'h' });
  }
  assert.equal(await recorder.flush(5000), true);
  assert.deepEqual(server.requests, [[1, 2], [3]]);
});

test('a network failure keeps the events and reports offline', async () => {
  const server = fakeServer({ fail: 1 });
  const store = new MemoryStore();
  const { recorder, states } = newRecorder(store);
  recorder.emit('focus', { state: 'blur' });
  await recorder.drain();
  assert.equal(await recorder.sendOnce(), -1);
  assert.equal(states.at(-1), 'offline');
  assert.equal(await store.countQueued(7), 1);
  assert.equal(await recorder.sendOnce(), 0);
  assert.deepEqual([...server.stored.keys()], [1]);
  assert.equal(states.at(-1), 'saved');
});

test('a short failure shows as saving, not offline', async () => {
  fakeServer({ fail: 1 });
  const store = new MemoryStore();
  const { recorder, states } = newRecorder(store, 1, 10000);
  recorder.emit('focus', { state: 'blur' });
  await recorder.drain();
  assert.equal(await recorder.sendOnce(), -1);
  assert.equal(states.at(-1), 'saving');
  assert.equal(await recorder.sendOnce(), 0);
  assert.equal(states.at(-1), 'saved');
});

// A fake examd that answers 400 for any batch containing a seq in `bad`.
function rejectingServer(bad) {
  const server = fakeServer();
  const inner = globalThis.fetch;
  globalThis.fetch = async (url, init) => {
    const { events } = JSON.parse(init.body);
    if (events.some((event) => bad.has(event.seq))) {
      server.requests.push(events.map((event) => event.seq));
      return new Response(JSON.stringify({ error: { code: 'invalid_argument', message: 'events[0] is invalid', id: 'e-2' } }), {
        status: 400,
        headers: { 'Content-Type': 'application/json' },
      });
    }
    return inner(url, init);
  };
  return server;
}

test('an invalid event is isolated and later events still reach the server', async () => {
  const server = rejectingServer(new Set([3]));
  const store = new MemoryStore();
  const invalid = [];
  const { recorder, states } = newRecorder(store);
  recorder.onInvalid = (seq) => invalid.push(seq);
  for (let i = 0; i < 6; i++) {
    recorder.emit('focus', { state: i % 2 ? 'focus' : 'blur' });
  }
  assert.equal(await recorder.flush(3000), false, 'the invalid event is never acknowledged');
  assert.deepEqual(invalid, [3]);
  assert.deepEqual([...server.stored.keys()].sort(), [1, 2, 4, 5, 6], 'events before and after it are stored');
  assert.equal(states.at(-1), 'error');
  assert.equal(recorder.ackedSeq, 2);
  assert.deepEqual((await store.queuedEvents(7, 10)).map((event) => event.seq), [3, 4, 5, 6]);
});

test('conflicting seqs leave the queue', async () => {
  const server = fakeServer();
  server.preload({ seq: 1, type: 'focus', t: 1, state: 'focus' });
  const store = new MemoryStore();
  const { recorder } = newRecorder(store);
  recorder.emit('focus', { state: 'blur' });
  recorder.emit('focus', { state: 'focus' });
  assert.equal(await recorder.flush(5000), true);
  assert.deepEqual(recorder.conflicts, [1]);
  assert.equal(await store.countQueued(7), 0);
  assert.equal(server.stored.get(1).t, 1, 'the stored event is not overwritten');
});

test('a batch rejected with 409 is reported', async () => {
  globalThis.fetch = async () =>
    new Response(JSON.stringify({ error: { code: 'conflict', message: 'submitted at seq 3', id: 'e-1' } }), {
      status: 409,
      headers: { 'Content-Type': 'application/json' },
    });
  const rejections = [];
  const recorder = new Recorder({
    store: new MemoryStore(),
    sessionId: 7,
    token: 'est_test',
    nextSeq: 4,
    onRejected: (error) => rejections.push(error.message),
  });
  recorder.emit('focus', { state: 'blur' });
  await recorder.drain();
  assert.equal(await recorder.sendOnce(), -1);
  assert.deepEqual(rejections, ['submitted at seq 3']);
  assert.equal(recorder.state, 'error');
});

test('a submission is reported with how the session ended', async () => {
  for (const [timedOut, type, expected] of [
    [false, 'submit', 'submit'],
    [true, 'focus', 'timeout'],
    [true, 'submit', 'submit'],
  ]) {
    fakeServer({ timedOut });
    const endings = [];
    const recorder = new Recorder({
      store: new MemoryStore(),
      sessionId: 7,
      token: 'est_test',
      nextSeq: 1,
      onServerSubmitted: (endedBy) => endings.push(endedBy),
    });
    recorder.emit(type, type === 'focus' ? { state: 'blur' } : {});
    assert.equal(await recorder.flush(5000), true);
    assert.deepEqual(endings, [expected], `a ${type} event in a session with timedOut ${timedOut}`);
  }
});

test('backoff grows and stays within its jitter range', () => {
  const { recorder } = newRecorder(new MemoryStore());
  for (const [failures, step] of [[1, 1000], [2, 2000], [3, 4000], [10, 30000]]) {
    recorder.failures = failures;
    for (let i = 0; i < 20; i++) {
      const wait = recorder.backoffMs();
      assert.ok(wait >= step / 2, `after ${failures} failures ${wait} ms is at least ${step / 2}`);
      assert.ok(wait <= step, `after ${failures} failures ${wait} ms is at most ${step}`);
    }
  }
});

test('nothing is recorded after submit', () => {
  const { recorder } = newRecorder(new MemoryStore());
  recorder.emit('submit');
  assert.equal(recorder.emit('focus', { state: 'blur' }), null);
  assert.equal(recorder.nextSeq, 2);
});

// Emits one focus event per client time in `stamps`.
function emitStampedAt(recorder, stamps) {
  const realNow = Date.now;
  try {
    for (const t of stamps) {
      Date.now = () => t;
      recorder.emit('focus', { state: 'blur' });
    }
  } finally {
    Date.now = realNow;
  }
}

test('dropLate removes from the first late event', async () => {
  const store = new MemoryStore();
  const { recorder } = newRecorder(store);
  // The clock steps back between seq 3 and seq 4.
  emitStampedAt(recorder, [1000, 2000, 3001, 2500, 4000]);
  const late = await recorder.dropLate(3000);
  assert.deepEqual(late.map((event) => event.seq), [3, 4, 5], 'seq 4 goes too, because it comes after seq 3');
  assert.deepEqual((await store.queuedEvents(7)).map((event) => event.seq), [1, 2]);
  assert.equal(recorder.emit('focus', { state: 'focus' }), null, 'nothing is recorded after dropLate');
});

test('dropLate keeps events stamped in time', async () => {
  const store = new MemoryStore();
  const { recorder } = newRecorder(store);
  emitStampedAt(recorder, [1000]);
  assert.deepEqual(await recorder.dropLate(1000), [], 'an event stamped at the closing time counts');
  assert.equal(await store.countQueued(7), 1);
});

test('sendNow skips the backoff', async () => {
  const server = fakeServer({ fail: 1 });
  const { recorder, states } = newRecorder(new MemoryStore());
  recorder.failures = 10;
  recorder.emit('focus', { state: 'blur' });
  await recorder.drain();
  recorder.start();
  // The first attempt fails and schedules the next one 15 to 30 s later.
  for (let i = 0; i < 100 && !states.includes('offline'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.ok(states.includes('offline'), 'the first attempt failed');
  recorder.sendNow();
  for (let i = 0; i < 100 && server.stored.size === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  recorder.stop();
  assert.deepEqual([...server.stored.keys()], [1]);
  assert.equal(states.at(-1), 'saved');
});
