import type {TargetStatus} from '../engine/status.js'
import type {InvalidWindowConfigMap} from '../kube/windows.js'
import type {Interval, Window} from '../model/window.js'

import {WindowAnnotation} from '../model/keys.js'
import {formatTarget, formatTargets} from '../model/target.js'
import {formatLocal, machineZone, toRfc3339Utc} from '../model/time.js'
import {zoneAbbreviation} from '../model/zone.js'
import {DateTime} from 'luxon'
import {currentInterval, nextInterval} from '../model/window-schedule.js'
import {type Printable} from './base-command.js'

/** What kubectl prints for a field that has no value. */
export const NONE = '<none>'
const MESSAGE_WIDTH = 40

export function formatWhen(ms: number | undefined, zone: string): string {
  return ms === undefined ? NONE : formatLocal(ms, zone)
}

export function truncate(text: string, width = MESSAGE_WIDTH): string {
  const chars = [...text.replaceAll(/\s+/g, ' ').trim()]
  return chars.length <= width ? chars.join('') : `${chars.slice(0, width - 1).join('').trimEnd()}…`
}


/** NAMESPACE goes first with -A, as kubectl get -A prints it. */
function withNamespace(cells: string[], namespace: string | undefined): string[] {
  return namespace === undefined ? cells : [namespace, ...cells]
}

/** One zone for every time of a table: the windows' own when they share one, else the machine's. */
export function tableZone(windows: Array<{timezone: string}>): string {
  const zones = new Set(windows.map((window) => window.timezone))
  return zones.size === 1 ? [...zones][0] : machineZone()
}

/** `2026-12-24 22:00`, with `:SS` when the time is not on a whole minute (a 20-second window must not read 14:02 to 14:02). */
export function tableTime(ms: number, zone: string): string {
  const time = DateTime.fromMillis(ms, {zone})
  return time.toFormat(time.second === 0 ? 'yyyy-MM-dd HH:mm' : 'yyyy-MM-dd HH:mm:ss')
}

/** An end as short as it stays unambiguous next to its start: the time on the same day, the month and day in the same year. */
export function tableEnd(start: number, end: number | undefined, zone: string): string {
  if (end === undefined) return NONE
  const [from, to] = [DateTime.fromMillis(start, {zone}), DateTime.fromMillis(end, {zone})]
  const clock = to.second === 0 ? 'HH:mm' : 'HH:mm:ss'
  if (from.hasSame(to, 'day')) return to.toFormat(clock)
  return to.toFormat(from.hasSame(to, 'year') ? `MM-dd ${clock}` : `yyyy-MM-dd ${clock}`)
}

/** `START (CET)`: the zone's abbreviations over the times shown (`CET/CEST` across a change of daylight saving time). */
export function zoneLabel(zone: string, instants: number[]): string {
  const names = [...new Set(instants.map((ms) => zoneAbbreviation(ms, zone)))]
  return names.length === 0 ? zoneAbbreviation(Date.now(), zone) : names.join('/')
}

export function windowHeaders(allNamespaces: boolean, zone?: string): {headers: string[]; wideHeaders: string[]} {
  const suffix = zone === undefined ? '' : ` (${zone})`
  return {
    headers: withNamespace(['NAME', 'TARGETS', `START${suffix}`, `END${suffix}`, 'PHASE', 'PAGE'], allNamespaces ? 'NAMESPACE' : undefined),
    wideHeaders: ['TIMEZONE', 'EVERY', 'MESSAGE'],
  }
}

/** The period a list row shows: a one-off window's own; for a recurring one the current or next occurrence. */
export function shownInterval(window: Window, now: number): Interval {
  if (!window.every) return {end: window.end, start: window.start}
  return currentInterval(window, now) ?? nextInterval(window, now) ?? {end: window.end, start: window.start}
}

export interface WindowRow extends Printable {
  sortStart: number
  sortEnd?: number
}

