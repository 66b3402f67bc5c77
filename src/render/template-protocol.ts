/** What the template sandbox and its worker exchange (template-sandbox.ts, template-worker.ts). */
import type {TemplateFormat} from './template-runtime.js'

export interface RenderJob {
  id: number
  format: TemplateFormat
  text: string
  data: unknown
  maxOutputBytes: number
}

export type RenderReply =
  | {id: number; output: string}
  | {id: number; failure: 'recursion' | 'size' | 'error'; message: string; bytes?: number}

/** Int32 slots of the shared state. */
export const READY_SLOT = 0
export const DONE_SLOT = 1

