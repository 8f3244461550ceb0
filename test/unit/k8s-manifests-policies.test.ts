/**
 * The deployment policies of the rendered Kubernetes manifests: every overlay meets them, and each policy check
 * names the violation when a rendered object is broken on purpose.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkPolicies, type PolicyRule, type PolicyViolation } from '../../scripts/k8s/policies.js';
import type { K8sObject } from '../../scripts/k8s/render.js';
import { type Any, container, copyOf, find, pod } from '../helpers/k8s-manifests.js';

const HARD = { hardAntiAffinity: true };
const SOFT = { hardAntiAffinity: false };

function assertViolation(v: PolicyViolation[], rule: PolicyRule, object: string, what: string): void {
  const hit = v.find((x) => x.rule === rule && x.object === object);
  assert.ok(hit, `${what}: expected ${rule} on ${object}, got ${JSON.stringify(v)}`);
}

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

test.run();
