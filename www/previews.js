// The last message of each conversation, remembered per endpoint and shown in
// the conversation list.

import { relativeDay } from './feedback.js'
import { previewOf } from './render.js'
import { endpointId, readJSON, writeJSON } from './settings.js'
import { isOwn, state, ui } from './state.js'

export function previews() {
  return readJSON(`previews:${endpointId(state.settings)}`, {})
}

export function notePreview(m) {
  if (!m.conversationId) return
  const all = previews()
  const cur = all[m.conversationId]
  if (cur && cur.at > m.createdAt) return
  all[m.conversationId] = { text: previewOf(m.payload)?.slice(0, 80) ?? '', at: m.createdAt, own: isOwn(m) }
  writeJSON(`previews:${endpointId(state.settings)}`, all)
  const li = ui.conversations.querySelector(`[data-id="${CSS.escape(m.conversationId)}"]`)
  if (li) {
    li.querySelector('.conv-preview').textContent = (all[m.conversationId].own ? 'You: ' : '') + all[m.conversationId].text
    li.querySelector('.conv-time').textContent = relativeDay(m.createdAt)
    if (li.parentElement.firstElementChild !== li) li.parentElement.prepend(li)
  }
}
