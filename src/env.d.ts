/// <reference types="vite/client" />

/** Monaco's JSON tokenizer, which ships without types; used without the JSON worker (editor-languages.ts). */
declare module 'monaco-editor/languages/features/json/tokenization' {
  import type { languages } from 'monaco-editor/editor';
  export function createTokenizationSupport(supportComments: boolean): languages.TokensProvider;
}
