// Runs browser scripts under Node for the tests: loads the given files, in order, into one fresh global
// (a vm context, like a page before any script: no DOM, no network, no storage), gives it the JSON read from
// stdin as `input`, evaluates an expression there and prints its value as JSON.
//
//   node tests/js/run_in_node.js EXPRESSION FILE... < input.json
//
// The scripts see `document` only as {readyState: "complete"}: enough for quizlib-sync.js to load (it waits
// for the page only if it is still loading) and to find no `fetch` to start sending with.
"use strict";

const fs = require("fs");
const vm = require("vm");

function main(argv) {
  const [expression, ...files] = argv;
  if (!expression || !files.length) {
    process.stderr.write("usage: node run_in_node.js EXPRESSION FILE... < input.json\n");
    return 2;
  }
  // atob and TextDecoder, as every page has them (quizlib-ui.js decodes a practice copy with them).
  const sandbox = vm.createContext({ document: { readyState: "complete" }, atob, TextDecoder });
  for (const file of files) vm.runInContext(fs.readFileSync(file, "utf8"), sandbox, { filename: file });
  sandbox.inputText = fs.readFileSync(0, "utf8");
  // Parsed inside the context, so that its arrays and objects are the context's own (Array.isArray, instanceof).
  const value = vm.runInContext(`(function (input) { return ${expression}; })(JSON.parse(inputText))`, sandbox);
  process.stdout.write(JSON.stringify(value));
  return 0;
}

process.exitCode = main(process.argv.slice(2));
