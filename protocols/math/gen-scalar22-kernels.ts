/**
 * Generator of scalar22-kernels.gen.ts: the unrolled kernels of math/scalar22.ts (12 × 12-limb products into
 * float64 columns, the carry of 25 columns, the fold by 2^264 mod n). Unrolled because V8 runs the
 * written-out code several times faster than the loops. `npm run gen` writes the file;
 * test/unit/generated.test.ts fails when the committed file differs from this output.
 *
 * The emitted code is constant time under the conditions stated in scalar22.ts: float64 additions and
 * multiplications only, carries by the exact round-to-nearest trick, no `Math.floor`, no branch.
 */

const LIMBS = 12;
const COLUMNS = 25;
const FOLD_LIMBS = 7;
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function loads(v: string, arr: string, at: string, count = LIMBS): string {
  return `  const ${range(count)
    .map((i) => `${v}${i} = ${arr}[${at} + ${i}] as number`)
    .join(',\n    ')};`;
}

/** Column sums of a·b (and c·d) as expressions, by column. */
function columns(pairs: readonly [string, string][]): string[][] {
  const cols: string[][] = range(2 * LIMBS - 1).map(() => []);
  for (const [x, y] of pairs) {
    for (let i = 0; i < LIMBS; i++) for (let j = 0; j < LIMBS; j++) cols[i + j]?.push(`${x}${i} * ${y}${j}`);
  }
  return cols;
}

function mulAcc(): string[] {
  const L = [
    '/** `acc[0..23) += a·b` for 12-limb a at `a[aAt..]` and b at `b[bAt..]` (limbs below 2^22). */',
    'export function mulAcc(acc: Float64Array, a: Float64Array, aAt: number, b: Float64Array, bAt: number): void {',
    loads('a', 'a', 'aAt'),
    loads('b', 'b', 'bAt'),
  ];
  columns([['a', 'b']]).forEach((terms, k) => {
    L.push(`  acc[${k}] = (acc[${k}] as number) + ${terms.join(' + ')};`);
  });
  L.push('}', '');
  return L;
}

function checkRow(): string[] {
  const L = [
    '/**',
    ' * `out[0..25) = x2 + θ0·x0 + θ1·x1 + k` (columns, not carried): x0, x1, x2 at `x[xAt..]`, `x[xAt + 12..]`,',
    ' * `x[xAt + 24..]`; θ0, θ1, k at `t[0..]`, `t[12..]`, `t[24..]` (limbs below 2^22).',
    ' */',
    'export function checkRow(out: Float64Array, x: Float64Array, xAt: number, t: Float64Array): void {',
    loads('x', 'x', 'xAt'),
    loads('y', 'x', 'xAt + 12'),
    loads('p', 't', '0'),
    loads('q', 't', '12'),
  ];
  columns([
    ['x', 'p'],
    ['y', 'q'],
  ]).forEach((terms, k) => {
    const extra = k < LIMBS ? ` + (x[xAt + ${2 * LIMBS + k}] as number) + (t[${2 * LIMBS + k}] as number)` : '';
    L.push(`  out[${k}] = ${terms.join(' + ')}${extra};`);
  });
  L.push('  out[23] = 0;', '  out[24] = 0;', '}', '');
  return L;
}

function carry(name: string, count: number): string[] {
  const L = [
    '/**',
    ` * Carries columns 0..${count - 1} of \`c\` into 22-bit limbs, the last keeping the rest (columns above are`,
    ' * untouched). Every column (with the carry it receives) must be a non-negative integer below 2^51: then',
    ' * `y − FLOOR_BIAS` rounds to ⌊y⌋ exactly.',
    ' */',
    `export function ${name}(c: Float64Array): void {`,
    '  let x = c[0] as number;',
    '  let y = 0;',
    '  let q = 0;',
  ];
  for (let k = 0; k < count - 1; k++) {
    L.push(
      '  y = x * INV;',
      '  q = y - FLOOR_BIAS + ROUND - ROUND;',
      `  c[${k}] = (y - q) * RADIX;`,
      `  x = (c[${k + 1}] as number) + q;`,
    );
  }
  L.push(`  c[${count - 1}] = x;`, '}', '');
  return L;
}

/**
 * A fold of the carried value in columns 0..LIMBS + high − 1 (the limbs from 12 on, `high` of them), then a
 * carry of the columns that can be non-zero afterwards.
 */
