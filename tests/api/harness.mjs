// Shared pieces of the API tests: settings from the environment, a scratch
// database per test file, an examd on a loopback port, examctl and psql calls,
// and a fetch wrapper that only talks to that examd.

import { execFile, spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const REPO_ROOT = path.resolve(new URL('../..', import.meta.url).pathname);

const REQUIRED_ENV = [
  'EXAM_API_EXAMD',
  'EXAM_API_EXAMCTL',
  'EXAM_DATABASE_URL',
  'EXAM_ADMIN_DATABASE_URL',
  'EXAM_PG_SUPERUSER_URL',
];

const LOOPBACK_HOSTS = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

// Returns the settings, or {missing: [...]} when some are not set. Every
// database URL must point at a loopback address.
export function readSettings() {
  const missing = REQUIRED_ENV.filter((name) => !process.env[name]);
  if (missing.length > 0) {
    return { missing };
  }
  for (const name of ['EXAM_DATABASE_URL', 'EXAM_ADMIN_DATABASE_URL', 'EXAM_PG_SUPERUSER_URL']) {
    const host = new URL(process.env[name]).hostname;
    if (!LOOPBACK_HOSTS.test(host)) {
      throw new Error(`${name} points at ${host}, which is not a loopback address; use a local PostgreSQL (scripts/local-pg)`);
    }
  }
  return {
    examd: process.env.EXAM_API_EXAMD,
    examctl: process.env.EXAM_API_EXAMCTL,
    appUrl: process.env.EXAM_DATABASE_URL,
    ownerUrl: process.env.EXAM_ADMIN_DATABASE_URL,
    superuserUrl: process.env.EXAM_PG_SUPERUSER_URL,
  };
}

// Returns `url` with its database name replaced by `database`.
function withDatabase(url, database) {
  const changed = new URL(url);
  changed.pathname = `/${database}`;
  return changed.toString();
}

export function randomSuffix() {
  return crypto.randomBytes(4).toString('hex');
}

export function sha256Hex(text) {
  return crypto.createHash('sha256').update(text).digest('hex');
}

// Runs one SQL statement with psql on `url` and returns its unaligned output.
export async function psql(url, sql) {
  const { stdout } = await execFileAsync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-X', '-q', '-A', '-t', '-c', sql], {
    timeout: 30000,
  });
  return stdout.trim();
}

// Creates an empty database owned by exam_owner that exam_app may connect to,
// applies the migrations with examctl, and returns its URLs and a drop().
export async function createScratchDatabase(settings, prefix) {
  const name = `${prefix}_${randomSuffix()}`;
  await psql(settings.superuserUrl, `CREATE DATABASE ${name} OWNER exam_owner`);
  await psql(settings.superuserUrl, `REVOKE ALL ON DATABASE ${name} FROM PUBLIC`);
  await psql(settings.superuserUrl, `GRANT CONNECT ON DATABASE ${name} TO exam_app`);
  const database = {
    name,
    appUrl: withDatabase(settings.appUrl, name),
    ownerUrl: withDatabase(settings.ownerUrl, name),
    superuserUrl: withDatabase(settings.superuserUrl, name),
    async drop() {
      await psql(settings.superuserUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
  await runExamctl(settings, ['admin', 'migrate'], { EXAM_ADMIN_DATABASE_URL: database.ownerUrl });
  return database;
}

// Runs examctl with extra environment and returns its standard output. A
// non-zero exit rejects with its standard error.
export async function runExamctl(settings, args, env = {}, input = undefined) {
  return new Promise((resolve, reject) => {
    const child = execFile(
      settings.examctl,
      args,
      { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: 60000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`examctl ${args.join(' ')} failed: ${stderr || error.message}`));
        } else {
          resolve(stdout);
        }
      },
    );
    if (input !== undefined) {
      child.stdin.end(input);
    }
  });
}

