import {PLATFORMS, platformKey} from '../../scripts/package-manifest.js'
import {buildPackages} from '../../scripts/package.js'

// Builds one platform's package into a directory from a process of its own, as a release build runs, and prints its sha256.
const [key, buildDir] = process.argv.slice(2)
const platform = PLATFORMS.find((candidate) => platformKey(candidate) === key)
if (!platform || !buildDir) throw new Error(`usage: build-in-new-process.ts ${PLATFORMS.map(platformKey).join('|')} DIR`)
const [built] = await buildPackages([platform], buildDir)
process.stdout.write(`${built.sha256}\n`)
