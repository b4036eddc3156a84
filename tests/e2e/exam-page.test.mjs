// Browser end-to-end tests of the student exam page against a running examd.
//
// Run: node --test tests/e2e/
// Needs: EXAM_E2E_BASE_URL, EXAM_E2E_INVITE_URL (a fresh invite of a
// published exam with three questions), EXAM_E2E_EXAMCTL, EXAM_SERVER,
// EXAM_TOKEN and EXAM_E2E_EXAM. The offline test takes another invite from
// EXAM_E2E_INVITE_URLS (space-separated) when there is one. Without it both
// tests share one exam session: the offline test leaves its typing there and
// the full-exam test submits it, so they run in file order.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { replayEdits, applyChanges } from '../../web/src/replay.js';
import {
  editorText,
  eventsOfSession,
  examctl,
  examctlJson,
  launchBrowser,
  openExam,
  readSettings,
  selectQuestion,
  typeLines,
  waitForPython,
  watchPage,
} from './helpers.mjs';

const settings = readSettings();
const skip = settings.missing ? `set ${settings.missing.join(', ')} to run the browser tests` : false;

async function serverState(baseUrl, token) {
  const response = await fetch(`${baseUrl}/api/student/state`, {
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
  });
  assert.equal(response.status, 200, `GET /api/student/state answered ${response.status}`);
  return response.json();
}

// Dispatches a paste of `text` into question `number`'s editor, as the
// browser does for Ctrl+V with `text` on the clipboard.
async function pasteInto(page, number, text) {
  await page.evaluate(
    ({ n, pasted }) => {
      const data = new DataTransfer();
      data.setData('text/plain', pasted);
      const target = document.querySelector(`#panel-${n} .cm-content`);
      target.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    },
    { n: number, pasted: text },
  );
}

// Dispatches a copy in question `number`'s editor and returns the text the
// editor put on the (synthetic) clipboard.
async function copyFrom(page, number) {
  return page.evaluate((n) => {
    const data = new DataTransfer();
    const target = document.querySelector(`#panel-${n} .cm-content`);
    target.dispatchEvent(new ClipboardEvent('copy', { clipboardData: data, bubbles: true, cancelable: true }));
    return data.getData('text/plain');
  }, number);
}

async function waitForRunState(page, number, pattern, timeout = 60000) {
  await page.waitForFunction(
    ({ n, source }) => new RegExp(source).test(document.querySelector(`#panel-${n} .run-state`).textContent),
    { n: number, source: pattern.source },
    { timeout },
  );
}

async function waitForSaved(page, timeout = 30000) {
  await page.waitForFunction(() => document.getElementById('save-status').dataset.state === 'saved', null, {
    timeout,
  });
}

async function outputOf(page, number) {
  return page.textContent(`#output-${number}`);
}

// Returns the reference solution of a question of the example exam
// (examples/intro-python-solutions/KEY.py), or null when there is none.
function referenceSolution(key) {
  const file = new URL(`../../examples/intro-python-solutions/${key}.py`, import.meta.url);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
}

