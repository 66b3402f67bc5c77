/**
 * A .tar.gz written byte for byte the same on every machine: fixed owner, mtime and order, no tar flavour (GNU or BSD)
 * in between, so the sha256 in plugin.yaml depends only on what goes in.
 */
import {createHash} from 'node:crypto'
import {gzipSync} from 'node:zlib'

export interface TarEntry {
  name: string
  content: Buffer
  mode: number
}

const BLOCK = 512

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0'
}

/** One POSIX ustar header (https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html#tag_20_92_13_06). */
export function ustarHeader(name: string, size: number, mode: number, mtime = 0): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name longer than 100 bytes: ${name}`)
  const header = Buffer.alloc(BLOCK)
  header.write(name, 0, 100, 'utf8')
  header.write(octal(mode, 8), 100, 8, 'ascii')
  header.write(octal(0, 8), 108, 8, 'ascii')
  header.write(octal(0, 8), 116, 8, 'ascii')
  header.write(octal(size, 12), 124, 12, 'ascii')
  header.write(octal(mtime, 12), 136, 12, 'ascii')
  header.write('        ', 148, 8, 'ascii')
  header.write('0', 156, 1, 'ascii')
  header.write('ustar\u000000', 257, 8, 'ascii')
  header.write('root', 265, 32, 'ascii')
  header.write('root', 297, 32, 'ascii')
  let sum = 0
  for (const byte of header) sum += byte
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii')
  return header
}

export function tar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = []
  // Code-point order: localeCompare would follow the machine's locale.
  for (const entry of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    parts.push(ustarHeader(entry.name, entry.content.length, entry.mode), entry.content)
    const padding = (BLOCK - (entry.content.length % BLOCK)) % BLOCK
    if (padding > 0) parts.push(Buffer.alloc(padding))
  }
  parts.push(Buffer.alloc(BLOCK * 2))
  return Buffer.concat(parts)
}

export function tarGz(entries: TarEntry[]): Buffer {
  return gzipSync(tar(entries), {level: 9})
}

export function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex')
}
