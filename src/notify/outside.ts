/**
 * The pass's dealings with the world outside the cluster (issue 17): webhook notifications and Alertmanager
 * silences. Started after a round's switches are written and run in the background, so no switch ever waits for a
 * receiver; the pass waits for them once, at its end, and each window's work stops starting requests after a bound.
 * What is sent is recorded on the window after it is sent, so a killed pass sends a notification at most once more,
 * with the same idempotency key.
 */
import type {InvalidWindow} from '../engine/types.js'
import type {EventRecorder} from '../kube/events.js'
import type {InstallConfig} from '../model/install-config.js'
import type {Window} from '../model/window.js'

import {type LedgerEntry, type Notification, dueNotifications, effectiveLedger, failedWindowStandIn, formatLedger, ledgerEntry, parseLedger} from '../engine/notifications.js'
import {type GettableSilence, type WantedSilence, parseSilenceRecord, ownedBy, silenceStep, wantedSilences} from '../engine/silences.js'
import {type KubeClient, type KubeObject, isConflict, isNotFound} from '../kube/client.js'
import {Resources} from '../kube/resources.js'
import {WindowData} from '../model/keys.js'
import {type AlertmanagerSettings, redact} from '../model/notify-config.js'
import {type SilenceMatcher, silenceSpecs} from '../model/silence-matchers.js'
import {IDEMPOTENCY_HEADER, notificationBody, notificationEvent} from '../render/notification.js'
import {AlertmanagerApi} from './alertmanager.js'
import {HttpFailure, request} from './http.js'

/** Waits between attempts at one notification within a pass; after the last, a Warning Event and the next pass tries. */
export const RETRY_DELAYS_MS = [250, 1000]
/** A window's work starts no request later than this after it was started. */
export const WINDOW_BUDGET_MS = 15_000
/** Tries at a ledger write that keeps meeting another writer's newer version. */
const LEDGER_WRITE_ATTEMPTS = 5
/** Windows worked on at once: a pass with hundreds of transitions does not open hundreds of connections to a receiver. */
export const MAX_WINDOWS_AT_ONCE = 8

export interface OutsideOptions {
  now: () => number
  /** Real time between retries (tests pass shorter waits). */
  sleep?: (ms: number) => Promise<void>
  announceMs?: number
}

/** The ledger as last read or written, with the version it was at. */
interface StoredLedger {
  resourceVersion?: string
  text?: string
}

interface WindowWork {
  running: Promise<void>
  /** The latest state seen while the work ran: done next. */
  queued?: Window
}

export class Outside {
  private readonly work = new Map<string, WindowWork>()
  /** Notification keys sent in this pass, and the ledger and silence ids written, per window: newer than what a round read. */
  private readonly sent = new Set<string>()
  private readonly ledgers = new Map<string, LedgerEntry[]>()
  private readonly silenceRecords = new Map<string, Record<string, string>>()
  private readonly alertmanager?: AlertmanagerApi
  private active = 0
  private readonly waiting: Array<() => void> = []

  constructor(
    private readonly client: KubeClient,
    private readonly config: InstallConfig,
    private readonly events: EventRecorder,
    private readonly options: OutsideOptions,
  ) {
    if (config.alertmanager) this.alertmanager = new AlertmanagerApi(config.alertmanager.url)
  }

  static for(client: KubeClient, config: InstallConfig, events: EventRecorder, options: OutsideOptions): Outside | undefined {
    return config.notify || config.alertmanager ? new Outside(client, config, events, options) : undefined
  }

  /** Starts (or queues behind the running one) each window's work on the windows as just read, invalid ones marked Failed included. */
  start(windows: Window[], invalid: InvalidWindow[] = []): void {
    const failed = invalid.flatMap((entry) => failedWindowStandIn(entry) ?? [])
    for (const w of [...windows, ...failed]) {
      if (w.uid === undefined) continue
      const id = `${w.namespace}/${w.name}/${w.uid}`
      const current = this.work.get(id)
      if (current) {
        current.queued = w
        continue
      }
      const entry: WindowWork = {running: Promise.resolve()}
      entry.running = this.drain(id, w, entry)
      this.work.set(id, entry)
    }
  }

  /** Waits for all started work (each bounded by WINDOW_BUDGET_MS plus one request's timeout). */
  async settled(): Promise<void> {
    while (this.work.size > 0) await Promise.all([...this.work.values()].map((entry) => entry.running))
  }

