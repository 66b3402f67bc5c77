/**
 * The backend's TLS certificate: self-signed, generated when the backend is made and kept in a Secret named like it
 * and owned by its ConfigMap, so proxies that speak TLS to their upstream complete a handshake and get the page.
 * Random by nature, so it lives here in the I/O shell and is never part of the backend's content hash.
 */
import {generateKeyPair, randomBytes} from 'node:crypto'
import {promisify} from 'node:util'
import type forgeModule from 'node-forge'

import {type BackendManifests, type TlsKeyPair, backendTlsSecret} from '../render/backend.js'
import {GATE_TABLE_DAYS, gateKeyConf} from '../render/gate.js'
import {type KubeClient} from './client.js'
import {Resources} from './resources.js'

/**
 * Ten years: a backend lives as long as the windows that use it, which may be open-ended; proxies in front of it
 * do not verify a backend certificate by default (ingress-nginx proxy-ssl-verify off, Traefik with a
 * serversTransport that skips it), and one that does would refuse a self-signed one whatever its dates.
 */
const VALIDITY_DAYS = 3650

/** The DNS names callers use for the backend Service (and the target Services switched to its pods). */
export function backendDnsNames(name: string, namespace: string): string[] {
  return [name, `${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.cluster.local`]
}

export async function selfSignedCertificate(name: string, namespace: string, now: number): Promise<TlsKeyPair> {
  // Generated off the event loop: a pass serving other namespaces does not wait on it.
  const {privateKey, publicKey} = await promisify(generateKeyPair)('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: {format: 'pem', type: 'pkcs1'},
    publicKeyEncoding: {format: 'pem', type: 'spki'},
  })
  // node-forge is loaded only here, when a backend is made: evaluating it cost every pass and command at start-up.
  const {default: forge} = (await import('node-forge')) as {default: typeof forgeModule}
  const certificate = forge.pki.createCertificate()
  certificate.publicKey = forge.pki.publicKeyFromPem(publicKey)
  // A positive serial of 16 random bytes (RFC 5280: at most 20 octets, non-negative).
  const serial = randomBytes(16)
  serial[0] &= 0x7f
  certificate.serialNumber = serial.toString('hex')
  certificate.validity.notBefore = new Date(now - 60 * 60 * 1000)
  certificate.validity.notAfter = new Date(now + VALIDITY_DAYS * 24 * 60 * 60 * 1000)
  const subject = [
    {name: 'commonName', value: `${name}.${namespace}.svc`},
    {name: 'organizationName', value: 'kubectl-maintenance'},
  ]
  certificate.setSubject(subject)
  certificate.setIssuer(subject)
  certificate.setExtensions([
    {cA: false, critical: true, name: 'basicConstraints'},
    {critical: true, digitalSignature: true, keyEncipherment: true, name: 'keyUsage'},
    {name: 'extKeyUsage', serverAuth: true},
    {altNames: backendDnsNames(name, namespace).map((value) => ({type: 2, value})), name: 'subjectAltName'},
  ])
  certificate.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create())
  return {certificate: forge.pki.certificateToPem(certificate), key: privateKey}
}

/**
 * Makes the backend's TLS Secret unless it exists, owned by the backend's ConfigMap (uid `ownerUid`), so the garbage
 * collector removes it with the backend. Called before the Deployment is made, so no pod waits on a missing Secret
 * volume. The engine never reads Secrets: one that exists already (a pass killed after making it) is left as it is.
 */
export async function ensureTlsSecret(client: KubeClient, namespace: string, manifests: BackendManifests, ownerUid: string, now: number): Promise<void> {
  const secret = backendTlsSecret(manifests, namespace, ownerUid, await selfSignedCertificate(manifests.name, namespace, now), gateSecretConf(manifests, now))
  await client.createIfAbsent(Resources.secrets, namespace, secret)
}

/**
 * The gate's cookie key (random, made here and never read back) and the cookies it issues per 1000 s until the
 * window's end: nginx needs them in clear, so they live in the backend's Secret and never in its ConfigMap.
 */
export function gateSecretConf(manifests: BackendManifests, now: number): string | undefined {
  const ttl = manifests.gate?.bypassTtlSeconds
  if (ttl === undefined) return undefined
  return gateKeyConf(randomBytes(16).toString('hex'), ttl, now, manifests.gate?.until ?? now + GATE_TABLE_DAYS * 86_400_000)
}
