/**
 * `npm run package`: the krew package of every platform, all built on this machine (linux/amd64), and plugin.yaml to
 * match.
 *
 *   1. dist/kubectl-maintenance.mjs (scripts/build-bundle.ts), which the executable carries for `install`;
 *   2. the pinned Node 24 binaries of packaging/node-runtimes (scripts/package-node.ts), installed once;
 *   3. build/<os>-<arch>/kubectl-maintenance[.exe]: a Node single executable per platform (scripts/package-sea.ts),
 *      checked as far as this machine can (scripts/package-check.ts);
 *   4. build/kubectl-maintenance_<version>_<os>_<arch>.tar.gz (the executable + LICENSE) and its .sha256;
 *   5. plugin.yaml from packaging/plugin.yaml.template.
 *
 *   tsx scripts/package.ts [--platform OS/ARCH]... [--from-build] [--manifest-only]
 *
 * --platform: only these (default: all of PLATFORMS). --from-build: steps 4 and 5 from the executables already in
 * build/ (after signing the macOS one on a Mac, see packaging/README.md). --manifest-only: only step 5, from the
 * archives in build/.
 */
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import {parse} from 'yaml'

import {ROOT, buildBundle, readPackageJson} from './build-bundle.js'
import {checkExecutable} from './package-check.js'
import {PLATFORMS, archiveName, collectShas, executableName, krewProblems, manifestShas, platformKey, renderManifest, type Platform} from './package-manifest.js'
import {ensureRuntimes, nodeRuntime} from './package-node.js'
import {buildSea, buildSeaScript} from './package-sea.js'
import {sha256, tarGz} from './package-tar.js'

export const BUILD_DIR = path.join(ROOT, 'build')
export const MANIFEST_PATH = path.join(ROOT, 'plugin.yaml')
export const TEMPLATE_PATH = path.join(ROOT, 'packaging', 'plugin.yaml.template')

export function binaryPath(platform: Platform, buildDir = BUILD_DIR): string {
  return path.join(buildDir, `${platform.os}-${platform.arch}`, executableName(platform))
}

export function writeArchive(binary: string, archive: string): string {
  const content = tarGz([
    {content: readFileSync(binary), mode: 0o755, name: path.basename(binary)},
    {content: readFileSync(path.join(ROOT, 'LICENSE')), mode: 0o644, name: 'LICENSE'},
  ])
  writeFileSync(archive, content)
  const digest = sha256(content)
  writeFileSync(`${archive}.sha256`, `${digest}  ${path.basename(archive)}\n`)
  return digest
}

export function writeManifest(version: string): string {
  const previous = existsSync(MANIFEST_PATH) ? manifestShas(readFileSync(MANIFEST_PATH, 'utf8')) : new Map<string, string>()
  const manifest = renderManifest(readFileSync(TEMPLATE_PATH, 'utf8'), version, collectShas(version, BUILD_DIR, previous))
  const problems = krewProblems(parse(manifest) as Parameters<typeof krewProblems>[0])
  if (problems.length > 0) throw new Error(`plugin.yaml would not pass krew's validation:\n  ${problems.join('\n  ')}`)
  writeFileSync(MANIFEST_PATH, manifest)
  return manifest
}

export interface BuiltPackage {
  platform: Platform
  binary: string
  archive: string
  sha256: string
  nodeVersion: string
  /** What scripts/package-check.ts could verify here. */
  checked: string
  seconds: number
}

/**
 * The executable and archive of each platform into buildDir: the CommonJS script once, then per platform a blob by
 * the preparer of the same Node version, the binary copied, prepared and injected, checked, archived.
 */
export async function buildPackages(platforms: Platform[], buildDir = BUILD_DIR, log: (line: string) => void = () => {}): Promise<BuiltPackage[]> {
  const {version} = readPackageJson()
  ensureRuntimes(log)
  mkdirSync(buildDir, {recursive: true})
  const script = await buildSeaScript(path.join(buildDir, 'sea', 'kubectl-maintenance.cjs'))
  const built: BuiltPackage[] = []
  for (const platform of platforms) {
    const started = Date.now()
    const runtime = nodeRuntime(platform)
    const workDir = path.join(buildDir, 'sea', `${platform.os}-${platform.arch}`)
    const binary = await buildSea({
      codeCache: runtime.native,
      node: runtime.binary,
      output: binaryPath(platform, buildDir),
      platform,
      preparer: runtime.preparer,
      script: script.outfile,
      workDir,
    })
    const checked = checkExecutable(binary, platform, {blob: readFileSync(path.join(workDir, 'sea-prep.blob')), nodeVersion: runtime.version, version})
    const archive = path.join(buildDir, archiveName(version, platform))
    const digest = writeArchive(binary, archive)
    built.push({archive, binary, checked, nodeVersion: runtime.version, platform, seconds: (Date.now() - started) / 1000, sha256: digest})
  }
  return built
}

function log(message: string): void {
  process.stdout.write(`${message}\n`)
}

function platformsOption(): Platform[] {
  const chosen = process.argv.flatMap((arg, index) => (process.argv[index - 1] === '--platform' ? [arg] : []))
  if (chosen.length === 0) return PLATFORMS
  return chosen.map((key) => {
    const platform = PLATFORMS.find((candidate) => platformKey(candidate) === key)
    if (!platform) throw new Error(`--platform ${key}: choose from ${PLATFORMS.map(platformKey).join(', ')}`)
    return platform
  })
}

const mib = (file: string) => `${(readFileSync(file).length / 2 ** 20).toFixed(1)} MiB`

async function main(): Promise<void> {
  const {version} = readPackageJson()
  mkdirSync(BUILD_DIR, {recursive: true})
  const platforms = platformsOption()
  if (process.argv.includes('--from-build')) {
    for (const platform of platforms) {
      const archive = path.join(BUILD_DIR, archiveName(version, platform))
      log(`archive    ${path.relative(ROOT, archive)} from ${path.relative(ROOT, binaryPath(platform))} sha256 ${writeArchive(binaryPath(platform), archive)}`)
    }
  } else if (!process.argv.includes('--manifest-only')) {
    const started = Date.now()
    const bundle = await buildBundle()
    log(`bundle     ${path.relative(ROOT, bundle.outfile)} (${(bundle.bytes / 1024).toFixed(0)} KiB)`)
    for (const built of await buildPackages(platforms, BUILD_DIR, log)) {
      log(`${platformKey(built.platform).padEnd(14)} node v${built.nodeVersion}, ${path.relative(ROOT, built.binary)} (${mib(built.binary)}) in ${built.seconds.toFixed(0)}s: ${built.checked}`)
      log(`${''.padEnd(14)} ${path.relative(ROOT, built.archive)} (${mib(built.archive)}) sha256 ${built.sha256}`)
    }
    log(`built in ${((Date.now() - started) / 1000).toFixed(1)}s`)
  }
  writeManifest(version)
  log(`manifest   ${path.relative(ROOT, MANIFEST_PATH)} (v${version})`)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main()
}
