import { describe, expect, it } from 'vitest';
import { BuildStepTracker } from '../../sandbox-server/build/steps.ts';

describe('BuildStepTracker', () => {
  it('records each step, its cache hit and its image, across chunk boundaries', () => {
    const tracker = new BuildStepTracker();
    const stream = [
      'Step 1/4 : FROM busybox AS build\n ---> 111111111111\n',
      'Step 2/4 : RUN echo hi > /x\n ---> Using cache\n ---> 2222',
      '22222222\nStep 3/4 : FROM busybox\n ---> 111111111111\n',
      'Step 4/4 : COPY --from=build /x /x\n ---> Running in abc\nRemoving intermediate container abc\n ---> 333333333333\n',
    ];
    for (const chunk of stream) tracker.push(chunk);
    expect(tracker.steps.map(({ index, cached, imageId, stage }) => ({ index, cached, imageId, stage }))).toEqual([
      { index: 1, cached: false, imageId: '111111111111', stage: 0 },
      { index: 2, cached: true, imageId: '222222222222', stage: 0 },
      { index: 3, cached: false, imageId: '111111111111', stage: 1 },
      { index: 4, cached: false, imageId: '333333333333', stage: 1 },
    ]);
    expect(tracker.stageResults()).toEqual(['222222222222', '333333333333']);
  });
});

describe('a RUN step that prints one endless line', () => {
  it('is read in time linear in its size, and the steps after it are still seen', () => {
    const tracker = new BuildStepTracker();
    tracker.push('Step 1/2 : FROM busybox\n ---> 0123456789ab\nStep 2/2 : RUN yes | tr -d "\\n"\n');
    const chunk = 'y'.repeat(64 * 1024);
    for (let i = 0; i < 800; i++) tracker.push(chunk);
    tracker.push('\n ---> ba9876543210\n');
    expect(tracker.steps.map((step) => [step.index, step.imageId])).toEqual([
      [1, '0123456789ab'],
      [2, 'ba9876543210'],
    ]);
  });
});
