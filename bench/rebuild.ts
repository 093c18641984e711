import type { Learner } from '../tests/support/sandbox.ts';
import type { Section } from './report.ts';
import { median, ms, percentile, timed } from './stats.ts';

/** The seeds' Node.js "Hello, Docker!" lesson: the workspace a learner rebuilds most. */
const LESSON = {
  Dockerfile: [
    'FROM node:18-slim',
    'WORKDIR /usr/src/app',
    'COPY package*.json ./',
    'RUN npm install',
    'COPY . .',
    'EXPOSE 3000',
    'CMD ["node", "app.js"]',
    '',
  ].join('\n'),
  'package.json': JSON.stringify({ name: 'hello-docker', version: '1.0.0', main: 'app.js', dependencies: {} }, null, 2),
  'app.js': "const http = require('http');\nhttp.createServer((req, res) => res.end('Hello, Docker!\\n')).listen(3000);\n",
};

export async function measureCachedRebuild(learner: Learner, rounds: number): Promise<Section> {
  await learner.setFiles(LESSON);
  await learner.ok('docker build -t hello-node .');
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    samples.push(
      await timed(async () => {
        const result = await learner.run('docker build -t hello-node .');
        if (result.exitCode !== 0 || !/Using cache/.test(result.output)) throw new Error(`rebuild was not cached:\n${result.output}`);
      }),
    );
  }
  const p50 = median(samples);
  return {
    title: 'Cached rebuild of a lesson',
    method: `\`docker build -t hello-node .\` of the Node.js "Hello, Docker!" lesson (node:18-slim, COPY package*.json, RUN npm install, COPY . .), unchanged since the last build, typed into a sandbox terminal and timed until the command ends; ${rounds} rounds.`,
    rows: [
      { measure: 'median', value: ms(p50), budget: '≤ 300 ms', withinBudget: p50 <= 300 },
      { measure: 'p90', value: ms(percentile(samples, 90)) },
    ],
  };
}
