/**
 * Writes the generated kernels (`npm run gen`): every `*.gen.ts` under protocols/math/ from the generator
 * beside it. test/unit/generated.test.ts fails when a committed file differs from what this writes.
 *
 * Usage: `tsx scripts/gen.ts` (prints one line per file written or unchanged).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateScalar22Kernels } from '../protocols/math/gen-scalar22-kernels.js';
import { generateSecpFieldKernels } from '../protocols/math/gen-secp-field-kernels.js';
import { generateSha256Compress } from '../protocols/math/gen-sha256-compress.js';

/** Every generated file: its path from the repository root and its generator. */
export const GENERATED: readonly { path: string; generate: () => string }[] = [
  { path: 'protocols/math/secp-field-kernels.gen.ts', generate: generateSecpFieldKernels },
  { path: 'protocols/math/sha256-compress.gen.ts', generate: generateSha256Compress },
  { path: 'protocols/math/scalar22-kernels.gen.ts', generate: generateScalar22Kernels },
];

function main(): void {
  for (const { path, generate } of GENERATED) {
    const file = fileURLToPath(new URL(`../${path}`, import.meta.url));
    const text = generate();
    let old = '';
    try {
      old = readFileSync(file, 'utf8');
    } catch {}
    if (old === text) {
      console.log(`gen: ${path} unchanged`);
      continue;
    }
    writeFileSync(file, text);
    console.log(`gen: ${path} written (${text.split('\n').length - 1} lines)`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
