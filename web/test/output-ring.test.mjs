import assert from 'node:assert/strict';
import { test } from 'node:test';

import { RING_BYTES, RingReader, RingWriter, createRingBuffers } from '../src/output-ring.js';

const encode = (text) => new TextEncoder().encode(text);

test('ring keeps stream order and merges neighbours', () => {
  const buffers = createRingBuffers();
  const writer = new RingWriter(buffers, () => {});
  const reader = new RingReader(buffers);
  writer.write('stdout', encode('a'));
  writer.write('stdout', encode('b\n'));
  writer.write('stderr', encode('oops\n'));
  writer.write('stdout', encode('c'));
  assert.deepEqual(reader.drain(), [
    { stream: 'stdout', text: 'ab\n' },
    { stream: 'stderr', text: 'oops\n' },
    { stream: 'stdout', text: 'c' },
  ]);
  assert.deepEqual(reader.drain(), []);
});

test('ring decodes a character split across writes', () => {
  const buffers = createRingBuffers();
  const writer = new RingWriter(buffers, () => {});
  const reader = new RingReader(buffers);
  const emoji = encode('😀');
  writer.write('stdout', emoji.subarray(0, 2));
  assert.deepEqual(reader.drain(), []);
  writer.write('stdout', emoji.subarray(2));
  assert.deepEqual(reader.drain(), [{ stream: 'stdout', text: '😀' }]);
});

test('ring wraps around its end', () => {
  const buffers = createRingBuffers();
  const writer = new RingWriter(buffers, () => {});
  const reader = new RingReader(buffers);
  const line = 'x'.repeat(1000) + '\n';
  let received = '';
  for (let i = 0; i < 1000; i++) {
    writer.write('stdout', encode(line));
    for (const chunk of reader.drain()) {
      received += chunk.text;
    }
  }
  assert.equal(received.length, 1000 * line.length);
  assert.equal(received, line.repeat(1000));
});

test('ring writer waits while the ring is full', () => {
  const buffers = createRingBuffers();
  let waits = 0;
  const reader = new RingReader(buffers);
  // The callback plays the page: it drains once the writer had to wait.
  const writer = new RingWriter(buffers, () => {
    waits += 1;
    reader.drain();
  });
  writer.write('stdout', new Uint8Array(RING_BYTES - 10));
  writer.write('stdout', new Uint8Array(100));
  assert.ok(waits >= 1, 'the second write waited for space');
});

test('ring splits writes longer than one record', () => {
  const buffers = createRingBuffers();
  const writer = new RingWriter(buffers, () => {});
  const reader = new RingReader(buffers);
  writer.write('stdout', encode('y'.repeat(100000)));
  const chunks = reader.drain();
  assert.equal(chunks.length, 1);
  assert.equal(chunks[0].text.length, 100000);
});
