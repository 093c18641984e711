// The quote service: one quote a request, with the release it came from.
const http = require('http');

const quotes = [
  'An image is a promise: it starts the same way tomorrow.',
  'Tag it before you ship it.',
  'The cache remembers what you forget.',
  'Build once, run anywhere, roll back in a second.',
];
const version = process.env.APP_VERSION || 'unknown';
const motto = process.env.MOTTO || '';
let served = 0;

http
  .createServer((req, res) => {
    const quote = quotes[served++ % quotes.length];
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(`Quote service ${version} - ${motto}\n${quote}\n`);
  })
  .listen(3000, () => console.log(`Quote service ${version} listening on port 3000`));
