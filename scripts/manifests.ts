/**
 * Regenerates cronjob/ from src/install (what `install --dry-run -o yaml` prints) and puts the gzipped bundle where
 * cronjob/bundle/kustomization.yaml generates the bundle ConfigMap from, so `kubectl apply -k cronjob/` equals `install`.
 *
 *   tsx scripts/manifests.ts
 */
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {gzipBundle} from '../src/install/bundle-source.js'
import {BUNDLE_FILE, BUNDLE_SHA256_FILE, manifestFiles} from '../src/install/files.js'
import {bundleRef} from '../src/install/manifests.js'
import {ROOT, buildBundle} from './build-bundle.js'

for (const [file, text] of Object.entries(manifestFiles())) {
  mkdirSync(path.dirname(path.join(ROOT, file)), {recursive: true})
  writeFileSync(path.join(ROOT, file), text)
  process.stdout.write(`${file}\n`)
}
const {outfile} = await buildBundle()
const gzipped = gzipBundle(readFileSync(outfile))
writeFileSync(path.join(ROOT, BUNDLE_FILE), gzipped)
writeFileSync(path.join(ROOT, BUNDLE_SHA256_FILE), bundleRef(gzipped).sha256)
process.stdout.write(`${BUNDLE_FILE}\n${BUNDLE_SHA256_FILE}\n`)
