// Checks that secrets never leak. The secrets are staff passwords, API
// tokens, operator credentials, invites, exam session tokens, login session
// cookies and CSRF tokens. None may appear in examd's log, in a dump of the
// database (which may hold their SHA-256) or in any error message sent to a
// client.
//
// Run with `node --test --test-concurrency=1 tests/api/` after
// scripts/test has exported EXAM_API_EXAMD, EXAM_API_EXAMCTL and the
// database URLs of scripts/local-pg.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

import { createOrganization, createScratchDatabase, randomSuffix, readSettings, request, runExamctl, sha256Hex, startExamd } from './harness.mjs';

const execFileAsync = promisify(execFile);

const settings = readSettings();
const skip = settings.missing ? `set ${settings.missing.join(', ')} (scripts/test does)` : false;

let database;
let examd;
let org;
let log = '';
let dump = '';
// Each secret with a label, and every response to a request that failed.
const secrets = [];
const errorResponses = [];

function addSecret(label, value) {
  assert.equal(typeof value, 'string', `${label} is missing`);
  assert.ok(value.length >= 16, `${label} has only ${value.length} characters`);
  secrets.push({ label, value });
}

// Sends a request and keeps the response when its status is 400 or above.
async function call(method, path, options) {
  const response = await request(examd.baseUrl, method, path, options);
  if (response.status >= 400) {
    errorResponses.push({ label: `${method} ${path} -> ${response.status}`, response });
  }
  return response;
}

// Returns the value of the login session cookie from a login response.
function cookieFrom(response) {
  const header = response.headers.get('set-cookie') ?? '';
  const match = /^([^=;]+)=([^;]*)/.exec(header);
  assert.ok(match, `login sent no cookie: ${header}`);
  return { name: match[1], value: match[2] };
}

// Runs the whole flow with known secrets, then stops examd and dumps the
// database, so that the tests below only read the log and the dump.
async function runFlow() {
  org = await createOrganization(settings, database, examd, 'sec');
  for (const member of Object.values(org.staff)) {
    addSecret(`${member.name}'s password`, member.password);
    addSecret(`${member.name}'s API token`, member.token);
  }
  org.invites.forEach((invite, index) => addSecret(`invite ${index + 1}`, invite));
  org.students.forEach((student, index) => addSecret(`exam session token ${index + 1}`, student.token));

  // Staff sign-in with a cookie, a cookie-authenticated write, sign-out.
  const instructor = org.staff.instructor;
  const login = await call('POST', '/api/auth/login', {
    body: { email: instructor.email, password: instructor.password, org: org.slug },
  });
  assert.equal(login.status, 200, login.text);
  const cookie = cookieFrom(login);
  addSecret('login session cookie', cookie.value);
  addSecret('CSRF token', login.json.csrf_token);
  const cookieHeaders = { Cookie: `${cookie.name}=${cookie.value}`, 'X-CSRF-Token': login.json.csrf_token };
  const me = await call('GET', '/api/auth/me', { headers: cookieHeaders });
  assert.equal(me.status, 200, me.text);
  const token = await call('POST', '/api/tokens', { headers: cookieHeaders, body: { name: 'from cookie', expires_in_days: 1 } });
  assert.equal(token.status, 201, token.text);
  addSecret('API token created with the cookie', token.json.token);

  // An exam, a roster, a student who joins, works and submits.
  const examSlug = `sec-flow-${randomSuffix()}`;
  const exam = await call('POST', '/api/exams', {
    token: instructor.token,
    body: {
      title: 'Secrets flow',
      slug: examSlug,
      language: 'python',
      duration_minutes: 30,
      questions: [{ key: 'q1', title: 'Echo', prompt_md: '# Echo\n\nPrint it.\n', starter: 'x = 1\n', tests: 'assert True\n' }],
    },
  });
  assert.equal(exam.status, 201, exam.text);
  assert.equal((await call('POST', `/api/exams/${examSlug}/publish`, { token: instructor.token, body: {} })).status, 200);
  const roster = await call('POST', `/api/exams/${examSlug}/roster`, {
    token: instructor.token,
    body: { entries: [{ student_id: 'z1', name: 'Zed Student', email: 'zed@example.edu' }] },
  });
  assert.equal(roster.status, 200, roster.text);
  const invite = roster.json.entries[0].invite;
  addSecret('invite from the roster API', invite);
  const joined = await call('POST', '/api/student/join', { body: { invite } });
  assert.equal(joined.status, 200, joined.text);
  const sessionToken = joined.json.session_token;
  addSecret('exam session token from join', sessionToken);
  const now = Date.now();
  const events = await call('POST', '/api/student/events', {
    token: sessionToken,
    body: {
      events: [
        { seq: 1, type: 'edit', t: now, question: 'q1', changes: [[0, 0, 'print(2)\n']] },
        { seq: 2, type: 'focus', t: now + 1, state: 'blur' },
        { seq: 3, type: 'submit', t: now + 2 },
      ],
    },
  });
  assert.equal(events.status, 200, events.text);
  const pulled = await call('GET', `/api/exams/${examSlug}/events`, { token: instructor.token });
  assert.equal(pulled.status, 200, pulled.text);
  assert.equal((await call('GET', `/api/exams/${examSlug}/sessions`, { token: instructor.token })).status, 200);

  // Failed sign-ins with the known password plus a suffix, and with an
  // unknown email.
  for (const suffix of ['x', '-wrong', ' ']) {
    const failed = await call('POST', '/api/auth/login', {
      body: { email: instructor.email, password: `${instructor.password}${suffix}`, org: org.slug },
    });
    assert.equal(failed.status, 401, failed.text);
  }
  const unknown = await call('POST', '/api/auth/login', {
    body: { email: `nobody@${org.slug}.example.edu`, password: instructor.password },
  });
  assert.equal(unknown.status, 401, unknown.text);

  // Wrong and misplaced credentials.
  const wrongTokens = [
    ['GET', '/api/exams', { token: `${instructor.token}x` }],
    ['GET', '/api/exams', { token: sessionToken }],
    ['GET', '/api/student/state', { token: instructor.token }],
    ['GET', '/api/student/state', { token: `${sessionToken}x` }],
    ['POST', '/api/student/join', { body: { invite: `${invite}x` } }],
    ['GET', '/api/auth/me', { headers: { Cookie: `${cookie.name}=${cookie.value}x` } }],
    ['POST', '/api/tokens', { headers: { Cookie: cookieHeaders.Cookie, 'X-CSRF-Token': `${login.json.csrf_token}x` }, body: { name: 'n' } }],
  ];
  for (const [method, path, options] of wrongTokens) {
    const response = await call(method, path, options);
    assert.ok(response.status >= 400, `${method} ${path} with a wrong credential answered ${response.status}`);
  }

  const logout = await call('POST', '/api/auth/logout', { headers: cookieHeaders, body: {} });
  assert.equal(logout.status, 200, logout.text);

  // The operator: a credential from examctl, a list, a plan change, and the
  // credential sent where it is not accepted.
  const operator = (
    await runExamctl(settings, ['admin', 'operator', 'create', '--name', 'secrets', '--expires-in', '1'], {
      EXAM_ADMIN_DATABASE_URL: database.ownerUrl,
    })
  ).trim();
  addSecret('operator credential', operator);
  assert.equal((await call('GET', '/api/operator/organizations', { token: operator })).status, 200);
  const plan = await call('POST', `/api/operator/organizations/${org.slug}/plan`, { token: operator, body: { seat_limit: 400 } });
  assert.equal(plan.status, 200, plan.text);
  for (const [method, path, options] of [
    ['GET', '/api/exams', { token: operator }],
    ['GET', '/api/operator/organizations', { token: `${operator}x` }],
    ['GET', '/api/operator/organizations', { token: instructor.token }],
    ['POST', '/api/operator/organizations/no-such-org/plan', { token: operator, body: { seat_limit: 1 } }],
  ]) {
    const response = await call(method, path, options);
    assert.ok(response.status >= 400, `${method} ${path} with a misplaced credential answered ${response.status}`);
  }
}

