import type {KindModule} from './types.js'

import {definedOnly} from './shared.js'
import {routeListKind} from './route-list.js'

/** Traefik IngressRoute: every `routes[].services` becomes the backend Service; middlewares and the rest stay. */
export const ingressroute: KindModule = routeListKind({
  backendRefs: (backend) => [{kind: 'Service', name: backend.serviceName, port: backend.servicePort}],
  checkIdentity(check, entry, path) {
    check.optionalString(entry.match, `${path}.match`)
  },
  checkRef(check, ref, path) {
    check.string(ref.name, `${path}.name`)
    check.expect(ref.kind === undefined || ref.kind === 'Service' || ref.kind === 'TraefikService', `${path}.kind`, 'Service or TraefikService')
    check.expect(ref.port === undefined || typeof ref.port === 'number' || typeof ref.port === 'string', `${path}.port`, 'a number or a name')
    check.optionalString(ref.namespace, `${path}.namespace`)
  },
  identity: (entry) => definedOnly({match: entry.match}),
  identityFields: ['match'],
  isBackendRef: (ref, backend, namespace) =>
    ref.name === backend.serviceName &&
    (ref.kind ?? 'Service') === 'Service' &&
    ref.port === backend.servicePort &&
    (ref.namespace === undefined || ref.namespace === namespace),
  kind: 'ingressroute',
  listField: 'routes',
  refsField: 'services',
})
