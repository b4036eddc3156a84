// Client of examd's student API (docs/api.md, "Student API").

// An HTTP response other than 2xx. `status` is the HTTP status, and `code`
// and `message` come from the server's error body when it sent one.
export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

// A request that got no HTTP response at all: the network is down or the
// server is unreachable.
export class NetworkError extends Error {
  constructor(cause) {
    super(`network request failed: ${cause?.message ?? cause}`);
    this.name = 'NetworkError';
    this.cause = cause;
  }
}

async function request(path, { method = 'GET', token = null, body = undefined, timeoutMs = 20000 } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  if (token) {
    headers.Authorization = `Bearer ${token}`;
  }

  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'same-origin',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new NetworkError(error);
  }

  let payload = null;
  const text = await response.text().catch(() => '');
  if (text) {
    try {
      payload = JSON.parse(text);
    } catch {
      payload = null;
    }
  }
  return { response, payload };
}

function errorFrom(response, payload) {
  const code = payload?.error?.code ?? 'http_' + response.status;
  const message = payload?.error?.message ?? `${response.status} ${response.statusText}`.trim();
  return new ApiError(response.status, code, message, payload);
}

// Exchanges the invite secret for the exam session (POST /api/student/join).
export async function join(invite) {
  const { response, payload } = await request('/api/student/join', { method: 'POST', body: { invite } });
  if (!response.ok || !payload) {
    throw errorFrom(response, payload);
  }
  return payload;
}

// Sends a batch of events (POST /api/student/events) and returns the
// acknowledgement {acked_seq, missing, conflicts, submitted}. A 409 response
// carries the same body with the conflicting seqs, so it is returned too.
export async function sendEvents(token, events) {
  const { response, payload } = await request('/api/student/events', {
    method: 'POST',
    token,
    body: { events },
  });
  if ((response.ok || response.status === 409) && payload && Number.isInteger(payload.acked_seq)) {
    return payload;
  }
  throw errorFrom(response, payload);
}

// Returns the exam session's current state (GET /api/student/state): the
// join response without the session token.
export async function getState(token) {
  const { response, payload } = await request('/api/student/state', { token });
  if (!response.ok || !payload) {
    throw errorFrom(response, payload);
  }
  return payload;
}
