import {Args, Flags} from '@oclif/core'

import {applyNow} from '../cli/apply-now.js'
import {KubeCommand} from '../cli/base-command.js'
import {now} from '../cli/clock.js'
import {fromFlag, zoneFlag} from '../cli/window-input.js'
import {type KubeClient} from '../kube/client.js'
import {type WindowDraft, checkDraftOffline} from '../engine/new-window.js'
import {prepareNewWindow} from '../kube/new-window.js'
import {createWindow, getWindow, patchWindowAnnotations} from '../kube/windows.js'
import {UserError} from '../model/errors.js'
import {WindowAnnotation} from '../model/keys.js'
import {formatLocal, parseDuration, parseWhen, toRfc3339Utc} from '../model/time.js'
import {formatTargets} from '../model/target.js'
import {type Window} from '../model/window.js'
import {currentInterval} from '../model/window-schedule.js'

export default class Extend extends KubeCommand<typeof Extend> {
  static args = {
    window: Args.string({description: 'Name of the window.', required: true}),
  }

  static description = `Move the end of a window: later with --by, or to a given time with --until (which may also be earlier, as long as it is in the future).
--until is read in the window's timezone unless --timezone says otherwise. For a recurring window, the occurrence in progress runs longer: a one-off window for the same targets, from now to the new end, keeps them in maintenance (later occurrences keep their length).`

  static examples = [
    '<%= config.bin %> <%= command.id %> ingress-shop-20261224-2200 -n shop --by 30m',
    '<%= config.bin %> <%= command.id %> ingress-shop-20261224-2200 -n shop --until "2026-12-25 02:00"',
  ]

  static flags = {
    by: Flags.string({description: 'How much later the window ends: 90s, 45m, 2h30m, 1d, PT2H.', exactlyOne: ['by', 'until']}),
    timezone: Flags.string({description: "IANA timezone to read --until in (default: the window's timezone)."}),
    until: Flags.string({description: 'The new end: RFC 3339, a local "2026-12-25 02:00" or "02:00", or +2h.', exactlyOne: ['by', 'until']}),
  }

  async run(): Promise<void> {
    const at = now()
    const by = this.flags.by === undefined ? undefined : fromFlag('by', () => parseDuration(this.flags.by as string))
    if (by && by.ms <= 0) throw new UserError(`--by ${this.flags.by} is not positive; give a length such as 30m`)
    const zone = this.flags.timezone === undefined ? undefined : zoneFlag(this.flags.timezone)
    const client = await this.client()
    const window = await getWindow(client, client.namespace, this.args.window)
    if (window.every) {
      await this.extendOccurrence(client, window, at, by?.ms, zone)
      return
    }
    const end = this.newEnd(window, at, by?.ms, zone)
    await patchWindowAnnotations(client, window.namespace, window.name, {[WindowAnnotation.end]: toRfc3339Utc(end)})
    this.log(`window ${window.name} now ends at ${formatLocal(end, window.timezone)}`)
    await this.applyNow(window.namespace)
  }

  /** Applies the moved end at once (a window moved into the past ends now); the change is already stored. */
  protected async applyNow(namespace: string): Promise<void> {
    await applyNow(await this.client(), {
      log: (line) => this.log(line),
      namespace,
      targets: [],
      timeoutMs: 120_000,
      waitingFor: 'waiting for the maintenance backend with the new end to become ready',
    })
  }

  /**
   * An occurrence's length comes from the recurrence, shared by every occurrence; so the one in progress is extended by
   * a one-off window over the same targets from now: overlapping windows keep a target in maintenance, and the one that
   * started last (this one) decides the page, whose Retry-After becomes the new end.
   */
  private async extendOccurrence(client: KubeClient, window: Window, at: number, byMs: number | undefined, zone: string | undefined): Promise<void> {
    const {name} = window
    const occurrence = window.phase === 'Cancelled' ? undefined : currentInterval(window, at)
    if (occurrence?.end === undefined) {
      throw new UserError(`window ${name} recurs ("${window.every}" for ${window.duration}) and no occurrence is in progress; extend lengthens the one in progress. To make every occurrence longer, schedule a new window with a longer --duration and cancel this one`)
    }
    const local = (ms: number): string => formatLocal(ms, window.timezone)
    const end = byMs === undefined ? fromFlag('until', () => parseWhen(this.flags.until as string, {now: at, zone: zone ?? window.timezone})) : occurrence.end + byMs
    if (end <= occurrence.end) {
      throw new UserError(`the new end ${local(end)} is not after the end of the occurrence in progress (${local(occurrence.end)}); to end it now use kubectl maintenance end ${name}`)
    }
    const start = Math.floor(at / 1000) * 1000
    const {contact, message, namespace, page, reason, targets, timezone} = window
    const draft: WindowDraft = {contact, end, message, namespace, page, reason, start, targets, timezone}
    checkDraftOffline(draft, start)
    const {window: extension} = await prepareNewWindow(client, draft, start)
    await createWindow(client, extension)
    this.log(`window ${name} recurs: window ${extension.name} keeps ${formatTargets(extension.targets)} in maintenance until ${local(end)}`)
    await this.applyNow(window.namespace)
  }

  private newEnd(window: Window, at: number, byMs: number | undefined, zone: string | undefined): number {
    const {name} = window
    if (window.phase === 'Cancelled' || window.phase === 'Completed') {
      throw new UserError(`window ${name} is ${window.phase}; schedule a new window with kubectl maintenance schedule`)
    }
    if (byMs !== undefined && window.end === undefined) throw new UserError(`window ${name} has no end; use --until`)
    const end = byMs === undefined ? fromFlag('until', () => parseWhen(this.flags.until as string, {now: at, zone: zone ?? window.timezone})) : (window.end as number) + byMs
    const local = (ms: number): string => formatLocal(ms, window.timezone)
    if (end <= window.start) throw new UserError(`the new end ${local(end)} is not after the window's start ${local(window.start)}`)
    if (end <= at) throw new UserError(`the new end ${local(end)} is not in the future (now: ${local(at)}); to end the window now use kubectl maintenance end ${name}`)
    return end
  }
}
