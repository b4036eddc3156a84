// Numbers the exam session's events, writes each to the local queue before it
// is sent, and sends the queue to examd in batches until the server has
// acknowledged every event.
//
// Seqs are allocated synchronously by emit(), from the session's next seq with
// no gaps. Local writes are opened in emit order, so the queue in IndexedDB
// always contains an unbroken run of seqs above the acknowledged one. Events
// leave the queue only when a response's acked_seq covers them, or when the
// server reports their seq as a conflict, which it has recorded.

import { ApiError, NetworkError, sendEvents } from './api.js';

const BATCH_SIZE = 200;
// examd accepts at most 1 MiB per request. Batches stay below this many bytes
// of JSON, so a run of large snapshots is split over several requests.
const BATCH_MAX_BYTES = 900 * 1024;
const SEND_INTERVAL_MS = 1000;
const BACKOFF_BASE_MS = 1000;
const BACKOFF_MAX_MS = 30000;
// Failed requests show as "Saving…" for this long before the status line
// reports the work as not saved, so a short network blip raises no alarm.
// When the browser reports itself offline, the status shows it at once.
const ALARM_AFTER_MS = 10000;
const STATUS_REFRESH_MS = 1000;

// Returns the longest prefix of `events` whose JSON fits in BATCH_MAX_BYTES,
// and at least the first event.
function limitBytes(events) {
  const encoder = new TextEncoder();
  let bytes = 0;
  for (let i = 0; i < events.length; i++) {
    bytes += encoder.encode(JSON.stringify(events[i])).length + 1;
    if (bytes > BATCH_MAX_BYTES && i > 0) {
      return events.slice(0, i);
    }
  }
  return events;
}

export class Recorder {
  // Callbacks:
  // - onStatus(state, detail, unsavedMs) with state 'saved', 'saving',
  //   'offline' or 'error'. `unsavedMs` is how long sending has failed
  //   without a break, or 0.
  // - onServerSubmitted(endedBy) when a response reports that the session
  //   has its submission. endedBy is 'submit', or 'timeout' when the
  //   deadline plus the grace period passed without a submit.
  // - onConflict(seqs) when the server already stored other events under seqs.
  // - onRejected(error) when the server rejected a whole batch with 409. It
  //   does so for events after the session's submit event.
  // - onInvalid(seq, error) when the server answered 400 for event `seq`
  //   sent on its own: examd considers the event invalid.
  // `alarmAfterMs` overrides ALARM_AFTER_MS (the unit tests set 0).
  constructor({
    store,
    sessionId,
    token,
    nextSeq,
    onStatus,
    onServerSubmitted,
    onConflict,
    onRejected,
    onInvalid,
    alarmAfterMs = ALARM_AFTER_MS,
  }) {
    this.store = store;
    this.sessionId = sessionId;
    this.token = token;
    this.nextSeq = nextSeq;
    this.onStatus = onStatus ?? (() => {});
    this.onServerSubmitted = onServerSubmitted ?? (() => {});
    this.onConflict = onConflict ?? (() => {});
    this.onRejected = onRejected ?? (() => {});
    this.onInvalid = onInvalid ?? (() => {});
    this.alarmAfterMs = alarmAfterMs;

    this.ackedSeq = nextSeq - 1;
    this.unwritten = [];
    this.pendingWrites = 0;
    this.closed = false;
    this.stopped = true;
    this.timer = null;
    this.sending = null;
    this.failures = 0;
    this.state = null;
    this.conflicts = [];
    // When sending started to fail (Date.now()), or null after a success.
    this.failingSince = null;
    this.failure = null;
    this.statusTimer = null;
    // The size of the next batch. A 400 response halves it until the
    // invalid event is found, and a success restores BATCH_SIZE.
    this.batchLimit = BATCH_SIZE;
    // Seqs the server rejected as invalid when sent alone, with its message.
    this.invalid = new Map();
    // The highest seq above an invalid event that examd has stored. examd
    // cannot acknowledge it, because acked_seq stops below the gap, so the
    // next batches start after it instead of resending what is stored.
    this.storedAbove = 0;
  }

