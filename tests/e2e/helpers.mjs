// Shared pieces of the browser end-to-end tests: settings from the
// environment, Chromium launch, editor helpers and examctl calls.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const execFileAsync = promisify(execFile);

const REQUIRED_ENV = [
  'EXAM_E2E_BASE_URL',
  'EXAM_E2E_INVITE_URL',
  'EXAM_E2E_EXAMCTL',
  'EXAM_SERVER',
  'EXAM_TOKEN',
  'EXAM_E2E_EXAM',
];

const LOOPBACK_HOSTS = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

// Returns the settings, or {missing: [...]} when some are not set. Every URL
// must be a loopback address, because the tests only talk to a local examd.
export function readSettings() {
  const missing = REQUIRED_ENV.filter((name) => !process.env[name]);
  if (missing.length > 0) {
    return { missing };
  }
  // EXAM_E2E_INVITE_URLS, when set, lists more invites of the same exam
  // (separated by spaces), so that each test can have its own student.
  const invites = (process.env.EXAM_E2E_INVITE_URLS ?? '').split(/\s+/).filter(Boolean);
  const urls = [
    ['EXAM_E2E_BASE_URL', process.env.EXAM_E2E_BASE_URL],
    ['EXAM_E2E_INVITE_URL', process.env.EXAM_E2E_INVITE_URL],
    ['EXAM_SERVER', process.env.EXAM_SERVER],
    ...invites.map((url) => ['EXAM_E2E_INVITE_URLS', url]),
  ];
  for (const [name, url] of urls) {
    const host = new URL(url).host.replace(/:\d+$/, '');
    if (!LOOPBACK_HOSTS.test(host)) {
      throw new Error(`${name}: ${url} is not a loopback address: point it at a local examd (127.0.0.1 or localhost)`);
    }
  }
  const others = invites.filter((url) => url !== process.env.EXAM_E2E_INVITE_URL);
  return {
    baseUrl: process.env.EXAM_E2E_BASE_URL.replace(/\/$/, ''),
    inviteUrl: process.env.EXAM_E2E_INVITE_URL,
    // The offline test uses another student when there is one.
    offlineInviteUrl: others[0] ?? process.env.EXAM_E2E_INVITE_URL,
    examctl: process.env.EXAM_E2E_EXAMCTL,
    exam: process.env.EXAM_E2E_EXAM,
  };
}

// Starts headless Debian Chromium with a fresh profile. Returns {context, close}.
export async function launchBrowser() {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'exam-e2e-profile-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const close = async () => {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  };
  return { context, close };
}

// Console errors that are expected and harmless:
// - When text is typed over a selection, Chromium's contenteditable editing
//   tries to keep the replaced token's colour as a style attribute. The CSP
//   blocks it, and CodeMirror redraws the line from its own state.
// - A resource failed to load while the test had the browser offline.
const EXPECTED_CONSOLE_ERRORS = [/^Applying inline style violates/, /^Failed to load resource: net::ERR_INTERNET_DISCONNECTED/];

// Collects page errors and unexpected console errors so a test can assert
// there were none.
export function watchPage(page) {
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' && !EXPECTED_CONSOLE_ERRORS.some((pattern) => pattern.test(text))) {
      problems.push(`console error: ${text}`);
    }
  });
  return problems;
}

// Opens the invite link and resolves to the join response once the editors show.
export async function openExam(page, inviteUrl) {
  const joinResponse = page.waitForResponse(
    (response) => response.url().endsWith('/api/student/join') && response.request().method() === 'POST',
  );
  await page.goto(inviteUrl);
  const answer = await (await joinResponse).json();
  await page.locator('#panel-1 .cm-content').waitFor();
  return answer;
}

// Waits until Python has loaded in the worker, and fails with the page's
// message when it could not be loaded.
export async function waitForPython(page) {
  const handle = await page.waitForFunction(
    () => {
      const states = [...document.querySelectorAll('.run-state')].map((state) => state.textContent);
      const failed = states.find((text) => text.startsWith('Python could not be loaded'));
      if (failed) {
        return failed;
      }
      const loading = states.some((text) => text.startsWith('Loading Python'));
      const run = document.querySelector('.panel:not([hidden]) [data-action="run"]');
      return !loading && run && !run.disabled ? 'ready' : false;
    },
    null,
    { timeout: 120000 },
  );
  const state = await handle.jsonValue();
  if (state !== 'ready') {
    throw new Error(`${state} (is the worker script served with a CSP that allows script-src 'self' 'wasm-unsafe-eval'?)`);
  }
}

// Returns the text of question `number`'s editor (1-based), read from the
// rendered lines, which CodeMirror renders in full for short documents.
export function editorText(page, number) {
  return page.evaluate(
    (n) => [...document.querySelectorAll(`#panel-${n} .cm-line`)].map((line) => line.textContent).join('\n'),
    number,
  );
}

// Types `lines` at the cursor with the keyboard. The editor indents a new
// line by itself, so after each Enter the automatic indentation is selected
// (Shift+Home) and replaced by the line as written. An empty line keeps the
// selected indentation until the next Enter replaces it.
export async function typeLines(page, lines) {
  for (const [index, line] of lines.entries()) {
    if (index > 0) {
      await page.keyboard.press('Enter');
      await page.keyboard.press('Shift+Home');
    }
    if (line) {
      await page.keyboard.type(line, { delay: 5 });
    }
  }
}

export async function selectQuestion(page, number) {
  await page.click(`#tab-${number}`);
  await page.locator(`#panel-${number} .cm-content`).click();
  await page.keyboard.press('Control+End');
}

// Runs `examctl ARGS...` with the test's EXAM_SERVER and EXAM_TOKEN and
// returns its standard output. A non-zero exit rejects with its stderr.
// `settings.env`, when set, overrides variables (the chaos tests point
// EXAM_SERVER at their own examd).
export async function examctl(settings, args) {
  const { stdout } = await execFileAsync(settings.examctl, args, {
    env: { ...process.env, ...settings.env },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60000,
  });
  return stdout;
}

// Runs `examctl ARGS...` and returns its parsed JSON output.
export async function examctlJson(settings, args) {
  return JSON.parse(await examctl(settings, args));
}

// Returns the events of one exam session from the output of `examctl events
// pull`, in seq order. The output may be an array or {events: [...]}, and
// each item either the event itself or {session_id, seq, payload|event}.
export function eventsOfSession(pulled, sessionId) {
  const items = Array.isArray(pulled) ? pulled : (pulled.events ?? pulled.items ?? []);
  const events = [];
  for (const item of items) {
    const session = item.session_id ?? item.session ?? item.exam_session_id;
    if (session !== undefined && String(session) !== String(sessionId)) {
      continue;
    }
    const body = item.payload ?? item.event ?? item;
    events.push({ ...body, seq: item.seq ?? body.seq, type: item.type ?? body.type });
  }
  return events.sort((a, b) => a.seq - b.seq);
}
