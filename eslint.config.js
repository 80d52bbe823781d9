// ESLint for quizlib's browser scripts (src/quizlib/fronts/assets/) and the Node scripts the tests run
// them with (tests/js/). Run: npx eslint   (./course test runs it too: tests/test_javascript.py)
"use strict";

const js = require("@eslint/js");
const globals = require("globals");

// Rules beyond "recommended" that each catch a real kind of bug in this code's style (var, closures,
// callbacks), not matters of taste.
const bugCatchers = {
  eqeqeq: ["error", "always"],                      // "0" == 0, null == undefined surprises
  "block-scoped-var": "error",                      // a var used outside the block it is declared in
  "no-use-before-define": ["error", { functions: false, classes: true, variables: false }],
  "no-shadow": ["error", { builtinGlobals: false }],// an inner name hiding an outer one (two `el`s, two `q`s)
  "no-loop-func": "error",                          // a closure in a loop capturing a var that changes
  "array-callback-return": "error",                 // a map/filter/every callback that forgets to return
  "no-throw-literal": "error",
  "no-self-compare": "error",
  "no-unmodified-loop-condition": "error",
  "no-promise-executor-return": "error",
  "no-implicit-globals": "error",                   // every script keeps its names inside its wrapper
  "no-unused-vars": ["error", { args: "after-used", caughtErrors: "none" }],
  strict: ["error", "function"],
};

module.exports = [
  {
    files: ["src/quizlib/fronts/assets/**/*.js"],
    ...js.configs.recommended,
    languageOptions: {
      ecmaVersion: 2020,
      sourceType: "script",
      // Browsers, and Node for the tests that load quizlib-core.js and the statement builders there.
      globals: { ...globals.browser, ...globals.node },
    },
    rules: { ...js.configs.recommended.rules, ...bugCatchers },
  },
  {
    files: ["tests/js/**/*.js", "eslint.config.js"],
    ...js.configs.recommended,
    languageOptions: { ecmaVersion: 2022, sourceType: "commonjs", globals: { ...globals.node } },
    rules: { ...js.configs.recommended.rules, ...bugCatchers, strict: ["error", "global"] },
  },
  {
    // Loaded as a plain script, in a page and in Node's vm alike: it defines one global function.
    files: ["tests/js/scoring_cases.js", "tests/js/attempt.js"],
    languageOptions: { sourceType: "script", globals: {} },
  },
];
