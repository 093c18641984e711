import { describe, expect, it } from 'vitest';
import { contrastRatio, EDITOR_BACKGROUND, EDITOR_COLORS, TOKEN_RULES } from '../../src/lib/editor-theme.ts';

describe('the editor theme', () => {
  it('computes WCAG contrast as the standard does', () => {
    expect(contrastRatio('#ffffff', '#000000')).toBeCloseTo(21, 5);
    // Monaco's old line-number grey here fails, which is why it changed.
    expect(contrastRatio('#4b5563', EDITOR_BACKGROUND)).toBeLessThan(4.5);
  });

  const texts = {
    'editor.foreground': EDITOR_COLORS['editor.foreground'],
    'editorLineNumber.foreground': EDITOR_COLORS['editorLineNumber.foreground'],
    'editorLineNumber.activeForeground': EDITOR_COLORS['editorLineNumber.activeForeground'],
    ...Object.fromEntries(TOKEN_RULES.map((rule) => [`token ${rule.token}`, `#${rule.foreground}`])),
  };
  for (const [name, colour] of Object.entries(texts)) {
    it(`${name} (${colour}) passes AA against ${EDITOR_BACKGROUND}`, () => {
      expect(contrastRatio(colour, EDITOR_BACKGROUND)).toBeGreaterThanOrEqual(4.5);
      expect(contrastRatio(colour, EDITOR_COLORS['editor.lineHighlightBackground'])).toBeGreaterThanOrEqual(4.5);
    });
  }
});
