import {Flags} from '@oclif/core'

import {KubeCommand} from '../cli/base-command.js'
import {renderData} from '../cli/output.js'
import {type KubeObject} from '../kube/client.js'
import {type AppliedObject, applyObjects, describeCheck, displayName, missingPermissions} from '../install/apply.js'
import {readGzippedBundle} from '../install/bundle-source.js'
import {isFence, servesAdmissionPolicies} from '../install/fence.js'
import {deleteObjects, staleObjects} from '../install/remove.js'
import {toFoldedYamlDocuments} from '../install/files.js'
import {DEFAULT_SCHEDULE, type InstallOptions, bundleRef, installOrder, renderBundleConfigMap, renderInstall} from '../install/manifests.js'
import {DEFAULT_MAX_BACKENDS, parseMaxBackends, parseNamespaceSelector} from '../model/install-config.js'
import {outsideSettings} from '../cli/outside-settings.js'
import {ClusterError, UserError} from '../model/errors.js'
import {fromFlag} from '../cli/window-input.js'
import {parseDuration} from '../model/time.js'
import {INSTALL_NAMESPACE} from '../model/keys.js'

export default class Install extends KubeCommand<typeof Install> {
  static description = `Install or upgrade the in-cluster part: a namespace, a ServiceAccount with only the permissions the engine uses, and a CronJob that runs "reconcile -A --horizon 55s" every minute.
By default the CronJob runs this plugin's own bundle (shipped in a ConfigMap) on the official Node image, so nothing needs to be published; --image runs an image built from the repository's Dockerfile instead. With --namespaces the CronJob may only act in those namespaces (a Role each and one CronJob each, instead of a ClusterRole).
Objects are written with server-side apply, so running install again upgrades in place; what an earlier install made and this one no longer has (the cluster-wide grant after a switch to --namespaces, the CronJob of a namespace dropped from it, the bundle after a switch to --image) is pruned. Your permissions are checked first: if any is missing, install lists them and writes nothing.`

  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --dry-run -o yaml > kubectl-maintenance.yaml',
    '<%= config.bin %> <%= command.id %> --namespaces shop,web',
    '<%= config.bin %> <%= command.id %> --namespace-selector kubectl-maintenance.io/enabled=true --max-backends 5',
    '<%= config.bin %> <%= command.id %> --notify-url https://hooks.slack.com/services/T000/B000/XXXX --notify-format slack',
    '<%= config.bin %> <%= command.id %> --alertmanager-url http://alertmanager.monitoring:9093 --silence-grace 10m',
    '<%= config.bin %> <%= command.id %> --image ghcr.io/acme/kubectl-maintenance:0.1.0 --schedule "*/2 * * * *"',
  ]

  static flags = {
    'alertmanager-url': Flags.string({description: 'Alertmanager to silence alerts in during each window (API v2); the CronJob needs network access to it.'}),
    'dry-run': Flags.boolean({description: 'Print the manifests (-o yaml by default) and write nothing; needs no cluster.'}),
    keep: Flags.string({default: '7d', description: 'How long finished windows (Completed, Cancelled) are kept before the CronJob deletes them: 90s, 45m, 2h, 7d, PT2H.'}),
    image: Flags.string({description: 'Run this prebuilt image (built from the Dockerfile) instead of the bundle on the official Node image.'}),
    'max-backends': Flags.string({description: `The most maintenance backends one namespace may have at once; a window that would need more is marked Failed. Default ${DEFAULT_MAX_BACKENDS}.`}),
    'namespace-selector': Flags.string({description: 'Serve only namespaces with this label (LABEL=VALUE), e.g. kubectl-maintenance.io/enabled=true.'}),
    'notify-format': Flags.string({description: 'Body of the notifications: generic (a JSON event) or slack ({text, blocks}). Default generic.'}),
    'notify-url': Flags.string({description: 'POST a JSON event here on every window transition; a URL with credentials is kept in a Secret. The CronJob needs network access to it.'}),
    namespaces: Flags.string({description: 'Only act in these namespaces (comma-separated): a Role and a CronJob per namespace instead of cluster-wide access.'}),
    output: Flags.option({char: 'o', description: 'Print the manifests (with --dry-run) or the applied objects in this format.', options: ['yaml', 'json'] as const})(),
    schedule: Flags.string({default: DEFAULT_SCHEDULE, description: 'When the CronJob runs (5-field cron).'}),
    'silence-grace': Flags.string({description: "How long a silence outlasts its window's end. Default 5m."}),
    'silence-matchers': Flags.string({description: 'Alertmanager matchers of each silence, with {{namespace}}, {{window}}, {{kind}}, {{names}}. Default: namespace="{{namespace}}",{{kind}}=~"{{names}}".'}),
  }

  async run(): Promise<void> {
    const options: InstallOptions = {
      image: this.flags.image,
      namespace: this.flags.namespace ?? INSTALL_NAMESPACE,
      namespaces: this.flags.namespaces === undefined ? undefined : splitList(this.flags.namespaces),
      schedule: this.flags.schedule,
      settings: {
        keep: fromFlag('keep', () => parseDuration(this.flags.keep)).text,
        maxBackends: this.flags['max-backends'] === undefined ? DEFAULT_MAX_BACKENDS : parseMaxBackends(this.flags['max-backends']),
        namespaceSelector: this.flags['namespace-selector'] === undefined ? undefined : parseNamespaceSelector(this.flags['namespace-selector']),
        ...outsideSettings(this.flags),
      },
    }
    const gzipped = options.image === undefined ? readGzippedBundle() : undefined
    const bundle = gzipped === undefined ? undefined : renderBundleConfigMap(options.namespace, gzipped)
    const manifests = renderInstall({...options, bundle: gzipped === undefined ? undefined : bundleRef(gzipped)})
    let objects = installOrder(manifests, bundle)

    if (this.flags['dry-run']) {
      this.log(this.format(objects, this.flags.output ?? 'yaml'))
      return
    }

    const client = await this.client()
    if (!(await servesAdmissionPolicies(client))) {
      objects = objects.filter((object) => !isFence(object))
      this.note('Note: this cluster does not serve ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1, Kubernetes 1.30+): installing without the fence that limits what the CronJob\'s ServiceAccount may write')
    }
    const stale = await staleObjects(client, options.namespace, objects)
    const missing = await missingPermissions(client, objects, stale)
    if (missing.length > 0) {
      throw new ClusterError(`you lack permissions install needs; nothing was written:\n  ${missing.map((check) => describeCheck(check)).join('\n  ')}`)
    }
    const applied = await applyObjects(client, objects, (result) => {
      if (!this.flags.output) this.log(outcomeLine(result))
    })
    await deleteObjects(client, stale, (object) => {
      if (!this.flags.output) this.log(`${displayName(object)} pruned`)
    })
    if (this.flags.output) this.log(this.format(applied.map((result) => result.object), this.flags.output))
  }

  private format(objects: KubeObject[], output: 'json' | 'yaml'): string {
    return output === 'json' ? renderData('json', {apiVersion: 'v1', items: objects, kind: 'List'}) : toFoldedYamlDocuments(objects).trimEnd()
  }
}

function splitList(text: string): string[] {
  const items = text.split(',').map((item) => item.trim()).filter((item) => item !== '')
  if (items.length === 0) throw new UserError('--namespaces needs at least one namespace, e.g. --namespaces shop,web')
  return [...new Set(items)]
}

function outcomeLine(result: AppliedObject): string {
  return `${displayName(result.object)} ${result.outcome}${result.note ? ` (${result.note})` : ''}`
}
