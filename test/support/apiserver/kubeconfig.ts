/** The kubeconfig that points kubectl and client libraries at the in-process API server. */
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {stringify} from 'yaml'

export const CONTEXT_NAME = 'in-process'
export const DUMMY_TOKEN = 'in-process-token'

export function kubeconfigYaml(server: string, namespace?: string, token = DUMMY_TOKEN): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{name: CONTEXT_NAME, cluster: {server, 'insecure-skip-tls-verify': true}}],
    users: [{name: CONTEXT_NAME, user: {token}}],
    contexts: [{name: CONTEXT_NAME, context: {cluster: CONTEXT_NAME, user: CONTEXT_NAME, ...(namespace ? {namespace} : {})}}],
    'current-context': CONTEXT_NAME,
    preferences: {},
  })
}

export function writeKubeconfig(server: string, options: {path?: string; namespace?: string; token?: string}): string {
  const file = options.path ?? path.join(mkdtempSync(path.join(tmpdir(), 'in-process-kube-')), 'kubeconfig')
  writeFileSync(file, kubeconfigYaml(server, options.namespace, options.token), {mode: 0o600})
  return file
}
