// The settings dialog: endpoint (local server or Botpress Cloud webhook ID),
// realtime transport, session endpoint, and "start as a new user".

import { $ } from './dom.js'
import { toast } from './feedback.js'
import { defaultSettings, saveSettings } from './settings.js'
import { closeSidebar, state, ui } from './state.js'

function fillSettingsForm() {
  const f = ui.settingsForm
  const s = state.settings
  f.mode.value = s.mode
  f.apiUrl.value = s.apiUrl
  f.webhookId.value = s.webhookId
  f.baseApiUrl.value = s.baseApiUrl
  f.protocol.value = s.protocol
  f.sessionUrl.value = s.sessionUrl
  ui.settingsUser.textContent = state.user?.id ?? '—'
  syncModeFields()
}

function syncModeFields() {
  const mode = ui.settingsForm.mode.value
  for (const el of ui.settingsForm.querySelectorAll('[data-mode]')) el.hidden = el.dataset.mode !== mode
}

function readSettingsForm() {
  const f = ui.settingsForm
  return {
    mode: f.mode.value,
    apiUrl: f.apiUrl.value.trim() || defaultSettings().apiUrl,
    webhookId: f.webhookId.value.trim(),
    baseApiUrl: f.baseApiUrl.value.trim() || 'https://chat.botpress.cloud',
    protocol: f.protocol.value,
    sessionUrl: f.sessionUrl.value.trim(),
  }
}

// onSaved(): settings changed; onNewUser(): the user asked to start afresh.
export function bindSettingsPanel({ onSaved, onNewUser }) {
  const openSettings = () => { fillSettingsForm(); ui.settings.showModal() }
  $('#open-settings').addEventListener('click', openSettings)
  $('#open-settings-side').addEventListener('click', () => { closeSidebar(); openSettings() })
  for (const r of ui.settingsForm.querySelectorAll('input[name="mode"]')) r.addEventListener('change', syncModeFields)
  $('#new-user').addEventListener('click', () => {
    ui.settings.close('new-user')
    toast('Starting as a new user', 'info', 2500)
    onNewUser()
  })
  ui.settings.addEventListener('close', () => {
    if (ui.settings.returnValue !== 'save') return
    const next = readSettingsForm()
    if (next.mode === 'cloud' && !next.webhookId) {
      toast('A webhook ID is needed to reach Botpress Cloud', 'error')
      return
    }
    state.settings = next
    saveSettings(next)
    onSaved()
  })
}
