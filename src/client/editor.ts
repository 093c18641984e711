/**
 * The workspace editor: Monaco with one model per workspace file, the lesson's languages and the
 * Dockerfile language service. Only the editor features a learner uses are imported (suggest,
 * hover, find, comment, go to error): the whole of Monaco is four times the size.
 */
import * as monaco from 'monaco-editor/editor';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import 'monaco-editor/features/suggest/register';
// features/suggest lacks the suggest widget itself (a packaging slip in Monaco 0.56+).
import 'monaco-editor/editor/contrib/suggest/browser/suggestController';
import 'monaco-editor/features/hover/register';
import 'monaco-editor/features/find/register';
import 'monaco-editor/features/comment/register';
import 'monaco-editor/features/gotoError/register';
import 'monaco-editor/features/bracketMatching/register';
import './editor-languages.ts';
import { registerDockerfileLanguageService } from './dockerfile-language.ts';
import { EDITOR_COLORS, TOKEN_RULES } from '../lib/editor-theme.ts';
import { languageFor } from '../lib/workspace-files.ts';
import type { FileMap } from './storage.ts';

self.MonacoEnvironment = { getWorker: () => new EditorWorker() };

monaco.editor.defineTheme('layerlab-dark', {
  base: 'vs-dark',
  inherit: true,
  rules: TOKEN_RULES.map((rule) => ({ ...rule })),
  colors: { ...EDITOR_COLORS },
});
registerDockerfileLanguageService(monaco);

export interface WorkspaceEditor {
  /** Shows a file's model (its cursor and scroll are kept per file). */
  show(path: string): void;
  /** Replaces every file (Reset, Solve), keeping the current tab if it still exists. */
  setFiles(files: FileMap): void;
  readonly activePath: string;
  focus(): void;
}

export interface EditorOptions {
  files: FileMap;
  active: string;
  onChange(path: string, content: string): void;
}

const uriFor = (path: string) => monaco.Uri.from({ scheme: 'file', path: `/workspace/${path}` });

function ariaLabelFor(path: string): string {
  return path === 'Dockerfile' ? 'Dockerfile editor' : `${path} editor`;
}

export function createEditor(host: HTMLElement, options: EditorOptions): WorkspaceEditor {
  const models = new Map<string, monaco.editor.ITextModel>();
  const viewStates = new Map<string, monaco.editor.ICodeEditorViewState | null>();
  let applying = false;

  const modelFor = (path: string, content: string) => {
    let model = models.get(path);
    if (!model) {
      model = monaco.editor.createModel(content, languageFor(path), uriFor(path));
      model.onDidChangeContent(() => {
        if (!applying) options.onChange(path, model!.getValue());
      });
      models.set(path, model);
    }
    return model;
  };
  for (const [path, content] of Object.entries(options.files)) modelFor(path, content);

  host.replaceChildren();
  const editor = monaco.editor.create(host, {
    model: modelFor(options.active, options.files[options.active] ?? ''),
    theme: 'layerlab-dark',
    ariaLabel: ariaLabelFor(options.active),
    automaticLayout: true,
    fontFamily: "ui-monospace, 'SFMono-Regular', 'JetBrains Mono', 'DejaVu Sans Mono', Menlo, Consolas, monospace",
    fontSize: 14,
    lineHeight: 21,
    minimap: { enabled: false },
    scrollBeyondLastLine: false,
    padding: { top: 10, bottom: 10 },
    renderLineHighlight: 'line',
    // Suggestions and hovers may spill out of the editor's pane instead of being clipped.
    fixedOverflowWidgets: true,
    tabSize: 2,
    wordWrap: 'on',
    // Typing a closing quote or bracket steps over the one already there, auto-inserted or not,
    // so `CMD ["echo", "hi"]` typed key by key ends with no stray quote.
    autoClosingOvertype: 'always',
    overviewRulerLanes: 0,
    scrollbar: { verticalScrollbarSize: 10, horizontalScrollbarSize: 10 },
  });
  let activePath = options.active;

  const show = (path: string) => {
    const model = models.get(path);
    if (!model || path === activePath) return;
    viewStates.set(activePath, editor.saveViewState());
    editor.setModel(model);
    const state = viewStates.get(path);
    if (state) editor.restoreViewState(state);
    editor.updateOptions({ ariaLabel: ariaLabelFor(path) });
    activePath = path;
  };

  return {
    show,
    get activePath() {
      return activePath;
    },
    setFiles(files) {
      applying = true;
      try {
        for (const [path, content] of Object.entries(files)) {
          const model = modelFor(path, content);
          // pushEditOperations keeps Ctrl-Z able to undo a Reset or a Solve.
          if (model.getValue() !== content) {
            model.pushEditOperations([], [{ range: model.getFullModelRange(), text: content }], () => null);
          }
        }
        for (const [path, model] of models) {
          if (path in files) continue;
          if (path === activePath) show(Object.keys(files)[0]!);
          model.dispose();
          models.delete(path);
          viewStates.delete(path);
        }
      } finally {
        applying = false;
      }
    },
    focus: () => editor.focus(),
  };
}
