// Entry for Node's `require`: the wasm beside this file is read and
// instantiated synchronously when the module loads.
'use strict'
const { readFileSync } = require('node:fs')
const { join } = require('node:path')
const chat = require('./common.mjs')

chat.initSync({ module: readFileSync(join(__dirname, 'botpress_chat_wasm_bg.wasm')) })
module.exports = chat
