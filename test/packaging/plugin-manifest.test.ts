import {expect} from 'chai'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {parse} from 'yaml'

import {
  MANIFEST_PLATFORMS,
  PLATFORMS,
  UNKNOWN_SHA256,
  archiveName,
  collectShas,
  executableName,
  krewProblems,
  manifestShas,
  platformKey,
  platformOf,
  renderManifest,
  renderTemplate,
} from '../../scripts/package-manifest.js'
import {sha256, tar, tarGz} from '../../scripts/package-tar.js'
import {PROJECT_ROOT} from '../support/run-command.js'
import {run} from './plugin-path.js'

interface Manifest {
  apiVersion: string
  kind: string
  metadata: {name: string}
  spec: {version: string; shortDescription: string; description: string; caveats: string; platforms: Array<{uri: string; sha256: string; bin: string; selector: {matchLabels: Record<string, string>}}>}
}

const manifestText = () => readFileSync(path.join(PROJECT_ROOT, 'plugin.yaml'), 'utf8')
const manifest = () => parse(manifestText()) as Manifest
const version = () => (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {version: string}).version
const template = () => readFileSync(path.join(PROJECT_ROOT, 'packaging', 'plugin.yaml.template'), 'utf8')

function tarListing(archive: string) {
  return run('tar', ['-tvzf', archive])
}

