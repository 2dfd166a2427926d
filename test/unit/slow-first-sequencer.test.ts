import { expect, test } from 'vitest';
import { sharedLast } from '../setup/slow-first-sequencer.ts';

const spec = (project: string, isolate: boolean, file: string) => ({ project: { name: project, config: { isolate } }, file });

test('files of non-isolated projects go last, each project together, keeping the order within it', () => {
  const sorted = [
    spec('node', true, 'slow-node'),
    spec('infra', false, 'slow-infra'),
    spec('e2e', true, 'journey'),
    spec('unit', false, 'big-unit'),
    spec('infra', false, 'quick-infra'),
    spec('workers', true, 'fuzz'),
    spec('unit', false, 'small-unit'),
  ];
  expect(sharedLast(sorted).map((s) => s.file)).toEqual([
    'slow-node',
    'journey',
    'fuzz',
    'slow-infra',
    'quick-infra',
    'big-unit',
    'small-unit',
  ]);
});

test('with every project isolated the order is unchanged', () => {
  const sorted = [spec('node', true, 'a'), spec('workers', true, 'b'), spec('e2e', true, 'c')];
  expect(sharedLast(sorted)).toEqual(sorted);
});
