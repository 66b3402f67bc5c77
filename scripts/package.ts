/**
 * `npm run package`: the krew package of this machine's platform, and plugin.yaml to match.
 *
 *   1. dist/kubectl-maintenance.mjs (scripts/build-bundle.ts), which the executable carries for `install`;
 *   2. build/<os>-<arch>/kubectl-maintenance: a Node single executable (scripts/package-sea.ts);
 *   3. build/kubectl-maintenance_<version>_<os>_<arch>.tar.gz (the executable + LICENSE) and its .sha256;
 *   4. plugin.yaml from packaging/plugin.yaml.template.
 *
 *   tsx scripts/package.ts [--node PATH] [--manifest-only]
 *
 * --node: the Node 20 binary to build from (default: the one running this; it must run on this machine, since it also
 * prepares the blob). --manifest-only: only step 4, from the archives in build/ (the release job's last step).
 */
import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import {parse} from 'yaml'

import {ROOT, buildBundle, readPackageJson} from './build-bundle.js'
import {archiveName, collectShas, krewProblems, manifestShas, platformOf, renderManifest, type Platform} from './package-manifest.js'
import {buildSea} from './package-sea.js'
import {sha256, tarGz} from './package-tar.js'

export const BUILD_DIR = path.join(ROOT, 'build')
export const MANIFEST_PATH = path.join(ROOT, 'plugin.yaml')
export const TEMPLATE_PATH = path.join(ROOT, 'packaging', 'plugin.yaml.template')

export function binaryPath(platform: Platform, buildDir = BUILD_DIR): string {
  return path.join(buildDir, `${platform.os}-${platform.arch}`, 'kubectl-maintenance')
}

/** The executable must at least start and know its version before it is archived. */
function smokeTest(binary: string, version: string): void {
  const output = execFileSync(binary, ['--version'], {encoding: 'utf8', env: {...process.env, HOME: BUILD_DIR}})
  if (!output.includes(`kubectl-maintenance/${version}`)) throw new Error(`${binary} --version printed ${JSON.stringify(output)}`)
}

export function writeArchive(binary: string, archive: string): string {
  const content = tarGz([
    {content: readFileSync(binary), mode: 0o755, name: 'kubectl-maintenance'},
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

function option(name: string): string | undefined {
  const index = process.argv.indexOf(name)
  return index > 0 ? process.argv[index + 1] : undefined
}

function log(message: string): void {
  process.stdout.write(`${message}\n`)
}

async function main(): Promise<void> {
  const {version} = readPackageJson()
  mkdirSync(BUILD_DIR, {recursive: true})
  if (!process.argv.includes('--manifest-only')) {
    const platform = platformOf(process.platform, process.arch)
    const started = Date.now()
    const bundle = await buildBundle()
    log(`bundle     ${path.relative(ROOT, bundle.outfile)} (${(bundle.bytes / 1024).toFixed(0)} KiB)`)
    const binary = await buildSea({
      node: option('--node') ?? process.execPath,
      output: binaryPath(platform),
      platform: platform.os,
      workDir: path.join(BUILD_DIR, 'sea'),
    })
    smokeTest(binary, version)
    log(`executable ${path.relative(ROOT, binary)} (${(readFileSync(binary).length / 2 ** 20).toFixed(1)} MiB)`)
    const archive = path.join(BUILD_DIR, archiveName(version, platform))
    const digest = writeArchive(binary, archive)
    log(`archive    ${path.relative(ROOT, archive)} (${(readFileSync(archive).length / 2 ** 20).toFixed(1)} MiB) sha256 ${digest}`)
    log(`built in ${((Date.now() - started) / 1000).toFixed(1)}s`)
  }
  writeManifest(version)
  log(`manifest   ${path.relative(ROOT, MANIFEST_PATH)} (v${version})`)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main()
}
