// The lesson site. `npm start` builds it into dist/, which the sandbox server serves on its own
// port; `npm run dev` runs `astro dev` here with /api (HTTP and the terminal WebSocket) proxied to
// a sandbox server on SANDBOX_PORT.
import mdx from '@astrojs/mdx';
import { defineConfig } from 'astro/config';
import { lazyCss } from './src/lib/lazy-css.ts';
import { runnableFences } from './src/lib/runnable-fences.ts';
import { browserStubs } from './src/lib/vite-browser-stubs.ts';

const sandboxPort = process.env.SANDBOX_PORT ?? '4322';

export default defineConfig({
  integrations: [mdx(), lazyCss()],
  // Lessons live at /lessons/<id>/, which the sandbox server serves as dist/lessons/<id>/index.html.
  trailingSlash: 'ignore',
  build: { format: 'directory' },
  markdown: {
    shikiConfig: {
      theme: 'github-light',
      // ```sh run marks a block as runnable: it gets a "Run in terminal" button.
      transformers: [runnableFences()],
    },
  },
  devToolbar: { enabled: false },
  vite: {
    plugins: [browserStubs()],
    // Monaco is one 3.5 MB chunk by design (it loads only with the workspace); don't warn about it.
    build: {
      chunkSizeWarningLimit: 4096,
      rolldownOptions: {
        onwarn(warning, warn) {
          // Every MDX file triggers this about Astro's own "use astro:head-inject"; it is harmless.
          if (warning.code === 'MODULE_LEVEL_DIRECTIVE' && warning.message.includes('astro:head-inject')) return;
          warn(warning);
        },
      },
    },
    server: {
      proxy: {
        // Keep the Host header (no changeOrigin): the sandbox checks Origin against it.
        '/api': { target: `http://127.0.0.1:${sandboxPort}`, ws: true },
      },
    },
    optimizeDeps: {
      // Pre-bundled up front, so the first scroll to the workspace in dev does not make Vite
      // re-optimise and reload the page ("504 Outdated Optimize Dep").
      // Keep in step with the imports of src/client/editor.ts, editor-languages.ts and terminal.ts.
      include: [
        'monaco-editor/editor',
        'monaco-editor/editor/contrib/suggest/browser/suggestController',
        'monaco-editor/features/suggest/register',
        'monaco-editor/features/hover/register',
        'monaco-editor/features/find/register',
        'monaco-editor/features/comment/register',
        'monaco-editor/features/gotoError/register',
        'monaco-editor/features/bracketMatching/register',
        'monaco-editor/languages/definitions/dockerfile/register',
        'monaco-editor/languages/definitions/javascript/register',
        'monaco-editor/languages/definitions/python/register',
        'monaco-editor/languages/definitions/html/register',
        'monaco-editor/languages/features/json/tokenization',
        '@xterm/xterm',
        '@xterm/addon-fit',
        'dockerfile-language-service',
      ],
    },
  },
});