  // Creates the next event, writes it to the local queue and returns it.
  // `text` is the question's whole text after this event, kept so a reload
  // restores the editor.
  //
  // The IndexedDB transaction is opened before emit() returns, because
  // IndexedDB runs write transactions in the order they were opened: a tab
  // closed right after typing keeps everything typed. A field whose value is
  // a promise (a hash still being computed) delays this event and the
  // ones after it until the promise settles, so the queue never has a gap.
  emit(type, fields = {}, text = undefined) {
    if (this.closed) {
      return null;
    }
    const event = { seq: this.nextSeq, type, t: Date.now(), ...fields };
    this.nextSeq += 1;
    if (type === 'submit') {
      this.closed = true;
    }
    this.unwritten.push({ event, text, waiting: false });
    this.report();
    this.writeUnwritten();
    return event;
  }

  // Writes unwritten events in seq order up to the first one still waiting
  // for a promise-valued field.
  writeUnwritten() {
    while (this.unwritten.length > 0) {
      const item = this.unwritten[0];
      const pending = Object.entries(item.event).filter(([, value]) => value instanceof Promise);
      if (pending.length > 0) {
        if (!item.waiting) {
          item.waiting = true;
          Promise.all(
            pending.map(async ([key, value]) => {
              item.event[key] = await value;
            }),
          )
            .catch((error) => {
              // Leave the field out rather than block the queue for good.
              console.error(`computing event ${item.event.seq} failed:`, error);
              for (const [key] of pending) {
                delete item.event[key];
              }
            })
            .then(() => this.writeUnwritten());
        }
        return;
      }
      this.unwritten.shift();
      this.write(item.event, item.text);
    }
  }

  write(event, text) {
    this.pendingWrites += 1;
    this.store
      .appendEvent(this.sessionId, event, text)
      .catch((error) => {
        // NOTE: an event that failed to reach the queue is lost and leaves a
        // gap that the server will report as missing. It only happens when
        // IndexedDB itself fails (for example the disk is full).
        console.error(`writing event ${event.seq} to the local queue failed:`, error);
        this.setState('error', 'This browser could not save your work locally.');
      })
      .finally(() => {
        this.pendingWrites -= 1;
        // New events wait for the next send, about a second away, so a
        // student typing sends one request a second, not one per keystroke.
        this.schedule(SEND_INTERVAL_MS);
      });
  }

