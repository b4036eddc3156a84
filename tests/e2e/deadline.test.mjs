// Browser tests of the deadline and its grace period, from the view of a
// student who is offline when the deadline passes. examd accepts every event until
// the exam session's deadline plus 2 minutes of grace (the closing time), and
// after that only events stamped (client time `t`) before the closing time.
//
// Run: node --test tests/e2e/deadline.test.mjs (scripts/test sets the
// environment). Needs the variables of exam-page.test.mjs and
// EXAM_E2E_OWNER_DATABASE_URL, the PostgreSQL role that owns the schema.
// The tests create their own published exam with two students through
// examctl, move an exam session's deadline with psql as the owner instead
// of waiting for it, and read what examd stored with psql.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';

import { replayEdits } from '../../web/src/replay.js';
import { queuedInBrowser } from './chaos-helpers.mjs';
import { editorText, examctl, launchBrowser, openExam, readSettings, selectQuestion, typeLines, watchPage } from './helpers.mjs';

const execFileAsync = promisify(execFile);

const GRACE_MS = 2 * 60 * 1000;
const LOOPBACK_HOSTS = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

function readDeadlineSettings() {
  const base = readSettings();
  const missing = [...(base.missing ?? [])];
  if (!process.env.EXAM_E2E_OWNER_DATABASE_URL) {
    missing.push('EXAM_E2E_OWNER_DATABASE_URL');
  }
  if (missing.length > 0) {
    return { missing };
  }
  const ownerUrl = process.env.EXAM_E2E_OWNER_DATABASE_URL;
  const host = new URL(ownerUrl).hostname;
  if (!LOOPBACK_HOSTS.test(host)) {
    throw new Error(`EXAM_E2E_OWNER_DATABASE_URL: host ${host} is not a loopback address`);
  }
  return { ...base, ownerUrl };
}

const settings = readDeadlineSettings();
const skip = settings.missing ? `set ${settings.missing.join(', ')} to run the deadline tests` : false;

// Question 3 gets ONLINE_LINES while the student is online and the other
// lines offline.
const ONLINE_LINES = [
  '',
  'def deadline_mean(values):',
  '    if not values:',
  '        return 0.0',
  '    return sum(values) / len(values)',
];
const OFFLINE_LINES = ['', 'scores = [71, 88, 93, 64, 80]', 'print("mean:", deadline_mean(scores))'];
const LATE_LINES = ['', '# typed after the closing time', 'print("max:", max(scores))'];

// Runs one SQL statement as the schema owner and returns psql's unaligned
// output without headers. The owner's policies let it read and change every
// organization's rows.
async function ownerSql(sql) {
  const { stdout } = await execFileAsync('psql', [settings.ownerUrl, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
    timeout: 30000,
  });
  return stdout.trim();
}

// Sets the deadline of exam session `sessionId` to the SQL expression
// `deadline` and returns it in milliseconds since the Unix epoch.
async function moveDeadline(sessionId, deadline) {
  const out = await ownerSql(
    `UPDATE exam_sessions SET deadline = ${deadline} WHERE id = ${Number(sessionId)} ` +
      'RETURNING (extract(epoch FROM deadline) * 1000)::bigint',
  );
  assert.match(out, /^\d+$/, `exam session ${sessionId} has a new deadline`);
  return Number(out);
}

// Returns the stored events of exam session `sessionId` in seq order, each
// with the server's `received_at` in milliseconds.
async function storedEvents(sessionId) {
  const out = await ownerSql(
    "SELECT coalesce(json_agg(payload || jsonb_build_object('received_at', " +
      '(extract(epoch FROM received_at) * 1000)::bigint) ORDER BY seq), \'[]\') ' +
      `FROM events WHERE session_id = ${Number(sessionId)}`,
  );
  return JSON.parse(out);
}

// Returns {submitted_at, ended_by, submissions: {question: text}} of exam
// session `sessionId` as stored.
async function storedSubmission(sessionId) {
  const out = await ownerSql(
    "SELECT json_build_object('submitted_at', s.submitted_at, 'ended_by', s.ended_by, " +
      "'submissions', " +
      "(SELECT coalesce(json_object_agg(question_key, text), '{}') FROM submissions " +
      '  WHERE session_id = s.id)) ' +
      `FROM exam_sessions s WHERE s.id = ${Number(sessionId)}`,
  );
  return JSON.parse(out);
}

