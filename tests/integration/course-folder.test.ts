import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.ts';

/**
 * A course kept outside the project (a copy of tests/fixtures/school-course: its own course.yml,
 * lessons and catalogue.yml), served and proven the way a school would: `layerlab --course DIR …`, as child
 * processes on the real engine, each with an instance name of its own.
 */
// Outside the project, in a folder with a space in its name, reached through a symbolic link.
const outside = mkdtempSync(path.join(os.tmpdir(), 'layerlab course '));
cpSync(path.resolve('tests/fixtures/school-course'), path.join(outside, 'our course'), { recursive: true });
const school = path.join(outside, 'link');
symlinkSync(path.join(outside, 'our course'), school);
const cli = path.resolve('bin/layerlab.js');
const siteDir = mkdtempSync(path.join(os.tmpdir(), 'layerlab-school-site-'));
const instance = (role: string) => `t${process.pid % 100000}-${role}`;

afterAll(() => {
  rmSync(siteDir, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});


describe('a course of its own, outside the project', () => {
  it('is proven by `layerlab lessons check --course DIR`, base image from its own catalogue included', () => {
    const result = spawnSync(process.execPath, [cli, 'lessons', 'check', '--course', school], {
      encoding: 'utf8',
      env: { ...process.env, LAYERLAB_INSTANCE: instance('check') },
      timeout: 300_000,
    });
    expect(result.stderr).not.toMatch(/Error/);
    // What it said on stderr comes with a failure (CI's one failure here printed only the static line).
    expect(result.stdout, result.stderr).toMatch(/01-school-greeting/);
    expect(result.stdout).toMatch(/02-extra-credit/);
    expect(result.status).toBe(0);
  }, 320_000);

  it('is served by `layerlab serve --course DIR`: its title, time estimates, optional lesson and starter files', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [cli, 'serve', '--course', school], {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LAYERLAB_INSTANCE: instance('serve'), LAYERLAB_SITE_DIR: siteDir, LAYERLAB_WARM_WORKBENCHES: '0', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (data) => (output += data));
    child.stderr.on('data', (data) => (output += data));
    try {
      await new Promise<void>((resolve, reject) => {
        const started = Date.now();
        const timer = setInterval(() => {
          const stop = (error?: Error) => {
            clearInterval(timer);
            if (error) reject(error);
            else resolve();
          };
          if (output.includes('serving the course and the sandbox')) stop();
          else if (child.exitCode !== null) stop(new Error(`layerlab serve stopped: ${output}`));
          else if (Date.now() - started > 280_000) stop(new Error(`layerlab serve did not start: ${output}`));
        }, 200);
      });
      const base = `http://127.0.0.1:${port}`;
      const home = await (await fetch(`${base}/`)).text();
      // Astro adds data-astro-cid-… attributes to every element; the text is what counts.
      const text = (html: string) => html.replace(/<[^>]*>/g, '\n');
      expect(home).toContain('<title>Layerlab · Containers at Example School</title>');
      expect(text(home)).toContain('\nContainers at Example School\n');
      expect(text(home)).toContain("\nThe school&#39;s own two-lesson course, with a base image of its own.\n");
      expect(text(home)).toContain('\n2 lessons · 1 optional · about 10 min, 5 min more with the optional ones\n');
      expect(text(home)).toContain('\nabout 10 min\n');
      expect(text(home)).toContain('\nabout 5 min · optional\n');
      expect(home).toMatch(/data-lesson-id="02-extra-credit" data-optional /);
      expect(home).not.toMatch(/data-lesson-id="01-school-greeting" data-optional /);
      const page = await fetch(`${base}/lessons/01-school-greeting/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/Lesson 1 of 2 · about 10 min/);
      // The sandbox serves the same course: the lesson's starter comes from the course's files/.
      const session = await fetch(`${base}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: base },
        body: JSON.stringify({ lessonId: '01-school-greeting' }),
      });
      expect(session.status).toBe(200);
      expect(((await session.json()) as { files: Record<string, string> }).files).toEqual({ Dockerfile: 'FROM school/shell:1.35\n' });
    } finally {
      child.kill('SIGINT');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }, 320_000);
});
