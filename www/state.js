// The page's state and the elements of index.html that the modules use.

import { $ } from './dom.js'
import { loadSettings } from './settings.js'

export const state = {
  pkg: null,
  settings: loadSettings(),
  client: null,
  user: null,
  conversations: [],
  conversationId: null,
  listener: null,
  openSeq: 0,
  messages: new Map(), // id -> message (with isBot)
  elements: new Map(), // id -> element
  streams: new Map(), // streamId -> { parts: Map(sequence -> delta), el, body }
  answered: new Map(), // message id -> chosen value (choice / dropdown)
  pending: new Map(), // local id -> { payload, el }: sends not answered yet, or failed (never cached)
  status: 'connecting',
}

export const ui = {
  app: $('#app'),
  sidebar: $('#sidebar'),
  scrim: $('#scrim'),
  conversations: $('#conversations'),
  newConversation: $('#new-conversation'),
  meId: $('#me-id'),
  meAvatar: $('#me-avatar'),
  title: $('#chat-title'),
  subtitle: $('#chat-subtitle'),
  status: $('#status'),
  banner: $('#conn-banner'),
  bannerText: $('#conn-banner-text'),
  retry: $('#conn-retry'),
  messages: $('#messages'),
  list: $('#message-list'),
  empty: $('#empty'),
  loading: $('#loading'),
  jump: $('#jump'),
  composer: $('#composer'),
  input: $('#input'),
  send: $('#send'),
  attach: $('#attach'),
  attachMenu: $('#attach-menu'),
  samples: $('#samples'),
  toasts: $('#toasts'),
  settings: $('#settings'),
  settingsForm: $('#settings-form'),
  settingsUser: $('#settings-user'),
}

// A message is the user's own unless marked as a bot's (isBot) or written by another user.
export function isOwn(m) {
  if (typeof m.isBot === 'boolean') return !m.isBot
  return state.user && m.userId === state.user.id
}

export function openSidebar() {
  ui.app.classList.add('sidebar-open')
  ui.scrim.hidden = false
}

export function closeSidebar() {
  ui.app.classList.remove('sidebar-open')
  ui.scrim.hidden = true
}
