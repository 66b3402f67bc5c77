/**
 * Decodes the Kubernetes protobuf envelope (`k8s\0` + runtime.Unknown) for the kinds kubectl's typed `create`
 * commands send as protobuf and that need nothing but metadata and string maps: ConfigMap, Namespace, ServiceAccount.
 */
import type {JsonObject} from './json.js'
import {unsupportedMediaType} from './status.js'

type FieldType = 'string' | 'int' | 'bool' | 'bytes' | 'time' | 'stringMap' | 'bytesMap' | MessageSpec

interface FieldSpec {
  name: string
  type: FieldType
  repeated?: boolean
}

type MessageSpec = {[field: number]: FieldSpec}

const OWNER_REFERENCE: MessageSpec = {
  1: {name: 'kind', type: 'string'},
  3: {name: 'name', type: 'string'},
  4: {name: 'uid', type: 'string'},
  5: {name: 'apiVersion', type: 'string'},
  6: {name: 'controller', type: 'bool'},
  7: {name: 'blockOwnerDeletion', type: 'bool'},
}

const OBJECT_META: MessageSpec = {
  1: {name: 'name', type: 'string'},
  2: {name: 'generateName', type: 'string'},
  3: {name: 'namespace', type: 'string'},
  5: {name: 'uid', type: 'string'},
  6: {name: 'resourceVersion', type: 'string'},
  7: {name: 'generation', type: 'int'},
  8: {name: 'creationTimestamp', type: 'time'},
  11: {name: 'labels', type: 'stringMap'},
  12: {name: 'annotations', type: 'stringMap'},
  13: {name: 'ownerReferences', type: OWNER_REFERENCE, repeated: true},
  14: {name: 'finalizers', type: 'string', repeated: true},
}

const LOCAL_OBJECT_REFERENCE: MessageSpec = {1: {name: 'name', type: 'string'}}
const OBJECT_REFERENCE: MessageSpec = {1: {name: 'kind', type: 'string'}, 2: {name: 'namespace', type: 'string'}, 3: {name: 'name', type: 'string'}}

const KINDS: Record<string, MessageSpec> = {
  'v1/ConfigMap': {
    1: {name: 'metadata', type: OBJECT_META},
    2: {name: 'data', type: 'stringMap'},
    3: {name: 'binaryData', type: 'bytesMap'},
    4: {name: 'immutable', type: 'bool'},
  },
  'v1/Namespace': {
    1: {name: 'metadata', type: OBJECT_META},
    2: {name: 'spec', type: {1: {name: 'finalizers', type: 'string', repeated: true}}},
    3: {name: 'status', type: {1: {name: 'phase', type: 'string'}}},
  },
  'v1/ServiceAccount': {
    1: {name: 'metadata', type: OBJECT_META},
    2: {name: 'secrets', type: OBJECT_REFERENCE, repeated: true},
    3: {name: 'imagePullSecrets', type: LOCAL_OBJECT_REFERENCE, repeated: true},
    4: {name: 'automountServiceAccountToken', type: 'bool'},
  },
}

class Reader {
  private offset = 0
  constructor(private readonly bytes: Buffer) {}

  get done(): boolean {
    return this.offset >= this.bytes.length
  }

  varint(): number {
    let result = 0
    let shift = 0
    for (;;) {
      const byte = this.bytes[this.offset++]
      if (byte === undefined) throw new Error('truncated varint')
      result += (byte & 0x7f) * 2 ** shift
      if ((byte & 0x80) === 0) return result
      shift += 7
    }
  }

  chunk(): Buffer {
    const length = this.varint()
    const value = this.bytes.subarray(this.offset, this.offset + length)
    this.offset += length
    return value
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint()
    else if (wireType === 1) this.offset += 8
    else if (wireType === 2) this.chunk()
    else if (wireType === 5) this.offset += 4
    else throw new Error(`unsupported wire type ${wireType}`)
  }
}

function decodeMapEntry(bytes: Buffer): [string, Buffer] {
  const reader = new Reader(bytes)
  let key = ''
  let value: Buffer = Buffer.alloc(0)
  while (!reader.done) {
    const tag = reader.varint()
    if (tag >>> 3 === 1) key = reader.chunk().toString('utf8')
    else if (tag >>> 3 === 2) value = reader.chunk()
    else reader.skip(tag & 7)
  }
  return [key, value]
}

function decodeTime(bytes: Buffer): string {
  const reader = new Reader(bytes)
  let seconds = 0
  while (!reader.done) {
    const tag = reader.varint()
    if (tag >>> 3 === 1) seconds = reader.varint()
    else reader.skip(tag & 7)
  }
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function decodeMessage(bytes: Buffer, spec: MessageSpec): JsonObject {
  const reader = new Reader(bytes)
  const result: JsonObject = {}
  while (!reader.done) {
    const tag = reader.varint()
    const field = spec[tag >>> 3]
    if (!field) {
      reader.skip(tag & 7)
      continue
    }
    let value: unknown
    if (field.type === 'int') value = reader.varint()
    else if (field.type === 'bool') value = reader.varint() !== 0
    else {
      const chunk = reader.chunk()
      // Go writes empty optional strings; their JSON form (omitempty) has no such field.
      if (field.type === 'string') {
        value = chunk.toString('utf8')
        if (value === '' && !field.repeated) continue
      }
      else if (field.type === 'bytes') value = chunk.toString('base64')
      else if (field.type === 'time') value = decodeTime(chunk)
      else if (field.type === 'stringMap' || field.type === 'bytesMap') {
        const [key, entry] = decodeMapEntry(chunk)
        const map = (result[field.name] as Record<string, string> | undefined) ?? {}
        map[key] = field.type === 'stringMap' ? entry.toString('utf8') : entry.toString('base64')
        result[field.name] = map
        continue
      } else value = decodeMessage(chunk, field.type)
    }
    if (field.repeated) result[field.name] = [...((result[field.name] as unknown[] | undefined) ?? []), value]
    else result[field.name] = value
  }
  return result
}

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00])

/** The JSON form of a protobuf-encoded object, or 415 for kinds this server cannot read as protobuf. */
export function decodeProtobufObject(body: Buffer): JsonObject {
  const unsupported = unsupportedMediaType(['application/json', 'application/yaml'])
  if (!body.subarray(0, 4).equals(MAGIC)) throw unsupported
  const envelope = decodeMessage(body.subarray(4), {
    1: {name: 'typeMeta', type: {1: {name: 'apiVersion', type: 'string'}, 2: {name: 'kind', type: 'string'}}},
    2: {name: 'raw', type: 'bytes'},
  })
  const typeMeta = (envelope.typeMeta ?? {}) as {apiVersion?: string; kind?: string}
  const spec = KINDS[`${typeMeta.apiVersion}/${typeMeta.kind}`]
  if (!spec) throw unsupported
  const object = decodeMessage(Buffer.from(String(envelope.raw ?? ''), 'base64'), spec)
  return {apiVersion: typeMeta.apiVersion, kind: typeMeta.kind, ...object}
}
