/**
 * Regenerates cronjob/ from src/install (what `install --dry-run -o yaml` prints) and puts the gzipped bundle where
 * cronjob/bundle/kustomization.yaml generates the bundle ConfigMap from, so `kubectl apply -k cronjob/` equals `install`.
 *
 *   tsx scripts/manifests.ts
 */
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {gzipBundle} from '../src/install/bundle-source.js'
import {BUNDLE_FILE, manifestFiles} from '../src/install/files.js'
import {ROOT, buildBundle} from './build-bundle.js'

for (const [file, text] of Object.entries(manifestFiles())) {
  mkdirSync(path.dirname(path.join(ROOT, file)), {recursive: true})
  writeFileSync(path.join(ROOT, file), text)
  process.stdout.write(`${file}\n`)
}
const {outfile} = await buildBundle()
writeFileSync(path.join(ROOT, BUNDLE_FILE), gzipBundle(readFileSync(outfile)))
process.stdout.write(`${BUNDLE_FILE}\n`)
