import {Args, Flags} from '@oclif/core'
import {stringify} from 'yaml'

import {KubeCommand} from '../../cli/base-command.js'
import {parseTargets} from '../../cli/window-input.js'
import {type ArgoTarget, IGNORE_RULE_STYLES, argoPatch} from '../../engine/argocd-patch.js'
import {type GitOpsOwner, gitopsOwner} from '../../engine/gitops.js'
import {argoTargets, findApplication} from '../../kube/argocd.js'
import {UserError} from '../../model/errors.js'
import {KIND_RESOURCES} from '../../engine/kinds/index.js'
import {formatTarget} from '../../model/target.js'

export default class GitopsArgocd extends KubeCommand<typeof GitopsArgocd> {
  static args = {
    target: Args.string({description: 'Targets to cover (default: every target of the namespace Argo CD owns).', multiple: true}),
  }

  static description = `Print the Argo CD Application patch that makes Argo CD leave the fields kubectl-maintenance switches alone.
The patch adds one ignoreDifferences entry per target (managedFieldsManagers: [kubectl-maintenance] and the switched fields as jqPathExpressions; --rule picks one) and the RespectIgnoreDifferences=true sync option, so selfHeal neither shows nor reverts a switched target. Apply it with kubectl patch --type merge, or put the same fields in the Application's manifest in Git. Where the Application is readable, the patch keeps its existing entries and says whether the rule is already there.`

  static examples = [
    '<%= config.bin %> <%= command.id %> ingress/shop -n shop',
    'kubectl patch application shop -n argocd --type merge -p "$(<%= config.bin %> <%= command.id %> ingress/shop -n shop -o json)"',
  ]

  static flags = {
    output: Flags.option({char: 'o', default: 'yaml' as const, description: 'Output format.', options: ['yaml', 'json'] as const})(),
    rule: Flags.option({
      default: 'both' as const,
      description: 'What the ignore rule names: the field manager kubectl-maintenance (managers), the switched fields per kind as jqPathExpressions (jq), or both.',
      options: IGNORE_RULE_STYLES,
    })(),
  }

  async run(): Promise<void> {
    const refs = parseTargets(this.args.target ?? [])
    const client = await this.client()
    const namespace = client.namespace
    const found = await argoTargets(client, namespace, refs)
    if (found.length === 0) throw new UserError(`no target in namespace ${namespace} carries Argo CD's marks: name the targets, e.g. ${this.config.bin} gitops argocd ingress/shop -n ${namespace}`)
    const groups = new Map<string, {source?: GitOpsOwner['source']; targets: ArgoTarget[]}>()
    for (const {object, ref} of found) {
      if (!object) this.warnUser(`${formatTarget(ref)} not found in namespace ${namespace}; its rule is printed all the same`)
      const owner = object ? gitopsOwner(object) : undefined
      if (object && owner?.tool !== 'Argo CD') this.warnUser(`${formatTarget(ref)} carries no Argo CD marks (${owner ? `${owner.tool} owns it` : 'no tracking annotation, instance label or Argo CD manager'})`)
      const source = owner?.tool === 'Argo CD' ? owner.source : undefined
      const id = source ? `${source.namespace ?? ''}/${source.name}` : ''
      const group = groups.get(id) ?? {source, targets: []}
      const resource = KIND_RESOURCES[ref.kind]
      group.targets.push({apiVersion: object?.apiVersion ?? (resource.group ? `${resource.group}/${resource.version}` : resource.version), kind: object?.kind ?? resource.kind, namespace, ref})
      groups.set(id, group)
    }
    if (this.flags.output === 'json' && groups.size > 1) {
      throw new UserError(`the targets belong to ${groups.size} Applications; -o json prints one patch: pass the targets of one Application, or use -o yaml`)
    }
    const documents: string[] = []
    for (const {source, targets} of groups.values()) {
      const lookup = source ? await findApplication(client, source) : undefined
      const application = lookup && 'found' in lookup ? lookup.found : undefined
      const result = argoPatch(targets, this.flags.rule, application)
      const name = application ? `${application.metadata.namespace}/${application.metadata.name}` : source ? source.name : 'the Application that syncs them'
      if (application) process.stderr.write(result.present ? `Application ${name}: the rule is already there; nothing to change\n` : `Application ${name}: rule missing for ${result.missing.join(', ')}\n`)
      else if (lookup && 'unreadable' in lookup) process.stderr.write(`Application ${name} not read (${lookup.unreadable}): merge these lists with the Application's own, a merge patch replaces them\n`)
      documents.push(this.flags.output === 'json' ? JSON.stringify(result.patch, null, 2) : `# Application: ${name}\n${stringify(result.patch, {lineWidth: 0}).trimEnd()}`)
    }
    this.log(documents.join('\n---\n'))
  }
}
