import type {Window} from '../model/window.js'

import {renderFeedWithin} from '../engine/feed-budget.js'
import {type Feed, type FeedState, decodeFeedState, encodeFeedState, feedInputsDigest, feedValidUntil, feedValidityMark} from '../engine/schedule-feed.js'
import {MANAGED_BY, MANAGED_BY_LABEL, ROLE_LABEL, Role, SCHEDULE_CONFIGMAP, SCHEDULE_STATE_ANNOTATION, SCHEDULE_VALID_ANNOTATION, ScheduleData} from '../model/keys.js'
import {type KubeClient, type KubeObject, isAlreadyExists, isNotFound, isStale} from './client.js'
import {type EventRecorder} from './events.js'
import {Resources} from './resources.js'

/**
 * Keeps the `kubectl-maintenance-schedule` ConfigMap of every namespace with windows (SPEC §7). It is read once per
 * pass (one list) and written only when `schedule.json`, `schedule.ics` or the events' state change, so a steady pass
 * writes nothing. Ours is the ConfigMap of that name carrying the managed-by and role=schedule labels: one without
 * them (a tenant's, or anything we did not make) is never overwritten or deleted; the pass leaves it and says so
 * in a Warning Event on it. Everything read back from ours (the state annotation) is bounded and checked.
 */

type ConfigMap = KubeObject & {data?: Record<string, string>}

const FEED_SELECTOR = `${ROLE_LABEL}=${Role.schedule}`
/** How many times a feed write is decided again over a fresh read when another writer changed the feed meanwhile. */
const FEED_WRITE_ATTEMPTS = 4

interface Stored {
  uid?: string
  resourceVersion?: string
  json?: string
  ics?: string
  state: string
  /** The validity annotation: until when, and the mark binding it to inputs and content (feedValidityMark). */
  valid?: string
  ours: boolean
}

export function feedSelector(): string {
  return FEED_SELECTOR
}

export function isOurFeed(configMap: KubeObject): boolean {
  const labels = configMap.metadata.labels ?? {}
  return configMap.metadata.name === SCHEDULE_CONFIGMAP && labels[MANAGED_BY_LABEL] === MANAGED_BY && labels[ROLE_LABEL] === Role.schedule
}

/** The feed of each namespace, continuing from each stored state: what the pass writes and `calendar` prints. */
export function feedsFor(namespaces: string[], windows: Window[], states: Map<string, FeedState>, now: number): Feed[] {
  return [...namespaces].sort().map((namespace) => renderFeedWithin(namespace, windows, states.get(namespace) ?? new Map(), now).feed)
}

/** Reads the feed ConfigMaps made by the engine in `namespaces` (undefined: every namespace). */
export async function readFeeds(client: KubeClient, namespaces: Array<string | undefined>): Promise<Map<string, ConfigMap>> {
  const listed: ConfigMap[] = []
  for (const namespace of namespaces) listed.push(...(await client.list<ConfigMap>(Resources.configMaps, namespace, {labelSelector: FEED_SELECTOR})))
  return feedsByNamespace(listed)
}

/** The feed ConfigMap of each namespace among ConfigMaps labelled role=schedule (only the one of the feed's name counts). */
function feedsByNamespace(configMaps: ConfigMap[]): Map<string, ConfigMap> {
  const found = new Map<string, ConfigMap>()
  for (const configMap of configMaps) {
    if (configMap.metadata.name === SCHEDULE_CONFIGMAP && configMap.metadata.namespace) found.set(configMap.metadata.namespace, configMap)
  }
  return found
}

function storedFrom(configMaps: ConfigMap[]): Map<string, Stored> {
  return new Map([...feedsByNamespace(configMaps)].map(([namespace, configMap]) => [namespace, describeStored(configMap)]))
}

export function storedState(configMap: KubeObject | undefined): FeedState {
  return decodeFeedState(configMap && isOurFeed(configMap) ? configMap.metadata.annotations?.[SCHEDULE_STATE_ANNOTATION] : undefined)
}

export class FeedWriter {
  /** The feeds as last read, shared by the writes of one sync; undefined: read again before writing. */
  private stored?: Promise<Map<string, Stored>>
  /** Namespaces whose feed name an object we did not make holds, reported once per pass. */
  private readonly blocked = new Set<string>()
  private readonly client: KubeClient
  /** The sync under way: syncs run one after the other. */
  private running: Promise<unknown> = Promise.resolve()

  /**
   * Writes on the client's record lane: the feed only tells what already happened or is planned, so a switch or a
   * restore due meanwhile always gets a request slot first (see Limiter).
   */
  constructor(
    client: KubeClient,
    private readonly events: EventRecorder,
  ) {
    this.client = client.recorder()
  }

