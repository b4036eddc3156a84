// Chaos tests of the student exam page: faults while a student types, with
// simulated students loading the same examd. After each fault, nothing that
// was typed is lost: the server stores every acknowledged event, numbered
// 1..N without a gap, replaying the edits gives the editors' text, and the
// browser's queue is empty.
//
// Run: node --test tests/e2e/chaos.test.mjs (scripts/test sets the
// environment). Needs the variables of exam-page.test.mjs and
// EXAM_E2E_EXAMD, EXAM_E2E_WEB_ROOT, EXAM_E2E_DATABASE_URL, EXAM_E2E_LOCAL_PG
// (with EXAM_PG_DIR and EXAM_PG_PORT), EXAM_E2E_CHAOS_EXAM and
// EXAM_E2E_CHAOS_INVITE_URLS (at least 7 invites of that published exam).
// The tests start their own examd on a free loopback port, kill it with
// SIGKILL and restart PostgreSQL, so they must not share the cluster with
// anything that minds a restart.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { replayEdits } from '../../web/src/replay.js';
import {
  Examd,
  SimulatedLoad,
  assertContiguous,
  assertSimulatedStored,
  inviteOn,
  pullEvents,
  queuedInBrowser,
  readChaosSettings,
  restartPostgres,
  waitForExamd,
} from './chaos-helpers.mjs';
import { editorText, launchBrowser, openExam, selectQuestion, typeLines, waitForPython } from './helpers.mjs';

const settings = readChaosSettings();
const skip = settings.missing ? `set ${settings.missing.join(', ')} to run the chaos tests` : false;

// A program the scripted student types, line by line, into question 3.
const PROGRAM = [
  '',
  'def chaos_mean(values):',
  '    if not values:',
  '        return 0.0',
  '    total = 0',
  '    for value in values:',
  '        total += value',
  '    return total / len(values)',
  '',
  'scores = [71, 88, 93, 64, 80]',
  'print("mean:", chaos_mean(scores))',
  'print("max:", max(scores), "min:", min(scores))',
];

// Errors the faults cause on purpose: requests to a killed examd or to one
// whose database is restarting, and the page's log of a failed batch.
const EXPECTED_ERRORS = [
  /^Applying inline style violates/,
  /^Failed to load resource/,
  /^sending events failed/,
];

let examd = null;
let load = null;
let browser = null;

before(async () => {
  if (skip) {
    return;
  }
  examd = new Examd(settings);
  await examd.start();
  load = new SimulatedLoad(settings.simulatedInvites);
  await load.joinAll(examd.baseUrl);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await examd?.stop();
  // The other browser tests share the PostgreSQL cluster through the suite's
  // examd, whose pooled connections the restart broke.
  if (!skip) {
    await waitForExamd(settings.baseUrl, process.env.EXAM_TOKEN);
  }
});

// Opens browser invite `index` on the test's examd. Returns the page, the
// join response, a list of unexpected errors and `acks.max`, the highest
// acked_seq the page received.
async function openChaosPage(index) {
  const page = await browser.context.newPage();
  const problems = [];
  const acks = { max: 0 };
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !EXPECTED_ERRORS.some((pattern) => pattern.test(message.text()))) {
      problems.push(`console error: ${message.text()}`);
    }
  });
  page.on('response', async (response) => {
    if (!response.url().endsWith('/api/student/events') || response.status() !== 200) {
      return;
    }
    try {
      acks.max = Math.max(acks.max, (await response.json()).acked_seq);
    } catch {
      // The page went away before the body was read. The next response
      // acknowledges at least as much.
    }
  });
  const answer = await openExam(page, inviteOn(examd.baseUrl, settings.browserInvites[index]));
  return { page, problems, acks, answer };
}

async function waitForSaved(page, timeout = 60000) {
  await page.waitForFunction(() => document.getElementById('save-status').dataset.state === 'saved', null, {
    timeout,
  });
}

async function editorTexts(page, questions) {
  const texts = {};
  for (const [index, question] of questions.entries()) {
    texts[question.key] = await editorText(page, index + 1);
  }
  return texts;
}

// Checks what every chaos test promises once the fault is over: the page
// has sent everything, the server stores the browser's and the simulated
// students' events without a gap, and replay gives the editors' text.
async function assertNothingLost({ page, acks, answer }, ackedBefore = 0) {
  await waitForSaved(page);
  assert.equal(await queuedInBrowser(page, answer.session.id), 0, 'the browser queue is empty');

  const questions = answer.exam.questions;
  const texts = await editorTexts(page, questions);
  const eventsOf = await pullEvents(settings, examd.baseUrl);
  const events = eventsOf(answer.session.id);
  assertContiguous(events, Math.max(acks.max, ackedBefore), `browser session ${answer.session.id}`);
  const starters = Object.fromEntries(questions.map((question) => [question.key, question.starter ?? '']));
  assert.deepEqual(replayEdits(starters, events), texts, 'replaying the stored edits gives the editors\' text');
  assertSimulatedStored(load, eventsOf);
  return texts;
}