// Starts examd on 127.0.0.1 with a free port against `database`. Its
// standard error goes to a file that the caller may read after stop().
export async function startExamd(settings, database) {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'exam-api-'));
  const webRoot = path.join(workDir, 'web');
  fs.mkdirSync(webRoot);
  fs.writeFileSync(path.join(webRoot, 'exam.html'), '<!doctype html><title>exam</title>\n');
  const portFile = path.join(workDir, 'examd.port');
  const logPath = path.join(workDir, 'examd.log');
  const log = fs.openSync(logPath, 'w');
  const child = spawn(
    settings.examd,
    [
      '--listen', '127.0.0.1:0',
      '--port-file', portFile,
      '--web-root', webRoot,
      '--database-url', database.appUrl,
      '--signing-key', path.join(workDir, 'signing.key'),
    ],
    { stdio: ['ignore', 'ignore', log] },
  );
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });

  // 200 tries of 50 ms: examd normally writes its port within a second.
  for (let attempt = 0; attempt < 200 && !exited; attempt++) {
    if (fs.existsSync(portFile) && fs.readFileSync(portFile, 'utf8').trim()) {
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const port = fs.existsSync(portFile) ? fs.readFileSync(portFile, 'utf8').trim() : '';
  if (exited || !port) {
    child.kill();
    throw new Error(`examd did not start: ${fs.readFileSync(logPath, 'utf8').slice(-2000)}`);
  }
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    logPath,
    workDir,
    // Arguments that another examd run (such as --print-routes) needs.
    startArguments: ['--database-url', database.appUrl, '--web-root', webRoot, '--signing-key', path.join(workDir, 'signing.key')],
    async stop() {
      if (!exited) {
        const done = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await done;
      }
      fs.closeSync(log);
    },
    // EXAM_API_KEEP=1 keeps the folder (the examd log) for a look.
    removeFiles() {
      if (process.env.EXAM_API_KEEP === '1') {
        process.stderr.write(`kept ${workDir}\n`);
        return;
      }
      fs.rmSync(workDir, { recursive: true, force: true });
    },
  };
}

// Sends one request to examd. `token` becomes a bearer token, a non-string
// `body` is sent as JSON. Returns {status, headers, text, json}.
export async function request(baseUrl, method, urlPath, { token, body, headers = {} } = {}) {
  const url = new URL(urlPath, baseUrl);
  if (!LOOPBACK_HOSTS.test(url.hostname)) {
    throw new Error(`request to ${url.hostname} rejected: the tests only send requests to a local examd`);
  }
  const sent = { ...headers };
  if (token) {
    sent.Authorization = `Bearer ${token}`;
  }
  let payload;
  if (body !== undefined) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    if (!Object.keys(sent).some((name) => name.toLowerCase() === 'content-type')) {
      sent['Content-Type'] = 'application/json';
    }
  }
  const response = await fetch(url, { method, headers: sent, body: payload, redirect: 'manual' });
  const text = await response.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // Not every route answers JSON (the exam page, security.txt).
  }
  return { status: response.status, headers: response.headers, text, json };
}

// Signs `member` of `org` in through POST /api/auth/login and returns the
// login session: the Cookie header value that sends it back, its CSRF token
// and its id.
export async function signIn(baseUrl, org, member) {
  const login = await request(baseUrl, 'POST', '/api/auth/login', {
    body: { email: member.email, password: member.password, org: org.slug },
  });
  if (login.status !== 200) {
    throw new Error(`signing ${member.email} in answered ${login.status}: ${login.text}`);
  }
  const setCookie = login.headers.get('set-cookie') ?? '';
  const match = /^([^=;]+)=([^;]+)/.exec(setCookie);
  if (!match) {
    throw new Error(`signing ${member.email} in set no cookie: "${setCookie}"`);
  }
  return { cookie: `${match[1]}=${match[2]}`, csrfToken: login.json.csrf_token, sessionId: login.json.login_session.id };
}

// Reads the invite secrets from the CSV that `examctl roster import -o`
// writes: the invite link is the last column, ending in "#invite=SECRET".
export function invitesFromCsv(csv) {
  return csv
    .split(/\r?\n/)
    .slice(1)
    .filter(Boolean)
    .map((line) => line.slice(line.lastIndexOf(',') + 1))
    .map((url) => url.slice(url.indexOf('#invite=') + '#invite='.length));
}

