// Botpress Chat demo page: plain ES modules, no build step. This module wires
// the others together and starts the page; index.html loads it.
//
//   dom.js            element helpers and icons
//   markdown.js       the markdown subset, escaped (the only HTML that reaches innerHTML)
//   settings.js       settings and what localStorage remembers
//   state.js          page state and elements
//   feedback.js       connection badge, toasts, times
//   render.js         a payload → DOM, per payload kind
//   previews.js       last message per conversation
//   messages.js       the message list and streamed replies
//   composer.js       sending: text box, sample gallery, answers, deleting
//   conversations.js  conversation list, history, listener events
//   session.js        loading the package, connecting, (re)starting
//   settings-panel.js the settings dialog

import { $ } from './dom.js'
import { answer, bindComposer, deleteMessage, sendPayload, sendText, toggleAttach } from './composer.js'
import { newConversation, reconnectListener, syncStatus } from './conversations.js'
import { setStatus } from './feedback.js'
import { nearBottom, scrollToBottom, setMessageActions } from './messages.js'
import { forgetUser, start } from './session.js'
import { bindSettingsPanel } from './settings-panel.js'
import { closeSidebar, openSidebar, state, ui } from './state.js'

function bindUi() {
  setMessageActions({ answer, remove: deleteMessage })
  bindComposer()
  bindSettingsPanel({ onSaved: start, onNewUser: () => { forgetUser(); start() } })
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') { toggleAttach(false); closeSidebar() }
  })
  ui.newConversation.addEventListener('click', newConversation)
  $('#open-sidebar').addEventListener('click', openSidebar)
  $('#close-sidebar').addEventListener('click', closeSidebar)
  ui.scrim.addEventListener('click', closeSidebar)
  ui.jump.addEventListener('click', () => scrollToBottom(true))
  ui.messages.addEventListener('scroll', () => { if (nearBottom()) ui.jump.hidden = true }, { passive: true })
  ui.status.addEventListener('click', reconnectListener)
  ui.retry.addEventListener('click', reconnectListener)
  window.addEventListener('offline', () => setStatus('offline'))
  // Back online, the listener reconnects by itself at once; the badge shows its state again.
  window.addEventListener('online', syncStatus)
}

bindUi()
start()

// Handy from the browser console.
window.chatDemo = { state, start, sendText, sendPayload }
