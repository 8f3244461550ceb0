/**
 * The deployment policies of k8s/, checked on rendered objects: every container probed, sized, non-root, on a
 * read-only root filesystem with no capabilities and the runtime's seccomp profile; the project's containers
 * probed on /livez and /readyz, with /data and /tmp writable and time to drain; the coordinator alone
 * (Recreate); the parties a StatefulSet with stable names, spread over nodes, kept at the signing threshold by a
 * PodDisruptionBudget and fenced by NetworkPolicies; every Secret and ConfigMap named is rendered. Pure functions over objects, so that each rule has a test
 * that breaks it.
 */
import type { K8sObject } from './render.js';

/** The signing threshold t: a PodDisruptionBudget keeps at least this many parties. */
export const THRESHOLD = 2;
/** The uid and gid of the project's image. */
export const MPC_UID = 10001;
/** The coordinator drains within 12 s; pods get this much before SIGKILL. */
export const MIN_GRACE_SECONDS = 20;
/** The pod label that names a component, and the components that run the project's image. */
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
const MPC_COMPONENTS = new Set(['coordinator', 'party', 'delegate']);

/** The rules, by stable code. */
export type PolicyRule =
  | 'PROBES'
  | 'RESOURCES'
  | 'NON_ROOT'
  | 'READ_ONLY_ROOT_FS'
  | 'CAPABILITIES'
  | 'SECCOMP'
  | 'PRIVILEGE_ESCALATION'
  | 'WRITABLE_MOUNTS'
  | 'GRACE_PERIOD'
  | 'COORDINATOR'
  | 'PARTY_SET'
  | 'ANTI_AFFINITY'
  | 'PDB'
  | 'NETWORK_POLICY'
  | 'REFERENCES';

/** One broken rule. */
export interface PolicyViolation {
  rule: PolicyRule;
  /** `Kind/name`, and `/container` when it is about one container. */
  object: string;
  detail: string;
}

/** What differs between overlays. */
export interface PolicyOptions {
  /** Parties must be on distinct nodes (required anti-affinity); false accepts a preferred one (dev). */
  hardAntiAffinity: boolean;
}

// Loosely typed views of the parts of the objects that are checked (the schema check has vouched for shapes).
type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const labelsOf = (v: unknown): Record<string, string> => obj(v) as Record<string, string>;

