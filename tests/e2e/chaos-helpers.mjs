// Pieces of the chaos tests: settings, an examd that the test starts, kills
// and restarts, a PostgreSQL restart, simulated students that load the same
// examd from node, and checks of what the server stored.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { replayEdits } from '../../web/src/replay.js';
import { eventsOfSession, examctl, readSettings } from './helpers.mjs';

const execFileAsync = promisify(execFile);

const CHAOS_ENV = [
  'EXAM_E2E_EXAMD',
  'EXAM_E2E_WEB_ROOT',
  'EXAM_E2E_DATABASE_URL',
  'EXAM_E2E_LOCAL_PG',
  'EXAM_E2E_CHAOS_EXAM',
  'EXAM_E2E_CHAOS_INVITE_URLS',
];

// The number of chaos invites that go to the browser; the rest are
// simulated students.
export const BROWSER_INVITES = 6;

// Returns the settings of the chaos tests, or {missing: [...]}.
export function readChaosSettings() {
  const base = readSettings();
  const missing = [...(base.missing ?? []), ...CHAOS_ENV.filter((name) => !process.env[name])];
  if (missing.length > 0) {
    return { missing };
  }
  const invites = process.env.EXAM_E2E_CHAOS_INVITE_URLS.split(/\s+/).filter(Boolean);
  if (invites.length < BROWSER_INVITES + 1) {
    throw new Error(
      `EXAM_E2E_CHAOS_INVITE_URLS has ${invites.length} invites; the chaos tests need at least ${BROWSER_INVITES + 1}`,
    );
  }
  const database = new URL(process.env.EXAM_E2E_DATABASE_URL);
  if (!/^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(database.hostname)) {
    throw new Error(`EXAM_E2E_DATABASE_URL: host ${database.hostname} is not a loopback address`);
  }
  return {
    ...base,
    exam: process.env.EXAM_E2E_CHAOS_EXAM,
    examd: process.env.EXAM_E2E_EXAMD,
    webRoot: process.env.EXAM_E2E_WEB_ROOT,
    databaseUrl: process.env.EXAM_E2E_DATABASE_URL,
    localPg: process.env.EXAM_E2E_LOCAL_PG,
    browserInvites: invites.slice(0, BROWSER_INVITES),
    simulatedInvites: invites.slice(BROWSER_INVITES),
  };
}

