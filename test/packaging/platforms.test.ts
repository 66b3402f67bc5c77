import {expect} from 'chai'
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {parse} from 'yaml'

import {readMachO, readPe, RT_RCDATA} from '../../scripts/executable-format.js'
import {commandFor, injectedBlob} from '../../scripts/package-check.js'
import {PLATFORMS, archiveName, collectShas, executableName, krewProblems, platformKey, renderManifest, type Platform} from '../../scripts/package-manifest.js'
import {nodeRuntime} from '../../scripts/package-node.js'
import type {BuiltPackage} from '../../scripts/package.js'
import {startCluster, windowConfigMap} from '../commands/fixtures.js'
import type {ApiServer} from '../support/apiserver.js'
import {PROJECT_ROOT} from '../support/run-command.js'
import {requireSystemBinary} from '../support/system-binary.js'
import {BUILD_TIMEOUT_MS, TEST_BUILD_DIR, builtPackage} from './built-packages.js'
import {run} from './plugin-path.js'

const LINUX_ARM64: Platform = {arch: 'arm64', os: 'linux'}
const DARWIN_AMD64: Platform = {arch: 'amd64', os: 'darwin'}
const WINDOWS_AMD64: Platform = {arch: 'amd64', os: 'windows'}

const version = () => (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {version: string}).version
const template = () => readFileSync(path.join(PROJECT_ROOT, 'packaging', 'plugin.yaml.template'), 'utf8')
const blobOf = (platform: Platform) => readFileSync(path.join(TEST_BUILD_DIR, 'sea', `${platform.os}-${platform.arch}`, 'sea-prep.blob'))

describe('the package of every platform, built here from the pinned Node 24', function () {
  this.timeout(BUILD_TIMEOUT_MS)
  let built: BuiltPackage[]

  before(async () => {
    built = []
    for (const platform of PLATFORMS) built.push(await builtPackage(platform))
  })

  it('makes each executable from a Node 24 binary of the lock, not from the Node running the build', () => {
    expect(process.versions.node.split('.')[0], 'the tools run on Node 20').to.equal('20')
    for (const entry of built) {
      expect(entry.nodeVersion, entry.binary).to.match(/^24\.\d+\.\d+$/)
      expect(nodeRuntime(entry.platform).version).to.equal(entry.nodeVersion)
    }
  })

  it('writes archives that pass krew validation with their sha256 in plugin.yaml', async () => {
    const rendered = parse(renderManifest(template(), version(), collectShas(version(), TEST_BUILD_DIR, new Map()))) as {
      spec: {platforms: Array<{sha256: string; uri: string; bin: string}>}
    }
    expect(krewProblems(rendered)).to.deep.equal([])
    for (const entry of built) {
      const offered = rendered.spec.platforms.filter((candidate) => candidate.uri.endsWith(`/${archiveName(version(), entry.platform)}`))
      expect(offered.length, `platforms installing ${archiveName(version(), entry.platform)}`).to.be.greaterThan(0)
      for (const platform of offered) {
        expect(platform.sha256).to.equal(entry.sha256)
        expect(platform.bin).to.equal(executableName(entry.platform))
      }
      const listing = await run('tar', ['-tvzf', entry.archive])
      expect(listing.code, listing.stderr).to.equal(0)
      const lines = listing.stdout.trimEnd().split('\n')
      expect(lines).to.have.length(2)
      expect(lines[0]).to.match(/^-rw-r--r-- root\/root .* LICENSE$/)
      expect(lines[1]).to.match(new RegExp(`^-rwxr-xr-x root/root .* ${executableName(entry.platform).replace('.', '\\.')}$`))
    }
  })
  // From a process of its own, as a release build runs: this suite's process has imported every command by now.
  it('builds the same archive from the same inputs (darwin/amd64 again, into another directory, from a new process)', async () => {
    const again = await run(path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'), [
      path.join(PROJECT_ROOT, 'test', 'packaging', 'build-in-new-process.ts'),
      platformKey(DARWIN_AMD64),
      mkdtempSync(path.join(tmpdir(), 'km-package-again-')),
    ])
    expect(again.code, again.stderr).to.equal(0)
    expect(again.stdout.trim()).to.equal(built.find((entry) => entry.platform.os === 'darwin')?.sha256)
  })
})

