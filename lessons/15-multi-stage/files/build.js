// Writes dist/index.html. GREETING and RELEASE come from the build's ARG lines:
// RUN steps see every declared argument as an environment variable.
const fs = require('fs');

const greeting = process.env.GREETING || 'Hello';
const release = process.env.RELEASE || 'dev';
fs.mkdirSync('dist', { recursive: true });
fs.writeFileSync(
  'dist/index.html',
  [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><title>Banner</title></head><body>',
    `<h1>${greeting} from a multi-stage build</h1>`,
    `<p>Built by Node.js ${process.version}, served by nginx. Release ${release}.</p>`,
    '</body></html>',
  ].join('\n') + '\n',
);
console.log(`Built dist/index.html: "${greeting}", release ${release}`);
