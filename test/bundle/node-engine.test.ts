import {expect} from 'chai'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {olderThanEngine, warnOnOldNode} from '../../src/bundle/node-engine.js'

describe("the bundle's Node version warning (src/bundle/node-engine.ts, in place of oclif's)", () => {
  it('compares the running version with a >=X.Y.Z range part by part', () => {
    expect(olderThanEngine('20.11.1', '>=20.12.0')).to.equal(true)
    expect(olderThanEngine('18.20.0', '>=20.12.0')).to.equal(true)
    expect(olderThanEngine('20.12.0', '>=20.12.0')).to.equal(false)
    expect(olderThanEngine('20.20.2', '>= 20.12.0')).to.equal(false)
    expect(olderThanEngine('24.0.0', '>=20.12.0')).to.equal(false)
    expect(olderThanEngine('20.9.0', '^20.12.0 || >=22')).to.equal(false)
  })

  describe('with a package.json above the bundle', () => {
    let root: string
    let warnings: string[]
    const original = process.emitWarning
    beforeEach(() => {
      root = mkdtempSync(path.join(tmpdir(), 'km-engine-'))
      mkdirSync(path.join(root, 'dist'))
      warnings = []
      process.emitWarning = ((warning: string) => warnings.push(warning)) as typeof process.emitWarning
    })
    afterEach(() => {
      process.emitWarning = original
      rmSync(root, {force: true, recursive: true})
    })

    it("says what oclif said when Node is older than the package's engines.node", () => {
      writeFileSync(path.join(root, 'package.json'), JSON.stringify({engines: {node: '>=20.12.0'}}))
      warnOnOldNode(path.join(root, 'dist'), '20.11.0')
      warnOnOldNode(path.join(root, 'dist'), '20.12.1')
      expect(warnings).to.deep.equal(['Node version must be >=20.12.0 to use this CLI. Current node version: 20.11.0'])
    })

    it('says nothing without a package.json, without engines, or with an unreadable one', () => {
      warnOnOldNode(path.join(root, 'dist'), '1.0.0')
      writeFileSync(path.join(root, 'package.json'), JSON.stringify({name: 'x'}))
      warnOnOldNode(path.join(root, 'dist'), '1.0.0')
      writeFileSync(path.join(root, 'package.json'), '{not json')
      warnOnOldNode(path.join(root, 'dist'), '1.0.0')
      expect(warnings).to.deep.equal([])
    })
  })
})
