// Page side of the Python worker: starts it, runs programs, streams their
// output, passes lines to input() and stops programs.

import { RingReader, createRingBuffers } from './output-ring.js';

/* global __WORKER_URL__ */
const WORKER_URL = __WORKER_URL__;

// How often the page drains the output ring while a program runs.
const OUTPUT_POLL_MS = 40;

// How long Stop waits for KeyboardInterrupt to end the program before it
// terminates the worker and starts a new one.
const STOP_GRACE_MS = 3000;
const STDIN_BYTES = 64 * 1024;
const SIGINT = 2;

export class PythonRunner {
  // `onState(state, detail)` is called with 'loading', 'ready', 'running' or 'failed'.
  constructor({ onState }) {
    this.onState = onState;
    this.worker = null;
    this.ready = null;
    this.current = null;
    this.nextId = 1;
    this.loaded = false;
    this.shared = typeof SharedArrayBuffer === 'function' && globalThis.crossOriginIsolated === true;
  }

  // Starts the worker (if not started) and resolves when Python is loaded.
  start() {
    if (this.ready) {
      return this.ready;
    }
    this.loaded = false;
    this.onState('loading');
    this.worker = new Worker(WORKER_URL, { type: 'module', name: 'python' });
    if (this.shared) {
      this.interrupt = new Uint8Array(new SharedArrayBuffer(1));
      this.stdinControl = new Int32Array(new SharedArrayBuffer(8));
      this.stdinData = new Uint8Array(new SharedArrayBuffer(STDIN_BYTES));
      this.outputBuffers = createRingBuffers();
      this.outputRing = new RingReader(this.outputBuffers);
    }
    this.ready = new Promise((resolve, reject) => {
      this.worker.onmessage = (event) => {
        const message = event.data;
        if (message.type === 'ready') {
          this.loaded = true;
          this.onState('ready');
          resolve();
        } else if (message.type === 'init-error') {
          this.onState('failed', message.message);
          this.discardWorker();
          reject(new Error(message.message));
        } else {
          this.handle(message);
        }
      };
      this.worker.onerror = (event) => {
        const detail = event.message || 'the Python worker could not be loaded';
        this.onState('failed', detail);
        this.discardWorker();
        reject(new Error(detail));
        this.finish({ status: 'error', passed: 0, failed: 0 }, `\n${detail}\n`);
      };
    });
    this.worker.postMessage({
      type: 'init',
      interrupt: this.interrupt?.buffer ?? null,
      stdinControl: this.stdinControl?.buffer ?? null,
      stdinData: this.stdinData?.buffer ?? null,
      output: this.outputBuffers ?? null,
    });
    return this.ready;
  }

  get running() {
    return this.current !== null;
  }

  // Runs `code` (mode 'run') or `code` and then `tests` (mode 'check').
  // Callbacks: onOutput(text, stream), onInputRequest(), onInputDone().
  // Resolves to {status, passed, failed, durationMs}, where durationMs counts
  // from the start of the program, not from the start of loading Python.
  async run({ mode, code, tests }, callbacks) {
    if (this.current) {
      throw new Error('a program is already running');
    }
    const run = { id: this.nextId++, callbacks, startedAt: 0, stopTimer: null };
    this.current = run;
    const done = new Promise((resolve) => {
      run.resolve = resolve;
    });
    try {
      await this.start();
    } catch (error) {
      this.finish({ status: 'error', passed: 0, failed: 0 }, `Python could not be loaded: ${error.message}\n`);
      return done;
    }
    if (this.current !== run) {
      return done;
    }
    this.onState('running');
    run.startedAt = performance.now();
    if (this.outputRing) {
      this.outputRing.resetDecoders();
      run.poll = setInterval(() => this.drainOutput(run), OUTPUT_POLL_MS);
    }
    this.worker.postMessage({ type: 'run', id: run.id, mode, code, tests });
    return done;
  }

  // Passes one line typed by the student to a program waiting in input().
  provideInput(line) {
    if (!this.stdinControl) {
      return;
    }
    const bytes = new TextEncoder().encode(line);
    const length = Math.min(bytes.length, STDIN_BYTES);
    this.stdinData.set(bytes.subarray(0, length));
    Atomics.store(this.stdinControl, 1, length);
    Atomics.store(this.stdinControl, 0, 1);
    Atomics.notify(this.stdinControl, 0);
  }

  // Interrupts the running program. Restarts the worker when the program
  // does not end within STOP_GRACE_MS, or at once when interrupts are not
  // available.
  stop() {
    const run = this.current;
    if (!run) {
      return;
    }
    if (!run.startedAt) {
      // Still loading Python: nothing runs yet.
      this.finish({ status: 'stopped', passed: 0, failed: 0 }, '\nStopped.\n');
      return;
    }
    if (this.interrupt) {
      Atomics.store(this.interrupt, 0, SIGINT);
    }
    const grace = this.interrupt ? STOP_GRACE_MS : 0;
    clearTimeout(run.stopTimer);
    run.stopTimer = setTimeout(() => {
      if (this.current === run) {
        this.restart();
        this.finish(
          { status: 'stopped', passed: 0, failed: 0 },
          '\nThe program did not stop, so Python was restarted.\n',
        );
      }
    }, grace);
  }

  // Drops a worker whose start failed (for example while offline), so the
  // next run starts a new one.
  discardWorker() {
    this.worker?.terminate();
    this.worker = null;
    this.ready = null;
    this.loaded = false;
  }

  restart() {
    this.worker?.terminate();
    this.worker = null;
    this.ready = null;
    this.start().catch(() => {});
  }

  drainOutput(run) {
    for (const { stream, text } of this.outputRing.drain()) {
      run.callbacks.onOutput?.(text, stream);
    }
  }

  handle(message) {
    const run = this.current;
    if (!run || message.id !== run.id) {
      return;
    }
    if (message.type === 'output') {
      run.callbacks.onOutput?.(message.text, message.stream);
    } else if (message.type === 'input-request') {
      // The prompt is in the ring already: show it before the input line.
      if (this.outputRing) {
        this.drainOutput(run);
      }
      run.callbacks.onInputRequest?.();
    } else if (message.type === 'done') {
      if (this.outputRing) {
        this.drainOutput(run);
      }
      this.finish(message);
    }
  }

  finish({ status, passed, failed }, note = '') {
    const run = this.current;
    if (!run) {
      return;
    }
    this.current = null;
    clearTimeout(run.stopTimer);
    clearInterval(run.poll);
    if (note) {
      run.callbacks.onOutput?.(note, 'stderr');
    }
    run.callbacks.onInputDone?.();
    if (this.loaded) {
      this.onState('ready');
    }
    const durationMs = run.startedAt ? Math.round(performance.now() - run.startedAt) : 0;
    run.resolve({ status, passed, failed, durationMs });
  }
}
