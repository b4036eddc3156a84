// Local storage of the exam session: the event queue, the latest text of each
// question and the next seq, kept in IndexedDB so a reload or minutes offline
// lose nothing. When IndexedDB cannot be opened (some private browsing modes)
// the same interface is served from memory, which survives no reload.

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

  // Returns up to `limit` queued events of the session in seq order.
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

// Opens the IndexedDB store, or a memory store when IndexedDB is unavailable.
export async function openStore() {
  try {
    return await IndexedDbStore.open();
  } catch (error) {
    console.warn('IndexedDB unavailable, keeping exam data in memory only:', error);
    return new MemoryStore();
  }
}
