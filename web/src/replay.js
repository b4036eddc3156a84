// Applies recorded edit events to a text, the way the server's replay does.
// Positions are UTF-16 code units of the text before the edit, and the
// changes of one edit are sorted by `from` and do not overlap.

// Returns `text` with one edit event's `changes` ([from, to, inserted]) applied.
export function applyChanges(text, changes) {
  let result = '';
  let position = 0;
  for (const [from, to, inserted] of changes) {
    if (!(Number.isInteger(from) && Number.isInteger(to) && from >= position && to >= from && to <= text.length)) {
      throw new RangeError(`invalid change [${from}, ${to}] on a text of length ${text.length}`);
    }
    result += text.slice(position, from) + inserted;
    position = to;
  }
  return result + text.slice(position);
}

// Returns {questionKey: text} after applying, in seq order, every edit event
// in `events` to the starter texts in `starters` ({questionKey: text}).
export function replayEdits(starters, events) {
  const texts = { ...starters };
  const ordered = [...events].sort((a, b) => a.seq - b.seq);
  for (const event of ordered) {
    if (event.type === 'edit') {
      texts[event.question] = applyChanges(texts[event.question] ?? '', event.changes);
    }
  }
  return texts;
}
