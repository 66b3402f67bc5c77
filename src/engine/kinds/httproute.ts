import type {KindModule} from './types.js'

import {isGatePort} from '../../render/backend.js'
import {definedOnly} from './shared.js'
import {routeListKind} from './route-list.js'

function isOptionalInteger(value: unknown, min: number): boolean {
  return value === undefined || (Number.isInteger(value) && (value as number) >= min)
}

/** Gateway API HTTPRoute: every `rules[].backendRefs` becomes the backend Service; redirect-only rules and filters stay. */
export const httproute: KindModule = routeListKind({
  backendRefs: (backend, _entry, port) => [{group: '', kind: 'Service', name: backend.serviceName, port: port ?? backend.servicePort}],
  checkIdentity(check, entry, path) {
    check.optionalString(entry.name, `${path}.name`)
    if (entry.matches !== undefined) check.array(entry.matches, `${path}.matches`)
  },
  checkRef(check, ref, path) {
    check.string(ref.name, `${path}.name`)
    check.optionalString(ref.group, `${path}.group`)
    check.optionalString(ref.kind, `${path}.kind`)
    check.optionalString(ref.namespace, `${path}.namespace`)
    check.expect(isOptionalInteger(ref.port, 1), `${path}.port`, 'a port number')
    check.expect(isOptionalInteger(ref.weight, 0), `${path}.weight`, 'a non-negative integer')
    if (ref.filters !== undefined) check.array(ref.filters, `${path}.filters`)
  },
  /** Rules are recognised by name when they have one (Gateway API 1.2+), else by what they match. */
  identity: (entry) => (entry.name === undefined ? definedOnly({matches: entry.matches}) : {name: entry.name}),
  identityFields: ['name', 'matches'],
  /** The API server fills in group "", kind Service and weight 1, so those may be read back present or absent. */
  isBackendRef: (ref, backend, namespace, port) =>
    ref.name === backend.serviceName &&
    (ref.group ?? '') === '' &&
    (ref.kind ?? 'Service') === 'Service' &&
    (ref.port === (port ?? backend.servicePort) || (backend.anyGatePort === true && isGatePort(ref.port))) &&
    (ref.namespace === undefined || ref.namespace === namespace) &&
    (ref.weight === undefined || (typeof ref.weight === 'number' && ref.weight > 0)),
  kind: 'httproute',
  listField: 'rules',
  refsField: 'backendRefs',
  /** Mirrors copy every request to the real backend: they stop with the switch and come back with the original. */
  stoppedFilters: {field: 'filters', matches: (filter) => filter.type === 'RequestMirror'},
})
