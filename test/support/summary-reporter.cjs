// Mocha reporter: the usual spec output, plus one JSON line of counts appended to $BPN_SUMMARY so
// scripts/test-all.mjs can print a single closing line over every suite. Skipped tests are counted
// by reason (test/support/sharedData.ts sets it on the test or its suite).
const fs = require("node:fs");
const Mocha = require("mocha");

function skipReason(test) {
  for (let r = test; r; r = r.parent) if (r.bpnSkipReason) return r.bpnSkipReason;
  return "skipped without a stated reason";
}

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const skipped = {};
    runner.on(Mocha.Runner.constants.EVENT_TEST_PENDING, (test) => {
      const why = skipReason(test);
      skipped[why] = (skipped[why] ?? 0) + 1;
    });
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const file = process.env.BPN_SUMMARY;
      if (!file) return;
      const { passes, failures, pending } = runner.stats ?? this.stats;
      fs.appendFileSync(file, JSON.stringify({ suite: process.env.BPN_SUITE ?? "", passes, failures, pending, skipped }) + "\n");
    });
  }
}
module.exports = SummaryReporter;