// Returns `inviteUrl` with its origin replaced by `baseUrl`'s. The fragment
// carries the invite secret, and the page calls its own origin.
export function inviteOn(baseUrl, inviteUrl) {
  const url = new URL(inviteUrl);
  const base = new URL(baseUrl);
  url.protocol = base.protocol;
  url.host = base.host;
  return url.toString();
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// An examd child process of the test. start() binds 127.0.0.1:0 the first
// time and the same port after that, so the page's origin stays valid.
export class Examd {
  constructor(settings) {
    this.settings = settings;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exam-chaos-examd-'));
    this.keyFile = path.join(this.dir, 'signing.key');
    this.logFile = path.join(this.dir, 'examd.log');
    this.port = 0;
    this.child = null;
  }

  get baseUrl() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start() {
    const portFile = path.join(this.dir, 'examd.port');
    fs.rmSync(portFile, { force: true });
    // The port of a killed examd may be in TIME_WAIT for a moment.
    for (let attempt = 1; attempt <= 20; attempt++) {
      const log = fs.openSync(this.logFile, 'a');
      const child = spawn(
        this.settings.examd,
        [
          '--listen', `127.0.0.1:${this.port}`,
          '--port-file', portFile,
          '--web-root', this.settings.webRoot,
          '--signing-key', this.keyFile,
          '--database-url', this.settings.databaseUrl,
        ],
        { stdio: ['ignore', log, log] },
      );
      fs.closeSync(log);
      const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      const started = await Promise.race([
        (async () => {
          for (let i = 0; i < 200; i++) {
            if (fs.existsSync(portFile) && fs.readFileSync(portFile, 'utf8').trim()) {
              return true;
            }
            await sleep(50);
          }
          return false;
        })(),
        exited.then(() => false),
      ]);
      if (started) {
        this.child = child;
        this.port = Number(fs.readFileSync(portFile, 'utf8').trim());
        return;
      }
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
      }
      await exited;
      await sleep(250);
    }
    const log = fs.readFileSync(this.logFile, 'utf8').split('\n').slice(-20).join('\n');
    throw new Error(`examd did not start on 127.0.0.1:${this.port}; the end of its log:\n${log}`);
  }

  // Sends SIGKILL to this examd process (by its PID) and waits for it to exit.
  async kill9() {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(child.pid, 'SIGKILL');
    await exited;
  }

  // Stops examd with SIGTERM and removes its folder.
  async stop() {
    const child = this.child;
    this.child = null;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// Restarts the test's PostgreSQL without a clean shutdown.
export async function restartPostgres(settings) {
  await execFileAsync(settings.localPg, ['restart-immediate'], { env: process.env, timeout: 90000 });
}

// One simulated student: joins with the invite and appends text to the
// first question in small batches of edit events, like a student typing.
// Unacknowledged events are resent until the server acknowledges them.
class SimulatedStudent {
  constructor(invite) {
    this.invite = new URLSearchParams(new URL(invite).hash.slice(1)).get('invite');
    this.token = null;
    this.sessionId = null;
    this.question = null;
    this.text = '';
    this.nextSeq = 1;
    this.ackedSeq = 0;
    this.pending = [];
    this.failures = 0;
  }

  async join(baseUrl) {
    const response = await fetch(`${baseUrl}/api/student/join`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ invite: this.invite }),
      signal: AbortSignal.timeout(10000),
    });
    if (!response.ok) {
      throw new Error(`POST /api/student/join answered ${response.status}: ${await response.text()}`);
    }
    const answer = await response.json();
    this.token = answer.session_token;
    this.sessionId = answer.session.id;
    this.question = answer.exam.questions[0].key;
    this.starter = answer.exam.questions[0].starter ?? '';
    // Continue where an earlier test left this exam session.
    if (this.nextSeq === 1) {
      this.text = answer.texts[this.question];
      this.nextSeq = answer.session.next_seq;
      this.ackedSeq = answer.session.acked_seq;
    }
  }

  // Types a few characters as new events, then sends every unacknowledged
  // event. Returns false when the request failed.
  async step(baseUrl) {
    for (let i = 0; i < 1 + Math.floor(Math.random() * 3); i++) {
      const inserted = String.fromCharCode(97 + Math.floor(Math.random() * 26));
      const at = this.text.length;
      this.text += inserted;
      this.pending.push({
        seq: this.nextSeq,
        type: 'edit',
        t: Date.now(),
        question: this.question,
        changes: [[at, at, inserted]],
        origin: 'input.type',
      });
      this.nextSeq += 1;
    }
    return this.send(baseUrl);
  }

  async send(baseUrl) {
    if (this.pending.length === 0) {
      return true;
    }
    let response;
    try {
      response = await fetch(`${baseUrl}/api/student/events`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: `Bearer ${this.token}` },
        body: JSON.stringify({ events: this.pending.slice(0, 200) }),
        signal: AbortSignal.timeout(10000),
      });
    } catch (error) {
      this.failures += 1;
      this.lastFailure = `${error.message} (${error.cause?.code ?? error.cause?.message ?? 'no cause'})`;
      return false;
    }
    const body = await response.json().catch(() => null);
    if (!response.ok || !Number.isInteger(body?.acked_seq)) {
      // 5xx while PostgreSQL restarts is expected. A 4xx is a bug in this
      // simulation or in examd, and the final check reports it.
      this.failures += 1;
      this.lastFailure = `status ${response.status}`;
      if (response.status >= 400 && response.status < 500) {
        this.lastError = `${response.status}: ${JSON.stringify(body)}`;
      }
      return false;
    }
    this.ackedSeq = Math.max(this.ackedSeq, body.acked_seq);
    this.pending = this.pending.filter((event) => event.seq > this.ackedSeq);
    return true;
  }
}

// A few dozen simulated students typing into the same examd, from start()
// until stop(). An examd restarted on the same port gets the load again.
export class SimulatedLoad {
  constructor(invites) {
    this.students = invites.map((invite) => new SimulatedStudent(invite));
    this.running = null;
  }

  async joinAll(baseUrl) {
    await Promise.all(this.students.map((student) => student.join(baseUrl)));
  }

  // Starts the load: each student takes a step every 300 to 700 ms, for at
  // most `maxMs`.
  start(baseUrl, maxMs = 120000) {
    this.stopping = false;
    const until = Date.now() + maxMs;
    this.running = Promise.all(
      this.students.map(async (student) => {
        while (!this.stopping && Date.now() < until) {
          await student.step(baseUrl);
          await sleep(300 + Math.random() * 400);
        }
      }),
    );
  }

