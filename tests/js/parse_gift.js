// Parses GIFT text from stdin with gift-pegjs (the strict parser; tests/test_banks.py) and prints its
// questions as JSON. A parse error is printed on stderr with its line and column, and the exit code is 1.
//
//   node tests/js/parse_gift.js < bank.gift
"use strict";

const fs = require("fs");
const path = require("path");
const { parse } = require(path.join(__dirname, "..", "..", "node_modules", "gift-pegjs"));

const text = fs.readFileSync(0, "utf8");
try {
  process.stdout.write(JSON.stringify(parse(text)));
} catch (e) {
  const where = e.location ? ` at line ${e.location.start.line}, column ${e.location.start.column}` : "";
  process.stderr.write(`GIFT parse error${where}: ${e.message}\n`);
  process.exitCode = 1;
}
