import {expect} from 'chai'
import {existsSync, mkdtempSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {makeDirectories} from '../../src/cli/make-directories.js'

describe('makeDirectories (mkdir -p)', () => {
  let scratch: string
  beforeEach(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'km-mkdir-'))
  })
  afterEach(() => rmSync(scratch, {force: true, recursive: true}))

  it('makes every missing level, and is content when they exist', () => {
    const deep = path.join(scratch, 'a', 'b', 'c')
    makeDirectories(deep)
    expect(statSync(deep).isDirectory()).to.equal(true)
    makeDirectories(deep)
    makeDirectories(path.relative(process.cwd(), deep))
    expect(statSync(deep).isDirectory()).to.equal(true)
  })

  it('fails with ENOTDIR at the level below a file, and EEXIST when the last level is a file', () => {
    writeFileSync(path.join(scratch, 'file'), '')
    expect(() => makeDirectories(path.join(scratch, 'file', 'below'))).to.throw().with.property('code', 'ENOTDIR')
    expect(() => makeDirectories(path.join(scratch, 'file'))).to.throw().with.property('path', path.join(scratch, 'file'))
    expect(existsSync(path.join(scratch, 'file', 'below'))).to.equal(false)
  })

  it("returns with ENOENT under /proc, where Node's recursive mkdirSync never returns (Linux)", () => {
    expect(() => makeDirectories('/proc/km-not-a-process/out')).to.throw().with.property('code', 'ENOENT')
  })
})