// Staff of each test organization by name; instructor2 and ta2 are
// instructor and TA with no exam assigned.
export const STAFF_NAMES = ['admin', 'instructor', 'instructor2', 'ta', 'ta2'];

// Creates an organization with an org admin, two instructors and two TAs,
// each with a known password and an API token. `instructor` creates and
// publishes an exam with the intro-python roster and assigns `ta` to it, and
// two students of the roster join it.
export async function createOrganization(settings, database, examd, key) {
  const admin = { EXAM_ADMIN_DATABASE_URL: database.ownerUrl };
  const slug = `${key}-${randomSuffix()}`;
  await runExamctl(settings, ['admin', 'org', 'create', '--slug', slug, '--name', `Org ${key}`], admin);

  // The users are created in parallel because each password costs an
  // argon2id hash.
  const createUser = async (name) => {
    const role = name.replace(/2$/, '');
    const email = `${name}@${slug}.example.edu`;
    const password = `pw-${name}-${crypto.randomBytes(12).toString('hex')}`;
    await runExamctl(
      settings,
      ['admin', 'user', 'create', '--org', slug, '--email', email, '--role', role, '--password-stdin'],
      admin,
      `${password}\n`,
    );
    const token = (
      await runExamctl(settings, ['admin', 'token', 'create', '--org', slug, '--email', email, '--expires-in', '1'], admin)
    ).trim();
    return { name, role, email, password, token };
  };
  const members = await Promise.all(STAFF_NAMES.map(createUser));
  const staff = Object.fromEntries(members.map((member) => [member.name, member]));

  const api = { EXAM_SERVER: examd.baseUrl, EXAM_TOKEN: staff.instructor.token };
  const examSlug = `${key}-exam-${randomSuffix()}`;
  const examId = (await runExamctl(settings, ['exam', 'create', 'examples/intro-python', '--slug', examSlug], api)).trim();
  await runExamctl(settings, ['exam', 'publish', examSlug], api);
  await runExamctl(settings, ['exam', 'staff', 'add', examSlug, '--email', staff.ta.email, '--role', 'ta'], api);
  const invitesPath = path.join(examd.workDir, `${slug}-invites.csv`);
  await runExamctl(settings, ['roster', 'import', examSlug, 'examples/rosters/intro-python.csv', '-o', invitesPath], api);
  const invites = invitesFromCsv(fs.readFileSync(invitesPath, 'utf8'));

  const students = [];
  for (const invite of invites.slice(0, 2)) {
    const joined = await request(examd.baseUrl, 'POST', '/api/student/join', { body: { invite } });
    if (joined.status !== 200) {
      throw new Error(`join with an invite of ${examSlug} answered ${joined.status}: ${joined.text}`);
    }
    students.push({ invite, token: joined.json.session_token, sessionId: joined.json.session.id });
  }
  return { key, slug, staff, exam: { id: Number(examId), slug: examSlug }, invites, students };
}

// One psql process kept open for many queries, because starting psql for
// each of several hundred row counts takes most of the test's time.
export class PsqlSession {
  constructor(url) {
    this.child = spawn('psql', [url, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.buffer = '';
    this.errors = '';
    this.waiting = null;
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk) => {
      this.buffer += chunk;
      this.deliver();
    });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk) => {
      this.errors += chunk;
    });
    this.child.on('exit', (code) => {
      if (this.waiting) {
        this.waiting.reject(new Error(`psql exited with ${code}: ${this.errors}`));
        this.waiting = null;
      }
    });
  }

  deliver() {
    const marker = '__query_done__\n';
    const end = this.buffer.indexOf(marker);
    if (end < 0 || !this.waiting) {
      return;
    }
    const output = this.buffer.slice(0, end).trim();
    this.buffer = this.buffer.slice(end + marker.length);
    const { resolve } = this.waiting;
    this.waiting = null;
    resolve(output);
  }

  // Runs one SQL statement and returns its unaligned output. Queries run
  // one at a time.
  query(sql) {
    assert(!this.waiting, 'PsqlSession.query called while another query runs');
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.child.stdin.write(`${sql.replace(/;?\s*$/, ';')}\n\\echo __query_done__\n`);
    });
  }

  async close() {
    const done = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end('\\q\n');
    await done;
  }
}
