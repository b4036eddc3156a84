// A byte ring buffer in shared memory that carries program output from the
// Python worker to the page. The worker appends records and the page drains
// them on a timer, so output appears while the program still runs, even
// while it sleeps or computes. A program that prints faster than the page
// can show waits, instead of flooding the page with messages.
//
// Record layout: stream id (1 byte: 1 stdout, 2 stderr), data length
// (2 bytes, little-endian), data. The control word counts the bytes in use:
// the writer adds a record's size after copying it, the reader subtracts
// what it consumed, so the reader only ever sees whole records.

export const RING_BYTES = 256 * 1024;
const HEADER_BYTES = 3;
const MAX_RECORD_DATA = 0xffff;
const STREAMS = ['', 'stdout', 'stderr'];

// Returns the shared memory for one ring: {control, data}.
export function createRingBuffers() {
  return { control: new SharedArrayBuffer(4), data: new SharedArrayBuffer(RING_BYTES) };
}

// Worker side. `waitForSpace()` is called while the ring is full, after
// each wait of up to 100 ms, so the caller can raise KeyboardInterrupt.
export class RingWriter {
  constructor({ control, data }, waitForSpace) {
    this.used = new Int32Array(control);
    this.data = new Uint8Array(data);
    this.offset = 0;
    this.waitForSpace = waitForSpace;
  }

  write(stream, bytes) {
    const id = STREAMS.indexOf(stream);
    for (let start = 0; start < bytes.length; start += MAX_RECORD_DATA) {
      this.writeRecord(id, bytes.subarray(start, start + MAX_RECORD_DATA));
    }
  }

  writeRecord(id, chunk) {
    const size = HEADER_BYTES + chunk.length;
    for (;;) {
      const used = Atomics.load(this.used, 0);
      if (used + size <= this.data.length) {
        break;
      }
      Atomics.wait(this.used, 0, used, 100);
      this.waitForSpace();
    }
    this.put(id);
    this.put(chunk.length & 0xff);
    this.put(chunk.length >> 8);
    for (const byte of chunk) {
      this.put(byte);
    }
    Atomics.add(this.used, 0, size);
  }

  put(byte) {
    this.data[this.offset] = byte;
    this.offset = (this.offset + 1) % this.data.length;
  }
}

// Page side: drain() returns the whole records written since the last call
// as [{stream, text}], decoding UTF-8 across record boundaries.
export class RingReader {
  constructor({ control, data }) {
    this.used = new Int32Array(control);
    this.data = new Uint8Array(data);
    this.offset = 0;
    this.decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  }

  // Drops a partial character left by the previous program. The read
  // position stays, because the writer's position moves on across runs.
  resetDecoders() {
    this.decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  }

  drain() {
    const available = Atomics.load(this.used, 0);
    const chunks = [];
    let consumed = 0;
    while (consumed < available) {
      const stream = STREAMS[this.take()];
      const length = this.take() | (this.take() << 8);
      const bytes = new Uint8Array(length);
      for (let i = 0; i < length; i++) {
        bytes[i] = this.take();
      }
      consumed += HEADER_BYTES + length;
      const text = this.decoders[stream].decode(bytes, { stream: true });
      const last = chunks.at(-1);
      if (last && last.stream === stream) {
        last.text += text;
      } else if (text) {
        chunks.push({ stream, text });
      }
    }
    if (consumed > 0) {
      Atomics.sub(this.used, 0, consumed);
      Atomics.notify(this.used, 0);
    }
    return chunks;
  }

  take() {
    const byte = this.data[this.offset];
    this.offset = (this.offset + 1) % this.data.length;
    return byte;
  }
}
