import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkImports } from '../../scripts/check-imports.js';

const one = (path: string, text: string) => checkImports([{ path, text }]);

test('protocols/ may import only itself and @noble', () => {
  assert.is(
    one('protocols/x.ts', "import { sha256 } from '@noble/hashes/sha2.js';\nimport { a } from './common/bytes.js';")
      .length,
    0,
  );
  assert.is(one('protocols/x.ts', "import { createHash } from 'node:crypto';").length, 1);
  assert.is(one('protocols/x.ts', "import { z } from 'zod';").length, 1);
  assert.is(one('protocols/x.ts', "import { y } from '../src/party.js';").length, 1);
});

test('protocols/ stays pure: no Math.random, clock or environment', () => {
  assert.is(one('protocols/x.ts', 'const r = Math.random();').length, 1);
  assert.is(one('protocols/x.ts', 'const t = Date.now();').length, 1);
  assert.is(one('protocols/x.ts', 'const e = process.env.X;').length, 1);
  assert.is(one('protocols/x.ts', '// Math.random() is never used here').length, 0);
});

test('src/ and coordinator/ do not import each other; cli/ may import both', () => {
  assert.is(one('src/x.ts', "import { y } from '../coordinator/server.js';").length, 1);
  assert.is(one('coordinator/x.ts', "import { y } from '../src/party.js';").length, 1);
  assert.is(one('src/x.ts', "import { y } from '../protocols/dkls23/sign.js';").length, 0);
  assert.is(
    one('cli/x.ts', "import { y } from '../src/party.js';\nimport { z } from '../coordinator/server.js';").length,
    0,
  );
});

test.run();