// Returns the seq, type and client time of the events queued in the page's
// IndexedDB for exam session `sessionId`.
function queuedEvents(page, sessionId) {
  return page.evaluate(
    (id) =>
      new Promise((resolve, reject) => {
        const request = indexedDB.open('examination-center');
        request.onerror = () => reject(request.error);
        request.onsuccess = () => {
          const db = request.result;
          const range = IDBKeyRange.bound([id, 0], [id, Number.MAX_SAFE_INTEGER]);
          const all = db.transaction('events', 'readonly').objectStore('events').getAll(range);
          all.onsuccess = () => {
            db.close();
            resolve(all.result.map(({ event }) => ({ seq: event.seq, type: event.type, t: event.t })));
          };
          all.onerror = () => reject(all.error);
        };
      }),
    sessionId,
  );
}

async function editorTexts(page, questions) {
  const texts = {};
  for (const [index, question] of questions.entries()) {
    texts[question.key] = await editorText(page, index + 1);
  }
  return texts;
}

function starterTexts(questions) {
  return Object.fromEntries(questions.map((question) => [question.key, question.starter ?? '']));
}

async function waitForSaveState(page, state, timeout = 30000) {
  await page.waitForFunction((expected) => document.getElementById('save-status').dataset.state === expected, state, {
    timeout,
  });
}