  /** Runs `sync` once the syncs queued before it are done (they share what was read), and returns its result. */
  queue<T>(sync: () => Promise<T>): Promise<T> {
    const next = this.running.then(sync)
    this.running = next.catch(() => undefined)
    return next
  }

  /** Settles when every sync queued so far is done. */
  async idle(): Promise<void> {
    let current: Promise<unknown> | undefined
    while (current !== this.running) {
      current = this.running
      await current
    }
  }

  /**
   * The feeds as the pass already read them (listed with the windows), instead of a list of their own; only before
   * the writer has read any: after that it keeps what it wrote and reads again when a write finds the feed changed.
   */
  prime(configMaps: KubeObject[] | undefined): void {
    if (this.stored !== undefined || configMaps === undefined) return
    this.stored = Promise.resolve(storedFrom(configMaps))
  }

  /**
   * Brings the feed of each namespace in `withWindows` up to date and deletes ours where a namespace in `scope` has
   * no window left, every namespace's write at once (the client's limit bounds them; one namespace's 429, waiting its
   * Retry-After, holds up no other). Returns lines for people and errors (with what was being done and the API's answer).
   */
  async sync(scope: Array<string | undefined>, withWindows: Set<string>, windows: Window[], now: number): Promise<{changes: string[]; errors: string[]}> {
    const result = {changes: [] as string[], errors: [] as string[]}
    let stored: Map<string, Stored>
    try {
      stored = await this.read(scope)
    } catch (error) {
      result.errors.push(`reading the schedule feeds: ${(error as Error).message}`)
      return result
    }
    const writes = [...withWindows]
      .sort()
      .filter((namespace) => !this.blocked.has(namespace))
      .map((namespace) => this.writeFresh(scope, namespace, windows, now))
    const deletes = [...stored]
      .filter(([namespace, feed]) => !withWindows.has(namespace) && feed.ours && feed.uid !== undefined)
      .map(async ([namespace, feed]): Promise<{change?: string; error?: string}> => {
        try {
          await this.client.delete(Resources.configMaps, namespace, SCHEDULE_CONFIGMAP, false, feed.uid)
          stored.delete(namespace)
          return {change: `schedule feed ${namespace}/${SCHEDULE_CONFIGMAP} deleted (no windows left)`}
        } catch (error) {
          stored.delete(namespace)
          if (isNotFound(error) || isStale(error)) return {}
          return {error: `deleting the schedule feed of ${namespace}: ${(error as Error).message}`}
        }
      })
    // Lines in the order of the namespaces, whatever order the answers came in.
    for (const {change, error} of await Promise.all([...writes, ...deletes])) {
      if (change) result.changes.push(change)
      if (error) result.errors.push(error)
    }
    return result
  }

  /**
   * Writes one namespace's feed. Another writer (a second pass, a command) may have changed it since we read it: read
   * again and decide over what is there now, a few times, since each writer derives the feed from the windows it saw.
   * A 429 or 503 is retried by the client after its Retry-After, within the pass's horizon, as every write is.
   */
  private async writeFresh(scope: Array<string | undefined>, namespace: string, windows: Window[], now: number): Promise<{change?: string; error?: string}> {
    for (let attempt = 1; ; attempt++) {
      const reading = this.read(scope)
      try {
        const stored = await reading
        return {change: await this.write(namespace, windows, stored, now)}
      } catch (error) {
        if (isAlreadyExists(error)) {
          // Made meanwhile: by another pass or a command (ours: decide again over it), or by someone else.
          this.forget(reading)
          const made = await this.read(scope).catch(() => undefined)
          if (made?.get(namespace)?.ours && attempt < FEED_WRITE_ATTEMPTS) continue
          await this.planted(namespace, now)
          return {}
        }
        if (!isStale(error) || attempt >= FEED_WRITE_ATTEMPTS) return {error: `writing the schedule feed of ${namespace}: ${(error as Error).message}`}
        this.forget(reading)
      }
    }
  }

  /** The feeds as last read, or read now (once, however many writes ask at the same time). */
  private read(scope: Array<string | undefined>): Promise<Map<string, Stored>> {
    const reading = (this.stored ??= this.readAll(scope))
    reading.catch(() => this.forget(reading))
    return reading
  }

  /** Makes the next read() read again, unless a newer read already replaced `reading`. */
  private forget(reading: Promise<Map<string, Stored>>): void {
    if (this.stored === reading) this.stored = undefined
  }

  private async readAll(scope: Array<string | undefined>): Promise<Map<string, Stored>> {
    return storedFrom([...(await readFeeds(this.client, scope)).values()])
  }