describe('the linux/arm64 executable, run under qemu-user', function () {
  this.timeout(BUILD_TIMEOUT_MS)
  let command: string[]
  let server: ApiServer
  let env: NodeJS.ProcessEnv

  before(async function () {
    const how = commandFor(LINUX_ARM64, (await builtPackage(LINUX_ARM64)).binary)
    command = 'command' in how ? how.command : [requireSystemBinary(this, undefined, how.unavailable)]
    server = await startCluster()
    server.seed(windowConfigMap({end: '2030-01-01T03:00:00Z', name: 'db-upgrade', namespace: 'shop', phase: 'Scheduled', start: '2030-01-01T01:00:00Z', targets: 'ingress/shop'}))
    const home = mkdtempSync(path.join(tmpdir(), 'km-home-'))
    env = {HOME: home, KUBECONFIG: path.join(home, 'no-kubeconfig'), PATH: '/usr/bin:/bin'}
  })

  after(async () => server?.close())

  const plugin = (...args: string[]) => run(command[0], [...command.slice(1), ...args], {env})

  it('is an aarch64 ELF that says it runs on Node 24', async () => {
    const binary = readFileSync(command.at(-1) ?? '')
    expect(binary.subarray(0, 4).toString('latin1')).to.equal('\u007fELF')
    expect(binary.readUInt16LE(18), 'e_machine EM_AARCH64').to.equal(183)
    const result = await plugin('--version')
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stdout.trim()).to.match(new RegExp(`^kubectl-maintenance/${version().replaceAll('.', '\\.')} linux-arm64 node-v24\\.\\d+\\.\\d+$`))
  })

  it('prints its help', async () => {
    const result = await plugin('--help')
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stdout).to.match(/^ {2}schedule +Schedule a maintenance window/m)
    expect(result.stdout).to.match(/^ {2}list +List maintenance windows/m)
  })

  it('lists windows from the in-process API server', async () => {
    const result = await plugin('list', '--kubeconfig', server.kubeconfigPath, '-n', 'shop')
    expect(result.code, result.stderr).to.equal(0)
    const [header, row, ...rest] = result.stdout.trimEnd().split('\n')
    expect(header).to.match(/^NAME\s+TARGETS\s+START \(\S+\)\s+END \(\S+\)\s+PHASE\s+PAGE$/)
    expect(row).to.match(/^db-upgrade\s+ingress\/shop\s+.*\s+Scheduled\s+default$/)
    expect(rest).to.deep.equal([])
  })

  it('answers wrong input with exit code 2', async () => {
    const result = await plugin('list', '--kubeconfig', server.kubeconfigPath, '-o', 'bogus')
    expect(result.code).to.equal(2)
    expect(result.stderr).to.include('bogus')
  })
})

describe('the darwin/amd64 executable, read as Mach-O', function () {
  this.timeout(BUILD_TIMEOUT_MS)
  let executable: Buffer

  before(async () => {
    executable = readFileSync((await builtPackage(DARWIN_AMD64)).binary)
  })

  it('is an x86_64 Mach-O executable', () => {
    const macho = readMachO(executable)
    expect(macho.cpu).to.equal('x86_64')
    expect(macho.fileType, 'MH_EXECUTE').to.equal(2)
  })

  it('has no code signature, where the Node binary it is made from had one', () => {
    expect(readMachO(readFileSync(nodeRuntime(DARWIN_AMD64).binary)).hasCodeSignature).to.equal(true)
    expect(readMachO(executable).hasCodeSignature).to.equal(false)
  })

  it('holds the SEA blob in its NODE_SEA segment, and the fuse is flipped', () => {
    expect(readMachO(executable).segments).to.include('NODE_SEA')
    expect(injectedBlob(DARWIN_AMD64, executable)?.equals(blobOf(DARWIN_AMD64))).to.equal(true)
    expect(executable.includes('NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1')).to.equal(true)
  })
})

describe('the windows/amd64 executable, read as PE', function () {
  this.timeout(BUILD_TIMEOUT_MS)
  let built: BuiltPackage
  let executable: Buffer

  before(async () => {
    built = await builtPackage(WINDOWS_AMD64)
    executable = readFileSync(built.binary)
  })

  it('is kubectl-maintenance.exe, a PE32+ for x86_64', () => {
    expect(path.basename(built.binary)).to.equal('kubectl-maintenance.exe')
    const pe = readPe(executable)
    expect(pe.machine).to.equal('x86_64')
    expect(pe.pe32Plus).to.equal(true)
  })

  it('has no Authenticode signature, where the Node binary it is made from had one', () => {
    expect(readPe(readFileSync(nodeRuntime(WINDOWS_AMD64).binary)).hasSignature).to.equal(true)
    expect(readPe(executable).hasSignature).to.equal(false)
  })

  it('holds the SEA blob as the RCDATA resource NODE_SEA_BLOB, and the fuse is flipped', () => {
    const resources = readPe(executable).resources.filter((resource) => resource.name === 'NODE_SEA_BLOB')
    expect(resources.map((resource) => resource.type)).to.deep.equal([RT_RCDATA])
    expect(injectedBlob(WINDOWS_AMD64, executable)?.equals(blobOf(WINDOWS_AMD64))).to.equal(true)
    expect(executable.includes('NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1')).to.equal(true)
  })
})

describe('executable format readers', () => {
  it('refuse what is not Mach-O or PE', () => {
    const elf = Buffer.concat([Buffer.from('\u007fELF'), Buffer.alloc(60)])
    expect(() => readMachO(elf)).to.throw('not a 64-bit Mach-O: magic 0x7f454c46')
    expect(() => readPe(elf)).to.throw('not a PE file: no MZ header')
  })
})
