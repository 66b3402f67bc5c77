import {Flags, type Interfaces} from '@oclif/core'

import {DEFAULT_SCHEDULE, type InstallOptions} from '../install/manifests.js'
import {UserError} from '../model/errors.js'
import {DEFAULT_MAX_BACKENDS, parseMaxBackends, parseNamespaceSelector} from '../model/install-config.js'
import {INSTALL_NAMESPACE} from '../model/keys.js'
import {parseDuration} from '../model/time.js'
import {outsideSettings} from './outside-settings.js'
import {fromFlag} from './window-input.js'

/** The flags of `install`. */
export const installFlags = {
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

export type InstallFlags = Interfaces.InferredFlags<typeof installFlags> & {namespace?: string}

/** What `install` was asked to install, every flag checked (a bad one is exit 2) before anything is rendered or written. */
export function readInstallOptions(flags: InstallFlags): InstallOptions {
  return {
    image: flags.image,
    namespace: flags.namespace ?? INSTALL_NAMESPACE,
    namespaces: flags.namespaces === undefined ? undefined : splitList(flags.namespaces),
    schedule: flags.schedule,
    settings: {
      keep: fromFlag('keep', () => parseDuration(flags.keep)).text,
      maxBackends: flags['max-backends'] === undefined ? DEFAULT_MAX_BACKENDS : parseMaxBackends(flags['max-backends']),
      namespaceSelector: flags['namespace-selector'] === undefined ? undefined : parseNamespaceSelector(flags['namespace-selector']),
      ...outsideSettings(flags),
    },
  }
}

function splitList(text: string): string[] {
  const items = text.split(',').map((item) => item.trim()).filter((item) => item !== '')
  if (items.length === 0) throw new UserError('--namespaces needs at least one namespace, e.g. --namespaces shop,web')
  return [...new Set(items)]
}