  private async drain(id: string, first: Window, entry: WindowWork): Promise<void> {
    if (this.active >= MAX_WINDOWS_AT_ONCE) await new Promise<void>((resolve) => this.waiting.push(resolve))
    this.active++
    // What was read while this waited for its turn is newer than what it was started with.
    let w: Window | undefined = entry.queued ?? first
    try {
      while (w) {
        entry.queued = undefined
        await this.handle(id, w)
        w = entry.queued
      }
    } finally {
      this.work.delete(id)
      this.active--
      this.waiting.shift()?.()
    }
  }

  private async handle(id: string, w: Window): Promise<void> {
    const deadline = this.options.now() + WINDOW_BUDGET_MS
    try {
      if (this.config.notify) await this.notify(id, w, deadline)
      if (this.alertmanager && this.config.alertmanager) await this.silence(id, w, this.alertmanager)
    } catch (error) {
      // A window deleted meanwhile has nobody left to tell; anything else is said on the window.
      if (!isNotFound(error)) this.warn(w, 'OutsideFailed', (error as Error).message)
    }
  }

  private async notify(id: string, observed: Window, deadline: number): Promise<void> {
    const ledger = merged(parseLedger(observed.outside?.notifications), this.ledgers.get(id) ?? [])
    const w: Window = {...observed, outside: {...observed.outside, notifications: formatLedger(ledger, [])}}
    let stored: StoredLedger = {resourceVersion: observed.resourceVersion, text: observed.outside?.notifications}
    for (const notification of dueNotifications(w, this.options.now(), this.options.announceMs, this.sent)) {
      if (this.options.now() > deadline) return
      // Claimed on the version read before it is sent: of two passes at once (a command's and the CronJob's), one
      // writes the claim and sends, the other finds it and does not.
      const claim = ledgerEntry(notification, this.options.now(), true)
      const claimed = await this.updateLedger(w, stored, (entries) =>
        effectiveLedger(entries, this.options.now()).some((entry) => entry.key === claim.key) ? undefined : [...entries.filter((entry) => entry.key !== claim.key), claim],
      )
      if (!claimed) {
        this.sent.add(notification.key)
        continue
      }
      stored = claimed
      const delivered = await this.send(w, notification)
      const done = ledgerEntry(notification, this.options.now())
      const recorded = await this.updateLedger(w, stored, (entries) => {
        const others = entries.filter((entry) => entry.key !== claim.key)
        // Not delivered: the claim goes, so the next pass tries at once.
        if (!delivered) return others.length === entries.length ? undefined : others
        return [...others, done]
      })
      stored = recorded ?? stored
      if (!delivered) continue
      this.sent.add(notification.key)
      ledger.push(done)
      this.ledgers.set(id, ledger)
    }
  }

  /**
   * A read-modify-write of the window's ledger on the version last seen (another pass's entries are never
   * overwritten): on a conflict the window is read again and `change` decides over what it holds now. `change`
   * returning undefined: nothing to write.
   */
  private async updateLedger(w: Window, stored: StoredLedger, change: (entries: LedgerEntry[]) => LedgerEntry[] | undefined): Promise<StoredLedger | undefined> {
    let current = stored
    for (let attempt = 1; ; attempt++) {
      const next = change(parseLedger(current.text))
      if (next === undefined) return undefined
      const text = next.length === 0 ? null : formatLedger(next, [])
      try {
        const written = await this.client.recorder().patch(Resources.configMaps, w.namespace, w.name, 'merge', {
          data: {[WindowData.notifications]: text},
          metadata: {resourceVersion: current.resourceVersion},
        })
        return {resourceVersion: written.metadata.resourceVersion, text: text ?? undefined}
      } catch (error) {
        if (!isConflict(error) || attempt >= LEDGER_WRITE_ATTEMPTS) throw error
        const fresh = await this.client.recorder().get<KubeObject & {data?: Record<string, string>}>(Resources.configMaps, w.namespace, w.name)
        // Deleted and made again under the same name: another window, with nobody here to tell.
        if (fresh.metadata.uid !== w.uid) return undefined
        current = {resourceVersion: fresh.metadata.resourceVersion, text: fresh.data?.[WindowData.notifications]}
      }
    }
  }

