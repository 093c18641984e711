/**
 * Dockerfile intelligence in Monaco from dockerfile-language-service, the library behind VS Code's
 * Docker extension: diagnostics as markers, completions and hovers. It runs on the main thread
 * (it is synchronous and fast on files this size). Its answers are LSP-shaped: positions are
 * 0-based where Monaco's are 1-based, and the completion kinds are numbered differently.
 */
import type * as Monaco from 'monaco-editor/editor';
import { DockerfileLanguageServiceFactory } from 'dockerfile-language-service';
import { lintDockerfile } from '../lib/dockerfile-lint.ts';
import type { CompletionItem, Diagnostic, MarkupContent, Range as LspRange } from 'vscode-languageserver-types';

// dockerfile-ast calls Buffer.from on every parse (a BOM check); browsers have no Buffer.
const globals = globalThis as { Buffer?: { from(text: string): Uint8Array } };
globals.Buffer ??= { from: (text: string) => new TextEncoder().encode(text) };

const MARKER_OWNER = 'dockerfile-language-service';
const LINT_OWNER = 'layerlab-lint';
const REVIEW_OWNER = 'layerlab-review';
const VALIDATE_DELAY_MS = 250;
/** The sandbox's review asks the server: once per pause in typing, not per key. */
const REVIEW_DELAY_MS = 600;

type MonacoApi = typeof Monaco;

function toRange(monaco: MonacoApi, range: LspRange): Monaco.Range {
  return new monaco.Range(range.start.line + 1, range.start.character + 1, range.end.line + 1, range.end.character + 1);
}

function markupText(value: string | MarkupContent | undefined): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.value;
}

/** LSP CompletionItemKind (1-based) to Monaco's enum, for the kinds this service returns. */
function completionKind(monaco: MonacoApi, kind: number | undefined): Monaco.languages.CompletionItemKind {
  const kinds = monaco.languages.CompletionItemKind;
  switch (kind) {
    case 14:
      return kinds.Keyword;
    case 15:
      return kinds.Snippet;
    case 10:
      return kinds.Property;
    case 12:
      return kinds.Value;
    case 6:
      return kinds.Variable;
    case 5:
      return kinds.Field;
    case 13:
      return kinds.Enum;
    case 21:
      return kinds.Constant;
    default:
      return kinds.Text;
  }
}

function markerSeverity(monaco: MonacoApi, severity: Diagnostic['severity']): Monaco.MarkerSeverity {
  switch (severity) {
    case 1:
      return monaco.MarkerSeverity.Error;
    case 2:
      return monaco.MarkerSeverity.Warning;
    case 3:
      return monaco.MarkerSeverity.Info;
    default:
      return monaco.MarkerSeverity.Hint;
  }
}

