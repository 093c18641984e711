import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { courseFromEnv } from '../../sandbox-server/course/course.ts';
import { PROJECT_ROOT } from '../../sandbox-server/project-root.ts';
import { loadCatalogue } from '../../sandbox-server/images/catalogue-file.ts';
import { serverConfigFromEnv } from '../../sandbox-server/config/server.ts';

const school = path.resolve('tests/fixtures/school-course');

function courseFolder(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'layerlab-course-'));
  mkdirSync(path.join(root, 'lessons'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(root, name), text);
  return root;
}

describe('a course folder', () => {
  it('is this repository unless LAYERLAB_COURSE names another', () => {
    const shipped = courseFromEnv({});
    expect(shipped).toMatchObject({ root: PROJECT_ROOT, shipped: true, lessonsDir: path.join(PROJECT_ROOT, 'lessons'), title: 'Learn Docker images by building them.' });
    // The shipped catalogue.yml is the catalogue itself, not an addition to it.
    expect(shipped.catalogueFile).toBeUndefined();
    // Reached through a symbolic link, the repository is still the shipped course.
    const link = path.join(mkdtempSync(path.join(os.tmpdir(), 'layerlab-course-')), 'checkout');
    symlinkSync(PROJECT_ROOT, link);
    expect(courseFromEnv({ LAYERLAB_COURSE: link })).toMatchObject({ root: PROJECT_ROOT, shipped: true, catalogueFile: undefined });
    const other = courseFromEnv({ LAYERLAB_COURSE: school });
    expect(other).toEqual({
      root: school,
      shipped: false,
      lessonsDir: path.join(school, 'lessons'),
      catalogueFile: path.join(school, 'catalogue.yml'),
      title: 'Containers at Example School',
      summary: "The school's own two-lesson course, with a base image of its own.",
    });
  });

  it("adds its catalogue.yml to the shipped catalogue, and the operator's file still has the last word", () => {
    const references = (env: Record<string, string>) => loadCatalogue(env).flatMap((image) => image.tags.map((tag) => `${image.repository}:${tag}`));
    expect(references({})).not.toContain('school/shell:1.35');
    expect(references({ LAYERLAB_COURSE: school })).toContain('school/shell:1.35');
    const operator = courseFolder({});
    writeFileSync(
      path.join(operator, 'ops.yml'),
      'images:\n  - repository: school/shell\n    tags: ["1.35"]\n    summary: the operator\'s mirror\n    prepare: first-use\n    pull: mirror.example.org/school/shell:1.35\n',
    );
    const merged = loadCatalogue({ LAYERLAB_COURSE: school, LAYERLAB_CATALOGUE: path.join(operator, 'ops.yml') });
    expect(merged.find((image) => image.repository === 'school/shell')?.pull).toBe('mirror.example.org/school/shell:1.35');
  });

  it('gets a site folder of its own, so it never overwrites the shipped course\'s dist/', () => {
    const shipped = serverConfigFromEnv({});
    const other = serverConfigFromEnv({ LAYERLAB_COURSE: school });
    expect(shipped.siteDir).toBe(path.join(PROJECT_ROOT, 'dist'));
    expect(other.siteDir).toMatch(/\/\.layerlab\/sites\/school-course-[0-9a-f]{8}$/);
    expect(other.course.lessonsDir).toBe(path.join(school, 'lessons'));
  });

  it('is named by its folder when it has no course.yml', () => {
    const root = courseFolder({});
    expect(courseFromEnv({ LAYERLAB_COURSE: root })).toMatchObject({ title: path.basename(root), summary: undefined });
  });

  it('refuses what it cannot serve, in a sentence naming the file and the place', () => {
    expect(() => courseFromEnv({ LAYERLAB_COURSE: '/nowhere/at/all' })).toThrow(
      'LAYERLAB_COURSE (/nowhere/at/all): is not a folder; a course is a folder holding lessons/ (and optionally course.yml and catalogue.yml)',
    );
    const bare = mkdtempSync(path.join(os.tmpdir(), 'layerlab-course-'));
    expect(() => courseFromEnv({ LAYERLAB_COURSE: bare })).toThrow(`LAYERLAB_COURSE (${bare}): has no lessons/ folder`);
    expect(() => courseFromEnv({ LAYERLAB_COURSE: bare }, '--course')).toThrow(`--course (${bare}): has no lessons/ folder`);
    expect(() => courseFromEnv({ LAYERLAB_LESSONS_DIR: '/nowhere/lessons' })).toThrow('LAYERLAB_LESSONS_DIR (/nowhere/lessons): is not a folder of lessons');
    const typo = courseFolder({ 'course.yml': 'title: Ours\nsumary: A course\n' });
    expect(() => courseFromEnv({ LAYERLAB_COURSE: typo })).toThrow(`${typo}/course.yml: the file: "sumary" is not a key here; did you mean "summary"?`);
    const untitled = courseFolder({ 'course.yml': 'summary: A course\n' });
    expect(() => courseFromEnv({ LAYERLAB_COURSE: untitled })).toThrow(`${untitled}/course.yml: title: is missing`);
    const broken = courseFolder({ 'course.yml': '# a comment\ntitle: Ours\nsummary: [unclosed\n' });
    expect(() => courseFromEnv({ LAYERLAB_COURSE: broken })).toThrow(
      `${broken}/course.yml:4: this is not valid YAML (Flow sequence in block collection must be sufficiently indented and end with a ])`,
    );
  });
});
