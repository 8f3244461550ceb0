/**
 * The Kubernetes manifests of k8s/: every overlay renders with kustomize (a real kubectl, found as
 * scripts/k8s/render.ts says, never skipped), every object matches the Kubernetes schemas, the deployment
 * policies hold, and each policy check names the violation when a rendered object is broken on purpose.
 * Also: no secret values committed under k8s/, generated secrets ignored by git, and generate-secrets.sh.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isCodedError } from '../../protocols/common/errors.js';
import { checkPolicies, type PolicyRule, type PolicyViolation } from '../../scripts/k8s/policies.js';
import {
  findRenderer,
  type K8sObject,
  overlayNames,
  prepareWorkspace,
  RENDERER_HOWTO,
  REPO,
  renderOverlays,
} from '../../scripts/k8s/render.js';
import { validateSchemas } from '../../scripts/k8s/schemas.js';
import { committableFiles, scanForSecrets } from '../../scripts/k8s/secret-scan.js';

let cache: Map<string, K8sObject[]> | undefined;

/** Every overlay rendered once (throws, failing the test, when no renderer is installed). */
function rendered(): Map<string, K8sObject[]> {
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
function copyOf(overlay: string): K8sObject[] {
  const objects = rendered().get(overlay);
  assert.ok(objects, `overlay ${overlay} rendered`);
  return structuredClone(objects);
}

// biome-ignore lint/suspicious/noExplicitAny: tests reach into rendered objects freely
type Any = any;
const find = (objects: K8sObject[], kind: string, name: string): Any => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind}/${name} is rendered`);
  return o;
};
const pod = (objects: K8sObject[], kind: string, name: string): Any => find(objects, kind, name).spec.template.spec;
const container = (objects: K8sObject[], kind: string, name: string): Any => pod(objects, kind, name).containers[0];

const HARD = { hardAntiAffinity: true };
const SOFT = { hardAntiAffinity: false };

function assertViolation(v: PolicyViolation[], rule: PolicyRule, object: string, what: string): void {
  const hit = v.find((x) => x.rule === rule && x.object === object);
  assert.ok(hit, `${what}: expected ${rule} on ${object}, got ${JSON.stringify(v)}`);
}

test('a kustomize renderer is installed (else this names how to get one)', () => {
  const r = findRenderer();
  assert.match(r.description, /kustomize v\d/);
});

test('no renderer: NO_RENDERER, naming what was tried and how to install one', () => {
  try {
    findRenderer({ KUBECTL: '/nonexistent/kubectl' });
    assert.unreachable('found a renderer at a path that does not exist');
  } catch (e) {
    assert.ok(isCodedError(e, 'NO_RENDERER'), String(e));
    assert.ok((e as Error).message.includes('/nonexistent/kubectl'));
    assert.ok((e as Error).message.includes(RENDERER_HOWTO));
  }
});

test('every overlay renders, and every object matches its Kubernetes schema', () => {
  const all = rendered();
  assert.equal([...all.keys()], overlayNames());
  assert.equal(overlayNames(), ['dev', 'prod']);
  for (const [overlay, objects] of all) {
    assert.ok(objects.length >= 15, `${overlay}: ${objects.length} objects`);
    assert.equal(validateSchemas(objects), [], overlay);
    for (const o of objects) if (o.kind !== 'Namespace') assert.is((o.metadata as Any).namespace, 'mpc', o.kind);
  }
  const dev = copyOf('dev');
  const prod = copyOf('prod');
  assert.is(find(dev, 'StatefulSet', 'mpc-party').spec.replicas, 3);
  assert.is(container(dev, 'StatefulSet', 'mpc-postgres').image, 'postgres:16');
  assert.is(find(prod, 'StatefulSet', 'mpc-party').spec.replicas, 5);
  assert.ok(find(prod, 'ServiceMonitor', 'mpc-custody'));
  assert.not.ok(
    prod.some((o) => o.metadata.name === 'mpc-postgres'),
    'prod has no in-cluster database',
  );
});

test('schema validation names the object and the field that is wrong, and refuses unknown kinds', () => {
  const prod = copyOf('prod');
  container(prod, 'Deployment', 'mpc-coordinator').ports[0].containerPort = 'four thousand';
  find(prod, 'ServiceMonitor', 'mpc-custody').spec.endpoints[0].interval = 'often';
  prod.push({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } });
  const problems = validateSchemas(prod);
  assert.is(problems.length, 3, JSON.stringify(problems));
  assert.ok(problems.some((p) => p.object === 'Deployment/mpc-coordinator' && p.detail.includes('containerPort')));
  assert.ok(problems.some((p) => p.object === 'ServiceMonitor/mpc-custody' && p.detail.includes('interval')));
  assert.ok(problems.some((p) => p.object === 'Widget/w' && p.detail.includes('no schema')));
});

test('every overlay meets every policy (dev: parties may share a node, prod: never)', () => {
  assert.equal(checkPolicies(copyOf('dev'), SOFT), []);
  assert.equal(checkPolicies(copyOf('prod'), HARD), []);
  // the difference is real: dev's parties are only preferred apart
  assertViolation(checkPolicies(copyOf('dev'), HARD), 'ANTI_AFFINITY', 'StatefulSet/mpc-party', 'dev as prod');
});

/** One policy broken on purpose: the mutation, the rule and the object the checker must name. */
interface Breakage {
  what: string;
  rule: PolicyRule;
  object: string;
  mutate(objects: K8sObject[]): void;
}

const C = 'Deployment/mpc-coordinator/coordinator';
const P = 'StatefulSet/mpc-party/party';
const D = 'Deployment/mpc-delegate/delegate';

const BREAKAGES: Breakage[] = [
  {
    what: 'a party without readiness probe',
    rule: 'PROBES',
    object: P,
    mutate: (o) => delete container(o, 'StatefulSet', 'mpc-party').readinessProbe,
  },
  {
    what: 'a coordinator probed on /health instead of /livez',
    rule: 'PROBES',
    object: C,
    mutate: (o) => {
      container(o, 'Deployment', 'mpc-coordinator').livenessProbe.httpGet.path = '/health';
    },
  },
  {
    what: 'a delegate without memory limit',
    rule: 'RESOURCES',
    object: D,
    mutate: (o) => delete container(o, 'Deployment', 'mpc-delegate').resources.limits,
  },
  {
    what: 'a party allowed to run as root',
    rule: 'NON_ROOT',
    object: P,
    mutate: (o) => {
      container(o, 'StatefulSet', 'mpc-party').securityContext.runAsNonRoot = false;
    },
  },
  {
    what: 'a coordinator as uid 0',
    rule: 'NON_ROOT',
    object: C,
    mutate: (o) => {
      container(o, 'Deployment', 'mpc-coordinator').securityContext.runAsUser = 0;
    },
  },
  {
    what: 'a writable root filesystem',
    rule: 'READ_ONLY_ROOT_FS',
    object: D,
    mutate: (o) => {
      container(o, 'Deployment', 'mpc-delegate').securityContext.readOnlyRootFilesystem = false;
    },
  },
  {
    what: 'capabilities kept',
    rule: 'CAPABILITIES',
    object: P,
    mutate: (o) => {
      container(o, 'StatefulSet', 'mpc-party').securityContext.capabilities = { drop: [] };
    },
  },
  {
    what: 'a capability added',
    rule: 'CAPABILITIES',
    object: C,
    mutate: (o) => {
      container(o, 'Deployment', 'mpc-coordinator').securityContext.capabilities.add = ['NET_ADMIN'];
    },
  },
  {
    what: 'seccomp Unconfined',
    rule: 'SECCOMP',
    object: P,
    mutate: (o) => {
      container(o, 'StatefulSet', 'mpc-party').securityContext.seccompProfile = { type: 'Unconfined' };
    },
  },
  {
    what: 'no seccomp profile anywhere',
    rule: 'SECCOMP',
    object: C,
    mutate: (o) => {
      delete container(o, 'Deployment', 'mpc-coordinator').securityContext.seccompProfile;
      delete pod(o, 'Deployment', 'mpc-coordinator').securityContext.seccompProfile;
    },
  },
  {
    what: 'privilege escalation allowed',
    rule: 'PRIVILEGE_ESCALATION',
    object: D,
    mutate: (o) => delete container(o, 'Deployment', 'mpc-delegate').securityContext.allowPrivilegeEscalation,
  },
  {
    what: 'no writable /tmp',
    rule: 'WRITABLE_MOUNTS',
    object: P,
    mutate: (o) => {
      const c = container(o, 'StatefulSet', 'mpc-party');
      c.volumeMounts = c.volumeMounts.filter((m: Any) => m.mountPath !== '/tmp');
    },
  },
  {
    what: 'too little time to drain',
    rule: 'GRACE_PERIOD',
    object: 'Deployment/mpc-coordinator',
    mutate: (o) => {
      pod(o, 'Deployment', 'mpc-coordinator').terminationGracePeriodSeconds = 5;
    },
  },
  {
    what: 'a rolling coordinator',
    rule: 'COORDINATOR',
    object: 'Deployment/mpc-coordinator',
    mutate: (o) => {
      find(o, 'Deployment', 'mpc-coordinator').spec.strategy = { type: 'RollingUpdate' };
    },
  },
  {
    what: 'two coordinators',
    rule: 'COORDINATOR',
    object: 'Deployment/mpc-coordinator',
    mutate: (o) => {
      find(o, 'Deployment', 'mpc-coordinator').spec.replicas = 2;
    },
  },
  {
    what: 'parties started one by one',
    rule: 'PARTY_SET',
    object: 'StatefulSet/mpc-party',
    mutate: (o) => {
      find(o, 'StatefulSet', 'mpc-party').spec.podManagementPolicy = 'OrderedReady';
    },
  },
  {
    what: 'a party announcing a fixed address',
    rule: 'PARTY_SET',
    object: 'StatefulSet/mpc-party',
    mutate: (o) => {
      const env = container(o, 'StatefulSet', 'mpc-party').env;
      env.find((e: Any) => e.name === 'MPC_ANNOUNCE').value = '/ip4/10.0.0.1/tcp/7001';
    },
  },
  {
    what: 'party data on an emptyDir',
    rule: 'PARTY_SET',
    object: 'StatefulSet/mpc-party',
    mutate: (o) => {
      delete find(o, 'StatefulSet', 'mpc-party').spec.volumeClaimTemplates;
    },
  },
  {
    what: 'parties not spread over nodes',
    rule: 'ANTI_AFFINITY',
    object: 'StatefulSet/mpc-party',
    mutate: (o) => delete pod(o, 'StatefulSet', 'mpc-party').affinity,
  },
  {
    what: 'a PodDisruptionBudget below the threshold',
    rule: 'PDB',
    object: 'PodDisruptionBudget/mpc-party',
    mutate: (o) => {
      find(o, 'PodDisruptionBudget', 'mpc-party').spec.minAvailable = 1;
    },
  },
  {
    what: 'a percentage PodDisruptionBudget',
    rule: 'PDB',
    object: 'PodDisruptionBudget/mpc-party',
    mutate: (o) => {
      find(o, 'PodDisruptionBudget', 'mpc-party').spec.minAvailable = '50%';
    },
  },
  {
    what: 'no PodDisruptionBudget',
    rule: 'PDB',
    object: 'StatefulSet/mpc-party',
    mutate: (o) => {
      o.splice(o.indexOf(find(o, 'PodDisruptionBudget', 'mpc-party')), 1);
    },
  },
  {
    what: 'no party NetworkPolicy',
    rule: 'NETWORK_POLICY',
    object: 'StatefulSet/mpc-party',
    mutate: (o) => {
      o.splice(o.indexOf(find(o, 'NetworkPolicy', 'mpc-party')), 1);
    },
  },
  {
    what: 'party p2p open to every namespace',
    rule: 'NETWORK_POLICY',
    object: 'StatefulSet/mpc-party',
    mutate: (o) => {
      find(o, 'NetworkPolicy', 'mpc-party').spec.ingress[0].from.push({ namespaceSelector: {} });
    },
  },
  {
    what: 'coordinator p2p open to every source',
    rule: 'NETWORK_POLICY',
    object: 'Deployment/mpc-coordinator',
    mutate: (o) => delete find(o, 'NetworkPolicy', 'mpc-coordinator').spec.ingress[0].from,
  },
  {
    what: 'the API open to every namespace',
    rule: 'NETWORK_POLICY',
    object: 'Deployment/mpc-coordinator',
    mutate: (o) => {
      find(o, 'NetworkPolicy', 'mpc-coordinator').spec.ingress[1].from = [{ namespaceSelector: {} }];
    },
  },
  {
    what: 'no coordinator NetworkPolicy',
    rule: 'NETWORK_POLICY',
    object: 'Deployment/mpc-coordinator',
    mutate: (o) => {
      o.splice(o.indexOf(find(o, 'NetworkPolicy', 'mpc-coordinator')), 1);
    },
  },
  {
    what: 'no default deny',
    rule: 'NETWORK_POLICY',
    object: 'NetworkPolicy/*',
    mutate: (o) => {
      o.splice(o.indexOf(find(o, 'NetworkPolicy', 'default-deny-ingress')), 1);
    },
  },
  {
    what: 'a Secret that was not generated',
    rule: 'REFERENCES',
    object: 'StatefulSet/mpc-party',
    mutate: (o) => {
      o.splice(
        o.findIndex((x) => x.kind === 'Secret' && x.metadata.name.startsWith('mpc-party-')),
        1,
      );
    },
  },
];

test('each policy check names its violation when a rendered object breaks it', () => {
  const rules = new Set<PolicyRule>();
  for (const b of BREAKAGES) {
    const objects = copyOf('prod');
    b.mutate(objects);
    assertViolation(checkPolicies(objects, HARD), b.rule, b.object, b.what);
    rules.add(b.rule);
  }
  // every rule the checker knows has at least one breakage above
  const all: PolicyRule[] = [
    'PROBES',
    'RESOURCES',
    'NON_ROOT',
    'READ_ONLY_ROOT_FS',
    'CAPABILITIES',
    'SECCOMP',
    'PRIVILEGE_ESCALATION',
    'WRITABLE_MOUNTS',
    'GRACE_PERIOD',
    'COORDINATOR',
    'PARTY_SET',
    'ANTI_AFFINITY',
    'PDB',
    'NETWORK_POLICY',
    'REFERENCES',
  ];
  assert.equal([...rules].sort(), [...all].sort());
});

test('the database pod of dev meets the same container policies (a broken one is named)', () => {
  const dev = copyOf('dev');
  delete container(dev, 'StatefulSet', 'mpc-postgres').livenessProbe;
  assertViolation(checkPolicies(dev, SOFT), 'PROBES', 'StatefulSet/mpc-postgres/postgres', 'postgres unprobed');
});

test('no secret values are committed under k8s/', () => {
  const files = committableFiles(REPO, 'k8s');
  assert.ok(files.length >= 10, `${files.length} files`);
  assert.equal(scanForSecrets(files), []);
});

test('the secret scan finds each kind of secret literal, and passes placeholders and paths', () => {
  const hex = 'ab'.repeat(32);
  const b64 = Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7)).toString('base64');
  const cases: [string, string][] = [
    [`CRYPTO_MASTER_KEY=${hex}`, 'hex key'],
    [`key: ${b64}`, 'base64 blob'],
    ['-----BEGIN OPENSSH PRIVATE KEY-----', 'PEM private key'],
    ['url: postgres://mpc:s3cretpassw0rd@db:5432/mpc', 'credentials in a URL'],
    ['MPC_API_KEY: "letmein-please"', 'secret assignment'],
  ];
  for (const [line, kind] of cases) {
    const found = scanForSecrets([{ path: 'k8s/x.sh', text: `# ok\n${line}\n` }]);
    assert.ok(
      found.some((f) => f.kind === kind && f.line === 2),
      `${kind} in ${JSON.stringify(line)}: ${JSON.stringify(found)}`,
    );
  }
  const secretYaml = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  a: eA==\n';
  assert.equal(scanForSecrets([{ path: 'k8s/s.yaml', text: secretYaml }])[0]?.kind, 'Secret with inline data');
  const fine = [
    'postgres://user:password@host:5432/db',
    "printf 'postgres://mpc:%s@mpc-postgres' x",
    '- pool-secret=secrets/pool-secret',
    'MPC_API_KEY=$(cat k8s/overlays/dev/secrets/api-key)',
    'path: /spec/volumeClaimTemplates/0/spec/resources/requests/storage',
    `sha256=${hex} # not-a-secret: a published checksum`,
  ];
  assert.equal(scanForSecrets([{ path: 'k8s/ok.md', text: fine.join('\n') }]), []);
});