function sha256Hex(text) {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

test('offline typing is kept and uploaded later', { skip, timeout: 240000 }, async () => {
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    const problems = watchPage(page);
    const joined = await openExam(page, settings.offlineInviteUrl);
    assert.equal(joined.exam.questions.length, 3, 'the e2e exam has three questions');
    // Python loads in the background and would fail to load offline.
    await waitForPython(page);
    await waitForSaved(page);

    await selectQuestion(page, 3);
    await browser.context.setOffline(true);
    await typeLines(page, ['', '# typed while offline']);
    await page.waitForFunction(() => document.getElementById('save-status').dataset.state === 'offline', null, {
      timeout: 30000,
    });
    const offlineText = await editorText(page, 3);
    assert.match(offlineText, /# typed while offline/);

    // The tab goes away while offline, with events still queued in
    // IndexedDB. Without a service worker the page itself cannot load
    // offline, so the next visit happens once the network is back.
    await page.close();
    await browser.context.setOffline(false);

    const again = await browser.context.newPage();
    problems.push(...watchPage(again));
    await openExam(again, settings.offlineInviteUrl);
    assert.equal(await editorText(again, 3), offlineText, 'question 3 shows the text typed offline');
    await waitForSaved(again);

    const state = await serverState(settings.baseUrl, joined.session_token);
    assert.equal(state.texts[joined.exam.questions[2].key], offlineText, 'the server replays the offline typing');
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test('student takes and submits the exam', { skip, timeout: 600000 }, async () => {
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    const problems = watchPage(page);
    const answer = await openExam(page, settings.inviteUrl);
    const questions = answer.exam.questions;
    await waitForPython(page);

    // Question 1: type the reference solution over the starter code when the
    // example ships one, add a program, paste a line from outside, copy and
    // paste a line from inside the editor, run it and check it.
    await selectQuestion(page, 1);
    const solution = referenceSolution(questions[0].key);
    if (solution !== null) {
      await page.keyboard.press('Control+a');
      await typeLines(page, solution.replace(/\n+$/, '').split('\n'));
    }
    await typeLines(page, [
      '',
      'def e2e_total(values):',
      '    total = 0',
      '    for value in values:',
      '        total += value',
      '    return total',
      '',
      'print("total is", e2e_total([20, 22]))',
      '',
    ]);
    await pasteInto(page, 1, 'print("pasted from outside")\n');
    await page.keyboard.press('ArrowUp');
    const copied = await copyFrom(page, 1);
    assert.match(copied, /pasted from outside/, 'an empty selection copies the whole line');
    await page.keyboard.press('Control+End');
    await pasteInto(page, 1, copied);

    // Typing "(" opens no autocompletion popup and inserts no ")".
    await page.keyboard.type('x = (');
    assert.equal(await page.locator('.cm-tooltip-autocomplete').count(), 0);
    assert.match(await editorText(page, 1), /x = \($/m);
    await page.keyboard.type('1)');

    await page.keyboard.press('Control+Enter');
    await waitForRunState(page, 1, /^Finished$/);
    const output1 = await outputOf(page, 1);
    assert.match(output1, /total is 42/);
    assert.match(output1, /pasted from outside\npasted from outside/);

    if (solution !== null) {
      await page.click('#panel-1 [data-action="check"]');
      await waitForRunState(page, 1, /tests passed|tests failed/);
      const checked = await outputOf(page, 1);
      assert.match(checked, /^PASS test_/m);
      assert.match(checked, /^\d+ passed, 0 failed$/m, 'the reference solution passes the visible tests');
    }

    // Question 2: a program that reads a line with input().
    await selectQuestion(page, 2);
    await typeLines(page, ['', 'name = input("Your name? ")', 'print("Hello,", name)']);
    await page.click('#panel-2 [data-action="run"]');
    await page.locator('#panel-2 .input-line').waitFor({ state: 'visible', timeout: 60000 });
    assert.match(await outputOf(page, 2), /Your name\? $/, 'the prompt shows before the line is typed');
    await page.fill('#input-2', 'Grace');
    await page.keyboard.press('Enter');
    await waitForRunState(page, 2, /^Finished$/);
    assert.match(await outputOf(page, 2), /Hello, Grace/);

    // Question 3: an endless loop, stopped with Stop.
    await selectQuestion(page, 3);
    await typeLines(page, ['', 'while True: pass']);
    await page.click('#panel-3 [data-action="run"]');
    await waitForRunState(page, 3, /^Running/);
    await page.waitForTimeout(1000);
    const stopPressed = Date.now();
    await page.click('#panel-3 [data-action="stop"]');
    await waitForRunState(page, 3, /^Stopped$/, 10000);
    assert.ok(Date.now() - stopPressed < 5000, 'Stop ends the loop within 5 seconds');
    assert.match(await outputOf(page, 3), /KeyboardInterrupt|Stopped/);

    // Reload in the middle of the exam and keep typing.
    const beforeReload = [await editorText(page, 1), await editorText(page, 2), await editorText(page, 3)];
    await page.reload();
    await page.locator('#panel-1 .cm-content').waitFor();
    for (let n = 1; n <= 3; n++) {
      assert.equal(await editorText(page, n), beforeReload[n - 1], `question ${n} is restored after reload`);
    }
    await selectQuestion(page, 1);
    await typeLines(page, ['', '# after reload: ünïcödé and 😀 emoji']);
    await page.keyboard.press('Backspace');
    await page.keyboard.type('i!');

    // Submit.
    await page.click('#submit-button');
    await page.locator('#confirm-submit').waitFor({ state: 'visible' });
    await page.click('#confirm-submit-yes');
    await page.locator('#submitted').waitFor({ state: 'visible', timeout: 30000 });
    await waitForSaved(page);
    assert.equal(await page.getAttribute('#panel-1 .cm-content', 'contenteditable'), 'false', 'editors are read-only');
    const finalTexts = {};
    for (const [index, question] of questions.entries()) {
      finalTexts[question.key] = await editorText(page, index + 1);
    }
    assert.match(finalTexts[questions[0].key], /😀 emoji!$/);
    assert.deepEqual(problems, []);

    // The server has every event, numbered 1..N without a gap, and the
    // export passes `examctl verify` (hash chain and signed head).
    const exportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'exam-e2e-export-'));
    const exportFile = path.join(exportDir, 'events.json');
    await examctl(settings, [
      'events', 'pull', settings.exam, '--session', String(answer.session.id), '--format', 'json', '-o', exportFile,
    ]);
    const pulled = JSON.parse(fs.readFileSync(exportFile, 'utf8'));
    const verified = await examctl(settings, ['verify', exportFile]);
    assert.match(verified, /^verified: /m);
    fs.rmSync(exportDir, { recursive: true, force: true });
    const events = eventsOfSession(pulled, answer.session.id);
    assert.ok(events.length > 50, `expected many events, got ${events.length}`);
    events.forEach((event, index) => assert.equal(event.seq, index + 1, `event ${index} has seq ${index + 1}`));
    assert.equal(events.at(-1).type, 'submit', 'the last event is the submit');

    const types = new Set(events.map((event) => event.type));
    for (const type of ['edit', 'paste', 'run', 'question', 'snapshot', 'submit']) {
      assert.ok(types.has(type), `the events include a ${type} event`);
    }
    const pastes = events.filter((event) => event.type === 'paste');
    assert.deepEqual(
      pastes.map((event) => event.source),
      ['outside', 'inside'],
      'the first paste came from outside, the second from the editor',
    );
    const runs = events.filter((event) => event.type === 'run').map((event) => event.status);
    assert.deepEqual(runs, solution === null ? ['ok', 'ok', 'stopped'] : ['ok', 'tests_passed', 'ok', 'stopped']);

    // Replaying the edits from the starter code gives the final texts, and
    // every snapshot matches the replay at its seq.
    const starters = Object.fromEntries(questions.map((question) => [question.key, question.starter ?? '']));
    assert.deepEqual(replayEdits(starters, events), finalTexts);
    const replayed = { ...starters };
    for (const event of events) {
      if (event.type === 'edit') {
        replayed[event.question] = applyChanges(replayed[event.question], event.changes);
      } else if (event.type === 'snapshot') {
        assert.equal(event.text, replayed[event.question], `snapshot ${event.seq} matches the replay`);
        assert.equal(event.sha256, sha256Hex(event.text), `snapshot ${event.seq} hash`);
      }
    }

    // The server's submitted code is the editor's text, byte for byte.
    const state = await serverState(settings.baseUrl, answer.session_token);
    assert.ok(state.session.submitted_at, 'the exam session is submitted');
    assert.deepEqual(state.texts, finalTexts);
    const sessions = await examctlJson(settings, ['sessions', 'list', settings.exam, '--format', 'json']);
    const list = Array.isArray(sessions) ? sessions : (sessions.sessions ?? []);
    const ours = list.find((session) => String(session.id ?? session.session_id) === String(answer.session.id));
    assert.ok(ours, `examctl sessions list shows session ${answer.session.id}`);
    assert.ok(ours.submitted_at, 'examctl sessions list shows the session as submitted');
  } finally {
    await browser.close();
  }
});
