import {KubeCommand} from '../cli/base-command.js'
import {renderData} from '../cli/output.js'
import {type KubeObject} from '../kube/client.js'
import {type AppliedObject, applyObjects, describeCheck, displayName, missingPermissions} from '../install/apply.js'
import {readGzippedBundle} from '../install/bundle-source.js'
import {isFence, servesAdmissionPolicies} from '../install/fence.js'
import {deleteObjects, staleObjects} from '../install/remove.js'
import {toFoldedYamlDocuments} from '../install/files.js'
import {bundleRef, installOrder, renderBundleConfigMap, renderInstall} from '../install/manifests.js'
import {installFlags, readInstallOptions} from '../cli/install-input.js'
import {ClusterError, eachOnItsLine} from '../model/errors.js'

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

  static flags = installFlags

  async run(): Promise<void> {
    const options = readInstallOptions(this.flags)
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
      throw new ClusterError(eachOnItsLine('you lack permissions install needs; nothing was written', missing.map((check) => `missing permission: ${describeCheck(check)}`)))
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

function outcomeLine(result: AppliedObject): string {
  return `${displayName(result.object)} ${result.outcome}${result.note ? ` (${result.note})` : ''}`
}
