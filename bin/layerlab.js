#!/usr/bin/env node
// The layerlab command. The code is TypeScript, run by Node's own type stripping (Node 22.18+);
// `npm install` puts such a Node in node_modules/.bin, which npx and npm scripts put first on PATH.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `layerlab needs Node 22.18 or newer and this is Node ${process.versions.node}; run it through npm (npx layerlab, npm start), which uses the Node that npm install put in node_modules/.bin.`,
  );
  process.exit(1);
}
await import('../sandbox-server/regexp-guard.ts');
const { main } = await import('../sandbox-server/cli/main.ts');
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(`layerlab: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
