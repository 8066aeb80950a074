// The entry point Zapier's runtime requires (package.json "main"). The app is written in
// TypeScript (index.ts → dist/index.js); Zapier's CommonJS wrapper does not unwrap an ES
// module's `default`, so it is unwrapped here (docs/zapier-facts.md §1).
module.exports = require('./dist/index').default;
