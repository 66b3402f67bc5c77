import {expect} from 'chai'

import type {KubeObject} from '../../src/model/kube-object.js'

import {gitopsOwner, joinOriginal, pauseOnSwitch, restoreAnnotations, revertDecision, splitOriginal} from '../../src/engine/gitops.js'

function object(metadata: Partial<KubeObject['metadata']>): KubeObject {
  return {apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: {name: 'shop', namespace: 'shop', ...metadata}, spec: {}}
}

function managed(manager: string, time: string, routing = true): Record<string, unknown> {
  const fieldsV1 = routing ? {'f:spec': {'f:ingressClassName': {}, 'f:rules': {}}} : {'f:spec': {'f:ingressClassName': {}, 'f:tls': {}}}
  return {apiVersion: 'networking.k8s.io/v1', fieldsType: 'FieldsV1', fieldsV1, manager, operation: 'Apply', time}
}

describe('engine/gitops', () => {
  describe('gitopsOwner', () => {
    const cases: Array<[string, Partial<KubeObject['metadata']>, string | undefined, string | undefined]> = [
      ['Flux Kustomization label', {labels: {'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system'}}, 'Flux', 'label kustomize.toolkit.fluxcd.io/name'],
      ['Flux HelmRelease label', {labels: {'helm.toolkit.fluxcd.io/name': 'shop'}}, 'Flux', 'label helm.toolkit.fluxcd.io/name'],
      ['Argo CD tracking annotation', {annotations: {'argocd.argoproj.io/tracking-id': 'shop:networking.k8s.io/Ingress:shop/shop'}}, 'Argo CD', 'annotation argocd.argoproj.io/tracking-id'],
      ['Argo CD manager', {managedFields: [managed('argocd-controller', '2026-11-30T10:00:00Z')]}, 'Argo CD', 'managedFields manager argocd-controller'],
      ['kustomize-controller manager', {managedFields: [managed('kustomize-controller', '2026-11-30T10:00:00Z')]}, 'Flux', 'managedFields manager kustomize-controller'],
      ['instance label alone', {labels: {'app.kubernetes.io/instance': 'storefront'}}, 'Argo CD', "label app.kubernetes.io/instance (Argo CD's label tracking)"],
      ['instance label set by a Helm chart', {labels: {'app.kubernetes.io/instance': 'storefront', 'app.kubernetes.io/managed-by': 'Helm'}}, undefined, undefined],
      ['instance label with a Helm release annotation', {annotations: {'meta.helm.sh/release-name': 'storefront'}, labels: {'app.kubernetes.io/instance': 'storefront'}}, undefined, undefined],
      ['instance label that is no Application name', {labels: {'app.kubernetes.io/instance': 'Store_Front'}}, undefined, undefined],
      ['nothing', {managedFields: [managed('kubectl-client-side-apply', '2026-11-30T10:00:00Z')]}, undefined, undefined],
    ]
    for (const [name, metadata, tool, evidence] of cases) {
      it(name, () => {
        const owner = gitopsOwner(object(metadata))
        expect(owner?.tool).to.equal(tool)
        expect(owner?.evidence).to.equal(evidence)
      })
    }

    it('reads the Application and its namespace from a tracking id of apps in any namespace', () => {
      const owner = gitopsOwner(object({annotations: {'argocd.argoproj.io/tracking-id': 'team-a_shop:networking.k8s.io/Ingress:shop/shop'}}))
      expect(owner?.source).to.deep.equal({kind: 'Application', name: 'shop', namespace: 'team-a'})
    })
  })

  describe('pause and restore', () => {
    it('remembers a value the target had before and puts it back, key for key', () => {
      const target = object({annotations: {'kustomize.toolkit.fluxcd.io/reconcile': 'enabled'}, labels: {'helm.toolkit.fluxcd.io/name': 'shop'}})
      const {original, set} = pauseOnSwitch(target, true, {})
      expect(set).to.deep.equal({'helm.toolkit.fluxcd.io/driftDetection': 'disabled', 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled'})
      expect(original).to.deep.equal({'helm.toolkit.fluxcd.io/driftDetection': null, 'kustomize.toolkit.fluxcd.io/reconcile': 'enabled'})
      const stored = JSON.parse(JSON.stringify(joinOriginal({paths: []}, original))) as unknown
      const split = splitOriginal(stored)
      expect(split.problems).to.deep.equal([])
      expect(split.routing).to.deep.equal({paths: []})
      const switched = {...target.metadata.annotations, ...set, 'kubectl-maintenance.io/reverts': '1'}
      expect(restoreAnnotations(switched, split.annotations)).to.deep.equal({'kustomize.toolkit.fluxcd.io/reconcile': 'enabled'})
    })

    it('keeps the first remembered value when switched again (the target then carries the pause itself)', () => {
      const paused = object({annotations: {'kustomize.toolkit.fluxcd.io/reconcile': 'disabled'}, labels: {'kustomize.toolkit.fluxcd.io/name': 'apps'}})
      expect(pauseOnSwitch(paused, true, {'kustomize.toolkit.fluxcd.io/reconcile': null}).original).to.deep.equal({'kustomize.toolkit.fluxcd.io/reconcile': null})
    })

    it('pauses nothing with --no-gitops-pause or for Argo CD', () => {
      expect(pauseOnSwitch(object({labels: {'kustomize.toolkit.fluxcd.io/name': 'apps'}}), false, {}).set).to.deep.equal({})
      expect(pauseOnSwitch(object({annotations: {'argocd.argoproj.io/tracking-id': 'a:networking.k8s.io/Ingress:shop/shop'}}), true, {}).set).to.deep.equal({})
    })

    it('refuses a tampered annotations part of the original', () => {
      expect(splitOriginal({metadata: {annotations: {'kubectl.kubernetes.io/last-applied-configuration': 'x'}}, paths: []}).problems).to.deep.equal([
        'original.metadata.annotations has unexpected key "kubectl.kubernetes.io/last-applied-configuration" (allowed: kustomize.toolkit.fluxcd.io/reconcile, helm.toolkit.fluxcd.io/driftDetection)',
      ])
      expect(splitOriginal({metadata: {annotations: {'kustomize.toolkit.fluxcd.io/reconcile': 3}}, paths: []}).problems).to.have.length(1)
    })
  })

  describe('revertDecision', () => {
    it('counts a revert by a GitOps manager written after the switch, and gives up past the limit', () => {
      const reverted = (count: string) =>
        object({annotations: {'kubectl-maintenance.io/reverts': count}, managedFields: [managed('kubectl-maintenance', '2026-11-30T10:00:00Z'), managed('argocd-controller', '2026-11-30T10:00:00Z')]})
      expect(revertDecision(reverted('1'), 'ingress')).to.deep.equal({count: 1, giveUp: false, manager: 'argocd-controller'})
      expect(revertDecision(reverted('2'), 'ingress')).to.deep.equal({count: 2, giveUp: true, manager: 'argocd-controller'})
      expect(revertDecision(reverted('not a number'), 'ingress')).to.deep.equal({count: 0, giveUp: false, manager: 'argocd-controller'})
    })

    it('treats an edit by a person as drift, not as a revert', () => {
      // All in one second: only ownership of the routing fields tells who changed them back.
      const edited = object({
        annotations: {'kubectl-maintenance.io/reverts': '2'},
        managedFields: [managed('argocd-controller', '2026-11-30T10:00:00Z', false), managed('kubectl-maintenance', '2026-11-30T10:00:00Z'), managed('kubectl-edit', '2026-11-30T10:00:00Z')],
      })
      expect(revertDecision(edited, 'ingress')).to.deep.equal({count: 2, giveUp: false})
    })

    it('finds the reverter of a Service by its selector or target ports', () => {
      const service = (fieldsV1: Record<string, unknown>) =>
        object({managedFields: [{fieldsV1, manager: 'kustomize-controller', operation: 'Apply', time: '2026-11-30T10:00:00Z'}]})
      expect(revertDecision(service({'f:spec': {'f:selector': {'f:app': {}}}}), 'service').manager).to.equal('kustomize-controller')
      expect(revertDecision(service({'f:spec': {'f:ports': {'k:{"port":80}': {'.': {}, 'f:targetPort': {}}}}}), 'service').manager).to.equal('kustomize-controller')
      expect(revertDecision(service({'f:spec': {'f:ports': {'k:{"port":80}': {'.': {}, 'f:port': {}}}}}), 'service').manager).to.equal(undefined)
    })
  })
})