describe('plugin.yaml (krew manifest)', () => {
  it('passes krew validation rules', () => {
    expect(krewProblems(manifest())).to.deep.equal([])
  })

  it('is the plugin "maintenance" at the version of package.json, with a v', () => {
    expect(manifest().metadata.name).to.equal('maintenance')
    expect(manifest().spec.version).to.equal(`v${version()}`)
  })

  it('offers linux and darwin on amd64 and arm64 and windows on amd64, each from its release archive', () => {
    const platforms = manifest().spec.platforms
    expect(platforms.map((platform) => platform.selector.matchLabels)).to.deep.equal(MANIFEST_PLATFORMS.map(({platform: {arch, os}}) => ({arch, os})))
    platforms.forEach((platform, index) => {
      const {archive} = MANIFEST_PLATFORMS[index]
      expect(platform.uri).to.equal(
        `https://github.com/kubectl-maintenance/kubectl-maintenance/releases/download/v${version()}/kubectl-maintenance_${version()}_${archive.os}_${archive.arch}.tar.gz`,
      )
      expect(platform.bin).to.equal(executableName(archive))
    })
  })

  it('has the sha256 of a built archive for every platform, no placeholder', () => {
    const platforms = manifest().spec.platforms
    for (const platform of platforms) expect(platform.sha256, platformKey(platform.selector.matchLabels as never)).to.match(/^[a-f0-9]{64}$/).and.not.equal(UNKNOWN_SHA256)
    expect(manifestText()).not.to.include(UNKNOWN_SHA256)
  })

  it('installs the darwin/amd64 archive on Apple Silicon and says so in its caveats', () => {
    const byKey = new Map(manifest().spec.platforms.map((platform) => [`${platform.selector.matchLabels.os}/${platform.selector.matchLabels.arch}`, platform]))
    expect(byKey.get('darwin/arm64')?.uri).to.equal(byKey.get('darwin/amd64')?.uri)
    expect(byKey.get('darwin/arm64')?.sha256).to.equal(byKey.get('darwin/amd64')?.sha256)
    expect(manifest().spec.caveats).to.match(/Apple Silicon[\s\S]*Rosetta 2/)
  })

  it('describes without examples and keeps caveats to prerequisites', () => {
    const {caveats, description, shortDescription} = manifest().spec
    expect(shortDescription.length).to.be.at.most(50)
    expect(description).not.to.match(/^\s*(\$ )?kubectl /m)
    expect(caveats).to.include('kubectl maintenance install')
    expect(caveats).to.match(/Traefik/)
    expect(caveats).to.match(/Gateway/)
  })

  it('is what the template renders (edit the template, then npm run package)', () => {
    const previous = manifestShas(manifestText())
    const shas = PLATFORMS.map((platform) => ({platform, sha256: previous.get(platformKey(platform)) ?? '', source: ''}))
    const body = (text: string) => text.replace(/^(#.*\n)+/, '')
    expect(body(manifestText())).to.equal(body(renderManifest(template(), version(), shas)))
  })
})

describe('krew validation rules', () => {
  const broken = (change: (copy: Manifest) => void): string[] => {
    const copy = structuredClone(manifest())
    change(copy)
    return krewProblems(copy)
  }

  it('rejects names krew does not allow', () => {
    expect(broken((m) => (m.metadata.name = 'my plugin'))).to.have.length(1)
    expect(broken((m) => (m.metadata.name = 'con'))).to.have.length(1)
  })

  it('rejects a version without v or not semantic', () => {
    expect(broken((m) => (m.spec.version = '0.1.0'))).to.have.length(1)
    expect(broken((m) => (m.spec.version = 'v1.2'))).to.have.length(1)
  })

  it('rejects an empty, multi-line, long or "kubectl plugin" short description', () => {
    expect(broken((m) => (m.spec.shortDescription = ''))).to.have.length(1)
    expect(broken((m) => (m.spec.shortDescription = 'two\nlines'))).to.have.length(1)
    expect(broken((m) => (m.spec.shortDescription = 'x'.repeat(51)))).to.have.length(1)
    expect(broken((m) => (m.spec.shortDescription = 'A kubectl plugin for maintenance'))).to.have.length(1)
  })

  it('rejects a description line wider than 80 columns', () => {
    expect(broken((m) => (m.spec.description = `${'word '.repeat(17)}\n`))).to.have.length(1)
  })

  it('rejects a bad sha256, a missing bin, an empty or unknown selector, overlapping platforms', () => {
    expect(broken((m) => (m.spec.platforms[0].sha256 = 'ABC'))).to.have.length(1)
    expect(broken((m) => (m.spec.platforms[0].sha256 = 'A'.repeat(64)))).to.have.length(1)
    expect(broken((m) => (m.spec.platforms[0].sha256 = '0'.repeat(64)))).to.deep.equal(['spec.platforms[0]: sha256 is the placeholder of 64 zeros: build its archive with npm run package'])
    expect(broken((m) => (m.spec.platforms[0].bin = ''))).to.have.length(1)
    expect(broken((m) => (m.spec.platforms[4].bin = 'kubectl-maintenance'))).to.deep.equal(['spec.platforms[4]: bin on windows must end in .exe'])
    expect(broken((m) => (m.spec.platforms[0].selector.matchLabels = {}))).to.include('spec.platforms[0]: selector must not be empty')
    expect(broken((m) => (m.spec.platforms[0].selector.matchLabels = {arch: 'amd64', os: 'linux', libc: 'musl'}))).to.include(
      'spec.platforms[0]: selector key "libc" is not supported (only os and arch)',
    )
    expect(broken((m) => (m.spec.platforms[1].selector.matchLabels = {arch: 'amd64', os: 'linux'}))).to.deep.equal(['spec.platforms 0, 1 all select linux/amd64'])
    expect(broken((m) => (m.spec.platforms = []))).to.deep.equal(['spec.platforms must not be empty'])
  })
})

describe('packaging helpers', () => {
  it('names platforms the way krew and Go do', () => {
    expect(platformOf('linux', 'x64')).to.deep.equal({arch: 'amd64', os: 'linux'})
    expect(platformOf('darwin', 'arm64')).to.deep.equal({arch: 'arm64', os: 'darwin'})
    expect(platformOf('win32', 'x64')).to.deep.equal({arch: 'amd64', os: 'windows'})
    expect(() => platformOf('freebsd', 'x64')).to.throw('no krew platform for freebsd/x64')
    expect(executableName({arch: 'amd64', os: 'windows'})).to.equal('kubectl-maintenance.exe')
    expect(archiveName('1.2.3', {arch: 'arm64', os: 'darwin'})).to.equal('kubectl-maintenance_1.2.3_darwin_arm64.tar.gz')
  })

  it('refuses a template placeholder without a value', () => {
    expect(renderTemplate('v${VERSION}', {VERSION: '1.0.0'})).to.equal('v1.0.0')
    expect(() => renderTemplate('${SHA256_LINUX_S390X}', {})).to.throw('template placeholder ${SHA256_LINUX_S390X} has no value')
  })

  it('takes each sha256 from the archive in build/, else from the previous manifest, else a visible placeholder', () => {
    const buildDir = mkdtempSync(path.join(tmpdir(), 'km-build-'))
    const archive = Buffer.from('not really a tarball')
    writeFileSync(path.join(buildDir, archiveName('9.9.9', {arch: 'amd64', os: 'linux'})), archive)
    const previous = new Map([['darwin/amd64', 'b'.repeat(64)]])
    const shas = collectShas('9.9.9', buildDir, previous)
    expect(shas.map((entry) => [platformKey(entry.platform), entry.sha256])).to.deep.equal([
      ['linux/amd64', sha256(archive)],
      ['linux/arm64', '0'.repeat(64)],
      ['darwin/amd64', 'b'.repeat(64)],
      ['windows/amd64', '0'.repeat(64)],
    ])
    const rendered = renderManifest(template(), '9.9.9', shas)
    expect(rendered).to.match(/^# Generated by `npm run package`/)
    expect(rendered).to.include('#   linux/amd64: build/kubectl-maintenance_9.9.9_linux_amd64.tar.gz\n')
    expect(rendered).to.include('#   darwin/amd64: not built here; kept from the previous plugin.yaml\n')
    const platforms = (parse(rendered) as Manifest).spec.platforms
    expect(platforms.find((platform) => platform.selector.matchLabels.os === 'darwin' && platform.selector.matchLabels.arch === 'arm64')?.sha256).to.equal('b'.repeat(64))
    expect(krewProblems(parse(rendered) as Manifest)).to.deep.equal([
      'spec.platforms[1]: sha256 is the placeholder of 64 zeros: build its archive with npm run package',
      'spec.platforms[4]: sha256 is the placeholder of 64 zeros: build its archive with npm run package',
    ])
  })

  it('writes tarballs that tar reads back, the same bytes every time', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'km-tar-'))
    const entries = [
      {content: Buffer.from('#!/bin/sh\necho hi\n'), mode: 0o755, name: 'kubectl-maintenance'},
      {content: Buffer.alloc(1000, 'x'), mode: 0o644, name: 'LICENSE'},
    ]
    const file = path.join(directory, 'a.tar.gz')
    writeFileSync(file, tarGz(entries))
    expect(sha256(tarGz(entries))).to.equal(sha256(readFileSync(file)))
    const listing = await tarListing(file)
    expect(listing.code, listing.stderr).to.equal(0)
    expect(listing.stdout).to.match(/^-rw-r--r-- root\/root\s+1000 1970-01-01 00:00 LICENSE\n-rwxr-xr-x root\/root\s+18 1970-01-01 00:00 kubectl-maintenance\n$/)
    const extracted = await run('tar', ['-xzOf', file, 'kubectl-maintenance'])
    expect(extracted.stdout).to.equal('#!/bin/sh\necho hi\n')
    expect(tar(entries).length % 512).to.equal(0)
  })
})
