// Mocha reporter: the usual spec output, plus one JSON line of counts appended to $BPN_SUMMARY so
// scripts/test-all.mjs can print a single closing line over every suite.
const fs = require("node:fs");
const Mocha = require("mocha");

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const file = process.env.BPN_SUMMARY;
      if (!file) return;
      const { passes, failures, pending } = runner.stats ?? this.stats;
      fs.appendFileSync(file, JSON.stringify({ suite: process.env.BPN_SUITE ?? "", passes, failures, pending }) + "\n");
    });
  }
}
module.exports = SummaryReporter;
