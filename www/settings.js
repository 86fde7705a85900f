// Settings and what the page remembers between visits (localStorage, keys
// prefixed `bpchat:`): the settings, the user key per endpoint, the last open
// conversation and the conversation previews.

const STORE = 'bpchat:'

export function readJSON(key, fallback) {
  try {
    const v = localStorage.getItem(STORE + key)
    return v === null ? fallback : JSON.parse(v)
  } catch {
    return fallback
  }
}

export function writeJSON(key, value) {
  try {
    if (value === undefined) localStorage.removeItem(STORE + key)
    else localStorage.setItem(STORE + key, JSON.stringify(value))
  } catch { /* storage full or disabled: the session just won't persist */ }
}

export function defaultSettings() {
  return {
    mode: 'local',
    apiUrl: `${location.origin}/local`,
    webhookId: '',
    baseApiUrl: 'https://chat.botpress.cloud',
    protocol: 'sse',
    sessionUrl: '',
  }
}

export function loadSettings() {
  const s = { ...defaultSettings(), ...readJSON('settings', {}) }
  // Query parameters win, so a link can point the page at any server.
  const q = new URLSearchParams(location.search)
  if (q.get('apiUrl')) Object.assign(s, { mode: 'local', apiUrl: q.get('apiUrl') })
  if (q.get('webhookId')) Object.assign(s, { mode: 'cloud', webhookId: q.get('webhookId') })
  if (q.get('baseApiUrl')) s.baseApiUrl = q.get('baseApiUrl')
  if (q.get('protocol')) s.protocol = q.get('protocol')
  if (q.get('sessionUrl')) s.sessionUrl = q.get('sessionUrl')
  return s
}

export function saveSettings(s) {
  writeJSON('settings', s)
}

// The endpoint part of ChatClient.connect's props.
export function connectProps(s) {
  return s.mode === 'cloud'
    ? { webhookId: s.webhookId.trim(), baseApiUrl: (s.baseApiUrl || 'https://chat.botpress.cloud').trim() }
    : { apiUrl: s.apiUrl.trim() }
}

// One string per API endpoint: stored users and conversations are kept per endpoint.
export function endpointId(s) {
  const p = connectProps(s)
  return p.apiUrl ?? `${p.baseApiUrl.replace(/\/+$/, '')}/${p.webhookId}`
}