export function registerDockerfileLanguageService(monaco: MonacoApi): void {
  const service = DockerfileLanguageServiceFactory.createLanguageService();
  service.setCapabilities({
    completion: { completionItem: { snippetSupport: true, documentationFormat: ['markdown'], deprecatedSupport: true } },
    hover: { contentFormat: ['markdown'] },
  });

  const originals = new WeakMap<Monaco.languages.CompletionItem, CompletionItem>();

  monaco.languages.registerCompletionItemProvider('dockerfile', {
    triggerCharacters: ['=', ' ', '$', '-'],
    async provideCompletionItems(model, position) {
      const items = await service.computeCompletionItems(model.getValue(), {
        line: position.lineNumber - 1,
        character: position.column - 1,
      });
      const word = model.getWordUntilPosition(position);
      const fallbackRange = new monaco.Range(position.lineNumber, word.startColumn, position.lineNumber, word.endColumn);
      const suggestions = items.map((item) => {
        const edit = item.textEdit && 'range' in item.textEdit ? item.textEdit : undefined;
        const suggestion: Monaco.languages.CompletionItem = {
          label: item.label,
          kind: completionKind(monaco, item.kind),
          detail: item.detail,
          documentation: markupText(item.documentation) && { value: markupText(item.documentation)! },
          insertText: edit?.newText ?? item.insertText ?? item.label,
          insertTextRules:
            item.insertTextFormat === 2 ? monaco.languages.CompletionItemInsertTextRule.InsertAsSnippet : undefined,
          range: edit ? toRange(monaco, edit.range) : fallbackRange,
          sortText: item.sortText,
          filterText: item.filterText,
          tags: item.deprecated ? [monaco.languages.CompletionItemTag.Deprecated] : undefined,
        };
        originals.set(suggestion, item);
        return suggestion;
      });
      return { suggestions };
    },
    resolveCompletionItem(suggestion) {
      const original = originals.get(suggestion);
      if (!original) return suggestion;
      const resolved = service.resolveCompletionItem(original);
      const documentation = markupText(resolved.documentation);
      return { ...suggestion, detail: resolved.detail ?? suggestion.detail, documentation: documentation && { value: documentation } };
    },
  });

  monaco.languages.registerHoverProvider('dockerfile', {
    provideHover(model, position) {
      const hover = service.computeHover(model.getValue(), { line: position.lineNumber - 1, character: position.column - 1 });
      if (!hover) return null;
      const contents = Array.isArray(hover.contents) ? hover.contents : [hover.contents];
      return {
        range: hover.range && toRange(monaco, hover.range),
        contents: contents.map((content) => ({ value: typeof content === 'string' ? content : content.value })),
      };
    },
  });

  const validate = (model: Monaco.editor.ITextModel) => {
    if (model.isDisposed()) return;
    const markers = service.validate(model.getValue()).map((diagnostic) => ({
      ...toRange(monaco, diagnostic.range),
      severity: markerSeverity(monaco, diagnostic.severity),
      message: diagnostic.message,
      code: diagnostic.code === undefined ? undefined : String(diagnostic.code),
      source: 'dockerfile',
      tags: diagnostic.tags?.filter((tag) => tag === 1 || tag === 2) as Monaco.MarkerTag[] | undefined,
    }));
    monaco.editor.setModelMarkers(model, MARKER_OWNER, markers);
    monaco.editor.setModelMarkers(
      model,
      LINT_OWNER,
      lintDockerfile(model.getValue()).map((finding) => ({
        startLineNumber: finding.startLine,
        startColumn: finding.startColumn,
        endLineNumber: finding.endLine,
        endColumn: finding.endColumn,
        severity: finding.severity === 'warning' ? monaco.MarkerSeverity.Warning : monaco.MarkerSeverity.Info,
        message: finding.message,
        source: 'layerlab',
        code: { value: `lesson ${finding.lesson}`, target: monaco.Uri.parse(new URL(`/lessons/${finding.lesson}/`, location.href).href) },
      })),
    );
  };

  /** The server's review, the same that refuses a build: its refusals are errors on their lines. */
  let reviewed = 0;
  const review = async (model: Monaco.editor.ITextModel) => {
    const ticket = ++reviewed;
    const text = model.getValue();
    let problems: { line: number; message: string }[] = [];
    try {
      const response = await fetch('/api/dockerfile/review', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
      });
      if (!response.ok) return;
      problems = ((await response.json()) as { problems: { line: number; message: string }[] }).problems;
    } catch {
      return; // offline: the build will say it
    }
    // An answer to an older text must not overwrite a newer one's.
    if (ticket !== reviewed || model.isDisposed() || model.getValue() !== text) return;
    monaco.editor.setModelMarkers(
      model,
      REVIEW_OWNER,
      problems
        .filter((problem) => problem.line >= 1 && problem.line <= model.getLineCount())
        .map((problem) => ({
          startLineNumber: problem.line,
          startColumn: model.getLineFirstNonWhitespaceColumn(problem.line) || 1,
          endLineNumber: problem.line,
          endColumn: model.getLineMaxColumn(problem.line),
          severity: monaco.MarkerSeverity.Error,
          message: problem.message,
          source: 'sandbox',
        })),
    );
  };

  const watch = (model: Monaco.editor.ITextModel) => {
    if (model.getLanguageId() !== 'dockerfile') return;
    validate(model);
    void review(model);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let reviewTimer: ReturnType<typeof setTimeout> | undefined;
    model.onDidChangeContent(() => {
      clearTimeout(timer);
      timer = setTimeout(() => validate(model), VALIDATE_DELAY_MS);
      clearTimeout(reviewTimer);
      reviewTimer = setTimeout(() => void review(model), REVIEW_DELAY_MS);
    });
  };
  monaco.editor.getModels().forEach(watch);
  monaco.editor.onDidCreateModel(watch);
}
