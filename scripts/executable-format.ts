/**
 * Just enough of the Mach-O and PE formats to check, on a Linux machine, what was built for macOS and Windows: the
 * CPU, whether a code signature is left, and where the injected SEA blob sits.
 *   Mach-O: <mach-o/loader.h> (mach_header_64, segment_command_64, section_64, LC_CODE_SIGNATURE).
 *   PE: Microsoft's "PE Format" (COFF header, PE32+ optional header, data directories, .rsrc resource tree).
 */

export interface MachOSection {
  segment: string
  name: string
  offset: number
  size: number
}

export interface MachOFacts {
  cpu: string
  fileType: number
  segments: string[]
  sections: MachOSection[]
  hasCodeSignature: boolean
}

const MH_MAGIC_64 = 0xfe_ed_fa_cf
const LC_SEGMENT_64 = 0x19
const LC_CODE_SIGNATURE = 0x1d
const MACHO_CPUS: Record<number, string> = {0x01_00_00_07: 'x86_64', 0x01_00_00_0c: 'arm64'}

function cString(buffer: Buffer, start: number, length: number): string {
  const raw = buffer.subarray(start, start + length)
  const end = raw.indexOf(0)
  return raw.subarray(0, end === -1 ? raw.length : end).toString('latin1')
}

/** A thin 64-bit little-endian Mach-O (what nodejs.org ships for macOS); anything else is an error. */
export function readMachO(buffer: Buffer): MachOFacts {
  if (buffer.length < 32 || buffer.readUInt32LE(0) !== MH_MAGIC_64) {
    throw new Error(`not a 64-bit Mach-O: magic 0x${buffer.subarray(0, 4).toString('hex')}`)
  }
  const cpuType = buffer.readUInt32LE(4)
  const commands = buffer.readUInt32LE(16)
  const facts: MachOFacts = {cpu: MACHO_CPUS[cpuType] ?? `0x${cpuType.toString(16)}`, fileType: buffer.readUInt32LE(12), hasCodeSignature: false, sections: [], segments: []}
  let offset = 32
  for (let index = 0; index < commands; index++) {
    const command = buffer.readUInt32LE(offset)
    const size = buffer.readUInt32LE(offset + 4)
    if (command === LC_CODE_SIGNATURE) facts.hasCodeSignature = true
    if (command === LC_SEGMENT_64) {
      facts.segments.push(cString(buffer, offset + 8, 16))
      const sectionCount = buffer.readUInt32LE(offset + 64)
      for (let section = 0; section < sectionCount; section++) {
        const at = offset + 72 + section * 80
        facts.sections.push({
          name: cString(buffer, at, 16),
          offset: buffer.readUInt32LE(at + 48),
          segment: cString(buffer, at + 16, 16),
          size: Number(buffer.readBigUInt64LE(at + 40)),
        })
      }
    }
    offset += size
  }
  return facts
}

export interface PeResource {
  type: number | string
  name: number | string
  language: number | string
  offset: number
  size: number
}

export interface PeFacts {
  machine: string
  /** PE32+ (64-bit) optional header. */
  pe32Plus: boolean
  /** The certificate table (Authenticode signature) data directory is empty. */
  hasSignature: boolean
  sections: string[]
  resources: PeResource[]
}

const PE_MACHINES: Record<number, string> = {0x01_4c: 'i386', 0x86_64: 'x86_64', 0xaa_64: 'arm64'}
const DIRECTORY_RESOURCE = 2
const DIRECTORY_SECURITY = 4

interface PeSection {
  name: string
  virtualAddress: number
  virtualSize: number
  rawOffset: number
  rawSize: number
}

function rvaToOffset(sections: PeSection[], rva: number): number {
  const section = sections.find((candidate) => rva >= candidate.virtualAddress && rva < candidate.virtualAddress + Math.max(candidate.virtualSize, candidate.rawSize))
  if (!section) throw new Error(`RVA 0x${rva.toString(16)} lies in no section`)
  return rva - section.virtualAddress + section.rawOffset
}

export function readPe(buffer: Buffer): PeFacts {
  if (buffer.length < 64 || buffer.toString('latin1', 0, 2) !== 'MZ') throw new Error('not a PE file: no MZ header')
  const pe = buffer.readUInt32LE(0x3c)
  if (buffer.toString('latin1', pe, pe + 4) !== 'PE\0\0') throw new Error('not a PE file: no PE signature')
  const coff = pe + 4
  const machine = buffer.readUInt16LE(coff)
  const sectionCount = buffer.readUInt16LE(coff + 2)
  const optionalSize = buffer.readUInt16LE(coff + 16)
  const optional = coff + 20
  const pe32Plus = buffer.readUInt16LE(optional) === 0x02_0b
  const directories = optional + (pe32Plus ? 112 : 96)
  const directoryCount = buffer.readUInt32LE(directories - 4)
  const directory = (index: number) => (index < directoryCount ? {address: buffer.readUInt32LE(directories + index * 8), size: buffer.readUInt32LE(directories + index * 8 + 4)} : {address: 0, size: 0})
  const sections: PeSection[] = Array.from({length: sectionCount}, (_unused, index) => {
    const at = optional + optionalSize + index * 40
    return {
      name: cString(buffer, at, 8),
      rawOffset: buffer.readUInt32LE(at + 20),
      rawSize: buffer.readUInt32LE(at + 16),
      virtualAddress: buffer.readUInt32LE(at + 12),
      virtualSize: buffer.readUInt32LE(at + 8),
    }
  })
  const resourceDirectory = directory(DIRECTORY_RESOURCE)
  const resources: PeResource[] = []
  if (resourceDirectory.size > 0) {
    const root = rvaToOffset(sections, resourceDirectory.address)
    // A resource directory table: named entries first, then ID entries; the high bit marks a name (an offset to a
    // length-prefixed UTF-16 string) or a subdirectory.
    const entries = (table: number) => {
      const count = buffer.readUInt16LE(table + 12) + buffer.readUInt16LE(table + 14)
      return Array.from({length: count}, (_unused, index) => {
        const nameField = buffer.readUInt32LE(table + 16 + index * 8)
        const target = buffer.readUInt32LE(table + 16 + index * 8 + 4)
        const name =
          nameField & 0x80_00_00_00
            ? buffer.toString('utf16le', root + (nameField & 0x7f_ff_ff_ff) + 2, root + (nameField & 0x7f_ff_ff_ff) + 2 + buffer.readUInt16LE(root + (nameField & 0x7f_ff_ff_ff)) * 2)
            : nameField
        return {child: root + (target & 0x7f_ff_ff_ff), isDirectory: (target & 0x80_00_00_00) !== 0, name}
      })
    }
    for (const type of entries(root).filter((entry) => entry.isDirectory)) {
      for (const name of entries(type.child).filter((entry) => entry.isDirectory)) {
        for (const language of entries(name.child).filter((entry) => !entry.isDirectory)) {
          const dataRva = buffer.readUInt32LE(language.child)
          resources.push({language: language.name, name: name.name, offset: rvaToOffset(sections, dataRva), size: buffer.readUInt32LE(language.child + 4), type: type.name})
        }
      }
    }
  }
  return {hasSignature: directory(DIRECTORY_SECURITY).size > 0, machine: PE_MACHINES[machine] ?? `0x${machine.toString(16)}`, pe32Plus, resources, sections: sections.map((section) => section.name)}
}

/** RT_RCDATA, where postject puts a SEA blob on Windows. */
export const RT_RCDATA = 10
