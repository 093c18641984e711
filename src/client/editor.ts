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
// Ctrl+M (Ctrl+Shift+M on a Mac): Tab moves focus instead of indenting, as in VS Code.
import 'monaco-editor/features/toggleTabFocusMode/register';
import './editor-languages.ts';
import './build-marks.css';
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
  /** Marks each instruction line with what the last build did there; an edit to the file clears them. */
  markBuild(path: string, marks: readonly BuildMark[]): void;
  /** Marks the line a failed build stopped at, in the file whose text is what was built. */
  markFailure(build: BuiltText): void;
}

export interface BuildMark {
  line: number;
  state: 'cached' | 'rebuilt' | 'failed';
  /** Shown after the line: "cached", "ran 4.1 s, 12 kB". */
  label: string;
}

const BUILD_OWNER = 'layerlab-build';

/** What markFailure needs of a build report (GET /api/builds/last). */
export interface BuiltText {
  ok: boolean;
  dockerfile: string;
  failure?: { line: number; message: string };
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
  /** Per file, the IDs of its build-mark decorations (they live on the model, so they follow its tab). */
  const buildMarks = new Map<string, string[]>();
  let applying = false;

  const modelFor = (path: string, content: string) => {
    let model = models.get(path);
    if (!model) {
      model = monaco.editor.createModel(content, languageFor(path), uriFor(path));
      model.onDidChangeContent(() => {
        // The marks describe the file as it was built; once it changes they no longer do.
        const marked = buildMarks.get(path);
        if (marked?.length) buildMarks.set(path, model!.deltaDecorations(marked, []));
        // The learner is fixing it: the build's marker belongs to the text that was built.
        monaco.editor.setModelMarkers(model!, BUILD_OWNER, []);
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
    markBuild(path, marks) {
      const model = models.get(path);
      if (model) buildMarks.set(path, model.deltaDecorations(buildMarks.get(path) ?? [], decorationsFor(marks, model)));
    },
    markFailure(build) {
      for (const model of models.values()) {
        monaco.editor.setModelMarkers(model, BUILD_OWNER, []);
        // The build may have used another Dockerfile (-f, a folder): mark only the text it built.
        const { failure } = build;
        if (build.ok || !failure || model.getValue() !== build.dockerfile || failure.line > model.getLineCount()) continue;
        monaco.editor.setModelMarkers(model, BUILD_OWNER, [
          {
            startLineNumber: failure.line,
            startColumn: model.getLineFirstNonWhitespaceColumn(failure.line) || 1,
            endLineNumber: failure.line,
            endColumn: model.getLineMaxColumn(failure.line),
            severity: monaco.MarkerSeverity.Error,
            message: `the build stopped here: ${failure.message}`,
            source: 'docker build',
          },
        ]);
      }
    },
  };
}

function decorationsFor(marks: readonly BuildMark[], model: monaco.editor.ITextModel): monaco.editor.IModelDeltaDecoration[] {
  return marks
    .filter((mark) => mark.line >= 1 && mark.line <= model.getLineCount())
    .map((mark) => ({
      range: new monaco.Range(mark.line, 1, mark.line, model.getLineMaxColumn(mark.line)),
      options: {
        linesDecorationsClassName: `build-gutter build-gutter-${mark.state}`,
        hoverMessage: { value: `Last build: ${mark.label}` },
        after: { content: `  ${mark.label}`, inlineClassName: `build-note build-note-${mark.state}` },
        stickiness: monaco.editor.TrackedRangeStickiness.NeverGrowsWhenTypingAtEdges,
      },
    }));
}
