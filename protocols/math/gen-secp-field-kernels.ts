/**
 * Generator of secp-field-kernels.gen.ts: the unrolled float-limb kernels of the secp256k1 base field (add,
 * subtract, multiply by a small integer, multiply, square). Unrolled because V8 runs the written-out code
 * several times faster than indexed loops. `npm run gen` writes the file; test/unit/generated.test.ts fails
 * when the committed file differs from this output.
 *
 * Representation (secp-field.ts): 12 limbs of radix 2^22 in a Float64Array, limbs in [0, 2^23) when
 * normalised; every product and column sum stays below 2^53, so all arithmetic is exact. PUBLIC VALUES ONLY:
 * the carries use `Math.floor`, which V8 may compile to a branch on a zero result.
 */

const LIMBS = 12;
const P = (1n << 256n) - (1n << 32n) - 977n;

/** The 12 limbs (radix 2^22, the top limb taking the remaining bits) of a non-negative bigint. */
function limbs(x: bigint): number[] {
  const out: number[] = [];
  let v = x;
  for (let i = 0; i < LIMBS - 1; i++) {
    out.push(Number(v & 0x3fffffn));
    v >>= 22n;
  }
  out.push(Number(v));
  return out;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** `c = Math.floor(v·RI); v −= c·R; next += c` over `names`, the carry of the last left in `c`. */
function carryChain(names: readonly string[], first: boolean): string[] {
  const lines: string[] = [];
  names.forEach((v, i) => {
    lines.push(`${i === 0 && first ? 'let c' : 'c'} = Math.floor(${v} * RI);`, `${v} -= c * R;`);
    const next = names[i + 1];
    if (next !== undefined) lines.push(`${next} += c;`);
  });
  return lines;
}

/** One pass over locals `l0..l11` with the carry out of the top limb folded back (2^264 ≡ 2^40 + 250112). */
function shortCarry(): string[] {
  const l = range(LIMBS).map((i) => `l${i}`);
  return [
    ...carryChain(l, true),
    'o[0] = l0 + c * C0;',
    'o[1] = l1 + c * C1;',
    ...range(LIMBS - 2).map((i) => `o[${i + 2}] = l${i + 2};`),
  ];
}

function addLike(name: string, doc: string, params: string, term: (i: number) => string): string[] {
  return [
    `/** ${doc} */`,
    `export function ${name}(${params}): void {`,
    ...range(LIMBS).map((i) => `  let l${i} = ${term(i)};`),
    ...shortCarry().map((s) => `  ${s}`),
    '}',
    '',
  ];
}

/** The reduction shared by fmul and fsqr, from the 23 column sums t0..t22 to the normalised output. */
function reduceProduct(): string[] {
  const t = range(2 * LIMBS - 1).map((i) => `t${i}`);
  const r = range(LIMBS).map((i) => `r${i}`);
  const lines = [...carryChain(t, true), 'const t23 = c;'];
  // limbs at 2^264 and above fold down with 2^264 ≡ 2^40 + 250112 = C1·2^22 + C0 (mod p)
  for (let i = 0; i < LIMBS; i++) {
    const hi = i === 0 ? ' + C0 * t12' : ` + C0 * t${i + 12} + C1 * t${i + 11}`;
    lines.push(`let r${i} = t${i}${hi};`);
  }
  lines.push('let w = C1 * t23;', ...carryChain(r, false), 'w += c;');
  lines.push(
    'const wh = Math.floor(w * RI);',
    'const wl = w - wh * R;',
    'r0 += wl * C0;',
    'r1 += wh * C0 + wl * C1;',
    'r2 += wh * C1;',
    ...carryChain(r, false),
    'r0 += c * C0;',
    'r1 += c * C1;',
    ...range(LIMBS).map((i) => `o[${i}] = r${i};`),
  );
  return lines;
}

function loads(name: string): string {
  return `  const ${range(LIMBS)
    .map((i) => `${name}${i} = ${name}[${i}] as number`)
    .join(',\n    ')};`;
}

function product(): string[] {
  const lines = ['/** `o = a·b` (o may alias a or b). */', 'export function fmul(o: Fe, a: Fe, b: Fe): void {'];
  lines.push(loads('a'), loads('b'));
  for (let k = 0; k < 2 * LIMBS - 1; k++) {
    const terms: string[] = [];
    for (let i = Math.max(0, k - LIMBS + 1); i <= Math.min(k, LIMBS - 1); i++) terms.push(`a${i} * b${k - i}`);
    lines.push(`  let t${k} = ${terms.join(' + ')};`);
  }
  lines.push(...reduceProduct().map((s) => `  ${s}`), '}', '');
  return lines;
}

function square(): string[] {
  const lines = ['/** `o = a²` (o may alias a). */', 'export function fsqr(o: Fe, a: Fe): void {', loads('a')];
  lines.push(
    `  const ${range(LIMBS - 1)
      .map((i) => `d${i} = 2 * a${i}`)
      .join(',\n    ')};`,
  );
  for (let k = 0; k < 2 * LIMBS - 1; k++) {
    const terms: string[] = [];
    for (let i = Math.max(0, k - LIMBS + 1); 2 * i < k; i++) terms.push(`d${i} * a${k - i}`);
    if (k % 2 === 0) terms.push(`a${k / 2} * a${k / 2}`);
    lines.push(`  let t${k} = ${terms.join(' + ')};`);
  }
  lines.push(...reduceProduct().map((s) => `  ${s}`), '}', '');
  return lines;
}

/** The source text of secp-field-kernels.gen.ts. */
export function generateSecpFieldKernels(): string {
  const K = limbs(P << 10n);
  const out = [
    '// generated — do not edit: `npm run gen` writes this file from gen-secp-field-kernels.ts.',
    '/**',
    ' * Unrolled kernels of the secp256k1 base field on 12 float limbs of 22 bits (see secp-field.ts).',
    ' * PUBLIC VALUES ONLY (protocols/math/README.md).',
    ' */',
    '',
    '/** A field element: 12 limbs of radix 2^22 (see secp-field.ts). */',
    'export type Fe = Float64Array;',
    '',
    'const R = 4194304; // 2^22',
    'const RI = 1 / R;',
    'const C0 = 250112; // 2^264 ≡ 2^40 + 977·2^8 (mod p): the low part',
    'const C1 = 262144; // … and 2^40 = 2^18 · 2^22: the high part, one limb up',
    `// 2^10·p in limbs: added by fsub so that the difference of normalised values stays non-negative`,
    ...K.map((k, i) => `const K${i} = ${k};`),
    '',
    ...addLike('fadd', '`o = a + b`.', 'o: Fe, a: Fe, b: Fe', (i) => `(a[${i}] as number) + (b[${i}] as number)`),
    ...addLike(
      'fsub',
      '`o = a − b` (adds 2^10·p, a multiple of p above every normalised value).',
      'o: Fe, a: Fe, b: Fe',
      (i) => `(a[${i}] as number) - (b[${i}] as number) + K${i}`,
    ),
    ...addLike(
      'fmulSmall',
      '`o = k·a` for a small non-negative integer k (≤ 8, so the value stays below 2^268).',
      'o: Fe, a: Fe, k: number',
      (i) => `(a[${i}] as number) * k`,
    ),
    ...product(),
    ...square(),
  ];
  return `${out.join('\n').trimEnd()}\n`;
}
