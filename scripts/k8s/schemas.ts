/**
 * Offline schema validation of rendered objects against the Kubernetes OpenAPI schemas that the npm packages
 * `kubernetes-models` (core API groups) and `@kubernetes-models/prometheus-operator` (the ServiceMonitor CRD)
 * ship as compiled JSON-schema validators. An object of a kind without a schema here is itself a problem:
 * nothing passes unchecked.
 */
import * as monitoringV1 from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as networkingV1 from 'kubernetes-models/networking.k8s.io/v1';
import * as policyV1 from 'kubernetes-models/policy/v1';
import * as coreV1 from 'kubernetes-models/v1';
import type { K8sObject } from './render.js';

/** One object that does not match its schema (or has none). */
export interface SchemaProblem {
  /** `Kind/name`. */
  object: string;
  /** What is wrong: the validator's messages, or that no schema is known. */
  detail: string;
}

type Validating = new (data: never) => { validate(): void };

/** The API groups whose schemas are known: apiVersion → the package's module of model classes. */
const GROUPS: Record<string, Record<string, unknown>> = {
  v1: coreV1,
  'apps/v1': appsV1,
  'policy/v1': policyV1,
  'networking.k8s.io/v1': networkingV1,
  'monitoring.coreos.com/v1': monitoringV1,
};

/** The model class that validates `apiVersion`/`kind`, or undefined when none is known. */
export function schemaFor(apiVersion: string, kind: string): Validating | undefined {
  const group = GROUPS[apiVersion];
  const model = group?.[kind];
  if (typeof model !== 'function') return undefined;
  return model as Validating;
}

/** The messages of a validator's error (ajv errors: where and what). */
function messages(e: unknown): string {
  const errors = (e as { errors?: { instancePath?: string; message?: string }[] }).errors;
  if (Array.isArray(errors) && errors.length > 0) {
    return errors.map((x) => `${x.instancePath || '/'} ${x.message ?? 'invalid'}`).join('; ');
  }
  return (e as Error).message;
}

/**
 * The object as the API server decodes it: kustomize folds long base64 values of a Secret's `data` (and a
 * ConfigMap's `binaryData`) over several lines, and the server's base64 decoder skips line breaks, while the
 * schema's `byte` format does not.
 */
function asDecoded(o: K8sObject): K8sObject {
  const copy = structuredClone(o);
  for (const field of ['data', 'binaryData'] as const) {
    if ((o.kind !== 'Secret' && field === 'data') || (o.kind !== 'ConfigMap' && field === 'binaryData')) continue;
    const values = copy[field];
    if (typeof values !== 'object' || values === null) continue;
    for (const [k, v] of Object.entries(values)) {
      if (typeof v === 'string') (values as Record<string, unknown>)[k] = v.replace(/[\r\n]/g, '');
    }
  }
  return copy;
}

/** Validates each object against its schema; returns the problems (none: all valid). */
export function validateSchemas(objects: readonly K8sObject[]): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  for (const o of objects) {
    const object = `${o.kind}/${o.metadata.name}`;
    const Model = schemaFor(o.apiVersion, o.kind);
    if (Model === undefined) {
      problems.push({ object, detail: `no schema known for ${o.apiVersion} ${o.kind}` });
      continue;
    }
    try {
      new Model(asDecoded(o) as never).validate();
    } catch (e) {
      problems.push({ object, detail: messages(e) });
    }
  }
  return problems;
}
