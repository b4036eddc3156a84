// Local storage of the exam session: the event queue, the latest text of each
// question and the next seq, kept in IndexedDB so a reload or minutes offline
// lose nothing. When IndexedDB cannot be opened (some private browsing modes)
// or a write fails (the disk is full), the same interface is served from
// memory, which survives no reload.

const DB_NAME = 'examination-center';
const DB_VERSION = 1;

// Object stores:
//   sessions  one record per invite: {inviteHash, sessionId, token, exam, deadline, ...}
//   progress  one record per exam session: {sessionId, nextSeq}
//   events    the send queue: {sessionId, seq, event}, key [sessionId, seq]
//   texts     latest text per question: {sessionId, question, text, seq}

function requestToPromise(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function transactionDone(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

function sessionRange(sessionId) {
  return IDBKeyRange.bound([sessionId, 0], [sessionId, Number.MAX_SAFE_INTEGER]);
}

class IndexedDbStore {
  constructor(db) {
    this.db = db;
    this.persistent = true;
  }

  static open() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        db.createObjectStore('sessions', { keyPath: 'inviteHash' });
        db.createObjectStore('progress', { keyPath: 'sessionId' });
        db.createObjectStore('events', { keyPath: ['sessionId', 'seq'] });
        db.createObjectStore('texts', { keyPath: ['sessionId', 'question'] });
      };
      request.onsuccess = () => resolve(new IndexedDbStore(request.result));
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error('IndexedDB upgrade is blocked by another tab'));
    });
  }

  async getSession(inviteHash) {
    const tx = this.db.transaction('sessions', 'readonly');
    return (await requestToPromise(tx.objectStore('sessions').get(inviteHash))) ?? null;
  }

  async putSession(record) {
    const tx = this.db.transaction('sessions', 'readwrite');
    tx.objectStore('sessions').put(record);
    await transactionDone(tx);
  }

  // Returns {nextSeq, texts: {question: {text, seq}}} for the exam session.
  async getProgress(sessionId) {
    const tx = this.db.transaction(['progress', 'texts'], 'readonly');
    const progress = await requestToPromise(tx.objectStore('progress').get(sessionId));
    const rows = await requestToPromise(
      tx.objectStore('texts').getAll(IDBKeyRange.bound([sessionId, ''], [sessionId, '\uffff'])),
    );
    const texts = {};
    for (const row of rows) {
      texts[row.question] = { text: row.text, seq: row.seq };
    }
    return { nextSeq: progress?.nextSeq ?? 1, texts };
  }

  // Writes one event to the queue together with the session's next seq and,
  // when `text` is given, the question's text after the event, in one
  // transaction, so the queue and the restored editor never disagree.
  async appendEvent(sessionId, event, text) {
    const tx = this.db.transaction(['events', 'progress', 'texts'], 'readwrite');
    tx.objectStore('events').put({ sessionId, seq: event.seq, event });
    tx.objectStore('progress').put({ sessionId, nextSeq: event.seq + 1 });
    if (text !== undefined) {
      tx.objectStore('texts').put({ sessionId, question: event.question, text, seq: event.seq });
    }
    // Commit now rather than when the event loop is idle, so a tab closed
    // right after typing loses as little as possible.
    tx.commit?.();
    await transactionDone(tx);
  }

  // Returns up to `limit` queued events of the session in seq order, or all
  // of them without `limit`.
  async queuedEvents(sessionId, limit) {
    const tx = this.db.transaction('events', 'readonly');
    const rows = await requestToPromise(tx.objectStore('events').getAll(sessionRange(sessionId), limit));
    return rows.map((row) => row.event);
  }

  async countQueued(sessionId) {
    const tx = this.db.transaction('events', 'readonly');
    return requestToPromise(tx.objectStore('events').count(sessionRange(sessionId)));
  }

  // Deletes queued events with seq <= upTo and the seqs listed in `extra`.
  async deleteEvents(sessionId, upTo, extra = []) {
    const tx = this.db.transaction('events', 'readwrite');
    const store = tx.objectStore('events');
    if (upTo >= 1) {
      store.delete(IDBKeyRange.bound([sessionId, 0], [sessionId, upTo]));
    }
    for (const seq of extra) {
      store.delete([sessionId, seq]);
    }
    await transactionDone(tx);
  }

  // Replaces the local texts and next seq by the server's, used when the
  // server is ahead of this browser (the student worked on another computer).
  async resetProgress(sessionId, nextSeq, texts, seq) {
    const tx = this.db.transaction(['events', 'progress', 'texts'], 'readwrite');
    tx.objectStore('events').delete(sessionRange(sessionId));
    tx.objectStore('progress').put({ sessionId, nextSeq });
    const textStore = tx.objectStore('texts');
    for (const [question, text] of Object.entries(texts)) {
      textStore.put({ sessionId, question, text, seq });
    }
    await transactionDone(tx);
  }
}

export class MemoryStore {
  constructor() {
    this.persistent = false;
    this.sessions = new Map();
    this.progress = new Map();
    this.events = new Map();
    this.texts = new Map();
  }

  async getSession(inviteHash) {
    return this.sessions.get(inviteHash) ?? null;
  }

  async putSession(record) {
    this.sessions.set(record.inviteHash, structuredClone(record));
  }

  async getProgress(sessionId) {
    const texts = {};
    for (const [key, row] of this.texts) {
      if (key.startsWith(`${sessionId}\n`)) {
        texts[row.question] = { text: row.text, seq: row.seq };
      }
    }
    return { nextSeq: this.progress.get(sessionId) ?? 1, texts };
  }

