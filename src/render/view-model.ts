import {formatHttpDate, formatPageTime, toRfc3339Utc} from '../model/time.js'

/** What a window gives a page (SPEC §5). Times are epoch milliseconds. */
export interface PageContext {
  window: string
  namespace: string
  targets: string[]
  /** Absent for a target switched by its enable annotation: it has no window, so no known start. */
  start?: number
  /** Absent: open-ended. */
  end?: number
  timezone: string
  message?: string
  reason?: string
  contact?: string
  title?: string
  /** Not planned ahead (`now`, or written when it had already begun): the page does not call it scheduled. */
  unscheduled?: boolean
}

/** The template variables of SPEC §5. Every key is present; optional ones are undefined when not given. */
export interface ViewModel {
  title: string
  message: string | undefined
  reason: string | undefined
  contact: string | undefined
  /** RFC 3339, UTC. */
  start: string | undefined
  end: string | undefined
  startLocal: string | undefined
  endLocal: string | undefined
  timezone: string
  /** IMF-fixdate HTTP-date of the end. */
  retryAfter: string | undefined
  namespace: string
  targets: string[]
  window: string
  /** true for maintenance nobody announced ahead (`now`): "Maintenance in progress" rather than "Scheduled maintenance". */
  unscheduled: boolean
}

export const DEFAULT_TITLE = 'Down for maintenance'

/** The names templates may use, in SPEC order. */
export const VIEW_VARIABLES: ReadonlyArray<keyof ViewModel> = [
  'title',
  'message',
  'reason',
  'contact',
  'start',
  'end',
  'startLocal',
  'endLocal',
  'timezone',
  'retryAfter',
  'namespace',
  'targets',
  'window',
  'unscheduled',
]

function presentText(text: string | undefined): string | undefined {
  return text === undefined || text.trim() === '' ? undefined : text
}

export function buildViewModel(ctx: PageContext): ViewModel {
  const hasEnd = ctx.end !== undefined
  return {
    contact: presentText(ctx.contact),
    end: hasEnd ? toRfc3339Utc(ctx.end!) : undefined,
    endLocal: hasEnd ? formatPageTime(ctx.end!, ctx.timezone) : undefined,
    message: presentText(ctx.message),
    namespace: ctx.namespace,
    reason: presentText(ctx.reason),
    retryAfter: hasEnd ? formatHttpDate(ctx.end!) : undefined,
    start: ctx.start === undefined ? undefined : toRfc3339Utc(ctx.start),
    startLocal: ctx.start === undefined ? undefined : formatPageTime(ctx.start, ctx.timezone),
    targets: [...ctx.targets],
    timezone: ctx.timezone,
    title: presentText(ctx.title) ?? DEFAULT_TITLE,
    unscheduled: ctx.unscheduled === true,
    window: ctx.window,
  }
}
