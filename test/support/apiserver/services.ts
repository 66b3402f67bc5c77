/** Service clusterIP and nodePort allocation, and the update rules that protect allocated values. */
import {type JsonObject, deepEqual, isObject} from './json.js'
import {type FieldError, fieldErrors} from './status.js'

const SERVICE_CIDR = '10.96.0.0/12'
const RANGE_START = ipToNumber('10.96.0.0')
const RANGE_END = ipToNumber('10.111.255.255')
const NODE_PORT_MIN = 30000
const NODE_PORT_MAX = 32767

function ipToNumber(ip: string): number {
  return ip.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0)
}

function numberToIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.')
}

function isIPv4(text: string): boolean {
  return /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(text) && text.split('.').every((octet) => Number(octet) <= 255)
}

function goStringSlice(values: string[]): string {
  return `[]string{${values.map((value) => JSON.stringify(value)).join(', ')}}`
}

export class ServiceAllocator {
  // 10.96.0.1 belongs to the `kubernetes` Service in every cluster.
  private readonly usedIps = new Set<string>(['10.96.0.1'])
  private readonly usedNodePorts = new Set<number>()
  private nextIp = ipToNumber('10.96.0.10')
  private nextNodePort = NODE_PORT_MIN

  /** Fills clusterIP(s), IP families and nodePorts; reserves them only when `commit`. */
  allocate(spec: JsonObject, commit: boolean): FieldError[] {
    if (spec.type === 'ExternalName') return []
    const errors = this.allocateClusterIp(spec, commit)
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') errors.push(...this.allocateNodePorts(spec, commit))
    return errors
  }

  release(spec: unknown): void {
    if (!isObject(spec)) return
    for (const ip of Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [spec.clusterIP]) if (typeof ip === 'string') this.usedIps.delete(ip)
    for (const port of Array.isArray(spec.ports) ? spec.ports : []) if (isObject(port) && typeof port.nodePort === 'number') this.usedNodePorts.delete(port.nodePort)
  }

  private allocateClusterIp(spec: JsonObject, commit: boolean): FieldError[] {
    const requested = typeof spec.clusterIP === 'string' && spec.clusterIP !== '' ? spec.clusterIP : Array.isArray(spec.clusterIPs) ? spec.clusterIPs[0] : undefined
    spec.ipFamilies ??= ['IPv4']
    spec.ipFamilyPolicy ??= 'SingleStack'
    if (requested === 'None') {
      spec.clusterIP = 'None'
      spec.clusterIPs = ['None']
      return []
    }
    if (typeof requested === 'string') {
      if (!isIPv4(requested)) return [fieldErrors.invalid('spec.clusterIPs[0]', requested, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')]
      const inRange = ipToNumber(requested) > RANGE_START && ipToNumber(requested) < RANGE_END
      if (!inRange) return [fieldErrors.invalidRaw('spec.clusterIPs', goStringSlice([requested]), `failed to allocate IP ${requested}: provided IP is not in the valid range. The range of valid IPs is ${SERVICE_CIDR}`)]
      if (this.usedIps.has(requested)) return [fieldErrors.invalidRaw('spec.clusterIPs', goStringSlice([requested]), `failed to allocate IP ${requested}: provided IP is already allocated`)]
      if (commit) this.usedIps.add(requested)
      spec.clusterIP = requested
      spec.clusterIPs = [requested]
      return []
    }
    let candidate = this.nextIp
    while (this.usedIps.has(numberToIp(candidate))) candidate++
    const ip = numberToIp(candidate)
    if (commit) {
      this.usedIps.add(ip)
      this.nextIp = candidate + 1
    }
    spec.clusterIP = ip
    spec.clusterIPs = [ip]
    return []
  }

  private allocateNodePorts(spec: JsonObject, commit: boolean): FieldError[] {
    const errors: FieldError[] = []
    const ports = Array.isArray(spec.ports) ? spec.ports : []
    let candidate = this.nextNodePort
    ports.forEach((port, index) => {
      if (!isObject(port)) return
      if (typeof port.nodePort === 'number' && port.nodePort !== 0) {
        if (port.nodePort < NODE_PORT_MIN || port.nodePort > NODE_PORT_MAX) {
          errors.push(fieldErrors.invalid(`spec.ports[${index}].nodePort`, port.nodePort, `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_MIN}-${NODE_PORT_MAX}`))
        } else if (this.usedNodePorts.has(port.nodePort)) {
          errors.push(fieldErrors.invalid(`spec.ports[${index}].nodePort`, port.nodePort, 'provided port is already allocated'))
        } else if (commit) this.usedNodePorts.add(port.nodePort)
        return
      }
      while (this.usedNodePorts.has(candidate)) candidate++
      port.nodePort = candidate
      if (commit) this.usedNodePorts.add(candidate)
      candidate++
    })
    if (commit) this.nextNodePort = candidate
    return errors
  }
}

/** On update an omitted clusterIP, clusterIPs or nodePort keeps its allocated value (patchAllocatedValues in the service registry). */
export function carryAllocatedValues(oldSpec: unknown, newSpec: JsonObject): void {
  if (!isObject(oldSpec) || (newSpec.type ?? 'ClusterIP') !== oldSpec.type) return
  if ((newSpec.clusterIP === undefined || newSpec.clusterIP === '') && oldSpec.clusterIP !== undefined) newSpec.clusterIP = oldSpec.clusterIP
  if (newSpec.clusterIPs === undefined && oldSpec.clusterIPs !== undefined && newSpec.clusterIP === oldSpec.clusterIP) newSpec.clusterIPs = oldSpec.clusterIPs
  newSpec.ipFamilies ??= oldSpec.ipFamilies
  newSpec.ipFamilyPolicy ??= oldSpec.ipFamilyPolicy
  const oldPorts = Array.isArray(oldSpec.ports) ? oldSpec.ports.filter(isObject) : []
  for (const port of Array.isArray(newSpec.ports) ? newSpec.ports : []) {
    if (!isObject(port) || port.nodePort !== undefined) continue
    const previous = oldPorts.find((old) => old.port === port.port && (old.protocol ?? 'TCP') === (port.protocol ?? 'TCP'))
    if (previous?.nodePort !== undefined) port.nodePort = previous.nodePort
  }
}

export function validateServiceUpdate(oldSpec: unknown, newSpec: JsonObject): FieldError[] {
  if (!isObject(oldSpec) || oldSpec.type === 'ExternalName' || newSpec.type === 'ExternalName') return []
  if (oldSpec.clusterIP !== newSpec.clusterIP || !deepEqual(oldSpec.clusterIPs, newSpec.clusterIPs)) {
    const values = Array.isArray(newSpec.clusterIPs) ? newSpec.clusterIPs.map(String) : [String(newSpec.clusterIP ?? '')]
    return [fieldErrors.invalidRaw('spec.clusterIPs[0]', goStringSlice(values), 'may not change once set')]
  }
  return []
}