/** A workload's pod template, with where it came from. */
interface PodTemplate {
  object: string;
  workload: K8sObject;
  labels: Record<string, string>;
  spec: Obj;
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

function podTemplates(objects: readonly K8sObject[]): PodTemplate[] {
  const out: PodTemplate[] = [];
  for (const o of objects) {
    const object = `${o.kind}/${o.metadata.name}`;
    if (o.kind === 'Pod') out.push({ object, workload: o, labels: labelsOf(o.metadata.labels), spec: obj(o.spec) });
    else if (o.kind === 'CronJob') {
      const t = obj(obj(obj(obj(o.spec).jobTemplate).spec).template);
      out.push({ object, workload: o, labels: labelsOf(obj(t.metadata).labels), spec: obj(t.spec) });
    } else if (WORKLOADS.has(o.kind)) {
      const t = obj(obj(o.spec).template);
      out.push({ object, workload: o, labels: labelsOf(obj(t.metadata).labels), spec: obj(t.spec) });
    }
  }
  return out;
}

/** True when every label of `selector` (matchLabels only; expressions match nothing) is on `labels`. */
function selects(selector: unknown, labels: Record<string, string>): boolean {
  const s = obj(selector);
  if (s.matchExpressions !== undefined) return false;
  return Object.entries(obj(s.matchLabels)).every(([k, v]) => labels[k] === v);
}

function checkContainer(v: PolicyViolation[], t: PodTemplate, c: Obj, init: boolean): void {
  const object = `${t.object}/${str(c.name) ?? '?'}`;
  const add = (rule: PolicyRule, detail: string) => v.push({ rule, object, detail });
  const pod = obj(t.spec.securityContext);
  const sc = obj(c.securityContext);
  const mpc = MPC_COMPONENTS.has(t.labels[COMPONENT_LABEL] ?? '');

  if (!init) {
    const live = obj(c.livenessProbe);
    const ready = obj(c.readinessProbe);
    if (Object.keys(live).length === 0) add('PROBES', 'no livenessProbe');
    if (Object.keys(ready).length === 0) add('PROBES', 'no readinessProbe');
    if (mpc) {
      if (str(obj(live.httpGet).path) !== '/livez') add('PROBES', 'livenessProbe is not an HTTP GET of /livez');
      if (str(obj(ready.httpGet).path) !== '/readyz') add('PROBES', 'readinessProbe is not an HTTP GET of /readyz');
    }
  }

  const res = obj(c.resources);
  for (const [part, key] of [
    ['requests', 'cpu'],
    ['requests', 'memory'],
    ['limits', 'memory'],
  ] as const) {
    if (obj(res[part])[key] === undefined) add('RESOURCES', `no resources.${part}.${key}`);
  }

  const nonRoot = sc.runAsNonRoot ?? pod.runAsNonRoot;
  const uid = sc.runAsUser ?? pod.runAsUser;
  if (nonRoot !== true) add('NON_ROOT', 'runAsNonRoot is not true');
  if (typeof uid !== 'number' || uid === 0) add('NON_ROOT', `runAsUser is ${String(uid)}, not a non-zero uid`);
  else if (mpc && uid !== MPC_UID) add('NON_ROOT', `runAsUser is ${uid}, the image's user is ${MPC_UID}`);

  if (sc.readOnlyRootFilesystem !== true) add('READ_ONLY_ROOT_FS', 'readOnlyRootFilesystem is not true');

  const caps = obj(sc.capabilities);
  const drop = Array.isArray(caps.drop) ? caps.drop : [];
  if (!drop.includes('ALL')) add('CAPABILITIES', 'capabilities.drop does not include ALL');
  if (Array.isArray(caps.add) && caps.add.length > 0) add('CAPABILITIES', `capabilities.add: ${caps.add.join(',')}`);

  const seccomp = str(obj(sc.seccompProfile ?? pod.seccompProfile).type);
  if (seccomp !== 'RuntimeDefault') add('SECCOMP', `seccompProfile.type is ${seccomp ?? 'unset'}, not RuntimeDefault`);

  if (sc.allowPrivilegeEscalation !== false) add('PRIVILEGE_ESCALATION', 'allowPrivilegeEscalation is not false');
  if (sc.privileged === true) add('PRIVILEGE_ESCALATION', 'privileged');

  if (mpc && !init) {
    const mounts = new Set(arr(c.volumeMounts).map((m) => str(m.mountPath)));
    for (const path of ['/data', '/tmp']) {
      if (!mounts.has(path)) add('WRITABLE_MOUNTS', `no volume at ${path} (the root filesystem is read-only)`);
    }
  }
}

function checkPods(v: PolicyViolation[], templates: readonly PodTemplate[]): void {
  for (const t of templates) {
    const containers = arr(t.spec.containers);
    if (containers.length === 0) v.push({ rule: 'PROBES', object: t.object, detail: 'no containers' });
    for (const c of containers) checkContainer(v, t, c, false);
    for (const c of arr(t.spec.initContainers)) checkContainer(v, t, c, true);
    if (MPC_COMPONENTS.has(t.labels[COMPONENT_LABEL] ?? '')) {
      const grace = t.spec.terminationGracePeriodSeconds;
      if (typeof grace !== 'number' || grace < MIN_GRACE_SECONDS) {
        v.push({
          rule: 'GRACE_PERIOD',
          object: t.object,
          detail: `terminationGracePeriodSeconds is ${String(grace)}, need at least ${MIN_GRACE_SECONDS}`,
        });
      }
    }
  }
}

function byComponent(templates: readonly PodTemplate[], component: string, kind: string): PodTemplate[] {
  return templates.filter((t) => t.workload.kind === kind && t.labels[COMPONENT_LABEL] === component);
}

function checkCoordinator(v: PolicyViolation[], templates: readonly PodTemplate[]): void {
  const found = byComponent(templates, 'coordinator', 'Deployment');
  if (found.length !== 1) {
    v.push({ rule: 'COORDINATOR', object: 'Deployment/*', detail: `${found.length} coordinator Deployments, need 1` });
  }
  for (const t of found) {
    const spec = obj(t.workload.spec);
    if (spec.replicas !== 1)
      v.push({ rule: 'COORDINATOR', object: t.object, detail: `replicas ${String(spec.replicas)}, need 1` });
    const type = str(obj(spec.strategy).type);
    if (type !== 'Recreate') {
      v.push({
        rule: 'COORDINATOR',
        object: t.object,
        detail: `strategy ${type ?? 'RollingUpdate (default)'}: two coordinators on one database are not supported, need Recreate`,
      });
    }
  }
}

function envValue(c: Obj, name: string): Obj | undefined {
  return arr(c.env).find((e) => e.name === name);
}

function checkParties(
  v: PolicyViolation[],
  objects: readonly K8sObject[],
  templates: readonly PodTemplate[],
  opts: PolicyOptions,
): PodTemplate | undefined {
  const found = byComponent(templates, 'party', 'StatefulSet');
  if (found.length !== 1) {
    v.push({ rule: 'PARTY_SET', object: 'StatefulSet/*', detail: `${found.length} party StatefulSets, need 1` });
    return undefined;
  }
  const t = found[0]!;
  const spec = obj(t.workload.spec);
  const add = (rule: PolicyRule, detail: string) => v.push({ rule, object: t.object, detail });
  if (spec.podManagementPolicy !== 'Parallel') add('PARTY_SET', 'podManagementPolicy is not Parallel');
  if (str(obj(spec.updateStrategy).type) === 'OnDelete')
    add('PARTY_SET', 'updateStrategy OnDelete: upgrades would not roll');
  if (typeof spec.replicas !== 'number' || spec.replicas < THRESHOLD + 1) {
    add('PARTY_SET', `replicas ${String(spec.replicas)}: need more than the threshold ${THRESHOLD}`);
  }
  const claims = arr(spec.volumeClaimTemplates).map((c) => str(obj(c.metadata).name));
  const party = arr(t.spec.containers)[0] ?? {};
  const dataMount = arr(party.volumeMounts).find((m) => m.mountPath === '/data');
  if (dataMount === undefined || !claims.includes(str(dataMount.name))) {
    add('PARTY_SET', '/data is not a volume from volumeClaimTemplates (each party needs its own persistent volume)');
  }
  const headless = objects.find(
    (o) => o.kind === 'Service' && o.metadata.name === spec.serviceName && obj(o.spec).clusterIP === 'None',
  );
  if (headless === undefined) add('PARTY_SET', `serviceName ${String(spec.serviceName)} is not a headless Service`);
  const announce = str(envValue(party, 'MPC_ANNOUNCE')?.value) ?? '';
  const podName = obj(obj(envValue(party, 'POD_NAME')?.valueFrom).fieldRef).fieldPath;
  if (!announce.includes(`$(POD_NAME).${String(spec.serviceName)}.`) || podName !== 'metadata.name') {
    add(
      'PARTY_SET',
      "MPC_ANNOUNCE is not the pod's stable name $(POD_NAME).<headless service> (POD_NAME from metadata.name)",
    );
  }

  const anti = obj(obj(t.spec.affinity).podAntiAffinity);
  const spreads = (terms: Obj[]) =>
    terms.some((term) => term.topologyKey === 'kubernetes.io/hostname' && selects(term.labelSelector, t.labels));
  const hard = spreads(arr(anti.requiredDuringSchedulingIgnoredDuringExecution));
  const soft = spreads(arr(anti.preferredDuringSchedulingIgnoredDuringExecution).map((p) => obj(p.podAffinityTerm)));
  if (opts.hardAntiAffinity && !hard) add('ANTI_AFFINITY', 'parties are not required to be on distinct nodes');
  if (!opts.hardAntiAffinity && !hard && !soft) add('ANTI_AFFINITY', 'no pod anti-affinity between parties');
  return t;
}

function checkPdb(v: PolicyViolation[], objects: readonly K8sObject[], party: PodTemplate): void {
  const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget' && selects(obj(o.spec).selector, party.labels));
  if (pdbs.length === 0) {
    v.push({ rule: 'PDB', object: party.object, detail: 'no PodDisruptionBudget selects the parties' });
  }
  for (const p of pdbs) {
    const min = obj(p.spec).minAvailable;
    if (typeof min !== 'number' || min < THRESHOLD) {
      v.push({
        rule: 'PDB',
        object: `${p.kind}/${p.metadata.name}`,
        detail: `minAvailable ${String(min)}: need a number of at least the threshold ${THRESHOLD}`,
      });
    }
  }
}

type Peer = 'coordinator' | 'party' | 'delegate';

/** The ingress rules that apply to pods with `labels` and open `port`. */
function rulesFor(policies: readonly K8sObject[], labels: Record<string, string>, port: number): Obj[] {
  return policies
    .filter((p) => selects(obj(p.spec).podSelector, labels))
    .flatMap((p) => arr(obj(p.spec).ingress))
    .filter((r) => {
      const ports = arr(r.ports);
      return ports.length === 0 || ports.some((x) => x.port === port);
    });
}

/** Checks that `port` of `target` pods is reachable only from pods of the `peers` components. */
function onlyFromPeers(
  v: PolicyViolation[],
  policies: readonly K8sObject[],
  target: PodTemplate,
  port: number,
  peers: readonly Peer[],
): void {
  const rules = rulesFor(policies, target.labels, port);
  const add = (detail: string) => v.push({ rule: 'NETWORK_POLICY', object: target.object, detail });
  if (rules.length === 0) add(`no NetworkPolicy admits port ${port}`);
  for (const r of rules) {
    const from = arr(r.from);
    if (from.length === 0) add(`port ${port} is open to every source`);
    for (const f of from) {
      const component = str(obj(obj(f.podSelector).matchLabels)[COMPONENT_LABEL]);
      if (f.namespaceSelector !== undefined || f.ipBlock !== undefined || !peers.includes(component as Peer)) {
        add(`port ${port} admits ${JSON.stringify(f)}; only ${peers.join(', ')} pods may connect`);
      }
    }
  }
}

function checkNetworkPolicies(
  v: PolicyViolation[],
  objects: readonly K8sObject[],
  templates: readonly PodTemplate[],
): void {
  const policies = objects.filter(
    (o) =>
      o.kind === 'NetworkPolicy' &&
      (arr(obj(o.spec).policyTypes).length === 0 || (obj(o.spec).policyTypes as unknown[]).includes('Ingress')),
  );
  const party = byComponent(templates, 'party', 'StatefulSet')[0];
  const coordinator = byComponent(templates, 'coordinator', 'Deployment')[0];
  for (const t of [party, coordinator]) {
    if (t !== undefined && !policies.some((p) => selects(obj(p.spec).podSelector, t.labels))) {
      v.push({ rule: 'NETWORK_POLICY', object: t.object, detail: 'no NetworkPolicy selects these pods' });
    }
  }
  const denyAll = policies.some(
    (p) => Object.keys(obj(obj(p.spec).podSelector)).length === 0 && arr(obj(p.spec).ingress).length === 0,
  );
  if (!denyAll) v.push({ rule: 'NETWORK_POLICY', object: 'NetworkPolicy/*', detail: 'no default deny of ingress' });
  if (party !== undefined) onlyFromPeers(v, policies, party, 7001, ['coordinator', 'party', 'delegate']);
  if (coordinator !== undefined) {
    onlyFromPeers(v, policies, coordinator, 7000, ['party', 'delegate']);
    const api = rulesFor(policies, coordinator.labels, 4000);
    const open = api.some(
      (r) =>
        arr(r.from).length === 0 ||
        arr(r.from).some(
          (f) => f.namespaceSelector === undefined || Object.keys(obj(f.namespaceSelector)).length === 0,
        ),
    );
    const labelled = api.some((r) =>
      arr(r.from).some((f) => obj(obj(f.namespaceSelector).matchLabels)['mpc-api-client'] === 'true'),
    );
    if (open || !labelled) {
      v.push({
        rule: 'NETWORK_POLICY',
        object: coordinator.object,
        detail: 'the API port 4000 must be open only to namespaces labelled mpc-api-client: "true"',
      });
    }
  }
}

/**
 * Every Secret and ConfigMap a pod template names (volumes, env, envFrom) is among the objects: kustomize renames
 * generated ones with a hash suffix and rewrites the references only where it can match them.
 */
function checkReferences(v: PolicyViolation[], objects: readonly K8sObject[], templates: readonly PodTemplate[]): void {
  const have = new Set(objects.map((o) => `${o.kind}/${o.metadata.name}`));
  for (const t of templates) {
    const wanted: string[] = [];
    for (const vol of arr(t.spec.volumes)) {
      const secret = str(obj(vol.secret).secretName);
      const config = str(obj(vol.configMap).name);
      if (secret !== undefined) wanted.push(`Secret/${secret}`);
      if (config !== undefined) wanted.push(`ConfigMap/${config}`);
    }
    for (const c of [...arr(t.spec.containers), ...arr(t.spec.initContainers)]) {
      for (const e of arr(c.envFrom)) {
        const secret = str(obj(e.secretRef).name);
        const config = str(obj(e.configMapRef).name);
        if (secret !== undefined) wanted.push(`Secret/${secret}`);
        if (config !== undefined) wanted.push(`ConfigMap/${config}`);
      }
      for (const e of arr(c.env)) {
        const from = obj(e.valueFrom);
        const secret = str(obj(from.secretKeyRef).name);
        const config = str(obj(from.configMapKeyRef).name);
        if (secret !== undefined) wanted.push(`Secret/${secret}`);
        if (config !== undefined) wanted.push(`ConfigMap/${config}`);
      }
    }
    for (const w of wanted) {
      if (!have.has(w))
        v.push({ rule: 'REFERENCES', object: t.object, detail: `refers to ${w}, which is not rendered` });
    }
  }
}

/** Checks every policy on one overlay's rendered objects; returns the violations (none: compliant). */
export function checkPolicies(objects: readonly K8sObject[], opts: PolicyOptions): PolicyViolation[] {
  const v: PolicyViolation[] = [];
  const templates = podTemplates(objects);
  checkPods(v, templates);
  checkCoordinator(v, templates);
  const party = checkParties(v, objects, templates, opts);
  if (party !== undefined) checkPdb(v, objects, party);
  checkNetworkPolicies(v, objects, templates);
  checkReferences(v, objects, templates);
  return v;
}
