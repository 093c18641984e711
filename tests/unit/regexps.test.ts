import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { checkSync } from 'recheck';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * No regular expression in the server can take more than linear time, whatever a learner types:
 * each one is read out of the source and judged by recheck, a ReDoS checker. A new regex that
 * could backtrack fails this test, and so does a RegExp built at run time from anything but the
 * few sources listed here with their reason.
 */

const ROOT = path.resolve('sandbox-server');

/** RegExps made at run time, and why what they are made from is not a learner's. */
const BUILT_AT_RUN_TIME: Record<string, string> = {
  'images/catalogue-schema.ts': "an operator's version pattern, compiled once to check it (catalogue.yml or the LAYERLAB_CATALOGUE file)",
  'images/probe.ts': "the catalogue's version patterns (catalogue.yml or the operator's file), matched against the output of the image the recipe built",
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

interface Found {
  file: string;
  line: number;
  source: string;
  flags: string;
}

function regexpsIn(file: string): { literals: Found[]; built: Found[] } {
  const text = readFileSync(file, 'utf8');
  const tree = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const literals: Found[] = [];
  const built: Found[] = [];
  const relative = path.relative(ROOT, file);
  const at = (node: ts.Node) => tree.getLineAndCharacterOfPosition(node.getStart()).line + 1;
  const visit = (node: ts.Node) => {
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const literal = node.getText();
      const end = literal.lastIndexOf('/');
      literals.push({ file: relative, line: at(node), source: literal.slice(1, end), flags: literal.slice(end + 1) });
    }
    if (ts.isNewExpression(node) && node.expression.getText() === 'RegExp') {
      const [pattern, flags] = node.arguments ?? [];
      if (pattern && ts.isStringLiteralLike(pattern)) {
        literals.push({ file: relative, line: at(node), source: pattern.text, flags: flags && ts.isStringLiteralLike(flags) ? flags.text : '' });
      } else {
        built.push({ file: relative, line: at(node), source: pattern?.getText() ?? '', flags: '' });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(tree);
  return { literals, built };
}

const found = sources(ROOT).map(regexpsIn);
const literals = found.flatMap((entry) => entry.literals);
const built = found.flatMap((entry) => entry.built);

describe('the server\'s regular expressions', () => {
  it('were all found (the scan itself works)', () => {
    expect(literals.length).toBeGreaterThan(40);
  });

  it.each(literals.map((regexp) => [`${regexp.file}:${regexp.line} /${regexp.source}/${regexp.flags}`, regexp] as const))(
    '%s runs in linear time',
    (_name, regexp) => {
      const result = checkSync(regexp.source, regexp.flags.replace(/[gy]/g, ''), { timeout: 10_000 });
      expect(result.status, result.status === 'vulnerable' ? result.complexity.summary : result.status).toBe('safe');
    },
  );

  it('are built at run time only from sources no learner writes', () => {
    expect(built.map((regexp) => regexp.file)).toEqual(Object.keys(BUILT_AT_RUN_TIME));
  });
});