test('git ignores the generated secret files, and keeps the notes beside them', () => {
  const ignored = (path: string) => spawnSync('git', ['check-ignore', '-q', path], { cwd: REPO }).status === 0;
  for (const overlay of ['dev', 'prod']) {
    for (const f of ['party-master-key', 'coordinator-identity.key', 'coordinator.env', 'database-url']) {
      assert.ok(ignored(`k8s/overlays/${overlay}/secrets/${f}`), `${overlay}/${f} ignored`);
    }
    assert.not.ok(ignored(`k8s/overlays/${overlay}/secrets/README.md`));
  }
  assert.not.ok(ignored('k8s/overlays/dev/kustomization.yaml'));
});

/** Runs generate-secrets.sh on a scratch copy of an overlay. */
function generate(dir: string, overlay: string, env: Record<string, string>) {
  return spawnSync('bash', [join(REPO, 'k8s/generate-secrets.sh'), overlay, '--dir', dir], {
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: '', DATABASE_URL_FILE: '', ...env },
  });
}

const STAND_IN = `${process.execPath} ${join(REPO, 'scripts/k8s/stand-in-identity.mjs')}`;

test('generate-secrets.sh writes every file 0600 once, keeps them on a second run, and fails clearly', () => {
  const root = mkdtempSync(join(tmpdir(), 'mpc-k8s-gen-'));
  try {
    const dev = join(root, 'dev');
    cpSync(join(REPO, 'k8s/overlays/dev/kustomization.yaml'), join(dev, 'kustomization.yaml'));
    const first = generate(dev, 'dev', { MPC_CLI: STAND_IN });
    assert.is(first.status, 0, first.stderr);
    const files = [
      'coordinator-master-key',
      'party-master-key',
      'delegate-master-key',
      'api-key',
      'pool-secret',
      'delegate-pool-secret',
      'postgres-password',
      'database-url',
      'coordinator-identity.key',
      'coordinator.env',
    ];
    const before = new Map<string, string>();
    for (const f of files) {
      const path = join(dev, 'secrets', f);
      assert.is(statSync(path).mode & 0o777, 0o600, f);
      before.set(f, readFileSync(path, 'latin1'));
    }
    assert.match(before.get('party-master-key')!, /^[0-9a-f]{64}\n$/);
    assert.is.not(before.get('party-master-key'), before.get('coordinator-master-key'));
    const password = before.get('postgres-password')!.trim();
    assert.is(before.get('database-url'), `postgres://mpc:${password}@mpc-postgres.mpc.svc:5432/mpc\n`);
    assert.match(
      before.get('coordinator.env')!,
      /^MPC_COORDINATOR=\/dns4\/mpc-coordinator\.mpc\.svc\/tcp\/7000\/p2p\/12D3KooW[1-9A-HJ-NP-Za-km-z]{44}\n$/,
    );

    // a second run keeps everything, even with an identity tool that would fail
    const second = generate(dev, 'dev', { MPC_CLI: 'false' });
    assert.is(second.status, 0, second.stderr);
    for (const f of files) assert.is(readFileSync(join(dev, 'secrets', f), 'latin1'), before.get(f), f);

    // an identity tool that prints no peer id: refused, and no half identity left behind
    const other = join(root, 'other');
    cpSync(join(REPO, 'k8s/overlays/dev/kustomization.yaml'), join(other, 'kustomization.yaml'));
    const tool = join(root, 'no-peer-id.sh');
    writeFileSync(tool, 'printf key > "$4"; echo done\n'); // called as: coordinator identity --out FILE
    const silent = generate(other, 'dev', { MPC_CLI: `sh ${tool}` });
    assert.is.not(silent.status, 0);
    assert.match(silent.stderr, /printed no peer id/);
    assert.throws(() => statSync(join(other, 'secrets/coordinator-identity.key')));

    // prod needs the external database's URL, and says so
    const prod = join(root, 'prod');
    cpSync(join(REPO, 'k8s/overlays/prod/kustomization.yaml'), join(prod, 'kustomization.yaml'));
    const noUrl = generate(prod, 'prod', { MPC_CLI: STAND_IN });
    assert.is.not(noUrl.status, 0);
    assert.match(noUrl.stderr, /DATABASE_URL=postgres:/);
    const url = 'postgres://mpc:x@db.example.invalid:5432/mpc';
    const withUrl = generate(prod, 'prod', { MPC_CLI: STAND_IN, DATABASE_URL: url });
    assert.is(withUrl.status, 0, withUrl.stderr);
    assert.is(readFileSync(join(prod, 'secrets/database-url'), 'utf8'), `${url}\n`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
