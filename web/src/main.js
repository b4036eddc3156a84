// The student exam page: joins the exam session named by the invite in the
// URL fragment, restores each question's text, records every edit, paste,
// run, focus and question change as numbered events, runs Python in a worker
// and submits.

import { ApiError, NetworkError, getState, join } from './api.js';
import { ServerClock, formatRemaining } from './clock.js';
import { isPaste, userEventOf } from './editor.js';
import { sha256Hex } from './hash.js';
import { QuestionPanel } from './question-panel.js';
import { Recorder } from './recorder.js';
import { PythonRunner } from './runner.js';
import { openStore } from './store.js';

// A snapshot of a question is recorded after this many of its edits.
const SNAPSHOT_EVERY_EDITS = 25;
// How long the page waits for queued events of an earlier visit to upload
// before it joins anyway.
const STARTUP_FLUSH_MS = 5000;
// How long Submit waits for the server to acknowledge the submit event before
// it shows the submitted screen with a "not yet uploaded" note.
const SUBMIT_FLUSH_MS = 15000;
// How often the page requests the exam session's state (deadline changes, a
// submit from another device), and how soon it retries while offline.
const STATE_REFRESH_MS = 60000;
const REJOIN_RETRY_MS = 5000;
// The timer turns to a warning colour when less than this is left.
const WARNING_MS = 5 * 60 * 1000;
// examd accepts events until the deadline plus this grace period, and after
// that only events stamped (client time `t`) before it (docs/api.md,
// "Deadline and grace").
const GRACE_MS = 2 * 60 * 1000;

const $ = (id) => document.getElementById(id);

const ui = {
  title: $('exam-title'),
  topbarRight: $('topbar-right'),
  studentName: $('student-name'),
  saveStatus: $('save-status'),
  timer: $('timer'),
  submitButton: $('submit-button'),
  notice: $('notice'),
  noticeTitle: $('notice-title'),
  noticeText: $('notice-text'),
  noticeRetry: $('notice-retry'),
  exam: $('exam'),
  tabList: $('tab-list'),
  panels: $('panels'),
  submitted: $('submitted'),
  submittedTitle: $('submitted-title'),
  submittedText: $('submitted-text'),
  confirmDialog: $('confirm-submit'),
  saveWarning: $('save-warning'),
  panelTemplate: $('panel-template'),
};

const SAVE_STATUS_TEXT = {
  saved: 'All changes saved',
  saving: 'Saving…',
  offline: 'Offline: your work is kept in this browser',
  error: 'Not saved',
  closed: 'Exam submitted',
  ended: 'Exam closed',
};

// Returns "45 s" or "3 min" for a duration in milliseconds.
function formatDuration(ms) {
  const seconds = Math.max(1, Math.round(ms / 1000));
  return seconds < 120 ? `${seconds} s` : `${Math.floor(seconds / 60)} min`;
}

class ExamPage {
  constructor() {
    this.nonce = document.querySelector('meta[name="csp-nonce"]')?.content ?? '';
    this.clock = new ServerClock();
    this.store = null;
    this.invite = null;
    this.inviteHash = null;
    this.record = null;
    this.recorder = null;
    this.panels = [];
    this.current = null;
    this.runningPanel = null;
    this.lastCopiedText = null;
    this.submitted = false;
    this.submitting = false;
    this.deadline = null;
    // endSession sets `ending` at once and `ended` ({closesAt, lateEdits,
    // pending}) when the late events are out of the queue.
    this.ending = false;
    this.ended = null;
    this.runner = new PythonRunner({ onState: (state, detail) => this.onRunnerState(state, detail) });
  }