  // Resolves when every emitted event has been written to the local queue.
  async drain() {
    while (this.unwritten.length > 0 || this.pendingWrites > 0) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  // Starts sending the queue about once a second.
  start() {
    this.stopped = false;
    this.schedule(0);
    // Counts the seconds in "Not saved for N s" between two attempts.
    this.statusTimer ??= setInterval(() => this.refreshFailure(), STATUS_REFRESH_MS);
  }

  // Sends at once instead of waiting for the backoff, for example when the
  // browser reports that the network is back.
  sendNow() {
    if (this.stopped) {
      return;
    }
    clearTimeout(this.timer);
    this.timer = null;
    this.schedule(0);
  }

  // Stops recording and removes from the queue the first event stamped
  // (client time `t`) after `closesAt` and every event after it, because
  // examd no longer accepts them. The events before it are still sent.
  // Returns the removed events.
  //
  // Later events are removed even when a clock step back stamped them
  // earlier: examd would store them above a gap that replay cannot cross.
  async dropLate(closesAt) {
    this.closed = true;
    await this.drain();
    const queued = await this.store.queuedEvents(this.sessionId);
    const first = queued.findIndex((event) => event.t > closesAt);
    if (first < 0) {
      return [];
    }
    const late = queued.slice(first);
    await this.store.deleteEvents(
      this.sessionId,
      0,
      late.map((event) => event.seq),
    );
    return late;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = null;
    clearInterval(this.statusTimer);
    this.statusTimer = null;
  }

  // Sends until the queue is empty or `timeoutMs` passed. Returns true when
  // every event so far has been acknowledged.
  async flush(timeoutMs) {
    const until = Date.now() + timeoutMs;
    await this.drain();
    for (;;) {
      const remaining = await this.sendOnce();
      if (remaining === 0) {
        return true;
      }
      if (remaining < 0) {
        const wait = Math.min(this.backoffMs(), until - Date.now());
        if (wait <= 0) {
          return false;
        }
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
      if (Date.now() >= until) {
        return false;
      }
    }
  }

  schedule(delayMs) {
    if (this.stopped || this.timer !== null) {
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.tick();
    }, delayMs);
  }

  async tick() {
    const remaining = await this.sendOnce();
    if (remaining > 0) {
      this.schedule(SEND_INTERVAL_MS);
    } else if (remaining < 0) {
      this.schedule(this.backoffMs());
    }
  }

  // Exponential backoff with full jitter between half and all of the step.
  backoffMs() {
    const step = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, this.failures - 1));
    return Math.round(step / 2 + (Math.random() * step) / 2);
  }

  // Sends one batch. Returns the number of events still queued afterwards,
  // or -1 when the request failed.
  async sendOnce() {
    if (this.sending) {
      return this.sending;
    }
    this.sending = this.sendBatch().finally(() => {
      this.sending = null;
    });
    return this.sending;
  }

  async sendBatch() {
    const events = limitBytes(await this.nextBatch());
    if (events.length === 0) {
      this.report(0);
      return 0;
    }

    if (this.failingSince === null) {
      this.setState('saving');
    }
    let answer;
    try {
      answer = await sendEvents(this.token, events);
    } catch (error) {
      if (error instanceof ApiError && (error.status === 400 || error.status === 413) && events.length > 1) {
        // Halve the batch and send again at once to find the rejected event.
        this.batchLimit = Math.ceil(events.length / 2);
        return 1;
      }
      this.failures += 1;
      this.failingSince ??= Date.now();
      if (error instanceof NetworkError) {
        this.fail(
          'offline',
          'You are offline or the exam server is unreachable. Your work is kept in this browser and sent when the connection is back. Keep this tab open.',
        );
      } else if (error instanceof ApiError && error.status === 401) {
        this.fail('error', 'The server no longer accepts this exam session. Reload the page.', true);
      } else if (error instanceof ApiError && error.status === 409) {
        console.warn('the server rejected a batch of events:', error.message);
        this.fail('error', error.message, true);
        this.onRejected(error);
      } else if (error instanceof ApiError && (error.status === 400 || error.status === 413)) {
        return this.onBadRequest(events, error);
      } else {
        console.error('sending events failed:', error);
        this.fail('error', `Saving failed (${error.message}). Your work is kept in this browser and the page keeps retrying.`);
      }
      return -1;
    }

    this.batchLimit = BATCH_SIZE;
    const sentSeqs = events.map((event) => event.seq);
    for (const seq of sentSeqs) {
      this.invalid.delete(seq);
    }
    if (this.invalid.size === 0) {
      this.failures = 0;
      this.failingSince = null;
      this.failure = null;
    }
    const conflicts = Array.isArray(answer.conflicts) ? answer.conflicts.filter(Number.isInteger) : [];
    if (conflicts.length > 0) {
      // The server already stores other content under these seqs and has
      // recorded the conflict; resending cannot change that.
      this.conflicts.push(...conflicts);
      console.warn('events in conflict with stored ones:', conflicts);
      this.onConflict(conflicts);
    }
    this.ackedSeq = Math.max(this.ackedSeq, answer.acked_seq);
    this.noteStoredAbove(sentSeqs, answer);
    await this.store.deleteEvents(this.sessionId, answer.acked_seq, conflicts);
    if (answer.submitted) {
      this.onServerSubmitted(answer.ended_by === 'timeout' ? 'timeout' : 'submit');
    }

    // Whatever is still queued (the `missing` ranges included, since the
    // queue is sent lowest seq first) goes out with the next batch.
    const remaining = await this.store.countQueued(this.sessionId);
    this.report(remaining);
    return remaining;
  }

  // Returns the queued events to send next. Normally that is the queue from
  // its lowest seq. While examd rejects an event as invalid, the events
  // above it are sent once each (examd stores them, and they wait in the
  // queue for acked_seq to pass the gap). When none are left, the invalid
  // event is tried again, after the backoff.
  async nextBatch() {
    const queued = await this.store.queuedEvents(this.sessionId, BATCH_SIZE + this.invalid.size);
    if (this.invalid.size === 0) {
      return queued.slice(0, this.batchLimit);
    }
    const above = queued.filter((event) => event.seq > this.storedAbove && !this.invalid.has(event.seq));
    if (above.length > 0) {
      return above.slice(0, this.batchLimit);
    }
    return queued.slice(0, 1);
  }

  // A 400 (invalid event) or 413 (too large) response rejects the whole
  // batch, so sendBatch halves it until one event is left. That event is
  // reported and retried after the backoff, because a newer examd may
  // accept it.
  onBadRequest(events, error) {
    const seq = events[0].seq;
    if (!this.invalid.has(seq)) {
      console.error(`the server rejected event ${seq} as invalid:`, error.message);
      this.onInvalid(seq, error);
    }
    this.invalid.set(seq, error.message);
    this.batchLimit = BATCH_SIZE;
    this.fail(
      'error',
      `The server rejected event ${seq} (${error.message}). Your work is kept in this browser and later changes are still sent; tell the exam supervisor.`,
      true,
    );
    return -1;
  }

  // Advances storedAbove when examd stored a batch sent above an invalid
  // event: every sent seq above acked_seq is outside the `missing` ranges.
  noteStoredAbove(sentSeqs, answer) {
    if (this.invalid.size === 0) {
      this.storedAbove = 0;
      return;
    }
    const missing = Array.isArray(answer.missing) ? answer.missing : [];
    const isMissing = (seq) => missing.some(([from, to]) => seq >= from && seq <= to);
    const above = sentSeqs.filter((seq) => seq > answer.acked_seq && !this.invalid.has(seq));
    if (above.length > 0 && above.every((seq) => !isMissing(seq))) {
      this.storedAbove = Math.max(this.storedAbove, ...above);
    } else if (above.some(isMissing)) {
      this.storedAbove = 0;
    }
  }

  // Records a failed attempt. The status shows `state` once sending has
  // failed for alarmAfterMs, at once when `now` is true or the browser
  // reports itself offline, and "Saving…" before that.
  fail(state, detail, now = false) {
    this.failure = { state, detail, now };
    this.refreshFailure();
  }

  refreshFailure() {
    if (this.failure === null || this.failingSince === null) {
      return;
    }
    const unsavedMs = Date.now() - this.failingSince;
    const offline = typeof navigator !== 'undefined' && navigator.onLine === false;
    if (this.failure.now || offline || unsavedMs >= this.alarmAfterMs) {
      this.setState(this.failure.state, this.failure.detail, unsavedMs);
    } else {
      this.setState('saving', 'Retrying…', unsavedMs);
    }
  }

  report(queued = null) {
    if (this.failure !== null) {
      return;
    }
    if (this.state === 'offline' || this.state === 'error') {
      if (queued === null) {
        return;
      }
    }
    if (queued === 0 && this.pendingWrites === 0 && this.unwritten.length === 0) {
      this.setState('saved');
    } else {
      this.setState('saving');
    }
  }

  setState(state, detail = '', unsavedMs = 0) {
    this.state = state;
    this.onStatus(state, detail, unsavedMs);
  }
}