  // Stops typing and sends what is left, for at most `timeoutMs`. Returns
  // the students whose events are not all acknowledged.
  async stop(baseUrl, timeoutMs = 30000) {
    this.stopping = true;
    await this.running;
    const until = Date.now() + timeoutMs;
    for (const student of this.students) {
      while (student.pending.length > 0 && Date.now() < until) {
        if (!(await student.send(baseUrl))) {
          await sleep(500);
        }
      }
    }
    return this.students.filter((student) => student.pending.length > 0);
  }
}

// Pulls the events of the chaos exam through the examd at `examdUrl` with
// examctl, and returns a function from session id to its events.
// After a PostgreSQL restart, examd answers a request that lands on a
// pooled connection broken by the restart with "retry shortly". So the
// pull is tried up to 5 times, a second apart.
export async function pullEvents(settings, examdUrl) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exam-chaos-pull-'));
  const local = { ...settings, env: { EXAM_SERVER: examdUrl } };
  try {
    const file = path.join(dir, 'events.json');
    for (let attempt = 1; ; attempt++) {
      try {
        await examctl(local, ['events', 'pull', settings.exam, '--format', 'json', '-o', file]);
        break;
      } catch (error) {
        if (attempt >= 5 || !/retry shortly/.test(String(error.stderr ?? error.message))) {
          throw error;
        }
        await sleep(1000);
      }
    }
    const pulled = JSON.parse(fs.readFileSync(file, 'utf8'));
    return (sessionId) => eventsOfSession(pulled, sessionId);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Asserts that `events` are numbered 1..N without a gap and that N is at
// least `ackedSeq`, the highest seq the server acknowledged.
export function assertContiguous(events, ackedSeq, who) {
  events.forEach((event, index) => assert.equal(event.seq, index + 1, `${who}: stored event ${index} has seq ${index + 1}`));
  assert.ok(events.length >= ackedSeq, `${who}: ${events.length} events stored, but the server acknowledged ${ackedSeq}`);
}

// Asserts that the server stored every event each simulated student got
// acknowledged, and that replaying them gives the text the student typed.
export function assertSimulatedStored(load, eventsOf) {
  for (const student of load.students) {
    const who = `simulated student of session ${student.sessionId}`;
    assert.equal(student.lastError, undefined, `${who}: examd rejected a batch`);
    const events = eventsOf(student.sessionId);
    assertContiguous(events, student.ackedSeq, who);
    if (student.pending.length === 0) {
      const replayed = replayEdits({ [student.question]: student.starter }, events)[student.question];
      assert.equal(replayed, student.text, `${who}: replaying the stored edits gives the typed text`);
    }
  }
}

// Returns the number of events of exam session `sessionId` in the page's
// IndexedDB queue (store "events", key [sessionId, seq]).
export function queuedInBrowser(page, sessionId) {
  return page.evaluate(
    (id) =>
      new Promise((resolve, reject) => {
        const request = indexedDB.open('examination-center');
        request.onerror = () => reject(request.error);
        request.onsuccess = () => {
          const db = request.result;
          if (!db.objectStoreNames.contains('events')) {
            db.close();
            resolve(0);
            return;
          }
          const range = IDBKeyRange.bound([id, 0], [id, Number.MAX_SAFE_INTEGER]);
          const count = db.transaction('events', 'readonly').objectStore('events').count(range);
          count.onsuccess = () => {
            db.close();
            resolve(count.result);
          };
          count.onerror = () => reject(count.error);
        };
      }),
    sessionId,
  );
}

// Requests the exam list from the examd at `baseUrl`, `parallel` requests
// at a time, until a whole round answers 200, for at most `timeoutMs`.
// After a PostgreSQL restart every pooled connection that the restart broke
// fails one request with 503 before examd drops it, and concurrent requests
// reach all of them.
export async function waitForExamd(baseUrl, token, { parallel = 32, timeoutMs = 20000 } = {}) {
  const until = Date.now() + timeoutMs;
  const ask = async () => {
    try {
      const response = await fetch(`${baseUrl}/api/exams`, {
        headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
        signal: AbortSignal.timeout(5000),
      });
      await response.arrayBuffer();
      return response.status === 200 ? null : `status ${response.status}`;
    } catch (error) {
      return error.message;
    }
  };
  let failed = [];
  while (Date.now() < until) {
    failed = (await Promise.all(Array.from({ length: parallel }, ask))).filter((result) => result !== null);
    if (failed.length === 0) {
      return;
    }
    await sleep(250);
  }
  throw new Error(`examd at ${baseUrl} still failed ${failed.length} of ${parallel} GET /api/exams after ${timeoutMs} ms: ${failed[0]}`);
}