  async boot() {
    this.invite = new URLSearchParams(location.hash.slice(1)).get('invite');
    if (!this.invite) {
      this.showNotice(
        'No invite in this link',
        'Open the exam with the complete link you received. It ends with #invite= followed by a code.',
      );
      return;
    }
    // crypto.subtle, SharedArrayBuffer and IndexedDB durability need a secure
    // context: HTTPS, or http://127.0.0.1 and http://localhost.
    if (!window.isSecureContext || !crypto.subtle) {
      this.showNotice(
        'This exam page needs a secure connection',
        'Open the exam link with https://. Ask your instructor for the correct link.',
      );
      return;
    }
    this.store = await openStore((error) => this.showStorageWarning(error));
    this.inviteHash = await sha256Hex(`invite:${this.invite}`);
    if (!(await this.lockExamSession())) {
      this.showNotice(
        'The exam is open in another tab',
        'This exam is already open in another tab or window of this browser. Close this tab and continue in the other one.',
        () => location.reload(),
      );
      return;
    }
    this.record = await this.store.getSession(this.inviteHash);

    if (this.record?.token) {
      await this.flushEarlierVisit();
    }
    await this.joinAndStart();
  }

  // Takes a Web Lock named after the invite for the life of the page and
  // returns false when another tab holds it. Two tabs on one exam session
  // would number their events from the same seq and conflict.
  lockExamSession() {
    if (!navigator.locks) {
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      navigator.locks
        .request(`exam-session-${this.inviteHash}`, { ifAvailable: true }, (lock) => {
          resolve(lock !== null);
          // Holding the returned promise unresolved keeps the lock until the
          // page is closed or reloaded.
          return lock === null ? undefined : new Promise(() => {});
        })
        .catch(() => resolve(true));
    });
  }

  // Sends what an earlier visit of this page left in the queue, so the join
  // response (and its texts) already includes it.
  async flushEarlierVisit() {
    const { nextSeq } = await this.store.getProgress(this.record.sessionId);
    const earlier = new Recorder({
      store: this.store,
      sessionId: this.record.sessionId,
      token: this.record.token,
      nextSeq,
      onStatus: (state, detail, unsavedMs) => this.showSaveStatus(state, detail, unsavedMs),
    });
    const queued = await this.store.countQueued(this.record.sessionId);
    if (queued > 0) {
      await earlier.flush(STARTUP_FLUSH_MS);
    }
  }

  async joinAndStart() {
    this.hideNotice();
    let answer;
    try {
      answer = await this.join();
    } catch (error) {
      if (error instanceof NetworkError && this.record?.exam) {
        await this.startOffline();
        return;
      }
      this.showJoinError(error);
      return;
    }
    await this.startOnline(answer);
  }

  async join() {
    const sentAt = Date.now();
    const answer = await join(this.invite);
    this.clock.sync(answer.session.server_time, sentAt, Date.now());
    return answer;
  }

  showJoinError(error) {
    if (error instanceof ApiError && error.status === 404) {
      this.showNotice(
        'Invite not found',
        'This exam link is not valid. Check that you opened the complete link, or ask your instructor for a new one.',
      );
    } else if (error instanceof ApiError && error.status === 409) {
      this.showNotice('You cannot start the exam now', error.message, () => this.joinAndStart());
    } else if (error instanceof NetworkError) {
      this.showNotice(
        'Cannot reach the exam server',
        'Check your network connection. The page tries again every few seconds.',
        () => this.joinAndStart(),
      );
      setTimeout(() => {
        if (!this.recorder) {
          this.joinAndStart();
        }
      }, REJOIN_RETRY_MS);
    } else {
      console.error('joining the exam failed:', error);
      this.showNotice('The exam could not be loaded', error.message, () => this.joinAndStart());
    }
  }

  async startOnline(answer) {
    const { session, exam } = answer;
    const progress = await this.store.getProgress(session.id);
    const sameSession = this.record?.sessionId === session.id;
    const localLastSeq = sameSession ? progress.nextSeq - 1 : 0;

    // The local record wins when it contains every event the server has, and
    // perhaps more that are still queued. Otherwise the student worked
    // elsewhere since, and the server's replayed texts are newer.
    let texts;
    let nextSeq;
    if (sameSession && localLastSeq >= session.acked_seq) {
      texts = {};
      for (const question of exam.questions) {
        texts[question.key] = progress.texts[question.key]?.text ?? answer.texts?.[question.key] ?? question.starter ?? '';
      }
      nextSeq = progress.nextSeq;
    } else {
      texts = {};
      for (const question of exam.questions) {
        texts[question.key] = answer.texts?.[question.key] ?? question.starter ?? '';
      }
      nextSeq = session.next_seq ?? session.acked_seq + 1;
      await this.store.resetProgress(session.id, nextSeq, texts, session.acked_seq);
    }

    this.record = {
      inviteHash: this.inviteHash,
      sessionId: session.id,
      token: answer.session_token ?? this.record?.token,
      exam,
      studentName: session.name ?? session.student_id ?? '',
      deadline: session.deadline,
      offsetMs: this.clock.offsetMs,
      submittedAt: session.submitted_at,
    };
    await this.store.putSession(this.record);
    this.render(texts, nextSeq);

    if (session.ended_by === 'timeout') {
      await this.endSession(Date.parse(session.deadline) + GRACE_MS);
    } else if (session.submitted_at) {
      this.showSubmitted('This exam was already submitted.');
    }
    this.refreshStateLater(STATE_REFRESH_MS);
  }

  // Starts from the local record when the server cannot be reached. Events
  // go to the queue and upload when the connection is back.
  async startOffline() {
    const progress = await this.store.getProgress(this.record.sessionId);
    this.clock.offsetMs = this.record.offsetMs ?? 0;
    const texts = {};
    for (const question of this.record.exam.questions) {
      texts[question.key] = progress.texts[question.key]?.text ?? question.starter ?? '';
    }
    this.render(texts, progress.nextSeq);
    this.showSaveStatus('offline');
    if (this.record.submittedAt) {
      this.showSubmitted('This exam was already submitted.');
    }
    this.refreshStateLater(REJOIN_RETRY_MS);
  }

  // Asks the server for the exam session's state after `delayMs`: picks up a
  // changed deadline, a submit from elsewhere, and a corrected clock offset.
  refreshStateLater(delayMs) {
    setTimeout(async () => {
      let next = STATE_REFRESH_MS;
      try {
        const sentAt = Date.now();
        const state = await getState(this.record.token);
        this.clock.sync(state.session.server_time, sentAt, Date.now());
        this.deadline = Date.parse(state.session.deadline);
        this.record = { ...this.record, deadline: state.session.deadline, offsetMs: this.clock.offsetMs };
        await this.store.putSession(this.record);
        if (state.session.ended_by === 'timeout' && !this.submitted) {
          await this.endSession(Date.parse(state.session.deadline) + GRACE_MS);
        } else if (state.session.submitted_at && !this.submitted) {
          this.showSubmitted('This exam was submitted from another device.');
        }
      } catch (error) {
        if (!(error instanceof NetworkError)) {
          console.warn('refreshing the exam session state failed:', error);
        }
        next = REJOIN_RETRY_MS;
      }
      if (!this.submitted) {
        this.refreshStateLater(next);
      }
    }, delayMs);
  }

  render(texts, nextSeq) {
    const exam = this.record.exam;
    document.title = `${exam.title} – Exam`;
    ui.title.textContent = exam.title;
    ui.studentName.textContent = this.record.studentName;
    this.deadline = Date.parse(this.record.deadline);

    this.recorder = new Recorder({
      store: this.store,
      sessionId: this.record.sessionId,
      token: this.record.token,
      nextSeq,
      onStatus: (state, detail, unsavedMs) => this.showSaveStatus(state, detail, unsavedMs),
      onServerSubmitted: (endedBy) => {
        if (endedBy === 'timeout') {
          this.onServerTimedOut();
        } else if (!this.submitted) {
          this.showSubmitted('This exam was already submitted.');
        }
      },
      onConflict: () => this.onConflict(),
      onRejected: () => this.onEventsRejected(),
      onInvalid: (seq, error) =>
        this.showSaveWarning(
          'invalid',
          `The exam server rejected one of your recorded changes (event ${seq}: ${error.message}). ` +
            'Your work is kept in this browser and your later changes are still sent. Tell the exam supervisor, and keep this tab open.',
        ),
    });

    const handlers = {
      onChange: (panel, transaction) => this.onEdit(panel, transaction),
      onRun: (panel, mode) => this.runProgram(panel, mode),
      onStop: () => this.runner.stop(),
      onInput: (panel, line) => {
        panel.appendOutput(`${line}\n`, 'stdin');
        this.runner.provideInput(line);
      },
      onSelect: (panel) => this.selectQuestion(panel, true),
    };
    this.panels = exam.questions.map(
      (question, index) =>
        new QuestionPanel({
          question,
          index,
          text: texts[question.key],
          nonce: this.nonce,
          template: ui.panelTemplate,
          tabList: ui.tabList,
          panels: ui.panels,
          handlers,
        }),
    );
    ui.tabList.addEventListener('keydown', (event) => this.onTabKey(event));
    ui.exam.hidden = false;
    ui.topbarRight.hidden = false;
    ui.submitButton.disabled = false;
    ui.submitButton.addEventListener('click', () => this.submit(true));

    this.selectQuestion(this.panels[0], false);
    this.listenToPage();
    this.recorder.start();
    this.runner.start().catch(() => {});
    this.tickTimer();
    this.timerInterval = setInterval(() => this.tickTimer(), 1000);
  }

  listenToPage() {
    window.addEventListener('focus', () => this.recorder.emit('focus', { state: 'focus' }));
    window.addEventListener('blur', () => this.recorder.emit('focus', { state: 'blur' }));
    // The sender may be waiting out a backoff of up to 30 s.
    window.addEventListener('online', () => this.recorder.sendNow());
    document.addEventListener('visibilitychange', () =>
      this.recorder.emit('visibility', { state: document.visibilityState === 'hidden' ? 'hidden' : 'visible' }),
    );

    // CodeMirror puts the copied text on the clipboard in its own handler on
    // the editor; this listener runs after it (bubbling) and remembers it.
    const rememberCopy = (event) => {
      if (!event.target?.closest?.('.cm-editor')) {
        return;
      }
      const text = event.clipboardData?.getData('text/plain');
      if (text) {
        this.lastCopiedText = text;
      }
    };
    document.addEventListener('copy', rememberCopy);
    document.addEventListener('cut', rememberCopy);

    document.addEventListener('keydown', (event) => {
      const modifier = event.ctrlKey || event.metaKey;
      if (event.key === 'Enter' && modifier && !event.defaultPrevented) {
        event.preventDefault();
        if (this.current) {
          this.runProgram(this.current, event.shiftKey ? 'check' : 'run');
        }
      } else if (event.key.toLowerCase() === 's' && modifier) {
        // Work is saved continuously; the browser's "Save page" dialog would
        // only distract.
        event.preventDefault();
        ui.saveStatus.classList.remove('flash');
        void ui.saveStatus.offsetWidth;
        ui.saveStatus.classList.add('flash');
      }
    });

    // Events that have not reached the server are safe in IndexedDB, but the
    // server has not seen them yet. Leaving then requires a confirmation.
    window.addEventListener('beforeunload', (event) => {
      const state = ui.saveStatus.dataset.state;
      const unsentInMemory = !this.store.persistent && state !== 'saved' && state !== 'closed';
      if (state === 'offline' || state === 'error' || unsentInMemory) {
        event.preventDefault();
        event.returnValue = '';
      }
    });
  }

  // Another browser or device records events of the same exam session, and
  // the server kept its events. This page's texts no longer match the
  // server's, so it stops recording and drops its local record: the next
  // visit restores the server's texts.
  async onConflict() {
    this.recorder.closed = true;
    this.recorder.stop();
    for (const panel of this.panels) {
      panel.editor.freeze();
      panel.setRunState('closed');
    }
    ui.submitButton.disabled = true;
    this.showNotice(
      'Your exam is open somewhere else',
      'Some of your latest changes clash with changes made in another browser or on another device, and the server kept the other ones. Close the exam everywhere else, then reload this page.',
      () => location.reload(),
    );
    await this.store.resetProgress(this.record.sessionId, 1, {}, 0);
  }

  // The server rejected a whole batch with 409. It does so when the exam
  // session was submitted elsewhere and these events come after the submit,
  // and when the deadline plus the grace period has passed and the batch
  // contains an event stamped after that. In both cases, once the state
  // confirms it, the rejected events can never be stored, so the page stops
  // sending them. A session that ended by timeout still stores the events
  // stamped before the closing time, so the page keeps sending those.
  async onEventsRejected() {
    const state = await this.readState();
    if (!state) {
      return;
    }
    if (!state.session.submitted_at || state.session.ended_by === 'timeout') {
      const closesAt = Date.parse(state.session.deadline) + GRACE_MS;
      if (Date.parse(state.session.server_time) > closesAt) {
        await this.endSession(closesAt);
      }
      return;
    }
    this.recorder.stop();
    await this.store.deleteEvents(this.record.sessionId, Number.MAX_SAFE_INTEGER);
    if (!this.submitted) {
      this.showSubmitted('This exam was submitted from another device. Changes made here after that were not saved.');
    }
    this.showSaveStatus('closed');
  }

  // examd ended the exam session by timeout: the deadline plus the grace
  // period passed before this page's latest events arrived, and examd
  // stored the submission from the events it had. It still stores events
  // stamped before that closing time, so the page ends the exam as it does
  // after a 409 for late events. A page that recorded its own submit only
  // waits for it to arrive, because examd accepts a submit made in time.
  async onServerTimedOut() {
    if (this.submitted || this.ending) {
      return;
    }
    const state = await this.readState();
    if (state) {
      await this.endSession(Date.parse(state.session.deadline) + GRACE_MS);
    }
  }

  // Returns the exam session's state, or null (with a console warning) when
  // it cannot be read now.
  async readState() {
    try {
      return await getState(this.record.token);
    } catch (error) {
      console.warn('reading the exam session state failed:', error);
      return null;
    }
  }

  onEdit(panel, transaction) {
    if (this.submitted) {
      return;
    }
    const changes = [];
    transaction.changes.iterChanges((fromA, toA, _fromB, _toB, inserted) => {
      changes.push([fromA, toA, inserted.toString()]);
    });
    const origin = userEventOf(transaction);
    const text = transaction.newDoc.toString();
    this.recorder.emit('edit', { question: panel.key, changes, ...(origin ? { origin } : {}) }, text);

    if (isPaste(transaction)) {
      const inserted = changes.map((change) => change[2]).join('');
      this.recorder.emit('paste', {
        question: panel.key,
        from: changes[0][0],
        length: inserted.length,
        source: this.isCopiedHere(inserted) ? 'inside' : 'outside',
      });
    }

    panel.editsSinceSnapshot += 1;
    if (panel.editsSinceSnapshot >= SNAPSHOT_EVERY_EDITS) {
      this.snapshot(panel);
    }
  }

  // True when `inserted` is the text last copied or cut in this page's editors.
  // Line endings are compared as "\n", and a whole-line copy may have gained
  // or lost its final newline.
  isCopiedHere(inserted) {
    if (this.lastCopiedText === null) {
      return false;
    }
    const normalize = (text) => text.replace(/\r\n?/g, '\n').replace(/\n$/, '');
    return normalize(inserted) === normalize(this.lastCopiedText);
  }

  snapshot(panel) {
    const text = panel.text;
    panel.editsSinceSnapshot = 0;
    this.recorder.emit('snapshot', { question: panel.key, text, sha256: sha256Hex(text) });
  }

  selectQuestion(panel, byStudent) {
    if (panel === this.current) {
      return;
    }
    const previous = this.current;
    if (byStudent && previous && previous.editsSinceSnapshot > 0) {
      this.snapshot(previous);
    }
    for (const other of this.panels) {
      other.select(other === panel);
    }
    this.current = panel;
    if (byStudent) {
      this.recorder.emit('question', { question: panel.key });
    }
  }

  onTabKey(event) {
    const index = this.panels.indexOf(this.current);
    let target = null;
    if (event.key === 'ArrowRight') {
      target = this.panels[(index + 1) % this.panels.length];
    } else if (event.key === 'ArrowLeft') {
      target = this.panels[(index - 1 + this.panels.length) % this.panels.length];
    } else if (event.key === 'Home') {
      target = this.panels[0];
    } else if (event.key === 'End') {
      target = this.panels[this.panels.length - 1];
    }
    if (target) {
      event.preventDefault();
      this.selectQuestion(target, true);
      target.tab.focus();
    }
  }

  async runProgram(panel, mode) {
    if (this.submitted || this.runner.running) {
      return;
    }
    if (mode === 'check' && !panel.question.tests) {
      return;
    }
    const code = panel.text;
    const codeHash = sha256Hex(code);
    this.runningPanel = panel;
    for (const other of this.panels) {
      other.setRunState(other === panel ? 'running' : 'busy', other === panel ? 'Running…' : '');
    }
    panel.clearOutput();
    panel.appendOutput(mode === 'check' ? 'Running your code and the tests…\n' : '', 'note');

    const result = await this.runner.run(
      { mode, code, tests: mode === 'check' ? panel.question.tests : '' },
      {
        onOutput: (text, stream) => panel.appendOutput(text, stream),
        onInputRequest: () => {
          panel.setRunState('running', 'Waiting for input');
          panel.showInput();
        },
        onInputDone: () => panel.hideInput(),
      },
    );

    this.runningPanel = null;
    const label = {
      ok: 'Finished',
      error: 'Finished with an error',
      stopped: 'Stopped',
      tests_passed: `All ${result.passed} tests passed`,
      tests_failed: `${result.failed} of ${result.passed + result.failed} tests failed`,
    }[result.status];
    for (const other of this.panels) {
      other.setRunState(this.submitted ? 'closed' : 'idle', other === panel ? label : '');
    }
    this.recorder.emit('run', {
      question: panel.key,
      code_sha256: await codeHash,
      status: result.status,
      duration_ms: result.durationMs,
    });
  }

  onRunnerState(state, detail) {
    if (state === 'loading') {
      if (this.current) {
        this.current.runState.textContent = 'Loading Python…';
      }
    } else if (state === 'failed') {
      console.error('Python failed to load:', detail);
      for (const panel of this.panels) {
        panel.runState.textContent = `Python could not be loaded: ${detail}`;
      }
    } else if (state === 'ready' && !this.runner.running) {
      for (const panel of this.panels) {
        if (/^(Loading Python…|Python could not be loaded)/.test(panel.runState.textContent)) {
          panel.runState.textContent = '';
        }
      }
    }
  }

  tickTimer() {
    if (Number.isNaN(this.deadline) || this.deadline === null) {
      ui.timer.textContent = '--:--';
      return;
    }
    const remaining = this.deadline - this.clock.now();
    ui.timer.textContent = formatRemaining(remaining);
    ui.timer.dateTime = `PT${Math.max(0, Math.ceil(remaining / 1000))}S`;
    ui.timer.classList.toggle('timer-warning', remaining < WARNING_MS);
    if (remaining <= 0 && !this.submitted && !this.submitting) {
      // A deadline learned late (from a join or state response after time
      // away) may lie so far back that examd no longer accepts a submit.
      const closesAt = this.deadline + GRACE_MS;
      if (this.clock.now() > closesAt) {
        this.endSession(closesAt);
      } else {
        this.submit(false);
      }
    }
  }

  // Submits the exam. Requests confirmation when `confirm` is true, records
  // a snapshot of every question and the submit event, and waits for upload.
  async submit(confirm) {
    if (this.submitted || this.submitting) {
      return;
    }
    if (confirm && !(await this.confirmSubmit())) {
      return;
    }
    this.submitting = true;
    if (this.runner.running) {
      this.runner.stop();
    }
    for (const panel of this.panels) {
      this.snapshot(panel);
    }
    this.recorder.emit('submit');
    this.freeze();
    ui.submitButton.textContent = 'Submitting…';

    const uploaded = await this.recorder.flush(SUBMIT_FLUSH_MS);
    if (this.ending) {
      // examd rejected the submit as too late, and endSession shows why.
      return;
    }
    this.record = { ...this.record, submittedAt: new Date(this.clock.now()).toISOString() };
    await this.store.putSession(this.record);
    let text;
    if (uploaded) {
      text = (confirm ? '' : 'The time is up, so your exam was submitted automatically. ') +
        'Your answers have been saved. You may close this tab.';
    } else {
      // The sender keeps trying, and examd accepts the submit and the work
      // before it when they were made before the deadline plus the grace
      // period, however late they arrive.
      text = (confirm ? '' : 'The time is up, so your exam was submitted automatically. ') +
        'Your answers and the submit are stored in this browser but not yet on the server. ' +
        'They are sent as soon as the connection is back, and they count because they were made in time. ' +
        'Keep this tab open and connected until the status says "All changes saved". ' +
        'If you must close it, open your exam link again once you are online.';
    }
    this.submitPending = !uploaded;
    this.showSubmitted(text);
  }

  confirmSubmit() {
    return new Promise((resolve) => {
      ui.confirmDialog.addEventListener('close', () => resolve(ui.confirmDialog.returnValue === 'submit'), {
        once: true,
      });
      ui.confirmDialog.returnValue = '';
      ui.confirmDialog.showModal();
    });
  }

  freeze() {
    this.submitted = true;
    for (const panel of this.panels) {
      panel.editor.freeze();
      panel.setRunState('closed');
    }
    ui.submitButton.disabled = true;
    clearInterval(this.timerInterval);
  }

  showSubmitted(text) {
    if (!this.submitted) {
      // Submitted elsewhere: record nothing more from this page.
      this.recorder.closed = true;
      this.freeze();
    }
    ui.submitButton.textContent = 'Submitted';
    ui.submittedText.textContent = text;
    ui.submitted.hidden = false;
    document.body.classList.add('is-submitted');
  }

  // Ends the exam on this page when examd no longer accepts its events: the
  // deadline plus the grace period (`closesAt`) passed before the latest
  // events reached examd, and they were stamped after it. The events
  // stamped before `closesAt` are still sent and count. The later ones are
  // removed from the queue, so the page neither retries them forever nor
  // asks the student to wait for them.
  async endSession(closesAt) {
    if (this.ending) {
      return;
    }
    this.ending = true;
    if (this.runner.running) {
      this.runner.stop();
    }
    if (!this.submitted) {
      this.freeze();
    }
    const late = await this.recorder.dropLate(closesAt);
    this.ended = { closesAt, lateEdits: late.filter((event) => event.type === 'edit').length, pending: true };
    this.hideSaveWarning('deadline');
    ui.submittedTitle.textContent = 'Exam closed';
    ui.submitButton.textContent = 'Closed';
    ui.submitted.hidden = false;
    document.body.classList.add('is-submitted');
    this.showEndedText();
    this.recorder.sendNow();
  }

  showEndedText() {
    const { closesAt, lateEdits, pending } = this.ended;
    const time = new Date(closesAt).toLocaleTimeString();
    let text = `The exam closed at ${time}, ${GRACE_MS / 60000} minutes after the deadline. `;
    if (lateEdits > 0) {
      text += `Your changes made after ${time} reached the exam server too late, so they were not saved. `;
    }
    text += pending
      ? `Your work up to ${time} counts and is being sent now. Keep this tab open until this note says it has arrived.`
      : `Your work up to ${time} has reached the exam server and counts. You may close this tab.`;
    if (lateEdits > 0 && !pending) {
      text += ' If a network problem kept your work from arriving in time, tell the exam supervisor.';
    }
    ui.submittedText.textContent = text;
  }

  // Shows the sender's state in the top bar. After `unsavedMs` of failed
  // sending the line shows for how long the work has not been saved, and
  // the tooltip tells the student what to do.
  showSaveStatus(state, detail = '', unsavedMs = 0) {
    if (this.ended && state === 'saved') {
      // The events stamped before the closing time have arrived, and the
      // later ones were dropped, so "All changes saved" would be untrue.
      state = 'ended';
      if (this.ended.pending) {
        this.ended.pending = false;
        this.showEndedText();
        // The next visit restores the server's texts, not the dropped work.
        this.store.resetProgress(this.record.sessionId, 1, {}, 0).catch((error) => {
          console.warn('dropping the local record of the closed exam session failed:', error);
        });
      }
    }
    ui.saveStatus.dataset.state = state;
    let text = SAVE_STATUS_TEXT[state] ?? state;
    if ((state === 'offline' || state === 'error') && unsavedMs >= 1000) {
      text = `${state === 'offline' ? 'Offline: not' : 'Not'} saved for ${formatDuration(unsavedMs)}. Keep this tab open`;
    }
    ui.saveStatus.textContent = text;
    ui.saveStatus.title = detail;
    if (state === 'saved' || state === 'closed' || state === 'ended') {
      this.hideSaveWarning('deadline');
      this.hideSaveWarning('invalid');
      if (state === 'saved' && this.submitPending) {
        this.submitPending = false;
        ui.submittedText.textContent = 'Your answers and the submit have now reached the exam server. You may close this tab.';
      }
    } else if (state === 'offline' || state === 'error') {
      this.warnIfPastDeadline();
    }
  }

  // The deadline passed while this page's events have not all reached the
  // server. They still count when they arrive, because examd accepts events
  // stamped before the deadline plus the grace period.
  warnIfPastDeadline() {
    if (this.ending || !this.deadline || Number.isNaN(this.deadline) || this.clock.now() < this.deadline) {
      return;
    }
    const graceEnds = new Date(this.deadline + GRACE_MS).toLocaleTimeString();
    this.showSaveWarning(
      'deadline',
      'The time is up while your latest work has not reached the exam server. ' +
        `Work done before ${graceEnds} is kept in this browser and still counts when it arrives. ` +
        'Reconnect to the network and keep this tab open until the status says "All changes saved".',
    );
  }

  // Shows a warning under the top bar. Each `kind` has one paragraph.
  showSaveWarning(kind, text) {
    let paragraph = ui.saveWarning.querySelector(`[data-kind="${kind}"]`);
    if (!paragraph) {
      paragraph = document.createElement('p');
      paragraph.dataset.kind = kind;
      ui.saveWarning.append(paragraph);
    }
    paragraph.textContent = text;
    ui.saveWarning.hidden = false;
  }

  hideSaveWarning(kind) {
    ui.saveWarning.querySelector(`[data-kind="${kind}"]`)?.remove();
    ui.saveWarning.hidden = ui.saveWarning.childElementCount === 0;
  }

  // IndexedDB could not be opened or a write to it failed: from now on the
  // page keeps new work in memory only, which a reload or a closed tab loses.
  showStorageWarning(error) {
    const full = error?.name === 'QuotaExceededError';
    this.showSaveWarning(
      'storage',
      (full
        ? 'This browser has no space left to keep your work on this computer. '
        : 'This browser does not let the exam page keep your work on this computer (private browsing or a storage setting). ') +
        'Your work is still sent to the exam server as you type. Do not close or reload this tab while the status does not say "All changes saved".',
    );
  }

  showNotice(title, text, retry = null) {
    ui.noticeTitle.textContent = title;
    ui.noticeText.textContent = text;
    ui.notice.hidden = false;
    ui.noticeRetry.hidden = retry === null;
    ui.noticeRetry.textContent = this.recorder ? 'Reload' : 'Try again';
    ui.noticeRetry.onclick = retry;
    if (!this.record?.exam) {
      ui.title.textContent = 'Exam';
    }
  }

  hideNotice() {
    ui.notice.hidden = true;
  }
}

// Opening another invite link in this tab changes only the fragment, which
// does not reload the page; start over with the new invite.
window.addEventListener('hashchange', () => location.reload());

const page = new ExamPage();
page.boot().catch((error) => {
  console.error('the exam page failed to start:', error);
  page.showNotice('The exam page failed to start', String(error?.message ?? error), () => location.reload());
});
