import type {TargetStatus} from '../engine/status.js'
import type {InvalidWindowConfigMap} from '../kube/windows.js'
import type {Interval, Window} from '../model/window.js'

import {WindowAnnotation} from '../model/keys.js'
import {formatTarget, formatTargets} from '../model/target.js'
import {formatLocal, toRfc3339Utc} from '../model/time.js'
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


/** NAMESPACE goes second, after the name, as SPEC §2 orders the list columns. */
function withNamespace(cells: string[], namespace: string | undefined): string[] {
  return namespace === undefined ? cells : [cells[0], namespace, ...cells.slice(1)]
}

export function windowHeaders(allNamespaces: boolean): {headers: string[]; wideHeaders: string[]} {
  return {
    headers: withNamespace(['NAME', 'TARGETS', 'START', 'END', 'PHASE', 'PAGE'], allNamespaces ? 'NAMESPACE' : undefined),
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
}

export function windowRow(window: Window, configMap: unknown, now: number, allNamespaces: boolean): WindowRow {
  const interval = shownInterval(window, now)
  return {
    cells: withNamespace(
      [
        window.name,
        formatTargets(window.targets, ','),
        formatWhen(interval.start, window.timezone),
        formatWhen(interval.end, window.timezone),
        phaseCell(window),
        window.page,
      ],
      allNamespaces ? window.namespace : undefined,
    ),
    data: configMap,
    name: `configmap/${window.name}`,
    sortStart: interval.start,
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
    name: `configmap/${invalid.name}`,
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

export function statusHeaders(allNamespaces: boolean): string[] {
  return withNamespace(['TARGET', 'IN-MAINTENANCE', 'WINDOW', 'BACKEND', 'READY', 'ENDS'], allNamespaces ? 'NAMESPACE' : undefined)
}

export function statusRow(status: TargetStatus, allNamespaces: boolean): Printable {
  const target = formatTarget(status.target)
  return {
    cells: withNamespace(
      [
        target,
        status.overdue === undefined ? (status.inMaintenance ? 'yes' : 'no') : 'overdue',
        status.window ?? NONE,
        status.backend ?? NONE,
        status.ready ?? NONE,
        status.ends === undefined ? NONE : formatWhen(status.ends, status.timezone ?? 'UTC'),
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
