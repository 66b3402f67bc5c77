/**
 * The README as a test: every `kubectl maintenance ...` line of its shell examples runs exactly as printed, in order,
 * against the in-process API server (the test's kubeconfig), and every command and flag of its command table exists.
 * So the README cannot drift from the CLI.
 */
import {expect} from 'chai'
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'

import type {ApiServer} from './support/apiserver.js'

import {ingress, service, startCluster} from './commands/fixtures.js'
import {PROJECT_ROOT, runCommand} from './support/run-command.js'

const README = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8')
const PREFIX = 'kubectl maintenance '

/** Shell words as sh reads them: quotes, backslash escapes, `# comments`; undefined for lines using shell syntax we do not run. */
export function shellWords(line: string): string[] | undefined {
  const words: string[] = []
  let word: string | undefined
  let quote: string | undefined
  for (let index = 0; index < line.length; index++) {
    const ch = line[index]
    if (quote) {
      if (ch === quote) quote = undefined
      else if (ch === '\\' && quote === '"' && /["\\$`]/.test(line[index + 1] ?? '')) word = (word ?? '') + line[++index]
      else word = (word ?? '') + ch
    } else if (ch === '"' || ch === "'") {
      quote = ch
      word ??= ''
    } else if (ch === '\\') {
      word = (word ?? '') + (line[++index] ?? '')
    } else if (/\s/.test(ch)) {
      if (word !== undefined) words.push(word)
      word = undefined
    } else if (ch === '#' && word === undefined) {
      break
    } else if ('|&;<>()$`'.includes(ch)) {
      return undefined
    } else {
      word = (word ?? '') + ch
    }
  }
  if (word !== undefined) words.push(word)
  return words
}

/** The `kubectl maintenance ...` commands of the README's ```sh blocks, continuation lines joined, in order. */
function exampleCommands(): string[] {
  const commands: string[] = []
  for (const block of README.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const lines = block[1].replaceAll(/\\\n\s*/g, ' ').split('\n')
    for (const line of lines) {
      if (line.trim().startsWith(PREFIX)) commands.push(line.trim())
      // Inside shell syntax: source <(kubectl maintenance completion bash), -p "$(kubectl maintenance gitops ...)".
      for (const inner of line.matchAll(/[<$]\((kubectl maintenance [^)]*)\)/g)) commands.push(inner[1])
    }
  }
  return commands
}

/** The command table: `| \`list\`, \`status [TARGET...]\` | does |` as [forms, description]. */
function tableRows(): string[] {
  const table = README.slice(README.indexOf('| command | does |'))
  return table
    .split('\n')
    .slice(2)
    .filter((line) => line.startsWith('|'))
    .map((line) => line.split(/(?<!\\)\|/)[1])
}

type CommandClass = {flags?: Record<string, {char?: string}>; baseFlags?: Record<string, {char?: string}>}

async function commandClass(words: string[]): Promise<CommandClass | undefined> {
  const file = path.join(PROJECT_ROOT, 'src', 'commands', ...words) + '.ts'
  return existsSync(file) ? ((await import(file)) as {default: CommandClass}).default : undefined
}

describe('README', () => {
  let server: ApiServer

  before(async () => {
    server = await startCluster()
    // The targets its examples name: ingress/shop in namespace shop, and the four kinds in the kubeconfig's namespace.
    server.seed(
      ingress('shop', 'shop'),
      ingress('shop', 'default'),
      service('db', 'default'),
      service('web', 'default'),
      {
        apiVersion: 'traefik.io/v1alpha1',
        kind: 'IngressRoute',
        metadata: {name: 'api', namespace: 'default'},
        spec: {entryPoints: ['web'], routes: [{kind: 'Rule', match: 'Host(`api.example.com`)', services: [{name: 'web', port: 80}]}]},
      },
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: {name: 'web', namespace: 'default'},
        spec: {hostnames: ['web.example.com'], rules: [{backendRefs: [{name: 'web', port: 80}]}]},
      },
    )
  })

  after(async () => server.close())

  it('has examples to run', () => {
    expect(exampleCommands()).to.have.length.greaterThan(8)
  })

  it('runs every kubectl maintenance example exactly as printed, in order, each exiting 0', async function () {
    this.timeout(600_000)
    // An hour before the Christmas Eve window of the examples, in Berlin.
    const ran: string[] = []
    const env = {KUBECONFIG: server.kubeconfigPath, KUBECTL_MAINTENANCE_NOW: '2026-12-24T20:00:00Z', TZ: 'Europe/Berlin'}
    for (const line of exampleCommands()) {
      const words = shellWords(line)
      expect(words, `${line}: shell syntax the test cannot run`).to.not.equal(undefined)
      if (words === undefined) continue
      ran.push(words.slice(2, 4).join(' '))
      const result = await runCommand(words.slice(2), {env})
      expect(result.exitCode, `${line}\n${result.stderr}`).to.equal(0)
    }
    expect(ran).to.include.members(['install', 'completion bash', 'gitops argocd', 'schedule ingress/shop', 'now ingress/shop', 'end ingress/shop', 'cancel ingress-shop-20261224-2200'])
  })

  it('names only commands and flags that exist in its command table', async () => {
    const rows = tableRows()
    expect(rows.length).to.be.greaterThan(5)
    for (const row of rows) {
      for (const form of row.matchAll(/`([^`]+)`/g)) {
        const text = form[1].replaceAll('\\|', '|')
        const words = text.split(/\s+/)
        const commandWords = words.slice(0, words.findIndex((word) => !/^[a-z]+$/.test(word)) === -1 ? words.length : words.findIndex((word) => !/^[a-z]+$/.test(word)))
        // `page list|show|delete` names several commands at once.
        const alternatives = commandWords.length > 0 ? [commandWords] : []
        const listed = /^([a-z]+) ([a-z|]+)$/.exec(text)
        const ids = listed ? listed[2].split('|').map((last) => [listed[1], last]) : alternatives
        for (const id of ids) {
          let command = await commandClass(id)
          while (!command && id.length > 1) command = await commandClass(id.splice(-1, 1) && id)
          expect(command, `${text}: no command ${id.join(' ')}`).to.not.equal(undefined)
          const flags = {...command?.baseFlags, ...command?.flags}
          for (const flag of text.matchAll(/(?<![\w-])--([a-z][\w-]*)/g)) expect(Object.keys(flags), `${text}: --${flag[1]}`).to.include(flag[1])
          for (const flag of text.matchAll(/(?<![\w-])-([a-zA-Z])\b/g)) expect(Object.values(flags).map((f) => f.char), `${text}: -${flag[1]}`).to.include(flag[1])
        }
      }
    }
  })
})