  async appendEvent(sessionId, event, text) {
    this.queueOf(sessionId).set(event.seq, structuredClone(event));
    this.progress.set(sessionId, event.seq + 1);
    if (text !== undefined) {
      this.texts.set(`${sessionId}\n${event.question}`, { question: event.question, text, seq: event.seq });
    }
  }

  async queuedEvents(sessionId, limit) {
    const seqs = [...this.queueOf(sessionId).keys()].sort((a, b) => a - b).slice(0, limit);
    return seqs.map((seq) => this.queueOf(sessionId).get(seq));
  }

  async countQueued(sessionId) {
    return this.queueOf(sessionId).size;
  }

  async deleteEvents(sessionId, upTo, extra = []) {
    const queue = this.queueOf(sessionId);
    for (const seq of [...queue.keys()]) {
      if (seq <= upTo || extra.includes(seq)) {
        queue.delete(seq);
      }
    }
  }

  async resetProgress(sessionId, nextSeq, texts, seq) {
    this.queueOf(sessionId).clear();
    this.progress.set(sessionId, nextSeq);
    for (const [question, text] of Object.entries(texts)) {
      this.texts.set(`${sessionId}\n${question}`, { question, text, seq });
    }
  }

  queueOf(sessionId) {
    if (!this.events.has(sessionId)) {
      this.events.set(sessionId, new Map());
    }
    return this.events.get(sessionId);
  }
}

// Serves the store interface from IndexedDB until a write fails, for
// example with QuotaExceededError when the disk is full, and from memory
// after that. Reads merge both, so events written before the failure still
// go out. `onFallback(error)` is called once, at the first failure.
//
// NOTE: writes already open when the first one fails may still land in
// IndexedDB. A reload after a failure then finds a gap in the IndexedDB
// queue, which the server reports as missing until the exam ends.
export class FallbackStore {
  constructor(primary, onFallback = () => {}) {
    this.primary = primary;
    this.memory = new MemoryStore();
    this.failure = null;
    this.onFallback = onFallback;
  }

  get persistent() {
    return this.failure === null;
  }

  fallBack(error) {
    if (this.failure === null) {
      this.failure = error;
      console.error('IndexedDB failed, keeping exam data in memory from now on:', error);
      this.onFallback(error);
    }
  }

  // Runs `operation` on IndexedDB while it works. Returns `fallback` when it
  // fails or has failed before.
  async tryPrimary(operation, fallback) {
    if (this.failure !== null) {
      return fallback;
    }
    try {
      return await operation(this.primary);
    } catch (error) {
      this.fallBack(error);
      return fallback;
    }
  }

  async getSession(inviteHash) {
    return (await this.memory.getSession(inviteHash)) ?? (await this.tryPrimary((db) => db.getSession(inviteHash), null));
  }

  async putSession(record) {
    await this.memory.putSession(record);
    await this.tryPrimary((db) => db.putSession(record));
  }

  async getProgress(sessionId) {
    const stored = await this.tryPrimary((db) => db.getProgress(sessionId), { nextSeq: 1, texts: {} });
    const inMemory = await this.memory.getProgress(sessionId);
    const texts = { ...stored.texts };
    for (const [question, row] of Object.entries(inMemory.texts)) {
      if (!texts[question] || row.seq >= texts[question].seq) {
        texts[question] = row;
      }
    }
    return { nextSeq: Math.max(stored.nextSeq, inMemory.nextSeq), texts };
  }

  async appendEvent(sessionId, event, text) {
    if (this.failure === null) {
      try {
        await this.primary.appendEvent(sessionId, event, text);
        return;
      } catch (error) {
        this.fallBack(error);
      }
    }
    await this.memory.appendEvent(sessionId, event, text);
  }

  async queuedEvents(sessionId, limit) {
    // Reads still work on a full disk, so events queued before the failure
    // are read from IndexedDB too.
    let stored = [];
    try {
      stored = await this.primary.queuedEvents(sessionId, limit);
    } catch (error) {
      this.fallBack(error);
    }
    const inMemory = await this.memory.queuedEvents(sessionId, limit);
    const bySeq = new Map([...stored, ...inMemory].map((event) => [event.seq, event]));
    return [...bySeq.values()].sort((a, b) => a.seq - b.seq).slice(0, limit);
  }

  // An event is in one of the two stores, never both: appendEvent writes to
  // memory only when the IndexedDB write failed.
  async countQueued(sessionId) {
    let stored = 0;
    try {
      stored = await this.primary.countQueued(sessionId);
    } catch (error) {
      this.fallBack(error);
    }
    return stored + (await this.memory.countQueued(sessionId));
  }

  async deleteEvents(sessionId, upTo, extra = []) {
    await this.memory.deleteEvents(sessionId, upTo, extra);
    // Deleting frees space, so it is tried even after a failed write.
    try {
      await this.primary.deleteEvents(sessionId, upTo, extra);
    } catch (error) {
      this.fallBack(error);
    }
  }

  async resetProgress(sessionId, nextSeq, texts, seq) {
    await this.memory.resetProgress(sessionId, nextSeq, texts, seq);
    await this.tryPrimary((db) => db.resetProgress(sessionId, nextSeq, texts, seq));
  }
}

// Opens the IndexedDB store behind a FallbackStore, or a memory store when
// IndexedDB is unavailable. `onFallback(error)` is called when the store
// keeps data in memory only, at once when IndexedDB cannot be opened.
export async function openStore(onFallback = () => {}) {
  try {
    return new FallbackStore(await IndexedDbStore.open(), onFallback);
  } catch (error) {
    console.warn('IndexedDB unavailable, keeping exam data in memory only:', error);
    onFallback(error);
    return new MemoryStore();
  }
}
