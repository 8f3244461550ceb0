/**
 * The rendered Kubernetes manifests the k8s-manifests-*.test.ts files share: every overlay rendered once with
 * kustomize (a real kubectl, found as scripts/k8s/render.ts says, never skipped), deep copies to break on purpose,
 * and finders for an object, its pod spec and its first container.
 */
import * as assert from 'uvu/assert';
import { findRenderer, type K8sObject, prepareWorkspace, renderOverlays } from '../../scripts/k8s/render.js';

let cache: Map<string, K8sObject[]> | undefined;

/** Every overlay rendered once (throws, failing the test, when no renderer is installed). */
export function rendered(): Map<string, K8sObject[]> {
  if (cache !== undefined) return cache;
  let renderer: ReturnType<typeof findRenderer>;
  try {
    renderer = findRenderer();
  } catch (e) {
    throw new Error(`the k8s manifest tests need a kustomize renderer (${(e as Error).message})`);
  }
  const ws = prepareWorkspace();
  try {
    cache = renderOverlays(renderer, ws);
  } finally {
    ws.dispose();
  }
  return cache;
}

/** A deep copy of one overlay's objects, to break on purpose. */
export function copyOf(overlay: string): K8sObject[] {
  const objects = rendered().get(overlay);
  assert.ok(objects, `overlay ${overlay} rendered`);
  return structuredClone(objects);
}

/** Any value: the tests reach into rendered objects freely. */
// biome-ignore lint/suspicious/noExplicitAny: tests reach into rendered objects freely
export type Any = any;
/** The object of `kind` named `name` (fails the test when there is none). */
export const find = (objects: K8sObject[], kind: string, name: string): Any => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind}/${name} is rendered`);
  return o;
};
/** The pod spec of a workload. */
export const pod = (objects: K8sObject[], kind: string, name: string): Any =>
  find(objects, kind, name).spec.template.spec;
/** The first container of a workload. */
export const container = (objects: K8sObject[], kind: string, name: string): Any =>
  pod(objects, kind, name).containers[0];
