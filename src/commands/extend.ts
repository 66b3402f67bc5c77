import {Args, Flags} from '@oclif/core'

import {applyStoredChange} from '../cli/apply-now.js'
import {KubeCommand} from '../cli/base-command.js'
import {now} from '../cli/clock.js'
import {foldFlag, fromFlag, zoneFlag} from '../cli/window-input.js'
import {checkDraftOffline} from '../engine/new-window.js'
import {type EndRequest, activeExtensionsOf, extendedEnd, movedExtensionEnd, occurrenceExtension} from '../engine/window-changes.js'
import {prepareNewWindow} from '../kube/new-window.js'
import {createWindow, getWindow, listWindows, patchWindowAnnotations} from '../kube/windows.js'
import {UserError} from '../model/errors.js'
import {WindowAnnotation} from '../model/keys.js'
import {formatTargets} from '../model/target.js'
import {formatLocal, parseDuration, parseWhen, toRfc3339Utc} from '../model/time.js'
import {windowArg} from '../cli/window-input.js'

export default class Extend extends KubeCommand<typeof Extend> {
  static args = {
    window: Args.string({description: 'Name of the window.', parse: windowArg, required: true}),
  }

  static description = `Move the end of a window: later with --by, or to a given time with --until (which may also be earlier, as long as it is in the future).
--until is read in the window's timezone unless --timezone says otherwise. For a recurring window, the occurrence in progress runs longer: a one-off window for the same targets, from now to the new end, keeps them in maintenance (later occurrences keep their length).`

  static examples = [
    '<%= config.bin %> <%= command.id %> ingress-shop-20261224-2200 -n shop --by 30m',
    '<%= config.bin %> <%= command.id %> ingress-shop-20261224-2200 -n shop --until "2026-12-25 02:00"',
  ]

  static flags = {
    by: Flags.string({description: 'How much later the window ends: 90s, 45m, 2h30m, 1d, PT2H.', exactlyOne: ['by', 'until']}),
    fold: foldFlag,
    timezone: Flags.string({description: "IANA timezone to read --until in (default: the window's timezone)."}),
    until: Flags.string({description: 'The new end: RFC 3339, a local "2026-12-25 02:00" or "02:00", or +2h.', exactlyOne: ['by', 'until']}),
  }

  async run(): Promise<void> {
    const at = now()
    const {by, fold, timezone, until} = this.flags
    const byMs = by === undefined ? undefined : fromFlag('by', () => parseDuration(by)).ms
    if (byMs !== undefined && byMs <= 0) throw new UserError(`--by ${by} is not positive; give a length such as 30m`)
    const zone = timezone === undefined ? undefined : zoneFlag(timezone)
    const request: EndRequest = byMs === undefined ? {until: (windowZone, after) => fromFlag('until', () => parseWhen(until as string, {after, asEnd: true, fold, now: at, zone: zone ?? windowZone}))} : {byMs}
    const client = await this.client()
    const window = await getWindow(client, client.namespace, this.args.window)
    const local = (ms: number): string => formatLocal(ms, window.timezone)
    const extension = window.every ? activeExtensionsOf((await listWindows(client, window.namespace)).windows, window, at).at(-1) : undefined
    if (extension) {
      // Extended before: the same extension moves, so extending twice leaves one window keeping the targets down.
      const end = movedExtensionEnd(window, extension, at, request)
      await patchWindowAnnotations(client, extension.namespace, extension.name, {[WindowAnnotation.end]: toRfc3339Utc(end)})
      this.log(`window ${window.name} recurs: window ${extension.name} keeps ${formatTargets(extension.targets)} in maintenance until ${local(end)}`)
    } else if (window.every) {
      const draft = occurrenceExtension(window, at, request)
      checkDraftOffline(draft, draft.start)
      const {window: extension} = await prepareNewWindow(client, draft, draft.start)
      await createWindow(client, extension)
      this.log(`window ${window.name} recurs: window ${extension.name} keeps ${formatTargets(extension.targets)} in maintenance until ${local(draft.end as number)}`)
    } else {
      const end = extendedEnd(window, at, request)
      if (end === window.end) return this.log(`window ${window.name} already ends at ${local(end)}; nothing changed`)
      await patchWindowAnnotations(client, window.namespace, window.name, {[WindowAnnotation.end]: toRfc3339Utc(end)})
      this.log(`window ${window.name} now ends at ${local(end)}`)
    }
    // A moved end needs a backend with the new Retry-After (a window moved into the past ends now).
    await applyStoredChange(client, window.namespace, (line) => this.log(line), {waitForReady: true})
  }
}
