import type {Window} from '../model/window.js'

import {type SeriesChange, seriesHistory} from '../engine/series-changes.js'
import {type KubeClient, isConflict} from './client.js'
import {getWindow, patchWindowAnnotations} from './windows.js'

/**
 * Writes a change to a recurring window (skip, pause, resume) decided on the window as read, only on that version
 * (with its history entry in the same request); if the window changed meanwhile it is read and decided again.
 */
export async function changeSeries(client: KubeClient, namespace: string, name: string, decide: (window: Window) => SeriesChange, now: number): Promise<SeriesChange> {
  for (let attempt = 1; ; attempt++) {
    const window = await getWindow(client, namespace, name)
    const change = decide(window)
    if (Object.keys(change.annotations).length === 0) return change
    try {
      await patchWindowAnnotations(client, namespace, name, change.annotations, {data: seriesHistory(window, change, now, client.actor()), resourceVersion: window.resourceVersion})
      return change
    } catch (error) {
      if (!isConflict(error) || attempt >= 3) throw error
    }
  }
}