function seqsFrom(first, last) {
  return Array.from({ length: Math.max(0, last - first + 1) }, (_, index) => first + index);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Waits until exam session `sessionId` has its submission and returns it
// as storedSubmission does. examd's timeout sweep stores it for a session
// whose closing time passed without a submit; scripts/test starts examd
// with --timeout-sweep-seconds 1.
async function waitForSubmission(sessionId, timeout = 45000) {
  const end = Date.now() + timeout;
  for (;;) {
    const stored = await storedSubmission(sessionId);
    if (stored.submitted_at !== null || Date.now() > end) {
      return stored;
    }
    await sleep(250);
  }
}

let browser = null;
let workDir = null;
let invites = [];

// Creates a published exam from examples/intro-python with two students, so
// the tests' exam sessions start fresh and no other test touches them.
before(async () => {
  if (skip) {
    return;
  }
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'exam-e2e-deadline-'));
  const slug = `${settings.exam}-deadline-${process.pid}`;
  const examFolder = new URL('../../examples/intro-python', import.meta.url).pathname;
  await examctl(settings, ['exam', 'create', examFolder, '--slug', slug]);
  await examctl(settings, ['exam', 'publish', slug]);
  const roster = path.join(workDir, 'roster.csv');
  fs.writeFileSync(
    roster,
    'student_id,name,email,extra_minutes\n' +
      'd3001,Deadline Student One,deadline1@e2e.example.edu,0\n' +
      'd3002,Deadline Student Two,deadline2@e2e.example.edu,0\n',
  );
  const invitesFile = path.join(workDir, 'invites.csv');
  await examctl(settings, ['roster', 'import', slug, roster, '-o', invitesFile]);
  // The invite link is the last column of each data row.
  invites = fs
    .readFileSync(invitesFile, 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .filter(Boolean)
    .map((row) => row.slice(row.lastIndexOf(',') + 1));
  assert.equal(invites.length, 2, 'the roster import made two invites');
  for (const invite of invites) {
    assert.match(new URL(invite).hostname, LOOPBACK_HOSTS, `invite ${invite} points at a loopback examd`);
  }
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  if (workDir) {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
});

test('offline past deadline, back within grace', { skip, timeout: 120000 }, async () => {
  const page = await browser.context.newPage();
  const problems = watchPage(page);
  const answer = await openExam(page, invites[0]);
  const sessionId = answer.session.id;
  const questions = answer.exam.questions;
  await waitForSaveState(page, 'saved');

  await selectQuestion(page, 3);
  await typeLines(page, ONLINE_LINES);
  await waitForSaveState(page, 'saved');

  let deadline;
  await browser.context.setOffline(true);
  try {
    await typeLines(page, OFFLINE_LINES);
    await waitForSaveState(page, 'offline');

    // The deadline passes while the student is offline. The page learns of
    // a moved deadline only from a state response, which it cannot get
    // offline, so the timer still shows time left and the student submits
    // by hand after the deadline.
    deadline = await moveDeadline(sessionId, "now() - interval '20 seconds'");
    await typeLines(page, ['', '# typed after the deadline, within the grace']);
    assert.notEqual(await page.textContent('#timer'), '00:00', 'the page does not know the moved deadline');
    await page.click('#submit-button');
    await page.locator('#confirm-submit').waitFor({ state: 'visible' });
    await page.click('#confirm-submit-yes');
    // Submit waits up to 15 s for the upload before it shows this note.
    await page.locator('#submitted').waitFor({ state: 'visible', timeout: 30000 });
    assert.match(await page.textContent('#submitted-text'), /stored in this browser but not yet on the server/);
    const queued = await queuedEvents(page, sessionId);
    assert.equal(queued.at(-1).type, 'submit', 'the submit waits in the browser queue');
    assert.ok(
      queued.some((event) => event.t > deadline),
      'events stamped after the deadline wait in the queue',
    );
    assert.equal((await storedSubmission(sessionId)).submitted_at, null, 'nothing is submitted while offline');
  } finally {
    await browser.context.setOffline(false);
  }
  const online = Date.now();
  assert.ok(online < deadline + GRACE_MS, 'the network is back before the closing time');

  await waitForSaveState(page, 'saved');
  // The page sends as soon as the browser reports the network back,
  // instead of waiting out a backoff of 8 s or more after 15 s of failures.
  assert.ok(Date.now() - online < 6000, `saved ${Date.now() - online} ms after the network came back`);
  assert.equal(await page.textContent('#save-status'), 'All changes saved');
  assert.equal(await page.textContent('#submitted-title'), 'Exam submitted');
  assert.equal(
    await page.textContent('#submitted-text'),
    'Your answers and the submit have now reached the exam server. You may close this tab.',
  );
  assert.equal(await page.locator('#save-warning').isVisible(), false, 'no warning shows');
  assert.equal(await queuedInBrowser(page, sessionId), 0, 'the browser queue is empty');

  // Every event is stored, numbered 1..N, the last one is the submit, and
  // some were made and received after the deadline.
  const texts = await editorTexts(page, questions);
  assert.match(texts[questions[2].key], /# typed after the deadline, within the grace$/);
  const events = await storedEvents(sessionId);
  assert.deepEqual(
    events.map((event) => event.seq),
    seqsFrom(1, events.length),
    'the stored seqs are 1..N without a gap',
  );
  assert.equal(events.at(-1).type, 'submit', 'the last stored event is the submit');
  assert.ok(events.some((event) => event.t > deadline), 'events stamped after the deadline are stored');
  assert.ok(
    events.some((event) => event.received_at > deadline),
    'events received after the deadline are stored',
  );
  assert.deepEqual(replayEdits(starterTexts(questions), events), texts, 'replay gives the editors\' text');

  // The submission is the editors' text, byte for byte.
  const stored = await storedSubmission(sessionId);
  assert.notEqual(stored.submitted_at, null, 'the exam session is submitted');
  assert.deepEqual(stored.submissions, texts, 'the submission is the editors\' text');
  assert.deepEqual(problems, []);
  await page.close();
});

test('offline past the closing time', { skip, timeout: 120000 }, async () => {
  const page = await browser.context.newPage();
  const problems = watchPage(page);
  const eventRequests = [];
  page.on('request', (request) => {
    if (request.url().endsWith('/api/student/events')) {
      eventRequests.push(Date.now());
    }
  });
  const answer = await openExam(page, invites[1]);
  const sessionId = answer.session.id;
  const questions = answer.exam.questions;
  await waitForSaveState(page, 'saved');

  await selectQuestion(page, 3);
  await typeLines(page, ONLINE_LINES);
  await waitForSaveState(page, 'saved');
  const storedOnline = (await storedEvents(sessionId)).length;

  let closesAt;
  let deadline;
  let textsAtClose;
  let queued;
  await browser.context.setOffline(true);
  try {
    await typeLines(page, OFFLINE_LINES);
    await waitForSaveState(page, 'offline');
    // The closing time falls between the offline typing and the late
    // typing: the deadline moves to 2 minutes before it, so examd treats
    // the network as coming back after the deadline plus the grace.
    await sleep(50);
    closesAt = Date.now();
    textsAtClose = await editorTexts(page, questions);
    await sleep(50);
    await typeLines(page, LATE_LINES);
    queued = await queuedEvents(page, sessionId);
    deadline = await moveDeadline(sessionId, `to_timestamp(${closesAt} / 1000.0) - interval '2 minutes'`);
  } finally {
    await browser.context.setOffline(false);
  }
  const inTime = queued.filter((event) => event.t <= closesAt);
  const late = queued.filter((event) => event.t > closesAt);
  assert.ok(inTime.length > 0, 'events stamped before the closing time are queued');
  assert.ok(late.length > 0, 'events stamped after the closing time are queued');

  // The page drops the late events, sends the others and explains why.
  await waitForSaveState(page, 'ended');
  const time = await page.evaluate((t) => new Date(t).toLocaleTimeString(), closesAt);
  assert.equal(await page.textContent('#save-status'), 'Exam closed');
  assert.equal(await page.textContent('#submitted-title'), 'Exam closed');
  assert.equal(
    await page.textContent('#submitted-text'),
    `The exam closed at ${time}, 2 minutes after the deadline. ` +
      `Your changes made after ${time} reached the exam server too late, so they were not saved. ` +
      `Your work up to ${time} has reached the exam server and counts. You may close this tab. ` +
      'If a network problem kept your work from arriving in time, tell the exam supervisor.',
  );
  assert.equal(await page.locator('#submitted').isVisible(), true);
  assert.equal(await page.locator('#save-warning').isVisible(), false, 'no warning says the late work still counts');
  assert.equal(await page.textContent('#submit-button'), 'Closed');
  assert.equal(await page.locator('#submit-button').isDisabled(), true);
  assert.equal(await page.getAttribute('#panel-3 .cm-content', 'contenteditable'), 'false', 'editors are read-only');
  assert.match(await editorText(page, 3), /# typed after the closing time\nprint\("max:", max\(scores\)\)$/, 'the late typing stays visible');
  assert.equal(await queuedInBrowser(page, sessionId), 0, 'the browser queue is empty');

  // Nothing is retried: no request for 3 s.
  const requestsAtEnd = eventRequests.length;
  await page.waitForTimeout(3000);
  assert.equal(eventRequests.length, requestsAtEnd, 'no events are sent after the exam closed');
  assert.equal(await page.textContent('#save-status'), 'Exam closed');

  // examd stores the events made online and those queued offline before the
  // closing time, and nothing stamped after it. The session has no submit,
  // because the page could record one only after the closing time, so it
  // times out.
  const events = await storedEvents(sessionId);
  assert.deepEqual(
    events.map((event) => event.seq),
    seqsFrom(1, storedOnline + inTime.length),
    'the stored seqs are those made online and offline before the closing time',
  );
  assert.deepEqual(
    inTime.map((event) => event.seq),
    seqsFrom(storedOnline + 1, storedOnline + inTime.length),
    'the events stamped in time come first in the queue',
  );
  assert.deepEqual(
    events.filter((event) => event.t > closesAt).map((event) => event.seq),
    [],
    'no stored event is stamped after the closing time',
  );
  assert.equal(events.filter((event) => event.type === 'submit').length, 0, 'no submit is stored');
  assert.deepEqual(replayEdits(starterTexts(questions), events), textsAtClose, 'replay gives the text at the closing time');
  // The timeout sweep may have run before or after the events queued
  // offline arrived. Either way the submission contains them, because
  // events made in time replay a timed-out submission again.
  const stored = await waitForSubmission(sessionId);
  assert.equal(stored.ended_by, 'timeout', 'the exam session ended by timeout');
  assert.equal(Date.parse(stored.submitted_at), deadline, 'the submission is stamped at the deadline');
  assert.deepEqual(stored.submissions, textsAtClose, 'the submission is the text at the closing time');

  // examd answers the late batch with 409, which Chromium logs.
  assert.deepEqual(
    problems.filter((problem) => !/status of 409 \(Conflict\)/.test(problem)),
    [],
  );
  await page.close();
});
