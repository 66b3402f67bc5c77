import {readFileSync} from 'node:fs'
import path from 'node:path'

import type {PageFiles} from '../render/page-codec.js'

import {UserError} from '../model/errors.js'
import {DEFAULT_PAGE, PAGE_CONFIGMAP_PREFIX} from '../model/keys.js'
import {MAX_PAGE_NAME, PAGE_NAME_LABEL, isCustomPageName} from '../model/page-name.js'
import {compilePage} from '../render/page.js'
import {ASSET_NAME, DEFAULT_STATUS} from '../render/page-source.js'


export function checkPageName(name: string): void {
  const advice = 'use lowercase letters, digits and "-", starting and ending with a letter or digit, e.g. black-friday'
  if (name === DEFAULT_PAGE) throw new UserError(`page name "${DEFAULT_PAGE}" is reserved for the built-in page; choose another name`)
  if (!PAGE_NAME_LABEL.test(name)) throw new UserError(`page name "${name}" is not a DNS-1123 label: ${advice}`)
  if (!isCustomPageName(name)) {
    throw new UserError(`page name "${name}" is ${name.length} characters long; at most ${MAX_PAGE_NAME} fit in its ConfigMap name ${PAGE_CONFIGMAP_PREFIX}NAME`)
  }
}

function readFile(flag: string, file: string): Buffer {
  try {
    return readFileSync(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : code === 'EACCES' ? 'permission denied' : (error as Error).message
    throw new UserError(`--${flag} ${file}: ${why}`)
  }
}

/** A template file as text; it must be UTF-8, as ConfigMap data is. */
export function readTemplate(flag: string, file: string): string {
  const bytes = readFile(flag, file)
  try {
    return new TextDecoder('utf-8', {fatal: true}).decode(bytes)
  } catch {
    throw new UserError(`--${flag} ${file}: not UTF-8 text; save the template as UTF-8`)
  }
}

/** Assets keyed by file name, the key they are stored and served under. */
export function readAssets(files: string[]): Record<string, Buffer> {
  const assets: Record<string, Buffer> = {}
  for (const file of files) {
    const key = path.basename(file)
    if (!ASSET_NAME.test(key)) {
      throw new UserError(`--asset ${file}: the file name "${key}" cannot be a ConfigMap key; rename it to letters, digits, "-", "_" and "." only`)
    }
    if (key in assets) throw new UserError(`--asset ${file}: another asset is already named "${key}"; asset file names must differ`)
    assets[key] = readFile('asset', file)
  }
  return assets
}

export function parseStatus(text: string): number {
  const status = /^\d{3}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN
  if (!(status === 200 || (status >= 400 && status <= 599))) {
    throw new UserError(`--status ${text}: use an HTTP status of 200 or 400-599 (default ${DEFAULT_STATUS})`)
  }
  return status
}

/** Everything wrong with a page before it is stored; the templates are compiled and rendered against sample windows. */
export function pageProblems(files: PageFiles): string[] {
  const problems = [
    ...compilePage({
      assets: files.assets,
      html: files.html,
      json: files.json,
      name: files.name,
      status: files.status ?? DEFAULT_STATUS,
      xml: files.xml,
    }).problems,
  ]
  return problems
}
