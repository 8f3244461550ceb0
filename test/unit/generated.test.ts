/**
 * Generated kernels: every committed `*.gen.ts` equals what its generator writes (`npm run gen`), is marked
 * "generated — do not edit", and every `*.gen.ts` under protocols/ has a generator registered in scripts/gen.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GENERATED } from '../../scripts/gen.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('every committed generated kernel is exactly its generator’s output (run `npm run gen` after changing one)', () => {
  assert.ok(GENERATED.length >= 2);
  for (const { path, generate } of GENERATED) {
    const committed = readFileSync(`${root}${path}`, 'utf8');
    assert.ok(committed === generate(), `${path} differs from its generator's output: run \`npm run gen\``);
    assert.ok(committed.startsWith('// generated — do not edit'), `${path} lacks the "generated — do not edit" mark`);
  }
});

test('no *.gen.ts file without a registered generator', () => {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(`${root}${dir}`, { withFileTypes: true })) {
      if (e.isDirectory()) walk(`${dir}/${e.name}`);
      else if (e.name.endsWith('.gen.ts')) found.push(`${dir}/${e.name}`);
    }
  };
  walk('protocols');
  assert.equal(found.sort(), GENERATED.map((g) => g.path).sort());
});

test('a changed generated file is detected (the comparison is not vacuous)', () => {
  const { path, generate } = GENERATED[0] as (typeof GENERATED)[0];
  const tampered = readFileSync(`${root}${path}`, 'utf8').replace('const R = 4194304;', 'const R = 4194305;');
  assert.not.ok(tampered === generate());
});

test.run();
