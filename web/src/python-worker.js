// Module Web Worker that runs the student's Python in Pyodide.
//
// Messages from the page:
//   {type: 'init', interrupt, stdinControl, stdinData, output}
//       SharedArrayBuffers (output: {control, data} of an output ring), or
//       null when the page is not cross-origin isolated
//   {type: 'run', id, mode: 'run'|'check', code, tests}
// Messages to the page:
//   {type: 'ready'} | {type: 'init-error', message}
//   {type: 'output', id, stream: 'stdout'|'stderr', text}   only without an output ring
//   {type: 'input-request', id}
//   {type: 'done', id, status, passed, failed}
//
// Stop writes SIGINT (2) into the interrupt buffer, which Pyodide turns into
// KeyboardInterrupt. input() posts 'input-request' and blocks on the stdin
// control word with Atomics.wait until the page has written a line. Output
// goes through a shared ring buffer that the page drains (output-ring.js).

import { RingWriter } from './output-ring.js';
import { PYTHON_RUNNER } from './python-runner.js';

/* global __PYODIDE_URL__ */
const PYODIDE_URL = __PYODIDE_URL__;

// Without an output ring, output is posted to the page in chunks at most
// this often, so a tight print loop cannot flood the page with messages.
// NOTE: this fallback holds back output written less than OUTPUT_FLUSH_MS
// after the previous post until the next write or the end of the run.
const OUTPUT_FLUSH_MS = 30;
const OUTPUT_FLUSH_BYTES = 8192;

// Stdin control words (Int32Array over stdinControl):
//   [0] state: 0 waiting, 1 a line is ready, 2 input was cancelled
//   [1] length in bytes of the line in stdinData
const STDIN_WAITING = 0;
const STDIN_READY = 1;

let pyodide = null;
let interrupt = null;
let stdinControl = null;
let stdinData = null;
let runId = null;
let ring = null;

const output = {
  stdout: { decoder: new TextDecoder(), text: '' },
  stderr: { decoder: new TextDecoder(), text: '' },
  lastFlush: 0,
};

function flushOutput() {
  for (const stream of ['stdout', 'stderr']) {
    const pending = output[stream];
    if (pending.text) {
      postMessage({ type: 'output', id: runId, stream, text: pending.text });
      pending.text = '';
    }
  }
  output.lastFlush = performance.now();
}

function writer(stream) {
  return (bytes) => {
    if (ring) {
      ring.write(stream, bytes);
      return bytes.length;
    }
    const pending = output[stream];
    pending.text += pending.decoder.decode(bytes, { stream: true });
    if (pending.text.length >= OUTPUT_FLUSH_BYTES || performance.now() - output.lastFlush >= OUTPUT_FLUSH_MS) {
      flushOutput();
    }
    return bytes.length;
  };
}

// Returns one line typed by the student, with its newline, blocking the
// worker until the page supplies it. Raises KeyboardInterrupt on Stop.
function readLine() {
  flushOutput();
  if (!stdinControl) {
    throw new Error('input() needs a cross-origin isolated page, which this server did not provide');
  }
  Atomics.store(stdinControl, 0, STDIN_WAITING);
  postMessage({ type: 'input-request', id: runId });
  for (;;) {
    Atomics.wait(stdinControl, 0, STDIN_WAITING, 100);
    pyodide.checkInterrupt();
    const state = Atomics.load(stdinControl, 0);
    if (state === STDIN_READY) {
      const length = Atomics.load(stdinControl, 1);
      // TextDecoder does not accept views of shared memory, so copy first.
      const line = new TextDecoder().decode(stdinData.slice(0, length));
      Atomics.store(stdinControl, 0, STDIN_WAITING);
      return line + '\n';
    }
    if (state !== STDIN_WAITING) {
      // Cancelled without an interrupt: behave as end of input.
      return null;
    }
  }
}

async function init(message) {
  const { loadPyodide } = await import(`${PYODIDE_URL}pyodide.mjs`);
  pyodide = await loadPyodide({
    indexURL: PYODIDE_URL,
    packageBaseUrl: PYODIDE_URL,
    env: { PYTHONUNBUFFERED: '1', HOME: '/home/student' },
  });
  if (message.interrupt) {
    interrupt = new Uint8Array(message.interrupt);
    pyodide.setInterruptBuffer(interrupt);
  }
  if (message.stdinControl) {
    stdinControl = new Int32Array(message.stdinControl);
    stdinData = new Uint8Array(message.stdinData);
  }
  if (message.output) {
    ring = new RingWriter(message.output, () => pyodide.checkInterrupt());
  }
  pyodide.setStdout({ write: writer('stdout'), isatty: true });
  pyodide.setStderr({ write: writer('stderr'), isatty: true });
  // isatty false makes input() write its prompt to sys.stdout (a tty stdin
  // would make CPython write it to stderr through its readline hook).
  pyodide.setStdin({ stdin: readLine, isatty: false });
  pyodide.runPython(PYTHON_RUNNER);
}

function run(message) {
  runId = message.id;
  output.lastFlush = -Infinity;
  if (interrupt) {
    interrupt[0] = 0;
  }
  let result;
  try {
    const runner = pyodide.globals.get('_exam_run');
    const answer = runner(message.mode, message.code, message.tests ?? '');
    result = answer.toJs();
    answer.destroy();
    runner.destroy();
  } catch (error) {
    output.stderr.text += `\nInternal error of the Python runner: ${error.message}\n`;
    result = ['error', 0, 0];
  }
  for (const stream of ['stdout', 'stderr']) {
    output[stream].text += output[stream].decoder.decode();
  }
  flushOutput();
  const [status, passed, failed] = result;
  postMessage({ type: 'done', id: message.id, status, passed, failed });
}

self.onmessage = async (event) => {
  const message = event.data;
  if (message.type === 'init') {
    try {
      await init(message);
      postMessage({ type: 'ready' });
    } catch (error) {
      postMessage({ type: 'init-error', message: String(error?.message ?? error) });
    }
  } else if (message.type === 'run') {
    run(message);
  }
};