  private async write(namespace: string, windows: Window[], feeds: Map<string, Stored>, now: number): Promise<string | undefined> {
    const stored = feeds.get(namespace)
    if (stored && !stored.ours) {
      await this.planted(namespace, now)
      return undefined
    }
    const inputs = feedInputsDigest(namespace, windows)
    if (stored && stillValid(stored, inputs, now)) return undefined
    const own = windows.filter((w) => w.namespace === namespace)
    const {feed, ics, json} = renderFeedWithin(namespace, windows, decodeFeedState(stored?.state), now)
    const state = encodeFeedState(feed.state)
    const valid = feedValidityMark(inputs, feedValidUntil(own, now), {ics, json, state})
    // The feed is written only when its content changes, its validity with it: a rebuild that finds the same content
    // writes nothing, even when the stored validity is missing or stale (later passes then rebuild until the next change).
    if (stored && stored.json === json && stored.ics === ics && stored.state === state) return undefined
    const data = {[ScheduleData.ics]: ics, [ScheduleData.json]: json}
    const annotations = {[SCHEDULE_STATE_ANNOTATION]: state, [SCHEDULE_VALID_ANNOTATION]: valid}
    let written: KubeObject
    if (stored) {
      written = await this.client.patch(Resources.configMaps, namespace, SCHEDULE_CONFIGMAP, 'merge', {
        data,
        metadata: {annotations, resourceVersion: stored.resourceVersion},
      })
    } else {
      written = await this.client.create(Resources.configMaps, namespace, {
        apiVersion: 'v1',
        data,
        kind: 'ConfigMap',
        metadata: {
          annotations,
          labels: {[MANAGED_BY_LABEL]: MANAGED_BY, [ROLE_LABEL]: Role.schedule},
          name: SCHEDULE_CONFIGMAP,
          namespace,
        },
      })
    }
    feeds.set(namespace, {ics, json, ours: true, resourceVersion: written.metadata.resourceVersion, state, uid: written.metadata.uid, valid})
    return `schedule feed ${namespace}/${SCHEDULE_CONFIGMAP} ${stored ? 'updated' : 'created'}: ${feed.occurrences.length} occurrence${feed.occurrences.length === 1 ? '' : 's'}`
  }

  /** A ConfigMap we did not make holds the feed's name: left alone, with a Warning Event on it once per pass. */
  private async planted(namespace: string, now: number): Promise<void> {
    this.blocked.add(namespace)
    let uid: string | undefined
    try {
      uid = (await this.client.getIfExists(Resources.configMaps, namespace, SCHEDULE_CONFIGMAP))?.metadata.uid
    } catch {
      uid = undefined
    }
    const message = `configmap ${SCHEDULE_CONFIGMAP} was not made by kubectl-maintenance (it lacks the labels ${MANAGED_BY_LABEL}=${MANAGED_BY} and ${FEED_SELECTOR}); the schedule feed of this namespace is not written while it is there: delete it and the next pass writes the feed`
    this.events.record({apiVersion: 'v1', kind: 'ConfigMap', name: SCHEDULE_CONFIGMAP, namespace, uid}, 'ScheduleFeedBlocked', message, 'Warning', now)
  }
}

function describeStored(configMap: ConfigMap): Stored {
  return {
    ics: configMap.data?.[ScheduleData.ics],
    json: configMap.data?.[ScheduleData.json],
    ours: isOurFeed(configMap),
    resourceVersion: configMap.metadata.resourceVersion,
    state: configMap.metadata.annotations?.[SCHEDULE_STATE_ANNOTATION] ?? '',
    uid: configMap.metadata.uid,
    valid: configMap.metadata.annotations?.[SCHEDULE_VALID_ANNOTATION],
  }
}

/** The instant a validity annotation names; 0 (expired) when it is not one. */
function validUntil(valid: string): number {
  const until = Number(valid.slice(0, valid.indexOf('.')))
  return Number.isSafeInteger(until) ? until : 0
}

/**
 * Whether the stored feed is still exactly what a rebuild would write: ours, before its validity ends, and its mark
 * (over the windows' inputs, that instant and the stored content) as the pass computes it now. The feed ConfigMap is
 * tenant-writable: an edit of its content or annotations without the mark the pass computes is rebuilt as before.
 */
function stillValid(stored: Stored, inputs: string, now: number): boolean {
  if (!stored.ours || stored.valid === undefined || stored.json === undefined || stored.ics === undefined) return false
  const until = validUntil(stored.valid)
  if (now >= until) return false
  return feedValidityMark(inputs, until, {ics: stored.ics, json: stored.json, state: stored.state}) === stored.valid
}
