// A small static file server: the built pages from dist/, and, as a "handy" fallback,
// any other file in the folder it runs in.
const fs = require('fs');
const http = require('http');
const path = require('path');

http
  .createServer((req, res) => {
    const wanted = decodeURIComponent(req.url.split('?')[0]).replace(/^\/+/, '') || 'index.html';
    for (const file of [path.join('dist', wanted), wanted]) {
      if (fs.existsSync(file) && fs.statSync(file).isFile()) {
        res.writeHead(200, { 'Content-Type': file.endsWith('.html') ? 'text/html' : 'text/plain' });
        return res.end(fs.readFileSync(file));
      }
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('404 Not Found\n');
  })
  .listen(8080, () => console.log('Serving on port 8080'));
