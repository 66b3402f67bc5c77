import {expect} from 'chai'
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {gunzipSync} from 'node:zlib'
import {parseAllDocuments} from 'yaml'

import {withSourceHash} from '../../scripts/build-bundle.js'
import {MAX_COMMANDS, cacheFileName, codeCacheDirectory, commandOf, decodeCacheFile, encodeCacheFile, loadScript, saveCodeCache} from '../../src/bundle/code-cache.js'
import {run} from '../support/process.js'
import {PROJECT_ROOT} from '../support/run-command.js'

describe('the code cache of bin/run.js (src/bundle/code-cache.ts)', function () {
  this.timeout(120_000)
  let scratch: string

  beforeEach(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'km-code-cache-'))
  })
  afterEach(() => rmSync(scratch, {force: true, recursive: true}))

  function script(body: string): string {
    const file = path.join(scratch, 'script.cjs')
    writeFileSync(file, withSourceHash(body))
    return file
  }

  it('lives where oclif keeps this CLI’s cache', () => {
    expect(codeCacheDirectory({}, 'linux', '/home/u')).to.equal('/home/u/.cache/kubectl-maintenance/code-cache')
    expect(codeCacheDirectory({XDG_CACHE_HOME: '/x'}, 'linux', '/home/u')).to.equal('/x/kubectl-maintenance/code-cache')
    expect(codeCacheDirectory({}, 'darwin', '/Users/u')).to.equal('/Users/u/Library/Caches/kubectl-maintenance/code-cache')
    expect(codeCacheDirectory({LOCALAPPDATA: 'C:/L'}, 'win32', 'C:/U')).to.equal(path.join('C:/L', 'kubectl-maintenance', 'code-cache'))
  })

  it('runs the script as CommonJS, with require, module and its own file name', () => {
    const file = script('globalThis.__kmCodeCacheRan = {file: __filename, dir: __dirname, path: require("node:path").sep, module: typeof module.exports}')
    loadScript(file, path.join(scratch, 'cache')).run()
    const ran = (globalThis as {__kmCodeCacheRan?: unknown}).__kmCodeCacheRan
    expect(ran).to.deep.equal({dir: scratch, file, module: 'object', path: path.sep})
  })

  it('has no cache at first, V8 takes the one saved, and refuses a damaged one (the script still runs)', () => {
    const file = script('globalThis.__kmCodeCacheCount = (globalThis.__kmCodeCacheCount ?? 0) + 1; function f(n) { return n < 2 ? n : f(n - 1) + f(n - 2) } f(10)')
    const cache = path.join(scratch, 'cache')
    const first = loadScript(file, cache)
    expect(first.status).to.equal('absent')
    first.run()
    expect(saveCodeCache(first.script, first.cacheFile as string, ['list'])).to.equal(true)

    // Each load from a file of its own name: V8 would otherwise take the script compiled a moment ago from its own
    // in-memory cache, without looking at the data at all.
    const copy = (name: string) => {
      copyFileSync(file, path.join(scratch, name))
      return path.join(scratch, name)
    }
    const second = loadScript(copy('second.cjs'), cache)
    expect(second.status).to.equal('used')
    expect(second.commands).to.deep.equal(['list'])

    const saved = decodeCacheFile(readFileSync(first.cacheFile as string))
    writeFileSync(first.cacheFile as string, encodeCacheFile(['list'], Buffer.from(saved?.data.map((byte) => byte ^ 0xff) ?? [])))
    const damaged = loadScript(copy('damaged.cjs'), cache)
    expect(damaged.status).to.equal('rejected')
    expect(damaged.commands).to.deep.equal([])
    damaged.run()
    expect((globalThis as {__kmCodeCacheCount?: number}).__kmCodeCacheCount).to.equal(2)
  })

  it('names the cache by the hash line, Node and architecture: another build of the script finds none', () => {
    const file = script('1 + 1')
    const first = loadScript(file, path.join(scratch, 'cache'))
    expect(path.basename(first.cacheFile as string)).to.equal(cacheFileName(readFileSync(file, 'utf8').slice(10, 74)))
    expect(path.basename(first.cacheFile as string)).to.match(new RegExp(`-${process.version.replaceAll('.', String.raw`\.`)}-${process.arch}\\.v8$`))
    saveCodeCache(first.script, first.cacheFile as string, [''])
    writeFileSync(file, withSourceHash('2 + 2'))
    expect(loadScript(file, path.join(scratch, 'cache')).status).to.equal('absent')
  })

  it('is off for a script without a hash line, or without a directory', () => {
    const plain = path.join(scratch, 'plain.cjs')
    writeFileSync(plain, '1')
    expect(loadScript(plain, path.join(scratch, 'cache')).status).to.equal('off')
    expect(loadScript(script('1'), undefined).status).to.equal('off')
  })

  it('reads a cache file back as written, and nothing from a truncated one', () => {
    const encoded = encodeCacheFile(['--help', 'list'], Buffer.from([1, 2, 3]))
    expect(decodeCacheFile(encoded)).to.deep.equal({commands: ['--help', 'list'], data: Buffer.from([1, 2, 3])})
    expect(decodeCacheFile(encoded.subarray(0, 6))).to.equal(undefined)
    expect(decodeCacheFile(Buffer.alloc(0))).to.equal(undefined)
    expect(commandOf(['page', 'create'])).to.equal('page')
    expect(commandOf([])).to.equal('')
  })

  it('removes cache files not written for 30 days when it writes one, and fails quietly where it cannot write', () => {
    const cache = path.join(scratch, 'cache')
    mkdirSync(cache)
    const old = path.join(cache, 'old-v1-x64.v8')
    const recent = path.join(cache, 'recent-v1-x64.v8')
    writeFileSync(old, '')
    writeFileSync(recent, '')
    const monthAgo = (Date.now() - 31 * 24 * 60 * 60 * 1000) / 1000
    utimesSync(old, monthAgo, monthAgo)
    const loaded = loadScript(script('1'), cache)
    expect(saveCodeCache(loaded.script, loaded.cacheFile as string, [''])).to.equal(true)
    expect(readdirSync(cache).sort()).to.deep.equal([path.basename(loaded.cacheFile as string), 'recent-v1-x64.v8'].sort())

    const blocked = path.join(scratch, 'blocked')
    writeFileSync(blocked, 'a file where the directory would be')
    const elsewhere = loadScript(script('1'), path.join(blocked, 'cache'))
    expect(saveCodeCache(elsewhere.script, elsewhere.cacheFile as string, [''])).to.equal(false)
  })

  describe('through bin/run.js, over a copy of the built dist/', () => {
    let root: string
    let home: string
    const cacheDir = () => path.join(home, '.cache', 'kubectl-maintenance', 'code-cache')

    beforeEach(() => {
      // `npm test` builds first; run alone, this suite needs the same build.
      expect(existsSync(path.join(PROJECT_ROOT, 'dist', 'kubectl-maintenance.cjs')), 'dist/kubectl-maintenance.cjs (npm run build)').to.equal(true)
      root = path.join(scratch, 'package')
      home = path.join(scratch, 'home')
      for (const directory of ['bin', 'dist/bundle', 'dist/cli']) mkdirSync(path.join(scratch, 'package', directory), {recursive: true})
      mkdirSync(home)
      // What bin/run.js reaches: the code cache runner and the one module it imports.
      for (const file of ['bin/run.js', 'dist/kubectl-maintenance.cjs', 'dist/kubectl-maintenance.mjs', 'dist/bundle/code-cache.js', 'dist/cli/make-directories.js']) {
        copyFileSync(path.join(PROJECT_ROOT, file), path.join(root, file))
      }
    })

    const cli = (...argv: string[]) => run(process.execPath, [path.join(root, 'bin', 'run.js'), ...argv], {env: {HOME: home, PATH: process.env.PATH ?? ''}})
    const bundle = (...argv: string[]) => run(process.execPath, [path.join(root, 'dist', 'kubectl-maintenance.mjs'), ...argv], {env: {HOME: home, PATH: process.env.PATH ?? ''}})
    const cacheFiles = () => readdirSync(cacheDir())
    const recorded = () => decodeCacheFile(readFileSync(path.join(cacheDir(), cacheFiles()[0])))?.commands

    it('prints what the ESM bundle prints, saves the cache after the first run and adds each new command to it once', async () => {
      const expected = await bundle('--help')
      const first = await cli('--help')
      expect(first).to.deep.include({code: expected.code, stderr: expected.stderr, stdout: expected.stdout})
      expect(cacheFiles()).to.have.length(1)
      expect(recorded()).to.deep.equal(['--help'])
      const written = statSync(path.join(cacheDir(), cacheFiles()[0])).mtimeMs

      const again = await cli('--help')
      expect(again.stdout).to.equal(expected.stdout)
      expect(statSync(path.join(cacheDir(), cacheFiles()[0])).mtimeMs).to.equal(written)

      const wrong = await cli('list', '-o', 'bogus')
      const wrongFromBundle = await bundle('list', '-o', 'bogus')
      expect(wrong).to.deep.include({code: 2, stderr: wrongFromBundle.stderr, stdout: wrongFromBundle.stdout})
      expect(recorded()).to.deep.equal(['--help', 'list'])
    })

    it('install ships the ESM bundle beside it, byte for byte, as when bin/run.js imported that bundle', async () => {
      const result = await cli('install', '--dry-run', '-o', 'yaml')
      expect(result.code, result.stderr).to.equal(0)
      const objects = parseAllDocuments(result.stdout).map((document) => document.toJS() as {kind: string; binaryData?: Record<string, string>})
      const [gzipped] = Object.values(objects.find((object) => object.kind === 'ConfigMap' && object.binaryData)?.binaryData ?? {})
      expect(gunzipSync(Buffer.from(gzipped, 'base64')).equals(readFileSync(path.join(root, 'dist', 'kubectl-maintenance.mjs')))).to.equal(true)
    })

    it('stops adding commands after MAX_COMMANDS of them', async () => {
      const first = await cli('--version')
      expect(first.code, first.stderr).to.equal(0)
      const file = path.join(cacheDir(), cacheFiles()[0])
      const full = Array.from({length: MAX_COMMANDS}, (_, index) => `word${index}`)
      writeFileSync(file, encodeCacheFile(full, decodeCacheFile(readFileSync(file))?.data ?? Buffer.alloc(0)))
      await cli('--help')
      expect(recorded()).to.deep.equal(full)
    })
  })
})
