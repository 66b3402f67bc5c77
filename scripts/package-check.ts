/**
 * What this machine (linux/amd64) can check of each platform's executable before it is archived: the Linux ones run
 * (linux/arm64 under qemu-user), the macOS and Windows ones are read as Mach-O and PE.
 */
import {execFileSync} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'

import {readMachO, readPe, RT_RCDATA} from './executable-format.js'
import {type Platform, platformKey} from './package-manifest.js'

/** Debian: qemu-user-static runs the binary, libc6-arm64-cross and libstdc++6-arm64-cross are its libraries. */
export const QEMU_AARCH64 = '/usr/bin/qemu-aarch64-static'
export const AARCH64_SYSROOT = '/usr/aarch64-linux-gnu'

/** How to start `binary` here, or why it cannot be started. */
export function commandFor(platform: Platform, binary: string): {command: string[]} | {unavailable: string} {
  const host = `${process.platform}/${process.arch}`
  if (platform.os === 'linux' && platform.arch === 'amd64' && host === 'linux/x64') return {command: [binary]}
  if (platform.os === 'linux' && platform.arch === 'arm64') {
    if (host === 'linux/arm64') return {command: [binary]}
    if (existsSync(QEMU_AARCH64) && existsSync(`${AARCH64_SYSROOT}/lib/ld-linux-aarch64.so.1`)) return {command: [QEMU_AARCH64, '-L', AARCH64_SYSROOT, binary]}
    return {unavailable: 'qemu-user is missing: apt-get install qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross'}
  }
  return {unavailable: `a ${platformKey(platform)} executable does not run on ${host}`}
}

/** Where the SEA blob sits in a macOS or Windows executable (undefined when it is not there). */
export function injectedBlob(platform: Platform, executable: Buffer): Buffer | undefined {
  if (platform.os === 'darwin') {
    const section = readMachO(executable).sections.find((candidate) => candidate.segment === 'NODE_SEA' && candidate.name === '__NODE_SEA_BLOB')
    return section && executable.subarray(section.offset, section.offset + section.size)
  }
  if (platform.os === 'windows') {
    const resource = readPe(executable).resources.find((candidate) => candidate.type === RT_RCDATA && candidate.name === 'NODE_SEA_BLOB')
    return resource && executable.subarray(resource.offset, resource.offset + resource.size)
  }
  return undefined
}

const CPUS: Record<string, string> = {amd64: 'x86_64', arm64: 'arm64'}

/**
 * Throws unless the executable is what it should be: one that runs here answers `--version` with the plugin's
 * version, its platform and the Node it was built from; a macOS one is a Mach-O of the right CPU without a code
 * signature holding the blob in its NODE_SEA segment; a Windows one a PE32+ without Authenticode signature holding the
 * blob as the RT_RCDATA resource NODE_SEA_BLOB. Returns what was checked.
 */
export function checkExecutable(binary: string, platform: Platform, expected: {version: string; nodeVersion: string; blob: Buffer}): string {
  const how = commandFor(platform, binary)
  if (platform.os === 'linux') {
    if ('unavailable' in how) return `not run: ${how.unavailable}`
    const [file, ...args] = how.command
    const output = execFileSync(file, [...args, '--version'], {encoding: 'utf8', env: {...process.env, HOME: process.env.HOME ?? '/tmp'}})
    const nodeArch = platform.arch === 'amd64' ? 'x64' : platform.arch
    const want = `kubectl-maintenance/${expected.version} linux-${nodeArch} node-v${expected.nodeVersion}`
    if (output.trim() !== want) throw new Error(`${binary} --version printed ${JSON.stringify(output)}, not ${want}`)
    return `ran --version${how.command.length > 1 ? ' under qemu-user' : ''}: ${want}`
  }
  const executable = readFileSync(binary)
  if (platform.os === 'darwin') {
    const macho = readMachO(executable)
    if (macho.cpu !== CPUS[platform.arch]) throw new Error(`${binary} is a Mach-O for ${macho.cpu}, not ${CPUS[platform.arch]}`)
    if (macho.hasCodeSignature) throw new Error(`${binary} still has a code signature (LC_CODE_SIGNATURE)`)
  } else {
    const pe = readPe(executable)
    if (pe.machine !== CPUS[platform.arch] || !pe.pe32Plus) throw new Error(`${binary} is a PE for ${pe.machine}, not a PE32+ for ${CPUS[platform.arch]}`)
    if (pe.hasSignature) throw new Error(`${binary} still has an Authenticode signature`)
  }
  const blob = injectedBlob(platform, executable)
  if (!blob?.equals(expected.blob)) throw new Error(`${binary} does not hold the SEA blob ${blob ? '(it holds other bytes)' : '(not found)'}`)
  return platform.os === 'darwin' ? 'Mach-O x86_64, unsigned, blob in segment NODE_SEA' : 'PE32+ x86_64, unsigned, blob in resource RCDATA/NODE_SEA_BLOB'
}