function assertNoneStuck(stuck) {
  const described = stuck.map(
    (student) => `session ${student.sessionId}: ${student.pending.length} unacknowledged, ${student.failures} failed requests, last 4xx ${student.lastError ?? 'none'}, last failure ${student.lastFailure ?? 'none'}`,
  );
  assert.deepEqual(described, [], 'every simulated student got its events acknowledged');
}

// Starts typing PROGRAM into question 3 and returns the typing promise.
async function startTyping(page, lines = PROGRAM) {
  await selectQuestion(page, 3);
  return typeLines(page, lines);
}

test('examd killed with SIGKILL mid-exam', { skip, timeout: 120000 }, async () => {
  const opened = await openChaosPage(0);
  const { page, problems } = opened;
  await waitForPython(page);
  load.start(examd.baseUrl);

  const typing = startTyping(page);
  await page.waitForTimeout(1500);
  await examd.kill9();
  await page.waitForTimeout(3000);
  await examd.start();
  await typing;

  const stuck = await load.stop(examd.baseUrl);
  assertNoneStuck(stuck);
  const texts = await assertNothingLost(opened);
  assert.match(texts[opened.answer.exam.questions[2].key], /print\("max:", max\(scores\), "min:", min\(scores\)\)$/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('PostgreSQL restarted mid-exam', { skip, timeout: 120000 }, async () => {
  const opened = await openChaosPage(1);
  const { page, problems } = opened;
  await waitForPython(page);
  load.start(examd.baseUrl);

  const typing = startTyping(page);
  await page.waitForTimeout(1000);
  await restartPostgres(settings);
  await typing;

  const stuck = await load.stop(examd.baseUrl);
  assertNoneStuck(stuck);
  const texts = await assertNothingLost(opened);
  assert.match(texts[opened.answer.exam.questions[2].key], /chaos_mean\(scores\)\)$/m);
  assert.deepEqual(problems, []);
  await page.close();
});

test('offline typing, tab closed and reopened', { skip, timeout: 120000 }, async () => {
  const opened = await openChaosPage(2);
  const { page, problems } = opened;
  await waitForPython(page);
  await waitForSaved(page);
  load.start(examd.baseUrl);

  // About 400 characters typed offline. The page cannot load without the
  // network (it has no service worker), so the tab is closed while offline
  // and the invite reopened once the network is back.
  await browser.context.setOffline(true);
  try {
    await startTyping(page);
    await selectQuestion(page, 2);
    await typeLines(page, ['', '# typed offline: ' + 'abcdefghij'.repeat(8)]);
    // The browser reports itself offline, so the status line shows it at
    // once and counts the seconds since sending began to fail.
    await page.waitForFunction(
      () => /^Offline: not saved for \d+ s/.test(document.getElementById('save-status').textContent),
      null,
      { timeout: 30000 },
    );
    const offlineTexts = await editorTexts(page, opened.answer.exam.questions);
    assert.ok((await queuedInBrowser(page, opened.answer.session.id)) > 300, 'the offline typing is queued in the browser');
    await page.close();
    opened.offlineTexts = offlineTexts;
  } finally {
    await browser.context.setOffline(false);
  }

  const again = await openChaosPage(2);
  problems.push(...again.problems);
  assert.deepEqual(await editorTexts(again.page, again.answer.exam.questions), opened.offlineTexts);
  const stuck = await load.stop(examd.baseUrl);
  assertNoneStuck(stuck);
  await assertNothingLost(again, opened.acks.max);
  assert.deepEqual(problems, []);
  await again.page.close();
});

test('tab closed without submitting and reopened', { skip, timeout: 120000 }, async () => {
  const opened = await openChaosPage(3);
  const { page, problems } = opened;
  await waitForPython(page);
  load.start(examd.baseUrl);

  await startTyping(page);
  const before = await editorTexts(page, opened.answer.exam.questions);
  // Closing right after the last keystroke leaves its events in the queue.
  await page.close();

  const again = await openChaosPage(3);
  problems.push(...again.problems);
  assert.deepEqual(await editorTexts(again.page, again.answer.exam.questions), before, 'the reopened page shows every keystroke');
  await selectQuestion(again.page, 3);
  await typeLines(again.page, ['', 'print("reopened")']);

  const stuck = await load.stop(examd.baseUrl);
  assertNoneStuck(stuck);
  const texts = await assertNothingLost(again, opened.acks.max);
  assert.match(texts[again.answer.exam.questions[2].key], /print\("reopened"\)$/);
  assert.deepEqual(problems, []);
  await again.page.close();
});

test('IndexedDB unavailable keeps sending from memory', { skip, timeout: 120000 }, async () => {
  const page = await browser.context.newPage();
  // As in some private browsing modes: opening a database fails.
  await page.addInitScript(() => {
    IDBFactory.prototype.open = function open() {
      throw new DOMException('IndexedDB is disabled in this test', 'InvalidStateError');
    };
  });
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  const answer = await openExam(page, inviteOn(examd.baseUrl, settings.browserInvites[4]));
  const warning = page.locator('#save-warning');
  await warning.waitFor({ state: 'visible', timeout: 10000 });
  assert.match(await warning.textContent(), /does not let the exam page keep your work on this computer/);

  await startTyping(page, ['', 'print("memory only")']);
  await waitForSaved(page);
  const texts = await editorTexts(page, answer.exam.questions);
  const eventsOf = await pullEvents(settings, examd.baseUrl);
  const events = eventsOf(answer.session.id);
  assertContiguous(events, 1, `browser session ${answer.session.id}`);
  const starters = Object.fromEntries(answer.exam.questions.map((question) => [question.key, question.starter ?? '']));
  assert.deepEqual(replayEdits(starters, events), texts, 'the events kept in memory reached the server');
  assert.deepEqual(problems, []);
  await page.close();
});

test('invalid event is isolated, offline submit', { skip, timeout: 120000 }, async () => {
  const opened = await openChaosPage(5);
  const { page, answer } = opened;
  await waitForSaved(page);

  // examd answers 400 for every batch that contains the next event, as it
  // would for an event it considers invalid.
  const badSeq = answer.session.next_seq + 2;
  let rejected = 0;
  await page.route('**/api/student/events', async (route) => {
    const { events } = JSON.parse(route.request().postData());
    if (events.some((event) => event.seq === badSeq)) {
      rejected += 1;
      await route.fulfill({
        status: 400,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'invalid_argument', message: `events[0] (seq ${badSeq}) is invalid`, id: 'e-test' } }),
      });
      return;
    }
    await route.continue();
  });
  await startTyping(page, ['', '# before and after an invalid event']);
  const warning = page.locator('#save-warning');
  await warning.waitFor({ state: 'visible', timeout: 30000 });
  assert.match(await warning.textContent(), new RegExp(`rejected one of your recorded changes \\(event ${badSeq}`));
  assert.equal(await page.locator('#save-status').getAttribute('data-state'), 'error');
  assert.ok(rejected >= 1, 'the batch with the invalid event was sent');

  // The events after the invalid one reach the server above the gap.
  let stored = [];
  for (let attempt = 0; attempt < 20; attempt++) {
    stored = (await pullEvents(settings, examd.baseUrl))(answer.session.id).map((event) => event.seq);
    if (stored.includes(badSeq + 1)) {
      break;
    }
    await page.waitForTimeout(500);
  }
  assert.ok(stored.includes(badSeq - 1), 'the events before the invalid one are stored');
  assert.ok(!stored.includes(badSeq), 'the invalid event is not stored');
  assert.ok(stored.includes(badSeq + 1), 'the events after the invalid one are stored');

  // A fixed server accepts the event, and the queue drains.
  await page.unroute('**/api/student/events');
  await waitForSaved(page, 60000);
  assert.equal(await queuedInBrowser(page, answer.session.id), 0, 'the browser queue is empty');

  // Submit while offline: the submit waits in the queue and completes when
  // the network is back.
  await browser.context.setOffline(true);
  try {
    await page.click('#submit-button');
    await page.locator('#confirm-submit').waitFor({ state: 'visible' });
    await page.click('#confirm-submit-yes');
    await page.locator('#submitted').waitFor({ state: 'visible', timeout: 30000 });
    assert.match(await page.textContent('#submitted-text'), /stored in this browser but not yet on the server/);
  } finally {
    await browser.context.setOffline(false);
  }
  await waitForSaved(page, 60000);
  assert.match(await page.textContent('#submitted-text'), /now reached the exam server/);

  const texts = await editorTexts(page, answer.exam.questions);
  const eventsOf = await pullEvents(settings, examd.baseUrl);
  const events = eventsOf(answer.session.id);
  assertContiguous(events, opened.acks.max, `browser session ${answer.session.id}`);
  assert.equal(events.at(-1).type, 'submit', 'the offline submit reached the server');
  const starters = Object.fromEntries(answer.exam.questions.map((question) => [question.key, question.starter ?? '']));
  assert.deepEqual(replayEdits(starters, events), texts);
  assert.deepEqual(opened.problems.filter((problem) => !/rejected event|rejected one/.test(problem)), []);
  await page.close();
});
