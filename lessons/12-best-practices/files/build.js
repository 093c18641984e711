// Builds the site: every pages/*.txt becomes dist/<name>.html.
const fs = require('fs');
const path = require('path');

const pages = fs.readdirSync('pages').filter((file) => file.endsWith('.txt')).sort();
const nav = pages.map((file) => `<a href="${file.replace('.txt', '.html')}">${file.replace('.txt', '')}</a>`).join(' · ');
fs.mkdirSync('dist', { recursive: true });
for (const file of pages) {
  const [title, ...paragraphs] = fs.readFileSync(path.join('pages', file), 'utf8').trim().split('\n').filter(Boolean);
  const html = [
    '<!doctype html>',
    `<html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body>`,
    `<nav>${nav}</nav>`,
    `<h1>${title}</h1>`,
    ...paragraphs.map((paragraph) => `<p>${paragraph}</p>`),
    '</body></html>',
  ].join('\n');
  fs.writeFileSync(path.join('dist', file.replace('.txt', '.html')), html + '\n');
}
console.log(`Built ${pages.length} pages into dist/`);
