/**
 * The Kubernetes Pod Security Standards, "restricted" profile (which includes "baseline"), as listed at
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/ — written from the document, independent of the
 * code under test. Returns one line per violation; [] means the Pod spec is admitted by `enforce: restricted`.
 */
type Spec = Record<string, unknown>

const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
])
const RESTRICTED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'])
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes',
])
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'])

function record(value: unknown): Spec {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Spec) : {}
}

function list(value: unknown): Spec[] {
  return Array.isArray(value) ? value.map(record) : []
}

export function restrictedViolations(podSpec: Spec): string[] {
  const problems: string[] = []
  const pod = record(podSpec.securityContext)
  const containers = [...list(podSpec.containers), ...list(podSpec.initContainers), ...list(podSpec.ephemeralContainers)]

  // Baseline.
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) if (podSpec[field] === true) problems.push(`${field} must be unset or false`)
  if (record(pod.windowsOptions).hostProcess === true) problems.push('hostProcess must be false')
  for (const volume of list(podSpec.volumes)) {
    if (volume.hostPath !== undefined) problems.push(`volume ${String(volume.name)}: hostPath is forbidden`)
    const types = Object.keys(volume).filter((key) => key !== 'name')
    for (const type of types) if (!RESTRICTED_VOLUME_TYPES.has(type)) problems.push(`volume ${String(volume.name)}: type ${type} is not allowed`)
  }
  for (const sysctl of list(pod.sysctls)) if (!SAFE_SYSCTLS.has(String(sysctl.name))) problems.push(`sysctl ${String(sysctl.name)} is not allowed`)
  const selinuxType = (context: Spec) => record(context.seLinuxOptions).type
  if (!SELINUX_TYPES.has(String(selinuxType(pod) ?? ''))) problems.push('pod seLinuxOptions.type is not allowed')

  const podNonRoot = pod.runAsNonRoot === true
  const podSeccomp = record(pod.seccompProfile).type
  if (pod.runAsUser === 0) problems.push('pod runAsUser must not be 0')
  if (podSeccomp !== undefined && podSeccomp !== 'RuntimeDefault' && podSeccomp !== 'Localhost') problems.push(`pod seccompProfile ${String(podSeccomp)} is not allowed`)

  for (const container of containers) {
    const name = `container ${String(container.name)}`
    const context = record(container.securityContext)
    const capabilities = record(context.capabilities)
    if (context.privileged === true) problems.push(`${name}: privileged must be false`)
    for (const port of list(container.ports)) if (port.hostPort !== undefined && port.hostPort !== 0) problems.push(`${name}: hostPort is forbidden`)
    if (context.procMount !== undefined && context.procMount !== 'Default') problems.push(`${name}: procMount must be Default`)
    if (!SELINUX_TYPES.has(String(selinuxType(context) ?? ''))) problems.push(`${name}: seLinuxOptions.type is not allowed`)
    const added = Array.isArray(capabilities.add) ? capabilities.add.map(String) : []
    for (const capability of added) if (!BASELINE_CAPABILITIES.has(capability)) problems.push(`${name}: capability ${capability} may not be added`)

    // Restricted.
    if (context.allowPrivilegeEscalation !== false) problems.push(`${name}: allowPrivilegeEscalation must be false`)
    const nonRoot = context.runAsNonRoot === true || (context.runAsNonRoot === undefined && podNonRoot)
    if (!nonRoot) problems.push(`${name}: runAsNonRoot must be true (on the container or the pod)`)
    if (context.runAsUser === 0) problems.push(`${name}: runAsUser must not be 0`)
    const seccomp = record(context.seccompProfile).type ?? podSeccomp
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push(`${name}: seccompProfile must be RuntimeDefault or Localhost`)
    const dropped = Array.isArray(capabilities.drop) ? capabilities.drop.map(String) : []
    if (!dropped.includes('ALL')) problems.push(`${name}: capabilities must drop ALL`)
    for (const capability of added) if (capability !== 'NET_BIND_SERVICE') problems.push(`${name}: only NET_BIND_SERVICE may be added`)
  }
  return problems
}
