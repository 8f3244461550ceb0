/**
 * The Kubernetes manifests of k8s/ render: a kustomize renderer is found (or its absence named with how to get
 * one), every overlay renders, and every object matches the Kubernetes schemas (a broken one is named).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isCodedError } from '../../protocols/common/errors.js';
import { findRenderer, overlayNames, RENDERER_HOWTO } from '../../scripts/k8s/render.js';
import { validateSchemas } from '../../scripts/k8s/schemas.js';
import { type Any, container, copyOf, find, rendered } from '../helpers/k8s-manifests.js';

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

test.run();
