/**
 * Builds dist/kubectl-maintenance.mjs: the whole plugin (every command, its dependencies, the page templates) in one
 * ESM file that runs with nothing but `node` — what krew users run and what the CronJob runs from a ConfigMap.
 *
 *   tsx scripts/build-bundle.ts [--outfile PATH]
 */
import {build} from 'esbuild'
import {readFileSync, readdirSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const BUNDLE_PATH = path.join(ROOT, 'dist', 'kubectl-maintenance.mjs')

/** `page/create.ts` -> `page:create`: oclif's ids for the files of src/commands. */
export function commandFiles(commandsDir = path.join(ROOT, 'src', 'commands')): Array<{id: string; file: string}> {
  const found: Array<{id: string; file: string}> = []
  const walk = (directory: string, prefix: string[]): void => {
    for (const entry of readdirSync(directory, {withFileTypes: true}).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isDirectory()) walk(path.join(directory, entry.name), [...prefix, entry.name])
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        found.push({file: path.join(directory, entry.name), id: [...prefix, entry.name.slice(0, -3)].join(':')})
      }
    }
  }
  walk(commandsDir, [])
  return found
}

/**
 * The entry module: imports every command statically (a single file has no commands directory for oclif to scan) and
 * exports them as COMMANDS, which oclif's "explicit" discovery reads back from this same file.
 */
export function entrySource(commands: Array<{id: string; file: string}>): string {
  const imports = commands.map((command, index) => `import C${index} from ${JSON.stringify(command.file)}`)
  const table = commands.map((command, index) => `  ${JSON.stringify(command.id)}: C${index},`)
  return [
    `import {runBundle} from ${JSON.stringify(path.join(ROOT, 'src', 'bundle.ts'))}`,
    ...imports,
    'export const COMMANDS = {',
    ...table,
    '}',
    // No top-level await: oclif imports this module again to read COMMANDS, which must not wait on itself.
    'runBundle(import.meta.url)',
    '',
  ].join('\n')
}

export function embeddedTemplates(templatesDir = path.join(ROOT, 'templates')): Record<string, string> {
  const files = readdirSync(templatesDir).filter((file) => file.endsWith('.hbs')).sort()
  return Object.fromEntries(files.map((file) => [file, readFileSync(path.join(templatesDir, file), 'utf8')]))
}

export interface PackageJson {
  name: string
  version: string
  description?: string
  oclif: Record<string, unknown>
}

export function readPackageJson(root = ROOT): PackageJson {
  return JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as PackageJson
}

/** What src/bundle.ts expects in __KM_PACKAGE__: package.json's name, version, description and oclif section minus its commands dir. */
export function packageInfo(pjson = readPackageJson()): PackageJson {
  const {commands: _commands, ...oclif} = pjson.oclif
  return {description: pjson.description, name: pjson.name, oclif, version: pjson.version}
}

// CommonJS dependencies (oclif) call require() and read __dirname; an ESM file has neither until given them.
const BANNER = [
  "import {createRequire as __kmCreateRequire} from 'node:module';",
  "import {fileURLToPath as __kmFileURLToPath} from 'node:url';",
  "import {dirname as __kmDirname} from 'node:path';",
  'const require = __kmCreateRequire(import.meta.url);',
  'const __filename = __kmFileURLToPath(import.meta.url);',
  'const __dirname = __kmDirname(__filename);',
].join('\n')

/** What the ESM bundle and the executable's CommonJS variant share: one file for Node 20, minified. */
export function commonBuildOptions(outfile: string) {
  return {
    bundle: true,
    // oclif requires typescript only to run .ts commands in development, which src/bundle.ts switches off.
    external: ['typescript'],
    legalComments: 'none' as const,
    metafile: true as const,
    minify: true,
    outfile,
    platform: 'node' as const,
    target: 'node20',
  }
}

export function outputBytes(result: {metafile: {outputs: Record<string, {bytes: number}>}}): number {
  return Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0)
}

export async function buildBundle(outfile = BUNDLE_PATH): Promise<{outfile: string; bytes: number}> {
  const result = await build({
    ...commonBuildOptions(outfile),
    banner: {js: BANNER},
    define: {
      __KM_BUNDLE__: 'true',
      __KM_EMBEDDED_TEMPLATES__: JSON.stringify(embeddedTemplates()),
      __KM_PACKAGE__: JSON.stringify(packageInfo()),
    },
    format: 'esm',
    logLevel: 'warning',
    stdin: {contents: entrySource(commandFiles()), loader: 'ts', resolveDir: ROOT, sourcefile: 'kubectl-maintenance-entry.ts'},
  })
  return {bytes: outputBytes(result), outfile}
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const outIndex = process.argv.indexOf('--outfile')
  const {bytes, outfile} = await buildBundle(outIndex > 0 ? path.resolve(process.argv[outIndex + 1]) : BUNDLE_PATH)
  process.stdout.write(`${path.relative(process.cwd(), outfile)}: ${(bytes / 1024).toFixed(0)} KiB\n`)
}
