/**
 * Renders every overlay of k8s/ offline, validates every object against the Kubernetes schemas, checks the
 * deployment policies, and scans k8s/ for committed secret values. Prints what it checked and every problem;
 * exits 1 on any problem, 2 when it cannot render at all.
 *
 * Usage: node --import tsx scripts/k8s/validate.ts   (k8s/ci/validate.sh runs it)
 */
import { isCodedError } from '../../protocols/common/errors.js';
import { checkPolicies } from './policies.js';
import { findRenderer, overlayNames, prepareWorkspace, REPO, renderOverlays } from './render.js';
import { validateSchemas } from './schemas.js';
import { committableFiles, scanForSecrets } from './secret-scan.js';

/** Overlays whose parties may share a node (one-node development clusters). */
const SOFT_ANTI_AFFINITY = new Set(['dev']);

function main(): number {
  let problems = 0;
  const renderer = findRenderer();
  console.log(`k8s: renderer ${renderer.description}`);
  const overlays = overlayNames();
  const ws = prepareWorkspace(overlays);
  try {
    const rendered = renderOverlays(renderer, ws, overlays);
    for (const [overlay, objects] of rendered) {
      const schema = validateSchemas(objects);
      const policy = checkPolicies(objects, { hardAntiAffinity: !SOFT_ANTI_AFFINITY.has(overlay) });
      const kinds = new Map<string, number>();
      for (const o of objects) kinds.set(o.kind, (kinds.get(o.kind) ?? 0) + 1);
      console.log(
        `k8s: overlay ${overlay}: ${objects.length} objects rendered (${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')}), ` +
          `${objects.length - schema.length} schema-valid, ${policy.length} policy violations`,
      );
      for (const p of schema) console.log(`k8s: FAIL ${overlay}: schema: ${p.object}: ${p.detail}`);
      for (const p of policy) console.log(`k8s: FAIL ${overlay}: ${p.rule}: ${p.object}: ${p.detail}`);
      if (objects.length === 0) console.log(`k8s: FAIL ${overlay}: rendered nothing`);
      problems += schema.length + policy.length + (objects.length === 0 ? 1 : 0);
    }
  } finally {
    ws.dispose();
  }
  const files = committableFiles(REPO, 'k8s');
  const secrets = scanForSecrets(files);
  console.log(`k8s: secret scan: ${files.length} committable files in k8s/, ${secrets.length} secret-looking literals`);
  for (const s of secrets) console.log(`k8s: FAIL ${s.path}:${s.line}: ${s.kind}`);
  problems += secrets.length;
  console.log(problems === 0 ? 'k8s: all overlays valid' : `k8s: ${problems} problems`);
  return problems === 0 ? 0 : 1;
}

try {
  process.exitCode = main();
} catch (e) {
  if (!isCodedError(e)) throw e;
  console.error(`k8s: ${e.code}: ${e.message}`);
  process.exitCode = 2;
}
