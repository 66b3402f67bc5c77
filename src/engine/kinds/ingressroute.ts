import type {KindModule} from './types.js'

import {isGatePort} from '../../render/backend.js'
import {definedOnly, recordsOf} from './shared.js'
import {routeListKind} from './route-list.js'

/** Traefik IngressRoute: every `routes[].services` becomes the backend Service; middlewares and the rest stay. */
export const ingressroute: KindModule = routeListKind({
  /**
   * Replacing the services drops their `scheme: https`, `serversTransport` and TraefikService references (mirroring,
   * weighted) for the window; the original brings them back. A route that spoke h2c to its services (gRPC) gets the
   * backend's h2c port, so gRPC callers read a gRPC status.
   */
  backendRefs: (backend, entry, port) =>
    recordsOf(entry.services).some((ref) => ref.scheme === 'h2c')
      ? [{kind: 'Service', name: backend.serviceName, port: backend.grpcPort, scheme: 'h2c'}]
      : [{kind: 'Service', name: backend.serviceName, port: port ?? backend.servicePort}],
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
  isBackendRef: (ref, backend, namespace, port) =>
    ref.name === backend.serviceName &&
    (ref.kind ?? 'Service') === 'Service' &&
    ((ref.scheme === undefined && (ref.port === (port ?? backend.servicePort) || (backend.anyGatePort === true && isGatePort(ref.port)))) ||
      (ref.port === backend.grpcPort && ref.scheme === 'h2c')) &&
    (ref.namespace === undefined || ref.namespace === namespace),
  keepsPagePort: (entry) => recordsOf(entry.services).some((ref) => ref.scheme === 'h2c' || ref.scheme === 'https'),
  kind: 'ingressroute',
  listField: 'routes',
  refsField: 'services',
})
