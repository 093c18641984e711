import { describe, expect, it } from 'vitest';
import { catalogueProblems } from '../../sandbox-server/lessons/catalogue-needs.ts';
import { LessonFrontmatter } from '../../sandbox-server/lessons/schema.ts';

function lesson({ files, solution, ...fields }: Record<string, unknown>) {
  const frontmatter = LessonFrontmatter.parse({ title: 'T', summary: 'S', order: 99, objectives: ['o'], image: 'web', ...fields });
  return {
    id: '99-t',
    file: 'lessons/99-t/lesson.mdx',
    frontmatter,
    files: (files as Record<string, string> | undefined) ?? { Dockerfile: 'FROM busybox\n' },
    solution: (solution as Record<string, string> | undefined) ?? { Dockerfile: 'FROM busybox\n' },
  };
}

describe('a lesson that needs an image the catalogue lacks', () => {
  it('fails with a sentence naming where it names the image', () => {
    const problems = catalogueProblems(
      lesson({
        solution: { Dockerfile: 'FROM node:18-slim AS build\nFROM build\nFROM redis:6\n' },
        solutionCommands: ['docker pull alpine:3.19', 'docker run -d --name db -e POSTGRES_PASSWORD=x postgres:16', 'docker run --rm web'],
        checks: [{ kind: 'image-config', title: 'Built FROM Go', image: 'web', base: 'golang:1.22' }],
      }),
    );
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/^solutionCommands: `docker pull alpine:3\.19` needs alpine:3\.19, which the image catalogue lacks \(it has busybox:latest, .*redis:7\.0.*\); add it to catalogue\.yml or the LAYERLAB_CATALOGUE file, or use an image it has$/);
    expect(problems[1]).toContain('`docker run -d --name db -e POSTGRES_PASSWORD=x postgres:16` needs postgres:16,');
    expect(problems[2]).toContain("the solution's Dockerfile line 3 needs redis:6,");
    expect(problems[3]).toContain('the check "Built FROM Go" (base) needs golang:1.22,');
  });

  it("accepts catalogue images, the lesson's own, stages, scratch and the class registry", () => {
    const problems = catalogueProblems(
      lesson({
        files: { Dockerfile: 'FROM scratch\n', 'compose.yaml': 'services:\n  web:\n    build: .\n    image: counter\n  redis:\n    image: redis:7.0\n' },
        solution: { Dockerfile: 'FROM python:3.11 AS build\nFROM build\nFROM docker.io/library/nginx\n' },
        solutionCommands: ['docker build -t app:v1 .', 'docker tag app:v1 app:v2', 'docker run -d -p 8080:80 app:v2', 'docker run counter', 'docker pull localhost:5000/app:v1', 'docker run web'],
        checks: [{ kind: 'image-config', title: 'Built FROM busybox', image: 'web', base: 'busybox:1.35' }],
      }),
    );
    expect(problems).toEqual([]);
  });

  it("names a Compose service's image that the lesson does not build", () => {
    const [problem] = catalogueProblems(lesson({ solution: { 'compose.yaml': 'services:\n  cache:\n    image: memcached:1.6\n' } }));
    expect(problem).toContain("the solution's compose.yaml, service cache needs memcached:1.6,");
  });
});

describe('the ports a solution publishes, for the static check of http and publishes checks', () => {
  it('reads -p in every spelling, run.args, and a compose file\'s ports in both syntaxes', async () => {
    const { publishedPorts, portProblems } = await import('../../sandbox-server/lessons/ports.ts');
    const published = publishedPorts(
      lesson({
        solutionCommands: ['docker run -d -p 8080:80 web', 'docker run -d -p8081:80 web', 'docker run -d --publish=127.0.0.1:8082:80/tcp web', 'docker run -d -p 80 web'],
        run: { args: '--publish 8083:80' },
        solution: { 'compose.yaml': 'services:\n  web:\n    ports: ["8084:80", "9000"]\n  db:\n    ports:\n      - target: 5432\n        published: 8085\n' },
      }),
    );
    expect([...published].sort()).toEqual([8080, 8081, 8082, 8083, 8084, 8085]);
    const unpublished = lesson({ checks: [{ kind: 'publishes', title: 'Publishes 9999', port: 9999 }], solutionCommands: ['docker run -d -p 80 web'] });
    expect(portProblems(unpublished)).toEqual([
      'checks[0] ("Publishes 9999"): port 9999 is not published by the solution: no -p 9999:… in solutionCommands or run.args, nor ports: "9999:…" in a compose file',
    ]);
  });

  it('names an image a check looks for that is neither the lesson\'s own nor in the catalogue', () => {
    const problems = catalogueProblems(lesson({ checks: [{ kind: 'image', title: 'mysql is pulled', image: 'mysql:8' }, { kind: 'image', title: 'web exists', image: 'web' }] }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^the check "mysql is pulled" \(image\) needs mysql:8, which the image catalogue lacks/);
  });
});
