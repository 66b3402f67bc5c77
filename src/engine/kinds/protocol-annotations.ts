import type {KubeObject} from './types.js'

/**
 * Ingress annotations that make the controller speak TLS (or gRPC over TLS) to its upstream. The page backend
 * serves plain HTTP/1.1 on port 80 and gRPC over h2c on port 81, so for the window each is set to what the
 * backend speaks, and the original value is restored after. Only these keys are ever written back from an
 * original: a tampered original cannot set any other annotation (a configuration snippet, say).
 */
const PLAIN: Record<string, (value: string) => string | null> = {
  // ingress-nginx: HTTP, HTTPS, AUTO_HTTP, GRPC, GRPCS, FCGI (case-insensitive).
  'nginx.ingress.kubernetes.io/backend-protocol': (value) => (/^grpcs?$/i.test(value.trim()) ? 'GRPC' : 'HTTP'),
  // ingress-nginx hands the TLS stream to the upstream untouched; without it the controller terminates TLS itself.
  'nginx.ingress.kubernetes.io/ssl-passthrough': () => null,
  // AWS Load Balancer Controller: HTTP or HTTPS to the targets; HTTP2 and GRPC need HTTPS targets.
  'alb.ingress.kubernetes.io/backend-protocol': () => 'HTTP',
  'alb.ingress.kubernetes.io/backend-protocol-version': () => 'HTTP1',
}

export const PROTOCOL_ANNOTATION_KEYS = Object.keys(PLAIN)
const MAX_VALUE_LENGTH = 256

/** The annotations the switch changes, with their current values (only those whose value would change). */
export function protocolAnnotations(obj: KubeObject): Record<string, string> {
  const annotations = obj.metadata.annotations ?? {}
  const found: Record<string, string> = {}
  for (const [key, plain] of Object.entries(PLAIN)) {
    const value = annotations[key]
    if (value !== undefined && plain(value) !== value) found[key] = value
  }
  return found
}

export function switchedAnnotations(obj: KubeObject): Record<string, string | null> {
  return Object.fromEntries(Object.entries(protocolAnnotations(obj)).map(([key, value]) => [key, PLAIN[key](value)]))
}

/** The upstream protocol the (switched) Ingress asks of its controller. */
export function speaksGrpc(obj: KubeObject): boolean {
  return /^grpcs?$/i.test((obj.metadata.annotations ?? {})['nginx.ingress.kubernetes.io/backend-protocol']?.trim() ?? '')
}

/** Whether the upstream is reached over TLS (what the routing summary calls `(tls)`). */
export function speaksTls(annotations: Record<string, string>): boolean {
  return (
    /^(https|grpcs)$/i.test(annotations['nginx.ingress.kubernetes.io/backend-protocol']?.trim() ?? '') ||
    annotations['nginx.ingress.kubernetes.io/ssl-passthrough'] === 'true' ||
    /^https$/i.test(annotations['alb.ingress.kubernetes.io/backend-protocol']?.trim() ?? '')
  )
}

export function checkProtocolAnnotations(value: unknown, path: string, problems: string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`${path} must be an object`)
    return
  }
  for (const [key, text] of Object.entries(value)) {
    if (!PROTOCOL_ANNOTATION_KEYS.includes(key)) problems.push(`${path} has unexpected annotation "${key}" (allowed: ${PROTOCOL_ANNOTATION_KEYS.join(', ')})`)
    else if (typeof text !== 'string' || text.length > MAX_VALUE_LENGTH) problems.push(`${path}[${JSON.stringify(key)}] must be a string of at most ${MAX_VALUE_LENGTH} characters`)
  }
}
