import type {Window} from '../model/window.js'

import {renderIcs} from '../render/ics.js'
import {renderScheduleJson} from '../render/schedule-json.js'
import {type Feed, type FeedOccurrence, type FeedState, feedOccurrences, nextFeedState} from './schedule-feed.js'

/**
 * A namespace's feed within what its ConfigMap can hold. Each window's texts are bounded (4 KiB each) but repeat in
 * every occurrence, twice (the calendar and the JSON): an hourly window with long texts would make a feed the API
 * server refuses, and no feed at all for the namespace. So, only when the whole feed does not fit: a window's later
 * occurrences carry its texts cut short (its first keeps them whole), then the furthest occurrences are left out,
 * later repeats before any window's first.
 */

/** schedule.json and schedule.ics together: below the 1 MiB of a ConfigMap's data, with room for the keys. */
export const FEED_BUDGET_BYTES = 900 * 1024
/** What a later occurrence of a window keeps of its message, reason and contact when the whole feed does not fit. */
export const REPEATED_TEXT_CHARS = 200

export interface RenderedFeed {
  feed: Feed
  json: string
  ics: string
}

/** The feed of `namespace` at `now` (its SEQUENCE and DTSTAMP continuing from `previous`), rendered within `budget` bytes. */
export function renderFeedWithin(namespace: string, windows: Window[], previous: FeedState, now: number, budget = FEED_BUDGET_BYTES): RenderedFeed {
  const render = (occurrences: FeedOccurrence[]): RenderedFeed & {bytes: number} => {
    const feed = {namespace, occurrences, state: nextFeedState(occurrences, previous, now)}
    const json = renderScheduleJson([feed])
    const ics = renderIcs([feed])
    // Three octets at most per UTF-16 unit: most feeds are known to fit without counting.
    const units = json.length + ics.length
    return {bytes: units * 3 <= budget ? units : Buffer.byteLength(json) + Buffer.byteLength(ics), feed, ics, json}
  }
  const all = feedOccurrences(windows.filter((w) => w.namespace === namespace), now)
  const whole = render(all)
  if (whole.bytes <= budget) return whole
  const repeats = repeatsOf(all)
  const shortened = all.map((o, index) => (repeats[index] ? shortTexts(o) : o))
  const cut = render(shortened)
  if (cut.bytes <= budget) return cut
  // Left out first: the furthest repeats, then the furthest firsts; the soonest occurrence always stays.
  const byStartDesc = (a: number, b: number) => shortened[b].start - shortened[a].start || b - a
  const indexes = shortened.map((_o, index) => index).filter((index) => index > 0)
  const dropOrder = [...indexes.filter((index) => repeats[index]).sort(byStartDesc), ...indexes.filter((index) => !repeats[index]).sort(byStartDesc)]
  const without = (count: number) => {
    const dropped = new Set(dropOrder.slice(0, count))
    return render(shortened.filter((_o, index) => !dropped.has(index)))
  }
  // The fewest left out that fits: fewer occurrences never weigh more, so a binary search finds it.
  let low = 1
  let high = dropOrder.length
  while (low < high) {
    const middle = Math.floor((low + high) / 2)
    if (without(middle).bytes <= budget) high = middle
    else low = middle + 1
  }
  return without(low)
}

/** For each occurrence, whether an earlier one of the same window is in the feed (occurrences are ordered by start). */
function repeatsOf(occurrences: FeedOccurrence[]): boolean[] {
  const seen = new Set<string>()
  return occurrences.map((o) => {
    const id = `${o.namespace}/${o.window}`
    const repeat = seen.has(id)
    seen.add(id)
    return repeat
  })
}

function shortTexts(o: FeedOccurrence): FeedOccurrence {
  return {
    ...o,
    ...(o.message === undefined ? {} : {message: shorten(o.message)}),
    ...(o.reason === undefined ? {} : {reason: shorten(o.reason)}),
    ...(o.contact === undefined ? {} : {contact: shorten(o.contact)}),
  }
}

function shorten(text: string): string {
  const chars = [...text]
  return chars.length <= REPEATED_TEXT_CHARS ? text : `${chars.slice(0, REPEATED_TEXT_CHARS - 1).join('')}…`
}
