import {Flags, type Interfaces} from '@oclif/core'
import {randomBytes} from 'node:crypto'

import {UserError} from '../model/errors.js'
import {DEFAULT_PAGE} from '../model/keys.js'
import {formatLocal, parseWhen} from '../model/time.js'
import {GATE_TABLE_DAYS, gateKeyConf} from '../render/gate.js'
import {gateFlags, parseGateFlags, parseUpstream} from './gate-input.js'
import {type PreviewGate} from './preview-output.js'
import {fromFlag, zoneFlag} from './window-input.js'

export const PREVIEW_FORMATS = ['html', 'json', 'xml'] as const
/** Where the nginx.conf that --out writes listens, unless --port says otherwise. */
export const OUT_PORT = 8080

/** The flags of `preview`. */
export const previewFlags = {
  ...gateFlags,
  contact: Flags.string({description: 'Who to contact, shown on the page.'}),
  end: Flags.string({description: 'When the window ends: RFC 3339, a local "2026-11-23 02:00" or "02:00" (today\'s, after the start) read in --timezone, or +2h (default: open-ended).'}),
  format: Flags.option({description: 'Which body to print to stdout (default html).', exclusive: ['out', 'serve'], options: PREVIEW_FORMATS})(),
  message: Flags.string({description: 'Free text shown on the page.'}),
  nginx: Flags.string({description: 'The nginx binary for --serve (default: nginx from PATH, else /usr/sbin).', dependsOn: ['serve']}),
  out: Flags.string({description: 'Write the page and an nginx.conf into this directory (created if missing).', exclusive: ['serve']}),
  page: Flags.string({default: DEFAULT_PAGE, description: 'The page: default, or a custom page of the namespace or shared.'}),
  port: Flags.integer({description: `With --out: the port the written nginx.conf listens on at 127.0.0.1 (default ${OUT_PORT}).`, dependsOn: ['out'], max: 65_535, min: 1}),
  reason: Flags.string({description: 'Why, shown on the page.'}),
  serve: Flags.integer({description: 'Serve the page with nginx on 127.0.0.1:PORT until Ctrl-C.', max: 65_535, min: 1}),
  start: Flags.string({description: 'When the window starts (same forms as --end; default: now).'}),
  timezone: Flags.string({description: "IANA timezone for local times and the page (default: the machine's zone)."}),
  title: Flags.string({description: 'The page title (default: "Down for maintenance").'}),
  upstream: Flags.string({description: 'Run the gate: requests that pass (--bypass..., --except, --read-only, --allow-cidr) go to this http://ADDRESS:PORT.'}),
}

export type PreviewFlags = Interfaces.InferredFlags<typeof previewFlags>

/** The window a preview shows: its zone, start (default now) and end, checked. */
export function readPreviewTimes(flags: PreviewFlags, at: number): {end?: number; start: number; timezone: string} {
  const timezone = zoneFlag(flags.timezone)
  const start = flags.start === undefined ? at : fromFlag('start', () => parseWhen(flags.start as string, {now: at, zone: timezone}))
  // As for a window's end: a bare time of day is today's, refused once passed or before the start, never moved on a day.
  const end = flags.end === undefined ? undefined : fromFlag('end', () => parseWhen(flags.end as string, {after: start, asEnd: true, now: at, zone: timezone}))
  if (end !== undefined && end <= start) {
    throw new UserError(`--end ${formatLocal(end, timezone)} is not after the start ${formatLocal(start, timezone)}; give a later --end such as +2h`)
  }
  return {end, start, timezone}
}

/** The gate of --upstream and the gate flags; its cookie table runs from now to the end (else GATE_TABLE_DAYS). */
export function readPreviewGate(flags: PreviewFlags, at: number, start: number, end: number | undefined): {gate: PreviewGate; secret?: string} | undefined {
  const input = parseGateFlags(flags)
  if (flags.upstream === undefined) {
    if (input) throw new UserError('the gate flags need --upstream http://ADDRESS:PORT: the server the requests that pass go to')
    return undefined
  }
  const upstream = parseUpstream(flags.upstream)
  if (flags.out === undefined && flags.serve === undefined) throw new UserError('--upstream needs --out DIR or --serve PORT: the gate is an nginx.conf')
  if (!input) throw new UserError('--upstream without a gate passes nothing: add --bypass, --bypass-secret, --except, --read-only or --allow-cidr')
  const from = Math.min(start, at)
  const keyConf = gateKeyConf(randomBytes(16).toString('hex'), input.settings.bypass?.ttlSeconds ?? 3600, from, end ?? from + GATE_TABLE_DAYS * 86_400_000)
  return {gate: {keyConf, settings: input.settings, upstream}, secret: input.secret}
}