export function windowRow(window: Window, configMap: unknown, now: number, allNamespaces: boolean, zone = window.timezone): WindowRow {
  const interval = shownInterval(window, now)
  return {
    cells: withNamespace(
      [
        window.name,
        formatTargets(window.targets, ','),
        tableTime(interval.start, zone),
        tableEnd(interval.start, interval.end, zone),
        phaseCell(window),
        window.page,
      ],
      allNamespaces ? window.namespace : undefined,
    ),
    data: configMap,
    name: `window/${window.name}`,
    sortStart: interval.start,
    sortEnd: interval.end,
    wideCells: [window.timezone, everyCell(window), window.message ? truncate(window.message) : NONE],
  }
}

/** The recorded phase; a paused series says so, since its phase stays what it was. */
function phaseCell(window: Window): string {
  const phase = window.phase ?? 'Pending'
  return window.every !== undefined && window.paused !== undefined ? `${phase} (paused)` : phase
}

function everyCell(window: Window): string {
  if (window.every === undefined) return NONE
  return window.skip && window.skip.length > 0 ? `${window.every} (skip ${window.skip.join(',')})` : window.every
}

/** An invalid window still shows what it says, so its owner can find and fix it. */
export function invalidWindowRow(invalid: InvalidWindowConfigMap, allNamespaces: boolean): WindowRow {
  const annotations = invalid.configMap.metadata.annotations ?? {}
  const raw = (key: string): string => annotations[key] || NONE
  const start = Date.parse(annotations[WindowAnnotation.start] ?? '')
  return {
    cells: withNamespace(
      [invalid.name, raw(WindowAnnotation.targets), raw(WindowAnnotation.start), raw(WindowAnnotation.end), 'Invalid', raw(WindowAnnotation.page)],
      allNamespaces ? invalid.namespace : undefined,
    ),
    data: invalid.configMap,
    name: `window/${invalid.name}`,
    sortStart: Number.isNaN(start) ? Number.POSITIVE_INFINITY : start,
    wideCells: [raw(WindowAnnotation.timezone), raw(WindowAnnotation.every), NONE],
  }
}

export function byStartThenName(a: WindowRow, b: WindowRow): number {
  if (a.sortStart !== b.sortStart) return a.sortStart < b.sortStart ? -1 : 1
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0
}

/** One line saying what a window covers, in its own timezone: "ingress/shop from 2026-12-24 22:00 CET to ...". */
export function describeWindow(window: Window): string {
  const targets = formatTargets(window.targets)
  const from = formatLocal(window.start, window.timezone)
  if (window.every) {
    const until = window.end === undefined ? '' : ` until ${formatLocal(window.end, window.timezone)}`
    return `${targets} for ${window.duration} at "${window.every}" (${window.timezone}) from ${from}${until}`
  }
  return window.end === undefined ? `${targets} from ${from} until ended` : `${targets} from ${from} to ${formatLocal(window.end, window.timezone)}`
}

export function statusHeaders(allNamespaces: boolean, zone?: string): string[] {
  return withNamespace(['TARGET', 'IN-MAINTENANCE', 'WINDOW', 'BACKEND', 'READY', zone === undefined ? 'ENDS' : `ENDS (${zone})`], allNamespaces ? 'NAMESPACE' : undefined)
}

export function statusRow(status: TargetStatus, allNamespaces: boolean, zone = status.timezone ?? 'UTC'): Printable {
  const target = formatTarget(status.target)
  return {
    cells: withNamespace(
      [
        target,
        status.overdue === undefined ? (status.inMaintenance ? 'yes' : 'no') : 'overdue',
        status.window ?? NONE,
        status.backend ?? NONE,
        status.ready ?? NONE,
        status.ends === undefined ? NONE : tableTime(status.ends, zone),
      ],
      allNamespaces ? status.namespace : undefined,
    ),
    data: {
      backend: status.backend ?? null,
      ends: status.ends === undefined ? null : toRfc3339Utc(status.ends),
      inMaintenance: status.inMaintenance,
      namespace: status.namespace,
      ready: status.ready ?? null,
      target,
      window: status.window ?? null,
    },
    name: target,
  }
}
