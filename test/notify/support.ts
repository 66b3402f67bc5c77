/** The shop of test/reliability with install settings for the world outside: a webhook, an Alertmanager. */
import {INSTALL_CONFIG} from '../../src/model/install-config.js'
import {INSTALL_NAMESPACE} from '../../src/model/keys.js'
import {type Shop} from '../reliability/support.js'

export function seedInstallConfig(shop: Shop, data: Record<string, string>, secret?: Record<string, string>): void {
  const labels = {'app.kubernetes.io/managed-by': 'kubectl-maintenance', 'app.kubernetes.io/name': 'kubectl-maintenance'}
  shop.server.seed(
    {apiVersion: 'v1', kind: 'Namespace', metadata: {name: INSTALL_NAMESPACE}},
    {apiVersion: 'v1', data: secret ? {...data, 'credentials-secret': INSTALL_CONFIG} : data, kind: 'ConfigMap', metadata: {labels, name: INSTALL_CONFIG, namespace: INSTALL_NAMESPACE}},
    ...(secret
      ? [
          {
            apiVersion: 'v1',
            data: Object.fromEntries(Object.entries(secret).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
            kind: 'Secret',
            metadata: {labels, name: INSTALL_CONFIG, namespace: INSTALL_NAMESPACE},
            type: 'Opaque',
          },
        ]
      : []),
  )
}