before(async () => {
  if (skip) {
    return;
  }
  database = await createScratchDatabase(settings, 'api_secrets');
  examd = await startExamd(settings, database);
  try {
    await runFlow();
  } finally {
    await examd.stop();
    log = fs.readFileSync(examd.logPath, 'utf8');
    ({ stdout: dump } = await execFileAsync('pg_dump', ['--format=plain', '--no-owner', database.superuserUrl], {
      maxBuffer: 256 * 1024 * 1024,
      timeout: 60000,
    }));
  }
});

after(async () => {
  if (examd) {
    examd.removeFiles();
  }
  if (database) {
    await database.drop();
  }
});

test('examd log holds no secret', { skip }, () => {
  assert.ok(log.includes('"request"'), 'the examd log has no request lines; was it captured?');
  const leaked = secrets.filter(({ value }) => log.includes(value)).map(({ label }) => label);
  assert.deepEqual(leaked, [], 'secrets found in the examd log');
});

test('database dump holds no secret', { skip }, () => {
  assert.ok(dump.includes('COPY public.api_tokens'), 'the dump has no api_tokens table; was the right database dumped?');
  const leaked = secrets.filter(({ value }) => dump.includes(value)).map(({ label }) => label);
  assert.deepEqual(leaked, [], 'secrets found in the pg_dump of the database');
});

test('database stores token hashes', { skip }, () => {
  // A token's hash is what the database must hold in its place.
  const hashed = secrets.filter(({ label }) => /(API token|operator credential)$/.test(label));
  const found = hashed.filter(({ value }) => dump.includes(sha256Hex(value)));
  assert.equal(found.length, hashed.length, `found the SHA-256 of ${found.length} of ${hashed.length} tokens in the dump`);
});

test('error messages echo no secret', { skip }, () => {
  assert.ok(errorResponses.length >= 10, `only ${errorResponses.length} failed requests were recorded`);
  const leaks = [];
  for (const { label, response } of errorResponses) {
    for (const secret of secrets) {
      if (response.text.includes(secret.value)) {
        leaks.push(`${label} echoes ${secret.label}`);
      }
    }
  }
  assert.deepEqual(leaks, [], 'error responses that contain a secret');
});
