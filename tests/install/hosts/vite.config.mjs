// Vite's defaults for a production build (nothing for the package); `base` only because
// the test serves the build from a sub-folder.
export default {
  logLevel: 'warn',
  base: './',
  build: { outDir: 'dist-vite', emptyOutDir: true },
}