function fold(name: string, high: number, doc: string): string[] {
  const c = (1n << 264n) % N;
  const K = range(FOLD_LIMBS).map((j) => Number((c >> BigInt(22 * j)) & 0x3fffffn));
  const top = high + FOLD_LIMBS - 2; // highest column the fold writes
  const count = Math.max(top, LIMBS - 1) + 2; // carried columns: one more to take the rest
  const L = [
    '/**',
    ` * ${doc}: the limbs 12..${LIMBS + high - 1} times 2^264 mod n (below 2^137), added to the low 12 limbs, the`,
    ` * limbs above cleared, columns 0..${count - 1} carried (column ${count - 1} takes the rest).`,
    ' */',
    `export function ${name}(c: Float64Array): void {`,
    loads('h', 'c', `${LIMBS}`, high),
  ];
  for (let k = 0; k <= Math.max(top, LIMBS + high - 1); k++) {
    const terms: string[] = [];
    for (let i = 0; i < high; i++) {
      const j = k - i;
      if (j >= 0 && j < FOLD_LIMBS) terms.push(`h${i} * ${K[j]}`);
    }
    const low = k < LIMBS ? `(c[${k}] as number)` : '0';
    L.push(`  c[${k}] = ${[low, ...terms].join(' + ')};`);
  }
  L.push(`  carry${count}(c);`, '}', '');
  return L;
}

/** Bit-slicing of eight 32-bit words (w0 least significant) into 12 limbs of 22 bits, as statements. */
function slice(): string[] {
  const L: string[] = [];
  for (let k = 0; k < LIMBS; k++) {
    const bit = 22 * k;
    const i = bit >>> 5;
    const s = bit & 31;
    const lo = s === 0 ? `w${i}` : `(w${i} >>> ${s})`;
    const hi = s + 22 > 32 && i + 1 < 8 ? ` | (w${i + 1} << ${32 - s})` : '';
    L.push(`  out[at + ${k}] = (${lo}${hi}) & 0x3fffff;`);
  }
  return L;
}

function limbsOfWords(): string[] {
  return [
    '/** Writes the 8 big-endian 32-bit words at `words[off..]` (a SHA-256 digest) as 12 limbs at `out[at..]`. */',
    'export function limbsOfWordsBE(words: Int32Array, off: number, out: Int32Array, at: number): void {',
    `  const ${range(8)
      .map((i) => `w${i} = words[off + ${7 - i}] as number`)
      .join(',\n    ')};`,
    ...slice(),
    '}',
    '',
  ];
}

function limbsOfBytes(): string[] {
  const word = (i: number) => {
    const o = 28 - 4 * i;
    return `w${i} = ((bytes[off + ${o}] as number) << 24) | ((bytes[off + ${o + 1}] as number) << 16) | ((bytes[off + ${o + 2}] as number) << 8) | (bytes[off + ${o + 3}] as number)`;
  };
  return [
    '/** Writes the 32 big-endian bytes at `bytes[off..]` as 12 limbs at `out[at..]`. */',
    'export function limbsOfBytesBE(bytes: Uint8Array, off: number, out: Int32Array, at: number): void {',
    `  const ${range(8).map(word).join(',\n    ')};`,
    ...slice(),
    '}',
    '',
  ];
}

/** The source text of scalar22-kernels.gen.ts. */
export function generateScalar22Kernels(): string {
  const out = [
    '// generated — do not edit: `npm run gen` writes this file from gen-scalar22-kernels.ts.',
    '/** Unrolled kernels of scalar22.ts (constant time: float64 additions and multiplications only). */',
    '',
    'const RADIX = 4194304; // 2^22',
    'const INV = 1 / RADIX;',
    '/** Adding then subtracting 1.5·2^52 rounds a float below 2^51 in magnitude to the nearest integer. */',
    'const ROUND = 6755399441055744;',
    '/** y − (1/2 − 2^-24) rounds to ⌊y⌋ when y ≥ 0 has at most 22 fractional bits and is below 2^29. */',
    'const FLOOR_BIAS = 0.5 - 2 ** -24;',
    '',
    ...limbsOfWords(),
    ...limbsOfBytes(),
    ...mulAcc(),
    ...checkRow(),
    ...carry('carry', COLUMNS),
    ...carry('carry20', 20),
    ...carry('carry15', 15),
    ...carry('carry13', 13),
    ...fold('fold13', COLUMNS - LIMBS, 'The first fold of a carried value below 2^550'),
    ...fold('fold8', 8, 'The second fold, of a value below 2^264 + 2^423'),
    ...fold('fold2', 2, 'The third fold, of a value below 2^264 + 2^296'),
  ];
  return `${out.join('\n').trimEnd()}\n`;
}
