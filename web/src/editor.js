// The code editor of one question: CodeMirror 6 in Python mode with line
// numbers, undo history and Tab indentation, and deliberately without
// autocompletion and without bracket auto-closing.

import { Compartment, EditorState, Transaction } from '@codemirror/state';
import {
  EditorView,
  keymap,
  lineNumbers,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  drawSelection,
} from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { python } from '@codemirror/lang-python';
import { bracketMatching, defaultHighlightStyle, indentOnInput, indentUnit, syntaxHighlighting } from '@codemirror/language';

// examd stores at most 256 KiB of text per event, and a snapshot contains a
// whole answer, so the editor rejects changes that would make the text
// larger than this many UTF-8 bytes.
const MAX_TEXT_BYTES = 200 * 1024;

// User events that put text into the document from elsewhere and so are
// reported as a paste.
const PASTE_EVENTS = ['input.paste', 'input.drop'];

// Returns the UTF-8 size of a CodeMirror document without building one string.
function utf8Bytes(doc) {
  const encoder = new TextEncoder();
  let bytes = doc.lines - 1;
  for (const line of doc.iterLines()) {
    bytes += encoder.encode(line).length;
  }
  return bytes;
}

// Creates an editor in `parent`. Callbacks:
// - onChange(transaction) for every transaction that changes the document.
// - onRun(mode) with 'run' on Ctrl+Enter or Cmd+Enter, and with 'check' on
//   Ctrl+Shift+Enter or Cmd+Shift+Enter.
// - onTooLarge() when a change was rejected for its size.
export function createEditor({ parent, doc, nonce, label, onChange, onRun, onTooLarge }) {
  const editable = new Compartment();

  // Ahead of the default keymap, which binds Mod-Enter to insertBlankLine.
  const runKeymap = keymap.of([
    {
      key: 'Mod-Enter',
      preventDefault: true,
      run: () => {
        onRun('run');
        return true;
      },
    },
    {
      key: 'Shift-Mod-Enter',
      preventDefault: true,
      run: () => {
        onRun('check');
        return true;
      },
    },
  ]);

  const reportChanges = EditorView.updateListener.of((update) => {
    for (const transaction of update.transactions) {
      if (transaction.docChanged) {
        onChange(transaction);
      }
    }
  });

  // Three bytes per UTF-16 unit is the UTF-8 maximum, so most documents
  // skip the exact count.
  const sizeLimit = EditorState.changeFilter.of((transaction) => {
    const doc = transaction.newDoc;
    if (doc.length * 3 <= MAX_TEXT_BYTES || utf8Bytes(doc) <= MAX_TEXT_BYTES) {
      return true;
    }
    onTooLarge?.();
    return false;
  });

  const state = EditorState.create({
    doc,
    extensions: [
      EditorView.cspNonce.of(nonce ?? ''),
      lineNumbers(),
      highlightActiveLineGutter(),
      highlightSpecialChars(),
      history(),
      drawSelection(),
      indentOnInput(),
      indentUnit.of('    '),
      EditorState.tabSize.of(4),
      syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
      bracketMatching(),
      highlightActiveLine(),
      python(),
      runKeymap,
      keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
      editable.of([]),
      EditorView.contentAttributes.of({
        spellcheck: 'false',
        autocorrect: 'off',
        autocapitalize: 'off',
        'aria-label': label,
      }),
      sizeLimit,
      reportChanges,
    ],
  });

  const view = new EditorView({ state, parent });
  return {
    view,
    // Makes the editor read-only for good (after the exam is submitted).
    freeze() {
      view.dispatch({
        effects: editable.reconfigure([EditorState.readOnly.of(true), EditorView.editable.of(false)]),
      });
    },
  };
}

// Returns true when the transaction inserted text from a paste or a drop.
export function isPaste(transaction) {
  return PASTE_EVENTS.some((event) => transaction.isUserEvent(event));
}

// Returns the transaction's CodeMirror user event ('input.type', 'undo', ...) or undefined.
export function userEventOf(transaction) {
  return transaction.annotation(Transaction.userEvent);
}
