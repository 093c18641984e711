/**
 * The editor modes lessons use. Each grammar loads only when a file of its kind opens. JSON gets
 * Monaco's JSON tokenizer without the JSON language worker: highlighting is all a lesson's
 * package.json needs.
 */
import * as monaco from 'monaco-editor/editor';
import 'monaco-editor/languages/definitions/dockerfile/register';
import 'monaco-editor/languages/definitions/javascript/register';
import 'monaco-editor/languages/definitions/python/register';
import 'monaco-editor/languages/definitions/html/register';

monaco.languages.register({ id: 'json', extensions: ['.json'], aliases: ['JSON', 'json'], mimetypes: ['application/json'] });
monaco.languages.onLanguage('json', () => {
  void import('monaco-editor/languages/features/json/tokenization').then(({ createTokenizationSupport }) => {
    monaco.languages.setTokensProvider('json', createTokenizationSupport(false));
  });
  monaco.languages.setLanguageConfiguration('json', {
    brackets: [
      ['{', '}'],
      ['[', ']'],
    ],
    autoClosingPairs: [
      { open: '{', close: '}' },
      { open: '[', close: ']' },
      { open: '"', close: '"', notIn: ['string'] },
    ],
  });
});
