// One question's tab and panel: prompt, editor, Run/Check/Stop buttons,
// output pane and input line.

import { createEditor } from './editor.js';
import { renderMarkdown } from './markdown.js';

// The output pane keeps at most this many characters. Older output is cut, so
// a program that prints without end cannot exhaust the page's memory.
const MAX_OUTPUT_CHARS = 200000;

export class QuestionPanel {
  // `handlers`: onChange(panel, transaction), onRun(panel, mode), onStop(panel),
  // onInput(panel, line), onSelect(panel).
  constructor({ question, index, text, nonce, template, tabList, panels, handlers }) {
    this.question = question;
    this.key = question.key;
    this.index = index;
    this.editsSinceSnapshot = 0;
    this.outputLength = 0;

    const number = index + 1;
    const tabId = `tab-${number}`;
    const panelId = `panel-${number}`;

    this.tab = document.createElement('button');
    this.tab.type = 'button';
    this.tab.id = tabId;
    this.tab.className = 'tab';
    this.tab.setAttribute('role', 'tab');
    this.tab.setAttribute('aria-controls', panelId);
    this.tab.setAttribute('aria-selected', 'false');
    this.tab.tabIndex = -1;
    this.tab.dataset.question = question.key;
    const tabNumber = document.createElement('span');
    tabNumber.className = 'tab-number';
    tabNumber.textContent = `${number}`;
    this.tab.append(tabNumber, ` ${question.title ?? question.key}`);
    this.tab.addEventListener('click', () => handlers.onSelect(this));
    tabList.append(this.tab);

    this.panel = template.content.firstElementChild.cloneNode(true);
    this.panel.id = panelId;
    this.panel.dataset.question = question.key;
    this.panel.setAttribute('aria-labelledby', tabId);
    this.panel.hidden = true;
    panels.append(this.panel);

    // A prompt that opens with its own heading keeps it; others get the
    // question's title.
    const prompt = this.panel.querySelector('.prompt');
    const rendered = renderMarkdown(question.prompt_md);
    if (!/^H[1-6]$/.test(rendered.firstElementChild?.tagName ?? '')) {
      const heading = document.createElement('h1');
      heading.textContent = question.title ?? question.key;
      prompt.append(heading);
    }
    prompt.append(rendered);

    const editorLabel = this.panel.querySelector('.editor-label');
    editorLabel.id = `editor-label-${number}`;
    editorLabel.textContent = `Your code for question ${number}`;
    this.editor = createEditor({
      parent: this.panel.querySelector('.editor'),
      doc: text,
      nonce,
      label: `Code editor for question ${number}`,
      onChange: (transaction) => handlers.onChange(this, transaction),
      onRun: (mode) => handlers.onRun(this, mode),
      onTooLarge: () => {
        this.runState.textContent = 'That change was not made: an answer can be at most 200 KiB.';
      },
    });

    this.runButton = this.panel.querySelector('[data-action="run"]');
    this.checkButton = this.panel.querySelector('[data-action="check"]');
    this.stopButton = this.panel.querySelector('[data-action="stop"]');
    this.runState = this.panel.querySelector('.run-state');
    if (/Mac|iPhone|iPad/.test(navigator.platform)) {
      const hint = this.panel.querySelector('.shortcut-hint');
      hint.textContent = hint.textContent.replaceAll('Ctrl+', '⌘');
    }
    this.runButton.addEventListener('click', () => handlers.onRun(this, 'run'));
    this.checkButton.addEventListener('click', () => handlers.onRun(this, 'check'));
    this.stopButton.addEventListener('click', () => handlers.onStop(this));
    if (!question.tests) {
      this.checkButton.disabled = true;
      this.checkButton.title = 'This question has no visible tests';
    }

    this.output = this.panel.querySelector('.output');
    this.output.id = `output-${number}`;
    this.output.setAttribute('aria-label', `Output of question ${number}`);

    this.inputForm = this.panel.querySelector('.input-line');
    this.inputField = this.panel.querySelector('.input-field');
    this.inputField.id = `input-${number}`;
    this.panel.querySelector('.input-label').htmlFor = this.inputField.id;
    this.inputForm.addEventListener('submit', (event) => {
      event.preventDefault();
      const line = this.inputField.value;
      this.inputField.value = '';
      this.hideInput();
      handlers.onInput(this, line);
    });
  }

  get text() {
    return this.editor.view.state.doc.toString();
  }

  select(selected) {
    this.tab.setAttribute('aria-selected', String(selected));
    this.tab.tabIndex = selected ? 0 : -1;
    this.panel.hidden = !selected;
    if (selected) {
      this.editor.view.requestMeasure();
    }
  }

  clearOutput() {
    this.output.replaceChildren();
    this.outputLength = 0;
  }

  // Appends `text` of `stream`: 'stdout', 'stderr', 'stdin' (a line the
  // student typed, echoed) or 'note' (a message of the page).
  appendOutput(text, stream) {
    let node;
    if (stream === 'stdout') {
      node = document.createTextNode(text);
    } else {
      node = document.createElement('span');
      node.className = `output-${stream}`;
      node.textContent = text;
    }
    this.output.append(node);
    this.outputLength += text.length;
    while (this.outputLength > MAX_OUTPUT_CHARS && this.output.firstChild) {
      this.outputLength -= this.output.firstChild.textContent.length;
      this.output.firstChild.remove();
    }
    this.output.scrollTop = this.output.scrollHeight;
  }

  showInput() {
    this.inputForm.hidden = false;
    this.inputField.focus();
  }

  hideInput() {
    this.inputForm.hidden = true;
  }

  // Sets the buttons for: 'idle', 'running' (this panel runs), 'busy'
  // (another panel runs) or 'closed' (exam submitted).
  setRunState(state, label = '') {
    const hasTests = Boolean(this.question.tests);
    this.runButton.disabled = state !== 'idle';
    this.checkButton.disabled = state !== 'idle' || !hasTests;
    this.stopButton.disabled = state !== 'running';
    this.runState.textContent = label;
  }
}