  /** POSTs with retries; false (and a Warning Event) when every attempt failed. */
  private async send(w: Window, notification: Notification): Promise<boolean> {
    const notify = this.config.notify!
    const body = notificationBody(notificationEvent(notification, w, this.options.now()), notify.format)
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
    let failure = ''
    for (let attempt = 0; attempt <= RETRY_DELAYS_MS.length; attempt++) {
      if (attempt > 0) await sleep(RETRY_DELAYS_MS[attempt - 1])
      try {
        await request('POST', notify.url, {body, headers: {[IDEMPOTENCY_HEADER]: notification.key}})
        return true
      } catch (error) {
        failure = (error as Error).message
        if (!(error instanceof HttpFailure) || !error.retryable) break
      }
    }
    this.warn(w, 'NotificationFailed', `notifying ${redact(notify.url)} of ${notification.transition} failed (${notification.key}): ${failure}; the next pass tries again`)
    return false
  }

  private async silence(id: string, w: Window, api: AlertmanagerApi): Promise<void> {
    const settings = this.config.alertmanager!
    const now = this.options.now()
    const recorded = this.silenceRecords.get(id) ?? parseSilenceRecord(w.outside?.silences)
    const record = {...recorded}
    const wanted = wantedSilences(w, now, settings)
    for (const silence of wanted) {
      // A pass killed between making a silence and recording its id left it unrecorded: adopt it, never make a second.
      const existing = (record[silence.group] === undefined ? undefined : await api.get(record[silence.group])) ?? (await adoptable(api, w, silence))
      const step = silenceStep(w, silence, existing, now, wantedEndIsOpen(w, now))
      if (step.type === 'create') record[silence.group] = await api.post(silence, now)
      if (step.type === 'update' && existing) record[silence.group] = await api.post(silence, now, {id: existing.id, startsAt: step.startsAt})
    }
    for (const [group, silenceId] of Object.entries(recorded)) {
      if (wanted.some((silence) => silence.group === group)) continue
      const existing = await api.get(silenceId)
      if (existing && existing.status.state !== 'expired' && ownedBy(existing, w)) await api.expire(silenceId)
      delete record[group]
    }
    if (wanted.length === 0 && Object.keys(recorded).length > 0) await expireUnrecorded(api, w, settings)
    this.silenceRecords.set(id, record)
    if (JSON.stringify(record) === JSON.stringify(parseSilenceRecord(w.outside?.silences))) return
    await this.writeData(w, {[WindowData.silences]: Object.keys(record).length === 0 ? null : JSON.stringify(record)})
  }

  /** A merge patch of the window's data keys on the record lane (a switch never queues behind it). */
  private async writeData(w: Window, data: Record<string, string | null>): Promise<void> {
    await this.client.recorder().patch(Resources.configMaps, w.namespace, w.name, 'merge', {data})
  }

  private warn(w: Window, reason: string, message: string): void {
    const involved = {apiVersion: 'v1', kind: 'ConfigMap', name: w.name, namespace: w.namespace, uid: w.uid}
    this.events.record(involved, reason, message, 'Warning', this.options.now())
  }
}

/**
 * Two passes at once (a command's and the CronJob's) may each have made a silence at the start, of which one id is
 * recorded: when the window ends, every active silence Alertmanager holds as this window's goes too, so none keeps
 * alerts quiet past an early end.
 */
async function expireUnrecorded(api: AlertmanagerApi, w: Window, settings: AlertmanagerSettings): Promise<void> {
  for (const spec of silenceSpecs(settings.matchers, w.namespace, w.name, w.targets)) {
    for (const found of await api.list(equalityFilters(spec.matchers))) {
      if (found.status.state !== 'expired' && ownedBy(found, w)) await api.expire(found.id)
    }
  }
}

/** Alertmanager's list filters for a silence's plain equality matchers (every one must be among a listed silence's). */
function equalityFilters(matchers: SilenceMatcher[]): string[] {
  return matchers.filter((matcher) => !matcher.isRegex && matcher.isEqual).map((matcher) => `${matcher.name}=${JSON.stringify(matcher.value)}`)
}

async function adoptable(api: AlertmanagerApi, w: Window, wanted: WantedSilence): Promise<GettableSilence | undefined> {
  const filters = equalityFilters(wanted.matchers)
  const found = await api.list(filters)
  return found.find((silence) => silence.status.state !== 'expired' && ownedBy(silence, w) && silenceStep(w, wanted, silence, Date.parse(silence.startsAt), false).type !== 'create')
}

function merged(stored: LedgerEntry[], ours: LedgerEntry[]): LedgerEntry[] {
  return [...stored, ...ours.filter((entry) => !stored.some((other) => other.key === entry.key))]
}

function wantedEndIsOpen(w: Window, now: number): boolean {
  return w.every === undefined && w.end === undefined && w.start <= now
}
