/** Alertmanager's API v2 for silences (api/v2/openapi.yaml): GET/DELETE /silence/{id}, POST /silences. */
import {type GettableSilence, SILENCE_CREATOR, type WantedSilence} from '../engine/silences.js'
import {toRfc3339Utc} from '../model/time.js'
import {HttpFailure, request} from './http.js'

export class AlertmanagerApi {
  private readonly base: string

  constructor(url: string) {
    this.base = `${url.replace(/\/+$/, '')}/api/v2`
  }

  /** The silence, or undefined when Alertmanager does not know the id (deleted by hand, or garbage-collected). */
  async get(id: string): Promise<GettableSilence | undefined> {
    try {
      const answer = await request('GET', `${this.base}/silence/${encodeURIComponent(id)}`)
      const silence = JSON.parse(answer.body) as GettableSilence
      if (typeof silence?.id !== 'string' || typeof silence.status?.state !== 'string') throw new HttpFailure(`GET silence ${id}: not a silence`, false)
      return silence
    } catch (error) {
      if (error instanceof HttpFailure && / answered 404/.test(error.message)) return undefined
      throw error
    }
  }

  /** Silences whose matchers include these (Alertmanager's filter: every one must be among the silence's matchers). */
  async list(filters: string[]): Promise<GettableSilence[]> {
    const query = filters.map((filter) => `filter=${encodeURIComponent(filter)}`).join('&')
    const answer = await request('GET', `${this.base}/silences${query === '' ? '' : `?${query}`}`)
    const silences = JSON.parse(answer.body) as unknown
    return Array.isArray(silences) ? (silences as GettableSilence[]).filter((silence) => typeof silence?.id === 'string' && typeof silence.status?.state === 'string') : []
  }

  /** Creates a silence, or (with `id` and its unchanged startsAt) moves the end of an active one; the silence's id. */
  async post(wanted: WantedSilence, now: number, update?: {id: string; startsAt: string}): Promise<string> {
    const body = {
      comment: wanted.comment,
      createdBy: SILENCE_CREATOR,
      endsAt: toRfc3339Utc(wanted.endsAt),
      matchers: wanted.matchers,
      startsAt: update?.startsAt ?? toRfc3339Utc(now),
      ...(update ? {id: update.id} : {}),
    }
    const answer = await request('POST', `${this.base}/silences`, {body: JSON.stringify(body)})
    const id = (JSON.parse(answer.body) as {silenceID?: unknown}).silenceID
    if (typeof id !== 'string' || id === '') throw new HttpFailure('POST silences: the answer has no silenceID', false)
    return id
  }

  /** Expires the silence (Alertmanager keeps it, as expired); one that is gone already is fine. */
  async expire(id: string): Promise<void> {
    try {
      await request('DELETE', `${this.base}/silence/${encodeURIComponent(id)}`)
    } catch (error) {
      if (error instanceof HttpFailure && / answered 404/.test(error.message)) return
      throw error
    }
  }
}
