// webpack 5's defaults for a production build: no option for the package (its .wasm is
// an asset webpack finds through `new URL(…, import.meta.url)`).
const path = require('node:path')

module.exports = {
  mode: 'production',
  entry: './page.mjs',
  output: { path: path.resolve(__dirname, 'dist-webpack'), clean: true },
}
