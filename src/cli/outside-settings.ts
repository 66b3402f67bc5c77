import {type AlertmanagerSettings, type NotifySettings, DEFAULT_SILENCE_GRACE_MS, parseEndpointUrl, parseNotifyFormat, parseSilenceGrace} from '../model/notify-config.js'
import {parseSilenceTemplate} from '../model/silence-matchers.js'
import {UserError} from '../model/errors.js'

export interface OutsideFlags {
  'alertmanager-url'?: string
  'notify-format'?: string
  'notify-url'?: string
  'silence-grace'?: string
  'silence-matchers'?: string
}

/** install's webhook and Alertmanager flags, checked before anything is written (a bad one is exit 2). */
export function outsideSettings(flags: OutsideFlags): {notify?: NotifySettings; alertmanager?: AlertmanagerSettings} {
  const format = flags['notify-format'] === undefined ? 'generic' : parseNotifyFormat(flags['notify-format'])
  if (flags['notify-format'] !== undefined && flags['notify-url'] === undefined) throw new UserError('--notify-format needs --notify-url, the URL to POST to')
  const alertmanagerOnly = (['silence-grace', 'silence-matchers'] as const).find((flag) => flags[flag] !== undefined)
  if (alertmanagerOnly && flags['alertmanager-url'] === undefined) throw new UserError(`--${alertmanagerOnly} needs --alertmanager-url, the Alertmanager to make silences in`)
  const notify = flags['notify-url'] === undefined ? undefined : {format, url: parseEndpointUrl(flags['notify-url'], '--notify-url', format).url}
  if (flags['alertmanager-url'] === undefined) return {notify}
  const matchers = flags['silence-matchers']
  if (matchers !== undefined) parseSilenceTemplate(matchers)
  const alertmanager: AlertmanagerSettings = {
    graceMs: flags['silence-grace'] === undefined ? DEFAULT_SILENCE_GRACE_MS : parseSilenceGrace(flags['silence-grace']),
    url: parseEndpointUrl(flags['alertmanager-url'], '--alertmanager-url').url,
    ...(matchers === undefined ? {} : {matchers}),
  }
  return {alertmanager, notify}
}
