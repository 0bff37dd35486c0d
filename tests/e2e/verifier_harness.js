// Runs the verifier page's core (extracted from the built page) under node for
// tests/e2e/test_verifier_page.py. Usage: node verifier_harness.js CORE.js INPUT.json
// INPUT: {"paytables": {...}, "export": "<JSON Lines>" (or "export_b64": the file's bytes,
//         base64, read as the page reads a file), "catalog": {...} | null,
//         "rounds": [[game, scheme, server, client, nonce, params], ...]}
// Prints {"checks": [...], "summary": {...}, "findings": [[line, kind], ...],
//         "rounds": [{result, multiplier} | {error}]}.
"use strict";
const fs = require("fs");
const vm = require("vm");
const [corePath, inputPath] = process.argv.slice(2);
vm.runInThisContext(fs.readFileSync(corePath, "utf8"), { filename: "core.js" });
const C = globalThis.VerifierCore;
const input = JSON.parse(fs.readFileSync(inputPath, "utf8"));
C.setPaytables(input.paytables);
(async () => {
  const out = { checks: [], summary: null, rounds: [] };
  const source = input.export_b64 !== undefined ? new Uint8Array(Buffer.from(input.export_b64, "base64")) : input.export;
  if (source !== undefined) {
    const r = await C.verifyExport(source, { catalog: input.catalog || null });
    out.summary = r.summary;
    out.findings = r.findings.map((f) => [f.line, f.kind]);
    out.checks = r.checks.map((c) => ({ line: c.line, status: c.status, game: c.game, fields: c.differences.map((d) => d.field).sort(), multiplier: c.multiplier === undefined ? null : c.multiplier, result: c.result === undefined ? null : c.result, error: c.error || null }));
  }
  for (const [game, scheme, server, client, nonce, params] of input.rounds || []) {
    try {
      const r = await C.computeRound(game, scheme, server, client, nonce, params);
      out.rounds.push({ result: r.result, multiplier: r.multiplierText });
    } catch (e) {
      if (!(e instanceof C.Bad)) throw e;
      out.rounds.push({ error: e.message });
    }
  }
  process.stdout.write(JSON.stringify(out, (k, v) => (typeof v === "bigint" ? v.toString() : v)));
})().catch((e) => { console.error(e && e.stack || e); process.exit(3); });
