/**
 * The body of a webhook notification: a JSON event (`generic`) or a Slack-compatible `{text, blocks}` (`slack`).
 * Tenant text (message, reason, contact, names) is only ever a JSON string value, escaped for Slack's mrkdwn, and
 * cut to a bound.
 */
import type {Notification, Transition} from '../engine/notifications.js'
import type {NotifyFormat} from '../model/notify-config.js'
import type {Window} from '../model/window.js'

import {formatTarget} from '../model/target.js'
import {formatLocal, toRfc3339Utc} from '../model/time.js'

export const IDEMPOTENCY_HEADER = 'Idempotency-Key'
const MAX_TEXT = 1000
/** Slack's limit for a section's text is 3000 characters. */
const MAX_SLACK_TEXT = 2900

const SAYS: Record<Transition, string> = {
  Active: 'Maintenance started',
  Announced: 'Maintenance announced',
  Cancelled: 'Maintenance cancelled',
  Completed: 'Maintenance completed',
  Degraded: 'Maintenance degraded',
  Extended: 'Maintenance extended',
  Failed: 'Maintenance failed',
  Scheduled: 'Maintenance scheduled',
}

export interface NotificationEvent {
  idempotencyKey: string
  transition: Transition
  window: {namespace: string; name: string; uid: string}
  occurrence: {start: string; end: string | null; startLocal: string; endLocal: string | null}
  timezone: string
  targets: string[]
  phase: string | null
  phaseMessage: string | null
  message: string | null
  reason: string | null
  contact: string | null
  sentAt: string
}

export function notificationEvent(notification: Notification, w: Window, now: number): NotificationEvent {
  const {end, key, occurrence, transition} = notification
  return {
    contact: cut(w.contact),
    idempotencyKey: key,
    message: cut(w.message),
    occurrence: {
      end: end === undefined ? null : toRfc3339Utc(end),
      endLocal: end === undefined ? null : formatLocal(end, w.timezone),
      start: toRfc3339Utc(occurrence),
      startLocal: formatLocal(occurrence, w.timezone),
    },
    phase: w.phase ?? null,
    phaseMessage: cut(w.phaseMessage),
    reason: cut(w.reason),
    sentAt: toRfc3339Utc(now),
    targets: w.targets.map((target) => formatTarget(target)),
    timezone: w.timezone,
    transition,
    window: notification.window,
  }
}

/** The request body for the configured format. */
export function notificationBody(event: NotificationEvent, format: NotifyFormat): string {
  return JSON.stringify(format === 'slack' ? slackBody(event) : event)
}

function slackBody(event: NotificationEvent): object {
  const {occurrence, window} = event
  const when = occurrence.endLocal === null ? `from ${occurrence.startLocal}, open-ended` : `${occurrence.startLocal} – ${occurrence.endLocal}`
  const lines = [
    `*${SAYS[event.transition]}*: window \`${mrkdwn(window.name)}\` in namespace \`${mrkdwn(window.namespace)}\``,
    `${mrkdwn(event.targets.join(', '))} · ${mrkdwn(when)} (${mrkdwn(event.timezone)})`,
    ...(event.message === null ? [] : [`> ${mrkdwn(event.message)}`]),
    ...(event.reason === null ? [] : [`Reason: ${mrkdwn(event.reason)}`]),
    ...(event.contact === null ? [] : [`Contact: ${mrkdwn(event.contact)}`]),
  ]
  const text = lines.join('\n').slice(0, MAX_SLACK_TEXT)
  return {
    blocks: [
      {text: {text, type: 'mrkdwn'}, type: 'section'},
      {elements: [{text: `kubectl-maintenance · ${mrkdwn(event.idempotencyKey)}`, type: 'mrkdwn'}], type: 'context'},
    ],
    text: mrkdwn(`${SAYS[event.transition]}: ${window.namespace}/${window.name}`).slice(0, MAX_SLACK_TEXT),
  }
}

/** Slack's mrkdwn treats &, < and > as control characters (links, mentions); everything else is literal. */
export function mrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
}

function cut(text: string | undefined): string | null {
  if (text === undefined) return null
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text
}
