// The server's clock as seen from this page. The offset is measured once per
// response that carries `server_time`, so a wrong device clock does not move the
// deadline.

export class ServerClock {
  constructor(offsetMs = 0) {
    this.offsetMs = offsetMs;
  }

  // Sets the offset from a server timestamp received between `sentAt` and
  // `receivedAt` (device milliseconds), assuming the server stamped it halfway.
  sync(serverTimeIso, sentAt, receivedAt) {
    const serverTime = Date.parse(serverTimeIso);
    if (Number.isNaN(serverTime)) {
      return;
    }
    this.offsetMs = serverTime - (sentAt + receivedAt) / 2;
  }

  now() {
    return Date.now() + this.offsetMs;
  }
}

// Formats milliseconds as H:MM:SS or MM:SS, rounding up so 0:00 means over.
export function formatRemaining(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const two = (n) => String(n).padStart(2, '0');
  return hours > 0 ? `${hours}:${two(minutes)}:${two(seconds)}` : `${two(minutes)}:${two(seconds)}`;
}
